#!/bin/sh
# The constituency from the command line: `vigia constituency add|list|show|import|export|
# remove|match`.  Round trips through CSV and JSON give back the same constituency; every bad
# file is refused naming its row, and imports nothing; `match --explain` says which rule
# answered and why.  Fixtures: tests/data/constituency/.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
D=$(pwd)/tests/data/constituency
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
unset VIGIA_DB
export VIGIA_USER=tester
C() { "$V" constituency "$@"; }

# ---- help ------------------------------------------------------------------------------------
check "vigia --help lists the command" '"$V" --help | grep -q "^  constituency "'
check "constituency --help lists every subcommand" 'C --help > "$T/h" && for s in "add org" "add cert" list show import export remove match; do grep -q "  $s" "$T/h" || exit 1; done'
C > /dev/null 2>&1; rc=$?
check "no subcommand: exit 2" '[ $rc -eq 2 ]'
C frob --db "$T/x.db" > /dev/null 2> "$T/err"; rc=$?
check "an unknown subcommand: exit 2, named" '[ $rc -eq 2 ] && grep -q "frob" "$T/err"'

# ---- add, list, show ---------------------------------------------------------------------------
DB="$T/a.db"
C add org "Universidad Ejemplo" --db "$DB" --network 192.0.2.0/24 \
	--network 198.51.100.0/25,do-not-notify --asn AS64500 --domain Ejemplo.EDU \
	--contact 'abuse@ejemplo.edu,es,csv,0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567,Abuse desk' \
	--notes "Campus" > "$T/out" 2> "$T/err"; rc=$?
check "add org: exit 0" '[ $rc -eq 0 ]'
check "... says what it added" 'grep -q "organisation Universidad Ejemplo added (networks: 2, ASNs: 1, domains: 1, contacts: 1)" "$T/out"'
C add org "Proveedor Grande" --db "$DB" --network 192.0.0.0/16 --network 2001:db8::/32 \
	--asn 64501 --contact noc@proveedor.example,en > /dev/null 2>&1
C add cert de CERT-Bund --contact certbund@bsi.bund.de,en,xarf --db "$DB" > "$T/out" 2>&1; rc=$?
check "add cert: exit 0, the code upper-cased" '[ $rc -eq 0 ] && grep -q "partner CERT of DE (CERT-Bund) added" "$T/out"'
C list --db "$DB" > "$T/out"
check "list: both organisations, with counts" 'grep -q "^Proveedor Grande  *2  *1  *0  *1  *yes" "$T/out" && grep -q "^Universidad Ejemplo  *2  *1  *1  *1  *yes" "$T/out"'
check "list: the partner CERT and its country" 'grep -q "^DE  *Germany  *CERT-Bund  *1" "$T/out"'
C show "universidad ejemplo" --db "$DB" > "$T/out"; rc=$?
check "show: found whatever the case" '[ $rc -eq 0 ] && grep -q "^organisation: *Universidad Ejemplo" "$T/out"'
check "... networks, with the quiet one marked" 'grep -q "192.0.2.0/24$" "$T/out" && grep -q "198.51.100.0/25 (do not notify)" "$T/out"'
check "... the domain lower-cased, the AS, the notes" 'grep -q "example.edu\|ejemplo.edu" "$T/out" && grep -q "AS64500" "$T/out" && grep -q "^notes: *Campus" "$T/out"'
check "... the contact with its fingerprint normalised" 'grep -q "abuse@ejemplo.edu (Abuse desk; es; csv; key 0123456789ABCDEF0123456789ABCDEF01234567)" "$T/out"'
C show "Universidad Ejemplo" --json --db "$DB" > "$T/out"
check "show --json: the file format's object" 'python3 -c "import json,sys; o=json.load(open(sys.argv[1])); assert o[\"name\"]==\"Universidad Ejemplo\" and o[\"networks\"][1]=={\"cidr\":\"198.51.100.0/25\",\"do_not_notify\":True} and o[\"asns\"]==[64500] and o[\"contacts\"][0][\"lang\"]==\"es\"" "$T/out"'
C show cert DE --db "$DB" > "$T/out"
check "show cert" 'grep -q "^partner CERT: *CERT-Bund" "$T/out" && grep -q "^country: *DE (Germany)" "$T/out"'
C show Nobody --db "$DB" > /dev/null 2> "$T/err"; rc=$?
check "show an unknown organisation: exit 2, named" '[ $rc -eq 2 ] && grep -q "Nobody" "$T/err"'
# adding to an organisation: kept once, merged
C add org "Universidad Ejemplo" --db "$DB" --network 192.0.2.0/24 --domain www.ejemplo.edu \
	--do-not-notify > "$T/out" 2>&1; rc=$?
check "add to an existing organisation: updated, merged" '[ $rc -eq 0 ] && grep -q "updated (networks: 2, ASNs: 1, domains: 2, contacts: 1) (do not notify)" "$T/out"'
# refusals
C add org Intruso --db "$DB" --network 192.0.2.0/24 > /dev/null 2> "$T/err"; rc=$?
check "a network of another organisation: exit 2, naming the owner" '[ $rc -eq 2 ] && grep -q "192.0.2.0/24 already belongs to organisation Universidad Ejemplo" "$T/err"'
check "... and Intruso was not created" '! C show Intruso --db "$DB" > /dev/null 2>&1'
C add org X --db "$DB" --network 192.0.2.1/24 > /dev/null 2> "$T/err"; rc=$?
check "host bits: exit 2, the network meant is named" '[ $rc -eq 2 ] && grep -q "the network is 192.0.2.0/24" "$T/err"'
C add org X --db "$DB" --contact not-an-address > /dev/null 2> "$T/err"; rc=$?
check "a malformed e-mail: exit 2" '[ $rc -eq 2 ] && grep -q "not-an-address" "$T/err"'
C add org X --db "$DB" --contact a@x.example,fr > /dev/null 2> "$T/err"; rc=$?
check "a language other than es/en: exit 2" '[ $rc -eq 2 ] && grep -q "(es or en)" "$T/err"'
C add cert UK "NCSC" --contact a@ncsc.gov.uk --db "$DB" > /dev/null 2> "$T/err"; rc=$?
check "UK is not a country code: exit 2, GB suggested" '[ $rc -eq 2 ] && grep -q "GB" "$T/err"'
C add cert FR --contact a@cert.fr --db "$DB" > /dev/null 2> "$T/err"; rc=$?
check "a new CERT needs its name" '[ $rc -eq 2 ] && grep -q "give its name" "$T/err"'
C add cert FR CERT-FR --network 192.0.2.0/24 --db "$DB" > /dev/null 2> "$T/err"; rc=$?
check "a CERT has no networks: exit 2" '[ $rc -eq 2 ]'

# ---- match -------------------------------------------------------------------------------------
C match 192.0.2.7 --explain --db "$DB" > "$T/out"; rc=$?
check "match an address: exit 0" '[ $rc -eq 0 ]'
check "... the organisation and the rule" 'grep -q "match: *Universidad Ejemplo" "$T/out" && grep -q "rule: *network 192.0.2.0/24" "$T/out"'
check "... --explain: the longest prefix of two" 'grep -q "why: *network 192.0.2.0/24 of Universidad Ejemplo contains 192.0.2.7: the longest prefix of the 2 networks that do" "$T/out"'
check "... the organisation is not to be notified (set by add)" 'grep -q "notify: *no (do not notify: the organisation)" "$T/out"'
C match 192.0.3.1 --db "$DB" > "$T/out"
check "the wider network of another organisation" 'grep -q "match: *Proveedor Grande" "$T/out" && ! grep -q "why:" "$T/out"'
C match 203.0.113.5 --asn 64501 --explain --db "$DB" > "$T/out"
check "no network: the AS answers, and says why" 'grep -q "rule: *AS64501" "$T/out" && grep -q "no network of the constituency contains 203.0.113.5" "$T/out"'
C match https://mail.ejemplo.edu/login badejemplo.edu --cc de --explain --db "$DB" > "$T/out"
check "a URL: by the domain of its host" 'grep -A2 "^https://mail.ejemplo.edu/login" "$T/out" | grep -q "rule: *domain ejemplo.edu"'
check "badejemplo.edu is not under ejemplo.edu: the CERT of the country" 'grep -A2 "^badejemplo.edu" "$T/out" | grep -q "rule: *country DE" && grep -q "no domain of the constituency covers badejemplo.edu" "$T/out"'
C match 2001:db8::1 AS64500 --json --explain --db "$DB" > "$T/out"
check "--json: one object a value" '[ $(wc -l < "$T/out") -eq 2 ]'
check "... with rule, matched, organisation, notify, contacts, explain" 'python3 -c "
import json,sys
a,b=[json.loads(l) for l in open(sys.argv[1])]
assert a[\"value\"]==\"2001:db8::1\" and a[\"rule\"]==\"network\" and a[\"matched\"]==\"2001:db8::/32\" and a[\"organisation\"]==\"Proveedor Grande\" and a[\"notify\"] is True and a[\"do_not_notify\"]==[] and a[\"contacts\"][0][\"email\"]==\"noc@proveedor.example\" and a[\"cert\"] is None and \"explain\" in a
assert b[\"rule\"]==\"asn\" and b[\"matched\"]==\"AS64500\" and b[\"notify\"] is False and b[\"do_not_notify\"]==[\"organisation\"]
" "$T/out"'
C match 8.8.8.8 --explain --db "$DB" > "$T/out"; rc=$?
check "no match: exit 0, says none and why" '[ $rc -eq 0 ] && grep -q "match: *none" "$T/out" && grep -q "nothing matched" "$T/out"'
C match "not a value" --db "$DB" > /dev/null 2> "$T/err"; rc=$?
check "a value that is nothing: exit 2" '[ $rc -eq 2 ] && grep -q "not an address, a domain, a URL" "$T/err"'

# ---- import and export: round trips --------------------------------------------------------------
C import "$D/good.csv" --db "$T/c1.db" > "$T/out" 2>&1; rc=$?
check "import the CSV fixture: exit 0" '[ $rc -eq 0 ] && grep -q "organisations: 3, partner CERTs: 2" "$T/out"'
C export --db "$T/c1.db" > "$T/c1.csv"
C import "$T/c1.csv" --db "$T/c2.db" > /dev/null 2>&1
C export --db "$T/c2.db" > "$T/c2.csv"
check "CSV round trip: export, import, export gives the same file" 'cmp -s "$T/c1.csv" "$T/c2.csv" && [ -s "$T/c1.csv" ]'
C import "$D/good.json" --db "$T/j1.db" > /dev/null 2>&1; rc=$?
check "import the JSON fixture: exit 0" '[ $rc -eq 0 ]'
C export --db "$T/j1.db" -o "$T/j1.json"; rc=$?
check "export -o FILE.json writes JSON" '[ $rc -eq 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"vigia_constituency\"]==1 and len(d[\"organisations\"])==3 and len(d[\"certs\"])==2" "$T/j1.json"'
C import "$T/j1.json" --db "$T/j2.db" > /dev/null 2>&1
C export --db "$T/j2.db" --format json > "$T/j2.json"
check "JSON round trip: the same file" 'cmp -s "$T/j1.json" "$T/j2.json"'
C export --db "$T/j1.db" --format csv > "$T/j1.csv"
check "the CSV and the JSON fixture are the same constituency" 'cmp -s "$T/c1.csv" "$T/j1.csv"'
check "export CSV: a note over two lines is quoted" 'grep -q "^organisation,Universidad Ejemplo,,,no,,,,\"Campus network: ask the NOC first,$" "$T/c1.csv"'
C export --db "$T/c1.db" --format json | C import - --format json --db "$T/s.db" > /dev/null 2>&1; rc=$?
check "import - (standard input) with --format" '[ $rc -eq 0 ] && C export --db "$T/s.db" | cmp -s - "$T/c1.csv"'
C import - --db "$T/s.db" < /dev/null > /dev/null 2> "$T/err"; rc=$?
check "import - without --format: exit 2" '[ $rc -eq 2 ]'
C match 198.51.100.200 x.lab.proveedor.example --db "$T/c1.db" > "$T/out"
check "imported do-not-notify flags: on the network, on the organisation" 'grep -A3 "^198.51.100.200" "$T/out" | grep -q "no (do not notify: the network)" && grep -A3 "^x.lab.proveedor.example" "$T/out" | grep -q "match: *Hospital Privado" && grep -A3 "^x.lab.proveedor.example" "$T/out" | grep -q "no (do not notify: the organisation)"'

# ---- bad input: the row is named and nothing is imported ------------------------------------------
C export --db "$DB" > "$T/before.csv"
for spec in "bad-cidr.csv:4: value: '192.0.2.300/24' is not a network" \
	"bad-hostbits.json: organisations[1].networks[1]: '198.51.100.7/24' has host bits set" \
	"bad-duplicate.csv:5: value: network 192.0.2.0/24 belongs to two organisations" \
	"bad-duplicate.json: organisations[1].networks[0]: network 2001:db8::/32 belongs to two" \
	"bad-country.csv:4: owner: 'ZZ' is not an ISO 3166-1 alpha-2 country code" \
	"bad-email.json: organisations[0].contacts[1].email: 'abuse.uno.example' is not an e-mail" \
	"bad-lang.csv:3: lang: 'fr' is not a language" \
	"bad-format.csv:3: format: 'pdf' is not a notification format" \
	"bad-owner.csv:4: owner: organisation 'Unno' is not in this file"; do
	f=${spec%%:*}
	C import "$D/$f" --db "$DB" > /dev/null 2> "$T/err"; rc=$?
	check "$f: exit 2" '[ $rc -eq 2 ]'
	check "... names the file, row and field: $spec" 'grep -qF "$D/$spec" "$T/err"'
	check "... says nothing was imported, and nothing was" 'grep -q "nothing was imported" "$T/err" && C export --db "$DB" | cmp -s - "$T/before.csv"'
done
# every bad row or entry is named in one go, not only the first
printf 'kind,owner,value\norganisation,Dos,\nnetwork,Dos,192.0.2.300/24\nasn,Dos,ASfoo\nnetwork,Dos,198.51.100.0/24\n' > "$T/two.csv"
C import "$T/two.csv" --db "$DB" > /dev/null 2> "$T/err"; rc=$?
check "a CSV file with two bad rows: exit 2, both rows named, and the count" '[ $rc -eq 2 ] && grep -q "two.csv:3: value:" "$T/err" && grep -q "two.csv:4: value:" "$T/err" && grep -q "2 rows of the file are wrong" "$T/err" && grep -q "nothing was imported" "$T/err"'
printf '{"organisations": [{"name": "Uno", "networks": ["192.0.2.0/33"]}, {"name": "Ok", "domains": ["ok.example"]}, {"name": "Tres", "asns": ["ASfoo"]}], "certs": [{"country": "ZZZ"}]}' > "$T/three.json"
C import "$T/three.json" --db "$DB" > /dev/null 2> "$T/err"; rc=$?
check "a JSON file with three bad entries: exit 2, each by its JSON path, and the count" '[ $rc -eq 2 ] && grep -q "three.json: organisations\[0\].networks\[0\]" "$T/err" && grep -q "three.json: organisations\[2\].asns\[0\]" "$T/err" && grep -q "three.json: certs\[0\]" "$T/err" && grep -q "3 organisations or CERTs of the file are wrong" "$T/err"'
check "... and nothing was imported" 'C export --db "$DB" | cmp -s - "$T/before.csv"'
# a conflict with the store (not inside the file) is found before anything is written
printf 'kind,owner,value\norganisation,Nueva,\nnetwork,Nueva,10.0.0.0/8\nnetwork,Nueva,2001:db8::/32\n' > "$T/clash.csv"
C import "$T/clash.csv" --db "$DB" > /dev/null 2> "$T/err"; rc=$?
check "a network held in the store by another organisation: exit 2, row named" '[ $rc -eq 2 ] && grep -q "clash.csv:4: value: network 2001:db8::/32 already belongs to organisation Proveedor Grande (in the store)" "$T/err"'
check "... and nothing of the file was imported" '! C show Nueva --db "$DB" > /dev/null 2>&1 && C export --db "$DB" | cmp -s - "$T/before.csv"'
C import "$T/clash.csv" --replace --db "$DB" > "$T/out" 2>&1; rc=$?
check "--replace: the file becomes the whole constituency" '[ $rc -eq 0 ] && C list --db "$DB" | grep -q "^Nueva" && ! C list --db "$DB" | grep -q "Proveedor"'
C import "$T/nope.csv" --db "$DB" > /dev/null 2> "$T/err"; rc=$?
check "a missing file: exit 3, named" '[ $rc -eq 3 ] && grep -q "nope.csv" "$T/err"'

# ---- remove ---------------------------------------------------------------------------------------
C remove "universidad ejemplo" --db "$T/c1.db" > "$T/out" 2>&1; rc=$?
check "remove an organisation" '[ $rc -eq 0 ] && grep -q "organisation Universidad Ejemplo removed" "$T/out"'
check "... it is gone, its network free" '! C show "Universidad Ejemplo" --db "$T/c1.db" > /dev/null 2>&1 && C match 192.0.2.7 --db "$T/c1.db" | grep -q "Proveedor Grande"'
C remove cert pt --db "$T/c1.db" > "$T/out" 2>&1; rc=$?
check "remove a partner CERT" '[ $rc -eq 0 ] && ! C list --db "$T/c1.db" | grep -q "CERT.PT"'
C remove Nobody --db "$T/c1.db" > /dev/null 2> "$T/err"; rc=$?
check "remove an unknown one: exit 2" '[ $rc -eq 2 ] && grep -q "Nobody" "$T/err"'

# ---- the audit trail --------------------------------------------------------------------------------
"$V" audit log --db "$T/c1.db" > "$T/out"
check "changes are audited, as VIGIA_USER" 'grep -q "tester *constituency *import" "$T/out" && grep -q "tester *organisation:Universidad Ejemplo *remove" "$T/out" && grep -q "tester *cert:PT *remove" "$T/out"'
"$V" audit log --db "$DB" > "$T/out"
check "... add and update" 'grep -q "organisation:Universidad Ejemplo *create" "$T/out" && grep -q "organisation:Universidad Ejemplo *update" "$T/out" && grep -q "cert:DE *create" "$T/out" && grep -q "constituency *replace" "$T/out"'
check "the audit trail verifies" '"$V" audit verify --db "$DB" > /dev/null 2>&1'

echo "1..$n"
[ $bad -eq 0 ]
