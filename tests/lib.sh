# What every shell test of the command line shares, sourced from the repository's root
# (`. tests/lib.sh`): the TAP counter and check(), which passes when its shell condition
# holds.  The test prints "1..$n" at its end and exits with [ "$bad" -eq 0 ].
n=0; bad=0
check() { # description, then a shell condition
	n=$((n + 1)); d=$1; shift
	if eval "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; bad=$((bad + 1)); fi
}
