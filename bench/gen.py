#!/usr/bin/env python3
"""gen.py - build large benchmark inputs by varying the corpus samples.

    python3 bench/gen.py CASE RECORDS SHARED_DIR OUT_FILE

CASE is one of the names in CASES below.  The sample input of that corpus case is read in
place from SHARED_DIR/corpus/feeds/<folder>/ (never copied into the repository); each output
record is a sample record with its varying fields (addresses, times, names, numbers) replaced
by values drawn from a seeded generator, so the output is the same on every machine and every
run, and the parser sees realistic shapes: the same columns, quoting and value types as the
feed, but no two records alike.  Header and comment lines of the sample are kept once.

Only the Python standard library is used.
"""
import json
import os
import random
import sys
import time

SEED = 20240916
BASE_EPOCH = 1546300800  # 2019-01-01T00:00:00Z

CCS = ["AT", "DE", "CH", "FR", "NL", "US", "BR", "CN", "RU", "IN", "JP", "ES", "IT", "PL",
       "SE", "GB", "CZ", "KR", "ZA", "AR"]
TLDS = ["ch", "com", "net", "org", "de", "info", "ru", "br", "xyz", "top"]
WORDS = ["verif", "accounts", "docs", "secure", "login", "update", "cdn", "static", "mail",
         "files", "download", "invoice", "office", "shop", "portal", "web", "app", "img",
         "data", "api", "wp", "content", "uploads", "admin", "news", "blog"]


def ipv4(rng):
    # a public-looking address: avoid 0.x, 10.x, 127.x and multicast
    a = rng.choice((5, 23, 31, 37, 45, 46, 62, 77, 78, 80, 81, 83, 85, 89, 91, 93, 95, 103,
                    104, 109, 128, 130, 141, 146, 151, 176, 178, 185, 188, 193, 194, 195, 198,
                    203, 212, 213, 217))
    return "%d.%d.%d.%d" % (a, rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))


def stamp(sec, sep=" "):
    return time.strftime("%Y-%m-%d" + sep + "%H:%M:%S", time.gmtime(sec))


class Clock:
    """Monotonic, slightly irregular timestamps; formatting cached per second."""

    def __init__(self, rng):
        self.rng = rng
        self.sec = BASE_EPOCH
        self.last = None
        self.text = ""

    def next(self, sep=" "):
        self.sec += self.rng.randrange(0, 3)
        if self.sec != self.last:
            self.last = self.sec
            self.text = stamp(self.sec, sep)
        return self.text


def host(rng):
    n = rng.randrange(1, 4)
    return ".".join(rng.choice(WORDS) + (str(rng.randrange(100)) if rng.random() < 0.3 else "")
                    for _ in range(n)) + "-" + str(rng.randrange(10000)) + "." + rng.choice(TLDS)


def split_csv_line(line):
    """Split one CSV line (Python csv rules); returns (fields, quoted flags)."""
    fields, quoted = [], []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == '"':
            i += 1
            val = []
            while i < n:
                if line[i] == '"':
                    if i + 1 < n and line[i + 1] == '"':
                        val.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                val.append(line[i])
                i += 1
            while i < n and line[i] != ",":
                val.append(line[i])
                i += 1
            fields.append("".join(val))
            quoted.append(True)
        else:
            j = line.find(",", i)
            j = n if j < 0 else j
            fields.append(line[i:j])
            quoted.append(False)
            i = j
        if i >= n:
            break
        i += 1
        if i == n:
            fields.append("")
            quoted.append(False)
            break
    return fields, quoted


def join_csv(fields, quoted):
    out = []
    for f, q in zip(fields, quoted):
        if q or '"' in f or "," in f or "\n" in f:
            out.append('"' + f.replace('"', '""') + '"')
        else:
            out.append(f)
    return ",".join(out)


def read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read().splitlines()


# ---- cases -----------------------------------------------------------------------------------

def gen_urlhaus(shared, n, out, rng):
    """URLhaus CSV (generic CSV parser): '#' comment header, then
    Dateadded,URL,URL_status,Threat,Host,IPaddress,ASnumber,Country."""
    lines = read_lines(os.path.join(shared, "abusech-urlhaus", "urlhaus.txt"))
    head = [l for l in lines if l.startswith("#") and not l.startswith("# of entries")]
    samples = [split_csv_line(l)[0] for l in lines if l and not l.startswith("#")]
    clock = Clock(rng)
    hosts = [host(rng) for _ in range(5000)]
    paths = ["/".join(rng.choice(WORDS) + ("." + rng.choice(WORDS) if rng.random() < 0.5 else "")
                      for _ in range(rng.randrange(1, 4))) + rng.choice(("/", ".exe", ".php", ".doc", ""))
             for _ in range(5000)]
    w = out.write
    for l in head:
        w(l + "\n")
    for i in range(n):
        s = samples[i % len(samples)]
        h = rng.choice(hosts)
        ip = ipv4(rng)
        r = rng.random()
        if r < 0.1:
            url = "http://%s/%s" % (ip, rng.choice(paths))
        elif r < 0.25:
            url = "https://%s/%s" % (h, rng.choice(paths))
        elif r < 0.3:
            url = "http://%s:%d/%s" % (h, rng.choice((8080, 8000, 443, 81)), rng.choice(paths))
        else:
            url = "http://%s/%s" % (h, rng.choice(paths))
        w("%s,%s,%s,%s,%s,%s,%d,%s\n" % (
            clock.next(), url, rng.choice(("online", "offline")), s[3], h, ip,
            rng.randrange(1, 400000), rng.choice(CCS)))
    w("# of entries: %d\n" % n)


def gen_shadowserver(shared, n, out, rng, folder, fname):
    """A Shadowserver report: its header line, then rows varied from the sample rows
    (timestamp, ip, hostname, asn, geo, port numbers); quoting as in the sample."""
    lines = read_lines(os.path.join(shared, folder, fname))
    header = lines[0]
    cols = split_csv_line(header)[0]
    samples = [split_csv_line(l) for l in lines[1:] if l]
    idx = {c: k for k, c in enumerate(cols)}
    clock = Clock(rng)
    out.write(header + "\n")
    for i in range(n):
        f, q = samples[i % len(samples)]
        f = list(f)
        ip = ipv4(rng)
        for c in ("timestamp", "ip", "src_ip", "hostname", "asn", "src_asn", "geo", "src_geo"):
            k = idx.get(c)
            if k is None or k >= len(f):
                continue
            if c == "timestamp":
                f[k] = clock.next()
            elif c in ("ip", "src_ip"):
                f[k] = ip
            elif c == "hostname":
                f[k] = ip.replace(".", "-") + ".example.net" if f[k] else ""
            elif c in ("asn", "src_asn"):
                f[k] = str(rng.randrange(1, 400000))
            else:
                f[k] = rng.choice(CCS)
        out.write(join_csv(f, q) + "\n")


def gen_intelmq_json(shared, n, out, rng):
    """IntelMQ JSON lines (JSON parser, splitlines): the sample events with varied
    source.ip and classification.type, plus the fields IntelMQ events usually carry."""
    samples = [json.loads(l) for l in read_lines(os.path.join(shared, "intelmq-json", "data.json")) if l]
    types = ["c2-server", "infected-system", "scanner", "phishing", "malware-distribution",
             "brute-force", "spam", "vulnerable-system"]
    clock = Clock(rng)
    for i in range(n):
        ev = dict(samples[i % len(samples)])
        ev["source.ip"] = ipv4(rng)
        ev["classification.type"] = rng.choice(types)
        ev["source.port"] = rng.randrange(1, 65536)
        ev["source.asn"] = rng.randrange(1, 400000)
        ev["source.geolocation.cc"] = rng.choice(CCS)
        ev["time.source"] = clock.next("T") + "+00:00"
        out.write(json.dumps(ev) + "\n")


def vary_json(v, key, rng, clock, ips):
    """A copy of a decoded JSON value with its addresses, ports, AS numbers and times varied;
    ips maps each sample address to its new one, so that one record stays consistent."""
    if isinstance(v, dict):
        return {k: vary_json(x, k, rng, clock, ips) for k, x in v.items()}
    if isinstance(v, list):
        return [vary_json(x, key, rng, clock, ips) for x in v]
    k = key.lower()
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, str) and v.count(".") == 3 and v.replace(".", "").isdigit():
        return ips.setdefault(v, ipv4(rng))
    if isinstance(v, int) and k == "_ts":
        clock.next()
        return clock.sec
    if isinstance(v, int) and "port" in k:
        return rng.randrange(1, 65536)
    if isinstance(v, int) and k == "asn":
        return rng.randrange(1, 400000)
    return v


def gen_anubis(shared, n, out, rng):
    """AnubisNetworks Cyberfeed stream: one compact JSON object per line, from the five
    sample reports, with addresses, ports, AS numbers and timestamps varied."""
    folder = os.path.join(shared, "anubisnetworks-cyberfeed")
    names = sorted(f for f in os.listdir(folder) if f.startswith("example_") and f.endswith(".json"))
    samples = []
    for f in names:
        with open(os.path.join(folder, f), encoding="utf-8") as fh:
            samples.append(json.load(fh))
    clock = Clock(rng)
    for i in range(n):
        out.write(json.dumps(vary_json(samples[i % len(samples)], "", rng, clock, {}),
                             separators=(",", ":")) + "\n")


CASES = {
    "urlhaus": gen_urlhaus,
    "shadowserver-scan-dns": lambda s, n, o, r: gen_shadowserver(s, n, o, r, "shadowserver-scan-dns",
                                                                 "scan_dns.csv"),
    "shadowserver-scan-ntp": lambda s, n, o, r: gen_shadowserver(s, n, o, r, "shadowserver-scan-ntp",
                                                                 "scan_ntp.csv"),
    "intelmq-json": gen_intelmq_json,
    "anubisnetworks": gen_anubis,
}


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in CASES:
        sys.stderr.write("usage: gen.py {%s} RECORDS SHARED_DIR OUT\n" % "|".join(CASES))
        return 2
    case, n, shared, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    feeds = os.path.join(shared, "corpus", "feeds")
    rng = random.Random("%s/%d" % (case, SEED))
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        CASES[case](feeds, n, out, rng)
    os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
