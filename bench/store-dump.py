#!/usr/bin/env python3
"""bench/store-dump.py DB -- what an SQLite store holds, canonically, as one digest.

Two stores that went through the same input by different routes (in-process, Redis workers in
any order) must hold the same events and incidents; only ids and clock times may differ.  Each
event: its JSON (the event itself), fingerprint, repeat count, first and last seen.  Each
incident: every column but id, created, updated, deadline and merged_into, with the sorted
fingerprints of its events.  Then the number of links and postings.  The lines are sorted and
hashed; printed: "N events, M incidents, L links, P postings, sha256 HEX".
"""
import hashlib
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
lines = []
for fp, rep, first, last, js in db.execute(
        "SELECT fingerprint, repeats, first_seen, last_seen, json FROM events"):
    lines.append("e %r %d %d %d %s" % (fp, rep, first, last, js))
nev = len(lines)
evfp = {}
for inc, fp in db.execute("SELECT ie.incident, e.fingerprint FROM incident_events ie "
                          "JOIN events e ON e.id = ie.event"):
    evfp.setdefault(inc, []).append(fp if fp is not None else 0)
cols = [r[1] for r in db.execute("PRAGMA table_info(incidents)")]
keep = [c for c in cols if c not in ("id", "created", "updated", "deadline", "merged_into")]
ninc = 0
for row in db.execute("SELECT id, %s FROM incidents" % ", ".join(keep)):
    lines.append("i %r %r" % (row[1:], sorted(evfp.get(row[0], []))))
    ninc += 1
links = db.execute("SELECT count(*) FROM links").fetchone()[0]
posts = db.execute("SELECT count(*) FROM postings").fetchone()[0]
lines.sort()
h = hashlib.sha256()
for l in lines:
    h.update(l.encode())
    h.update(b"\n")
h.update(("links %d postings %d" % (links, posts)).encode())
print("%d events, %d incidents, %d links, %d postings, sha256 %s" %
      (nev, ninc, links, posts, h.hexdigest()[:16]))
