#!/bin/sh
# Signing in to the web UI by name and password, the account's language, and the queue sorted
# by the server, driven with curl: `vigia account passwd` (stdin, too short, no terminal,
# --clear) stores only an argon2id hash; the right password signs in, a wrong one, an unknown
# account and an account without a password are refused alike (401) and audited with the
# address; after http.signin_failures failures the name is refused (429, Retry-After) even
# with the right password, until http.signin_lockout has passed; another name is not;
# http.signin_failures_address locks an address whatever the name.  `vigia account set
# --lang` and the UI's language switch store the account's language, which a sign-in from a
# browser of another language answers with.  The account changes its own password from its
# session (CSRF token, current password; wrong ones throttled as failed sign-ins, audited),
# which signs out its other browsers and keeps this one in a new cookie; a session signed in
# with a token ends when that token is revoked.
# The queue: ?sort=, ?dir=, the cursor of keyset
# paging, and bad values (400).  Fixtures: tests/data/ui/.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
D=$(pwd)/tests/data/ui
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2> /dev/null; done; wait 2> /dev/null; rm -rf "$T"' EXIT
. tests/lib.sh
command -v curl > /dev/null || { echo "SKIP: curl is not installed"; exit 0; }
unset VIGIA_DB
export VIGIA_USER=tester
A="$T/a.db"
PW='ana: correct horse battery'
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1
"$V" account add ana --role analyst --db "$A" 2> /dev/null
"$V" account add bo --role analyst --db "$A" 2> /dev/null
"$V" account add cy --role analyst --db "$A" 2> /dev/null

# ---- vigia account passwd / set ------------------------------------------------------------------
check "account --help shows passwd and set" '"$V" account --help | grep -q "account passwd NAME" && "$V" account --help | grep -q "account set NAME --lang"'
check "a too short password: usage error, naming the minimum" 'printf "short\n" | "$V" account passwd ana --stdin --db "$A" 2> "$T/e"; [ $? -eq 2 ] && grep -q "at least 10" "$T/e"'
check "no password on stdin: usage error" '"$V" account passwd ana --stdin --db "$A" < /dev/null 2> "$T/e"; [ $? -eq 2 ]'
check "no terminal and no --stdin: usage error saying --stdin" 'setsid "$V" account passwd ana --db "$A" < /dev/null > /dev/null 2> "$T/e"; [ $? -eq 2 ] && grep -q -- "--stdin" "$T/e"'
check "an unknown account" 'printf "%s\n" "$PW" | "$V" account passwd nobody --stdin --db "$A" 2> /dev/null; [ $? -eq 2 ]'
check "set a password from stdin" 'printf "%s\n" "$PW" | "$V" account passwd ana --stdin --db "$A" 2> /dev/null'
check "stored as argon2id, never in clear" '[ "$(sqlite3 "$A" "SELECT substr(password, 1, 10) FROM accounts WHERE name = '"'"'ana'"'"'" 2> /dev/null || python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT substr(password,1,10) FROM accounts WHERE name=?\", (\"ana\",)).fetchone()[0])" "$A")" = "\$argon2id\$" ] && ! grep -aq "correct horse" "$A"'
check "account list shows it has a password" '"$V" account list --db "$A" | grep -qE "^ana +analyst .* yes"'
check "audited, without the password" '"$V" audit log --db "$A" | grep "account:ana" | grep -q password-set && ! "$V" audit log --json --db "$A" | grep -q "correct horse"'
printf 'bo-password-12\n' | "$V" account passwd bo --stdin --db "$A" 2> /dev/null
check "set --lang es" '"$V" account set bo --lang es --db "$A" 2> /dev/null && "$V" account list --json --db "$A" | python3 -c "import json,sys; a={x[\"name\"]: x for x in json.load(sys.stdin)}; assert a[\"bo\"][\"lang\"]==\"es\" and a[\"bo\"][\"password\"] and a[\"cy\"][\"lang\"] is None"'
check "set --lang fr: usage error" '"$V" account set bo --lang fr --db "$A" 2> /dev/null; [ $? -eq 2 ]'

req() { # METHOD PATH [curl args]: status into $T/st, body $T/body, headers $T/hdr
	m=$1; p=$2; shift 2
	curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "$@" "$U$p" > "$T/st"
}
st() { cat "$T/st"; }
jq_() { python3 -c "import json,sys; b=json.load(open(sys.argv[1])); $1" "$T/body"; }
hdr() { grep -i "^$1:" "$T/hdr" | tr -d '\r'; }
signin() { # name password [curl args]
	nm=$1; pw=$2; shift 2
	req POST /ui/login -H 'Content-Type: application/json' -H 'Accept-Language: en-US,en' \
		-d "$(python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "password": sys.argv[2]}))' "$nm" "$pw")" "$@"
}
serve_start --http.signin_failures=3 --http.signin_failures_address=8 --http.signin_lockout=3s
check "serve starts" '[ -n "$PORT" ]'

# ---- sign in by password ---------------------------------------------------------------------------
signin ana "$PW" -c "$T/ana.jar"
check "the right password signs in: a session cookie" '[ "$(st)" = 200 ] && hdr Set-Cookie | grep -q "vigia_session=.*HttpOnly; SameSite=Strict" && jq_ "assert b[\"name\"]==\"ana\" and b[\"lang\"]==\"en\""'
req GET /ui/api/session -b "$T/ana.jar"
check "... that works" '[ "$(st)" = 200 ] && jq_ "assert b[\"name\"]==\"ana\""'
check "the cookie does not hold the password" '! grep -q "horse" "$T/ana.jar"'
signin ana 'not the password'
check "a wrong password: 401, no cookie" '[ "$(st)" = 401 ] && ! hdr Set-Cookie | grep -q vigia_session && jq_ "assert \"wrong\" in b[\"error\"][\"detail\"]"'
cp "$T/body" "$T/wrong.json"
signin nobody 'not the password'
check "an unknown account: the same 401 and the same words" '[ "$(st)" = 401 ] && cmp -s "$T/body" "$T/wrong.json"'
signin cy 'whatever-password'
check "an account without a password: the same 401" '[ "$(st)" = 401 ] && cmp -s "$T/body" "$T/wrong.json"'
signin 'x"; DROP TABLE accounts; --' 'whatever-password'
check "a hostile name: 401, nothing else" '[ "$(st)" = 401 ] && "$V" account list --db "$A" | grep -q "^ana "'
req POST /ui/login -H 'Content-Type: application/json' -d '{"name":"ana","password":12}'
check "a password that is not a string: 401" '[ "$(st)" = 401 ]'
long=$(python3 -c 'print("x" * 5000)')
signin ana "$long"
check "a 5000-byte password: 401 at once" '[ "$(st)" = 401 ]'
check "failed sign-ins are audited with the address" '"$V" audit log --json --db "$A" | python3 -c "
import json, sys
a = [x for x in json.load(sys.stdin) if x[\"action\"] == \"signin-failed\"]
objs = [x[\"object\"] for x in a]
assert \"account:ana\" in objs and \"account:nobody\" in objs and \"account:cy\" in objs, objs
assert all(x[\"after\"][\"address\"] == \"127.0.0.1\" for x in a), a
assert \"horse\" not in json.dumps(a) and \"not the password\" not in json.dumps(a)
"'
check "a good sign-in is audited too" '"$V" audit log --db "$A" | grep "account:ana" | grep -q " signin "'
check "the audit trail still verifies" '"$V" audit verify --db "$A" > /dev/null 2>&1'

# ---- throttling ---------------------------------------------------------------------------------------
signin ana 'wrong again 2'
signin ana 'wrong again 3'
signin ana "$PW"
check "after 3 failures: 429 even with the right password, with Retry-After" '[ "$(st)" = 429 ] && hdr Retry-After | grep -qE "^Retry-After: [1-3]$"'
n_audit=$("$V" audit log --db "$A" | grep -c "signin-failed")
signin ana 'wrong again 4'
check "a refused try is not checked nor audited (the trail cannot be flooded)" '[ "$(st)" = 429 ] && [ "$("$V" audit log --db "$A" | grep -c "signin-failed")" = "$n_audit" ]'
signin bo 'bo-password-12'
check "another account signs in meanwhile" '[ "$(st)" = 200 ]'
sleep 3.2
signin ana "$PW"
check "after http.signin_lockout the right password works again" '[ "$(st)" = 200 ]'
for k in 1 2 3 4 5 6 7 8; do signin "user$k" 'whatever-password'; done
signin bo 'bo-password-12'
check "http.signin_failures_address: an address with 8 failures is refused, any name" '[ "$(st)" = 429 ]'

# ---- unknown and known accounts take about the same time ---------------------------------------------
kill "$LAST"; wait "$LAST" 2> /dev/null
serve_start
tk=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' -d '{"name":"ana","password":"wrong-password-1"}' "$U/ui/login")
tu=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' -d '{"name":"nobody-at-all","password":"wrong-password-1"}' "$U/ui/login")
check "an unknown account costs about a wrong password ($tu s against $tk s)" 'python3 -c "import sys; k, u = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if k / 4 < u < k * 4 else 1)" "$tk" "$tu"'

# ---- the account's language ----------------------------------------------------------------------------
signin ana "$PW" -c "$T/ana.jar" # a restart signed everyone out
signin bo 'bo-password-12' -c "$T/bo.jar"
check "an account that chose Spanish: the sign-in answers es from an English browser" '[ "$(st)" = 200 ] && jq_ "assert b[\"lang\"]==\"es\"" && hdr Set-Cookie | grep -q "vigia_lang=es"'
req GET /ui/api/session -b "$T/bo.jar" -H 'Accept-Language: en'
check "... and so does the session" 'jq_ "assert b[\"lang\"]==\"es\""'
CSRF=$(jq_ "print(b['csrf'])")
req GET /ui/api/session -b "$T/ana.jar" -H 'Accept-Language: es'
check "an account that chose nothing: the browser's language" 'jq_ "assert b[\"lang\"]==\"es\""'
req POST /ui/api/lang -b "$T/bo.jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"lang":"en"}'
check "the UI's switch, signed in: saved to the account" '[ "$(st)" = 200 ] && jq_ "assert b[\"saved\"]" && "$V" account list --json --db "$A" | python3 -c "import json,sys; assert {x[\"name\"]: x for x in json.load(sys.stdin)}[\"bo\"][\"lang\"]==\"en\""'
req POST /ui/api/lang -b "$T/bo.jar" -H 'Content-Type: application/json' -d '{"lang":"es"}'
check "... not without the CSRF token (only the browser's cookie changes)" '[ "$(st)" = 200 ] && jq_ "assert not b[\"saved\"]" && "$V" account list --json --db "$A" | python3 -c "import json,sys; assert {x[\"name\"]: x for x in json.load(sys.stdin)}[\"bo\"][\"lang\"]==\"en\""'
req POST /ui/api/lang -H 'Content-Type: application/json' -d '{"lang":"es"}'
check "signed out: a cookie only" '[ "$(st)" = 200 ] && jq_ "assert not b[\"saved\"]" && hdr Set-Cookie | grep -q "vigia_lang=es"'
check "the account keeps no language after set --lang default" '"$V" account set bo --lang default --db "$A" 2> /dev/null && "$V" account list --json --db "$A" | python3 -c "import json,sys; assert {x[\"name\"]: x for x in json.load(sys.stdin)}[\"bo\"][\"lang\"] is None"'

# ---- the queue sorted by the server ----------------------------------------------------------------------
for sk in priority state last_seen first_seen deadline events id; do
	for sd in asc desc; do
		req GET "/ui/api/incidents?sort=$sk&dir=$sd&limit=50" -b "$T/ana.jar"
		cp "$T/body" "$T/all.json"
		ids=""; after=""
		while :; do
			req GET "/ui/api/incidents?sort=$sk&dir=$sd&limit=2${after:+&after=$after}" -b "$T/ana.jar"
			ids="$ids $(jq_ 'print(" ".join(str(i["id"]) for i in b["incidents"]))')"
			after=$(jq_ 'print(b["cursor"] or "")')
			[ -n "$after" ] || break
		done
		check "sort=$sk dir=$sd: pages of 2 by cursor give the order of one page" '[ "$(echo $ids)" = "$(python3 -c "import json,sys; print(\" \".join(str(i[\"id\"]) for i in json.load(open(sys.argv[1]))[\"incidents\"]))" "$T/all.json")" ] && python3 -c "import json,sys; b=json.load(open(sys.argv[1])); assert b[\"sort\"]==sys.argv[2] and b[\"dir\"]==sys.argv[3] and len(b[\"incidents\"])==5, (b[\"sort\"], b[\"dir\"], len(b[\"incidents\"]))" "$T/all.json" "$sk" "$sd"'
	done
done
req GET "/ui/api/incidents?sort=events&dir=desc" -b "$T/ana.jar"
check "sort=events dir=desc: largest first, ties by id" 'jq_ "
r = [(i[\"events\"], i[\"id\"]) for i in b[\"incidents\"]]
assert r == sorted(r, reverse=True), r"'
req GET "/ui/api/incidents?sort=title" -b "$T/ana.jar"
check "an unknown sort key: 400" '[ "$(st)" = 400 ]'
req GET "/ui/api/incidents?sort=events&dir=up" -b "$T/ana.jar"
check "an unknown direction: 400" '[ "$(st)" = 400 ]'
for c in x 1 1:x ":1" "1:-2" "99999999999999999999:1" "1:2:3"; do
	req GET "/ui/api/incidents?sort=events&after=$c" -b "$T/ana.jar"
	check "a malformed cursor '$c': 400" '[ "$(st)" = 400 ]'
done
req GET "/ui/api/incidents?after=1:1&offset=5" -b "$T/ana.jar"
check "a cursor with an offset: 400" '[ "$(st)" = 400 ]'

# ---- the account changes its own password ------------------------------------------------------------
kill "$LAST"; wait "$LAST" 2> /dev/null
serve_start --http.signin_failures=2 --http.signin_lockout=60s
signin ana "$PW" -c "$T/ana.jar"
req GET /ui/api/session -b "$T/ana.jar"
CSRF=$(jq_ "print(b['csrf'])")
pw() { # JSON body, then curl args
	req POST /ui/api/password -H 'Content-Type: application/json' -d "$@"
}
NEWPW='ana: a new and longer one'
pw "{\"current\":\"$PW\",\"new\":\"$NEWPW\"}" -b "$T/ana.jar"
check "a password change without the CSRF token: 403, nothing changed" '[ "$(st)" = 403 ] && jq_ "assert \"CSRF\" in b[\"error\"][\"detail\"]"'
TOK_ana=$("$V" account token ana --db "$A" 2> /dev/null)
pw "{\"current\":\"$PW\",\"new\":\"$NEWPW\"}" -H "Authorization: Bearer $TOK_ana"
check "... with a script's token instead of the session: 403" '[ "$(st)" = 403 ] && jq_ "assert \"session\" in b[\"error\"][\"detail\"]"'
pw "{\"current\":\"$PW\",\"new\":\"short\"}" -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF"
check "a new password that is too short: 400 naming the minimum" '[ "$(st)" = 400 ] && jq_ "assert \"at least 10\" in b[\"error\"][\"detail\"]"'
pw "{\"current\":\"$PW\"}" -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF"
check "no new password: 400" '[ "$(st)" = 400 ]'
n_fail=$("$V" audit log --db "$A" | grep -c "password-change-failed")
pw "{\"current\":\"not it at all\",\"new\":\"$NEWPW\"}" -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF"
check "a wrong current password: 403, audited" '[ "$(st)" = 403 ] && jq_ "assert \"wrong\" in b[\"error\"][\"detail\"]" && [ "$("$V" audit log --db "$A" | grep -c "password-change-failed")" = $((n_fail + 1)) ]'
signin ana "$PW"
check "... the old password still signs in (counted failures are forgotten by it)" '[ "$(st)" = 200 ]'
pw "{\"current\":\"not it 1\",\"new\":\"$NEWPW\"}" -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF"
pw "{\"current\":\"not it 2\",\"new\":\"$NEWPW\"}" -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF"
pw "{\"current\":\"$PW\",\"new\":\"$NEWPW\"}" -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF"
check "wrong current passwords count as failed sign-ins: 429 even with the right one" '[ "$(st)" = 429 ] && hdr Retry-After | grep -qE "^Retry-After: [0-9]+$"'
signin ana "$PW"
check "... and the sign-in of that account is throttled too (a stolen cookie cannot guess it)" '[ "$(st)" = 429 ]'
kill "$LAST"; wait "$LAST" 2> /dev/null
serve_start
signin ana "$PW" -c "$T/ana.jar"
req GET /ui/api/session -b "$T/ana.jar"
CSRF=$(jq_ "print(b['csrf'])")
signin ana "$PW" -c "$T/ana2.jar"
req GET /ui/api/session -b "$T/ana2.jar"
check "a second browser signed in as ana" '[ "$(st)" = 200 ]'
pw "{\"current\":\"$PW\",\"new\":\"$NEWPW\"}" -b "$T/ana.jar" -c "$T/ana.jar" -H "X-CSRF-Token: $CSRF"
check "the right current password: changed, a new cookie and CSRF token for this browser" '[ "$(st)" = 200 ] && jq_ "assert b[\"changed\"] and len(b[\"csrf\"]) == 32 and b[\"csrf\"] != \"$CSRF\"" && hdr Set-Cookie | grep -q "vigia_session=.*HttpOnly"'
CSRF2=$(jq_ "print(b['csrf'])")
req GET /ui/api/session -b "$T/ana2.jar"
check "... the other browser is signed out (its session began under the old password)" '[ "$(st)" = 401 ]'
req GET /ui/api/session -b "$T/ana.jar"
check "... this one is still signed in, under the new token" '[ "$(st)" = 200 ] && jq_ "assert b[\"csrf\"] == \"$CSRF2\""'
req POST /ui/api/lang -b "$T/ana.jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF2" -d '{"lang":"en"}'
check "... and may change things with it" '[ "$(st)" = 200 ] && jq_ "assert b[\"saved\"]"'
signin ana "$PW"
check "... the old password no longer signs in" '[ "$(st)" = 401 ]'
signin ana "$NEWPW"
check "... the new one does" '[ "$(st)" = 200 ]'
check "audited as password-set by ui:ana, without either password" '"$V" audit log --db "$A" | grep "account:ana" | grep "ui:ana" | grep -q password-set && ! "$V" audit log --json --db "$A" | grep -q -e "a new and longer" -e "correct horse"'
check "the stored form is argon2id, not the password" '! grep -aq "a new and longer" "$A"'
TOK_cy=$("$V" account token cy --db "$A" 2> "$T/tok.err")
TOK_cy_FIRST=$(sed -n 's/.*token \([0-9][0-9]*\) made.*/\1/p' "$T/tok.err")
req POST /ui/login -H 'Content-Type: application/json' -c "$T/cy.jar" -d "{\"name\":\"cy\",\"token\":\"$TOK_cy\"}"
req GET /ui/api/session -b "$T/cy.jar"
CSRF=$(jq_ "print(b['csrf'])")
pw "{\"current\":\"\",\"new\":\"$NEWPW\"}" -b "$T/cy.jar" -H "X-CSRF-Token: $CSRF"
check "an account without a password (signed in by token): 409, an administrator sets the first" '[ "$(st)" = 409 ] && jq_ "assert \"administrator\" in b[\"error\"][\"detail\"]"'
TOK_cy_ID=$("$V" account token cy --db "$A" 2>&1 > /dev/null | sed -n 's/.*token \([0-9][0-9]*\) made.*/\1/p')
req GET /ui/api/session -b "$T/cy.jar"
check "a second token for cy: the session signed in with the first goes on" '[ -n "$TOK_cy_ID" ] && [ -n "$TOK_cy_FIRST" ] && [ "$TOK_cy_ID" != "$TOK_cy_FIRST" ] && [ "$(st)" = 200 ]'
"$V" account revoke "$TOK_cy_ID" --db "$A" 2> /dev/null
req GET /ui/api/session -b "$T/cy.jar"
check "... and so after that second token is revoked" '[ "$(st)" = 200 ]'
"$V" account revoke "$TOK_cy_FIRST" --db "$A" 2> /dev/null
req GET /ui/api/session -b "$T/cy.jar"
check "the token the session signed in with is revoked: signed out" '[ "$(st)" = 401 ]'

echo "1..$n"
[ "$bad" -eq 0 ]
