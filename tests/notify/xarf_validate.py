#!/usr/bin/python3
"""Validate X-ARF v4 reports against the schemas of ../shared/corpus/abuse-reports/xarf-v4
(JSON Schema draft 2020-12, Debian's python3-jsonschema, offline: every schema is loaded from
the folder by its $id).  usage: xarf_validate.py SCHEMA_DIR FILE...  Exit 0 when all are valid;
prints each error with the file."""
import glob
import json
import os
import sys

import jsonschema


def main():
    sdir = sys.argv[1]
    store = {}
    for f in glob.glob(os.path.join(sdir, "**", "*.json"), recursive=True):
        with open(f) as fh:
            s = json.load(fh)
        store[s["$id"]] = s
    master = store["https://xarf.org/schemas/v4/xarf-v4-master.json"]
    resolver = jsonschema.RefResolver.from_schema(master, store=store)
    v = jsonschema.Draft202012Validator(master, resolver=resolver,
                                        format_checker=jsonschema.FormatChecker())
    bad = 0
    for f in sys.argv[2:]:
        with open(f) as fh:
            doc = json.load(fh)
        errs = list(v.iter_errors(doc))
        for e in errs:
            print("%s: %s: %s" % (f, "/".join(str(p) for p in e.absolute_path), e.message))
        bad += bool(errs)
    print("%d report(s), %d invalid" % (len(sys.argv) - 2, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
