#!/usr/bin/env python3
"""audit-gen.py - N synthetic OSV records for the patch-audit benchmark (bench/audit.sh).

    python3 bench/audit-gen.py STATUS_FILE N OUT.json

Half the records name a source package installed on this machine (from the dpkg status file,
so matching does real version comparisons: fixed versions just above, at and below the
installed one, some with no fix at all), half name packages that are not installed.  Most are
in the Debian:12 ecosystem, some in Debian:11 (which must not apply).  Half carry a CVSS 3.1
vector and some a CVSS 4.0 vector, which vigia scores while loading.  Deterministic (seeded).
"""
import json
import random
import sys

status, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(20261128)
src = {}
for stanza in open(status, encoding="utf-8", errors="replace").read().split("\n\n"):
    f = {}
    for line in stanza.splitlines():
        if ":" in line and not line.startswith(" "):
            k, v = line.split(":", 1)
            f[k] = v.strip()
    if "Package" in f and "Version" in f and f.get("Status", "").endswith(" installed"):
        s = f.get("Source", f["Package"])
        ver = f["Version"]
        if "(" in s:
            s, ver = s.split("(", 1)
            s, ver = s.strip(), ver.rstrip(")").strip()
        src[s] = ver
names = sorted(src)
V3 = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N",
      "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N"]
V4 = ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U"]
recs = []
for i in range(n):
    if names and rnd.random() < 0.5:
        pkg = rnd.choice(names)
        inst = src[pkg]
        r = rnd.random()
        if r < 0.3:
            fixed = inst + "+deb12u%d" % rnd.randint(1, 9)       # above: affected, fix available
        elif r < 0.6:
            fixed = inst                                        # at: not affected
        elif r < 0.8:
            fixed = "0.%d-1" % rnd.randint(1, 99)              # below: not affected
        else:
            fixed = None                                        # no fix yet
    else:
        pkg = "notinstalled%d" % rnd.randint(0, 20000)
        fixed = "%d.%d-%d" % (rnd.randint(0, 9), rnd.randint(0, 99), rnd.randint(1, 5))
    events = [{"introduced": "0"}] + ([{"fixed": fixed}] if fixed else [])
    rec = {"id": "DEBIAN-CVE-2099-%06d" % i, "modified": "2026-11-01T00:00:00Z",
           "upstream": ["CVE-2099-%06d" % i],
           "affected": [{"package": {"ecosystem": "Debian:12" if rnd.random() < 0.8 else "Debian:11",
                                     "name": pkg},
                         "ranges": [{"type": "ECOSYSTEM", "events": events}]}]}
    r = rnd.random()
    if r < 0.5:
        rec["severity"] = [{"type": "CVSS_V3", "score": rnd.choice(V3)}]
    elif r < 0.7:
        rec["severity"] = [{"type": "CVSS_V4", "score": rnd.choice(V4)}]
    recs.append(rec)
with open(out, "w") as f:
    json.dump(recs, f)
