#!/bin/sh
# The notification commands on a real store: 100,000 incidents (one scanner event each, one
# per address) in the networks of 5,000 organisations; times `vigia notify plan --all`,
# `vigia notify queue --all` and `vigia notify send --flush` to a local SMTP server
# (tests/notify/smtpd.py, which writes every message to disk: the server is the limit there).
# usage: sh bench/notify.sh build/vigia [INCIDENTS] [ORGS]     (docs/benchmarks.md)
set -eu
V=${1:-build/vigia}
N=${2:-100000}
ORGS=${3:-5000}
D=${BENCH_DIR:-$(mktemp -d)}
export VIGIA_DB="$D/bench.db" LC_ALL=C.UTF-8
rm -f "$D"/bench.db*
python3 - "$D" "$N" "$ORGS" <<'PY'
import sys
d, n, orgs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(d + "/const.csv", "w") as f:
    f.write("kind,owner,value,name,do_not_notify,lang,format,fingerprint,notes\n")
    for o in range(orgs):
        f.write("organisation,Org %d,,,,,,,\n" % o)
        f.write("network,Org %d,10.%d.%d.0/24,,,,,,\n" % (o, o // 256, o % 256))
        f.write("contact,Org %d,org%d@example.org,,,%s,,,\n" % (o, o, "es" if o % 2 else "en"))
with open(d + "/events.csv", "w") as f:
    for i in range(n):
        o = (i * 7919) % orgs
        f.write("2026-11-20T10:00:00+00:00,10.%d.%d.%d,scanner,tcp,%d\n"
                % (o // 256, o % 256, 1 + (i // orgs) % 250, 1024 + i % 60000))
with open(d + "/feed.json", "w") as f:
    f.write('{"parser": "csv", "parameters": {"columns": ["time.source", "source.ip", '
            '"classification.type", "protocol.transport", "source.port"]}, '
            '"report": {"feed.name": "notify bench"}}')
PY
"$V" constituency import "$D/const.csv" > /dev/null
"$V" ingest --no-progress --feed-file "$D/feed.json" "$D/events.csv" 2>&1 | grep -i 'incidents opened' || true
t() { /usr/bin/time -f "  %e s wall, %U s user, %S s sys, %M KB peak" "$@"; }
echo "notify plan --all ($N incidents, $ORGS organisations):"
t "$V" notify plan --all --json > "$D/plan.jsonl"
echo "  $(grep -c '"recipient":"' "$D/plan.jsonl") recipients planned"
echo "notify queue --all:"
t "$V" notify queue --all
if /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	/usr/bin/python3 tests/notify/smtpd.py --port "$PORT" --dir "$D/mail" > /dev/null 2>&1 &
	SPID=$!
	while [ ! -f "$D/mail/ready" ]; do sleep 0.1; done
	echo "notify send --flush (to tests/notify/smtpd.py on loopback):"
	t "$V" -q notify send --flush "--notify.smtp_url=smtp://127.0.0.1:$PORT" --notify.smtp_tls=none
	kill "$SPID"
	echo "  $(ls "$D/mail" | grep -c eml) messages received, $(du -sm "$D/mail" | cut -f1) MB"
fi
[ -n "${BENCH_DIR:-}" ] || rm -rf "$D"
