#!/bin/sh
# bench/share-compare.sh — two builds side by side on the sharing formats (issue 7): what a
# change to a writer or a reader saves, in instructions (callgrind: stable on a busy machine)
# and CPU time, and proof that it changes no output.
#
#     sh bench/share-compare.sh OLD/vigia NEW/vigia
#
# A store of one incident with BENCH_INDICATORS (default 100,000) indicators is made by OLD
# from bench/share-gen.py's STIX bundle (as bench/share.sh does).  For each format in
# BENCH_FORMATS (default "stix misp iodef"):
#
#   export  vigia export --format F --for CERT-BENCH --db SEED.db -o OUT
#   read    vigia ingest --parser P --output jsonl -o OUT.jsonl --no-progress OLD's OUT
#           (the reader of `vigia import` up to the events, without the store; P is stix,
#           misp_share, iodef)
#
# (BENCH_STEPS, default "export read", picks the steps; read needs export) each by OLD and by
# NEW in the same run: the instructions callgrind counts (the whole process;
# BENCH_CALLGRIND=no skips them), the best user+system CPU seconds of BENCH_RUNS (default 3)
# runs pinned to one core (bench/measure.py), and whether NEW wrote the same bytes as OLD (the
# reader's events compared with time.observation left out: it is the clock).  Every run has
# its wall clock stopped at one instant by bench/fixclock.c (LD_PRELOAD; compiled here), since
# an export's times and ids come from the clock.  Results: Markdown on standard output; the
# load average is printed first.
set -eu
OLD=${1:?usage: share-compare.sh OLD/vigia NEW/vigia}
NEW=${2:?usage: share-compare.sh OLD/vigia NEW/vigia}
here=$(cd "$(dirname "$0")" && pwd)
n=${BENCH_INDICATORS:-100000}
runs=${BENCH_RUNS:-3}
d=$here/data/share
mkdir -p "$d/cmp"
in=$d/bundle-$n.json
[ -f "$in" ] && [ "$in" -nt "$here/share-gen.py" ] || python3 "$here/share-gen.py" "$n" "$in"
pin="taskset -c 0"
command -v taskset > /dev/null || pin=""
cc -shared -fPIC -O2 -o "$d/cmp/fixclock.so" "$here/fixclock.c" -ldl
export LD_PRELOAD="$d/cmp/fixclock.so" FIXCLOCK=1790000000
seed=$d/cmp/seed.db
rm -f "$seed" "$seed-wal" "$seed-shm"
"$OLD" partner add CERT-BENCH --kind partner --tlp AMBER --db "$seed" 2> /dev/null
"$OLD" import --format stix --from CERT-BENCH --db "$seed" "$in" 2> "$d/cmp/seed.err" ||
	{ cat "$d/cmp/seed.err"; exit 1; }

instr() { # OUT -- command: callgrind's instruction count of the whole process
	out=$1
	shift 2
	if [ "${BENCH_CALLGRIND:-yes}" = no ]; then
		"$@" > /dev/null 2>&1
		echo "-"
		return
	fi
	valgrind --tool=callgrind --callgrind-out-file="$out" "$@" > /dev/null 2> "$out.err"
	sed -n 's/^summary: //p' "$out"
}
cpu() { # command: best CPU seconds of $runs pinned runs
	set -- $(python3 "$here/measure.py" "$runs" /dev/null "$d/cmp/cpu.err" -- $pin "$@")
	[ "$4" = 0 ] || { cat "$d/cmp/cpu.err" >&2; exit 1; }
	echo "$2"
}
same_events() { # A.jsonl B.jsonl: the same events, time.observation aside
	python3 - "$1" "$2" << 'EOF'
import json, sys
def events(p):
    out = []
    for line in open(p, encoding="utf-8"):
        e = json.loads(line)
        e.pop("time.observation", None)
        out.append(json.dumps(e, sort_keys=True))
    return out
a, b = events(sys.argv[1]), events(sys.argv[2])
print("same %d events" % len(a) if a == b else "DIFFERENT (%d, %d events)" % (len(a), len(b)))
EOF
}
ratio() {
	python3 -c "import sys; a,b=sys.argv[1:3]; \
print('%.2f' % (float(b)/float(a)) if a != '-' and b != '-' else '-')" "$@"
}
row() { # FORMAT STEP: the row of the last OLD/NEW pair
	echo "| $1 | $2 | $ir_old | $ir_new | $(ratio "$ir_old" "$ir_new") | $cpu_old | $cpu_new" \
		"| $same |"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $n indicators;" \
	"$(env -u LD_PRELOAD date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| format | step | Ir old | Ir new | new/old | CPU s old | CPU s new | output |"
echo "|---|---|---:|---:|---:|---:|---:|---|"
for f in ${BENCH_FORMATS:-stix misp iodef}; do
	case $f in stix) p=stix ;; misp) p=misp_share ;; iodef) p=iodef ;; esac
	case " ${BENCH_STEPS:-export read} " in *" export "*) ;; *) continue ;; esac
	for b in old new; do
		[ $b = old ] && v=$OLD || v=$NEW
		eval "ir_$b=\$(instr \"$d/cmp/cg.$f.export.$b\" -- \"$v\" export --format $f \
			--for CERT-BENCH --db \"$seed\" -o \"$d/cmp/$f.$b\")"
		eval "cpu_$b=\$(cpu \"$v\" export --format $f --for CERT-BENCH --db \"$seed\" \
			-o \"$d/cmp/$f.$b\")"
	done
	cmp -s "$d/cmp/$f.old" "$d/cmp/$f.new" && same="byte-identical" || same="DIFFERENT"
	row "$f" export
	case " ${BENCH_STEPS:-export read} " in *" read "*) ;; *) continue ;; esac
	for b in old new; do
		[ $b = old ] && v=$OLD || v=$NEW
		eval "ir_$b=\$(instr \"$d/cmp/cg.$f.read.$b\" -- \"$v\" ingest --parser $p \
			--output jsonl -o \"$d/cmp/$f.$b.jsonl\" --no-progress \"$d/cmp/$f.old\")"
		eval "cpu_$b=\$(cpu \"$v\" ingest --parser $p --output jsonl \
			-o \"$d/cmp/$f.$b.jsonl\" --no-progress \"$d/cmp/$f.old\")"
	done
	same=$(same_events "$d/cmp/$f.old.jsonl" "$d/cmp/$f.new.jsonl")
	row "$f" read
done
