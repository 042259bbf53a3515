# What every shell test of the command line shares, sourced from the repository's root
# (`. tests/lib.sh`): the TAP counter and check(), which passes when its shell condition
# holds.  The test prints "1..$n" at its end and exits with [ "$bad" -eq 0 ].  And, for the
# tests of `vigia serve`, serve_start().
n=0; bad=0
check() { # description, then a shell condition
	n=$((n + 1)); d=$1; shift
	if eval "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; bad=$((bad + 1)); fi
}

# serve_start [FLAGS]: `vigia serve` ($V) on the store $A, on a free loopback port, its log
# appended to $T/serve.log; waits (at most 10 s) for the port, then sets PORT, U (the plain
# http:// address) and LAST (the server's pid, also added to PIDS for the test's exit trap).
serve_start() {
	rm -f "$T/port"
	"$V" serve --db "$A" --http.port=0 --port-file "$T/port" "$@" 2>> "$T/serve.log" &
	PIDS="$PIDS $!"; LAST=$!
	i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	PORT=$(cat "$T/port" 2> /dev/null)
	U="http://127.0.0.1:$PORT"
}
