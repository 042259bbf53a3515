#!/bin/sh
# The CLI contract: --help on every command, --version, exit codes, config errors that name
# file, line and key, JSON logs, reject files, stdin and compressed input.
set -u
V=${VIGIA:-build/san/vigia}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh

check "--version prints the version" '"$V" --version | grep -q "^vigia [0-9]"'
check "--help lists commands" '"$V" --help | grep -q "ingest"'
for c in $("$V" --help | awk "/^  [a-z]/ {print \$1}"); do
	check "$c --help" '"$V" $c --help >/dev/null'
done
check "unknown command exits 2" '"$V" frobnicate 2>/dev/null; [ $? -eq 2 ]'
check "no command exits 2" '"$V" 2>/dev/null; [ $? -eq 2 ]'
check "unknown option exits 2" '"$V" --frob 2>/dev/null; [ $? -eq 2 ]'

printf '[log]\nlevel = debug\n[ingest]\nmax_lines = 4\n' > "$T/bad.conf"
"$V" --config "$T/bad.conf" config > /dev/null 2> "$T/err"
rc=$?
check "bad config exits 2" '[ $rc -eq 2 ]'
check "bad config error names file, line and key" 'grep -q "bad.conf:4: ingest.max_lines: unknown setting" "$T/err"'
printf '[ingest]\nmax_line = 64K\n' > "$T/good.conf"
check "config values shown" '"$V" --config "$T/good.conf" config | grep -q "ingest.max_line *= 64K"'
check "flags override the file" '"$V" --config "$T/good.conf" --ingest.max_line=2M config | grep -q "ingest.max_line *= 2M"'
check "bad flag value exits 2" '"$V" --ingest.max_line=lots config 2>/dev/null; [ $? -eq 2 ]'
check "VIGIA_CONFIG is read" 'VIGIA_CONFIG="$T/good.conf" "$V" config | grep -q "ingest.max_line *= 64K"'

cat > "$T/feed.json" <<'JSON'
{"parser": "csv", "parameters": {"columns": ["source.ip", "classification.type"]},
 "report": {"feed.name": "CLI test"}}
JSON
printf '192.0.2.1,scanner\nnot-an-ip,scanner\n192.0.2.3,scanner\n' > "$T/in.csv"
"$V" ingest --output jsonl --feed-file "$T/feed.json" --rejects "$T/rej.jsonl" "$T/in.csv" > "$T/out" 2> "$T/err"
rc=$?
check "rejects give exit 1" '[ $rc -eq 1 ]'
check "good records out" '[ "$(wc -l < "$T/out")" -eq 2 ]'
check "summary on stderr" 'grep -q "3 records read, 2 events emitted, 1 rejected" "$T/err"'
check "reject file names line and field" 'grep -q "\"line\":2,.*\"field\":\"source.ip\"" "$T/rej.jsonl"'
check "stdin with -" 'cat "$T/in.csv" | "$V" ingest --output jsonl --feed-file "$T/feed.json" --rejects "$T/r2" - 2>/dev/null | grep -c 192.0.2 | grep -q 2'
gzip -c "$T/in.csv" > "$T/in.csv.gz"
check "gzip read directly" '"$V" ingest --output jsonl --feed-file "$T/feed.json" --rejects "$T/r3" "$T/in.csv.gz" 2>/dev/null | grep -c 192.0.2 | grep -q 2'
check "gzip from stdin" 'cat "$T/in.csv.gz" | "$V" ingest --output jsonl --feed-file "$T/feed.json" --rejects "$T/r4" - 2>/dev/null | grep -c 192.0.2 | grep -q 2'
head -c 30 "$T/in.csv.gz" > "$T/trunc.gz"
"$V" ingest --output jsonl --feed-file "$T/feed.json" --rejects "$T/r5" "$T/trunc.gz" > /dev/null 2> "$T/err"
rc=$?
check "truncated gzip exits 3" '[ $rc -eq 3 ]'
check "truncated gzip named in the error" 'grep -q "trunc.gz.*truncated" "$T/err"'
"$V" ingest --output jsonl --feed-file "$T/nope.json" "$T/in.csv" 2> "$T/err"
rc=$?
check "missing feed file exits 2" '[ $rc -eq 2 ]'
printf '{"parser": "csv", "paramters": {}}' > "$T/typo.json"
"$V" ingest --output jsonl --feed-file "$T/typo.json" "$T/in.csv" 2> "$T/err"
check "typo in feed definition named" 'grep -q "paramters" "$T/err"'
"$V" ingest --output jsonl --feed-file "$T/feed.json" "$T/missing.csv" > /dev/null 2> "$T/err"
rc=$?
check "missing input exits 3" '[ $rc -eq 3 ]'
check "missing input named" 'grep -q "missing.csv" "$T/err"'
check "--log-format json" '"$V" --log-format json ingest --output jsonl --feed-file "$T/feed.json" "$T/missing.csv" 2>&1 >/dev/null | grep -q "^{\"time\":.*\"level\":\"error\""'
check "settings flags after the command" '"$V" ingest --output jsonl --ingest.max_line=10 --feed-file "$T/feed.json" --rejects "$T/r6" "$T/in.csv" 2>/dev/null | wc -l | grep -q "^0$"'
printf '"2026-11-28 01:12:41","192.0.2.121","udp",123\n"2026-11-28 01:12:42","192.0.2.122","udp",123\n' > "$T/2026-11-28-scan_ntp-x-geo.csv"
"$V" ingest --output jsonl --feed shadowserver --rejects "$T/r7" "$T/2026-11-28-scan_ntp-x-geo.csv" > /dev/null 2>&1
rc=$?
check "missing header exits 1" '[ $rc -eq 1 ]'
check "missing header: every line quarantined" '[ "$(grep -c "" "$T/r7")" -eq 2 ] && grep -q "\"line\":1,.*missing header" "$T/r7"'
check "progress bar when asked" '"$V" ingest --output jsonl --feed-file "$T/feed.json" --rejects "$T/r8" --progress "$T/in.csv" 2>&1 >/dev/null | grep -q "100%"'
check "no progress bar when not a terminal" '! "$V" ingest --output jsonl --feed-file "$T/feed.json" --rejects "$T/r9" "$T/in.csv" 2>&1 >/dev/null | grep -q "100%"'
check "feed catalogue lists feeds" '"$V" feeds | grep -q .'
check "fields lists the schema" '"$V" fields | grep -q "^source.ip "'
check "man page exists and renders" 'man -l docs/vigia.1 2>/dev/null | grep -q "EXIT STATUS" || grep -q "EXIT STATUS" docs/vigia.1'

echo "1..$n"
[ "$bad" -eq 0 ]
