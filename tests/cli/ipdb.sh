#!/bin/sh
# vigia ipdb build|update|info and vigia ip lookup: output, exit codes, malformed rows (skipped
# and counted, or refused with --strict), damaged and truncated indexes, where the index is
# looked for (--ipdb, enrich.ipdb, beside the store), and an update that replaces the file.
set -u
V=${VIGIA:-build/san/vigia}
F=tests/data/ipdb
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
export LC_ALL=C LANGUAGE=
unset VIGIA_DB || true

check "ipdb --help" '"$V" ipdb --help | grep -q "build \[-o INDEX\]"'
check "ip --help" '"$V" ip --help | grep -q "ip lookup"'
check "ipdb without a command exits 2" '"$V" ipdb 2>/dev/null; [ $? -eq 2 ]'
check "ipdb build without sources exits 2" '"$V" ipdb build -o "$T/x.ipdb" 2>/dev/null; [ $? -eq 2 ]'
check "unknown ipdb command exits 2" '"$V" ipdb frob 2>/dev/null; [ $? -eq 2 ]'

"$V" ipdb build -o "$T/a.ipdb" $F/asn4.csv $F/country4.csv $F/overlap.csv $F/asn6.csv \
	$F/country6.csv > "$T/out" 2> "$T/err"
rc=$?
check "build exits 0" '[ $rc -eq 0 ]'
check "build names each source, its kind and rows" 'grep -q "asn4.csv: csv-asn, 4 rows read, 0 skipped" "$T/out"'
check "build sums up the index" 'grep -q "a.ipdb: ASN ranges 4 IPv4 + 3 IPv6" "$T/out"'
check "no temporary file left" '[ "$(ls "$T" | grep -c tmp-)" -eq 0 ]'

"$V" ip lookup --ipdb "$T/a.ipdb" 1.0.0.7 ::ffff:1.0.0.7 2001:db8:1::5 8.8.8.8 > "$T/out" 2> "$T/err"
rc=$?
check "lookup exits 0" '[ $rc -eq 0 ]'
check "table heading" 'head -n 1 "$T/out" | grep -q "^IP  *NETWORK  *ASN  *AS NAME  *COUNTRY"'
check "table row" 'grep -q "^1.0.0.7  *1.0.0.0/24  *13335  *Cloudflare, Inc.  *AU" "$T/out"'
check "IPv4-mapped address answers as IPv4" 'grep -q "^::ffff:1.0.0.7  *1.0.0.0/24  *13335" "$T/out"'
check "IPv6 row" 'grep -q "^2001:db8:1::5  *2001:db8:1::/64  *64501  *Nested Later  *UY" "$T/out"'
check "no answer: dashes" 'grep -q "^8.8.8.8  *-  *-  *-  *-" "$T/out"'

# (no store here: the constituency column is null; tests/cli/enrich.sh checks it with one)
VIGIA_DB="$T/absent.db" "$V" ip lookup --ipdb "$T/a.ipdb" --json 1.0.0.7 8.8.8.8 10.0.0.1 > "$T/out"
check "JSON: one object a line" '[ "$(wc -l < "$T/out")" -eq 3 ]'
check "JSON: every field" 'grep -qx "{\"ip\":\"1.0.0.7\",\"network\":\"1.0.0.0/24\",\"range\":\"1.0.0.0-1.0.0.255\",\"asn\":13335,\"as_name\":\"Cloudflare, Inc.\",\"country\":\"AU\",\"constituency\":null}" "$T/out"'
check "JSON: nulls when unknown" 'grep -qx "{\"ip\":\"8.8.8.8\",\"network\":null,\"range\":null,\"asn\":null,\"as_name\":null,\"country\":null,\"constituency\":null}" "$T/out"'
check "JSON: escaped quotes" 'grep -q "\"as_name\":\"Test \\\\\"Private\\\\\" Net\",\"country\":null,\"constituency\":null}" "$T/out"'
check "JSON is valid" 'python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$T/out"'

printf '20.0.20.9\nnot-an-address\n\n# comment\n  2001:db8:2::15  \n' | "$V" ip lookup --ipdb "$T/a.ipdb" - > "$T/out" 2> "$T/err"
rc=$?
check "standard input: a bad line gives exit 1" '[ $rc -eq 1 ]'
check "the bad line named" 'grep -q "standard input:2: .not-an-address. is not an IP address" "$T/err"'
check "the other lines answered" 'grep -q "^20.0.20.9  *20.0.20.0/24  *-  *-  *GT" "$T/out" && grep -q "^2001:db8:2::15 .*BR" "$T/out"'
check "a bad argument gives exit 1" '"$V" ip lookup --ipdb "$T/a.ipdb" 1.2.3 >/dev/null 2>&1; [ $? -eq 1 ]'
check "no address exits 2" '"$V" ip lookup --ipdb "$T/a.ipdb" 2>/dev/null; [ $? -eq 2 ]'

"$V" ip lookup --ipdb "$T/none.ipdb" 1.2.3.4 > /dev/null 2> "$T/err"
rc=$?
check "missing index exits 3" '[ $rc -eq 3 ]'
check "missing index: what to do" 'grep -q "none.ipdb: no IP attribution index here (build one with .vigia ipdb build." "$T/err"'

# where the index is looked for
check "the setting enrich.ipdb" '"$V" --enrich.ipdb="$T/a.ipdb" ip lookup 1.0.0.7 | grep -q 13335'
cp "$T/a.ipdb" "$T/vigia.ipdb"
check "by default beside the store" 'VIGIA_DB="$T/store.db" "$V" ip lookup 1.0.0.7 | grep -q 13335'

# info
"$V" ipdb info --ipdb "$T/a.ipdb" --verify > "$T/out"
rc=$?
check "info --verify exits 0" '[ $rc -eq 0 ]'
check "info: format version" 'grep -q "^format: *version 1" "$T/out"'
check "info: sources with kinds" 'grep -q "csv-country .*country6.csv" "$T/out"'
check "info: checksum verified" 'grep -q "^verified: *the checksum matches" "$T/out"'
size=$(wc -c < "$T/a.ipdb")
cp "$T/a.ipdb" "$T/damaged.ipdb"
printf 'X' | dd of="$T/damaged.ipdb" bs=1 seek=$((size - 2)) conv=notrunc 2>/dev/null
"$V" ipdb info --ipdb "$T/damaged.ipdb" --verify > /dev/null 2> "$T/err"
rc=$?
check "damaged index: --verify exits 3" '[ $rc -eq 3 ]'
check "damaged index: checksum mismatch named" 'grep -q "damaged.ipdb: checksum mismatch" "$T/err"'
head -c $((size - 10)) "$T/a.ipdb" > "$T/short.ipdb"
"$V" ip lookup --ipdb "$T/short.ipdb" 1.0.0.7 > /dev/null 2> "$T/err"
rc=$?
check "truncated index refused (exit 3)" '[ $rc -eq 3 ] && grep -q "short.ipdb: .*truncated" "$T/err"'

# malformed rows
"$V" ipdb build -o "$T/b.ipdb" $F/bad.csv > "$T/out" 2> "$T/err"
rc=$?
check "malformed rows: exit 1" '[ $rc -eq 1 ]'
check "malformed rows: counted" 'grep -q "bad.csv: csv-country, 2 rows read, 6 skipped" "$T/out"'
check "malformed rows: named with line and field" 'grep -q "bad.csv:2: end: .1.2.3.255. comes before the start (row skipped)" "$T/err"'
check "malformed rows: the index is written" '"$V" ip lookup --ipdb "$T/b.ipdb" 1.2.10.1 | grep -q NZ'
"$V" ipdb build --strict -o "$T/c.ipdb" $F/bad.csv > /dev/null 2> "$T/err"
rc=$?
check "--strict: refused (exit 3)" '[ $rc -eq 3 ] && [ ! -e "$T/c.ipdb" ]'
check "--strict: names the row" 'grep -q "bad.csv:2: end:" "$T/err"'
"$V" ipdb build -o "$T/d.ipdb" $F/notrange.csv > /dev/null 2> "$T/err"
rc=$?
check "not a range file: exit 3" '[ $rc -eq 3 ] && grep -q "not a range file" "$T/err"'
"$V" ipdb build -o "$T/d.ipdb" "$T/missing.csv" > /dev/null 2> "$T/err"
rc=$?
check "missing source: exit 3" '[ $rc -eq 3 ] && grep -q "missing.csv" "$T/err"'

# update: from the recorded sources, or from new ones; the file is replaced
cp $F/country4.csv "$T/src.csv"
"$V" ipdb build -o "$T/u.ipdb" "$T/src.csv" > /dev/null
ino1=$(ls -i "$T/u.ipdb" | cut -d' ' -f1)
cat $F/correction.csv | sed 1d >> "$T/src.csv"
"$V" ipdb update --ipdb "$T/u.ipdb" > "$T/out" 2>&1
rc=$?
ino2=$(ls -i "$T/u.ipdb" | cut -d' ' -f1)
check "update from the recorded sources exits 0" '[ $rc -eq 0 ]'
check "update replaced the file (a new inode)" '[ "$ino1" != "$ino2" ]'
check "update read the newer source" '"$V" ip lookup --ipdb "$T/u.ipdb" 1.0.0.5 | grep -q NZ'
"$V" ipdb update --ipdb "$T/u.ipdb" $F/country4.csv > /dev/null
check "update from named sources" '"$V" ip lookup --ipdb "$T/u.ipdb" 1.0.0.5 | grep -q AU'
check "update of a missing index without sources exits 3" '"$V" ipdb update --ipdb "$T/none.ipdb" 2>/dev/null; [ $? -eq 3 ]'
check "no temporary file left after updates" '[ "$(ls "$T" | grep -c tmp-)" -eq 0 ]'
check "-o is for build only" '"$V" ipdb update -o "$T/u.ipdb" 2>/dev/null; [ $? -eq 2 ]'

echo "1..$n"
[ "$bad" -eq 0 ]
