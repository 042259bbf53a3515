#!/usr/bin/env python3
"""enrich-gen.py - inputs for bench/enrich.sh: an address feed and a constituency.

    python3 bench/enrich-gen.py EVENTS ASN_IPV4_CSV ASN_IPV6_CSV OUT_DIR

Writes into OUT_DIR:
  feed.csv           EVENTS lines "time,ip,type": 80% IPv4 and 20% IPv6 addresses, each drawn
                     uniformly inside a random row of the real ASN range files (so nearly all
                     of them have an AS, a network and a country to fill), every address new
  feed.json          its feed definition (the generic CSV parser; the feed gives only the
                     time, the address and the classification: enrichment fills the rest)
  constituency.csv   2,000 organisations, each with one network (the /24 or /48 at the start
                     of a random row), one AS (of another random row) and a contact, and the
                     partner CERTs of 30 countries (docs/formats.md, "Constituency files")

Seeded: the same files on every machine.  Only the Python standard library is used.
"""
import ipaddress
import json
import os
import random
import sys

SEED = 20261128
CCS = ["AR", "AT", "BR", "CH", "CL", "CN", "CO", "CZ", "DE", "ES", "FR", "GB", "IN", "IT",
       "JP", "KR", "MX", "NL", "PE", "PL", "PT", "PY", "RU", "SE", "UA", "US", "UY", "VE",
       "ZA", "BO"]


def rows(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split(",", 3)
            if len(parts) < 3 or not parts[2].strip().isdigit():
                continue
            try:
                a = int(ipaddress.ip_address(parts[0]))
                b = int(ipaddress.ip_address(parts[1]))
            except ValueError:
                continue
            out.append((a, b, int(parts[2])))
    return out


def main():
    n, p4, p6, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    rng = random.Random(SEED)
    r4, r6 = rows(p4), rows(p6)
    os.makedirs(out, exist_ok=True)
    seen = set()
    with open(os.path.join(out, "feed.csv"), "w") as f:
        f.write("time,ip,type\n")
        i = 0
        while i < n:
            v6 = rng.random() < 0.2
            a, b, _ = rng.choice(r6 if v6 else r4)
            x = rng.randint(a, b)
            if x in seen:
                continue
            seen.add(x)
            ip = ipaddress.IPv6Address(x) if v6 else ipaddress.IPv4Address(x)
            f.write("2026-11-%02dT%02d:%02d:%02dZ,%s,scanner\n" %
                    (1 + i % 28, i // 3600 % 24, i // 60 % 60, i % 60, ip))
            i += 1
    feed = {
        "description": "bench/enrich.sh: addresses only, enrichment fills the rest",
        "parser": "csv",
        "parameters": {"skip_header": True, "delimiter": ",",
                       "columns": ["time.source", "source.ip", "classification.type"]},
        "report": {"feed.name": "Enrich Bench"},
    }
    with open(os.path.join(out, "feed.json"), "w") as f:
        json.dump(feed, f, indent=1)
    used_net, used_asn = set(), set()
    with open(os.path.join(out, "constituency.csv"), "w") as f:
        f.write("kind,owner,value,name\n")
        k = 0
        while k < 2000:
            v6 = k % 5 == 4
            a, _, asn = rng.choice(r6 if v6 else r4)
            net = ipaddress.ip_network((a, 48 if v6 else 24), strict=False)
            _, _, asn2 = rng.choice(r4)
            if net in used_net or asn2 in used_asn:
                continue
            used_net.add(net)
            used_asn.add(asn2)
            org = "Org %04d" % k
            f.write("organisation,%s,,\n" % org)
            f.write("network,%s,%s,\n" % (org, net))
            f.write("asn,%s,%d,\n" % (org, asn2))
            f.write("contact,%s,abuse@org%04d.example,\n" % (org, k))
            k += 1
        for cc in CCS:
            f.write("cert,%s,,CERT %s\n" % (cc, cc))
            f.write("cert_contact,%s,cert@cert-%s.example,\n" % (cc, cc.lower()))


if __name__ == "__main__":
    main()
