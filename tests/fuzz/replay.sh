#!/bin/sh
# Replays the fuzz corpus under ASan+UBSan: every parser must have a seed folder
# tests/fuzz/corpus/<parser>/, and every seed must run clean.
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
if "$BUILD/san/fuzz/fuzz_value" tests/fuzz/corpus/value; then echo "ok: value"; else status=1; fi
if "$BUILD/san/fuzz/fuzz_notify" tests/fuzz/corpus/notify; then echo "ok: notify"; else status=1; fi
exit $status
