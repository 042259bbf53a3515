#!/bin/sh
# `make demo`: vigia's main job on the bundled samples (data/samples/, written for the demo:
# documentation addresses and example domains only) — ingest, normalise, classify, quarantine
# what is bad, deduplicate, attribute every address (network, AS, country, the constituency's
# contact), group the events into incidents and correlate them — into a fresh store
# (build/demo/vigia.db), then print the incidents it formed and who must be told.
set -u
V=${1:-build/vigia}
out=build/demo
mkdir -p "$out"
rm -f "$out"/*.jsonl "$out"/vigia.db "$out"/vigia.db-wal "$out"/vigia.db-shm "$out"/vigia.ipdb
export VIGIA_LOCALEDIR="$(pwd)/build/locale"
export VIGIA_DB="$out/vigia.db"

# Who is behind an address: an IP index beside the store (the enrichment stage finds it there)
# and the team's constituency with two partner CERTs abroad.
echo "== IP attribution index and constituency"
"$V" ipdb build -o "$out/vigia.ipdb" data/samples/ranges-asn.csv data/samples/ranges-country.csv
"$V" constituency import data/samples/constituency.csv
echo

ingest() { # title feed-args... -- input
	title=$1; shift
	echo "== $title"
	"$V" ingest --no-progress --rejects "$out/rejects.jsonl" "$@"
	echo
}
ingest "URLhaus (malware download URLs)" --feed-file data/samples/urlhaus-tld-example.json data/samples/urlhaus-tld-example.csv
ingest "IDS alerts (key=value lines)" --feed-file data/samples/ids-alerts.json data/samples/ids-alerts.kv
ingest "OpenPhish (phishing URLs)" --feed openphish data/samples/openphish-example.txt
gzip -c data/samples/2026-11-28-scan_ntp-example-geo.csv > "$out/2026-11-28-scan_ntp-example-geo.csv.gz"
ingest "Shadowserver NTP version report (gzip, report type from the file name)" --feed shadowserver "$out/2026-11-28-scan_ntp-example-geo.csv.gz"
ingest "The same URLhaus file again (already in the store: nothing is added)" --feed-file data/samples/urlhaus-tld-example.json data/samples/urlhaus-tld-example.csv
echo "== The IDS alerts again, from standard input (dedup counts them as repeats)"
"$V" ingest --no-progress --rejects "$out/rejects.jsonl" --feed-file data/samples/ids-alerts.json - < data/samples/ids-alerts.kv
echo

echo "== Incidents formed"
"$V" incidents list --limit 100
echo
echo "== Who is behind two of the addresses"
"$V" ip lookup --ipdb "$out/vigia.ipdb" 192.0.2.10 203.0.113.50
echo
echo "== Who would be told, and why (nothing is sent: 'vigia notify queue' then 'send' does that)"
"$V" notify plan --ipdb "$out/vigia.ipdb"
echo
# New incidents are TLP:AMBER, which goes only to the affected organisation.  An analyst
# reviews the cases traced to Argentina and marks them GREEN for the partner CERT (each change
# is in the audit trail); then one country report goes to that CERT.
echo "== Cases traced to AR, marked TLP:GREEN by an analyst, as one report for CERT.ar"
for id in $("$V" notify country AR --since 30d --ipdb "$out/vigia.ipdb" --json |
	    python3 -c 'import json, sys; print(" ".join(sorted({str(json.loads(l)["incident"]) for l in sys.stdin})))'); do
	VIGIA_USER=ana "$V" incidents set "$id" --tlp GREEN > /dev/null
done
"$V" notify country AR --since 30d --ipdb "$out/vigia.ipdb" --queue
"$V" notify status
"$V" audit verify
echo
"$V" incidents list --limit 100 --json > "$out/incidents.json"
"$V" events --limit 0 --json > "$out/events.jsonl"

python3 - "$out/incidents.json" "$out/events.jsonl" "$out/rejects.jsonl" <<'PY'
import collections, json, os, sys
incidents = json.load(open(sys.argv[1]))
events = [json.loads(l) for l in open(sys.argv[2])]
rejects = [json.loads(l) for l in open(sys.argv[3])] if os.path.exists(sys.argv[3]) else []
print("== What vigia found")
print("%d events from %d feeds (%d repeats counted on the events they repeat) formed "
      "%d incidents; %d records quarantined" % (
      len(events), len({e.get("feed.name") for e in events}),
      sum(e.get("vigia.repeats", 0) for e in events), len(incidents), len(rejects)))
by_class = collections.defaultdict(lambda: [0, 0])
for i in incidents:
    k = (i.get("taxonomy") or "-", i.get("classification") or "-")
    by_class[k][0] += 1
    by_class[k][1] += i.get("events", 0)
print("\nIncidents by classification (RSIT):")
print("  %-28s %-24s %9s %7s" % ("TAXONOMY", "TYPE", "INCIDENTS", "EVENTS"))
for (tax, typ), (n, ev) in sorted(by_class.items(), key=lambda kv: (-kv[1][0], kv[0])):
    print("  %-28s %-24s %9d %7d" % (tax, typ, n, ev))
by_rule = collections.Counter(i.get("rule") for i in incidents)
print("\nBy aggregation rule (data/rules/aggregate.json):")
for rule, n in by_rule.most_common():
    print("  %-24s %d" % (rule, n))
if rejects:
    print("\nQuarantined (see %s):" % sys.argv[3])
    for r in rejects:
        print("  %s:%s: %s%s" % (os.path.basename(r["file"]), r["line"],
              (r["field"] + ": ") if r.get("field") else "", r["reason"]))
print("\nThe samples use documentation addresses and example domains only: the built-in")
print("warning lists mark them too common to correlate (see 'vigia incidents show ID').")
print("Store: %s  (try: vigia incidents show 1 --db %s)" % (
      os.environ["VIGIA_DB"], os.environ["VIGIA_DB"]))
PY
