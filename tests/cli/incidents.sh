#!/bin/sh
# The analysts' commands end to end: a store filled by `vigia ingest` from a small feed, then
# incidents list/show/set/note/attach/merge/link/close/reopen/due, --json read by Python,
# refusals with exit status 2, and `vigia audit verify` passing, then catching an edited and a
# deleted entry (edited through Python's sqlite3 module).
set -u
V=${VIGIA:-build/san/vigia}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
# py EXPR: evaluate a Python expression over the JSON on standard input (bound to j)
py() { python3 -c "import json, sys; j = json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

export VIGIA_DB="$T/v.db" VIGIA_USER=ana LC_ALL=C.UTF-8
cat > "$T/feed.json" <<'JSON'
{"parser": "csv",
 "parameters": {"columns": ["time.source", "source.ip", "classification.type", "source.url"]},
 "report": {"feed.name": "CLI incidents test"}}
JSON
cat > "$T/in.csv" <<'CSV'
2026-11-20T10:00:00+00:00,192.0.2.10,scanner,
2026-11-20T11:00:00+00:00,192.0.2.10,scanner,
2026-11-20T12:00:00+00:00,192.0.2.11,scanner,
2026-11-21T10:00:00+00:00,192.0.2.12,brute-force,
2026-11-21T10:00:00+00:00,192.0.2.13,phishing,http://phish.example/login
2026-11-21T11:00:00+00:00,192.0.2.13,phishing,http://phish.example/login
CSV
"$V" ingest --feed-file "$T/feed.json" --rejects "$T/rej" "$T/in.csv" > /dev/null 2> "$T/err"
rc=$?
check "ingest into the store" '[ $rc -eq 0 ]'

# ids by what they are (the pipeline numbers them in order of arrival)
"$V" incidents list --json > "$T/list.json"
check "list --json is an array of four incidents" 'py "len(j) == 4" < "$T/list.json"'
id_of() { python3 -c "import json,sys; print([i['id'] for i in json.load(open('$T/list.json')) if $1][0])"; }
SCAN=$(id_of "'192.0.2.10' in i['key']")
SCAN2=$(id_of "'192.0.2.11' in i['key']")
BRUTE=$(id_of "i['classification'] == 'brute-force'")
PHISH=$(id_of "i['classification'] == 'phishing'")
check "every documented key, with its type" 'py "all(set(i) == {\"id\",\"state\",\"resolution\",\"priority\",\"impact\",\"tlp\",\"pap\",\"owner\",\"title\",\"rule\",\"key\",\"classification\",\"taxonomy\",\"organisation\",\"country\",\"asn\",\"network\",\"events\",\"first_seen\",\"last_seen\",\"created\",\"updated\",\"deadline\",\"overdue\",\"merged_into\"} and isinstance(i[\"priority\"], int) and isinstance(i[\"overdue\"], bool) for i in j)" < "$T/list.json"'
check "newest first" 'py "[i[\"id\"] for i in j] == sorted((i[\"id\"] for i in j), reverse=True)" < "$T/list.json"'
check "events counted per incident" 'py "{i[\"id\"]: i[\"events\"] for i in j}[$SCAN] == 2" < "$T/list.json"'
check "times in ISO 8601 UTC" 'py "all(i[\"first_seen\"].endswith(\"+00:00\") for i in j)" < "$T/list.json"'

"$V" incidents list > "$T/out"
check "table has a heading and a row per incident" '[ "$(wc -l < "$T/out")" -eq 5 ] && head -1 "$T/out" | grep -q "^ID  STATE  PRI  CLASSIFICATION"'
check "table columns are aligned" 'awk "NR==1 {c=index(\$0, \"EVENTS\")} NR>1 && substr(\$0, c+5, 1) !~ /[0-9]/ {bad=1} END {exit bad}" "$T/out"'
check "--limit" '"$V" incidents list --limit 2 --json | py "len(j) == 2"'
check "--offset" '"$V" incidents list --limit 2 --offset 3 --json | py "len(j) == 1"'
check "a full page says how to get the next" '"$V" incidents list --limit 2 | grep -q -- "--offset 2"'
check "--classification" '"$V" incidents list --classification scanner --json | py "len(j) == 2"'
check "--priority" '"$V" incidents list --priority P2 --json | py "[i[\"id\"] for i in j] == [$PHISH]"'
check "--state" '"$V" incidents list --state new --json | py "len(j) == 4"'
check "--db names the store" '"$V" incidents list --db "$T/v.db" --json | py "len(j) == 4"'
# attribution: the columns of the incident, from its events' victim side, and the filters
cat > "$T/afeed.json" <<'JSON'
{"parser": "csv",
 "parameters": {"columns": ["time.source", "source.ip", "classification.type",
   "source.geolocation.cc", "source.asn", "source.network"]},
 "report": {"feed.name": "CLI attribution test"}}
JSON
cat > "$T/a.csv" <<'CSV'
2026-11-20T10:00:00+00:00,198.51.100.7,infected-system,ES,64496,198.51.100.0/24
2026-11-20T11:00:00+00:00,198.51.100.7,infected-system,PT,64497,198.51.100.0/25
2026-11-20T12:00:00+00:00,203.0.113.9,infected-system,ES,64499,203.0.113.0/24
2026-11-20T12:00:00+00:00,192.0.2.99,infected-system,,,
CSV
A="$T/a.db"
"$V" ingest --db "$A" --feed-file "$T/afeed.json" "$T/a.csv" > /dev/null 2>&1
check "attribution: ingest" '[ $? -eq 0 ]'
"$V" incidents list --db "$A" --json > "$T/alist.json"
check "attribution in --json: the first event's, kept when the second says otherwise" 'py "sorted((i[\"country\"], i[\"asn\"], i[\"network\"]) for i in j if i[\"country\"]) == [(\"ES\", 64496, \"198.51.100.0/24\"), (\"ES\", 64499, \"203.0.113.0/24\")]" < "$T/alist.json"'
check "an incident without: nulls" 'py "sum(1 for i in j if i[\"country\"] is None and i[\"asn\"] is None and i[\"network\"] is None) == 1" < "$T/alist.json"'
check "--country (any case)" '"$V" incidents list --db "$A" --country es --json | py "len(j) == 2"'
check "--country PT: the later event did not move it" '"$V" incidents list --db "$A" --country PT --json | py "len(j) == 0"'
check "--asn AS64499" '"$V" incidents list --db "$A" --asn AS64499 --json | py "len(j) == 1 and j[0][\"asn\"] == 64499"'
check "--network" '"$V" incidents list --db "$A" --network 198.51.100.0/24 --json | py "len(j) == 1"'
check "filters combine" '"$V" incidents list --db "$A" --country ES --asn 64496 --json | py "len(j) == 1"'
AID=$(python3 -c "import json; print([i['id'] for i in json.load(open('$T/alist.json')) if i['asn'] == 64496][0])")
check "show prints the attribution" '"$V" incidents show --db "$A" "$AID" | grep -q "attribution.*ES  AS64496  198.51.100.0/24"'
check "show --json carries it" '"$V" incidents show --db "$A" "$AID" --json | py "j[\"incident\"][\"country\"] == \"ES\""'
check "bad --country exits 2" '"$V" incidents list --db "$A" --country ESP 2>/dev/null; [ $? -eq 2 ]'
check "bad --asn exits 2" '"$V" incidents list --db "$A" --asn ASx 2>/dev/null; [ $? -eq 2 ]'
check "bad --limit exits 2" '"$V" incidents list --limit x 2>/dev/null; [ $? -eq 2 ]'
check "bad --state exits 2" '"$V" incidents list --state sleeping 2>/dev/null; [ $? -eq 2 ]'

"$V" incidents show "$SCAN" > "$T/out"
check "show: the incident, its events and audit trail" 'grep -q "^Incident $SCAN" "$T/out" && grep -q "192.0.2.10" "$T/out" && grep -q "^Audit trail:" "$T/out"'
"$V" incidents show "$SCAN" --json > "$T/show.json"
check "show --json: incident and its events" 'py "j[\"incident\"][\"id\"] == $SCAN and len(j[\"events\"]) == 2 and j[\"events\"][0][\"event\"][\"source.ip\"] == \"192.0.2.10\"" < "$T/show.json"'
check "show --json: every section" 'py "set(j) == {\"incident\",\"events\",\"notes\",\"links\",\"attachments\",\"indicators\",\"audit\"}" < "$T/show.json"'
check "show --events 1" '"$V" incidents show "$SCAN" --events 1 --json | py "len(j[\"events\"]) == 1"'
check "show a missing incident exits 2" '"$V" incidents show 999 2>/dev/null; [ $? -eq 2 ]'

# set
"$V" incidents set "$SCAN" --state in_progress --owner bob --priority P2 --tlp amber+strict \
	--pap green --impact high --title "Scanner at the university" > /dev/null
rc=$?
check "set exits 0" '[ $rc -eq 0 ]'
"$V" incidents show "$SCAN" --json > "$T/show.json"
check "set: fields changed, spelled canonically" 'py "(lambda i: i[\"state\"] == \"in_progress\" and i[\"owner\"] == \"bob\" and i[\"priority\"] == 2 and i[\"tlp\"] == \"AMBER+STRICT\" and i[\"pap\"] == \"GREEN\" and i[\"impact\"] == \"high\" and i[\"title\"] == \"Scanner at the university\")(j[\"incident\"])" < "$T/show.json"'
check "set: audited with actor, before and after" 'py "(lambda a: a[\"actor\"] == \"ana\" and a[\"action\"] == \"set\" and a[\"object\"] == \"incident:$SCAN\" and a[\"before\"][\"state\"] == \"new\" and a[\"after\"][\"state\"] == \"in_progress\" and a[\"before\"][\"owner\"] is None and a[\"after\"][\"priority\"] == 2 and \"deadline\" in a[\"after\"])(j[\"audit\"][-1])" < "$T/show.json"'
check "title shown in the listing" '"$V" incidents list | grep -q "Scanner at the university"'
"$V" incidents set "$SCAN" --state new 2> "$T/err"
rc=$?
check "a transition the lifecycle refuses exits 2" '[ $rc -eq 2 ]'
check "... naming the states allowed" 'grep -q "cannot go from in_progress to new" "$T/err"'
check "TLP 1.0 WHITE refused" '"$V" incidents set "$SCAN" --tlp WHITE 2>&1 >/dev/null | grep -q CLEAR'
check "unknown PAP refused" '"$V" incidents set "$SCAN" --pap AMBER+STRICT 2>/dev/null; [ $? -eq 2 ]'
check "resolution on an open incident refused" '"$V" incidents set "$SCAN" --resolution true-positive 2>/dev/null; [ $? -eq 2 ]'
check "resolving without a resolution refused" '"$V" incidents set "$SCAN" --state resolved 2>/dev/null; [ $? -eq 2 ]'
check "nothing changed by the refusals" '"$V" incidents show "$SCAN" --json | py "j[\"incident\"][\"state\"] == \"in_progress\" and [a[\"action\"] for a in j[\"audit\"]] == [\"create\", \"set\"]"'
check "set without options exits 2" '"$V" incidents set "$SCAN" 2>/dev/null; [ $? -eq 2 ]'

# notes and attachments
check "note from arguments" '"$V" incidents note "$SCAN" Called the NOC, no answer | grep -q "added"'
printf 'Second try:\nthe NOC blocked it.\n' | "$V" incidents note "$SCAN" - > /dev/null
rc=$?
check "note from standard input" '[ $rc -eq 0 ]'
"$V" incidents show "$SCAN" --json > "$T/show.json"
check "notes kept with author and text" 'py "[(x[\"author\"], x[\"text\"]) for x in j[\"notes\"]] == [(\"ana\", \"Called the NOC, no answer\"), (\"ana\", \"Second try:\\nthe NOC blocked it.\")]" < "$T/show.json"'
check "empty note refused" '"$V" incidents note "$SCAN" " " 2>/dev/null; [ $? -eq 2 ]'
printf 'Received: from mx.example\n\nphish\n' > "$T/mail.eml"
SHA=$(sha256sum "$T/mail.eml" | cut -d" " -f1)
SIZE=$(wc -c < "$T/mail.eml")
check "attach" '"$V" incidents attach "$SCAN" "$T/mail.eml" | grep -q "$SHA"'
check "the same content on another incident: the same hash" '"$V" incidents attach "$PHISH" "$T/mail.eml" | grep -q "$SHA"'
check "attachment listed by name, size and SHA-256" '"$V" incidents show "$SCAN" --json | py "j[\"attachments\"] and j[\"attachments\"][0][\"name\"] == \"mail.eml\" and j[\"attachments\"][0][\"sha256\"] == \"$SHA\" and j[\"attachments\"][0][\"size\"] == $SIZE"'
check "attach a missing file exits 3" '"$V" incidents attach "$SCAN" "$T/nope" 2>/dev/null; [ $? -eq 3 ]'

# merge and link
check "merge" '"$V" incidents merge "$SCAN" "$SCAN2" | grep -q "1 incident merged"'
"$V" incidents show "$SCAN2" --json > "$T/show.json"
check "merged: closed as a duplicate pointing to the survivor" 'py "(lambda i: i[\"state\"] == \"closed\" and i[\"resolution\"] == \"duplicate\" and i[\"merged_into\"] == $SCAN)(j[\"incident\"])" < "$T/show.json"'
"$V" incidents show "$SCAN" --json > "$T/show.json"
check "survivor has the merged events" 'py "j[\"incident\"][\"events\"] == 3 and len(j[\"events\"]) == 3" < "$T/show.json"'
check "survivor linked to the merged incident" 'py "{\"incident\": $SCAN2, \"kind\": \"merged\", \"why\": None} in j[\"links\"]" < "$T/show.json"'
check "merging again refused" '"$V" incidents merge "$SCAN" "$SCAN2" 2>/dev/null; [ $? -eq 2 ]'
check "link" '"$V" incidents link "$BRUTE" "$PHISH" --why "same actor" | grep -q linked'
check "link seen from both sides" '"$V" incidents show "$PHISH" --json | py "{\"incident\": $BRUTE, \"kind\": \"linked\", \"why\": \"same actor\"} in j[\"links\"]"'

# close and reopen
check "close needs --resolution" '"$V" incidents close "$BRUTE" 2>/dev/null; [ $? -eq 2 ]'
check "close" '"$V" incidents close "$BRUTE" --resolution false-positive | grep -q closed'
check "closed with its resolution" '"$V" incidents show "$BRUTE" --json | py "j[\"incident\"][\"state\"] == \"closed\" and j[\"incident\"][\"resolution\"] == \"false-positive\""'
check "--open leaves closed incidents out" '"$V" incidents list --open --json | py "sorted(i[\"id\"] for i in j) == sorted([$SCAN, $PHISH])"'
check "reopen" '"$V" incidents reopen "$BRUTE" | grep -q reopened'
check "reopened: open, resolution cleared" '"$V" incidents show "$BRUTE" --json | py "j[\"incident\"][\"state\"] == \"open\" and j[\"incident\"][\"resolution\"] is None"'
check "reopen an open incident exits 2" '"$V" incidents reopen "$BRUTE" 2>/dev/null; [ $? -eq 2 ]'

# deadlines and escalation: a P2 deadline of one second makes the phishing incident overdue
check "nothing due yet" '"$V" incidents due --dry-run | grep -q "No incident"'
"$V" incidents set "$PHISH" --priority P3 > /dev/null
"$V" incidents set "$PHISH" --priority P2 --incidents.deadline_p2=1s > /dev/null
sleep 2
check "overdue marked in the listing" '"$V" incidents list | grep -q "!\$"'
check "due --dry-run lists it" '"$V" incidents due --dry-run | grep -q "P2 → P1"'
check "... and changes nothing" '"$V" incidents show "$PHISH" --json | py "j[\"incident\"][\"priority\"] == 2 and j[\"incident\"][\"overdue\"]"'
"$V" incidents due --json > "$T/due.json" 2> "$T/err"
check "due raises it one step" 'py "len(j) == 1 and j[0][\"id\"] == $PHISH and j[0][\"escalated\"] and j[0][\"before\"][\"priority\"] == 2 and j[0][\"after\"][\"priority\"] == 1" < "$T/due.json"'
check "... with a warning in the log" 'grep -q "warning: incident $PHISH is past its deadline" "$T/err"'
check "... audited as vigia" '"$V" incidents show "$PHISH" --json | py "(lambda a: a[\"actor\"] == \"vigia\" and a[\"action\"] == \"escalate\" and a[\"after\"][\"priority\"] == 1)(j[\"audit\"][-1])"'
check "once per deadline: a second run raises nothing" '"$V" incidents due | grep -q "No incident"'

# the audit trail
"$V" audit verify > "$T/out"
rc=$?
check "audit verify passes" '[ $rc -eq 0 ] && grep -q "verified" "$T/out"'
"$V" audit log --json > "$T/audit.json"
check "audit log --json" 'py "len(j) > 10 and all(set(a) == {\"id\",\"time\",\"actor\",\"object\",\"action\",\"before\",\"after\",\"prev_hash\",\"hash\"} for a in j) and all(j[k][\"prev_hash\"] == j[k-1][\"hash\"] for k in range(1, len(j)))" < "$T/audit.json"'
check "audit log --object" '"$V" audit log --object "incident:$BRUTE" --json | py "[a[\"action\"] for a in j] == [\"create\", \"link\", \"close\", \"reopen\"]"'
check "audit log for people" '"$V" audit log | grep -q "state: new → in_progress"'
N=$(python3 -c "import json; print(len(json.load(open('$T/audit.json'))))")
(python3 - "$T/v.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT actor FROM audit WHERE id = 3").fetchone()[0])
db.execute("UPDATE audit SET actor = 'mallory' WHERE id = 3")
db.commit()
PY
) > "$T/actor3"
"$V" audit verify > /dev/null 2> "$T/err"
rc=$?
check "an edited entry is detected" '[ $rc -eq 1 ]'
check "... and named" 'grep -q "entry 3 " "$T/err"'
python3 - "$T/v.db" "$(cat "$T/actor3")" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE audit SET actor = ? WHERE id = 3", (sys.argv[2],))
db.commit()
PY
check "restored, it verifies again" '"$V" audit verify > /dev/null'
python3 - "$T/v.db" "$N" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM audit WHERE id = ?", (int(sys.argv[2]),))
db.commit()
PY
"$V" audit verify > /dev/null 2> "$T/err"
rc=$?
check "a deleted entry is detected" '[ $rc -eq 1 ] && grep -q "$N" "$T/err"'
check "unknown subcommand exits 2" '"$V" incidents frob 2>/dev/null; [ $? -eq 2 ]'

echo "1..$n"
[ "$bad" -eq 0 ]
