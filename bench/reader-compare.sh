#!/bin/sh
# bench/reader-compare.sh — do two vigia binaries read the sharing formats the same?
#
#     sh bench/reader-compare.sh OLD NEW [FILE:PARSER]...
#
# Each file is read by both binaries with `vigia ingest --parser P --output jsonl -o OUT
# --rejects REJ --no-enrich --no-progress FILE`, and compared: the exit status, the events
# field by field (time.observation left out: it is the time of the run) and the reject
# records (file, line, field, reason and raw: all of them).  The files: every example of
# ../shared/corpus/stix (invalid/ included), ../shared/corpus/misp (misp_share) and
# ../shared/corpus/iodef; every fuzz seed of tests/fuzz/corpus/stix, misp, misp_share and
# iodef (each with its own parser); then any FILE:PARSER given (the 100,000-indicator exports
# of bench/share.sh, for instance).  Prints one line per difference and a summary; exits 1
# when anything differs.
set -u
OLD=${1:?usage: reader-compare.sh OLD NEW [FILE:PARSER]...}
NEW=${2:?usage: reader-compare.sh OLD NEW [FILE:PARSER]...}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
shared=${SHARED:-$top/../shared}
[ -d "$shared/corpus" ] || shared=/work/shared
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

list=$tmp/list
: > "$list"
add() { # PARSER DIR [NAME-PATTERN]
	[ -d "$2" ] || return 0
	find "$2" -type f -name "${3:-*}" | sort | while read -r f; do
		printf '%s\t%s\n' "$1" "$f" >> "$list"
	done
}
add stix "$shared/corpus/stix/examples" '*.json'
add misp_share "$shared/corpus/misp" '*.json'
add iodef "$shared/corpus/iodef" '*.xml'
add stix "$top/tests/fuzz/corpus/stix"
add misp "$top/tests/fuzz/corpus/misp"
add misp_share "$top/tests/fuzz/corpus/misp_share"
add iodef "$top/tests/fuzz/corpus/iodef"
for fp in "$@"; do
	printf '%s\t%s\n' "${fp##*:}" "${fp%:*}" >> "$list"
done

run() { # BINARY TAG PARSER FILE
	rm -f "$tmp/$2.jsonl" "$tmp/$2.rej"
	"$1" ingest --parser "$3" --output jsonl -o "$tmp/$2.jsonl" --rejects "$tmp/$2.rej" \
		--no-enrich --no-progress "$4" > /dev/null 2> "$tmp/$2.err"
	echo $? > "$tmp/$2.rc"
	touch "$tmp/$2.jsonl" "$tmp/$2.rej"
}

n=0 bad=0
while IFS="$(printf '\t')" read -r parser f; do
	n=$((n + 1))
	run "$OLD" old "$parser" "$f"
	run "$NEW" new "$parser" "$f"
	if ! python3 - "$tmp" "$parser" "$f" <<'EOF'
import json, sys
d, parser, f = sys.argv[1:4]
def events(p):
    out = []
    for line in open(p, encoding="utf-8", errors="surrogateescape"):
        e = json.loads(line)
        e.pop("time.observation", None)
        out.append(e)
    return out
def lines(p):
    return open(p, "rb").read().splitlines()
rc = [open(d + "/%s.rc" % t).read().strip() for t in ("old", "new")]
ok = True
if rc[0] != rc[1]:
    print("%s %s: exit status %s, now %s" % (parser, f, rc[0], rc[1])); ok = False
eo, en = events(d + "/old.jsonl"), events(d + "/new.jsonl")
if len(eo) != len(en):
    print("%s %s: %d events, now %d" % (parser, f, len(eo), len(en))); ok = False
for i, (a, b) in enumerate(zip(eo, en)):
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("%s %s: event %d field %s: %r, now %r" % (parser, f, i, k, a.get(k), b.get(k)))
            ok = False
            break
ro, rn = lines(d + "/old.rej"), lines(d + "/new.rej")
if ro != rn:
    print("%s %s: rejects differ (%d, now %d)" % (parser, f, len(ro), len(rn))); ok = False
sys.exit(0 if ok else 1)
EOF
	then
		bad=$((bad + 1))
	fi
done < "$list"
echo "reader-compare: $n files, $bad differ"
[ "$bad" = 0 ]
