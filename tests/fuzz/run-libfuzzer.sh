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
PKGS="jansson zlib libzip libxml-2.0 libidn2 libsodium libpcre2-8 sqlite3 libmaxminddb libcurl gpgme"
CFLAGS="-std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined -Isrc -I$BUILD/gen $(pkg-config --cflags $PKGS)"
make --no-print-directory BUILD="$BUILD" build-all >/dev/null
objs=""
for src in $(ls src/*/*.c | grep -v '^src/cli/') "$BUILD/gen/parsers_gen.c" "$BUILD/gen/catalogue_gen.c"; do
	o=$out/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	clang $CFLAGS -c "$src" -o "$o"
	objs="$objs $o"
done
LIBS="$(pkg-config --libs $PKGS) -lm"
clang $CFLAGS -fsanitize=fuzzer tests/fuzz/fuzz_value.c $objs $LIBS -o "$out/fuzz_value"
clang $CFLAGS -fsanitize=fuzzer tests/fuzz/fuzz_parser.c $objs $LIBS -o "$out/fuzz_parser"
clang $CFLAGS -fsanitize=fuzzer tests/fuzz/fuzz_notify.c $objs $LIBS -o "$out/fuzz_notify"
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
mkdir -p "$BUILD/fuzz-corpus/value"
"$out/fuzz_value" -max_total_time="$SECS" -artifact_prefix="$BUILD/fuzz-artifacts/value-" \
	"$BUILD/fuzz-corpus/value" tests/fuzz/corpus/value > "$BUILD/fuzz-artifacts/value.log" 2>&1 || status=1
tail -1 "$BUILD/fuzz-artifacts/value.log"
mkdir -p "$BUILD/fuzz-corpus/notify"
"$out/fuzz_notify" -max_total_time="$SECS" -artifact_prefix="$BUILD/fuzz-artifacts/notify-" \
	"$BUILD/fuzz-corpus/notify" tests/fuzz/corpus/notify > "$BUILD/fuzz-artifacts/notify.log" 2>&1 || status=1
tail -1 "$BUILD/fuzz-artifacts/notify.log"
[ $status -eq 0 ] && echo "fuzz: all targets ran clean" || echo "fuzz: FAILURES, see $BUILD/fuzz-artifacts/"
exit $status
