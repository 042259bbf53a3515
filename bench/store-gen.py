#!/usr/bin/env python3
"""store-gen.py - fill a vigia store with many events and incidents, for bench/store.sh.

    python3 bench/store-gen.py DB EVENTS INCIDENTS

DB must have been created by vigia itself (`vigia store migrate --db DB`): this script only
fills the tables that vigia's migrations made, so the store has exactly vigia's schema, its
indexes included.  It writes with bulk SQL (Python's sqlite3), which is much faster than
ingesting feeds: the secondary indexes are dropped first and created again at the end with
the very statements vigia's migrations wrote (read back from sqlite_master), and the database
is put back in WAL mode, as vigia leaves it.

What goes in (seeded: the same store on every machine):

- INCIDENTS incidents of the built-in rule "by-source" (key: source address and type), one
  source address each, numbered in the order they were opened; the last 100 are large
  (every 200th event goes to one of them: EVENTS/20,000 events each), the others share the
  rest, so an incident has about EVENTS/INCIDENTS events.  The newest 10% are new, open, in progress or
  waiting; of the older ones 5% are still open (not yet resolved), the rest resolved or closed.
- EVENTS events, in time order, each linked to its incident (incident_events), with the
  search columns vigia fills (addresses as 16-byte values, classification, taxonomy, feed,
  fingerprint, times) and the event as JSON with a base64 `raw` (about 560 bytes, like a
  line of a scanner feed).  An incident's events are spread over a few days.
- One indicator (ip) per incident address and its posting.

Only the Python standard library is used.  Progress goes to stderr.
"""
import base64
import random
import sqlite3
import sys
import time

SEED = 20261128
BASE = 1767225600  # 2026-01-01T00:00:00Z
TYPES = [("scanner", "information-gathering"), ("brute-force", "intrusion-attempts"),
         ("infected-system", "malicious-code"), ("spam", "abusive-content"),
         ("vulnerable-system", "vulnerable"), ("ddos", "availability")]
FEEDS = ["Shadowserver scan_ssh", "DShield", "Spamhaus DROP", "Blocklist.de", "CERT-XX sensor"]


def ip_of(n):
    """A public-looking IPv4 address for incident n (distinct for n < 2^24)."""
    a = (5, 23, 31, 37, 45, 46, 62, 77, 78, 80, 81, 83, 85, 89, 91, 93)[n % 16]
    n //= 16
    return "%d.%d.%d.%d" % (a, (n >> 16) & 255, (n >> 8) & 255, n & 255)


def ip16(ip):
    return bytes(10) + b"\xff\xff" + bytes(int(x) for x in ip.split("."))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: store-gen.py DB EVENTS INCIDENTS\n")
        return 2
    path, nev, ninc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(SEED)
    db = sqlite3.connect(path, isolation_level=None)
    if db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'").fetchone()[0] != 1:
        sys.stderr.write("store-gen: %s is not a vigia store (run vigia store migrate first)\n" % path)
        return 1
    if db.execute("SELECT count(*) FROM events").fetchone()[0]:
        sys.stderr.write("store-gen: %s already has events\n" % path)
        return 1
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1048576")
    tables = ("events", "incidents", "incident_events", "indicators", "postings", "audit")
    idx = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                     "AND tbl_name IN (%s)" % ",".join("?" * len(tables)), tables).fetchall()
    for name, _ in idx:
        db.execute("DROP INDEX %s" % name)
    t0 = time.time()
    db.execute("BEGIN")
    db.execute("INSERT INTO batches (id, feed, source, started, finished, records, events) "
               "VALUES (1, 'bench', 'store-gen.py', ?, ?, ?, ?)", (BASE, BASE + 86400 * 300, nev, nev))

    # incident of each event: event e belongs to "small" incident ~ e / per (with jitter, so
    # that the events of neighbouring incidents interleave), or every 200th to a large one
    big = 100
    small = ninc - big
    per = nev / small
    span = 86400 * 300  # the events cover 300 days
    counts = [0] * (ninc + 1)
    first = [0] * (ninc + 1)
    last = [0] * (ninc + 1)

    def events():
        for e in range(1, nev + 1):
            if e % 200 == 0:
                inc = small + 1 + rng.randrange(big)
            else:
                inc = min(small, max(1, int(e / per) + 1 + rng.randrange(-30, 31)))
            t = BASE + (e * span) // nev
            if counts[inc] == 0:
                first[inc] = t
            counts[inc] += 1
            last[inc] = t
            ip = ip_of(inc)
            ctype, tax = TYPES[inc % len(TYPES)]
            feed = FEEDS[inc % len(FEEDS)]
            port = rng.randrange(1024, 65536)
            raw = base64.b64encode(("\"%s\",\"%s\",%d,\"tcp\",\"%s\",%d,\"XX\",\"sensor-%d\"\n" % (
                iso(t), ip, port, ctype, 64496 + inc % 1000, e % 97)).encode()).decode()
            js = ('{"classification.taxonomy":"%s","classification.type":"%s","feed.name":"%s",'
                  '"feed.provider":"bench","feed.accuracy":100.0,"protocol.transport":"tcp",'
                  '"raw":"%s","source.asn":%d,"source.geolocation.cc":"XX","source.ip":"%s",'
                  '"source.port":%d,"destination.port":22,"extra.sensor":"sensor-%d",'
                  '"time.observation":"%s","time.source":"%s"}') % (
                tax, ctype, feed, raw, 64496 + inc % 1000, ip, port, e % 97, iso(t), iso(t))
            yield (e, rng.getrandbits(63), t, t, t, ip16(ip), ctype, tax, feed, js, inc)

    def event_rows(gen, links):
        for r in gen:
            links.append((r[10], r[0], r[2]))
            yield r[:10]

    done = 0
    gen = events()
    while done < nev:
        links = []
        n = min(500000, nev - done)
        rows = [next(gen) for _ in range(n)]
        db.executemany("INSERT INTO events (id, batch, fingerprint, first_seen, last_seen, time, "
                       "source_ip, classification_type, taxonomy, feed, json) "
                       "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)", event_rows(iter(rows), links))
        db.executemany("INSERT INTO incident_events (incident, event, seen) VALUES (?, ?, ?)", links)
        done += n
        sys.stderr.write("store-gen: %d events (%.0f s)\n" % (done, time.time() - t0))
        del rows

    def incidents():
        recent = ninc - ninc // 10
        for i in range(1, ninc + 1):
            ctype, tax = TYPES[i % len(TYPES)]
            ip = ip_of(i)
            if i > recent:
                state = rng.choice((0, 0, 1, 1, 2, 3))
            else:
                state = rng.randrange(4) if rng.random() < 0.05 else rng.choice((4, 5, 5, 5))
            res = "true-positive" if state >= 4 else None
            created = first[i] or BASE
            pri = 3
            yield (i, "source.ip=%s classification.type=%s" % (ip, ctype), state, res, pri,
                   ctype, tax, "%s from %s" % (ctype, ip), first[i], last[i], counts[i], created,
                   last[i] or created, created + 3 * 86400)

    db.executemany("INSERT INTO incidents (id, rule, key, state, resolution, priority, tlp, "
                   "classification_type, taxonomy, title, first_seen, last_seen, event_count, "
                   "created, updated, deadline) VALUES (?, 'by-source', ?, ?, ?, ?, 'AMBER', ?, ?, ?, "
                   "?, ?, ?, ?, ?, ?)", incidents())
    db.executemany("INSERT INTO indicators (id, kind, value) VALUES (?, 'ip', ?)",
                   ((i, ip_of(i)) for i in range(1, ninc + 1)))
    db.executemany("INSERT INTO postings (indicator, incident) VALUES (?, ?)",
                   ((i, i) for i in range(1, ninc + 1)))
    sys.stderr.write("store-gen: incidents, indicators, postings (%.0f s)\n" % (time.time() - t0))
    db.execute("COMMIT")
    for name, sql in idx:
        db.execute(sql)
        sys.stderr.write("store-gen: index %s (%.0f s)\n" % (name, time.time() - t0))
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
