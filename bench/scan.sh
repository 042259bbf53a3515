#!/bin/sh
# bench/scan.sh — how fast `vigia scan` runs YARA rules over files, beside the `yara` tool with
# the same rules on the same files, in the same run.
#
#     sh bench/scan.sh [path/to/vigia]          (what `make bench` runs, with build/vigia)
#
# Input: the e-mail corpus in ../shared/corpus/email (1,888 files, 14.9 MB), read in place,
# concatenated BENCH_REPEAT times (default 8) into bench/data/scan/ (git-ignored) as files of
# about 4 MB so that per-file start-up does not dominate; plus the files as they are (small).
# Rules: tests/data/scan/rules (3 rules) and bench/scan-rules.yar (20 rules: strings, hex,
# nocase, a regular expression), the same files for both tools.
#
# Measured, pinned to one core (taskset -c 0), warm page cache, best wall time of BENCH_RUNS
# (default 3):
#   vigia scan --no-clamav --no-store --rules DIR --scan.cache=none FILES > /dev/null
#   yara --no-warnings --threads=1 -r RULES... DIR > /dev/null
# vigia also hashes every object (MD5, SHA-1, SHA-256), which yara does not: the same vigia
# run with --rules pointing at an empty rule set is shown as "hash only".  Without ../shared it
# says so and exits 0.
set -eu
V=${1:-build/vigia}
SHARED=${VIGIA_SHARED:-../shared}
RUNS=${BENCH_RUNS:-3}
REPEAT=${BENCH_REPEAT:-8}
SRC=$SHARED/corpus/email
if [ ! -d "$SRC" ]; then echo "SKIP: $SRC not found (scan benchmark)"; exit 0; fi
if ! command -v yara > /dev/null; then echo "SKIP: yara tool not installed"; exit 0; fi
D=bench/data/scan
mkdir -p "$D/big" "$D/rules"
cp tests/data/scan/rules/*.yar tests/data/scan/rules/*.yara bench/scan-rules.yar "$D/rules/"
if [ ! -f "$D/big/.done-$REPEAT" ]; then
	rm -f "$D/big/"*
	python3 - "$SRC" "$D/big" "$REPEAT" <<'PY'
import os, sys
src, out, rep = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(src) for f in fs if not f.endswith((".tsv", ".md")) and not f.startswith("MANIFEST"))
chunk, n, size = [], 0, 0
def flush():
    global chunk, n, size
    if chunk:
        open(os.path.join(out, "part-%04d" % n), "wb").write(b"".join(chunk)); n += 1
    chunk, size = [], 0
for r in range(rep):
    for f in files:
        b = open(f, "rb").read(); chunk.append(b); size += len(b)
        if size >= 4 << 20: flush()
flush()
PY
	touch "$D/big/.done-$REPEAT"
fi
mkdir -p "$D/empty-rules"
printf 'rule never { condition: false }\n' > "$D/empty-rules/never.yar"
PIN=""; command -v taskset > /dev/null && PIN="taskset -c 0"
best() { # command...: best wall seconds of RUNS
	b=""
	for i in $(seq "$RUNS"); do
		s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}
row() { # label, bytes, seconds
	printf '| %s | %.3f | %.1f |\n' "$1" "$3" "$(echo "$2 / 1048576 / $3" | bc -l)"
}
for set in big small; do
	if [ $set = big ]; then T="$D/big"; else T="$SRC"; fi
	bytes=$(find "$T" -type f ! -name '.done-*' -printf '%s\n' | awk '{s+=$1} END {print s}')
	files=$(find "$T" -type f ! -name '.done-*' | wc -l)
	echo "## $set: $files files, $bytes bytes, rules: $(ls "$D/rules" | tr '\n' ' ')"
	echo "| tool | best s | MB/s |"
	echo "|---|---|---|"
	row "vigia scan (YARA + hashes)" "$bytes" "$(best $PIN "$V" scan --no-clamav --no-store --scan.cache=none --rules "$D/rules" "$T")"
	row "vigia scan (hashes only)" "$bytes" "$(best $PIN "$V" scan --no-clamav --no-store --scan.cache=none --rules "$D/empty-rules" "$T")"
	row "yara -r (1 thread)" "$bytes" "$(best $PIN yara --no-warnings --threads=1 -r "$D"/rules/* "$T")"
done
