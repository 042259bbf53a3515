#!/bin/sh
# bench/share-scale.sh — does reading a partner's STIX bundle or MISP event keep memory flat
# as it grows?  For each size in BENCH_SCALE (default "100000 1000000" objects):
#
#   STIX  a bundle of N objects (N/2 indicators, each with its relationship to the one
#         incident: bench/share-gen.py)
#   MISP  one event of N attributes (bench/share-gen.py N OUT misp: the event's tags after
#         its attributes, as MISP writes them)
#   IODEF one Incident of N indicators (bench/share-gen.py N OUT iodef: the addresses as
#         EventData systems, the rest as IndicatorData, the RSIT class after them)
#
# read by `vigia ingest --parser stix|misp_share|iodef --output jsonl -o /dev/null` (the reader of
# `vigia import` up to the events, the store left out: its memory is measured in "The store"),
# pinned to one core, best of BENCH_RUNS (default 1), wall, CPU and peak RSS by
# bench/measure.py; beside it, python3's json.load (xml.etree for IODEF) of the same file
# (what merely holding the document costs the usual tools: stix2, PyMISP, the IODEF
# libraries).  Results: Markdown on standard output.
#
#     sh bench/share-scale.sh [path/to/vigia]
set -eu
VIGIA=${1:-build/vigia}
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-1}
d=$here/data/share
mkdir -p "$d"
pin="taskset -c 0"
command -v taskset > /dev/null || pin=""

echo "| format | objects | file MB | reader | wall s | CPU s | objects/s (CPU) | peak RSS MB |"
echo "|---|---:|---:|---|---:|---:|---:|---:|"
row() { # FORMAT N FILE READER WALL CPU RSS_KB
	python3 -c "import os, sys; f,n,p,r,w,c,k=sys.argv[1:8]; print('| %s | %s | %d | %s | %.2f | %.2f | %d | %d |' % (f, format(int(n), ','), os.path.getsize(p)//1000000, r, float(w), float(c), int(n)/float(c), int(k)//1024))" "$@"
}
for n in ${BENCH_SCALE:-100000 1000000}; do
	for f in ${BENCH_FORMATS:-stix misp iodef}; do
		py="import json, sys; json.load(open(sys.argv[1]))" pyname="json.load"
		if [ $f = stix ]; then
			in=$d/bundle-$((n / 2)).json parser=stix
			[ -f "$in" ] && [ "$in" -nt "$here/share-gen.py" ] ||
				python3 "$here/share-gen.py" $((n / 2)) "$in"
		elif [ $f = iodef ]; then
			in=$d/iodef-$n.xml parser=iodef
			py="import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])" pyname=xml.etree
			[ -f "$in" ] && [ "$in" -nt "$here/share-gen.py" ] ||
				python3 "$here/share-gen.py" "$n" "$in" iodef
		else
			in=$d/misp-$n.json parser=misp_share
			[ -f "$in" ] && [ "$in" -nt "$here/share-gen.py" ] ||
				python3 "$here/share-gen.py" "$n" "$in" misp
		fi
		set -- $(python3 "$here/measure.py" "$runs" /dev/null "$d/scale.err" -- $pin \
			"$VIGIA" ingest --parser $parser --output jsonl -o /dev/null --no-progress "$in")
		[ "$4" = 0 ] || { cat "$d/scale.err" >&2; exit 1; }
		row $f "$n" "$in" "vigia $parser" "$1" "$2" "$3"
		set -- $(python3 "$here/measure.py" "$runs" /dev/null /dev/null -- $pin python3 -c \
			"$py" "$in")
		row $f "$n" "$in" "python3 $pyname" "$1" "$2" "$3"
	done
done
