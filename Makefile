# vigia — one build system: GNU make + pkg-config.
#
#   make            release build: build/vigia
#   make demo       build, then ingest the bundled samples and print what was found
#   make check      build with ASan+UBSan, run every test, print "N passed, N failed"
#   make bench      benchmarks against the real alternatives (docs/benchmarks.md)
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each (needs clang)
#
# BUILD=dir puts all outputs under another folder (helpers building in parallel).

BUILD    ?= build
CC       ?= cc
PKGS     := jansson zlib libzip libxml-2.0 libidn2 libsodium libpcre2-8 sqlite3 libmaxminddb \
            libpsl icu-uc icu-i18n yara libclamav libarchive libcrypto libssl gmime-3.0 libcurl \
            gpgme ldns libmicrohttpd libpq hiredis pangocairo fontconfig xgboost
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wvla -Werror
CSTD     := -std=c17 -D_GNU_SOURCE
LOCALEDIR ?= $(abspath $(BUILD))/locale
DATADIR_DEF := -DVIGIA_LOCALEDIR='"$(LOCALEDIR)"'
INCS     := -Isrc -I$(BUILD)/gen
CFLAGS_COMMON := $(CSTD) $(WARN) $(INCS) $(PKG_CFLAGS) $(DATADIR_DEF) -g
CFLAGS_REL := $(CFLAGS_COMMON) -O2
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS_SAN := $(CFLAGS_COMMON) -O1 $(SAN)

LIB_SRC  := $(filter-out src/cli/main.c,$(wildcard src/*/*.c) $(wildcard src/*/*/*.c))
CLI_MAIN := src/cli/main.c
GEN_SRC  := $(BUILD)/gen/parsers_gen.c $(BUILD)/gen/catalogue_gen.c $(BUILD)/gen/web_gen.c
HDRS     := $(wildcard src/*/*.h) $(wildcard src/*/*/*.h) $(wildcard src/*/*.def) $(BUILD)/gen/version.h
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

REL_OBJ  := $(patsubst %.c,$(BUILD)/rel/%.o,$(LIB_SRC) $(GEN_SRC))
SAN_OBJ  := $(patsubst %.c,$(BUILD)/san/%.o,$(LIB_SRC) $(GEN_SRC))

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

.PHONY: print-pkgs print-sources all build-all demo run-demo check run-check bench run-bench fuzz deps clean lint locale \
        url-model mail-model
# The public targets first install what is missing (scripts/deps.sh is idempotent and quick
# when everything is there), then build in a sub-make that sees the installed pkg-config files.
all:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory build-all
build-all: $(BUILD)/vigia locale

deps:
	@sh scripts/deps.sh

$(BUILD)/gen/version.h: VERSION
	@mkdir -p $(dir $@)
	@printf '#define VIGIA_VERSION "%s"\n' "$(VERSION)" > $@

$(BUILD)/gen/parsers_gen.c: scripts/gen-registry.sh $(wildcard src/ingest/parse_*.c)
	@mkdir -p $(dir $@)
	sh scripts/gen-registry.sh src/ingest > $@

BLOBS    := $(sort $(wildcard data/feeds/*.json)) $(sort $(wildcard data/shadowserver/*.json)) \
            $(sort $(wildcard data/rules/*.json)) $(sort $(wildcard data/warninglists/*.json)) \
            $(sort $(wildcard data/url/*.txt)) \
            $(sort $(wildcard data/webcheck/*.tsv)) $(sort $(wildcard data/risk/*.tsv)) \
            $(sort $(wildcard data/notify/*.json)) $(sort $(wildcard data/notify/templates/*/*.txt))
$(BUILD)/gen/catalogue_gen.c: scripts/gen-blobs.sh $(BLOBS)
	@mkdir -p $(dir $@)
	sh scripts/gen-blobs.sh $@ $(BLOBS)

# the web UI (src/http/ui.c): web/ and its Spanish catalogue (from po/es.po) in the binary
WEB      := $(sort $(wildcard web/*.html web/*.css web/*.js))
$(BUILD)/gen/i18n-es.json: scripts/po2json.py po/es.po
	@mkdir -p $(dir $@)
	python3 scripts/po2json.py po/es.po > $@
$(BUILD)/gen/web_gen.c: scripts/gen-web.sh $(WEB) $(BUILD)/gen/i18n-es.json
	@mkdir -p $(dir $@)
	sh scripts/gen-web.sh $@ $(WEB) $(BUILD)/gen/i18n-es.json

$(BUILD)/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -c $< -o $@

$(BUILD)/san/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -c $< -o $@

$(BUILD)/libvigia.a: $(REL_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libvigia-san.a: $(SAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/vigia: $(CLI_MAIN) $(BUILD)/libvigia.a $(HDRS)
	$(CC) $(CFLAGS_REL) $< $(BUILD)/libvigia.a $(PKG_LIBS) -o $@

$(BUILD)/san/vigia: $(CLI_MAIN) $(BUILD)/libvigia-san.a $(HDRS)
	$(CC) $(CFLAGS_SAN) $< $(BUILD)/libvigia-san.a $(PKG_LIBS) -o $@

$(BUILD)/san/tests/%: tests/unit/%.c tests/unit/tap.h $(BUILD)/libvigia-san.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -Itests/unit $< $(BUILD)/libvigia-san.a $(PKG_LIBS) -o $@

# Fuzz targets: under make check they are linked with a replay driver (gcc, ASan+UBSan) and
# run over tests/fuzz/corpus; under make fuzz they are linked with libFuzzer (clang).
$(BUILD)/san/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libvigia-san.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) $< tests/fuzz/replay.c $(BUILD)/libvigia-san.a $(PKG_LIBS) -o $@

# ---- translations -------------------------------------------------------------------------
PO := $(wildcard po/*.po)
MO := $(patsubst po/%.po,$(BUILD)/locale/%/LC_MESSAGES/vigia.mo,$(PO))
locale: $(MO)
$(BUILD)/locale/%/LC_MESSAGES/vigia.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# ---- tests --------------------------------------------------------------------------------
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/san/tests/%,$(UNIT_SRC))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/san/fuzz/%,$(FUZZ_SRC))

# the notification tests read sent messages back with GMime (test-only dependency)
MAILCHECK := $(BUILD)/test-tools/mailcheck
$(MAILCHECK): tests/notify/mailcheck.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(shell pkg-config --cflags gmime-3.0 jansson) $< \
		$(shell pkg-config --libs gmime-3.0 jansson) -o $@

check:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory run-check
run-check: $(BUILD)/san/vigia $(UNIT_BIN) $(FUZZ_BIN) $(MAILCHECK) locale
	@VIGIA=$(BUILD)/san/vigia BUILD=$(BUILD) sh tests/run.sh

demo:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory run-demo
run-demo: $(BUILD)/vigia locale
	@sh scripts/demo.sh $(BUILD)/vigia

bench:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory run-bench
run-bench: $(BUILD)/vigia $(BUILD)/bench/ipdb_bench $(BUILD)/bench/url_bench \
           $(BUILD)/bench/notify_bench
	@sh bench/run.sh $(BUILD)/vigia
	@sh bench/ipdb.sh $(BUILD)/vigia
	@sh bench/url.sh $(BUILD)
	@sh bench/scan.sh $(BUILD)/vigia
	@sh bench/share.sh $(BUILD)/vigia
	@sh bench/audit.sh $(BUILD)/vigia
	@sh bench/web.sh $(BUILD)/vigia
	@sh bench/redis.sh $(BUILD)/vigia
	@sh bench/ui.sh $(BUILD)/vigia
	@$(BUILD)/bench/notify_bench 100000 5000

# the URL analyzer: 1,000,000-entry list, canonicalization + lookup, the whole check
$(BUILD)/bench/url_bench: bench/url_bench.c $(BUILD)/libvigia.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) $(shell pkg-config --cflags libcurl) $< $(BUILD)/libvigia.a \
		$(PKG_LIBS) $(shell pkg-config --libs libcurl) -o $@

# where the patch audit's load time goes (bench/audit.sh runs it)
$(BUILD)/bench/audit_json: bench/audit_json.c $(BUILD)/libvigia.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) $< $(BUILD)/libvigia.a $(PKG_LIBS) -o $@

# vigia's IP attribution index against libmaxminddb (bench/ipdb.sh runs it)
$(BUILD)/bench/ipdb_bench: bench/ipdb_bench.c tests/unit/test_ipdb_sample.h $(BUILD)/libvigia.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -Itests/unit $< $(BUILD)/libvigia.a $(PKG_LIBS) -o $@

# The lexical URL model (docs/url-analysis.md): built from ../shared, never shipped.
VIGIA_SHARED ?= ../shared
mail-model: $(BUILD)/vigia
	$(BUILD)/vigia mail train --holdout --corpus $(VIGIA_SHARED)/corpus/email \
		--out $(BUILD)/mail-holdout-model.txt
	$(BUILD)/vigia mail train --corpus $(VIGIA_SHARED)/corpus/email --out $(BUILD)/mail-model.txt

url-model: $(BUILD)/vigia
	$(BUILD)/vigia url train --cv 5 --data $(VIGIA_SHARED)/corpus/url/labeled-dev.tsv \
		--out $(BUILD)/url-model.bin
# routing and rendering of notifications (docs/benchmarks.md "Notifications")
$(BUILD)/bench/notify_bench: bench/notify_bench.c $(BUILD)/libvigia.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) $< $(BUILD)/libvigia.a $(PKG_LIBS) -o $@

FUZZ_SECONDS ?= 60
print-pkgs:
	@echo $(PKGS)
print-sources:
	@echo $(LIB_SRC) $(GEN_SRC)

fuzz:
	@sh scripts/deps.sh
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run-libfuzzer.sh

lint:
	@sh scripts/check-banned.sh

clean:
	rm -rf $(BUILD)
