#!/bin/sh
# The store from the command line: `vigia store info|migrate|prune` and `vigia events`.
# Which store: --db PATH, else VIGIA_DB, else store.path; a new path is created on first use.
# Retention keeps the events of incidents that are not closed.  Events are put in the store
# by `vigia ingest --db`.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
unset VIGIA_DB

# ---- which store ----------------------------------------------------------------------------
"$V" store info --db "$T/new.db" > "$T/out" 2> "$T/err"
rc=$?
check "store info on a new path succeeds" '[ $rc -eq 0 ]'
check "... and creates it" '[ -s "$T/new.db" ]'
check "... shows path and schema version" 'grep -q "new.db (sqlite)" "$T/out" && grep -q "^schema: *version [0-9]" "$T/out"'
check "... and zero counts" 'grep -q "^events: *0$" "$T/out" && grep -q "^incidents: *0$" "$T/out" && grep -q "^indicators: *0$" "$T/out"'
check "VIGIA_DB is used" 'VIGIA_DB="$T/env.db" "$V" store info | grep -q "env.db" && [ -s "$T/env.db" ]'
check "--db wins over VIGIA_DB" 'VIGIA_DB="$T/env.db" "$V" store info --db "$T/flag.db" | grep -q "flag.db" && [ -s "$T/flag.db" ]'
check "--db=PATH works too" '"$V" store info --db="$T/eq.db" | grep -q "eq.db"'
check "--db before the subcommand" '"$V" store --db "$T/before.db" info | grep -q "before.db"'
check "the setting store.path is the default" '(cd "$T" && "$V" --store.path=conf.db store info) | grep -q "conf.db" && [ -s "$T/conf.db" ]'
check "store migrate: already current" '"$V" store migrate --db "$T/new.db" | grep -q "already at schema version"'
check "store migrate: a new store is created" '"$V" store migrate --db "$T/m.db" | grep -q "created at schema version"'
# nothing listens on port 1 of the loopback: refused at once
"$V" store info --db 'postgresql://vigia:secret@127.0.0.1:1/vigia?connect_timeout=5' > /dev/null 2> "$T/err"
rc=$?
check "a PostgreSQL server that cannot be reached: exit 3" '[ $rc -eq 3 ]'
check "... clear message naming the server, no password shown" \
	'grep -q "PostgreSQL server postgres://vigia@127.0.0.1:1/vigia" "$T/err" && ! grep -q secret "$T/err"'
"$V" store info --db "$T/no/such/dir/x.db" > /dev/null 2> "$T/err"
rc=$?
check "a store that cannot be created: exit 3" '[ $rc -eq 3 ]'
check "... naming it" 'grep -q "no/such/dir/x.db" "$T/err"'
head -c 20000 /dev/urandom > "$T/garbage.db"
"$V" store info --db "$T/garbage.db" > /dev/null 2> "$T/err"
rc=$?
check "a damaged file: exit 3" '[ $rc -eq 3 ]'
check "... clear message naming it" 'grep -q "garbage.db is damaged or is not a database" "$T/err"'
check "store without a subcommand: exit 2" '"$V" store 2>/dev/null; [ $? -eq 2 ]'
check "store with an unknown subcommand: exit 2" '"$V" store frob --db "$T/new.db" 2>/dev/null; [ $? -eq 2 ]'
check "store --help" '"$V" store --help | grep -q "prune --older-than"'
check "events --help" '"$V" events --help | grep -q -- "--network CIDR"'

# ---- events in, events out ------------------------------------------------------------------
cat > "$T/feed.json" <<'JSON'
{"parser": "csv", "parameters": {"columns": ["time.source", "source.ip", "destination.ip",
  "classification.type", "source.fqdn", "source.url"]},
 "report": {"feed.name": "Store test"}}
JSON
cat > "$T/in.csv" <<'CSV'
2026-01-10T10:00:00Z,192.0.2.1,198.51.100.5,scanner,www.example.com,http://www.example.com/a
2026-01-11T10:00:00Z,192.0.2.2,,phishing,evil.example.org,http://evil.example.org/login
2026-01-12T10:00:00Z,2001:db8::7,,infected-system,,
2026-01-12T10:00:00Z,2001:db8::7,,infected-system,,
CSV
# one rule only, so that some events belong to no incident
cat > "$T/rules.json" <<'JSON'
{"version": 1, "rules": [{"name": "phishing", "match": {"classification.type": ["phishing"]},
 "key": ["source.url"], "window": "7d", "priority": 2, "title": "Phishing {source.url}"}]}
JSON
S="$T/s.db"
"$V" ingest --db "$S" --aggregate.rules="$T/rules.json" --observation-time 2020-01-01T00:00:00Z \
	--feed-file "$T/feed.json" --rejects "$T/rej" "$T/in.csv" > /dev/null 2> "$T/err"
rc=$?
check "ingest into the store" '[ $rc -eq 0 ]'
check "store info counts the events" '"$V" store info --db "$S" | grep -q "^events: *3$"'
"$V" events --db "$S" > "$T/out"
check "events: a table with a header" 'head -1 "$T/out" | grep -q "ID *TIME *CLASSIFICATION *SOURCE *DESTINATION *FEED *REPEATS"'
check "events: newest first" '[ "$(sed -n "2p" "$T/out" | awk "{print \$1}")" = 3 ]'
check "events: the repeat is counted" 'grep -q "infected-system *2001:db8::7 *- *Store test *1$" "$T/out"'
check "events: columns aligned" '[ "$(awk "{print index(\$0, \"Store test\")}" "$T/out" | sed 1d | sort -u | wc -l)" -eq 1 ]'
"$V" events --db "$S" --json > "$T/json"
check "--json: one event a line" '[ "$(wc -l < "$T/json")" -eq 3 ]'
check "--json: valid JSON with vigia.* fields" 'python3 -c "
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    assert isinstance(o[\"vigia.id\"], int) and isinstance(o[\"vigia.repeats\"], int)
    assert o[\"vigia.first_seen\"].endswith(\"+00:00\") and o[\"vigia.last_seen\"]
    assert o[\"feed.name\"] == \"Store test\" and \"raw\" in o
" "$T/json"'
check "--json: the stored event as ingested" 'grep -q "\"source.url\":\"http://evil.example.org/login\"" "$T/json"'
ids() { "$V" events --db "$S" --json "$@" | python3 -c "import json,sys; print(','.join(str(json.loads(l)['vigia.id']) for l in sys.stdin))"; }
check "--ip (source or destination)" '[ "$(ids --ip 198.51.100.5)" = 1 ]'
check "--ip IPv6" '[ "$(ids --ip 2001:db8:0::7)" = 3 ]'
check "--network" '[ "$(ids --network 192.0.2.0/24)" = 2,1 ]'
check "--classification (type)" '[ "$(ids --classification phishing)" = 2 ]'
check "--classification (taxonomy)" '[ "$(ids --classification malicious-code)" = 3 ]'
check "--feed" '[ "$(ids --feed "Store test")" = 3,2,1 ] && [ -z "$(ids --feed other)" ]'
check "--fqdn: a domain and the names under it" '[ "$(ids --fqdn example.com)" = 1 ] && [ "$(ids --fqdn example.org)" = 2 ]'
check "--url prefix" '[ "$(ids --url http://evil.)" = 2 ]'
check "--since" '[ "$(ids --since 2026-01-11)" = 3,2 ]'
check "--until" '[ "$(ids --until 2026-01-11T00:00:00Z)" = 1 ]'
check "--since an age" '[ -z "$(ids --since 1h)" ]'
check "--batch" '[ "$(ids --batch 1)" = 3,2,1 ] && [ -z "$(ids --batch 2)" ]'
check "--incident" '[ "$(ids --incident 1)" = 2 ]'
check "--limit and --offset" '[ "$(ids --limit 1)" = 3 ] && [ "$(ids --limit 1 --offset 1)" = 2 ]'
check "--limit 0 lists all" '[ "$(ids --limit 0)" = 3,2,1 ]'
check "filters combine" '[ "$(ids --network 192.0.2.0/24 --classification scanner)" = 1 ]'
check "a full page says how to see the next" '"$V" events --db "$S" --limit 2 | grep -q -- "--offset 2"'
check "no match: No events." '"$V" events --db "$S" --feed nothing | grep -q "No events"'
check "VIGIA_DB for events" 'VIGIA_DB="$S" "$V" events --json | grep -c . | grep -q "^3$"'
check "bad --ip: exit 2" '"$V" events --db "$S" --ip 999.1.1.1 2>/dev/null; [ $? -eq 2 ]'
check "bad --network: exit 2" '"$V" events --db "$S" --network 10.0.0.0/99 2>/dev/null; [ $? -eq 2 ]'
check "bad --since: exit 2" '"$V" events --db "$S" --since yesterday-ish 2>/dev/null; [ $? -eq 2 ]'
check "bad --limit: exit 2" '"$V" events --db "$S" --limit -3 2>/dev/null; [ $? -eq 2 ]'
check "unknown option: exit 2" '"$V" events --db "$S" --frob 2>/dev/null; [ $? -eq 2 ]'

# ---- retention --------------------------------------------------------------------------------
check "prune needs --older-than" '"$V" store prune --db "$S" 2>/dev/null; [ $? -eq 2 ]'
check "prune: a bad age is refused" '"$V" store prune --db "$S" --older-than 180x 2>/dev/null; [ $? -eq 2 ]'
check "prune: nothing younger than the age" '"$V" store prune --db "$S" --older-than 5000w | grep -q "^0 events"'
check "prune: old events go, the open incident keeps its own" '"$V" store prune --db "$S" --older-than 180d | grep -q "^2 events last seen before"'
check "... the incident's event is still there" '[ "$(ids)" = 2 ]'
"$V" incidents close 1 --resolution true-positive --db "$S" > /dev/null 2>&1
check "once the incident is closed, its old event goes too" '"$V" store prune --db "$S" --older-than 180d | grep -q "^1 event last seen before"'
check "... leaving none" '"$V" events --db "$S" | grep -q "No events"'
for age in 30s 15m 12h 2w; do
	check "prune --older-than $age" '"$V" store prune --db "$S" --older-than $age > /dev/null'
done

# ---- check ------------------------------------------------------------------------------------
"$V" store check --db "$S" > "$T/chk" 2>&1
rc=$?
check "store check: a consistent store, exit 0" '[ $rc -eq 0 ] && grep -q "^postings without a parent: *0$" "$T/chk" && grep -q "consistent" "$T/chk"'
python3 -c "import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA foreign_keys = OFF')
c.execute('INSERT INTO postings (indicator, incident) VALUES (1, 999999)')
c.execute('INSERT INTO notes (incident, author, time, text) VALUES (888888, \"x\", 1, \"t\")')
c.commit()" "$S"
"$V" store check --db "$S" > "$T/chk" 2>&1
rc=$?
check "store check: a posting and a note without their parents (written around vigia), exit 1, named" '[ $rc -eq 1 ] && grep -q "^rows without their parent: *1$" "$T/chk" && grep -q "^postings without a parent: *1$" "$T/chk" && grep -q "notes row .*: no row of incidents" "$T/chk" && grep -q "has problems" "$T/chk"'
check "store check takes no argument" '"$V" store check extra --db "$S" 2>/dev/null; [ $? -eq 2 ]'

echo "1..$n"
[ "$bad" -eq 0 ]
