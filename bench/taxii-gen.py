#!/usr/bin/env python3
"""Fill a TAXII collection of a vigia SQLite store with N STIX indicators, for bench/http.sh.

    python3 bench/taxii-gen.py STORE.db COLLECTION-ID N

Writes the rows of the taxii_objects table (schema steps 10 and 18) directly, as a POST of the
same objects would leave them (one version each, date_added one millisecond apart, TLP:GREEN;
seq given, as schema step 18's table does not hand it out),
because a million objects through the STIX importer and the pipeline would measure the
importer, not the server.  Deterministic: the same N gives the same rows.
"""
import json
import sqlite3
import sys
import uuid

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def rows(coll, n):
    base = 1767225600  # 2026-01-01T00:00:00Z
    for i in range(n):
        oid = "indicator--" + str(uuid.UUID(int=(0x5EED << 96) | i, version=4))
        sec, ms = divmod(i, 1000)
        t = base + sec
        day, rest = divmod(t, 86400)
        hh, rest = divmod(rest, 3600)
        mm, ss = divmod(rest, 60)
        # days since 2026-01-01 stay within January..April for a million rows
        months = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        d = day - 20454  # 2026-01-01
        m = 0
        while d >= months[m]:
            d -= months[m]
            m += 1
        stamp = "2026-%02d-%02dT%02d:%02d:%02d.%03d" % (m + 1, d + 1, hh, mm, ss, ms)
        a, b = divmod(i, 65536)
        obj = {
            "type": "indicator", "spec_version": "2.1", "id": oid,
            "created": stamp + "Z", "modified": stamp + "Z",
            "name": "scanner %d" % i, "indicator_types": ["malicious-activity"],
            "pattern": "[ipv4-addr:value = '10.%d.%d.%d']" % (a % 256, b // 256, b % 256),
            "pattern_type": "stix", "valid_from": stamp + "Z",
            "object_marking_refs": [GREEN],
        }
        ts = stamp + "000Z"
        yield (coll, oid, "indicator", ts, "2.1", ts, 1, "bench",
               json.dumps(obj, separators=(",", ":")), i + 1)


def main():
    db, coll, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    with con:
        con.executemany(
            "INSERT INTO taxii_objects (collection, id, type, version, spec_version, "
            "date_added, tlp, account, object, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(coll, n))
    con.close()


if __name__ == "__main__":
    main()
