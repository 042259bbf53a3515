#!/bin/sh
# `vigia report`: the period report on a store built from fixtures (HTML: well-formed,
# self-contained, the store's numbers; PDF: a valid PDF with the same text), the case report
# for a partner (no TLP:RED incident, victims pseudonymised, no raw record) and for the team,
# Spanish and English, and the usage errors.  Fixtures: tests/data/share/ (five incidents, the
# fifth TLP:RED from its feed).
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
D=$(pwd)/tests/data/share
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
unset VIGIA_DB LANGUAGE
export LC_ALL=C.UTF-8
A="$T/a.db"
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1
# 1 phishing (2 events), 2 infected-system, 3 c2-server, 4 brute-force, 5 scanner (RED)
"$V" incidents set 2 --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" partner add CERT-P --kind partner --tlp AMBER+STRICT --pseudonymise --db "$A" > /dev/null 2>&1
R() { "$V" report --db "$A" "$@"; }
P="--since 2026-11-01 --until 2026-12-01"
html_ok() { # FILE [nosvg]: tags balanced, each SVG well-formed XML, nothing fetched, no script
	python3 - "$@" <<'EOF' || return 1
import re, sys, xml.dom.minidom
from html.parser import HTMLParser
s = open(sys.argv[1], encoding="utf-8").read()
void = {"meta", "br", "hr", "img", "input", "link", "rect", "line"}
class P(HTMLParser):
    stack = []
    def handle_starttag(self, t, a):
        if t not in void: self.stack.append(t)
    def handle_startendtag(self, t, a): pass
    def handle_endtag(self, t):
        if t in void: return
        assert self.stack and self.stack[-1] == t, (t, self.stack[-3:])
        self.stack.pop()
p = P(); p.feed(s); p.close()
assert not p.stack, p.stack
assert s.startswith("<!DOCTYPE html>")
svgs = re.findall(r"<svg.*?</svg>", s, re.S)
assert svgs or len(sys.argv) > 2, "no chart"
for x in svgs:
    xml.dom.minidom.parseString(x)
assert "<script" not in s and "src=" not in s and "href=" not in s and "@import" not in s
EOF
}

# ---- the period report ---------------------------------------------------------------------
check "--help" '"$V" report --help | grep -q -- "--incident ID"'
R $P --format html -o "$T/p.html" --lang en 2> "$T/err"; rc=$?
check "period report, HTML: exit 0" '[ $rc -eq 0 ] && [ -s "$T/p.html" ]'
check "... well-formed, self-contained, charts as inline SVG" 'html_ok "$T/p.html"'
check "... the store's numbers: 6 events, 5 incidents, 5 still open" 'grep -q "<b>6</b>events" "$T/p.html" && grep -q "<b>5</b>incidents" "$T/p.html" && grep -q "<b>5</b>still open" "$T/p.html"'
check "... the per-classification chart names each classification" 'for c in phishing infected-system c2-server brute-force scanner; do grep -q ">$c</text>" "$T/p.html" || exit 1; done'
check "... notable incidents, priority 2 first" 'python3 -c "
import re,sys; s=open(sys.argv[1]).read(); ids=re.findall(r\"<tr><td class=.n.>(\d+)</td>\", s); assert ids[:2]==[\"1\",\"3\"] and len(ids)==5, ids" "$T/p.html"'
check "... the summary on standard error" 'grep -q "6 events, 5 incidents, 0 notifications" "$T/err"'
R $P --format pdf -o "$T/p.pdf" --lang en 2> /dev/null; rc=$?
check "period report, PDF: exit 0, a valid PDF (pdfinfo)" '[ $rc -eq 0 ] && pdfinfo "$T/p.pdf" > "$T/info" && grep -q "^Title: *Period report" "$T/info" && grep -q "^Producer: *cairo" "$T/info"'
pdftotext "$T/p.pdf" "$T/p.txt" 2> /dev/null
check "... its text is text (pdftotext): the figures and the charts' labels" 'grep -q "6 events, 5 incidents, 0 notifications sent" "$T/p.txt" && grep -q "infected-system" "$T/p.txt" && grep -q "Notable incidents" "$T/p.txt"'
R $P --format html -o "$T/es.html" --lang es 2> /dev/null; rc=$?
check "Spanish: --lang es" '[ $rc -eq 0 ] && grep -q "<html lang=\"es\">" "$T/es.html" && grep -q "Informe del periodo" "$T/es.html" && grep -q "<b>6</b>eventos" "$T/es.html"'
LC_ALL=es_ES.UTF-8 R $P --format pdf -o "$T/es.pdf" 2> "$T/err"; rc=$?
pdftotext "$T/es.pdf" "$T/es.txt" 2> /dev/null
check "Spanish from the locale, PDF" '[ $rc -eq 0 ] && grep -q "Informe del periodo" "$T/es.txt" && grep -q "Incidentes notables" "$T/es.txt"'
R --format html -o "$T/empty.html" --since 2020-01-01 --until 2020-01-31 2> /dev/null; rc=$?
check "an empty period is a report too" '[ $rc -eq 0 ] && grep -q "<b>0</b>events" "$T/empty.html" && html_ok "$T/empty.html"'

# ---- the case report -------------------------------------------------------------------------
R --incident 2 --for CERT-P --format html -o "$T/c2.html" 2> "$T/err"; rc=$?
check "case report for a partner: exit 0, well-formed" '[ $rc -eq 0 ] && html_ok "$T/c2.html" nosvg'
check "... the victim pseudonymised, its address absent" 'grep -q "pseudo:" "$T/c2.html" && ! grep -q "91\.198\.174\.20" "$T/c2.html"'
check "... no raw record, no notes" '! grep -q "raw" "$T/c2.html" && ! grep -q "<h2>Notes</h2>" "$T/c2.html"'
check "... says how many were pseudonymised" 'grep -q "1 pseudonymised" "$T/err"'
R --incident 5 --for CERT-P --format html -o "$T/c5.html" 2> "$T/err"; rc=$?
check "the TLP:RED incident is refused for a partner, nothing written" '[ $rc -eq 2 ] && [ ! -e "$T/c5.html" ] && grep -q "TLP:RED" "$T/err"'
R --incident 5 --for CERT-P --format pdf -o "$T/c5.pdf" 2> /dev/null; rc=$?
check "... as PDF too" '[ $rc -eq 2 ] && [ ! -e "$T/c5.pdf" ] && ! ls "$T" | grep -q tmp'
"$V" incidents note 1 "llamar al proveedor <urgente>" --db "$A" > /dev/null 2>&1
R --incident 1 --format pdf -o "$T/c1.pdf" 2> /dev/null; rc=$?
pdftotext "$T/c1.pdf" "$T/c1.txt" 2> /dev/null
check "the team's own case report (PDF): the events, indicators and notes" '[ $rc -eq 0 ] && pdfinfo "$T/c1.pdf" > /dev/null && grep -q "login-secure-bank.xyz" "$T/c1.txt" && grep -q "llamar al proveedor <urgente>" "$T/c1.txt"'
R --incident 1 --format html -o "$T/c1.html" 2> /dev/null
check "... in HTML the note is escaped" 'grep -q "llamar al proveedor &lt;urgente&gt;" "$T/c1.html"'
R --incident 99 --format html -o "$T/c99.html" 2> "$T/err"; rc=$?
check "an unknown incident: exit 2, named" '[ $rc -eq 2 ] && grep -q "99" "$T/err"'
R --incident 1 --for NOBODY --format html -o "$T/x.html" 2> "$T/err"; rc=$?
check "an unknown partner: exit 2, named" '[ $rc -eq 2 ] && grep -q "NOBODY" "$T/err"'

# ---- usage -------------------------------------------------------------------------------------
R -o "$T/x.html" 2> "$T/err"; rc=$?
check "no --format: exit 2" '[ $rc -eq 2 ] && grep -q -- "--format" "$T/err"'
R --format docx -o "$T/x" 2> /dev/null; rc=$?
check "an unknown format: exit 2" '[ $rc -eq 2 ]'
R --format html 2> "$T/err"; rc=$?
check "no -o: exit 2" '[ $rc -eq 2 ] && grep -q -- "-o FILE" "$T/err"'
R --format html -o "$T/x" --since yesterday 2> "$T/err"; rc=$?
check "a bad time: exit 2, named" '[ $rc -eq 2 ] && grep -q "yesterday" "$T/err"'
R --format html -o "$T/x" --since 2026-02-01 --until 2026-01-01 2> /dev/null; rc=$?
check "a period that ends before it starts: exit 2" '[ $rc -eq 2 ]'
R --format html -o "$T/x" --since 2000-01-01 2> "$T/err"; rc=$?
check "a period over 1000 days: exit 2" '[ $rc -eq 2 ] && grep -q "1000 days" "$T/err"'
R --format html -o "$T/x" --lang fr 2> "$T/err"; rc=$?
check "an unknown language: exit 2" '[ $rc -eq 2 ] && grep -q "fr" "$T/err"'
R --for CERT-P --format html -o "$T/x" 2> /dev/null; rc=$?
check "--for without --incident: exit 2" '[ $rc -eq 2 ]'
R --format html -o "$T/no/such/dir/x.html" $P 2> "$T/err"; rc=$?
check "an unwritable output: exit 3, named" '[ $rc -eq 3 ] && grep -q "no/such/dir" "$T/err"'
echo "1..$n"
[ $bad -eq 0 ]
