#!/bin/sh
# `vigia audit mail`: SPF and DMARC through ldns against a REAL unbound on loopback that this
# test starts with a local zone (one domain per case: good, +all, ?all, no all, syntax
# errors, two SPF records, more than 10 lookups through include, p=none, DMARC syntax,
# nothing at all), and the open-relay probe against a REAL OpenSMTPD on loopback with two
# listeners: one relaying for anybody, one refusing outside recipients; plus a closed port.
# The MTA's log shows that DATA was never sent.  unbound and opensmtpd are installed by
# scripts/deps.sh; without them the test says SKIP.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
UB=$(command -v unbound || echo /usr/sbin/unbound)
SM=$(command -v smtpd || echo /usr/sbin/smtpd)
if [ ! -x "$UB" ] || [ ! -x "$SM" ]; then
	echo "SKIP unbound or smtpd (OpenSMTPD) is not installed (sh scripts/deps.sh)"
	exit 0
fi
T=$(mktemp -d)
chmod 755 "$T"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
. tests/lib.sh
set -- $(python3 -c '
import socket
ss=[socket.socket() for _ in range(4)]
u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1",0))
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss), u.getsockname()[1])')
OPEN=$1 CLOSEDMTA=$2 NOPORT=$3 DNSTCP=$4 DNS=$5

# the zone: one domain per case
{
	cat <<CONF
server:
	interface: 127.0.0.1@$DNS
	port: $DNS
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$T"
	pidfile: "$T/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 0
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	local-zone: "test." static
CONF
	txt() { printf "\tlocal-data: '%s TXT \"%s\"'\n" "$1" "$2"; }
	txt good.test. "v=spf1 ip4:192.0.2.0/24 mx -all"
	printf '\tlocal-data: "good.test. MX 10 mail.good.test."\n'
	printf '\tlocal-data: "mail.good.test. A 127.0.0.1"\n'
	txt _dmarc.good.test. "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"
	txt passall.test. "v=spf1 +all"
	txt _dmarc.passall.test. "v=DMARC1; p=none; rua=mailto:d@passall.test"
	txt neutral.test. "v=spf1 a ?all"
	txt noall.test. "v=spf1 ip4:192.0.2.1"
	txt _dmarc.noall.test. "v=DMARC1; p=quarantine; pct=50; rua=mailto:d@noall.test"
	txt syntax.test. "v=spf1 ip4:300.1.2.3 -all"
	txt _dmarc.syntax.test. "v=DMARC1; p=maybe"
	txt unknown.test. "v=spf1 foo:bar -all"
	txt twice.test. "v=spf1 -all"
	txt twice.test. "v=spf1 mx -all"
	# a chain of includes: 12 DNS-querying terms in all (the count stops at 11)
	txt many.test. "v=spf1 include:i1.many.test include:i2.many.test include:i3.many.test -all"
	txt i1.many.test. "v=spf1 a mx include:i4.many.test -all"
	txt i2.many.test. "v=spf1 a mx -all"
	txt i3.many.test. "v=spf1 a mx exists:x.many.test -all"
	txt i4.many.test. "v=spf1 a -all"
	txt _dmarc.many.test. "v=DMARC1; p=reject; rua=mailto:d@many.test"
	txt brokeninc.test. "v=spf1 include:nothing-here.test -all"
	txt other.test. "some verification token"
	# a domain whose mail server is a provider's, outside the domain
	txt outside.test. "v=spf1 mx -all"
	printf '\tlocal-data: "outside.test. MX 10 mx.provider.test."\n'
	printf '\tlocal-data: "mx.provider.test. A 127.0.0.1"\n'
	txt _dmarc.outside.test. "v=DMARC1; p=reject; rua=mailto:d@outside.test"
	echo "remote-control:"
	echo "	control-enable: no"
} > "$T/unbound.conf"
"$UB" -d -c "$T/unbound.conf" > "$T/unbound.log" 2>&1 & pids="$pids $!"

printf 'postmaster: root\n' > "$T/aliases"
cat > "$T/smtpd.conf" <<CONF
table aliases file:$T/aliases
listen on 127.0.0.1 port $OPEN tag OPEN
listen on 127.0.0.1 port $CLOSEDMTA tag CLOSED
action "local" mbox alias <aliases>
action "out" relay
match tag OPEN from any for any action "out"
match tag CLOSED from any for domain "good.test" action "local"
CONF
"$SM" -d -f "$T/smtpd.conf" > "$T/smtpd.log" 2>&1 & pids="$pids $!"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	python3 -c '
import socket, sys
for p in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(p)), 1).close()' $OPEN $CLOSEDMTA 2>/dev/null &&
		grep -q "start of service" "$T/unbound.log" && break
	sleep 0.25
done

W="$V audit mail --resolver 127.0.0.1@$DNS --timeout 2"
$W --no-relay good.test passall.test neutral.test noall.test syntax.test unknown.test \
	twice.test many.test brokeninc.test other.test > "$T/out" 2> "$T/err"; rc=$?
sect() { awk -v d="$1" '$0 == d { f = 1; next } /^[^ ]/ { f = 0 } f' "$T/out"; }
has() { sect "$1" | grep -q -- "$2"; }
check "every domain checked: exit 0" '[ $rc -eq 0 ]'
check "a good domain: both records shown, no finding" \
	'has good.test "SPF: *v=spf1 ip4:192.0.2.0/24 mx -all" && has good.test "no finding"'
check "+all: high" 'has passall.test "high *spf-pass-all"'
check "p=none: reported" 'has passall.test "medium *dmarc-p-none"'
check "?all: reported" 'has neutral.test "spf-neutral-all"'
check "no all and no redirect: reported" 'has noall.test "spf-no-all"'
check "pct below 100: reported" 'has noall.test "dmarc-pct .*pct=50"'
check "an SPF syntax error names the term" "has syntax.test \"spf-syntax.*'ip4:300.1.2.3': bad argument\""
check "an unknown mechanism is named" "has unknown.test \"spf-syntax.*'foo:bar': unknown mechanism\""
check "a DMARC syntax error names the tag" 'has syntax.test "dmarc-syntax.*p=maybe: not none, quarantine or reject"'
check "two SPF records: permerror" 'has twice.test "spf-multiple.*2 SPF records"'
check "more than 10 DNS lookups through include: permerror" 'has many.test "spf-too-many-lookups"'
check "an include without a record: reported" 'has brokeninc.test "spf-include-missing.*nothing-here.test"'
check "no SPF and no DMARC at all: both missing" \
	'has other.test "spf-missing" && has other.test "dmarc-missing"'

$W --json --no-relay many.test good.test > "$T/j.json"
check "--json: the records, the lookup count through include" \
	'python3 -c "
import json,sys
d={x[\"domain\"]:x for x in json.load(open(sys.argv[1]))}
assert d[\"many.test\"][\"spf_lookups\"] == 11, d[\"many.test\"][\"spf_lookups\"]
assert d[\"good.test\"][\"spf_lookups\"] == 1
assert d[\"good.test\"][\"dmarc\"].startswith(\"v=DMARC1\")
assert \"relay\" not in d[\"good.test\"]
" "$T/j.json"'

# the relay probe
$W --smtp "127.0.0.1:$OPEN" good.test > "$T/open.out" 2>&1; rc1=$?
$W --smtp "127.0.0.1:$CLOSEDMTA" good.test > "$T/closed.out" 2>&1; rc2=$?
check "an MTA relaying for anybody: open relay, RCPT accepted" \
	'[ $rc1 -eq 0 ] && grep -q "relay: OPEN 127.0.0.1:$OPEN: RCPT TO: 250" "$T/open.out" && grep -q "high *open-relay" "$T/open.out"'
check "an MTA refusing outside recipients: closed, with its answer" \
	'[ $rc2 -eq 0 ] && grep -q "relay: closed 127.0.0.1:$CLOSEDMTA: RCPT TO: 5" "$T/closed.out" && ! grep -q open-relay "$T/closed.out"'
sleep 0.3
check "the MTA saw RCPT TO and never DATA, and no message was queued" \
	'grep -q "failed-command command=\"RCPT TO:<relay-probe@example.com>\"" "$T/smtpd.log" && ! grep -qi "data\|message accepted\|msgid=" "$T/smtpd.log"'
$W --smtp "127.0.0.1:$NOPORT" good.test > "$T/out" 2> "$T/err"; rc=$?
check "a closed port: named, exit 1, the DNS checks still done" \
	'[ $rc -eq 1 ] && grep -q "good.test: mail server 127.0.0.1: connect: Connection refused" "$T/err" && grep -q "SPF: *v=spf1" "$T/out"'
$W --json good.test > "$T/mx.json" 2>/dev/null
check "without --smtp: the lowest MX and its address from DNS" \
	'python3 -c "
import json,sys
r=json.load(open(sys.argv[1]))[0][\"relay\"]
assert r[\"server\"]==\"mail.good.test\" and r[\"address\"]==\"127.0.0.1\" and r[\"port\"]==\"25\", r
" "$T/mx.json"'

$W --events --smtp "127.0.0.1:$OPEN" passall.test > "$T/ev.jsonl"
check "--events: IntelMQ events for the findings (info left out)" \
	'grep -q "\"classification.identifier\":\"open-relay\"" "$T/ev.jsonl" && grep -q "\"classification.identifier\":\"spf-pass-all\"" "$T/ev.jsonl" && ! grep -q "dmarc-no-rua" "$T/ev.jsonl"'
"$V" ingest --db "$T/s.db" --parser intelmq_json "$T/ev.jsonl" > /dev/null 2>&1; rc=$?
check "... and they go into the store" '[ $rc -eq 0 ] && "$V" events --db "$T/s.db" --json | grep -q "open-relay"'

# ---- probes only go to targets given or listed in the constituency ---------------------
$W --json outside.test > "$T/o.json" 2> "$T/err"; rc=$?
check "a mail server found in DNS outside the domain and the constituency: not probed, named" \
	'[ $rc -eq 1 ] && grep -q "outside.test: mail server mx.provider.test: mx.provider.test (127.0.0.1): mx.provider.test was not given on the command line and no constituency was loaded (--db): not probed" "$T/err" && python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))[0]
assert d[\"relay\"][\"verdict\"]==\"unknown\" and d[\"spf\"].startswith(\"v=spf1\"), d
" "$T/o.json"'
"$V" constituency add org "Proveedor" --db "$T/c.db" --network 127.0.0.1/32 > /dev/null 2>&1
$W --json --db "$T/c.db" outside.test > "$T/o.json" 2> "$T/err"
check "... probed once the constituency holds its address's network" \
	'! grep -q "not probed" "$T/err" && python3 -c "
import json,sys
r=json.load(open(sys.argv[1]))[0][\"relay\"]
assert r[\"server\"]==\"mx.provider.test\" and \"constituency\" not in r[\"reply\"], r
" "$T/o.json"'
$W --smtp "127.0.0.1:$OPEN" outside.test > "$T/out" 2>&1; rc=$?
check "... or given with --smtp" '[ $rc -eq 0 ] && grep -q "relay: OPEN 127.0.0.1:$OPEN" "$T/out"'
"$V" constituency add org "Buena" --db "$T/c.db" --domain good.test > /dev/null 2>&1
printf '# domains from a list\ngood.test\nother.test\n' > "$T/targets.txt"
$W --no-relay --db "$T/c.db" --targets "$T/targets.txt" > "$T/out" 2> "$T/err"; rc=$?
check "--targets: a listed domain of the constituency is checked, another refused with file and line" \
	'[ $rc -eq 1 ] && grep -q "SPF: *v=spf1 ip4:192.0.2.0/24" "$T/out" && grep -q "targets.txt:3: other.test: other.test is not in the constituency and was not given on the command line: not probed" "$T/err" && ! grep -q "spf-missing" "$T/out"'
"$V" audit mail --audit.mail_rate=0 good.test > /dev/null 2> "$T/err"; rc=$?
check "the rate is a setting (audit.mail_rate), checked: 0 is a usage error naming it" \
	'[ $rc -eq 2 ] && grep -q "audit.mail_rate" "$T/err"'
start=$(python3 -c 'import time; print(time.monotonic())')
$W --no-relay --rate 2 good.test good.test good.test > /dev/null 2>&1
check "... --rate 2: three domains take at least 0.95 s" \
	"python3 -c 'import time,sys; sys.exit(0 if time.monotonic() - $start >= 0.95 else 1)'"

"$V" audit mail --resolver "127.0.0.1@$NOPORT" --timeout 1 --no-relay good.test > /dev/null 2> "$T/err"; rc=$?
check "a resolver that does not answer: the query is named, exit 1" \
	'[ $rc -eq 1 ] && grep -q "DNS query for good.test" "$T/err" && grep -q "DNS query for _dmarc.good.test: Could not send" "$T/err"'
check "a bad resolver: usage, named" '"$V" audit mail --resolver nonsense@x good.test 2>&1 | grep -q "nonsense@x"'
check "--smtp without a valid port: usage error" '"$V" audit mail --smtp h:0 x.test > /dev/null 2>&1; [ $? -eq 2 ]'
check "--help: DATA never sent, probes only to the given or constituency domains" \
	'"$V" audit mail --help | grep -q "DATA is never sent" && "$V" audit mail --help | grep -q "ONLY to the domains and hosts given" && "$V" audit mail --help | grep -q constituency'
check "no domain: usage error" '"$V" audit mail > /dev/null 2>&1; [ $? -eq 2 ]'

echo "1..$n"
[ $bad -eq 0 ]
