#!/bin/sh
# Replays the fuzz corpus under ASan+UBSan: every parser must have a seed folder
# tests/fuzz/corpus/<parser>/, every other target tests/fuzz/fuzz_<name>.c a folder
# tests/fuzz/corpus/<name>/, and every seed must run clean.
set -u
BUILD=${BUILD:-build}
VIGIA=${VIGIA:-$BUILD/san/vigia}
status=0
for p in $("$VIGIA" parsers | awk '/^[a-z]/ {print $1}'); do
	dir=tests/fuzz/corpus/$p
	if [ ! -d "$dir" ] || [ -z "$(ls "$dir")" ]; then
		echo "FAIL: parser $p has no fuzz seeds in $dir"
		status=1
		continue
	fi
	if FUZZ_PARSER=$p "$BUILD/san/fuzz/fuzz_parser" "$dir" tests/fuzz/corpus/common; then
		echo "ok: $p"
	else
		echo "FAIL: $p"
		status=1
	fi
done
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	[ "$name" = parser ] && continue
	dir=tests/fuzz/corpus/$name
	if [ ! -d "$dir" ] || [ -z "$(ls "$dir")" ]; then
		echo "FAIL: fuzz target $name has no seeds in $dir"
		status=1
	elif "$BUILD/san/fuzz/fuzz_$name" "$dir"; then
		echo "ok: $name"
	else
		echo "FAIL: $name"
		status=1
	fi
done
exit $status
