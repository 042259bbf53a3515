#!/bin/sh
# Extract the messages meant for people from the sources (gettext's _() and N_()) into
# po/vigia.pot and merge them into every po/*.po.  Run after changing any message; then
# translate what msgmerge marked untranslated or fuzzy (tests/cli/i18n.sh checks it).
set -eu
xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ --add-comments=TRANSLATORS: \
	--package-name=vigia --msgid-bugs-address=cert@example.org --sort-by-file \
	-o po/vigia.pot $(ls src/*/*.c src/*/*.h src/*/*/*.c src/*/*/*.h 2>/dev/null | sort)
# the web UI's scripts (their catalogue is made from po/es.po at build: scripts/po2json.py)
xgettext --language=JavaScript --from-code=UTF-8 --keyword=_ --keyword=_f --sort-by-file -j \
	--package-name=vigia --msgid-bugs-address=cert@example.org \
	-o po/vigia.pot $(ls web/*.js | sort)
for po in po/*.po; do
	msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" po/vigia.pot
	msgattrib --no-obsolete -o "$po" "$po"
done
msgfmt --statistics -o /dev/null po/*.po
