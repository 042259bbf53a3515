#!/bin/sh
# Install what vigia needs to build, test and run, from Debian's packages.
# Idempotent: when everything is installed it only checks and returns (about 50 ms).
# Needs root (or sudo) only when something is missing.
set -eu

PKGS="build-essential pkg-config gettext locales python3 clang llvm
libjansson-dev zlib1g-dev libzip-dev libxml2-dev libidn2-dev libsodium-dev libpcre2-dev
libsqlite3-dev sqlite3 libmaxminddb-dev libpsl-dev publicsuffix libicu-dev
libcurl4-openssl-dev libxgboost-dev
libyara-dev yara libclamav-dev clamav libarchive-dev libssl-dev libgmime-3.0-dev
nginx-light nodejs libxml2-utils
libgpgme-dev gnupg python3-aiosmtpd python3-jsonschema openssl
tinyproxy dante-server libldns-dev unbound opensmtpd
libmicrohttpd-dev wrk curl libpq-dev postgresql libhiredis-dev
spamassassin spamd spamc rspamd redis-server
chromium
libcairo2-dev libpango1.0-dev libfontconfig-dev poppler-utils"
# (chromium: the web UI's end-to-end tests, tests/browser/, drive Debian's Chromium;
# spamassassin ...: bench/mail-compare.sh runs SpamAssassin and rspamd beside vigia's mail
# classifier; they are started on loopback by the script only, never as services; the tests
# of vigia worker start their own redis-server on loopback too; cairo, pango ...: vigia report's PDF
# is drawn with cairo and pango, and its tests read it back with poppler's pdfinfo/pdftotext;
# sqlite3: the shell bench/sqlite-floor.sh measures SQLite alone with)

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ -n "$missing" ]; then
	echo "deps: installing:$missing" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi

# The Spanish translation is tested with LANG=es_ES.UTF-8: make sure the locale exists.
if ! locale -a 2>/dev/null | grep -qi '^es_ES\.utf-\?8$'; then
	echo "deps: generating locale es_ES.UTF-8" >&2
	if [ -f /etc/locale.gen ]; then
		$SUDO sed -i 's/^# *\(es_ES.UTF-8 UTF-8\)/\1/' /etc/locale.gen
		grep -q '^es_ES.UTF-8 UTF-8' /etc/locale.gen || echo 'es_ES.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
		$SUDO locale-gen >/dev/null
	else
		$SUDO localedef -i es_ES -f UTF-8 es_ES.UTF-8
	fi
fi

# The STIX 2.1 validator the tests use (../shared/tools/stix-validate: Ajv over the OASIS
# schemas) needs npm packages.  They go once into $VIGIA_NODE_DIR (default
# ~/.cache/vigia/stix-validate) so that the tests run offline afterwards.
if ! command -v npm >/dev/null 2>&1; then
	echo "deps: installing npm" >&2
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >&2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
sv="$here/../shared/tools/stix-validate"
nd=${VIGIA_NODE_DIR:-$HOME/.cache/vigia/stix-validate}
if [ -f "$sv/package.json" ] && ! cmp -s "$sv/package.json" "$nd/package.json" 2>/dev/null ||
   { [ -f "$sv/package.json" ] && [ ! -d "$nd/node_modules/ajv-formats" ]; }; then
	echo "deps: installing the STIX validator's npm packages into $nd" >&2
	mkdir -p "$nd"
	cp "$sv/package.json" "$nd/package.json"
	(cd "$nd" && npm install --no-audit --no-fund --no-package-lock --silent >&2)
fi

# The web UI's browser tests (tests/browser/run.sh) drive Debian's Chromium with playwright-core,
# pinned by tests/browser/package-lock.json and installed once into $VIGIA_BROWSER_DIR (default
# ~/.cache/vigia/browser), never into the tree; Playwright's own browser download is not used.
bd=${VIGIA_BROWSER_DIR:-$HOME/.cache/vigia/browser}
if ! cmp -s "$here/tests/browser/package-lock.json" "$bd/package-lock.json" 2>/dev/null ||
   [ ! -d "$bd/node_modules/playwright-core" ]; then
	echo "deps: installing the browser tests' npm packages into $bd" >&2
	mkdir -p "$bd"
	cp "$here/tests/browser/package.json" "$here/tests/browser/package-lock.json" "$bd/"
	(cd "$bd" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent >&2)
fi
