#!/bin/sh
# `vigia audit proxy`: open-proxy checks against REAL proxies on loopback that this test
# starts: tinyproxy open to loopback (HTTP CONNECT and absolute-URI GET relay), tinyproxy that
# denies everybody (403), dante (SOCKS4 and SOCKS5, open to loopback), a fake "proxy" that
# answers 200 to everything and relays nothing (must NOT be reported: only the canary's token
# proves a relay), a closed port and a listener that never answers (timeouts).
# tinyproxy and dante-server are installed by scripts/deps.sh; without them the test says SKIP.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
TP=$(command -v tinyproxy || echo /usr/bin/tinyproxy)
DA=$(command -v danted || echo /usr/sbin/danted)
if [ ! -x "$TP" ] || [ ! -x "$DA" ]; then
	echo "SKIP tinyproxy or danted is not installed (sh scripts/deps.sh)"
	exit 0
fi
T=$(mktemp -d)
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
ss=[socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
OPEN=$1 DENY=$2 SOCKS=$3 FAKE=$4 CLOSED=$5 HANG=$6

cat > "$T/open.conf" <<CONF
Port $OPEN
Listen 127.0.0.1
Timeout 5
MaxClients 10
Allow 127.0.0.1
LogLevel Warning
CONF
cat > "$T/deny.conf" <<CONF
Port $DENY
Listen 127.0.0.1
Timeout 5
MaxClients 10
Allow 10.9.9.9
LogLevel Warning
CONF
cat > "$T/danted.conf" <<CONF
logoutput: $T/danted.log
internal: 127.0.0.1 port = $SOCKS
external: 127.0.0.1
clientmethod: none
socksmethod: none
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 }
CONF
"$TP" -d -c "$T/open.conf" > "$T/tp1.log" 2>&1 & pids="$pids $!"
"$TP" -d -c "$T/deny.conf" > "$T/tp2.log" 2>&1 & pids="$pids $!"
"$DA" -f "$T/danted.conf" -p "$T/danted.pid" > "$T/danted.out" 2>&1 & pids="$pids $!"
# the fake: answers "200 OK" to anything; HANG: accepts and never answers
python3 -c '
import socket, sys, threading, time
def fake(c):
    try:
        c.settimeout(5); c.recv(4096)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"); time.sleep(0.2)
    except Exception: pass
    c.close()
def serve(port, answer):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(16); held = []
    while True:
        c, _ = s.accept()
        if answer: threading.Thread(target=fake, args=(c,), daemon=True).start()
        else: held.append(c)
threading.Thread(target=serve, args=(int(sys.argv[2]), False), daemon=True).start()
serve(int(sys.argv[1]), True)' "$FAKE" "$HANG" & pids="$pids $!"
# wait until all four listen
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	python3 -c '
import socket, sys
for p in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(p)), 1).close()' $OPEN $DENY $SOCKS $FAKE 2>/dev/null && break
	sleep 0.25
done

W="$V audit proxy --rate 50 --timeout 1"
$W "127.0.0.1:$OPEN" "127.0.0.1:$DENY" "127.0.0.1:$SOCKS" "127.0.0.1:$FAKE" > "$T/out" 2> "$T/err"; rc=$?
sed -n "/^127.0.0.1:$OPEN\$/,/^127/p" "$T/out" > "$T/open.out"
sed -n "/^127.0.0.1:$DENY\$/,/^127/p" "$T/out" > "$T/deny.out"
sed -n "/^127.0.0.1:$SOCKS\$/,/^127/p" "$T/out" > "$T/socks.out"
sed -n "/^127.0.0.1:$FAKE\$/,\$p" "$T/out" > "$T/fake.out"
check "every target probed: exit 0" '[ $rc -eq 0 ]'
check "tinyproxy open to us: CONNECT relays to the canary" 'grep -q "http-connect *OPEN" "$T/open.out"'
check "tinyproxy open to us: absolute-URI GET relays to the canary" 'grep -q "http-get *OPEN" "$T/open.out"'
check "tinyproxy is no SOCKS proxy" '! grep -q "socks. *OPEN" "$T/open.out"'
check "tinyproxy that denies us: refused with its 403, nothing open" \
	'grep -q "http-connect *refused.*403" "$T/deny.out" && grep -q "http-get *refused: HTTP 403" "$T/deny.out" && ! grep -q OPEN "$T/deny.out"'
check "dante: SOCKS4 relays to the canary" 'grep -q "socks4 *OPEN" "$T/socks.out"'
check "dante: SOCKS5 relays to the canary" 'grep -q "socks5 *OPEN" "$T/socks.out"'
check "dante is no HTTP proxy" '! grep -q "http-.* OPEN" "$T/socks.out"'
check "a server answering 200 to everything is NOT an open proxy (the canary got nothing)" \
	'grep -q "http-get *refused: HTTP 200, the canary received nothing" "$T/fake.out" && ! grep -q OPEN "$T/fake.out"'

$W --json --kind socks5,http-get "127.0.0.1:$SOCKS" > "$T/j.json"
check "--json and --kind: only the kinds asked, with the verdict and the proof" \
	'python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
p={x[\"kind\"]:x for x in d[0][\"probes\"]}
assert sorted(p)==[\"http-get\",\"socks5\"], p
assert p[\"socks5\"][\"verdict\"]==\"open\" and p[\"socks5\"][\"confirmed\"] is True
assert p[\"http-get\"][\"verdict\"]!=\"open\" and p[\"http-get\"][\"confirmed\"] is False
assert d[0][\"canary\"]==\"127.0.0.1\"
" "$T/j.json"'

$W --events "127.0.0.1:$OPEN" "127.0.0.1:$SOCKS" "127.0.0.1:$FAKE" > "$T/ev.jsonl"
check "--events: one IntelMQ event per open proxy kind, none for the fake" \
	'[ $(wc -l < "$T/ev.jsonl") -eq 4 ] && grep -q "\"classification.identifier\":\"open-proxy\"" "$T/ev.jsonl" && grep -q "\"classification.identifier\":\"open-socks\"" "$T/ev.jsonl" && ! grep -q "\"source.port\":$FAKE" "$T/ev.jsonl"'
"$V" ingest --db "$T/s.db" --parser intelmq_json "$T/ev.jsonl" > /dev/null 2>&1; rc=$?
check "... and they go into the store" '[ $rc -eq 0 ] && "$V" events --db "$T/s.db" --json | grep -q "open-socks"'

# bad targets: each named, the others still probed
start=$(date +%s)
$W --kind http-get,socks5 "127.0.0.1:$CLOSED" "127.0.0.1:$HANG" "127.0.0.1:$OPEN" > "$T/out" 2> "$T/err"; rc=$?
end=$(date +%s)
check "a closed port: closed, named on standard error" \
	'grep -q "closed: .*[Cc]onnect" "$T/out" && grep -q "127.0.0.1:$CLOSED: could not be reached" "$T/err"'
check "a listener that never answers: timed out" \
	'sed -n "/^127.0.0.1:$HANG\$/,/^127/p" "$T/out" | grep -q "timeout: .*[Tt]imed out"'
check "... exit 1, the open proxy still found, within the timeouts" \
	'[ $rc -eq 1 ] && grep -q "http-get *OPEN" "$T/out" && [ $((end - start)) -le 8 ]'
start=$(python3 -c 'import time; print(time.monotonic())')
"$V" audit proxy --rate 4 --timeout 1 "127.0.0.1:$CLOSED" "127.0.0.1:$CLOSED" > /dev/null 2>&1
check "the rate limit: 8 probes at 4 per second take at least 1.75 s" \
	"python3 -c 'import time,sys; sys.exit(0 if time.monotonic() - $start >= 1.75 else 1)'"
start=$(python3 -c 'import time; print(time.monotonic())')
"$V" audit proxy --audit.proxy_rate=4 --timeout 1 "127.0.0.1:$CLOSED" "127.0.0.1:$CLOSED" > /dev/null 2>&1
check "... is the setting audit.proxy_rate when --rate is not given" \
	"python3 -c 'import time,sys; sys.exit(0 if time.monotonic() - $start >= 1.75 else 1)'"
"$V" audit proxy --set audit.proxy_rate=500 "127.0.0.1:$CLOSED" > /dev/null 2> "$T/err"; rc=$?
check "... checked: 500 is a usage error naming the setting" '[ $rc -eq 2 ] && grep -q "audit.proxy_rate" "$T/err"'

# ---- probes only go to targets given or listed in the constituency ---------------------
# a listener on 127.0.0.3 notes every connection: a refused target must never see one
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.3", int(sys.argv[1]))); s.listen(16)
while True:
    c, _ = s.accept(); open(sys.argv[2], "a").write("connection\n"); c.close()' "$CLOSED" "$T/rec.log" & pids="$pids $!"
"$V" constituency add org "Laboratorio" --db "$T/c.db" --network 127.0.0.1/32 > /dev/null 2>&1
printf '# open proxies reported by a feed\n127.0.0.1:%s\n127.0.0.3:%s\nnonsense\n' "$OPEN" "$CLOSED" > "$T/targets.txt"
$W --db "$T/c.db" --kind http-get --targets "$T/targets.txt" > "$T/out" 2> "$T/err"; rc=$?
check "--targets: a listed proxy in the constituency is probed (open)" \
	'sed -n "/^127.0.0.1:$OPEN\$/,/^127/p" "$T/out" | grep -q "http-get *OPEN"'
check "... one outside it is refused with file, line and reason, exit 1" \
	'[ $rc -eq 1 ] && grep -q "targets.txt:3: 127.0.0.3:$CLOSED: 127.0.0.3 is not in the constituency and was not given on the command line: not probed" "$T/err"'
check "... a line that is not HOST:PORT is named and skipped" 'grep -q "targets.txt:4: nonsense: not HOST:PORT" "$T/err"'
sleep 0.2
check "... and the refused target never saw a connection" '[ ! -s "$T/rec.log" ]'
$W --kind http-get --json "127.0.0.3:$CLOSED" > /dev/null 2>&1
sleep 0.2
check "... which it does when it is given on the command line" '[ -s "$T/rec.log" ]'
"$V" audit proxy --targets "$T/targets.txt" --db "$T/none.db" --kind http-get --rate 50 > "$T/out" 2> "$T/err"; rc=$?
check "... no constituency: every listed target refused" \
	'[ $rc -eq 1 ] && [ $(grep -c "is not in the constituency" "$T/err") -eq 2 ] && ! grep -q OPEN "$T/out"'
check "a target that is not HOST:PORT: usage error, named" \
	'"$V" audit proxy 127.0.0.1 2>&1 | grep -q "not HOST:PORT" && { "$V" audit proxy 127.0.0.1 > /dev/null 2>&1; [ $? -eq 2 ]; }'
check "an unknown --kind: usage error" '"$V" audit proxy --kind ftp 127.0.0.1:1 > /dev/null 2>&1; [ $? -eq 2 ]'
check "a canary that cannot listen: named, exit 3" \
	'"$V" audit proxy --canary 127.0.0.1:$OPEN 127.0.0.1:$OPEN > /dev/null 2> "$T/cerr"; [ $? -eq 3 ] && grep -q "127.0.0.1:$OPEN" "$T/cerr"'
check "--help says probes go only to targets given or in the constituency, rate and timeout" \
	'"$V" audit proxy --help | grep -q "ONLY to the targets given" && "$V" audit proxy --help | grep -q "constituency" && "$V" audit proxy --help | grep -q "probes per second"'
check "no target: usage error" '"$V" audit proxy > /dev/null 2>&1; [ $? -eq 2 ]'

echo "1..$n"
[ $bad -eq 0 ]
