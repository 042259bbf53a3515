#!/bin/sh
# The web UI's server side (src/http/ui*.c, session.c), driven with curl: the page and its
# headers (a strict Content-Security-Policy, no inline script or style in what is served),
# signing in (JSON only; wrong, malformed and other accounts' tokens refused), the session
# cookie's flags (HttpOnly, SameSite=Strict, Secure under TLS), tampered and expired cookies,
# CSRF (a change with the cookie and without the token, or with another session's token, is
# refused and changes nothing), roles (a partner's cookie reaches no analyst endpoint), a
# hostile value served only inside JSON, the language (cookie, Accept-Language), the
# endpoints of the queue, bulk changes, merge, export preview and dashboard, and bad input.
# The browser side is tests/browser/run.sh.  Fixtures: tests/data/ui/.
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
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1
"$V" incidents set 1 --tlp GREEN --db "$A" > /dev/null 2>&1
"$V" incidents set 5 --tlp RED --db "$A" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" account add ana --role analyst --db "$A" 2> /dev/null
"$V" account add y --role partner --partner CERT-Y --db "$A" 2> /dev/null
TOK_ana=$("$V" account token ana --db "$A" 2> /dev/null)
TOK_y=$("$V" account token y --db "$A" 2> /dev/null)

serve_start
# req METHOD PATH [curl args]: status into $T/st, body $T/body, headers $T/hdr
req() {
	m=$1; p=$2; shift 2
	curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "$@" "$U$p" > "$T/st"
}
st() { cat "$T/st"; }
jq_() { python3 -c "import json,sys; b=json.load(open(sys.argv[1])); $1" "$T/body"; }
hdr() { grep -i "^$1:" "$T/hdr" | tr -d '\r'; }
login() { # name token cookiejar
	req POST /ui/login -H 'Content-Type: application/json' \
		-d "{\"name\":\"$1\",\"token\":\"$2\"}" -c "$3"
}
check "serve starts" '[ -n "$PORT" ]'

# ---- the page and its headers ------------------------------------------------------------------
req GET /ui/
check "GET /ui/: the page, without credentials" '[ "$(st)" = 200 ] && hdr Content-Type | grep -q "text/html"'
check "Content-Security-Policy: scripts and styles from this origin only" \
	'hdr Content-Security-Policy | grep -q "default-src '"'"'none'"'"'" && hdr Content-Security-Policy | grep -q "script-src '"'"'self'"'"';" && hdr Content-Security-Policy | grep -q "style-src '"'"'self'"'"';" && ! hdr Content-Security-Policy | grep -q "unsafe"'
check "framing refused, no referrer, no sniffing" 'hdr X-Frame-Options | grep -q DENY && hdr Referrer-Policy | grep -q no-referrer && hdr X-Content-Type-Options | grep -q nosniff'
check "no inline script or style in the page" '! grep -qi "<script>\|<script [^>]*>[^<]\|<style\| style=\| on[a-z]*=" "$T/body"'
req GET /ui/app.js
check "the scripts are served as JavaScript" '[ "$(st)" = 200 ] && hdr Content-Type | grep -q text/javascript && hdr Content-Security-Policy | grep -q self'
check "no innerHTML in the scripts" '! grep -q "innerHTML\|outerHTML\|insertAdjacentHTML\|document.write\|eval(" "$(pwd)"/web/*.js'
req GET /ui/i18n-es.json
check "the Spanish catalogue" '[ "$(st)" = 200 ] && jq_ "assert b[\"Incidents\"]==\"Incidentes\""'
req GET /ui/nothing.js
check "an unknown asset: 404" '[ "$(st)" = 404 ]'

# ---- signing in --------------------------------------------------------------------------------
login ana "vgt_$(printf '%064d' 0)" "$T/bad.jar"
check "a wrong token: 401, no cookie" '[ "$(st)" = 401 ] && ! hdr Set-Cookie | grep -q vigia_session && ! hdr WWW-Authenticate | grep -q .'
login y "$TOK_ana" "$T/bad.jar"
check "another account's token: 401" '[ "$(st)" = 401 ]'
req POST /ui/login -H 'Content-Type: application/x-www-form-urlencoded' -d "name=ana&token=$TOK_ana"
check "a form post (what a cross-site form can send): 415" '[ "$(st)" = 415 ]'
req POST /ui/login -H 'Content-Type: application/json' -d '{"name":1'
check "malformed JSON: 400" '[ "$(st)" = 400 ]'
login ana "$TOK_ana" "$T/ana.jar"
check "sign in: 200 and the account" '[ "$(st)" = 200 ] && jq_ "assert b==dict(name=\"ana\", role=\"analyst\", lang=\"en\")"'
check "the cookie is HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP" \
	'hdr Set-Cookie | grep -q "vigia_session=.*; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict" && ! hdr Set-Cookie | grep -qi secure'
check "the cookie does not hold the token" '! grep -q "$TOK_ana" "$T/ana.jar"'
req GET /ui/api/session -b "$T/ana.jar"
check "the session: who, role, CSRF token" '[ "$(st)" = 200 ] && jq_ "assert b[\"name\"]==\"ana\" and len(b[\"csrf\"])==32"'
CSRF=$(jq_ "print(b['csrf'])")
req GET /api/v1/incidents -b "$T/ana.jar"
check "the cookie reaches the JSON API" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"incidents\"])==5"'

# ---- tampered and expired cookies ------------------------------------------------------------------
COOKIE=$(awk '$6 == "vigia_session" { print $7 }' "$T/ana.jar")
NAMED=$(printf '%s' "$COOKIE" | sed 's/\.ana$/.y/')
req GET /ui/api/session -H "Cookie: vigia_session=$NAMED"
check "a cookie renamed to another account: 401" '[ "$(st)" = 401 ]'
LATER=$(printf '%s' "$COOKIE" | sed 's/^[0-9]*/9999999999/')
req GET /ui/api/session -H "Cookie: vigia_session=$LATER"
check "a cookie with its expiry pushed back: 401" '[ "$(st)" = 401 ]'
req GET /ui/api/session -H "Cookie: vigia_session=garbage; other=1"
check "a garbage cookie: 401, no password prompt" '[ "$(st)" = 401 ] && ! hdr WWW-Authenticate | grep -q .'
req GET /ui/api/session -H "Cookie: a=b; vigia_session=$COOKIE; c=d"
check "the cookie among others" '[ "$(st)" = 200 ]'

# ---- CSRF ----------------------------------------------------------------------------------------
req PATCH /api/v1/incidents/2 -b "$T/ana.jar" -H 'Content-Type: application/json' -d '{"owner":"mallory"}'
check "a change with the cookie and no CSRF token: 403" '[ "$(st)" = 403 ] && jq_ "assert \"CSRF\" in b[\"error\"][\"detail\"]"'
req PATCH /api/v1/incidents/2 -b "$T/ana.jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $(printf '%032d' 0)" -d '{"owner":"mallory"}'
check "a wrong CSRF token: 403" '[ "$(st)" = 403 ]'
login ana "$TOK_ana" "$T/ana2.jar"
req GET /ui/api/session -b "$T/ana2.jar"
CSRF2=$(jq_ "print(b['csrf'])")
req PATCH /api/v1/incidents/2 -b "$T/ana.jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF2" -d '{"owner":"mallory"}'
check "another session's CSRF token: 403" '[ "$(st)" = 403 ] && [ "$CSRF" != "$CSRF2" ]'
req POST /ui/api/bulk -b "$T/ana.jar" -H 'Content-Type: application/json' -d '{"ids":[2],"owner":"mallory"}'
check "bulk without the token: 403" '[ "$(st)" = 403 ]'
req POST /ui/api/merge -b "$T/ana.jar" -H 'Content-Type: application/json' -d '{"into":3,"from":[4]}'
check "merge without the token: 403" '[ "$(st)" = 403 ]'
"$V" incidents show 2 --db "$A" > "$T/show" 2>&1
check "nothing changed" '! grep -q mallory "$T/show" && "$V" incidents show 4 --db "$A" 2>&1 | grep -qi "state: *new\|new"'
req PATCH /api/v1/incidents/2 -b "$T/ana.jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -d '{"owner":"ana"}'
check "with the token: 200" '[ "$(st)" = 200 ] && jq_ "assert b[\"owner\"]==\"ana\""'
req PATCH /api/v1/incidents/2 -H "Authorization: Bearer $TOK_ana" -H 'Content-Type: application/json' -d '{"priority":1}'
check "a Bearer token needs no CSRF token (not sent by browsers on their own)" '[ "$(st)" = 200 ]'

# ---- a hostile value ---------------------------------------------------------------------------
req GET /ui/api/incidents/2 -b "$T/ana.jar"
check "a <script> in an event field is data inside JSON (application/json, nosniff)" \
	'[ "$(st)" = 200 ] && hdr Content-Type | grep -q "application/json" && hdr X-Content-Type-Options | grep -q nosniff && jq_ "assert b[\"events\"][0][\"event\"][\"malware.name\"]==\"<script>window.__xss=1</script>\""'
req GET "/ui/<script>alert(1)</script>" -b "$T/ana.jar"
check "a hostile path: 404 as JSON, not echoed as HTML" '[ "$(st)" = 404 ] && hdr Content-Type | grep -q json'
req GET "/ui/..%2Fapi%2Fv1%2Fwhoami" -b "$T/ana.jar"
check "no path traversal out of the assets" '[ "$(st)" = 404 ]'

# ---- the UI's endpoints ------------------------------------------------------------------------------
req GET "/ui/api/incidents?state=new&limit=2" -b "$T/ana.jar"
check "queue: counts per state, a page, next" '[ "$(st)" = 200 ] && jq_ "assert b[\"counts\"][\"new\"]==5 and len(b[\"incidents\"])==2 and b[\"next\"]==2 and \"overdue\" in b"'
req GET "/ui/api/incidents?tlp=RED" -b "$T/ana.jar"
check "queue: TLP filter" 'jq_ "assert [i[\"id\"] for i in b[\"incidents\"]]==[5]"'
req GET "/ui/api/incidents?q=PHISHING" -b "$T/ana.jar"
check "queue: search ignores case" 'jq_ "assert [i[\"id\"] for i in b[\"incidents\"]]==[1]"'
req GET "/ui/api/incidents?priority=1&owner=ana" -b "$T/ana.jar"
check "queue: priority and owner" 'jq_ "assert [i[\"id\"] for i in b[\"incidents\"]]==[2]"'
req GET "/ui/api/incidents?overdue=1" -b "$T/ana.jar"
check "queue: overdue (none yet)" 'jq_ "assert b[\"incidents\"]==[] and b[\"overdue\"]==0"'
req GET "/ui/api/incidents?priority=9" -b "$T/ana.jar"
check "queue: a bad priority: 400" '[ "$(st)" = 400 ]'
req GET "/ui/api/incidents?state=sleeping" -b "$T/ana.jar"
check "queue: a bad state: 400" '[ "$(st)" = 400 ]'
req POST /ui/api/bulk -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"ids":[1,2,99],"state":"open"}'
check "bulk: each incident on its own, the refused one named" '[ "$(st)" = 200 ] && jq_ "assert b[\"changed\"]==2 and b[\"failed\"][0][\"id\"]==99"'
req POST /ui/api/bulk -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"ids":"all","state":"open"}'
check "bulk: bad ids: 400" '[ "$(st)" = 400 ]'
req POST /ui/api/merge -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"into":3,"from":[4]}'
check "merge" '[ "$(st)" = 200 ] && jq_ "assert b[\"into\"]==3 and b[\"events_moved\"]==1"'
req POST /ui/api/merge -b "$T/ana.jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"into":3,"from":[4]}'
check "merging again: 409" '[ "$(st)" = 409 ]'
req GET /ui/api/incidents/4 -b "$T/ana.jar"
check "the merged one points to its survivor and is closed" 'jq_ "assert b[\"incident\"][\"merged_into\"]==3 and b[\"incident\"][\"state\"]==\"closed\""'
req GET /ui/api/incidents/3 -b "$T/ana.jar"
check "incident detail: events, audit, links" 'jq_ "assert len(b[\"events\"])==2 and any(a[\"action\"]==\"merge\" for a in b[\"audit\"]) and any(l[\"kind\"]==\"merged\" for l in b[\"links\"])"'
req GET "/ui/api/incidents/5/export?partner=CERT-Y&format=stix" -b "$T/ana.jar"
check "export preview of a RED incident for CERT-Y: withheld, no RED marking" \
	'[ "$(st)" = 200 ] && jq_ "assert b[\"withheld_incidents\"]==1 and \"e828b379-4e03-4974-9ac4-e53a884c97c1\" not in b[\"body\"] and \"192.0.2.200\" not in b[\"body\"]"'
req GET "/ui/api/incidents/1/export?partner=CERT-Y&format=misp" -b "$T/ana.jar"
check "export preview of a GREEN incident (MISP)" '[ "$(st)" = 200 ] && jq_ "assert \"login-secure-bank.xyz\" in b[\"body\"] and b[\"withheld_incidents\"]==0"'
req GET "/ui/api/incidents/1/export?partner=NOBODY" -b "$T/ana.jar"
check "export to an unknown partner: 404" '[ "$(st)" = 404 ]'
req GET "/ui/api/incidents/1/export?partner=CERT-Y&format=pdf" -b "$T/ana.jar"
check "an unknown format: 400" '[ "$(st)" = 400 ]'
req GET "/ui/api/dashboard?days=30" -b "$T/ana.jar"
cp "$T/body" "$T/dash.json"
check "dashboard aggregates" '[ "$(st)" = 200 ] && jq_ "assert sum(g[\"n\"] for g in b[\"open_age\"])==4 and len(b[\"per_day\"])>=1 and b[\"top_classes\"][0][\"a\"]==\"scanner\""'
req GET "/ui/api/url?url=http%3A%2F%2Fpaypal.com.login.example.tk%2F" -b "$T/ana.jar"
check "URL check" '[ "$(st)" = 200 ] && jq_ "assert b[\"verdict\"] in (\"suspicious\",\"malicious\") and b[\"reasons\"]"'
req GET "/ui/api/url?url=%ff%fe" -b "$T/ana.jar"
check "URL check of bytes that are not UTF-8: an answer, no crash" '[ "$(st)" = 200 ] || [ "$(st)" = 400 ]'
req GET /ui/api/orgs -b "$T/ana.jar"
check "constituency" '[ "$(st)" = 200 ] && jq_ "assert \"organisations\" in b and \"certs\" in b"'

# ---- roles ----------------------------------------------------------------------------------------
login y "$TOK_y" "$T/y.jar"
check "a partner signs in" '[ "$(st)" = 200 ]'
for p in /ui/api/incidents /ui/api/incidents/1 /ui/api/dashboard /ui/api/orgs /ui/api/partners \
	"/ui/api/incidents/1/export?partner=CERT-Y" /api/v1/incidents; do
	req GET "$p" -b "$T/y.jar"
	check "a partner's cookie: $p is 403" '[ "$(st)" = 403 ]'
done

# ---- language --------------------------------------------------------------------------------------
req GET /ui/api/lang -H 'Accept-Language: es-ES,es;q=0.9,en;q=0.8'
check "Accept-Language es" 'jq_ "assert b[\"lang\"]==\"es\""'
req GET /ui/api/lang -H 'Accept-Language: de-DE,en;q=0.5'
check "Accept-Language: the first language the UI speaks" 'jq_ "assert b[\"lang\"]==\"en\""'
req POST /ui/api/lang -H 'Content-Type: application/json' -d '{"lang":"es"}'
check "choosing Spanish sets a cookie" '[ "$(st)" = 200 ] && hdr Set-Cookie | grep -q "vigia_lang=es; Path=/; Max-Age=31536000; SameSite=Strict"'
req GET /ui/api/lang -H 'Accept-Language: en' -H 'Cookie: vigia_lang=es'
check "the choice wins over Accept-Language" 'jq_ "assert b[\"lang\"]==\"es\""'
req POST /ui/api/lang -H 'Content-Type: application/json' -d '{"lang":"fr"}'
check "a language the UI does not speak: 400" '[ "$(st)" = 400 ]'

# ---- sign out, expiry -------------------------------------------------------------------------------
req POST /ui/logout -b "$T/ana.jar"
check "sign out clears the cookie" '[ "$(st)" = 200 ] && hdr Set-Cookie | grep -q "vigia_session=; Path=/; Max-Age=0"'
kill "$LAST"; wait "$LAST" 2> /dev/null
serve_start --http.session_ttl=1s
login ana "$TOK_ana" "$T/short.jar"
check "http.session_ttl sets the lifetime" 'hdr Set-Cookie | grep -q "Max-Age=1;"'
sleep 2.2
req GET /ui/api/session -b "$T/short.jar"
check "an expired session: 401" '[ "$(st)" = 401 ]'
req GET /ui/api/session -b "$T/ana2.jar"
check "a restart signs everyone out (the key is per process)" '[ "$(st)" = 401 ]'
kill "$LAST"; wait "$LAST" 2> /dev/null

# ---- Secure under TLS ----------------------------------------------------------------------------
if command -v openssl > /dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
		-subj /CN=127.0.0.1 > /dev/null 2>&1; then
	serve_start --http.tls_cert="$T/cert.pem" --http.tls_key="$T/key.pem"
	curl -sk -o /dev/null -D "$T/hdr" -H 'Content-Type: application/json' \
		-d "{\"name\":\"ana\",\"token\":\"$TOK_ana\"}" "https://127.0.0.1:$PORT/ui/login"
	check "under TLS the cookie is Secure" 'hdr Set-Cookie | grep -q "HttpOnly; SameSite=Strict; Secure"'
else
	echo "# openssl could not make a certificate: the TLS check is left out"
fi

echo "1..$n"
[ $bad -eq 0 ]
