#!/bin/sh
# Never twice, never lost: vigia is killed (SIGKILL) in the middle of sending a batch of 40
# messages, then run again, until the queue is empty.
#
# Part 1, at known points: the SMTP server (tests/notify/smtpd.py) kills vigia when the 5th,
# 14th and 23rd RCPT arrive — a message claimed (its Message-ID committed) but not yet
# delivered.  Every recipient must get exactly one message, every Message-ID must arrive once,
# and the ledger must hold all 40.
# Part 2, at random times: 40 more messages through a slow server, vigia killed after random
# delays.  Nothing may be lost; a message may only arrive twice if the kill fell between the
# server's "250" and vigia's commit, and then with the same Message-ID (docs/internals/notify.md).
set -u
V=${VIGIA:-build/san/vigia}
PY=/usr/bin/python3
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP: python3-aiosmtpd is not installed (sh scripts/deps.sh)"; exit 0
fi
T=$(mktemp -d)
SPID=""
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
n=0; bad=0
check() {
	n=$((n + 1)); d=$1; shift
	if eval "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; bad=$((bad + 1)); fi
}
jl() { python3 -c "import json, sys; j = [json.loads(l) for l in sys.stdin if l.strip()]; sys.exit(0 if ($1) else 1)"; }
start_server() {
	dir=$1; shift
	PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	rm -rf "$dir"; mkdir -p "$dir"
	$PY tests/notify/smtpd.py --port "$PORT" --dir "$dir" "$@" > "$dir.log" 2>&1 &
	SPID=$!
	i=0; while [ ! -f "$dir/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
stop_server() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=""; }
export VIGIA_DB="$T/v.db" VIGIA_USER=ana LC_ALL=C.UTF-8

# 80 organisations, one network and one contact each; one scanner incident in each network
{
	echo "kind,owner,value,name,do_not_notify,lang,format,fingerprint,notes"
	i=1; while [ $i -le 80 ]; do
		echo "organisation,Org $i,,,,,,,"
		echo "network,Org $i,10.$i.0.0/16,,,,,,"
		echo "contact,Org $i,abuse@org$i.example,,,en,,,"
		i=$((i + 1))
	done
} > "$T/const.csv"
"$V" constituency import "$T/const.csv" > /dev/null 2>&1
cat > "$T/feed.json" <<'JSON'
{"parser": "csv", "parameters": {"columns": ["time.source", "source.ip", "classification.type"]},
 "report": {"feed.name": "crash test"}}
JSON
i=1; while [ $i -le 40 ]; do echo "2026-11-20T10:00:00+00:00,10.$i.0.1,scanner"; i=$((i + 1)); done > "$T/a.csv"
"$V" ingest --feed-file "$T/feed.json" "$T/a.csv" > /dev/null 2>&1
"$V" notify queue > /dev/null 2>&1
check "setup: 40 notifications queued" '"$V" notify status --state queued --json | jl "len(j) == 40"'

# run vigia until the queue is empty; each run's pid where the server reads it.  Part 2 kills
# the first 12 runs at random; a slow machine (a sanitizer build under load) may not have
# emptied the queue by then, so up to 5 more runs go unkilled: the checks are about what the
# kills left behind, not about how many runs it took.
send_until_done() {
	runs=0
	while [ $runs -lt 17 ] && { [ -n "${1:-}" ] || [ $runs -lt 12 ]; }; do
		runs=$((runs + 1))
		"$V" notify send --flush "--notify.smtp_url=smtp://127.0.0.1:$PORT" --notify.smtp_tls=none \
			> /dev/null 2>> "$T/send.err" &
		echo $! > "$T/pid"
		if [ -n "${1:-}" ] && [ $runs -le 12 ]; then # part 2: kill after a random delay
			sleep "$($PY -c 'import random; print(random.uniform(0.2, 0.9))')"
			kill -9 "$(cat "$T/pid")" 2>/dev/null
		fi
		wait "$(cat "$T/pid")" 2>/dev/null
		left=$("$V" notify status --json | jl "sys.exit(len([x for x in j if x['state'] in ('queued', 'sending')]))"; echo $?)
		[ "$left" -eq 0 ] && break
	done
}

# ---- part 1: killed by the server at known points --------------------------------------------------
start_server "$T/mail" --kill-at-rcpt 5,14,23 --kill-pid-file "$T/pid"
send_until_done
stop_server
check "vigia was killed three times mid-batch" '[ "$(wc -l < "$T/mail/killed")" -eq 3 ]'
check "and needed four runs" '[ $runs -eq 4 ]'
check "the runs after a kill resent the interrupted message first" \
	'[ "$(grep -c "was interrupted: sending it again" "$T/send.err")" -eq 3 ]'
check "every one of the 40 recipients got exactly one message (nothing lost, nothing twice)" \
	'jl "sorted(r for x in j for r in x[\"to\"]) == sorted(\"abuse@org%d.example\" % i for i in range(1, 41))" < "$T/mail/envelope.jsonl"'
ids() { for f in "$1"/*.eml; do grep -m1 -i '^Message-ID:' "$f"; done | sort; }
check "every Message-ID arrived once" '[ "$(ids "$T/mail" | uniq -d | wc -l)" -eq 0 ] && [ "$(ids "$T/mail" | wc -l)" -eq 40 ]'
check "the ledger holds the 40, nothing queued or half-sent" \
	'"$V" notify ledger --json | jl "len(j) == 40" && "$V" notify status --json | jl "all(x[\"state\"] == \"sent\" for x in j)"'
"$V" notify send --flush "--notify.smtp_url=smtp://127.0.0.1:1" --notify.smtp_tls=none > "$T/out" 2>&1
check "one more run sends nothing" 'grep -q "^0 message(s)" "$T/out"'

# ---- part 2: killed from outside at random times ---------------------------------------------------
i=41; while [ $i -le 80 ]; do echo "2026-11-21T10:00:00+00:00,10.$i.0.1,scanner"; i=$((i + 1)); done > "$T/b.csv"
"$V" ingest --feed-file "$T/feed.json" "$T/b.csv" > /dev/null 2>&1
"$V" notify queue > /dev/null 2>&1
start_server "$T/mail2" --delay 0.05
send_until_done random
stop_server
echo "# part 2: $runs runs"
check "random kills: every recipient got its message (nothing lost)" \
	'jl "sorted(set(r for x in j for r in x[\"to\"])) == sorted(\"abuse@org%d.example\" % i for i in range(41, 81))" < "$T/mail2/envelope.jsonl"'
check "random kills: a message that arrived twice has the same Message-ID both times" \
	'[ "$(ids "$T/mail2" | uniq | wc -l)" -eq 40 ]'
check "random kills: the ledger holds all 80" '"$V" notify ledger --json | jl "len(j) == 80"'

echo "1..$n"
[ "$bad" -eq 0 ]
