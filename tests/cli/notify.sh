#!/bin/sh
# Notifications end to end, against a real SMTP server on loopback (tests/notify/smtpd.py,
# aiosmtpd): routing and `notify plan` with its reasons, the queue, sending, the messages read
# back with GMime (recipients, language, attachments) and their X-ARF validated against the
# schemas in ../shared; the ledger (nothing twice), 5xx (failed with the server's reason),
# 4xx and connection refused (retried), STARTTLS with AUTH, rate limits, bad rules and a bad
# template (named, the rest proceeds), a new incident version, the country report for a
# partner CERT, and OpenPGP signing.
set -u
V=${VIGIA:-build/san/vigia}
BUILD=${BUILD:-build}
MC=$BUILD/test-tools/mailcheck
PY=/usr/bin/python3
SCHEMAS=../shared/corpus/abuse-reports/xarf-v4/schemas
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP: python3-aiosmtpd is not installed (sh scripts/deps.sh)"; exit 0
fi
T=$(mktemp -d)
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	[ -d "$T/gpg" ] && GNUPGHOME="$T/gpg" gpgconf --kill gpg-agent 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
n=0; bad=0
check() { # description, then a shell condition ($? in it: the status of the command before)
	_rc=$?
	n=$((n + 1)); d=$1; shift
	if (exit "$_rc"); eval "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; bad=$((bad + 1)); fi
}
py() { python3 -c "import json, sys; j = json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }
jl() { python3 -c "import json, sys; j = [json.loads(l) for l in sys.stdin if l.strip()]; sys.exit(0 if ($1) else 1)"; }

# start_server DIR ARGS...: a fresh server on a free port; sets PORT and SPID
start_server() {
	dir=$1; shift
	PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	rm -rf "$dir"; mkdir -p "$dir"
	$PY tests/notify/smtpd.py --port "$PORT" --dir "$dir" "$@" > "$dir.log" 2>&1 &
	SPID=$!
	i=0; while [ ! -f "$dir/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
stop_server() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=""; }
relay() { echo "--notify.smtp_url=smtp://127.0.0.1:$PORT"; }
count_mail() { ls "$1" 2>/dev/null | grep -c '\.eml$'; }

export VIGIA_DB="$T/v.db" VIGIA_USER=ana LC_ALL=C.UTF-8
cat > "$T/feed.json" <<'JSON'
{"parser": "csv",
 "parameters": {"columns": ["time.source", "source.ip", "classification.type", "source.url",
   "protocol.transport", "source.port", "source.geolocation.cc", "source.abuse_contact",
   "destination.ip"]},
 "report": {"feed.name": "notify test"}}
JSON
cat > "$T/in.csv" <<'CSV'
2026-11-20T10:00:00+00:00,192.0.2.10,scanner,,tcp,4444,,,198.51.100.5
2026-11-20T11:00:00+00:00,192.0.2.10,scanner,,tcp,4445,,,198.51.100.5
2026-11-20T12:00:00+00:00,203.0.113.7,brute-force,,tcp,2222,DE,,
2026-11-21T10:00:00+00:00,198.18.0.9,infected-system,,,,FR,abuse@hoster.example,
2026-11-21T10:00:00+00:00,192.0.2.13,phishing,http://phish.example/login,,,,,
2026-11-21T10:00:00+00:00,100.64.0.1,scanner,,tcp,1,BR,,
2026-11-21T10:00:00+00:00,192.0.2.66,spam,,,,,,
2026-11-21T10:00:00+00:00,10.9.9.9,scanner,,tcp,77,,,
CSV
cat > "$T/const.csv" <<'CSV'
kind,owner,value,name,do_not_notify,lang,format,fingerprint,notes
organisation,Example ISP,,,,,,,
network,Example ISP,192.0.2.0/24,,,,,,
network,Example ISP,192.0.2.64/28,,yes,,,,
contact,Example ISP,abuse@isp.example,Abuse desk,,es,,,
organisation,Victim Org,,,,,,,
network,Victim Org,198.51.100.0/24,,,,,,
contact,Victim Org,soc@victim.example,SOC,,en,csv,,
organisation,Quiet Org,,,yes,,,,
network,Quiet Org,10.0.0.0/8,,,,,,
contact,Quiet Org,noc@quiet.example,,,en,,,
cert,DE,,CERT-Bund,,,,,
cert_contact,DE,certbund@cert.example,,,en,,,
CSV
"$V" ingest --feed-file "$T/feed.json" "$T/in.csv" > /dev/null 2>&1
"$V" constituency import "$T/const.csv" > /dev/null 2>&1
check "setup: store and constituency" '[ -f "$T/v.db" ]'
"$V" incidents list --json > "$T/list.json"
id_of() { python3 -c "import json; print([i['id'] for i in json.load(open('$T/list.json')) if $1][0])"; }
SCAN=$(id_of "'192.0.2.10' in i['key']")
BRUTE=$(id_of "i['classification'] == 'brute-force'")
INFECTED=$(id_of "i['classification'] == 'infected-system'")
PHISH=$(id_of "i['classification'] == 'phishing'")
BR=$(id_of "'100.64.0.1' in i['key']")
SPAM=$(id_of "i['classification'] == 'spam'")
QUIET=$(id_of "'10.9.9.9' in i['key']")
"$V" incidents set "$INFECTED" --tlp GREEN > /dev/null 2>&1

# ---- plan: who and why, sending nothing --------------------------------------------------------
"$V" notify plan --json > "$T/plan.jsonl" 2> "$T/plan.err"
rc=$?
check "plan exits 0" '[ $rc -eq 0 ]'
check "plan: the network's organisation, by longest prefix, with the match and the rule" \
	'jl "any(x[\"incident\"] == $SCAN and x[\"recipient\"] == \"abuse@isp.example\" and x[\"kind\"] == \"org\" and \"192.0.2.0/24\" in x[\"why\"] and x[\"rule\"] == \"default\" and x[\"lang\"] == \"es\" for x in j)" < "$T/plan.jsonl"'
check "plan: the victim organisation of the destination, by its own rule" \
	'jl "any(x[\"incident\"] == $SCAN and x[\"recipient\"] == \"soc@victim.example\" and x[\"side\"] == \"destination\" and x[\"rule\"] == \"victims-in-constituency\" and x[\"format\"] == \"csv\" for x in j)" < "$T/plan.jsonl"'
check "plan: the abuse contact of the event when no organisation holds the address" \
	'jl "any(x[\"incident\"] == $INFECTED and x[\"recipient\"] == \"abuse@hoster.example\" and x[\"kind\"] == \"abuse\" and x[\"interval\"] == \"hourly\" for x in j)" < "$T/plan.jsonl"'
check "plan: TLP:AMBER does not go to a partner CERT (and says so)" \
	'jl "any(x[\"incident\"] == $BRUTE and x[\"recipient\"] is None and \"CERT-Bund\" in x[\"why\"] and \"TLP:AMBER\" in x[\"why\"] for x in j)" < "$T/plan.jsonl"'
check "plan: nobody for a country without a partner CERT, and why" \
	'jl "any(x[\"incident\"] == $BR and x[\"recipient\"] is None and \"BR\" in x[\"why\"] for x in j)" < "$T/plan.jsonl"'
check "plan: a do-not-notify network is not told, and why" \
	'jl "any(x[\"incident\"] == $SPAM and x[\"recipient\"] is None and \"do-not-notify\" in x[\"why\"] and \"network\" in x[\"why\"] for x in j)" < "$T/plan.jsonl"'
check "plan: a do-not-notify organisation is not told" \
	'jl "any(x[\"incident\"] == $QUIET and x[\"recipient\"] is None and \"do-not-notify\" in x[\"why\"] for x in j)" < "$T/plan.jsonl"'
"$V" notify plan > "$T/plan.txt" 2>&1
check "plan for people names recipient, organisation and reason" \
	'grep -q "^#$SCAN -> abuse@isp.example (org Example ISP; es, hourly, both)" "$T/plan.txt" && grep -q "rule \"default\"" "$T/plan.txt"'
"$V" incidents set "$BRUTE" --tlp GREEN > /dev/null 2>&1
check "plan: TLP:GREEN goes to the partner CERT of the country, daily" \
	'"$V" notify plan --incident $BRUTE --json | jl "j[0][\"recipient\"] == \"certbund@cert.example\" and j[0][\"kind\"] == \"cert\" and j[0][\"interval\"] == \"daily\""'
"$V" incidents set "$BRUTE" --tlp RED > /dev/null 2>&1
check "plan: TLP:RED never goes by e-mail" \
	'"$V" notify plan --incident $BRUTE --json | jl "j[0][\"recipient\"] is None and \"TLP:RED\" in j[0][\"why\"]"'
"$V" incidents set "$BRUTE" --tlp GREEN > /dev/null 2>&1
check "plan sent and queued nothing" '"$V" notify status --json | jl "len(j) == 0"'

# ---- routing rules from a file ---------------------------------------------------------------
cat > "$T/rules.json" <<'JSON'
{"rules": [
  {"name": "no-phishing", "match": {"classification": ["phishing"]}, "action": "suppress"},
  {"name": "isp-daily", "match": {"organisation": ["example isp"]}, "interval": "daily", "format": "xarf", "lang": "en"},
  {"name": "rest", "interval": "immediate"}
]}
JSON
"$V" notify plan --rules "$T/rules.json" --json > "$T/plan2.jsonl"
check "rules file: suppress by classification, with the rule named" \
	'jl "any(x[\"incident\"] == $PHISH and x[\"recipient\"] is None and \"no-phishing\" in x[\"why\"] for x in j)" < "$T/plan2.jsonl"'
check "rules file: by organisation, interval, format and language" \
	'jl "any(x[\"incident\"] == $SCAN and x[\"recipient\"] == \"abuse@isp.example\" and x[\"interval\"] == \"daily\" and x[\"format\"] == \"xarf\" and x[\"lang\"] == \"en\" for x in j)" < "$T/plan2.jsonl"'
echo '{"rules": [{"name": "x", "interval": "weekly"}]}' > "$T/bad-rules.json"
"$V" notify plan --rules "$T/bad-rules.json" > /dev/null 2> "$T/err"
rc=$?
check "bad rules: exit 2, naming file, rule and key" \
	'[ $rc -eq 2 ] && grep -q "bad-rules.json: rules\[0\].interval: the interval is immediate, hourly or daily" "$T/err"'
echo '{"rules": [{"name": "x", "match": {"clasification": ["scanner"]}}]}' > "$T/bad-rules.json"
check "bad rules: a misspelt match key is refused" \
	'"$V" notify plan --rules "$T/bad-rules.json" 2>&1 >/dev/null | grep -q "rules\[0\].match.clasification: unknown key"'

# ---- queue and send -----------------------------------------------------------------------------
"$V" notify queue > "$T/q.out"
check "queue: five notifications" 'grep -q "5 notification(s) planned, 5 new in the queue" "$T/q.out"'
"$V" notify queue > "$T/q.out"
check "queue again: nothing new (the queue refuses a version twice)" \
	'grep -q "5 notification(s) planned, 0 new in the queue" "$T/q.out"'
"$V" notify send "--notify.smtp_url=smtp://127.0.0.1:1" > /dev/null 2>&1
check "send before the hour: nothing is due yet" \
	'"$V" notify status --state queued --json | jl "len(j) == 5 and all(x[\"attempts\"] == 0 for x in j)"'

start_server "$T/mail1"
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none > "$T/send.out" 2> "$T/send.err"
rc=$?
check "send --flush: exit 0" '[ $rc -eq 0 ]'
check "send: one message per recipient and interval (4 recipients)" '[ "$(count_mail "$T/mail1")" -eq 4 ]'
check "send: the summary line" 'grep -q "4 message(s): 4 sent (5 notification(s))" "$T/send.out"'
for f in "$T"/mail1/*.eml; do
	mkdir -p "$f.d"; "$MC" "$f" "$f.d" > "$f.json"
done
msg_to() { grep -l "\"$1\"" "$T"/mail1/*.eml.json | head -1; }
ISP=$(msg_to abuse@isp.example)
check "GMime: the ISP's message is addressed to it, in Spanish, with both incidents" \
	'py "j[\"to\"] == [\"abuse@isp.example\"] and \"incidente\" in j[\"subject\"] and \"Incidente n.º $SCAN\" in j[\"text\"] and \"Incidente n.º $PHISH\" in j[\"text\"]" < "$ISP"'
check "GMime: CSV and one X-ARF report per incident attached, X-XARF header" \
	'py "sorted(a[\"filename\"] for a in j[\"attachments\"]) == sorted([\"incidents.csv\", \"xarf-incident-$SCAN.json\", \"xarf-incident-$PHISH.json\"]) and j[\"xarf\"] == \"PLAIN\"" < "$ISP"'
check "the CSV lists every event of the incidents" \
	'[ "$(grep -c "^$SCAN," "${ISP%.json}.d/incidents.csv")" -eq 2 ]'
VIC=$(msg_to soc@victim.example)
check "GMime: the victim's message is in English, CSV only (its contact's format)" \
	'py "\"security incident\" in j[\"subject\"] and [a[\"filename\"] for a in j[\"attachments\"]] == [\"incidents.csv\"]" < "$VIC"'
if [ -d "$SCHEMAS" ]; then
	$PY tests/notify/xarf_validate.py "$SCHEMAS" "$T"/mail1/*.d/xarf-*.json > "$T/xarf.out" 2>&1
	check "every X-ARF attachment validates against the X-ARF v4 schemas" '[ $? -eq 0 ] && grep -q " 0 invalid" "$T/xarf.out"'
	sed 's/"category":"connection"/"category":"nonsense"/' "${ISP%.json}.d/xarf-incident-$SCAN.json" > "$T/broken.json"
	check "the validator does reject a broken report" '! $PY tests/notify/xarf_validate.py "$SCHEMAS" "$T/broken.json" > /dev/null 2>&1'
else
	echo "# skipped: ../shared absent, X-ARF not validated"
fi
check "ledger: what went to whom, for which incident version" \
	'"$V" notify ledger --json | jl "len(j) == 5 and any(x[\"incident\"] == $SCAN and x[\"version\"] == 2 and x[\"recipient\"] == \"abuse@isp.example\" for x in j)"'
"$V" notify queue > /dev/null
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none > "$T/send.out" 2>&1
check "queue and send again: nothing is sent twice" \
	'[ "$(count_mail "$T/mail1")" -eq 4 ] && grep -q "^0 message(s)" "$T/send.out"'

# a new event makes a new version of the incident: it goes out again
echo "2026-11-22T10:00:00+00:00,192.0.2.10,scanner,,tcp,5555,,,198.51.100.5" > "$T/in2.csv"
"$V" ingest --feed-file "$T/feed.json" "$T/in2.csv" > /dev/null 2>&1
"$V" notify queue --incident "$SCAN" > /dev/null
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none > /dev/null 2>&1
check "a new incident version is sent once more, and the ledger says version 3" \
	'[ "$(count_mail "$T/mail1")" -eq 6 ] && "$V" notify ledger --incident $SCAN --json | jl "sorted(x[\"version\"] for x in j) == [2, 2, 3, 3]"'
stop_server

# ---- failures: 5xx, 4xx, refused connection ----------------------------------------------------
"$V" incidents set "$PHISH" --title "Phishing again" > /dev/null 2>&1
echo "2026-11-23T10:00:00+00:00,192.0.2.13,phishing,http://phish.example/login2,,,,," > "$T/in3.csv"
echo "2026-11-23T10:00:00+00:00,198.51.100.77,scanner,,tcp,99,,," >> "$T/in3.csv"
"$V" ingest --feed-file "$T/feed.json" "$T/in3.csv" > /dev/null 2>&1
"$V" notify queue > /dev/null
start_server "$T/mail2" --reject "abuse@isp.example=550 5.1.1 <abuse@isp.example>: mailbox unknown" --tempfail-first 1
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none > "$T/send.out" 2> "$T/send.err"
rc=$?
check "5xx: exit 1, the message marked failed with the server's reason" \
	'[ $rc -eq 1 ] && "$V" notify status --state failed --json | jl "len(j) >= 1 and all(x[\"recipient\"] == \"abuse@isp.example\" and \"550 5.1.1\" in x[\"error\"] and \"mailbox unknown\" in x[\"error\"] for x in j)"'
check "4xx: queued again with an attempt counted, the reply kept, a later try" \
	'"$V" notify status --state queued --json | jl "len(j) == 1 and j[0][\"attempts\"] == 1 and \"451\" in j[0][\"error\"] and j[0][\"next_try\"] > 0"'
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none > /dev/null 2>&1
check "4xx: sent on the next run" '[ "$(count_mail "$T/mail2")" -eq 1 ] && "$V" notify status --state queued --json | jl "len(j) == 0"'
stop_server
echo "2026-11-24T10:00:00+00:00,198.51.100.78,scanner,,tcp,99,,," > "$T/in4.csv"
"$V" ingest --feed-file "$T/feed.json" "$T/in4.csv" > /dev/null 2>&1
"$V" notify queue > /dev/null
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none > "$T/send.out" 2> "$T/send.err"
check "connection refused: retried later, the error names the relay" \
	'grep -q "trying again" "$T/send.err" && "$V" notify status --state queued --json | jl "len(j) == 1 and \"127.0.0.1:$PORT\" in j[0][\"error\"]"'

# ---- STARTTLS and AUTH ---------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" > /dev/null 2>&1
start_server "$T/mail3" --tls "$T/cert.pem" "$T/key.pem" --require-tls --auth "vigia:s3cret"
"$V" notify send --flush "$(relay)" --notify.smtp_tls=starttls --notify.smtp_cafile="$T/cert.pem" \
	--notify.smtp_user=vigia --notify.smtp_password=wrong > /dev/null 2> "$T/send.err"
check "AUTH with a wrong password: not sent, queued again" \
	'[ "$(count_mail "$T/mail3")" -eq 0 ] && "$V" notify status --state queued --json | jl "len(j) == 1"'
"$V" notify send --flush "$(relay)" --notify.smtp_tls=starttls --notify.smtp_cafile="$T/cert.pem" \
	--notify.smtp_user=vigia --notify.smtp_password=s3cret > /dev/null 2> "$T/send.err"
check "STARTTLS (certificate checked) and AUTH: delivered over TLS, authenticated" \
	'[ "$(count_mail "$T/mail3")" -eq 1 ] && jl "j[0][\"tls\"] and j[0][\"auth\"]" < "$T/mail3/envelope.jsonl"'
stop_server

# ---- a bad template: named, and the rest of the batch proceeds ------------------------------------
mkdir -p "$T/tpl/es"
printf 'Subject: {{count}} incidentes\n\nHola {{recipient_name}} {{#incidents}}{{idd}}{{/incidents}}\n' > "$T/tpl/es/summary.txt"
echo "2026-11-25T10:00:00+00:00,192.0.2.14,scanner,,tcp,99,,,198.51.100.9" > "$T/in5.csv"
"$V" ingest --feed-file "$T/feed.json" "$T/in5.csv" > /dev/null 2>&1
"$V" notify queue > /dev/null
start_server "$T/mail4"
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none --notify.templates="$T/tpl" > "$T/send.out" 2> "$T/send.err"
rc=$?
check "bad template: exit 1, the error names template, line and field" \
	'[ $rc -eq 1 ] && grep -q "summary.txt:3: idd: unknown field .idd." "$T/send.err"'
check "bad template: the English recipient's message went out all the same" \
	'[ "$(count_mail "$T/mail4")" -eq 1 ] && grep -q "soc@victim.example" "$T/mail4/envelope.jsonl"'
check "bad template: the Spanish one waits in the queue" \
	'"$V" notify status --state queued --json | jl "len(j) == 1 and j[0][\"recipient\"] == \"abuse@isp.example\""'
printf 'Subject: {{count}} incidente(s) nuevos\n\nHola {{recipient_name}}:\n{{#incidents}}\n- {{id}} {{address}}\n{{/incidents}}\n' > "$T/tpl/es/summary.txt"
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none --notify.templates="$T/tpl" > /dev/null 2>&1
f=$(ls "$T"/mail4/*.eml | tail -1); mkdir -p "$f.d"
check "an edited template in the override directory is used" \
	'"$MC" "$f" "$f.d" | py "j[\"subject\"].endswith(\"incidente(s) nuevos\") and \"- \" in j[\"text\"] and \"192.0.2.14\" in j[\"text\"]"'

# ---- rate limit ------------------------------------------------------------------------------------
echo "2026-11-26T10:00:00+00:00,192.0.2.15,scanner,,tcp,99,,," > "$T/in6.csv"
"$V" ingest --feed-file "$T/feed.json" "$T/in6.csv" > /dev/null 2>&1
"$V" notify queue > /dev/null
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none --notify.rate_limit=1 > "$T/send.out" 2>&1
check "rate limit: a recipient over its messages per hour waits" \
	'grep -q "1 held by the rate limit" "$T/send.out" && "$V" notify status --state queued --json | jl "len(j) == 1"'

# ---- the country report ----------------------------------------------------------------------------
"$V" notify country DE --json > "$T/country.jsonl" 2>/dev/null
check "country report: the incidents traced to DE" \
	'jl "[x[\"incident\"] for x in j] == [$BRUTE] and j[0][\"address\"] == \"203.0.113.7\"" < "$T/country.jsonl"'
"$V" notify country DE --since 2026-11-01 --until 2026-11-02 --json > "$T/country.jsonl" 2>/dev/null
check "country report: a period without incidents is empty" '[ ! -s "$T/country.jsonl" ]'
"$V" notify country DE --queue > /dev/null 2>&1
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none --notify.rate_limit=100 > /dev/null 2>&1
f=$(grep -l certbund "$T"/mail4/envelope.jsonl > /dev/null && python3 -c "import json; print([x['file'] for x in map(json.loads, open('$T/mail4/envelope.jsonl')) if x['to'] == ['certbund@cert.example']][0])")
mkdir -p "$T/mail4/$f.d"
check "country report: sent to the partner CERT with the country template and X-ARF" \
	'"$MC" "$T/mail4/$f" "$T/mail4/$f.d" | py "\"Country report\" in j[\"subject\"] and \"#$BRUTE\" in j[\"text\"] and any(a[\"filename\"] == \"xarf-incident-$BRUTE.json\" for a in j[\"attachments\"])"'
check "country report: bad country code is a usage error" '"$V" notify country ZZ 2>/dev/null; [ $? -eq 2 ]'
# a partner CERT registered as a partner of the sharing policy, with pseudonyms: the victim's
# address does not leave, its keyed pseudonym does; raw never goes to another team
echo "2026-11-22T10:00:00+00:00,203.0.113.50,infected-system,,,,DE,," > "$T/in9.csv"
"$V" ingest --feed-file "$T/feed.json" "$T/in9.csv" > /dev/null 2>&1
"$V" incidents list --json > "$T/list.json"
VICTIM=$(id_of "i['classification'] == 'infected-system' and i['id'] != $INFECTED")
"$V" incidents set "$VICTIM" --tlp GREEN > /dev/null 2>&1
"$V" partner add CERT-Bund --kind partner --tlp AMBER --pseudonymise > /dev/null 2>&1
"$V" notify country DE --queue > /dev/null 2>&1
"$V" notify send --flush "$(relay)" --notify.smtp_tls=none --notify.rate_limit=100 > /dev/null 2>&1
f=$(python3 -c "import json; print([x['file'] for x in map(json.loads, open('$T/mail4/envelope.jsonl')) if x['to'] == ['certbund@cert.example']][-1])")
mkdir -p "$T/mail4/$f.d"
check "country report to a pseudonymising partner: the victim address is a pseudonym" \
	'"$MC" "$T/mail4/$f" "$T/mail4/$f.d" | py "\"#$VICTIM\" in j[\"text\"] and \"pseudo:\" in j[\"text\"] and \"203.0.113.50\" not in j[\"text\"]" && ! grep -rq "203\.0\.113\.50" "$T/mail4/$f.d"'
"$V" incidents set "$VICTIM" --tlp AMBER > /dev/null 2>&1
"$V" notify plan --incident "$VICTIM" --json > "$T/plan9.jsonl" 2>/dev/null
check "plan: TLP:AMBER does not go to a registered partner CERT either" \
	'jl "j[0][\"recipient\"] is None and \"affected organisation\" in j[0][\"why\"]" < "$T/plan9.jsonl"'
stop_server

# ---- OpenPGP signing (GPGME) --------------------------------------------------------------------------
if command -v gpg > /dev/null 2>&1; then
	mkdir -m 700 "$T/gpg"
	export GNUPGHOME="$T/gpg"
	gpg --batch --passphrase '' --quick-gen-key 'vigia test <csirt@example.invalid>' ed25519 sign 1d > /dev/null 2>&1
	FPR=$(gpg --list-secret-keys --with-colons 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
	echo "2026-11-27T10:00:00+00:00,198.51.100.90,scanner,,tcp,99,,," > "$T/in7.csv"
	"$V" ingest --feed-file "$T/feed.json" "$T/in7.csv" > /dev/null 2>&1
	"$V" notify queue > /dev/null
	start_server "$T/mail5"
	"$V" notify send --flush "$(relay)" --notify.smtp_tls=none --notify.sign_key="$FPR" > /dev/null 2> "$T/send.err"
	f=$(ls "$T"/mail5/*.eml | head -1); mkdir -p "$f.d"
	check "signed with OpenPGP (PGP/MIME), and GMime verifies the signature" \
		'[ -n "$FPR" ] && "$MC" "$f" "$f.d" | py "j[\"signed\"] and j[\"verified\"] and j[\"attachments\"]"'
	echo "2026-11-27T11:00:00+00:00,198.51.100.91,scanner,,tcp,99,,," > "$T/in8.csv"
	"$V" ingest --feed-file "$T/feed.json" "$T/in8.csv" > /dev/null 2>&1
	"$V" notify queue > /dev/null
	"$V" notify send --flush "$(relay)" --notify.smtp_tls=none --notify.sign_key=0000000000000000000000000000000000000000 > /dev/null 2> "$T/send.err"
	check "an unknown signing key: the error names it, nothing is sent unsigned" \
		'grep -q "cannot sign with OpenPGP key 0000000000000000000000000000000000000000" "$T/send.err" && [ "$(count_mail "$T/mail5")" -eq 1 ]'
	stop_server
else
	echo "# skipped: gpg absent, signing not tested"
fi

check "notify --help" '"$V" notify --help | grep -q "country CC"'
check "notify with an unknown command exits 2" '"$V" notify frobnicate 2>/dev/null; [ $? -eq 2 ]'

echo "1..$n"
[ "$bad" -eq 0 ]
