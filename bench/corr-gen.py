#!/usr/bin/env python3
"""corr-gen.py - inputs for the correlation benchmark of bench/store.sh.

    python3 bench/corr-gen.py DIR INCIDENTS PER_INCIDENT NEW

Writes into DIR:

- feed.json: a feed definition for vigia's generic CSV parser (columns source.ip,
  source.url, classification.type, time.source; feed "bench correlation");
- state.csv: INCIDENTS * PER_INCIDENT scanner events: INCIDENTS source addresses (so the
  built-in rule "by-source" makes INCIDENTS incidents), each event with a URL of its own, so
  the store ends with INCIDENTS * (PER_INCIDENT + 1) indicators (an address per incident, a
  URL per event).  Times spread over six days.
- new.csv: NEW events of the same addresses, on the seventh day (each joins its address's
  open incident): half of them with the URL of an event of another incident, already an
  indicator (a new posting, and a correlation link between the two incidents the first time
  the pair meets), half with a new URL.

Addresses and host names are public-looking and on no warning list (no documentation
ranges, no example.* names), so that every value is correlated.  Seeded: the same files on
every machine.  Only the Python standard library is used.
"""
import json
import os
import random
import sys
import time

SEED = 20261129
BASE = 1767225600  # 2026-01-01T00:00:00Z
TLDS = ["com", "net", "org", "info", "xyz", "top", "ru", "de"]


def ip_of(n):
    a = (5, 23, 31, 37, 45, 46, 62, 77, 78, 80, 81, 83, 85, 89, 91, 93)[n % 16]
    n //= 16
    return "%d.%d.%d.%d" % (a, (n >> 16) & 255, (n >> 8) & 255, n & 255)


def url_of(k):
    """The k-th URL: distinct for every k."""
    return "http://h%x.%s/%s/%d.php" % (k // 7, TLDS[k % len(TLDS)], ("wp", "img", "dl")[k % 3], k)


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


def main():
    if len(sys.argv) != 5:
        sys.stderr.write("usage: corr-gen.py DIR INCIDENTS PER_INCIDENT NEW\n")
        return 2
    out, ninc, per, nnew = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(SEED)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "feed.json"), "w") as f:
        json.dump({"parser": "csv",
                   "parameters": {"columns": ["source.ip", "source.url", "classification.type",
                                              "time.source"]},
                   "report": {"feed.name": "bench correlation"}}, f)
        f.write("\n")
    nstate = ninc * per
    span = 6 * 86400
    with open(os.path.join(out, "state.csv"), "w") as f:
        w = f.write
        for e in range(nstate):
            inc = e % ninc  # the incidents' events interleave, as feeds deliver them
            w("%s,%s,scanner,%s\n" % (ip_of(inc), url_of(e), iso(BASE + e * span // nstate)))
    with open(os.path.join(out, "new.csv"), "w") as f:
        w = f.write
        for e in range(nnew):
            inc = rng.randrange(ninc)
            if e % 2:
                k = rng.randrange(nstate)
                if k % ninc == inc:  # the URL of an event of another incident
                    k = (k + 1) % nstate
                url = url_of(k)
            else:
                url = url_of(nstate + e)
            w("%s,%s,scanner,%s\n" % (ip_of(inc), url, iso(BASE + span + e * 86400 // nnew)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
