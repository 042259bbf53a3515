#!/bin/sh
# bench/sqlite-floor.sh — what SQLite itself can write on this machine, with no vigia code:
# the floor under issue 3's ingest target (200,000 events/s into SQLite).
#
#     sh bench/sqlite-floor.sh [ROWS] [RUNS]        (defaults 1000000 and 3)
#
# The sqlite3 shell (Debian's, the same SQLite vigia links) fills a new WAL database, in one
# transaction, with ROWS rows of a table shaped like the least an event must be under issue 3
# ("events are stored with their original raw, feed, and ingest batch; indexes for time,
# addresses, classification and feed"): an integer time, an IPv4 address as text, a
# classification, a feed and a 200-byte raw record (a URLhaus CSV line is ~150-250 bytes;
# vigia also keeps the event's JSON, ~600 bytes more).  The rows are made inside SQLite by a
# recursive CTE: no parsing, no binding, no JSON, no dedup, no incidents.  Three shapes:
#
#   bare      the table alone, addresses in order (no index)
#   indexed   the four indexes the issue names, random addresses (as feeds have)
#   gen       the CTE alone into a table without index, random addresses (what making the rows
#             costs, to subtract by eye)
#
# Best wall time of RUNS, with its user and system CPU; rows/s = ROWS / wall.  The database
# goes to bench/store-data/floor/ (git-ignored) and is removed after each run.
set -eu
ROWS=${1:-1000000}
RUNS=${2:-3}
D=bench/store-data/floor
mkdir -p "$D"
command -v sqlite3 > /dev/null || { echo "bench/sqlite-floor.sh: needs the sqlite3 shell" >&2; exit 2; }

head_sql() {
	cat <<EOF
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA cache_size=-524288;
CREATE TABLE ev(id INTEGER PRIMARY KEY, t INTEGER, ip TEXT, cls TEXT, feed TEXT, raw TEXT);
EOF
}
fill_sql() { # address expression
	cat <<EOF
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $ROWS)
INSERT INTO ev(t, ip, cls, feed, raw)
  SELECT 1790000000 + i, $1, 'malware-distribution', 'URLhaus', printf('%.200c', 'x') FROM c;
COMMIT;
EOF
}
SEQ="'10.' || (i / 65536 % 256) || '.' || (i / 256 % 256) || '.' || (i % 256)"
RND="printf('%d.%d.%d.%d', abs(random()) % 256, abs(random()) % 256, abs(random()) % 256, abs(random()) % 256)"
IDX="CREATE INDEX ev_t ON ev(t); CREATE INDEX ev_ip ON ev(ip);
CREATE INDEX ev_cls ON ev(cls); CREATE INDEX ev_feed ON ev(feed);"

run() { # name, then the SQL on stdin: best of RUNS
	name=$1
	sql=$(cat)
	best=""
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		rm -f "$D/f.db" "$D/f.db-wal" "$D/f.db-shm"
		line=$(printf '%s\n' "$sql" | { /usr/bin/time -f '%e %U %S' sqlite3 "$D/f.db" > /dev/null; } 2>&1 | tail -1)
		set -- $line
		if [ -z "$best" ] || awk -v a="$1" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$1; bu=$2; bs=$3
		fi
		r=$((r + 1))
	done
	rm -f "$D/f.db" "$D/f.db-wal" "$D/f.db-shm"
	awk -v n="$name" -v w="$best" -v u="$bu" -v s="$bs" -v rows="$ROWS" \
		'BEGIN { printf "| %-8s | %8.2f s | %6.2f + %5.2f s | %9d rows/s |\n", n, w, u, s, rows / w }'
}

echo "# SQLite $(sqlite3 --version | cut -d' ' -f1), $ROWS rows, best of $RUNS, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| shape    |     wall   |   user + sys CPU   |        rate      |"
echo "|---|---:|---:|---:|"
{ head_sql; fill_sql "$SEQ"; } | run bare
{ head_sql; echo "$IDX"; fill_sql "$RND"; } | run indexed
{ head_sql; fill_sql "$RND"; } | run gen
