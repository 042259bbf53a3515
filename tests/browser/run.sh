#!/bin/sh
# The web UI end to end in a real headless Chromium (Debian's, driven by playwright-core from
# tests/browser/package-lock.json, installed by scripts/deps.sh into ~/.cache/vigia/browser):
# sign in (name and password), sort the queue on the server, work an incident from new to
# closed, merge two, bulk changes, preview an export under a partner's rights (TLP:RED absent),
# a hostile value shown as text, switch language (kept by the account), event search,
# constituency (export, import as an administrator), dashboard, URL check, attachments
# (upload, download the same bytes), period and case reports (HTML in a tab, PDF downloaded).
# Screenshots of the queue, an incident and the
# dashboard are kept in $BUILD/browser/ as artefacts.  Fixtures: tests/data/ui/.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
BUILD=${BUILD:-build}
ART=$(pwd)/$BUILD/browser
BD=${VIGIA_BROWSER_DIR:-$HOME/.cache/vigia/browser}
CHROME=${VIGIA_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROME" ] || { echo "SKIP: no Chromium at $CHROME (scripts/deps.sh installs it)"; exit 0; }
[ -d "$BD/node_modules/playwright-core" ] ||
	{ echo "SKIP: playwright-core is not in $BD (scripts/deps.sh installs it)"; exit 0; }
command -v node > /dev/null || { echo "SKIP: no node"; exit 0; }
T=$(mktemp -d)
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2> /dev/null; wait 2> /dev/null; rm -rf "$T"' EXIT
unset VIGIA_DB
export VIGIA_USER=tester
A="$T/ui.db"
D=$(pwd)/tests/data/ui
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1 || exit 1
# 1 phishing (GREEN), 2 infected-system with a hostile malware.name, 3 and 4 scanners, 5 RED
"$V" incidents set 1 --tlp GREEN --db "$A" > /dev/null 2>&1
"$V" incidents set 5 --tlp RED --db "$A" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" constituency import --db "$A" tests/data/constituency/good.csv > /dev/null 2>&1
"$V" account add ana --role analyst --db "$A" 2> /dev/null
"$V" account add boss --role admin --db "$A" 2> /dev/null
"$V" account add y --role partner --partner CERT-Y --db "$A" 2> /dev/null
PW_ana='ana: correct horse battery'
printf '%s\n' "$PW_ana" | "$V" account passwd ana --stdin --db "$A" 2> /dev/null || exit 1
TOK_ana=$("$V" account token ana --db "$A" 2> /dev/null)
TOK_y=$("$V" account token y --db "$A" 2> /dev/null)
TOK_boss=$("$V" account token boss --db "$A" 2> /dev/null)
"$V" serve --db "$A" --http.port=0 --port-file "$T/port" 2> "$T/serve.log" &
PID=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/port" ] || { echo "not ok - vigia serve did not start"; cat "$T/serve.log"; exit 1; }
mkdir -p "$ART"
URL="http://127.0.0.1:$(cat "$T/port")" TOK_ana=$TOK_ana TOK_y=$TOK_y TOK_boss=$TOK_boss PW_ana=$PW_ana ART=$ART CHROME=$CHROME \
	BROWSER_DIR=$BD node tests/browser/ui.test.mjs
rc=$?
[ $rc -eq 0 ] || tail -20 "$T/serve.log"
exit $rc
