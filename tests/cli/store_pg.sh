#!/bin/sh
# The PostgreSQL store end to end, against the real server tests/run.sh started
# ($VIGIA_TEST_PG, tests/pg-server.sh): a store filled by `vigia ingest` into SQLite, copied
# with `vigia store copy` into PostgreSQL and back, the events, incidents and audit trail
# compared; then two processes editing the same incident at once on PostgreSQL, with no update
# lost and the audit chain still one line.
set -u
V=${VIGIA:-build/san/vigia}
if [ -z "${VIGIA_TEST_PG:-}" ] || [ -z "${VIGIA_TEST_PGDIR:-}" ]; then
	echo "SKIP no PostgreSQL server (tests/run.sh starts one: sh scripts/deps.sh)"; exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0; bad=0
check() { # description, then a shell condition ($? in it: the status of the command before)
	_rc=$?
	n=$((n + 1)); d=$1; shift
	if (exit "$_rc"); eval "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; bad=$((bad + 1)); fi
}
db=copy$$; db2=edit$$
sh tests/pg-server.sh createdb "$VIGIA_TEST_PGDIR" "$db" || exit 1
sh tests/pg-server.sh createdb "$VIGIA_TEST_PGDIR" "$db2" || exit 1
PG="$VIGIA_TEST_PG/$db"; PG2="$VIGIA_TEST_PG/$db2"
export VIGIA_USER=ana LC_ALL=C.UTF-8
unset VIGIA_DB
cat > "$T/feed.json" <<'JSON'
{"parser": "csv",
 "parameters": {"columns": ["time.source", "source.ip", "classification.type", "source.url"]},
 "report": {"feed.name": "CLI store copy test"}}
JSON
cat > "$T/in.csv" <<'CSV'
2026-11-20T10:00:00+00:00,192.0.2.10,scanner,
2026-11-20T11:00:00+00:00,192.0.2.10,scanner,
2026-11-20T12:00:00+00:00,192.0.2.11,scanner,
2026-11-21T10:00:00+00:00,192.0.2.12,brute-force,
2026-11-21T10:00:00+00:00,2001:db8::13,phishing,http://phish.example/login
2026-11-21T11:00:00+00:00,2001:db8::13,phishing,http://phish.example/login
CSV
S="$T/v.db"
"$V" ingest --db "$S" --feed-file "$T/feed.json" "$T/in.csv" > /dev/null 2> "$T/err"
check "ingest into SQLite" '[ $? -eq 0 ]'
ID=$("$V" incidents list --db "$S" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$V" incidents note "$ID" --db "$S" "seen from the copy test" > /dev/null 2>&1
"$V" incidents set "$ID" --db "$S" --owner bob > /dev/null 2>&1
check "an incident edited (audit entries)" '"$V" audit log --db "$S" 2>/dev/null | grep -q bob'

"$V" store copy --from "sqlite:$S" --to "$PG" > "$T/out" 2> "$T/err"
check "store copy SQLite -> PostgreSQL" '[ $? -eq 0 ] && grep -q "events" "$T/out"'
check "... names the server, not a file" 'grep -q "postgres://" "$T/out"'
dump() { # store: what must survive a copy, as text
	"$V" events --db "$1" --limit 1000 --json 2>/dev/null
	"$V" incidents list --db "$1" --limit 1000 --json 2>/dev/null
	"$V" incidents show "$ID" --db "$1" --json 2>/dev/null
	"$V" audit log --db "$1" 2>/dev/null
}
dump "$S" > "$T/a"
dump "$PG" > "$T/b"
check "events, incidents, notes and audit trail the same in PostgreSQL" 'cmp -s "$T/a" "$T/b"'
check "... and not empty" '[ "$(wc -c < "$T/a")" -gt 500 ]'
check "the audit chain verifies in PostgreSQL" '"$V" audit verify --db "$PG" > /dev/null 2>&1'
check "a copy into a store that is not empty is refused" \
	'"$V" store copy --from "sqlite:$S" --to "$PG" > /dev/null 2> "$T/err"; [ $? -ne 0 ] && grep -q "not empty" "$T/err"'
check "a missing source is refused" \
	'"$V" store copy --from "$T/nope.db" --to "$PG" > /dev/null 2>&1; [ $? -eq 2 ] && [ ! -e "$T/nope.db" ]'
check "--from and --to are required" '"$V" store copy --from "$S" > /dev/null 2>&1; [ $? -eq 2 ]'
# new ids go on after the copied ones
"$V" incidents note "$ID" --db "$PG" "a note after the copy" > /dev/null 2>&1
check "writing to the copy goes on (identity past the copied ids)" '[ $? -eq 0 ]'
"$V" store copy --from "$PG" --to "sqlite:$T/back.db" > /dev/null 2> "$T/err"
check "store copy PostgreSQL -> SQLite" '[ $? -eq 0 ]'
dump "$PG" > "$T/c"
dump "$T/back.db" > "$T/d"
check "... the same again" 'cmp -s "$T/c" "$T/d" && grep -q "after the copy" "$T/d"'
check "... its audit chain verifies" '"$V" audit verify --db "$T/back.db" > /dev/null 2>&1'

# two processes edit one incident at once: each change lands, the chain stays one line
"$V" ingest --db "$PG2" --feed-file "$T/feed.json" "$T/in.csv" > /dev/null 2>&1
I2=$("$V" incidents list --db "$PG2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
(for i in 1 2 3 4 5 6 7 8 9 10; do
	"$V" incidents set "$I2" --db "$PG2" --owner "a$i" > /dev/null 2>> "$T/e1" || echo fail >> "$T/e1"
	"$V" incidents note "$I2" --db "$PG2" "note a$i" > /dev/null 2>> "$T/e1" || echo fail >> "$T/e1"
done) &
p1=$!
(for i in 1 2 3 4 5 6 7 8 9 10; do
	"$V" incidents set "$I2" --db "$PG2" --title "title b$i" > /dev/null 2>> "$T/e2" || echo fail >> "$T/e2"
	"$V" incidents note "$I2" --db "$PG2" "note b$i" > /dev/null 2>> "$T/e2" || echo fail >> "$T/e2"
done) &
p2=$!
wait $p1; wait $p2
check "two concurrent editors: no command failed" '! grep -q fail "$T/e1" "$T/e2" 2>/dev/null'
"$V" incidents show "$I2" --db "$PG2" --json > "$T/show" 2>/dev/null
check "... the last owner and the last title both kept" \
	'python3 -c "import json,sys; i = json.load(open(\"$T/show\"))[\"incident\"]; sys.exit(0 if i[\"owner\"] == \"a10\" and i[\"title\"] == \"title b10\" else 1)"'
check "... all 20 notes there" '[ "$(grep -o "note [ab][0-9]*" "$T/show" | sort -u | wc -l)" -eq 20 ]'
check "... every change in the audit trail" '[ "$("$V" audit log --db "$PG2" 2>/dev/null | grep -c "incident:$I2")" -ge 40 ]'
check "... and the chain verifies" '"$V" audit verify --db "$PG2" > /dev/null 2>&1'

# accounts and API tokens (issue 8) in PostgreSQL: names unique whatever their case, a token
# found by its hash, removal with the tokens
"$V" account add ana --role analyst --db "$PG2" > /dev/null 2>&1
check "an account in PostgreSQL" '[ $? -eq 0 ]'
check "... the same name in another case is refused" \
	'"$V" account add ANA --role analyst --db "$PG2" > /dev/null 2>&1; [ $? -eq 2 ]'
"$V" account token ana --db "$PG2" > "$T/token" 2>/dev/null
check "... a token for it" 'grep -q "^vgt_[0-9a-f]\{64\}$" "$T/token"'
check "... listed with one live token" \
	'"$V" account list --db "$PG2" 2>/dev/null | grep -q "^ana  *analyst  *-  *1 "'
check "... removed (any case) with its tokens" \
	'"$V" account remove Ana --db "$PG2" > /dev/null 2>&1 && ! "$V" account list --db "$PG2" 2>/dev/null | grep -q "^ana "'
echo "1..$n"
[ $bad -eq 0 ]
