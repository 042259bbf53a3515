#!/bin/sh
# bench/run.sh — how fast `vigia ingest` turns large feed files into events, on one core.
#
#     sh bench/run.sh [path/to/vigia]          (what `make bench` runs, with build/vigia)
#
# For each input below it builds a file of BENCH_RECORDS records (default 1,000,000) by
# varying the samples of the IntelMQ corpus in ../shared/corpus/feeds (bench/gen.py:
# addresses, times, names and numbers varied, the samples' columns, quoting and types kept;
# read in place, never copied into the repository).  The files go to bench/data/<case>-<records>
# (git-ignored) and are reused while gen.py is unchanged.  For the memory check a file
# BENCH_FACTOR times larger (default 4: the same records repeated, the header once) is made
# next to it and removed after its run.
#
# What is measured, pinned to one core (taskset -c 0), the page cache warm:
#
#   vigia ingest --feed-file <corpus feed definition> --output jsonl --no-progress FILE > /dev/null
#
# that is reading, record cutting, UTF-8 checks, parsing, sanitising and validating every
# value, building the event and writing it as a JSON line.  Best wall time of BENCH_RUNS runs
# (default 3); events/s and MB/s (input bytes) from it; the CPU time (user+system) of the
# same run beside it, which is what counts when other work shares the machine.  `wc -l` on
# the same file, in the same run and the same way, says what merely reading the bytes costs.
# Peak memory is the resident set size (getrusage via wait4) at 1x and BENCH_FACTOR x the
# input: it must not grow with the input.
#
# Cases: URLhaus CSV (parser csv), Shadowserver scan_dns and scan_ntp reports (shadowserver),
# IntelMQ JSON lines (intelmq_json), AnubisNetworks Cyberfeed JSON lines (anubisnetworks).
# A case whose parser is not in this build is skipped.  BENCH_CASES="urlhaus ..." picks some.
# Without ../shared (or VIGIA_SHARED) there is nothing to build inputs from: it says so and
# exits 0.  Results: on standard output, and as Markdown in bench/data/results.md
# (docs/benchmarks.md records them).  Then bench/store.sh measures the store (its header says
# what; BENCH_STORE=no skips it).
set -eu

VIGIA=${1:-build/vigia}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${VIGIA_SHARED:-$root/../shared}
feeds=$shared/corpus/feeds
records=${BENCH_RECORDS:-1000000}
factor=${BENCH_FACTOR:-4}
runs=${BENCH_RUNS:-3}
cases=${BENCH_CASES:-"urlhaus shadowserver-scan-dns shadowserver-scan-ntp intelmq-json anubisnetworks"}
data=$here/data

if [ ! -d "$feeds" ]; then
	echo "bench: $feeds is absent: no corpus samples to build the inputs from; nothing measured"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "bench: python3 is needed to build the inputs; nothing measured"
	exit 0
fi
case $VIGIA in
/*) ;;
*) VIGIA=$(pwd)/$VIGIA ;;
esac
if [ ! -x "$VIGIA" ]; then
	echo "bench: $VIGIA: no such program (make build-all first)" >&2
	exit 1
fi
pin="taskset -c 0"
if ! taskset -c 0 true 2>/dev/null; then
	pin=""
	echo "bench: taskset unavailable: runs are not pinned to one core"
fi
# the summary line is parsed: keep it in English
LC_ALL=C
export LC_ALL
unset LANGUAGE || true

mkdir -p "$data"
results=$data/results.md
cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
version=$("$VIGIA" --version 2>/dev/null | head -n 1 || true)

# case NAME -> feed definition (in the corpus) and a label
case_info() {
	case $1 in
	urlhaus) feed=abusech-urlhaus/feed.json label="URLhaus CSV (csv)" ;;
	shadowserver-scan-dns) feed=shadowserver-scan-dns/feed.json label="Shadowserver scan_dns (shadowserver)" ;;
	shadowserver-scan-ntp) feed=shadowserver-scan-ntp/feed.json label="Shadowserver scan_ntp (shadowserver)" ;;
	intelmq-json) feed=intelmq-json/feed-multiline.json label="IntelMQ JSON lines (intelmq_json)" ;;
	anubisnetworks) feed=anubisnetworks-cyberfeed/feed-third.json label="AnubisNetworks JSON lines (anubisnetworks)" ;;
	*) return 1 ;;
	esac
	# header lines, written once in the larger file (a Shadowserver report's column names)
	case $1 in
	shadowserver-*) hdr=1 ;;
	*) hdr=0 ;;
	esac
	feed=$feeds/$feed
}

# gen CASE RECORDS FILE: (re)build FILE unless it was built by this gen.py (FILE.stamp)
gen() {
	sum=$(cksum <"$here/gen.py")
	if [ -f "$3" ] && [ -f "$3.stamp" ] && [ "$(cat "$3.stamp")" = "$sum" ]; then
		return 0
	fi
	echo "bench: building $3 ($2 records)" >&2
	python3 "$here/gen.py" "$1" "$2" "$shared" "$3"
	echo "$sum" >"$3.stamp"
}

# summary of a vigia run's stderr: "vigia: R records read, E events emitted, J rejected"
# (ngettext: "1 record read", "1 event emitted")
summary() {
	sed -n 's/^vigia: \([0-9]*\) records\{0,1\} read, \([0-9]*\) events\{0,1\} emitted, \([0-9]*\) rejected.*/\1 \2 \3/p' "$1"
}

# measure RUNS CMD... -> "WALL CPU RSS STATUS" (the callers split it with set --)
measure() {
	n=$1
	shift
	# shellcheck disable=SC2086 # $pin is "taskset -c 0" or empty: split on purpose
	python3 "$here/measure.py" "$n" /dev/null "$data/stderr.txt" -- $pin "$@"
}

{
	echo "| input | records | MB | events/s | MB/s | CPU s | events/s per CPU s | wc -l MB/s | vigia / wc -l | peak RSS 1x | peak RSS ${factor}x |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$results.rows"

printf 'vigia ingest benchmark: %s records per input (and %sx for memory), best of %s runs\n' \
	"$records" "$factor" "$runs"
printf 'machine: %s cores, %s; load average at start %s; %s\n' "$ncpu" "${cpu:-?}" "$load" \
	"${pin:-not pinned}"
printf 'command: %s%s ingest --feed-file FEED --output jsonl --no-progress FILE > /dev/null\n\n' \
	"${pin:+$pin }" "$VIGIA"
printf '%-44s %9s %8s %11s %8s %12s %9s %10s %10s\n' input events MB events/s MB/s "ev/CPU-s" \
	"wc-l MB/s" "RSS 1x" "RSS ${factor}x"

for c in $cases; do
	if ! case_info "$c"; then
		echo "bench: unknown case $c" >&2
		continue
	fi
	if [ ! -f "$feed" ]; then
		printf '%-44s skipped: %s is absent\n' "$label" "$feed"
		continue
	fi
	# is the parser in this build?  (exit status 2: unknown parser or bad definition)
	if ! "$VIGIA" ingest --feed-file "$feed" --output jsonl --no-progress --rejects /dev/null /dev/null \
		>/dev/null 2>"$data/stderr.txt"; then
		printf '%-44s skipped: %s\n' "$label" "$(head -n 1 "$data/stderr.txt")"
		continue
	fi
	f1=$data/$c-$records
	fn=$data/$c-$records-x$factor
	gen "$c" "$records" "$f1"
	bytes=$(wc -c <"$f1" | tr -d ' ')
	cat "$f1" >/dev/null # warm the page cache

	rm -f "$data/rejects.jsonl"
	set -- $(measure "$runs" "$VIGIA" ingest --feed-file "$feed" --output jsonl --no-progress \
		--rejects "$data/rejects.jsonl" "$f1")
	wall=$1 cpus=$2 rss1=$3 st=$4
	set -- $(summary "$data/stderr.txt") 0 0 0
	events=$2 rejected=$3
	if [ "$st" != 0 ] && [ "$st" != 1 ]; then
		printf '%-44s failed (exit %s): %s\n' "$label" "$st" "$(head -n 1 "$data/stderr.txt")"
		continue
	fi

	set -- $(measure "$runs" wc -l "$f1")
	wcwall=$1

	{
		head -n "$hdr" "$f1"
		k=0
		while [ "$k" -lt "$factor" ]; do
			tail -n +"$((hdr + 1))" "$f1"
			k=$((k + 1))
		done
	} >"$fn"
	bytesn=$(wc -c <"$fn" | tr -d ' ')
	set -- $(measure 1 "$VIGIA" ingest --feed-file "$feed" --output jsonl --no-progress \
		--rejects "$data/rejects.jsonl" "$fn")
	walln=$1 rssn=$3
	set -- $(summary "$data/stderr.txt") 0 0 0
	eventsn=$2
	rm -f "$fn"

	awk -v label="$label" -v ev="$events" -v by="$bytes" -v w="$wall" -v cpu="$cpus" \
		-v wcw="$wcwall" -v r1="$rss1" -v rn="$rssn" -v f="$factor" -v rej="$rejected" \
		-v evn="$eventsn" -v wn="$walln" -v byn="$bytesn" -v res="$results.rows" 'BEGIN {
		printf "%-44s %9d %8.1f %11.0f %8.1f %12.0f %9.0f %7.1f MB %7.1f MB\n", label, ev,
			by / 1e6, ev / w, by / 1e6 / w, ev / cpu, by / 1e6 / wcw, r1 / 1024, rn / 1024
		if (rej > 0)
			printf "%-44s note: %d records rejected (bench/data/rejects.jsonl)\n", "", rej
		printf "%-44s %sx: %d events in %.2f s (%.0f events/s, %.1f MB/s)\n", "", f, evn, wn,
			evn / wn, byn / 1e6 / wn
		printf "| %s | %d | %.1f | %.0f | %.1f | %.2f | %.0f | %.0f | %.0fx | %.1f MB | %.1f MB |\n",
			label, ev, by / 1e6, ev / w, by / 1e6 / w, cpu, ev / cpu, by / 1e6 / wcw,
			w / wcw, r1 / 1024, rn / 1024 >> res
	}'
done

{
	echo "vigia ingest, $records records per input, best of $runs runs; machine: $ncpu cores, ${cpu:-?};"
	echo "load average at start: $load; ${pin:-not pinned}; ${version:-vigia}."
	echo
	echo "    ${pin:+$pin }vigia ingest --feed-file FEED --output jsonl --no-progress FILE > /dev/null"
	echo
	cat "$results.rows"
} >"$results"
rm -f "$results.rows" "$data/stderr.txt"
echo
echo "bench: Markdown table in $results"

# the store (issue 3): ingest into SQLite end to end, incidents in a large store, correlation;
# BENCH_STORE=no skips it (it builds about 14 GB in bench/store-data the first time)
if [ "${BENCH_STORE:-yes}" != no ]; then
	echo
	sh "$here/store.sh" "$VIGIA"
fi
