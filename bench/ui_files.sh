#!/bin/sh
# bench/ui_files.sh — files in and out of `vigia serve` (src/http/ui_files.c) against the real
# alternative, the command line doing the same on the same store, in the same run:
#   1. a BENCH_ATTACH_MB (default 8) MiB attachment: HTTP upload + download (curl) vs
#      `vigia incidents attach` (the CLI reads the file, hashes it and stores it);
#   2. a constituency of BENCH_ORGS (default 5000) organisations: the import check over HTTP
#      (every row checked, the diff against the store, the apply rolled back) vs
#      `vigia constituency import` (reads, checks, applies, commits);
#   3. the period report of 30 days as PDF: HTTP vs `vigia report --format pdf`.
# Wall time of each (best of 3), and the load average beside them.
#
#     sh bench/ui_files.sh [path/to/vigia]
set -eu
V=${1:-build/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
MB=${BENCH_ATTACH_MB:-8}
ORGS=${BENCH_ORGS:-5000}
D=$(pwd)/tests/data/ui
T=$(mktemp -d)
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2> /dev/null; rm -rf "$T"' EXIT
export VIGIA_USER=bench
unset VIGIA_DB
A="$T/a.db"
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1
"$V" account add boss --role admin --db "$A" 2> /dev/null
TOK=$("$V" account token boss --db "$A" 2> /dev/null)
head -c $((MB << 20)) /dev/urandom > "$T/att.bin"
python3 - "$ORGS" > "$T/c.csv" << 'PY'
import sys
n = int(sys.argv[1])
print("kind,owner,value,name,do_not_notify,lang,format,fingerprint,notes")
for i in range(n):
    o = "Org %05d" % i
    print("organisation,%s,,,no,,,," % o)
    print("network,%s,10.%d.%d.0/24,,,,,," % (o, i // 256, i % 256))
    print("domain,%s,org%05d.example,,,,,," % (o, i))
    print("contact,%s,abuse@org%05d.example,Abuse,,es,csv,," % (o, i))
PY
"$V" serve --db "$A" --http.port=0 --port-file "$T/port" --http.max_attachment=64M \
	--http.max_body=64M 2> "$T/serve.log" &
PID=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
U="http://127.0.0.1:$(cat "$T/port")"
H="Authorization: Bearer $TOK"
SHA=$(sha256sum "$T/att.bin" | cut -d' ' -f1)
best() { # command...: the best wall time of 3 runs, in ms
	b=""
	for _ in 1 2 3; do
		t0=$(date +%s%N); "$@" > /dev/null 2>&1; t1=$(date +%s%N)
		t=$(((t1 - t0) / 1000000)); [ -z "$b" ] || [ "$t" -lt "$b" ] && b=$t
	done
	echo "$b"
}
up() { curl -sf -H "$H" -H 'Content-Type: application/octet-stream' --data-binary "@$T/att.bin" "$U/api/v1/incidents/1/attachments?name=att.bin"; }
down() { curl -sf -H "$H" -o "$T/got.bin" "$U/api/v1/incidents/1/attachments/$SHA"; }
cli_attach() { "$V" incidents attach 2 "$T/att.bin" --db "$A"; }
check() { curl -sf -H "$H" --data-binary "@$T/c.csv" "$U/api/v1/constituency/import?format=csv"; }
cli_import() { cp "$A" "$T/b.db"; "$V" constituency import "$T/c.csv" --db "$T/b.db"; }
cli_copy() { cp "$A" "$T/b.db"; }
pdf() { curl -sf -H "$H" -o "$T/r.pdf" "$U/api/v1/reports/period?days=30&format=pdf"; }
cli_pdf() { "$V" report --since 30d --format pdf -o "$T/c.pdf" --db "$A"; }
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "attachment ${MB} MiB: HTTP upload $(best up) ms, HTTP download $(best down) ms; CLI attach $(best cli_attach) ms"
down; cmp -s "$T/got.bin" "$T/att.bin" && echo "# the download is the same bytes"
check | python3 -c "import json,sys; b=json.load(sys.stdin); assert b['valid'] and b['organisations']['added']==$ORGS, b; print('# the check: valid, $ORGS organisations to add')"
echo "constituency ${ORGS} organisations: HTTP check+diff $(best check) ms; CLI import $(best cli_import) ms (of which copying the store $(best cli_copy) ms)"
echo "period report PDF: HTTP $(best pdf) ms; CLI $(best cli_pdf) ms"
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"
