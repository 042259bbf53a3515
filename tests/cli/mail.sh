#!/bin/sh
# vigia mail analyze: a Microsoft 365 phishing message written for the test (Received chain
# with IPv6 hops, Authentication-Results without an authserv-id, From/Return-Path/Reply-To
# mismatches, quoted-printable text and base64 HTML with a link whose text shows another
# domain, a zip attachment put through the scanner), an mbox of two old messages, a maildir,
# standard input, mail.internal_networks, broken input and limits; then, when ../shared is
# there, the whole e-mail corpus read without a failure.
set -u
V=${VIGIA:-build/san/vigia}
D=tests/data/mail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
# py EXPR: a Python expression over the JSON lines on standard input (bound to j: a list)
py() { python3 -c "import json, sys; j = [json.loads(l) for l in sys.stdin]; sys.exit(0 if ($1) else 1)"; }
export LC_ALL=C.UTF-8 LANGUAGE= XDG_CACHE_HOME="$T/cache"
unset VIGIA_DB || true
SCAN="--rules tests/data/scan/rules --no-clamav --no-store"

check "mail --help" '"$V" mail --help | grep -q "mail analyze"'
check "mail without a command exits 2" '"$V" mail 2>/dev/null; [ $? -eq 2 ]'
check "unknown mail command exits 2" '"$V" mail frob 2>/dev/null; [ $? -eq 2 ]'
check "analyze without input exits 2" '"$V" mail analyze 2>/dev/null; [ $? -eq 2 ]'

"$V" mail analyze $SCAN "$D/phish-m365.eml" > "$T/out" 2> "$T/err"
rc=$?
check "analyze exits 0" '[ $rc -eq 0 ]'
check "encoded subject decoded" 'grep -q "^subject: *Your account is limited" "$T/out"'
check "origin: the hop that reached the receiving side" 'grep -q "^origin ip: *89.144.7.84$" "$T/out"'
check "the receiver'\''s own IPv6 hops are internal" '[ "$(grep -c "(internal)$" "$T/out")" -eq 2 ]'
check "hops below the origin marked" 'grep -q "from - \[10.1.2.3\] by mail.thedaalimetioner.com  (before origin)" "$T/out"'
check "Return-Path mismatch" 'grep -q "^return-path: .*example-mailer.net)  MISMATCH with From" "$T/out"'
check "Reply-To mismatch (registrable domain under co.uk)" 'grep -q "^reply-to: .*(secure-paypal-help.co.uk)  MISMATCH with From" "$T/out"'
check "Authentication-Results without authserv-id" 'grep -q "^authentication: (by -) spf=fail dkim=none dmarc=fail compauth=fail$" "$T/out"'
check "quoted-printable URL decoded" 'grep -q "url (text): *https://www.paypal.com.account-verify.example.net/login?id=7  \[example.net\]" "$T/out"'
check "trailing punctuation not in the URL" 'grep -q "http://198.51.100.7/paypal/  \[198.51.100.7\]$" "$T/out"'
check "HTML link whose text shows another domain" 'grep -q "url (html): *http://login-example.shop/pp?id=1  \[login-example.shop\]  MISMATCH: shown text names paypal.com" "$T/out"'
check "HTML link with plain text: no mismatch" 'grep -q "url (html): *https://www.paypal.com/help  \[paypal.com\]$" "$T/out"'
check "attachment scanned, member named" 'grep -q "^attachment: *invoice.zip (application/octet-stream, [0-9]* bytes) sha256 [0-9a-f]\{64\}: yara:vigia_test_marker in invoice.txt" "$T/out"'

"$V" mail analyze $SCAN --json "$D/phish-m365.eml" > "$T/j" 2>/dev/null
check "JSON: one object" 'py "len(j) == 1" < "$T/j"'
check "JSON: origin and roles" 'py "j[0][\"origin_ip\"] == \"89.144.7.84\" and [h[\"role\"] for h in j[0][\"received\"]] == [\"internal\", \"internal\", \"origin\", \"before origin\"]" < "$T/j"'
check "JSON: IPv6 hop address" 'py "j[0][\"received\"][1][\"from_ip\"] == \"2603:10b6:208:23a:cafe::28\"" < "$T/j"'
check "JSON: authentication results" 'py "{a[\"method\"]: a[\"result\"] for a in j[0][\"authentication\"]} == {\"spf\": \"fail\", \"dkim\": \"none\", \"dmarc\": \"fail\", \"compauth\": \"fail\"}" < "$T/j"'
check "JSON: dmarc detail kept" 'py "[a[\"detail\"] for a in j[0][\"authentication\"] if a[\"method\"] == \"dmarc\"] == [\"action=none header.from=paypal.com\"]" < "$T/j"'
check "JSON: URL seam fields (the mail analyzer's reason first, then the URL analyzer's)" 'py "all(u[\"verdict\"] != \"unchecked\" and u[\"score\"] >= 0 for u in j[0][\"urls\"]) and [u[\"reasons\"].split(\"; \")[0] for u in j[0][\"urls\"] if u[\"text_mismatch\"]] == [\"link text shows paypal.com, link goes to login-example.shop\"]" < "$T/j"'
check "JSON: IP host reason" 'py "[u[\"reasons\"].split(\"; \")[0] for u in j[0][\"urls\"] if u[\"host\"] == \"198.51.100.7\"] == [\"host is an IP address\"]" < "$T/j"'
ZIPSHA=$(python3 -c "
import email, hashlib, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
print([hashlib.sha256(p.get_payload(decode=True)).hexdigest() for p in m.walk() if p.get_filename()][0])" "$D/phish-m365.eml")
check "JSON: attachment hash equals Python's" 'py "j[0][\"attachments\"][0][\"sha256\"] == \"$ZIPSHA\" and j[0][\"attachments\"][0][\"name\"] == \"invoice.zip\"" < "$T/j"'
check "JSON: attachment scan matches" 'py "sorted(m[\"object\"] for m in j[0][\"attachments\"][0][\"scan\"]) == [\"invoice.zip\", \"invoice.zip!invoice.txt\"]" < "$T/j"'

"$V" mail analyze $SCAN --json "$D/old-list.mbox" > "$T/j" 2>/dev/null
check "mbox: two messages" 'py "[m[\"index\"] for m in j] == [1, 2]" < "$T/j"'
check "mbox: private hop skipped, origin is the first public hop" 'py "j[0][\"origin_ip\"] == \"212.17.35.15\" and j[0][\"received\"][0][\"role\"] == \"private\"" < "$T/j"'
check "mbox: a message without Received has no origin" 'py "j[1][\"origin_ip\"] is None and j[1][\"received\"] == []" < "$T/j"'
check "mbox: HTML href trimmed, mailto ignored" 'py "[u[\"url\"] for u in j[1][\"urls\"]] == [\"https://example.net/ok\"]" < "$T/j"'
check "mbox: URL in parentheses" 'py "\"http://ftp.example.org/x\" in [u[\"url\"] for u in j[0][\"urls\"]]" < "$T/j"'
"$V" mail analyze $SCAN --json --mail.internal-networks=212.17.35.0/24,10.0.0.0/8 "$D/old-list.mbox" > "$T/j" 2>/dev/null
check "mail.internal_networks: the fetch hop is the receiver'\''s own" 'py "j[0][\"origin_ip\"] == \"81.2.3.4\" and j[0][\"received\"][1][\"role\"] == \"internal\"" < "$T/j"'

"$V" mail analyze $SCAN --json "$D/maildir" > "$T/j" 2>/dev/null
check "maildir: cur and new read" 'py "sorted(m[\"subject\"] for m in j) == [\"in cur\", \"in new\"]" < "$T/j"'
"$V" mail analyze $SCAN --json - < "$D/phish-m365.eml" > "$T/j" 2>/dev/null
check "standard input" 'py "j[0][\"file\"] == \"standard input\" and j[0][\"origin_ip\"] == \"89.144.7.84\"" < "$T/j"'

# ---- bad input --------------------------------------------------------------------------------
"$V" mail analyze $SCAN "$T/missing.eml" "$D/old-list.mbox" > "$T/out" 2> "$T/err"
rc=$?
check "missing file: exit 3, named, the others read" '[ $rc -eq 3 ] && grep -q "missing.eml: cannot read" "$T/err" && grep -q "first message" "$T/out"'
"$V" mail analyze $SCAN --mail.max-message=2k "$D/phish-m365.eml" "$D/old-list.mbox" > "$T/out" 2> "$T/err"
rc=$?
check "message over mail.max_message: exit 1, named, the others read" '[ $rc -eq 1 ] && grep -q "phish-m365.eml: larger than mail.max_message (2k); not read" "$T/err" && grep -q "first message" "$T/out"'
# a message with a 2 GB attachment (a sparse file: no disk used): refused by mail.max_message
# without being read whole
if { cat "$D/phish-m365.eml"; } > "$T/huge.eml" && truncate -s 2G "$T/huge.eml" 2>/dev/null; then
	"$V" mail analyze $SCAN "$T/huge.eml" "$D/old-list.mbox" > "$T/out" 2> "$T/err"; rc=$?
	check "a 2 GB message: exit 1, named with the limit, the others read" \
		'[ $rc -eq 1 ] && grep -q "huge.eml: larger than mail.max_message (64M); not read" "$T/err" && grep -q "first message" "$T/out"'
	rm -f "$T/huge.eml"
fi
head -c 3000 /dev/urandom > "$T/noise.bin"
"$V" mail analyze $SCAN --json "$T/noise.bin" > "$T/j" 2> "$T/err"
rc=$?
check "binary noise: no crash" '[ $rc -le 1 ]'
printf 'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/html\n\n<a href="http://x.example/">http://y.example/\n--b\nContent-Type: multipart/mixed; boundary="c"\n\n--c\n' > "$T/broken.eml"
"$V" mail analyze $SCAN --json "$T/broken.eml" > "$T/j" 2> "$T/err"
rc=$?
check "broken MIME: read, problems noted" '[ $rc -eq 0 ] && py "j[0][\"problems\"] and \"no From\" in j[0][\"problems\"]" < "$T/j"'
check "broken MIME: unclosed HTML link still compared" 'py "[u[\"text_mismatch\"] for u in j[0][\"urls\"]] == [True]" < "$T/j"'
"$V" mail analyze $SCAN --json --mail.max-urls=1 "$D/phish-m365.eml" > "$T/j" 2>/dev/null
check "mail.max_urls: capped and noted" 'py "len(j[0][\"urls\"]) == 1 and \"mail.max_urls\" in j[0][\"problems\"]" < "$T/j"'

# ---- the URL analyzer and the classifier ---------------------------------------------------------
"$V" mail analyze $SCAN "$D/phish-m365.eml" > "$T/out" 2>/dev/null
check "URL analyzer connected: the phishing URL's verdict and reasons" 'grep -A1 "account-verify.example.net/login" "$T/out" | grep -q "verdict suspicious, score [0-9]*: .*brand_outside: paypal"'
"$V" mail analyze $SCAN --json "$D/phish-m365.eml" > "$T/j" 2>/dev/null
check "URL analyzer in JSON: verdict and score for every URL" 'py "all(u[\"verdict\"] != \"unchecked\" and u[\"score\"] >= 0 for u in j[0][\"urls\"])" < "$T/j"'
MC=$D/corpus
"$V" mail train --corpus "$MC" --out "$T/m1" 2> "$T/err"
rc=$?
check "train: exit 0, counts per class" '[ $rc -eq 0 ] && grep -q "learned 3 ham, 3 spam, 3 phish" "$T/err"'
"$V" mail train --corpus "$MC" --out "$T/m2" 2>/dev/null
check "train: the same corpus gives the same model, byte for byte" 'cmp -s "$T/m1" "$T/m2"'
check "train: model ends with its SHA-256" 'tail -1 "$T/m1" | grep -Eq "^sha256	[0-9a-f]{64}$"'
"$V" mail analyze $SCAN --model "$T/m1" "$D/phish-m365.eml" > "$T/out" 2>/dev/null
check "analyze --model: the test phish is classified phish, with reasons" 'grep -Eq "^class: +phish \([01]\.[0-9]+\): .*R:" "$T/out"'
"$V" mail analyze $SCAN --mail.model="$T/m1" --json "$D/phish-m365.eml" > "$T/j" 2>/dev/null
check "mail.model setting, JSON classification" 'py "j[0][\"classification\"][\"class\"] == \"phish\" and j[0][\"classification\"][\"phish\"] > 0.5" < "$T/j"'
mkdir -p "$T/bc" && cp -r "$MC/ham" "$MC/spam" "$MC/phish" "$T/bc/" && sed '2s/^ham/hammy/' "$MC/labels.tsv" > "$T/bc/labels.tsv"
"$V" mail train --corpus "$T/bc" --out "$T/m3" 2> "$T/err"
rc=$?
check "train: a bad label row is named (line 2) and the others still learned (exit 1)" '[ $rc -eq 1 ] && grep -q "labels.tsv: line 2: label .hammy." "$T/err" && grep -q "learned 2 ham, 3 spam, 3 phish" "$T/err" && [ -s "$T/m3" ]'
sed 's/	1	/	7	/' "$T/m1" > "$T/bad-model"
"$V" mail analyze $SCAN --model "$T/bad-model" "$D/phish-m365.eml" > /dev/null 2> "$T/err"
rc=$?
check "analyze: a damaged model is refused (exit 3, says why)" '[ $rc -eq 3 ] && grep -q "checksum mismatch" "$T/err"'
check "train without --out or --holdout exits 2" '"$V" mail train --corpus "$MC" 2>/dev/null; [ $? -eq 2 ]'
check "train on a missing corpus exits 3" '"$V" mail train --corpus "$T/nonexistent" --out "$T/m4" 2>/dev/null; [ $? -eq 3 ]'
"$V" mail train --corpus "$MC" --holdout --split "$T/split" --json > "$T/j" 2>/dev/null
check "train --holdout: a split by file name hash and a JSON evaluation" '[ "$(wc -l < "$T/split")" -eq 9 ] && grep -q "^test	" "$T/split" && py "set(j[0][\"classes\"]) == {\"ham\", \"spam\", \"phish\"}" < "$T/j"'

# ---- vigia mail report -----------------------------------------------------------------------------
"$V" mail report --db "$T/r.db" "$D/phish-m365.eml" > "$T/out" 2> "$T/err"
rc=$?
check "report: exit 0, one incident with its events" '[ $rc -eq 0 ] && grep -q "^incident 1: 9 events from" "$T/out"'
"$V" events --db "$T/r.db" --incident 1 --json > "$T/j" 2>/dev/null
check "report: the sender IP is an event" 'py "any(e.get(\"source.ip\") == \"89.144.7.84\" and e[\"classification.type\"] == \"phishing\" for e in j)" < "$T/j"'
check "report: every URL an event, with the URL analyzer's verdict" 'py "any(e.get(\"source.url\", \"\").startswith(\"https://www.paypal.com.account-verify.example.net/\") and e[\"extra.url_verdict\"] == \"suspicious\" for e in j) and sum(1 for e in j if \"source.url\" in e) == 4" < "$T/j"'
check "report: the addresses (From, Reply-To, Return-Path) are events" 'py "{e.get(\"source.fqdn\") for e in j} >= {\"paypal.com\", \"secure-paypal-help.co.uk\", \"bounce.example-mailer.net\"}" < "$T/j"'
check "report: the attachment'\''s hashes are an event" 'py "any(len(e.get(\"malware.hash.sha256\", \"\")) == 64 for e in j)" < "$T/j"'
"$V" incidents show 1 --db "$T/r.db" > "$T/show" 2>/dev/null
check "report: one incident, audited (create), the message attached" 'grep -q "mail-report" "$T/show" && grep -Eq "^ +[0-9-]+ [0-9:]+ +[^ ]+ +create " "$T/show" && grep -q "phish-m365.eml  *$(wc -c < "$D/phish-m365.eml")" "$T/show"'
check "report: attached bytes are the original message (SHA-256)" 'grep -q "^  phish-m365.eml .* $(sha256sum < "$D/phish-m365.eml" | cut -d" " -f1)$" "$T/show"'
"$V" incidents list --db "$T/r.db" --json > "$T/j" 2>/dev/null
check "report: exactly one incident, rule mail-report, phishing" 'python3 -c "import json, sys; j = json.load(sys.stdin); sys.exit(0 if len(j) == 1 and j[0][\"rule\"] == \"mail-report\" and j[0][\"events\"] == 9 else 1)" < "$T/j"'
# the same message reported again, then a second reporter's copy (another relay on top, and a
# URL the first copy did not have): no second incident, the repeats counted, the new URL added
"$V" mail report --db "$T/r.db" "$D/phish-m365.eml" > "$T/out" 2> "$T/err"; rc=$?
check "report again: exit 0, the same incident, every event counted again, nothing new" \
	'[ $rc -eq 0 ] && grep -q "^incident 1: reported before; 9 events counted again, 0 new, from" "$T/out" && grep -q "is attached to incident 1 already" "$T/out"'
"$V" events --db "$T/r.db" --incident 1 --json > "$T/j" 2>/dev/null
check "... still 9 events, each with one repeat" 'py "len(j) == 9 and all(e[\"vigia.repeats\"] == 1 for e in j)" < "$T/j"'
{ printf 'Received: from relay.second-reporter.example (relay.second-reporter.example [192.0.2.77])\n\tby mx.second-reporter.example; Mon, 3 Jun 2024 10:00:00 +0000\n'
  sed 's|http://198.51.100.7/paypal/|http://198.51.100.7/paypal/ and http://203.0.113.9/verify/|' "$D/phish-m365.eml"; } > "$T/second.eml"
"$V" mail report --db "$T/r.db" --mail.internal_networks=192.0.2.0/24 "$T/second.eml" > "$T/out" 2> "$T/err"; rc=$?
check "another reporter'\''s copy: the same incident, 9 repeats, the new URL added, the copy attached" \
	'[ $rc -eq 0 ] && grep -q "^incident 1: reported before; 9 events counted again, 1 new, from" "$T/out" && grep -q "attached second.eml .* to incident 1" "$T/out"'
"$V" incidents list --db "$T/r.db" --json > "$T/j" 2>/dev/null
check "... still exactly one incident, now with 10 events" 'python3 -c "import json, sys; j = json.load(sys.stdin); sys.exit(0 if len(j) == 1 and j[0][\"events\"] == 10 else 1)" < "$T/j"'
"$V" incidents show 1 --db "$T/r.db" > "$T/show" 2>/dev/null
check "... and its notes say it was reported again (audited)" \
	'[ $(grep -c "Reported again (" "$T/show") -ge 2 ] && grep -Eq "^ +[0-9-]+ [0-9:]+ +[^ ]+ +note " "$T/show"'
"$V" incidents close 1 --resolution true-positive --db "$T/r.db" > /dev/null 2>&1
"$V" mail report --db "$T/r.db" "$D/phish-m365.eml" > "$T/out" 2> "$T/err"; rc=$?
check "once the incident is closed, a new report opens a new one" \
	'[ $rc -eq 0 ] && grep -q "^incident 2: 9 events from" "$T/out"'
check "report without a file exits 2" '"$V" mail report --db "$T/r.db" 2>/dev/null; [ $? -eq 2 ]'
check "report of a missing file exits 3" '"$V" mail report --db "$T/r.db" "$T/none.eml" 2>/dev/null; [ $? -eq 3 ]'

# ---- the corpus --------------------------------------------------------------------------------
C=../shared/corpus/email
if [ -d "$C" ]; then
	"$V" mail analyze --no-clamav --no-store --json "$C/ham" "$C/spam" "$C/phish" > "$T/all" 2> "$T/err"
	rc=$?
	check "corpus: every message read (exit 0)" '[ $rc -eq 0 ]'
	check "corpus: 1888 reports" '[ "$(wc -l < "$T/all")" -eq 1888 ]'
	check "corpus: phishing-pot has an origin IP and Authentication-Results nearly always" 'py "sum(1 for m in j if \"phishing-pot\" in m[\"file\"] and m[\"origin_ip\"] and m[\"authentication\"]) >= 370" < "$T/all"'
	"$V" mail train --corpus "$C" --holdout --json > "$T/j" 2> "$T/err"
	check "corpus: held-out macro F1 of the classifier at least 0.93" 'py "j[0][\"macro_f1\"] >= 0.93 and j[0][\"messages\"] > 500" < "$T/j"'
else
	echo "# SKIP corpus part: $C not found"
fi

echo "1..$n"
[ "$bad" -eq 0 ]
