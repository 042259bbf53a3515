#!/bin/sh
# `vigia account`: accounts of the HTTP API and TAXII server and their tokens.  A token is
# printed once and only its hash reaches the database; partner accounts must name a known
# partner; every change is in the audit trail; bad input is a usage error, never a crash.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
unset VIGIA_DB
export VIGIA_USER=tester
A="$T/a.db"

check "vigia --help lists account" '"$V" --help | grep -q "^  account "'
check "account --help" '"$V" account --help | grep -q "account token NAME"'
check "add an analyst" '"$V" account add ana --role analyst --db "$A" 2> /dev/null'
check "a name is taken once (any case)" '! "$V" account add ANA --role admin --db "$A" 2> /dev/null'
check "unknown role: usage error" '"$V" account add x --role root --db "$A" 2> /dev/null; [ $? -eq 2 ]'
check "partner account needs --partner" '"$V" account add p --role partner --db "$A" 2> "$T/e"; [ $? -eq 2 ] && grep -q partner "$T/e"'
check "... a known partner" '"$V" account add p --role partner --partner nope --db "$A" 2> "$T/e"; [ $? -eq 2 ] && grep -q "nope" "$T/e"'
"$V" partner add CERT-X --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
check "partner account for a known partner" '"$V" account add certx --role partner --partner cert-x --db "$A" 2> /dev/null'
check "a token is printed once" '"$V" account token ana --label ci --db "$A" > "$T/tok" 2> "$T/e" && grep -qE "^vgt_[0-9a-f]{64}$" "$T/tok" && grep -q "shown once" "$T/e"'
check "only its hash is stored" 'python3 -c "import sqlite3,sys; d=open(sys.argv[2]).read().strip(); b=open(sys.argv[1],\"rb\").read(); sys.exit(1 if d.encode() in b or d[4:].encode() in b else 0)" "$A" "$T/tok"'
check "account list shows the token count" '"$V" account list --db "$A" | grep -qE "^ana +analyst +- +1 "'
check "account list --json" '"$V" account list --json --db "$A" | python3 -c "import json,sys; a=json.load(sys.stdin); assert [x[\"name\"] for x in a]==[\"ana\",\"certx\"] and a[1][\"partner\"]==\"CERT-X\""'
check "revoke the token" '"$V" account revoke 1 --db "$A" 2> /dev/null && "$V" account list --db "$A" | grep -qE "^ana +analyst +- +0 "'
check "revoke twice: not found" '"$V" account revoke 1 --db "$A" 2> /dev/null; [ $? -eq 2 ]'
check "revoke a non-number" '"$V" account revoke "1; DROP" --db "$A" 2> /dev/null; [ $? -eq 2 ]'
check "remove the partner account" '"$V" account remove certx --db "$A" 2> /dev/null && ! "$V" account list --db "$A" | grep -q certx'
check "changes are audited" '"$V" audit log --db "$A" > "$T/log" && grep -q "account:ana" "$T/log" && grep -q "account:certx" "$T/log" && "$V" audit verify --db "$A" > /dev/null 2>&1'
check "unknown subcommand" '"$V" account frob --db "$A" 2> /dev/null; [ $? -eq 2 ]'

echo "1..$n"
[ "$bad" -eq 0 ]
