#!/bin/sh
# Files in and out of `vigia serve` (src/http/ui_files.c), driven with curl: attachments
# uploaded (raw body, size limit http.max_attachment, audited with who), listed and downloaded
# byte for byte with the headers that keep a hostile HTML attachment from ever rendering
# (octet-stream, Content-Disposition attachment with a safe name, nosniff, a sandbox CSP); the
# constituency exported (the same file as `vigia constituency export`), checked (every bad row
# named with its line and reason, nothing changed), previewed (added / changed / removed) and
# imported by administrators only; period and case reports as HTML and PDF, the case report
# honouring the sharing policy; CSRF with the web UI's cookie; the roles walk of these
# endpoints (partners reach none, analysts do not import); the OpenAPI document lists them.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
D=$(pwd)/tests/data/ui
C=$(pwd)/tests/data/constituency
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2> /dev/null; done; wait 2> /dev/null; rm -rf "$T"' EXIT
. tests/lib.sh
command -v curl > /dev/null || { echo "SKIP: curl is not installed"; exit 0; }
unset VIGIA_DB
export VIGIA_USER=tester
A="$T/a.db"
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1
"$V" constituency import --db "$A" "$C/good.csv" > /dev/null 2>&1
"$V" incidents set 1 --tlp GREEN --db "$A" > /dev/null 2>&1
"$V" incidents set 5 --tlp RED --db "$A" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
for a in "boss admin" "ana analyst" "y partner CERT-Y"; do
	set -- $a
	"$V" account add "$1" --role "$2" ${3:+--partner "$3"} --db "$A" 2> /dev/null
	eval "TOK_$1=\$(\"\$V\" account token \"\$1\" --db \"\$A\" 2> /dev/null)"
done
rm -f "$T/port"
"$V" serve --db "$A" --http.port=0 --port-file "$T/port" --http.max_attachment=64K \
	2>> "$T/serve.log" &
PIDS="$PIDS $!"; LAST=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
U="http://127.0.0.1:$(cat "$T/port" 2> /dev/null)"
# req WHO METHOD PATH [curl args]: WHO a token's account, "none", or "jar:FILE" (a cookie)
req() {
	who=$1; m=$2; p=$3; shift 3
	case $who in
	jar:*) set -- -b "${who#jar:}" "$@" ;;
	*) eval "tok=\${TOK_$who:-}"
	   if [ -n "$tok" ]; then set -- -H "Authorization: Bearer $tok" "$@"; fi ;;
	esac
	curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "$@" "$U$p" > "$T/st"
}
st() { cat "$T/st"; }
jq_() { python3 -c "import json,sys; b=json.load(open(sys.argv[1])); $1" "$T/body"; }
hdr() { grep -i "^$1:" "$T/hdr" | tr -d '\r'; }
OCT='-H Content-Type:application/octet-stream'
check "serve starts" '[ -n "${U#http://127.0.0.1:}" ]'

# ---- attachments ---------------------------------------------------------------------------------
printf '<html><body><script>document.title="pwned"</script><img src=x onerror=alert(1)></body></html>\n' > "$T/evil.html"
SHA=$(sha256sum "$T/evil.html" | cut -d' ' -f1)
req ana POST "/api/v1/incidents/1/attachments?name=..%2F..%2Fevil%22%3B%20x.html" $OCT --data-binary "@$T/evil.html"
check "an analyst attaches a file (raw body): 201 with its SHA-256" '[ "$(st)" = 201 ] && jq_ "assert b[\"sha256\"]==\"$SHA\" and b[\"size\"]==$(wc -c < "$T/evil.html")"'
check "... under the last component of the name it was given" 'jq_ "assert b[\"name\"]==\"evil\\\"; x.html\""'
req ana GET /api/v1/incidents/1/attachments
check "the list: name, size, SHA-256, who and when" '[ "$(st)" = 200 ] && jq_ "a=b[\"attachments\"]; assert len(a)==1 and a[0][\"sha256\"]==\"$SHA\" and a[0][\"by\"]==\"api:ana\" and a[0][\"time\"]>0 and b[\"max_size\"]==65536"'
req ana GET "/api/v1/incidents/1/attachments/$SHA"
check "the download holds the same bytes" '[ "$(st)" = 200 ] && cmp -s "$T/body" "$T/evil.html"'
check "... sent as a file to save, never as a page" 'hdr Content-Type | grep -q "application/octet-stream" && hdr Content-Disposition | grep -q "^Content-Disposition: attachment;"'
check "... with a safe file name (no quote, no path, no space) and the original in filename*" 'hdr Content-Disposition | grep -q "filename=\"evil___x.html\"" && hdr Content-Disposition | grep -q "filename\*=UTF-8'"''"'evil%22%3B%20x.html"'
check "... nosniff, a sandboxing CSP, no framing" 'hdr X-Content-Type-Options | grep -q nosniff && hdr Content-Security-Policy | grep -q "sandbox" && hdr Content-Security-Policy | grep -q "default-src '"'"'none'"'"'" && hdr X-Frame-Options | grep -q DENY'
req ana GET "/api/v1/incidents/2/attachments/$SHA"
check "a hash attached to another incident: 404" '[ "$(st)" = 404 ]'
req ana GET "/api/v1/incidents/1/attachments/$(printf '%064d' 0)"
check "an unknown hash: 404" '[ "$(st)" = 404 ]'
req ana GET "/api/v1/incidents/1/attachments/..%2f..%2fetc"
check "not a hash: 404" '[ "$(st)" = 404 ]'
req ana GET "/api/v1/incidents/999/attachments"
check "an unknown incident: 404" '[ "$(st)" = 404 ]'
head -c 70000 /dev/zero > "$T/big.bin"
req ana POST "/api/v1/incidents/1/attachments?name=big.bin" $OCT --data-binary "@$T/big.bin"
check "larger than http.max_attachment (64K): 413" '[ "$(st)" = 413 ]'
req ana POST "/api/v1/incidents/1/attachments" $OCT --data-binary "@$T/evil.html"
check "no name: 400" '[ "$(st)" = 400 ]'
req ana POST "/api/v1/incidents/1/attachments?name=a%FF.txt" $OCT --data-binary "@$T/evil.html"
check "a name that is not UTF-8: 400" '[ "$(st)" = 400 ]'
req ana POST "/api/v1/incidents/999/attachments?name=x.txt" $OCT --data-binary "@$T/evil.html"
check "attaching to an unknown incident: 404" '[ "$(st)" = 404 ]'
check "the attachment is in the incident's audit trail, as api:ana" '"$V" incidents show 1 --json --db "$A" 2> /dev/null | python3 -c "import json,sys; b=json.load(sys.stdin); assert any(a[\"action\"]==\"attach\" and a[\"actor\"]==\"api:ana\" for a in b[\"audit\"])"'

# ---- the web UI's cookie: CSRF -------------------------------------------------------------------
req none POST /ui/login -H 'Content-Type: application/json' -d "{\"name\":\"ana\",\"token\":\"$TOK_ana\"}" -c "$T/ana.jar"
req jar:"$T/ana.jar" GET /ui/api/session
CSRF=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['csrf'])" "$T/body")
printf 'second file\n' > "$T/two.txt"
req jar:"$T/ana.jar" POST "/api/v1/incidents/1/attachments?name=two.txt" $OCT --data-binary "@$T/two.txt"
check "an upload with the cookie and no CSRF token: 403" '[ "$(st)" = 403 ]'
req jar:"$T/ana.jar" POST "/api/v1/incidents/1/attachments?name=two.txt" $OCT -H "X-CSRF-Token: $(printf '%032d' 0)" --data-binary "@$T/two.txt"
check "... with a wrong token: 403" '[ "$(st)" = 403 ]'
req ana GET /api/v1/incidents/1/attachments
check "... and nothing was attached" 'jq_ "assert len(b[\"attachments\"])==1"'
req jar:"$T/ana.jar" POST "/api/v1/incidents/1/attachments?name=two.txt" $OCT -H "X-CSRF-Token: $CSRF" --data-binary "@$T/two.txt"
check "with the session's CSRF token: 201, audited as ui:ana" '[ "$(st)" = 201 ] && req ana GET /api/v1/incidents/1/attachments && jq_ "assert any(a[\"by\"]==\"ui:ana\" and a[\"name\"]==\"two.txt\" for a in b[\"attachments\"])"'

# ---- the constituency as a file ------------------------------------------------------------------
req ana GET "/api/v1/constituency/export?format=csv"
cp "$T/body" "$T/export.csv"
"$V" constituency export --db "$A" --format csv > "$T/cli.csv" 2> /dev/null
check "export: the same file as vigia constituency export, as a download" '[ "$(st)" = 200 ] && cmp -s "$T/export.csv" "$T/cli.csv" && hdr Content-Type | grep -q text/csv && hdr Content-Disposition | grep -q "attachment; filename=\"constituency.csv\""'
req ana GET "/api/v1/constituency/export?format=json"
check "export as JSON" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"organisations\"])>=3"'
req ana GET "/api/v1/constituency/export?format=xml"
check "export in another format: 400" '[ "$(st)" = 400 ]'
req ana POST "/api/v1/constituency/import?format=csv" $OCT --data-binary "@$T/export.csv"
check "an analyst may not import: 403" '[ "$(st)" = 403 ]'
req boss POST "/api/v1/constituency/import?format=csv" $OCT --data-binary "@$T/export.csv"
check "the export checked back: valid, nothing added, changed or removed" '[ "$(st)" = 200 ] && jq_ "o=b[\"organisations\"]; assert b[\"valid\"] and not b[\"applied\"] and o[\"added\"]==0 and o[\"changed\"]==0 and o[\"removed\"]==0 and o[\"unchanged\"]>=3 and b[\"certs\"][\"changed\"]==0"'
cat > "$T/bad.csv" << 'EOF'
kind,owner,value,name,do_not_notify,lang,format,fingerprint,notes
organisation,Nueva,,,no,,,,
network,Nueva,300.1.1.0/24,,,,,,
asn,Nueva,ASfoo,,,,,,
domain,Nueva,nueva.example,,,,,,
contact,Nadie,abuse@nadie.example,,,,,,
contact,Nueva,abuse@nueva.example,,,xx,,,
EOF
req boss POST "/api/v1/constituency/import?format=csv" $OCT --data-binary "@$T/bad.csv"
check "a bad file: 422 naming every bad row by line, field and reason" '[ "$(st)" = 422 ] && jq_ "e=b[\"errors\"]; assert not b[\"valid\"] and b[\"error_count\"]==4 and [x[\"line\"] for x in e]==[3,4,6,7] and e[0][\"field\"]==\"value\" and \"300.1.1.0/24\" in e[0][\"reason\"] and e[2][\"field\"]==\"owner\""'
check "... and nothing changed" '! "$V" constituency show Nueva --db "$A" > /dev/null 2>&1'
req boss POST "/api/v1/constituency/import?format=json" $OCT --data-binary '{"organisations": [{"name": 5}]}'
check "a bad JSON file: 422 naming the value" '[ "$(st)" = 422 ] && jq_ "assert b[\"errors\"][0][\"field\"].startswith(\"organisations[0]\")"'
# one new organisation, one changed (a network less), the rest as they are
grep -v "^network,Universidad Ejemplo,2001:db8:100::/48" "$T/export.csv" > "$T/new.csv"
printf 'organisation,Nueva,,,no,,,,\ndomain,Nueva,nueva.example,,,,,,\n' >> "$T/new.csv"
req boss POST "/api/v1/constituency/import?format=csv" $OCT --data-binary "@$T/new.csv"
check "a preview: 1 added, 1 changed, nothing applied" '[ "$(st)" = 200 ] && jq_ "o=b[\"organisations\"]; assert o[\"added\"]==1 and o[\"changed\"]==1 and not b[\"applied\"]" && ! "$V" constituency show Nueva --db "$A" > /dev/null 2>&1'
grep -v "Proveedor Grande" "$T/export.csv" > "$T/less.csv"
req boss POST "/api/v1/constituency/import?format=csv&replace=1" $OCT --data-binary "@$T/less.csv"
check "replace=1: what would be removed is counted, and nothing is" '[ "$(st)" = 200 ] && jq_ "assert b[\"organisations\"][\"removed\"]==1" && "$V" constituency show "Proveedor Grande" --db "$A" > /dev/null 2>&1'
printf 'kind,owner,value,name,do_not_notify,lang,format,fingerprint,notes\norganisation,Otra,,,no,,,,\nasn,Otra,AS64500,,,,,,\n' > "$T/clash.csv"
req boss POST "/api/v1/constituency/import?format=csv" $OCT --data-binary "@$T/clash.csv"
check "a value another organisation holds: 422 naming the row" '[ "$(st)" = 422 ] && jq_ "assert b[\"errors\"][0][\"line\"]==3 and \"Universidad Ejemplo\" in b[\"errors\"][0][\"reason\"]"'
req none POST /ui/login -H 'Content-Type: application/json' -d "{\"name\":\"boss\",\"token\":\"$TOK_boss\"}" -c "$T/boss.jar"
req jar:"$T/boss.jar" POST "/api/v1/constituency/import?format=csv&apply=1" $OCT --data-binary "@$T/new.csv"
check "an import with the cookie and no CSRF token: 403, nothing imported" '[ "$(st)" = 403 ] && ! "$V" constituency show Nueva --db "$A" > /dev/null 2>&1'
req boss POST "/api/v1/constituency/import?format=csv&apply=1" $OCT --data-binary "@$T/new.csv"
check "apply=1: imported" '[ "$(st)" = 200 ] && jq_ "assert b[\"applied\"] and b[\"organisations\"][\"added\"]==1" && "$V" constituency show Nueva --db "$A" > /dev/null 2>&1'
check "... and audited as api:boss" '"$V" audit log --object constituency --db "$A" 2> /dev/null | grep "api:boss" | grep -q import'

# ---- reports -------------------------------------------------------------------------------------
req ana GET "/api/v1/reports/period?days=30&format=pdf"
check "the period report as PDF: %PDF, a download" '[ "$(st)" = 200 ] && head -c 5 "$T/body" | grep -q "%PDF-" && hdr Content-Type | grep -q application/pdf && hdr Content-Disposition | grep -q "^Content-Disposition: attachment"'
req ana GET "/api/v1/reports/period?days=30&format=html&lang=es"
check "... as HTML, in Spanish, shown in its tab with no script allowed" '[ "$(st)" = 200 ] && grep -q "<html lang=\"es\"" "$T/body" && hdr Content-Disposition | grep -q "^Content-Disposition: inline" && hdr Content-Security-Policy | grep -q sandbox && ! hdr Content-Security-Policy | grep -q script-src'
req ana GET "/api/v1/reports/period?days=0"
check "days 0: 400" '[ "$(st)" = 400 ]'
req ana GET "/api/v1/reports/period?format=doc"
check "another format: 400" '[ "$(st)" = 400 ]'
req ana GET "/api/v1/incidents/1/report?for=CERT-Y&format=html"
"$V" report --incident 1 --for CERT-Y --format html -o "$T/cli-case.html" --db "$A" > /dev/null 2>&1
check "a case report for a partner: what vigia report --incident --for writes" '[ "$(st)" = 200 ] && grep -v "[0-9][0-9]:[0-9][0-9]" "$T/body" > "$T/a1" && grep -v "[0-9][0-9]:[0-9][0-9]" "$T/cli-case.html" > "$T/a2" && cmp -s "$T/a1" "$T/a2" && [ -s "$T/a1" ]'
req ana GET "/api/v1/incidents/5/report?for=CERT-Y"
check "a TLP:RED incident for a partner: 409, withheld by the policy" '[ "$(st)" = 409 ]'
req ana GET "/api/v1/incidents/5/report?format=pdf"
check "... the team's own copy of it as PDF" '[ "$(st)" = 200 ] && head -c 5 "$T/body" | grep -q "%PDF-"'
req ana GET "/api/v1/incidents/1/report?for=NOPE"
check "an unknown partner: 404" '[ "$(st)" = 404 ]'

# ---- roles ---------------------------------------------------------------------------------------
for ep in "GET /api/v1/incidents/1/attachments" "GET /api/v1/incidents/1/attachments/$SHA" "POST /api/v1/incidents/1/attachments?name=x" "GET /api/v1/constituency/export" "POST /api/v1/constituency/import" "GET /api/v1/reports/period" "GET /api/v1/incidents/1/report"; do
	set -- $ep
	req y "$1" "$2" $OCT -d 'x'
	check "partner: $ep is 403" '[ "$(st)" = 403 ]'
	req none "$1" "$2" $OCT -d 'x'
	check "no credentials: $ep is 401" '[ "$(st)" = 401 ]'
done
req none POST /ui/login -H 'Content-Type: application/json' -d "{\"name\":\"y\",\"token\":\"$TOK_y\"}" -c "$T/y.jar"
req jar:"$T/y.jar" GET "/api/v1/incidents/1/attachments/$SHA"
check "a partner's cookie: no attachment" '[ "$(st)" = 403 ] && ! grep -q script "$T/body"'
req none GET /api/v1/openapi.json
check "the OpenAPI document lists these paths" 'jq_ "p=b[\"paths\"]; assert all(k in p for k in (\"/api/v1/incidents/{id}/attachments\", \"/api/v1/incidents/{id}/attachments/{sha256}\", \"/api/v1/incidents/{id}/report\", \"/api/v1/reports/period\", \"/api/v1/constituency/export\", \"/api/v1/constituency/import\"))"'

kill "$LAST"; wait "$LAST" 2> /dev/null; rc=$?
check "SIGTERM stops the server cleanly (exit 0: nothing leaked)" '[ $rc -eq 0 ]'
check "no sanitizer report in the server's log" '! grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" "$T/serve.log"'

echo "1..$n"
[ "$bad" -eq 0 ]
