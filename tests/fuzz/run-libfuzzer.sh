#!/bin/sh
# `make fuzz`: build every target with clang's libFuzzer (+ASan/UBSan) and fuzz each parser
# for FUZZ_SECONDS, starting from tests/fuzz/corpus/<parser>.  New crashes land in
# $BUILD/fuzz-artifacts/; interesting inputs stay in $BUILD/fuzz-corpus/ (copy good ones into
# tests/fuzz/corpus/ to keep them as regression seeds).
set -eu
BUILD=${BUILD:-build}
SECS=${FUZZ_SECONDS:-60}
out=$BUILD/libfuzzer
mkdir -p "$out" "$BUILD/fuzz-artifacts"
PKGS=$(make --no-print-directory -s print-pkgs)
CFLAGS="-std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined -Isrc -I$BUILD/gen $(pkg-config --cflags $PKGS)"
make --no-print-directory BUILD="$BUILD" build-all >/dev/null
objs=""
# the library's sources, generated ones included, are the Makefile's own list (print-sources),
# so that this build links what `make check` links and a new file cannot be missed
for src in $(make --no-print-directory -s BUILD="$BUILD" print-sources); do
	o=$out/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	clang $CFLAGS -c "$src" -o "$o"
	objs="$objs $o"
done
# an archive, as the Makefile links: only the objects a target needs are pulled in (the CLI's
# commands need main.c, which no fuzz target has)
rm -f "$out/libvigia-fuzz.a"
ar rcs "$out/libvigia-fuzz.a" $objs
LIBS="$(pkg-config --libs $PKGS) -lm"
targets=""
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	clang $CFLAGS -fsanitize=fuzzer "$src" "$out/libvigia-fuzz.a" $LIBS -o "$out/$name"
	if [ "$name" != fuzz_parser ]; then targets="$targets ${name#fuzz_}"; fi
done
status=0
parsers=${FUZZ_PARSERS:-$("$BUILD/vigia" parsers | awk '/^[a-z]/ {print $1}')}
for p in $parsers; do
	mkdir -p "$BUILD/fuzz-corpus/$p"
	ln -f "$out/fuzz_parser" "$out/fuzz_$p"
	echo "== fuzz_$p ($SECS s)"
	"$out/fuzz_$p" -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$BUILD/fuzz-artifacts/$p-" "$BUILD/fuzz-corpus/$p" \
		"tests/fuzz/corpus/$p" > "$BUILD/fuzz-artifacts/$p.log" 2>&1 || status=1
	tail -1 "$BUILD/fuzz-artifacts/$p.log"
done
for t in $targets; do
	mkdir -p "$BUILD/fuzz-corpus/$t"
	echo "== fuzz_$t ($SECS s)"
	"$out/fuzz_$t" -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$BUILD/fuzz-artifacts/$t-" "$BUILD/fuzz-corpus/$t" \
		"tests/fuzz/corpus/$t" > "$BUILD/fuzz-artifacts/$t.log" 2>&1 || status=1
	tail -1 "$BUILD/fuzz-artifacts/$t.log"
done
[ $status -eq 0 ] && echo "fuzz: all targets ran clean" || echo "fuzz: FAILURES, see $BUILD/fuzz-artifacts/"
exit $status
