#!/bin/sh
# Start or stop a throwaway PostgreSQL server for the tests: its own cluster in a temporary
# folder, listening on 127.0.0.1 on a free port and on a unix socket in that folder, trust
# authentication for the local user postgres only.  Debian's postgresql package (scripts/deps.sh).
#   sh tests/pg-server.sh start DIR    prints the base URL (postgres://...; add the database)
#   sh tests/pg-server.sh stop DIR     stops it and removes DIR
#   sh tests/pg-server.sh createdb DIR NAME   makes an empty database NAME
# As root the server runs as the user postgres (it refuses to run as root).  The tests' server
# runs with fsync=off (nothing in it must survive a power cut); PG_FSYNC=on for benchmarks.
# Exits 2 (and prints "SKIP ...") when PostgreSQL is not installed.
set -eu
cmd=$1; dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "SKIP no PostgreSQL server installed (sh scripts/deps.sh)"; exit 2
fi
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
port_of() { cat "$dir/port"; }
case $cmd in
start)
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1
	# a free port: try a few at random until one starts
	for try in 1 2 3 4 5 6 7 8; do
		port=$(( (($$ + try * 7919) % 20000) + 30000 ))
		if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off}" \
			start >/dev/null 2>&1; then
			echo "$port" > "$dir/port"
			echo "postgres://postgres@127.0.0.1:$port"
			exit 0
		fi
	done
	echo "pg-server: could not start PostgreSQL (see $dir/server.log)" >&2
	exit 1 ;;
createdb)
	as_pg "$bin/psql" -q -h "$dir" -p "$(port_of)" -U postgres -d postgres \
		-c "CREATE DATABASE $3" >/dev/null ;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir" ;;
esac
