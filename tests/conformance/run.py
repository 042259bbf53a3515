#!/usr/bin/env python3
"""Conformance: vigia's events equal IntelMQ's own output on every feed case.

For every case in ../shared/corpus/feeds (a feed*.json definition, its input, and
intelmq-output*.json), runs `vigia ingest --feed-file` and compares the events with IntelMQ's
as a multiset, ignoring time.observation; raw is compared as decoded bytes.

vigia differs from IntelMQ on purpose in a few documented ways (docs/formats.md); each is a
rule in tests/conformance/differences.json that rewrites IntelMQ's expected event into vigia's
documented expectation before the comparison.  The comparison itself stays exact.

Usage: run.py [--vigia PATH] [--corpus DIR] [-v] [CASE-PREFIX...]
Prints one line per case and "N passed, N failed" at the end; exit 1 if any failed.
"""
import argparse
import base64
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# RSIT: classification.type -> classification.taxonomy, as vigia derives it when a feed
# gives no taxonomy (IntelMQ does this in a separate bot, its taxonomy expert; vigia in
# normalisation).  Kept independent of src/event/taxonomy.c on purpose: this is the test's
# own statement of the expected mapping (RSIT machinetag + IntelMQ's extensions).
RSIT = {
    "spam": "abusive-content", "harmful-speech": "abusive-content", "violence": "abusive-content",
    "ddos": "availability", "dos": "availability", "outage": "availability",
    "sabotage": "availability", "misconfiguration": "availability",
    "copyright": "fraud", "masquerade": "fraud", "phishing": "fraud",
    "unauthorized-use-of-resources": "fraud", "unauthorised-use-of-resources": "fraud",
    "unauthorised-information-access": "information-content-security",
    "unauthorised-information-modification": "information-content-security",
    "data-loss": "information-content-security", "dropzone": "information-content-security",
    "data-leak": "information-content-security", "leak": "information-content-security",
    "scanner": "information-gathering", "sniffing": "information-gathering",
    "social-engineering": "information-gathering",
    "brute-force": "intrusion-attempts", "exploit": "intrusion-attempts",
    "ids-alert": "intrusion-attempts",
    "application-compromise": "intrusions", "backdoor": "intrusions", "burglary": "intrusions",
    "compromised": "intrusions", "defacement": "intrusions", "system-compromise": "intrusions",
    "privileged-account-compromise": "intrusions", "unauthorized-command": "intrusions",
    "unauthorized-login": "intrusions", "unprivileged-account-compromise": "intrusions",
    "c2-server": "malicious-code", "dga-domain": "malicious-code",
    "infected-system": "malicious-code", "malware": "malicious-code",
    "malware-configuration": "malicious-code", "malware-distribution": "malicious-code",
    "ransomware": "malicious-code",
    "blacklist": "other", "other": "other", "undetermined": "other", "proxy": "other",
    "tor": "other", "unknown": "other",
    "test": "test",
    "ddos-amplifier": "vulnerable", "information-disclosure": "vulnerable",
    "potentially-unwanted-accessible": "vulnerable", "vulnerable client": "vulnerable",
    "vulnerable service": "vulnerable", "vulnerable-client": "vulnerable",
    "vulnerable-service": "vulnerable", "vulnerable-system": "vulnerable",
    "weak-crypto": "vulnerable",
}


def cases(corpus):
    for folder in sorted(os.listdir(corpus)):
        d = os.path.join(corpus, folder)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.startswith("feed") and f.endswith(".json"):
                suffix = f[len("feed"):-len(".json")]
                out = os.path.join(d, "intelmq-output%s.json" % suffix)
                if os.path.exists(out):
                    yield folder + suffix, d, f, out


def normalise(ev):
    ev = dict(ev)
    ev.pop("__type", None)
    ev.pop("time.observation", None)
    if "raw" in ev:
        ev["raw"] = base64.b64decode(ev["raw"]).decode("utf-8", "backslashreplace")
    return ev


def taxonomy_expert(ev):
    """What vigia's normalisation adds, as IntelMQ's taxonomy expert would."""
    if "classification.type" not in ev:
        ev["classification.type"] = "undetermined"
        ev.setdefault("classification.taxonomy", "other")
    elif "classification.taxonomy" not in ev:
        ev["classification.taxonomy"] = RSIT.get(ev["classification.type"], "other")
    return ev


def apply_differences(case, ev, rules):
    """Rewrite one expected event by the documented rules; None drops it.  Rules apply in
    order, each at most once per event: put specific ones ("when") before general ones."""
    for r in rules:
        if r["case"] != case and not (r["case"].endswith("*") and case.startswith(r["case"][:-1])):
            continue
        if any(ev.get(k) != v for k, v in r.get("when", {}).items()):
            continue
        if r.get("drop"):
            return None
        f = r["field"]
        if "intelmq" in r and ev.get(f) != r["intelmq"]:
            continue
        if r.get("vigia") is None:
            ev.pop(f, None)
        else:
            ev[f] = r["vigia"]
        if "rename" in r and f in ev:
            ev[r["rename"]] = ev.pop(f)
    return ev


def canon(ev):
    return json.dumps(ev, sort_keys=True, ensure_ascii=False)


def diff_pair(a, b):
    keys = sorted(set(a) | set(b))
    out = []
    for k in keys:
        if a.get(k, "<absent>") != b.get(k, "<absent>"):
            out.append("      %s: intelmq=%r vigia=%r" % (k, a.get(k, "<absent>"), b.get(k, "<absent>")))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigia", default=os.environ.get("VIGIA", os.path.join(ROOT, "build/vigia")))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "feeds"))
    ap.add_argument("-v", action="store_true")
    ap.add_argument("prefix", nargs="*")
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        print("SKIP conformance: %s is absent (../shared not mounted)" % a.corpus)
        print("0 passed, 0 failed, 1 skipped")
        return 0
    with open(os.path.join(HERE, "differences.json")) as f:
        rules = json.load(f)["rules"]
    passed = failed = 0
    vigia = os.path.abspath(a.vigia)
    for name, d, feedfile, outfile in cases(a.corpus):
        if a.prefix and not any(name.startswith(p) for p in a.prefix):
            continue
        with open(os.path.join(d, feedfile)) as f:
            feed = json.load(f)
        with open(outfile) as f:
            expected = json.load(f)
        with tempfile.TemporaryDirectory() as tmp:
            rej = os.path.join(tmp, "rejects.jsonl")
            p = subprocess.run([vigia, "ingest", "--output", "jsonl", "--feed-file", os.path.join(d, feedfile),
                                "--rejects", rej, "--no-progress", os.path.join(d, feed["input"])],
                               capture_output=True, cwd=tmp)
            rejects = open(rej).read() if os.path.exists(rej) else ""
        problems = []
        if p.returncode not in (0, 1) or b"runtime error" in p.stderr or b"Sanitizer" in p.stderr:
            problems.append("vigia exited %d:\n%s" % (p.returncode, p.stderr.decode(errors="replace")))
        got = []
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            try:
                got.append(normalise(json.loads(line)))
            except ValueError as e:
                problems.append("bad JSON line from vigia: %s: %r" % (e, line[:200]))
        want = [apply_differences(name, taxonomy_expert(normalise(e)), rules) for e in expected]
        want = [e for e in want if e is not None]
        cw = collections.Counter(canon(e) for e in want)
        cg = collections.Counter(canon(e) for e in got)
        missing = list((cw - cg).elements())
        extra = list((cg - cw).elements())
        if missing or extra:
            problems.append("%d expected events missing, %d unexpected" % (len(missing), len(extra)))
            for m in missing[:3]:
                mj = json.loads(m)
                # the closest unexpected event, by shared fields
                best = max((json.loads(x) for x in extra), default=None,
                           key=lambda x: sum(1 for k in mj if mj.get(k) == x.get(k)))
                if best is not None:
                    problems.append("    closest pair:\n" + diff_pair(mj, best))
                else:
                    problems.append("    missing: " + m[:600])
            if not missing:
                for x in extra[:3]:
                    problems.append("    unexpected: " + x[:600])
            if rejects:
                problems.append("    rejects: " + rejects[:800])
        if problems:
            failed += 1
            print("FAIL %s (%d events expected, %d emitted)" % (name, len(want), len(got)))
            for pr in problems:
                print("  " + pr)
        else:
            passed += 1
            print("ok   %s (%d events)" % (name, len(got)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
