#!/bin/sh
# shellcheck disable=SC2046,SC2086 # "set -- $(...)" and "set -- $line" split numbers on purpose
# bench/store.sh — the store's speed (issue 3): ingest into SQLite end to end, listing and
# showing incidents in a large store, and incremental correlation.
#
#     sh bench/store.sh [path/to/vigia]        (bench/run.sh runs it after the parsers)
#
# Everything it builds goes to bench/store-data/ (git-ignored; about 14 GB with the defaults)
# and is reused while the script that built it is unchanged.  Parts (STORE_PARTS, default
# "ingest query correlate"):
#
# ingest     End to end: parse, normalise, fingerprint, dedup, store, aggregate, correlate,
#            commit.  bench/gen.py makes 2 x STORE_INGEST (default 1,000,000) URLhaus CSV
#            records (the corpus sample varied: 5,000 hosts, every URL and address new); each
#            run ingests the first half into a new store, then the second half into the same
#            store (sustained: the store then already holds the first half):
#                vigia --log-level debug ingest --feed-file <URLhaus definition> --db DB
#                      --no-progress FILE
#            Best wall time of STORE_RUNS runs (default 3) per half; events/s, CPU seconds and
#            the time per stage of that run (the debug line "seconds per stage").
# query      A store of STORE_EVENTS events (default 10,000,000) and STORE_INCIDENTS incidents
#            (default 1,000,000) made by `vigia store migrate` and filled by bench/store-gen.py
#            (bulk SQL, vigia's own schema and indexes; about 8.5 GB, 6 minutes).  Wall time of
#            the whole process, page cache warm, hyperfine (else best of 20) of
#                vigia incidents list --open --limit 50
#                vigia incidents show ID --events 20     (a typical and a large incident)
#                vigia --version                         (starting the process, for scale)
# correlate  bench/corr-gen.py: a state of 100,000 incidents with 1,000,000 events, each with
#            a URL of its own (1,100,000 indicators), ingested once into a store kept as
#            bench/store-data/corr/state.db; then, on a copy of it, 100,000 new events of the
#            same addresses (half of them with a URL of another incident: a new posting and a
#            link; half with a new URL).  The correlation's time is read from the debug
#            line (the monotonic clock around each stage of each event): the correlate stage
#            plus the postings and links it left to the commits ("deferred"), with their CPU
#            time and the time the indicator index took to build; best of STORE_RUNS, for each
#            setting of correlate.index in STORE_CORR_INDEX (default "never auto always
#            saved").  "saved": the index kept between runs (<db>.indidx): each run starts
#            from a copy of the state that took the first new event with the index built and
#            saved beside it (corr/primed.db, made once per build of vigia), and maps that
#            file ("auto").
#
# Results on standard output and as Markdown in bench/store-data/results.md
# (docs/benchmarks.md records them).  Without ../shared (or VIGIA_SHARED) the ingest part has
# no input: it is skipped.
set -eu

VIGIA=${1:-build/vigia}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${VIGIA_SHARED:-$root/../shared}
data=$here/store-data
runs=${STORE_RUNS:-3}
parts=${STORE_PARTS:-"ingest query correlate"}
ningest=${STORE_INGEST:-1000000}
nevents=${STORE_EVENTS:-10000000}
nincidents=${STORE_INCIDENTS:-1000000}
corr_index=${STORE_CORR_INDEX:-"never auto always saved"}
case $VIGIA in
/*) ;;
*) VIGIA=$(pwd)/$VIGIA ;;
esac
if [ ! -x "$VIGIA" ]; then
	echo "bench/store: $VIGIA: no such program (make build-all first)" >&2
	exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "bench/store: python3 is needed to build the inputs; nothing measured"
	exit 0
fi
# the debug and summary lines are parsed: keep them in English
LC_ALL=C
export LC_ALL
unset LANGUAGE || true
mkdir -p "$data"
res=$data/results.md
: >"$res.rows"
cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
printf 'vigia store benchmark; machine: %s cores, %s; load average at start %s\n\n' \
	"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')" "${cpu:-?}" \
	"$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

# stamp FILE SCRIPT...: is FILE built by these scripts as they are now?  (FILE.stamp)
stamp_ok() {
	f=$1
	shift
	[ -f "$f" ] && [ -f "$f.stamp" ] && [ "$(cat "$f.stamp")" = "$(cat "$@" | cksum)" ]
}
stamp_set() {
	f=$1
	shift
	cat "$@" | cksum >"$f.stamp"
}

# one RUN of a command: "WALL CPU RSS STATUS"; its stderr in $data/stderr.txt
once() {
	python3 "$here/measure.py" 1 /dev/null "$data/stderr.txt" -- "$@"
}

# the stage times of the last run: "fingerprint F dedup D store S aggregate A correlate C commit M"
stages() {
	sed -n '/CPU seconds per stage/!s/.*seconds per stage: *//p' "$data/stderr.txt" | tail -n 1
}

stage() { # NAME "stages line"
	echo "$2" | awk -v n="$1" '{ for (i = 1; i < NF; i += 2) if ($i == n) print $(i + 1) }'
}

row() {
	echo "$*" >>"$res.rows"
}

# ---- ingest --------------------------------------------------------------------------------
part_ingest() {
	feed=$shared/corpus/feeds/abusech-urlhaus/feed.json
	if [ ! -f "$feed" ]; then
		echo "ingest: $feed is absent: skipped"
		return 0
	fi
	total=$((ningest * 2))
	src=$data/urlhaus-$total
	if ! stamp_ok "$src" "$here/gen.py"; then
		echo "bench/store: building $src ($total records)" >&2
		python3 "$here/gen.py" urlhaus "$total" "$shared" "$src"
		# the two halves, each with the feed's comment header
		grep '^#' "$src" | grep -v '^# of entries' >"$src.head"
		{ cat "$src.head"; grep -v '^#' "$src" | head -n "$ningest"; } >"$src.1"
		{ cat "$src.head"; grep -v '^#' "$src" | tail -n +"$((ningest + 1))"; } >"$src.2"
		stamp_set "$src" "$here/gen.py"
	fi
	cat "$src.1" "$src.2" >/dev/null # warm the page cache
	db=$data/ingest.db
	best1="" best2=""
	k=0
	while [ "$k" -lt "$runs" ]; do
		k=$((k + 1))
		rm -f "$db" "$db-wal" "$db-shm"
		for half in 1 2; do
			set -- $(once "$VIGIA" --log-level debug ingest --feed-file "$feed" --db "$db" \
				--no-progress --rejects /dev/null "$src.$half")
			wall=$1 cpus=$2 rss=$3 st=$4
			if [ "$st" != 0 ]; then
				echo "ingest: failed (exit $st): $(head -n 3 "$data/stderr.txt")"
				return 0
			fi
			sl=$(stages)
			echo "ingest run $k, half $half: $ningest events in $wall s (CPU $cpus s, peak RSS $((rss / 1024)) MB); $sl"
			line="$wall $cpus $rss $sl"
			if [ "$half" = 1 ]; then
				if [ -z "$best1" ] || awk -v a="$wall" -v b="${best1%% *}" 'BEGIN { exit !(a < b) }'; then
					best1=$line
				fi
			elif [ -z "$best2" ] || awk -v a="$wall" -v b="${best2%% *}" 'BEGIN { exit !(a < b) }'; then
				best2=$line
			fi
		done
	done
	size=$(wc -c <"$db" | tr -d ' ')
	for half in 1 2; do
		if [ "$half" = 1 ]; then b=$best1 what="into a new store"; else b=$best2 what="into a store holding $ningest"; fi
		set -- $b
		wall=$1 cpus=$2 rss=$3
		shift 3
		sl="$*"
		awk -v n="$ningest" -v w="$wall" -v c="$cpus" -v r="$rss" -v what="$what" -v sl="$sl" 'BEGIN {
			nf = split(sl, f, " ")
			s = ""
			for (i = 1; i < nf; i += 2)
				s = s sprintf("%s%s %.1f", s == "" ? "" : ", ", f[i], f[i + 1])
			printf "ingest %s: %.0f events/s (%d events in %.2f s; CPU %.2f s, %.0f events per CPU-second; peak RSS %.0f MB)\n  seconds per stage: %s\n", what, n / w, n, w, c, n / c, r / 1024, s
			printf "| URLhaus CSV %s | %d | %.2f | **%.0f** | %.2f | %.0f MB | %s |\n", what, n, w, n / w, c, r / 1024, s >> "'"$res.rows"'"
		}'
	done
	echo "  store after both halves: $((size / 1048576)) MB"
	rm -f "$db" "$db-wal" "$db-shm"
}

# ---- query ---------------------------------------------------------------------------------
part_query() {
	db=$data/big.db
	if ! stamp_ok "$db" "$here/store-gen.py" || [ "$(cat "$db.n" 2>/dev/null)" != "$nevents $nincidents" ]; then
		echo "bench/store: building $db ($nevents events, $nincidents incidents; minutes)" >&2
		rm -f "$db" "$db-wal" "$db-shm" "$db.stamp"
		"$VIGIA" store migrate --db "$db" >/dev/null
		python3 "$here/store-gen.py" "$db" "$nevents" "$nincidents"
		echo "$nevents $nincidents" >"$db.n"
		stamp_set "$db" "$here/store-gen.py"
	fi
	"$VIGIA" store migrate --db "$db" >/dev/null # a newer vigia may add steps: not timed
	# a typical incident (one of the newest, about nevents/nincidents events) and a large one
	typical=$((nincidents - 50000))
	large=$((nincidents - 50))
	ntyp=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT event_count FROM incidents WHERE id = ?", (int(sys.argv[2]),)).fetchone()[0])' "$db" "$typical")
	nlarge=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT event_count FROM incidents WHERE id = ?", (int(sys.argv[2]),)).fetchone()[0])' "$db" "$large")
	for c in "--version" "incidents list --open --limit 50" "incidents show $typical --events 20" \
		"incidents show $large --events 20"; do
		# shellcheck disable=SC2086 # c is a command line: split on purpose
		if command -v hyperfine >/dev/null 2>&1; then
			hyperfine -N --warmup 3 --runs 30 --export-json "$data/hf.json" \
				"$VIGIA $c --db $db" >/dev/null 2>&1 ||
				hyperfine -N --warmup 3 --runs 30 --export-json "$data/hf.json" "$VIGIA $c" >/dev/null
			set -- $(python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"][0]; print("%.2f %.2f %.2f" % (r["mean"] * 1e3, r["min"] * 1e3, r["max"] * 1e3))' "$data/hf.json")
			how="hyperfine, 30 runs"
		else
			set -- $(python3 "$here/measure.py" 20 /dev/null /dev/null -- $VIGIA $c --db "$db")
			set -- "$(awk -v w="$1" 'BEGIN { printf "%.2f", w * 1e3 }')" - -
			how="best of 20"
		fi
		case $c in
		*"show $typical"*) label="incidents show (typical incident, $ntyp events) --events 20" ;;
		*"show $large"*) label="incidents show (large incident, $nlarge events) --events 20" ;;
		*) label="$c" ;;
		esac
		printf '%-64s mean %7s ms, min %7s ms (%s)\n' "vigia $label" "$1" "$2" "$how"
		row "| \`vigia $label\` | $1 | $2 | $3 |"
	done
}

# ---- correlate -----------------------------------------------------------------------------
part_correlate() {
	dir=$data/corr
	state=$dir/state.db
	if ! stamp_ok "$state" "$here/corr-gen.py"; then
		echo "bench/store: building the correlation state in $state (1,000,000 events)" >&2
		rm -f "$state" "$state-wal" "$state-shm"
		python3 "$here/corr-gen.py" "$dir" 100000 10 100000
		"$VIGIA" ingest --feed-file "$dir/feed.json" --db "$state" --no-progress \
			--rejects /dev/null "$dir/state.csv" 2>"$data/stderr.txt"
		stamp_set "$state" "$here/corr-gen.py"
	fi
	"$VIGIA" store migrate --db "$state" >/dev/null
	rm -f "$state.indidx" # a state built by this vigia comes with its index: not measured
	# the state is only ever read: each run works on a copy
	for mode in $corr_index; do
		base=$state setting=$mode
		if [ "$mode" = saved ]; then
			# a run before this one left the index beside the store
			# (made again for a newer vigia: the file's format may have changed)
			if [ ! -f "$dir/primed.db.indidx" ] || [ "$dir/primed.db" -ot "$state" ] ||
				[ "$dir/primed.db.indidx" -ot "$VIGIA" ]; then
				rm -f "$dir/primed.db" "$dir/primed.db-wal" "$dir/primed.db-shm" \
					"$dir/primed.db.indidx"
				cp "$state" "$dir/primed.db"
				head -n 1 "$dir/new.csv" > "$dir/one.csv"
				"$VIGIA" --correlate.index=always ingest --feed-file "$dir/feed.json" \
					--db "$dir/primed.db" --no-progress --rejects /dev/null \
					"$dir/one.csv" 2>>"$data/stderr.txt"
			fi
			base=$dir/primed.db setting=auto
		fi
		best=""
		k=0
		while [ "$k" -lt "$runs" ]; do
			k=$((k + 1))
			rm -f "$dir/run.db-wal" "$dir/run.db-shm" "$dir/run.db.indidx"
			cp "$base" "$dir/run.db"
			[ "$mode" = saved ] && cp "$base.indidx" "$dir/run.db.indidx"
			set -- $(once "$VIGIA" --log-level debug --correlate.index="$setting" ingest \
				--feed-file "$dir/feed.json" --db "$dir/run.db" --no-progress \
				--rejects /dev/null "$dir/new.csv")
			wall=$1 cpus=$2
			sl=$(stages)
			# the correlation's cost: its stage plus the postings and links it deferred
			# to the commits ("deferred", part of "commit")
			cor=$(stage correlate "$sl")
			def=$(stage deferred "$sl")
			cor=$(awk -v a="$cor" -v b="${def:-0}" 'BEGIN { printf "%.3f", a + b }')
			ccpu=$(sed -n 's/.*CPU seconds per stage: *//p' "$data/stderr.txt" | tail -n 1)
			dcpu=$(stage deferred "$ccpu")
			ccpu=$(stage correlate "$ccpu")
			ccpu=$(awk -v a="$ccpu" -v b="${dcpu:-0}" 'BEGIN { printf "%.3f", a + b }')
			links=$(sed -n 's/.*: \([0-9]*\) correlation links added.*/\1/p' "$data/stderr.txt")
			# the index's build, inside the correlate stage: "built in S s"
			load=$(sed -n 's/.*indicator index of .* \(built\|mapped\) .*in \([0-9.]*\) s.*/\2/p' "$data/stderr.txt" | tail -n 1)
			echo "correlate (index $mode) run $k: 100000 new events in $wall s (CPU $cpus s), $links links; correlate + deferred writes $cor s (CPU ${ccpu:-?} s), index built in ${load:-(not built)} s; $sl"
			if [ -z "$best" ] || awk -v a="$cor" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
				best="$cor $wall $cpus $links ${ccpu:--} ${load:--} $sl"
			fi
		done
		set -- $best
		printf 'correlation (correlate.index=%s) of 100,000 new events against 1,100,000 indicators / 100,000 incidents: %s s in the correlate stage and its postings and links written at the commits (CPU %s s; building the index %s s of it; whole ingest %s s, CPU %s s; %s links)\n' "$mode" "$1" "$5" "$6" "$2" "$3" "$4"
		row "| correlation (correlate.index=$mode: stage + deferred writes), 100,000 new events (1,100,000 indicators, 100,000 incidents) | $1 s (CPU $5 s; index build $6 s) | whole ingest $2 s (CPU $3 s), $4 links |"
	done
	rm -f "$dir/run.db" "$dir/run.db-wal" "$dir/run.db-shm" "$dir/run.db.indidx"
}

for p in $parts; do
	case $p in
	ingest) part_ingest ;;
	query) part_query ;;
	correlate) part_correlate ;;
	*) echo "bench/store: unknown part $p" >&2 ;;
	esac
done
{
	echo "vigia store benchmark; $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores, ${cpu:-?}; $("$VIGIA" --version 2>/dev/null | head -n 1)"
	echo
	cat "$res.rows"
} >"$res"
rm -f "$res.rows" "$data/stderr.txt" "$data/hf.json"
echo
echo "bench/store: Markdown rows in $res"
