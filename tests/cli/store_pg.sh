#!/bin/sh
# The PostgreSQL store end to end, against the real server tests/run.sh started
# ($VIGIA_TEST_PG, tests/pg-server.sh): a store filled by `vigia ingest` into SQLite, copied
# with `vigia store copy` into PostgreSQL and back, the events, incidents and audit trail
# compared; then two processes editing the same incident at once on PostgreSQL, with no update
# lost and the audit chain still one line; a record PostgreSQL refuses quarantined while the
# good ones of its transaction are stored; two processes ingesting the same input at once
# storing each event once; two `vigia serve` processes taking concurrent HTTP edits of one
# incident without losing one, and a web UI session ending when its token is revoked or its
# password changes.
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
check "store check: the copy in PostgreSQL is consistent" '"$V" store check --db "$PG" 2>&1 | grep -q "^postings without a parent: *0$"'
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

# a record PostgreSQL refuses (a URL too long for its index) among good ones: only its record
# is quarantined, the good records before and after it in the same transaction are stored
db3=bad$$; db4=one$$; db5=two$$
for d in "$db3" "$db4" "$db5"; do sh tests/pg-server.sh createdb "$VIGIA_TEST_PGDIR" "$d" || exit 1; done
python3 - "$T/bad.csv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(250):
        if i == 120:
            u = "http://long.example/" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(9000))
            f.write("2026-11-20T10:00:00+00:00,192.0.2.120,phishing,%s\n" % u)
        else:
            f.write("2026-11-20T10:00:00+00:00,198.51.100.%d,phishing,http://p%d.example/x\n" % (i % 250, i))
PY
"$V" ingest --db "$VIGIA_TEST_PG/$db3" --feed-file "$T/feed.json" --rejects "$T/rej.json" "$T/bad.csv" > /dev/null 2> "$T/err"
check "a record PostgreSQL refuses: exit 1 (some rejected), not a failed ingest" '[ $? -eq 1 ]'
check "... named with its line and the server's reason" 'grep -q "bad.csv:121: .*index row" "$T/err"'
check "... quarantined in the reject file" \
	'[ "$(grep -c "" "$T/rej.json")" -eq 1 ] && grep -q "\"line\":121,.*index row" "$T/rej.json"'
check "... the 249 good records of the same transaction stored" \
	'"$V" store info --db "$VIGIA_TEST_PG/$db3" | grep -q "^events: *249$"'
check "... and counted as rejected" 'grep -q "250 records read, 250 events emitted, 1 rejected" "$T/err"'
check "... their incidents too, none for the refused one" \
	'[ "$("$V" incidents list --db "$VIGIA_TEST_PG/$db3" --limit 1000 --json | grep -c "\"key\"")" -eq 249 ] &&
	 ! "$V" incidents list --db "$VIGIA_TEST_PG/$db3" --limit 1000 --json | grep -q "long.example"'
"$V" ingest --db "$T/bad.db" --feed-file "$T/feed.json" "$T/bad.csv" > /dev/null 2>&1
check "SQLite has no such limit: all 250 stored" '"$V" store info --db "$T/bad.db" | grep -q "^events: *250$"'

# the same input ingested twice at the same time by two processes into one PostgreSQL gives
# the same events (with their repeat counts) and incidents as the two ingests one after the
# other: the second process waits for the first one's events instead of storing them again
python3 - "$T/dup.csv" <<'PY'
import random, sys
random.seed(11)
kinds = ["scanner", "brute-force", "phishing"]
with open(sys.argv[1], "w") as f:
    for i in range(1500):
        n = random.randrange(600)
        k = kinds[n % 3]
        url = "http://d%d.example/" % n if k == "phishing" else ""
        f.write("2026-11-2%dT10:%02d:00+00:00,203.0.113.%d,%s,%s\n" % (n % 3, n % 60, n % 200, k, url))
PY
"$V" ingest --db "$VIGIA_TEST_PG/$db4" --feed-file "$T/feed.json" "$T/dup.csv" > /dev/null 2>&1 &&
	"$V" ingest --db "$VIGIA_TEST_PG/$db4" --feed-file "$T/feed.json" --again "$T/dup.csv" > /dev/null 2>&1
check "two ingests one after the other" '[ $? -eq 0 ]'
"$V" ingest --db "$VIGIA_TEST_PG/$db5" --feed-file "$T/feed.json" "$T/dup.csv" > /dev/null 2> "$T/c1" &
c1=$!
"$V" ingest --db "$VIGIA_TEST_PG/$db5" --feed-file "$T/feed.json" --again "$T/dup.csv" > /dev/null 2> "$T/c2" &
c2=$!
wait $c1; r1=$?; wait $c2; r2=$?
check "two ingests of the same input at the same time" '[ $r1 -eq 0 ] && [ $r2 -eq 0 ]'
canon() { # store: its events and incidents without ids and times of ingest, sorted
	"$V" events --db "$1" --limit 100000 --json 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    for k in ("vigia.id", "time.observation", "vigia.first_seen", "vigia.last_seen"):
        e.pop(k, None)
    print(json.dumps(e, sort_keys=True))' | sort
	"$V" incidents list --db "$1" --limit 100000 --json 2>/dev/null | python3 -c '
import json, sys
for i in json.load(sys.stdin):
    print(i["rule"], i["key"], i["events"], i["first_seen"], i["last_seen"])' | sort
}
canon "$VIGIA_TEST_PG/$db4" > "$T/one"
canon "$VIGIA_TEST_PG/$db5" > "$T/two"
check "... the same events, repeat counts and incidents as one after the other" \
	'cmp -s "$T/one" "$T/two" && [ "$(grep -c "vigia.repeats\": [1-9]" "$T/one")" -gt 500 ]'

# two `vigia serve` processes on one PostgreSQL, an analyst editing the same incident through
# each at the same time over HTTP: every update is kept, in the final state and in the audit
# trail, and the chain stays one line
if command -v curl > /dev/null; then
db6=serve$$
sh tests/pg-server.sh createdb "$VIGIA_TEST_PGDIR" "$db6" || exit 1
PG6="$VIGIA_TEST_PG/$db6"
"$V" ingest --db "$PG6" --feed-file "$T/feed.json" "$T/in.csv" > /dev/null 2>&1
I6=$("$V" incidents list --db "$PG6" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$V" account add ana --role analyst --db "$PG6" > /dev/null 2>&1
TOK=$("$V" account token ana --db "$PG6" 2> /dev/null)
SPIDS=""
for s in 1 2; do
	"$V" serve --db "$PG6" --http.port=0 --port-file "$T/port$s" 2>> "$T/serve$s.log" &
	SPIDS="$SPIDS $!"
done
for s in 1 2; do
	i=0; while [ ! -s "$T/port$s" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
done
P1=$(cat "$T/port1" 2> /dev/null); P2=$(cat "$T/port2" 2> /dev/null)
check "two vigia serve processes on one PostgreSQL" '[ -n "$P1" ] && [ -n "$P2" ] && [ "$P1" != "$P2" ]'
edit() { # port field prefix: 10 changes of field and 10 notes through that server
	for i in 1 2 3 4 5 6 7 8 9 10; do
		curl -s -o /dev/null -w '%{http_code}\n' -X PATCH -H "Authorization: Bearer $TOK" \
			-H "Content-Type: application/json" -d "{\"$2\":\"$3$i\"}" \
			"http://127.0.0.1:$1/api/v1/incidents/$I6"
		curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $TOK" \
			-H "Content-Type: application/json" -d "{\"text\":\"note $3$i\"}" \
			"http://127.0.0.1:$1/api/v1/incidents/$I6/notes"
	done
}
edit "$P1" owner a > "$T/h1" & h1=$!
edit "$P2" title "title b" > "$T/h2" & h2=$!
wait $h1; wait $h2
check "... 40 concurrent HTTP updates of one incident, all accepted" \
	'[ "$(cat "$T/h1" "$T/h2" | grep -c "^20[01]$")" -eq 40 ]'
"$V" incidents show "$I6" --db "$PG6" --json > "$T/show6" 2>/dev/null
check "... the last owner and the last title both kept" \
	'python3 -c "import json,sys; i = json.load(open(\"$T/show6\"))[\"incident\"]; sys.exit(0 if i[\"owner\"] == \"a10\" and i[\"title\"] == \"title b10\" else 1)"'
check "... all 20 notes there" \
	'[ "$(grep -o "\"note \(a\|title b\)[0-9]*\"" "$T/show6" | sort -u | wc -l)" -eq 20 ]'
"$V" audit log --db "$PG6" > "$T/audit6" 2>/dev/null
check "... every update in the incident's audit trail" \
	'(grep "incident:$I6" "$T/audit6" > "$T/a6"; for i in 1 2 3 4 5 6 7 8 9 10; do
	  grep -q "owner: .* → a$i\$" "$T/a6" && grep -q "title: .* → title b$i\$" "$T/a6" &&
	  grep -q "note: .*\"note a$i\"" "$T/a6" && grep -q "note: .*\"note title b$i\"" "$T/a6" ||
	  exit 1; done)'
check "... and the chain verifies" '"$V" audit verify --db "$PG6" > /dev/null 2>&1'
# a web UI session on PostgreSQL ends when its token is revoked or its password changes
TOK2=$("$V" account token ana --db "$PG6" 2> "$T/tok2.err")
TID2=$(sed -n 's/.*token \([0-9][0-9]*\) made.*/\1/p' "$T/tok2.err")
ui() { # jar, then curl args: the status of a request to server 1
	_j=$1; shift
	curl -s -o /dev/null -w '%{http_code}' -b "$_j" -c "$_j" "$@"
}
printf 'ana: a pg password\n' | "$V" account passwd ana --stdin --db "$PG6" 2> /dev/null
ui "$T/j1" -H 'Content-Type: application/json' -d "{\"name\":\"ana\",\"token\":\"$TOK2\"}" \
	"http://127.0.0.1:$P1/ui/login" > /dev/null
ui "$T/j2" -H 'Content-Type: application/json' -d '{"name":"ana","password":"ana: a pg password"}' \
	"http://127.0.0.1:$P1/ui/login" > /dev/null
check "... two UI sessions, by token and by password" '[ -n "$TID2" ] && [ "$(ui "$T/j1" "http://127.0.0.1:$P1/ui/api/session")" = 200 ] && [ "$(ui "$T/j2" "http://127.0.0.1:$P1/ui/api/session")" = 200 ]'
"$V" account revoke "$TID2" --db "$PG6" 2> /dev/null
check "... the token revoked: the session it began ends, not the other" '[ "$(ui "$T/j1" "http://127.0.0.1:$P1/ui/api/session")" = 401 ] && [ "$(ui "$T/j2" "http://127.0.0.1:$P1/ui/api/session")" = 200 ]'
printf 'ana: another pg password\n' | "$V" account passwd ana --stdin --db "$PG6" 2> /dev/null
check "... the password changed: the session signed in by password ends" '[ "$(ui "$T/j2" "http://127.0.0.1:$P1/ui/api/session")" = 401 ]'
for p in $SPIDS; do kill "$p" 2> /dev/null; wait "$p" 2> /dev/null; done
else
	echo "# SKIP the two servers: curl is not installed"
fi

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
