#!/bin/sh
# Spanish is first-class: every message in the sources has a Spanish translation (none
# missing, none fuzzy), the catalogue compiles, and vigia speaks Spanish under es_ES.UTF-8.
set -u
V=${VIGIA:-build/san/vigia}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
bad=0
xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ -o "$T/now.pot" \
	$(ls src/*/*.c src/*/*.h src/*/*/*.c src/*/*/*.h 2>/dev/null | sort) || exit 1
xgettext --language=JavaScript --from-code=UTF-8 --keyword=_ --keyword=_f -j -o "$T/now.pot" \
	$(ls web/*.js | sort) || exit 1
if msgcmp po/es.po "$T/now.pot" > "$T/cmp" 2>&1; then
	echo "ok 1 - every message of the sources is in po/es.po"
else
	echo "not ok 1 - messages missing from po/es.po (run scripts/update-po.sh, then translate):"
	head -20 "$T/cmp"; bad=1
fi
stats=$(msgfmt --check --statistics -o "$T/es.mo" po/es.po 2>&1)
case "$stats" in
*untranslated*|*fuzzy*) echo "not ok 2 - po/es.po incomplete: $stats"; bad=1 ;;
*) echo "ok 2 - po/es.po complete: $stats" ;;
esac
out=$(LANG=es_ES.UTF-8 LC_ALL=es_ES.UTF-8 "$V" --help 2>&1)
if echo "$out" | grep -q "Órdenes\|uso:"; then
	echo "ok 3 - vigia --help in Spanish"
else
	echo "not ok 3 - vigia --help is not Spanish under es_ES.UTF-8:"; echo "$out" | head -3; bad=1
fi
out=$(LANG=es_ES.UTF-8 LC_ALL=es_ES.UTF-8 "$V" frobnicate 2>&1)
if echo "$out" | grep -q "no es una orden"; then
	echo "ok 4 - errors in Spanish"
else
	echo "not ok 4 - error not Spanish: $out"; bad=1
fi
out=$(LANG=en_US.UTF-8 LC_ALL=C.UTF-8 "$V" frobnicate 2>&1)
if echo "$out" | grep -q "is not a vigia command"; then
	echo "ok 5 - English by default"
else
	echo "not ok 5 - English output: $out"; bad=1
fi
echo "1..5"
exit $bad
