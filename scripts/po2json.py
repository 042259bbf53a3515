#!/usr/bin/env python3
"""Turn the web UI's messages of a gettext catalogue into a JSON object {msgid: msgstr}.

Usage: po2json.py FILE.po > OUT.json.  Only entries whose references name a file under web/
are kept (the page needs nothing else); untranslated and fuzzy entries are left out, so the
page falls back to the English msgid, as gettext does."""
import json
import sys


def unquote(s):
    s = s.strip()
    if not (s.startswith('"') and s.endswith('"')):
        raise ValueError("not a PO string: " + s)
    return json.loads(s)  # PO escapes (\\n, \\", \\\\, \\t) are JSON's


def entries(lines):
    e = {"refs": "", "flags": "", "msgid": None, "msgstr": None}
    cur = None
    for line in lines + [""]:
        line = line.rstrip("\n")
        if not line.strip():
            if e["msgid"] is not None:
                yield e
            e = {"refs": "", "flags": "", "msgid": None, "msgstr": None}
            cur = None
        elif line.startswith("#:"):
            e["refs"] += line[2:] + " "
        elif line.startswith("#,"):
            e["flags"] += line[2:]
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            e["msgid"] = unquote(line[6:])
            cur = "msgid"
        elif line.startswith("msgstr "):
            e["msgstr"] = unquote(line[7:])
            cur = "msgstr"
        elif line.startswith('"') and cur:
            e[cur] += unquote(line)
        else:
            cur = None


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.readlines()
    out = {}
    for e in entries(lines):
        if not e["msgid"] or "fuzzy" in e["flags"] or not e["msgstr"]:
            continue
        if any(r.startswith("web/") for r in e["refs"].split()):
            out[e["msgid"]] = e["msgstr"]
    json.dump(out, sys.stdout, ensure_ascii=False, sort_keys=True, indent=0)
    sys.stdout.write("\n")


main()
