#!/bin/sh
# Runs every test of `make check` and ends with "N passed, N failed".
# Each test program counts as one test; its own output shows the details.
#   VIGIA  the (sanitised) binary under test     BUILD  the build directory
set -u
BUILD=${BUILD:-build}
VIGIA=${VIGIA:-$BUILD/san/vigia}
export VIGIA BUILD
export VIGIA_LOCALEDIR="$(pwd)/$BUILD/locale"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0; failed=0; skipped=0; failures=""
log=$BUILD/test-logs
mkdir -p "$log"

run() { # name command...
	name=$1; shift
	mkdir -p "$(dirname "$log/$name")"
	if "$@" > "$log/$name.log" 2>&1; then
		if grep -q '^SKIP' "$log/$name.log"; then
			skipped=$((skipped + 1)); echo "SKIP $name: $(grep '^SKIP' "$log/$name.log" | head -1)"
		else
			passed=$((passed + 1)); echo "ok   $name"
		fi
	else
		failed=$((failed + 1)); failures="$failures $name"; echo "FAIL $name"
		sed 's/^/     | /' "$log/$name.log" | grep -v '^     | ok ' | tail -40
	fi
}

for t in "$BUILD"/san/tests/test_*; do
	[ -x "$t" ] && run "unit/$(basename "$t")" "$t"
done

# The store's tests again against a real PostgreSQL server on loopback (tests/pg-server.sh),
# each in an empty database of its own; the server is stopped at the end.
pgdir=$(mktemp -d /tmp/vigia-pg-XXXXXX)
trap 'sh tests/pg-server.sh stop "$pgdir"' EXIT
VIGIA_TEST_PG=$(sh tests/pg-server.sh start "$pgdir" 2>"$log/pg-server.log") || VIGIA_TEST_PG=""
export VIGIA_TEST_PG VIGIA_TEST_PGDIR="$pgdir"
pgn=0
pgrun() { # name command...
	name=$1; shift
	pgn=$((pgn + 1))
	if [ -z "$VIGIA_TEST_PG" ]; then
		run "$name" sh -c 'echo "SKIP no PostgreSQL server: $(cat "$0")"' "$log/pg-server.log"
	elif sh tests/pg-server.sh createdb "$pgdir" "t$pgn"; then
		VIGIA_TEST_STORE="$VIGIA_TEST_PG/t$pgn" run "$name" "$@"
	else
		run "$name" false
	fi
}
for t in store store_taxii dedup aggregate correlate lifecycle deadline notify policy constituency report; do
	[ -x "$BUILD/san/tests/test_$t" ] && pgrun "pg/test_$t" "$BUILD/san/tests/test_$t"
done
run fuzz-replay sh tests/fuzz/replay.sh
run lint-banned sh scripts/check-banned.sh
for t in tests/cli/*.sh; do
	run "cli/$(basename "$t" .sh)" sh "$t"
done
run browser/ui sh tests/browser/run.sh
run conformance python3 tests/conformance/run.py --vigia "$VIGIA"

echo
[ -n "$failures" ] && echo "failed:$failures"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
