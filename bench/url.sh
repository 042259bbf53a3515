#!/bin/sh
# bench/url.sh — the URL analyzer on one core (what `make bench` runs after bench/ipdb.sh):
# a 1,000,000-entry block list (build time, memory), Safe Browsing canonicalization + lookup of
# 1,000,000 URLs (1% and 10% of them on listed hosts; target >= 1,000,000 URLs/s), libcurl's URL
# parser on the same URLs for reference, the whole check with heuristics, and, when
# ../shared/corpus/url/labeled-dev.tsv is there, the whole check with the lexical model and
# the model's training time.  Figures in docs/benchmarks.md.
#
#     sh bench/url.sh [BUILD]          (needs BUILD/bench/url_bench: make BUILD/bench/url_bench)
set -eu
B=${1:-build}
S=${VIGIA_SHARED:-../shared}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "== URL analyzer: 1,000,000-entry list, 1,000,000 URLs (taskset: one core)"
run() { if command -v taskset > /dev/null; then taskset -c 0 "$@"; else "$@"; fi; }
run "$B/bench/url_bench" 1000000 1000000 1
run "$B/bench/url_bench" 1000000 1000000 10
if [ -f "$S/corpus/url/labeled-dev.tsv" ]; then
	/usr/bin/time -f "training: %e s wall, %U s user, %M KiB peak" \
		"$B/vigia" url train --data "$S/corpus/url/labeled-dev.tsv" --out "$T/m" > /dev/null
	echo "== with the model"
	run "$B/bench/url_bench" 1000000 1000000 1 "$T/m" | grep "whole check"
else
	echo "SKIP model figures: $S/corpus/url/labeled-dev.tsv not found"
fi
