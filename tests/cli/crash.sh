#!/bin/sh
# Crash safety: vigia killed (SIGKILL) at random moments of a large ingest, then run again on
# the same input each time, ends with the same store as a run that was never interrupted:
# no event lost, none stored twice, the same repeats, incidents, links and indicators.  And
# running an input that is already in adds nothing.
#   CRASH_LINES  lines of the generated feed (default 300000)
#   CRASH_KILLS  how many runs are killed (default 4)
#   CRASH_KEEP   keep the work folder
set -u
V=${VIGIA:-build/san/vigia}
LINES=${CRASH_LINES:-300000}
KILLS=${CRASH_KILLS:-4}
T=$(mktemp -d)
if [ -n "${CRASH_KEEP:-}" ]; then echo "# kept in $T"; else trap 'rm -rf "$T"' EXIT; fi
n=0; bad=0
check() { # description, then a shell condition ($? in it: the status of the command before)
	_rc=$?
	n=$((n + 1)); d=$1; shift
	if (exit "$_rc"); eval "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; bad=$((bad + 1)); fi
}

# A CSV feed: addresses of the documentation ranges, three kinds of activity, a time each;
# every tenth line repeats the line five before it exactly (a repeat for dedup).
cat > "$T/feed.json" <<'JSON'
{"parser": "csv",
 "parameters": {"columns": ["source.ip", "classification.type", "time.source", "source.port"]},
 "report": {"feed.name": "crash test"}}
JSON
python3 - "$T/in.csv" "$LINES" <<'PY'
import datetime, sys
types = ["scanner", "brute-force", "spam"]
nets = ["192.0.2.", "198.51.100.", "203.0.113."]
base = 1793000000
lines = []
for i in range(int(sys.argv[2])):
    if i % 10 == 9:
        lines.append(lines[i - 5])
        continue
    t = datetime.datetime.fromtimestamp(base + i * 9, datetime.timezone.utc)
    lines.append("%s%d,%s,%s,%d" % (nets[i % 3], (i // 3) % 256, types[(i // 768) % 3],
                                    t.strftime("%Y-%m-%dT%H:%M:%S+00:00"), 1024 + i % 1000))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY

# documentation addresses are on the built-in warning lists: correlate them here anyway
ingest() { # db
	"$V" ingest --db "$1" --feed-file "$T/feed.json" --no-progress --rejects "$T/rej" \
		--observation-time 2026-11-28T12:00:00+00:00 --correlate.warninglists= \
		--ingest.commit_every=5000 "$T/in.csv"
}

# the store's contents, without the clock's times (created, updated, deadline, started...)
dump() { # db out
	"$V" events --db "$1" --json --limit 0 > "$2.events"
	"$V" incidents list --db "$1" --json --limit 100000 |
		python3 -c 'import json, sys
for i in json.load(sys.stdin):
    for k in ("created", "updated", "deadline", "overdue"):
        i.pop(k, None)
    print(json.dumps(i, sort_keys=True))' > "$2.incidents"
	# links, postings and batch counters have no listing of their own: read the SQLite file
	python3 - "$1" > "$2.rest" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute("SELECT a, b, kind, why FROM links ORDER BY a, b, kind"):
    print("link", *row)
for row in db.execute("SELECT i.kind, i.value, i.common, p.incident FROM postings p "
                      "JOIN indicators i ON i.id = p.indicator ORDER BY 1, 2, 4"):
    print("posting", *row)
for row in db.execute("SELECT feed, source, finished > 0, records, events, duplicates, "
                      "rejected FROM batches ORDER BY id"):
    print("batch", *row)
PY
}

start=$(date +%s)
ingest "$T/ref.db" 2> "$T/ref.err"
check "an uninterrupted run" '[ $? -eq 0 ]'
took=$(( $(date +%s) - start ))
[ "$took" -lt 2 ] && took=2
dump "$T/ref.db" "$T/ref"
check "it stored events and repeats" 'grep -q "events stored" "$T/ref.err" && [ $(wc -l < "$T/ref.events") -gt 0 ]'
expected=$(python3 -c "import sys; n=int(sys.argv[1]); print(n - n // 10)" "$LINES")
check "one event per distinct line ($expected)" '[ $(wc -l < "$T/ref.events") -eq $expected ]'

# Kill runs at random moments, each run again: each run is given up to its share of the
# uninterrupted run's duration, so that most kills land inside the work still to do.
killed=0
i=0
while [ $i -lt "$KILLS" ]; do
	i=$((i + 1))
	ms=$(python3 -c "import random, sys; print(random.randint(100, int(sys.argv[1]) * 1000 // int(sys.argv[2])))" "$took" "$KILLS")
	# vigia itself in the background, so that the kill reaches it (not a subshell)
	"$V" ingest --db "$T/crash.db" --feed-file "$T/feed.json" --no-progress --rejects "$T/rej" \
		--observation-time 2026-11-28T12:00:00+00:00 --correlate.warninglists= \
		--ingest.commit_every=5000 "$T/in.csv" 2>> "$T/crash.err" &
	pid=$!
	sleep "$(python3 -c "import sys; print(int(sys.argv[1]) / 1000)" "$ms")"
	if kill -KILL "$pid" 2>/dev/null; then
		killed=$((killed + 1))
		echo "# run $i killed after ${ms} ms"
	else
		echo "# run $i ended before the kill at ${ms} ms"
	fi
	wait "$pid" 2>/dev/null
done
check "killed at least once" '[ $killed -ge 1 ]'
ingest "$T/crash.db" 2>> "$T/crash.err"
check "the last run ends normally" '[ $? -eq 0 ]'
grep -q "resuming batch" "$T/crash.err" && echo "# a run resumed a batch after a commit"
dump "$T/crash.db" "$T/crash"
check "same events (none lost, none twice, same repeats)" 'cmp -s "$T/ref.events" "$T/crash.events"'
check "same incidents" 'cmp -s "$T/ref.incidents" "$T/crash.incidents"'
check "same links, postings and batch counters" 'cmp -s "$T/ref.rest" "$T/crash.rest"'
if [ $bad -gt 0 ]; then
	diff "$T/ref.rest" "$T/crash.rest" | head -5
	diff "$T/ref.incidents" "$T/crash.incidents" | head -5
fi

# Once more: the input is in, nothing is added.
ingest "$T/crash.db" 2> "$T/again.err"
check "a run over an input already in succeeds" '[ $? -eq 0 ]'
check "and says so" 'grep -q "already ingested" "$T/again.err"'
dump "$T/crash.db" "$T/again"
check "and adds nothing" 'cmp -s "$T/ref.events" "$T/again.events" && cmp -s "$T/ref.incidents" "$T/again.incidents"'

# Lines from standard input cannot be recognised as that file: dedup counts them as repeats.
head -n 20000 "$T/in.csv" | "$V" ingest --db "$T/ref.db" --feed-file "$T/feed.json" \
	--no-progress --rejects "$T/rej" --observation-time 2026-11-28T12:00:00+00:00 \
	--correlate.warninglists= - 2> "$T/stdin.err"
"$V" events --db "$T/ref.db" --json --limit 0 > "$T/stdin.events"
check "from stdin: no event stored twice" '[ $(wc -l < "$T/stdin.events") -eq $expected ]'
check "every line counted as a repeat" 'grep -q " 0 events stored, 20000 repeats counted" "$T/stdin.err"'

echo "1..$n"
[ $bad -eq 0 ]
