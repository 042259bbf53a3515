#!/bin/sh
# `make demo`: vigia's main job on the bundled samples (data/samples/, written for the demo:
# documentation addresses and example domains only) — ingest, normalise, classify, quarantine
# what is bad — then print what was found.
set -u
V=${1:-build/vigia}
out=build/demo
mkdir -p "$out"
rm -f "$out"/*.jsonl
export VIGIA_LOCALEDIR="$(pwd)/build/locale"

ingest() { # title feed-args... -- input
	title=$1; shift
	echo "== $title"
	"$V" ingest --no-progress --rejects "$out/rejects.jsonl" "$@" >> "$out/events.jsonl"
	echo
}
ingest "URLhaus (malware download URLs)" --feed-file data/samples/urlhaus-tld-example.json data/samples/urlhaus-tld-example.csv
ingest "IDS alerts (key=value lines)" --feed-file data/samples/ids-alerts.json data/samples/ids-alerts.kv
ingest "OpenPhish (phishing URLs)" --feed openphish data/samples/openphish-example.txt
gzip -c data/samples/2026-11-28-scan_ntp-example-geo.csv > "$out/2026-11-28-scan_ntp-example-geo.csv.gz"
ingest "Shadowserver NTP version report (gzip, report type from the file name)" --feed shadowserver "$out/2026-11-28-scan_ntp-example-geo.csv.gz"

python3 - "$out/events.jsonl" "$out/rejects.jsonl" <<'PY'
import collections, json, sys, os
events = [json.loads(l) for l in open(sys.argv[1])]
rejects = [json.loads(l) for l in open(sys.argv[2])] if os.path.exists(sys.argv[2]) else []
print("== What vigia found")
print("%d events from %d feeds; %d records quarantined" % (
    len(events), len({e.get("feed.name") for e in events}), len(rejects)))
by_tax = collections.Counter((e.get("classification.taxonomy"), e.get("classification.type")) for e in events)
print("\nBy classification (RSIT):")
for (tax, typ), n in by_tax.most_common():
    print("  %-24s %-24s %d" % (tax, typ, n))
src = collections.Counter(e["source.ip"] for e in events if "source.ip" in e)
print("\nMost active sources:")
for ip, n in src.most_common(5):
    cc = next((e.get("source.geolocation.cc", "") for e in events if e.get("source.ip") == ip), "")
    print("  %-18s %-3s %d events" % (ip, cc, n))
victims = collections.Counter(e["destination.ip"] for e in events if "destination.ip" in e)
if victims:
    print("\nTargets in our networks:")
    for ip, n in victims.most_common(5):
        print("  %-18s %d events" % (ip, n))
if rejects:
    print("\nQuarantined (see %s):" % sys.argv[2])
    for r in rejects:
        print("  %s:%s: %s%s" % (os.path.basename(r["file"]), r["line"],
              (r["field"] + ": ") if r.get("field") else "", r["reason"]))
print("\nEvents (JSON lines, IntelMQ field names): %s" % sys.argv[1])
PY
