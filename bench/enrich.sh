#!/bin/sh
# shellcheck disable=SC2046,SC2086 # "set -- $(...)" splits numbers on purpose
# bench/enrich.sh — what enrichment costs during ingest (issue 4): events/s with and without
# the enrichment stage on the same input, in the same run, into the store and as JSON lines.
#
#     sh bench/enrich.sh [path/to/vigia]
#
# Inputs (bench/enrich-data/, git-ignored, rebuilt when bench/enrich-gen.py changes):
#   - the IP index of the real data of ../shared/data/ipdb (ASN + geo-whois-asn-country CSVs,
#     IPv4 and IPv6: 515,158 ASN and 550,577 country ranges), built with `vigia ipdb build`;
#   - ENRICH_EVENTS (default 500,000) events of addresses only (80% IPv4, 20% IPv6, each inside
#     a random row of the ASN files, all different): the worst case, every event gains AS, AS
#     name, network and country, many an abuse contact;
#   - a constituency of 2,000 organisations (a network, an AS and a contact each) and 30
#     partner CERTs, imported into every store.
# Each round runs, in turn:
#     vigia --log-level debug ingest --feed-file feed.json --db new.db --ipdb real.ipdb
#           --no-progress --rejects /dev/null feed.csv                  (enriched)
#     the same with --no-enrich                                         (not enriched)
#     vigia ingest --output jsonl ... > /dev/null, with and without --no-enrich
# and the best wall time of ENRICH_RUNS rounds (default 3) is kept for each, with the CPU time
# of that run (the machine is shared: the ratio of CPU times is the steadier figure).  The enrich
# stage's own seconds come from the debug line "seconds per stage".
# Without ../shared (or VIGIA_SHARED) there is no data: nothing is measured.
set -eu

VIGIA=${1:-build/vigia}
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIA_SHARED:-$(dirname "$here")/../shared}
data=$here/enrich-data
runs=${ENRICH_RUNS:-3}
n=${ENRICH_EVENTS:-500000}
case $VIGIA in
/*) ;;
*) VIGIA=$(pwd)/$VIGIA ;;
esac
if [ ! -x "$VIGIA" ]; then
	echo "bench/enrich: $VIGIA: no such program (make build-all first)" >&2
	exit 1
fi
asn=$shared/data/ipdb/ip-location-db-asn-2.3.2026061719.tgz
geo=$shared/data/ipdb/ip-location-db-geo-whois-asn-country-2.3.2026061719.tgz
if [ ! -f "$asn" ] || [ ! -f "$geo" ] || ! command -v python3 >/dev/null 2>&1; then
	echo "bench/enrich: $asn (or python3) is absent: nothing measured"
	exit 0
fi
LC_ALL=C
export LC_ALL
unset LANGUAGE VIGIA_DB || true
mkdir -p "$data"

stamp="$(cat "$here/enrich-gen.py" "$0" | cksum) $n"
if [ "$(cat "$data/stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "bench/enrich: building the inputs in $data" >&2
	rm -rf "$data/package"
	tar xzf "$asn" -C "$data" package/asn-ipv4.csv package/asn-ipv6.csv
	tar xzf "$geo" -C "$data" package/geo-whois-asn-country-ipv4.csv \
		package/geo-whois-asn-country-ipv6.csv
	"$VIGIA" ipdb build -o "$data/real.ipdb" "$data/package/asn-ipv4.csv" \
		"$data/package/asn-ipv6.csv" "$data/package/geo-whois-asn-country-ipv4.csv" \
		"$data/package/geo-whois-asn-country-ipv6.csv" >/dev/null
	python3 "$here/enrich-gen.py" "$n" "$data/package/asn-ipv4.csv" \
		"$data/package/asn-ipv6.csv" "$data"
	rm -f "$data/base.db"*
	"$VIGIA" constituency import --db "$data/base.db" "$data/constituency.csv" >/dev/null
	echo "$stamp" >"$data/stamp"
fi
cat "$data/feed.csv" "$data/real.ipdb" >/dev/null # warm the page cache

cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
printf 'vigia enrichment benchmark: %s events; machine: %s cores, %s; load average at start %s\n' \
	"$n" "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')" "${cpu:-?}" \
	"$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

once() { # "WALL CPU RSS STATUS" of one run; its stderr in $data/stderr.txt
	python3 "$here/measure.py" 1 /dev/null "$data/stderr.txt" -- "$@"
}
better() { # is wall $1 better than the best so far $2 ("" = none)?
	[ -z "$2" ] || awk -v a="$1" -v b="${2%% *}" 'BEGIN { exit !(a < b) }'
}

best_se="" best_sn="" best_je="" best_jn=""
k=0
while [ "$k" -lt "$runs" ]; do
	k=$((k + 1))
	for mode in se sn je jn; do
		case $mode in
		s?)
			cp "$data/base.db" "$data/run.db"
			rm -f "$data/run.db-wal" "$data/run.db-shm"
			out=--db
			dest=$data/run.db
			;;
		*)
			out=--output
			dest=jsonl
			;;
		esac
		case $mode in
		?n) flag=--no-enrich ;;
		*) flag=--enrich.enabled=true ;;
		esac
		set -- $(once "$VIGIA" --log-level debug ingest --feed-file "$data/feed.json" \
			$out "$dest" --ipdb "$data/real.ipdb" $flag --no-progress --rejects /dev/null \
			"$data/feed.csv")
		wall=$1 cpus=$2 st=$4
		if [ "$st" != 0 ]; then
			echo "bench/enrich: $mode failed (exit $st): $(head -n 3 "$data/stderr.txt")"
			exit 1
		fi
		en=$(sed -n 's/.*seconds per stage:.* enrich \([0-9.]*\).*/\1/p' "$data/stderr.txt")
		got=$(sed -n 's/^vigia: \([0-9]*\) events enriched.*/\1/p' "$data/stderr.txt")
		echo "round $k, $mode: $wall s (CPU $cpus s); enrich stage ${en:--} s; enriched ${got:-0}"
		line="$wall $cpus ${en:--} ${got:-0}"
		case $mode in
		se) if better "$wall" "$best_se"; then best_se=$line; fi ;;
		sn) if better "$wall" "$best_sn"; then best_sn=$line; fi ;;
		je) if better "$wall" "$best_je"; then best_je=$line; fi ;;
		jn) if better "$wall" "$best_jn"; then best_jn=$line; fi ;;
		esac
	done
done
rm -f "$data/run.db" "$data/run.db-wal" "$data/run.db-shm"
echo
# speed with / without: by wall time (best run) and by CPU time (of the same runs: the machine
# is shared, and the CPU time is what the process itself spent)
echo "| ingest of $n address events | enrichment | wall s | events/s | CPU s | events per CPU-s | enrich stage s (wall) | events enriched | with / without (wall; CPU) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for pair in "store se sn" "jsonl je jn"; do
	set -- $pair
	eval "a=\$best_$2 b=\$best_$3"
	awk -v n="$n" -v what="$1" -v a="$a" -v b="$b" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		printf "| %s | on | %.2f | %.0f | %.2f | %.0f | %s | %s | **%.2f; %.2f** |\n", what, x[1], n / x[1], x[2], n / x[2], x[3], x[4], y[1] / x[1], y[2] / x[2]
		printf "| %s | off (--no-enrich) | %.2f | %.0f | %.2f | %.0f | - | 0 | |\n", what, y[1], n / y[1], y[2], n / y[2]
	}'
done
