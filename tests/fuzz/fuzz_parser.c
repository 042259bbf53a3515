/*
 * fuzz_parser.c — the libFuzzer target for every parser.
 *
 * One source, one target per parser: the parser is chosen by $FUZZ_PARSER, or by the program
 * name "fuzz_<parser>" (run-libfuzzer.sh links one copy per parser).  An input may start with
 * a definition line  #vigia-fuzz {"parameters":{...},"report":{...}}\n  so that the fuzzer
 * also mutates parameters; otherwise the parser's default definition below is used.
 * Under `make check` the same target is linked with replay.c and run over tests/fuzz/corpus/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char parser_name[64];

/* Parameters that make each parser do real work on arbitrary input. */
static const struct {
	const char *parser;
	const char *def;
} defaults[] = {
	{ "csv", "{\"parameters\":{\"columns\":[\"time.source\",\"source.url\",\"source.ip|__IGNORE__\","
		 "\"source.asn\",\"classification.type\",\"extra.note\"],\"type\":\"malware-distribution\","
		 "\"type_translation\":{\"malware_download\":\"malware-distribution\"}}}" },
	{ "shadowserver", "{\"report\":{\"extra.file_name\":\"2019-01-01-scan_ntp-test-geo.csv\","
			  "\"feed.name\":\"NTP Version\"}}" },
	{ "blocklistde", "{\"report\":{\"feed.url\":\"https://lists.blocklist.de/lists/ssh.txt\"}}" },
	{ "dshield_asn", "{\"report\":{\"feed.url\":\"https://dshield.org/asdetailsascii.html?as=1\"}}" },
	{ "key_value", "{\"parameters\":{\"pair_separator\":\" \",\"kv_separator\":\"=\","
		       "\"keys\":{\"src\":\"source.ip\",\"dst\":\"destination.ip\",\"t\":\"time.source\"},"
		       "\"timestamp_key\":\"t\"}}" },
	{ NULL, NULL }
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *env = getenv("FUZZ_PARSER");
	const char *prog = (*argc > 0) ? strrchr((*argv)[0], '/') : NULL;

	prog = prog ? prog + 1 : (*argc > 0 ? (*argv)[0] : "");
	if (env && *env)
		snprintf(parser_name, sizeof(parser_name), "%s", env);
	else if (!strncmp(prog, "fuzz_", 5) && strcmp(prog, "fuzz_parser"))
		snprintf(parser_name, sizeof(parser_name), "%s", prog + 5);
	else
		snprintf(parser_name, sizeof(parser_name), "csv");
	return 0;
}

static int null_sink(void *arg, const struct event *ev)
{
	struct buf *b = arg;
	buf_reset(b);
	return event_to_json(ev, b) == V_OK ? V_OK : V_ERR_LIMIT; /* exercise the writer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *def = NULL;
	json_t *j = NULL, *custom = NULL;
	json_error_t je;
	struct feed_def *fd = NULL;
	struct ingest_ctx ctx;
	struct ingest_options opt = { 0 };
	struct verr e = { 0 };
	struct buf out;

	if (!parser_name[0])
		snprintf(parser_name, sizeof(parser_name), "csv");
	if (size > 12 && !memcmp(p, "#vigia-fuzz ", 12)) {
		const char *nl = memchr(p, '\n', size);
		if (nl) {
			custom = json_loadb(p + 12, (size_t)(nl - p - 12), 0, &je);
			size -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
	}
	for (int i = 0; defaults[i].parser; i++)
		if (!strcmp(defaults[i].parser, parser_name))
			def = defaults[i].def;
	j = json_is_object(custom) ? json_incref(custom) : json_loads(def ? def : "{}", 0, &je);
	if (!json_is_object(j))
		goto out;
	json_object_set_new(j, "parser", json_string(parser_name));
	if (feed_def_from_json(j, parser_name, "fuzz", &fd, &e) != V_OK)
		goto out;
	opt.max_line = 1 << 16;
	opt.max_document = 1 << 22;
	opt.observation_time = "2020-01-01T00:00:00+00:00";
	buf_init(&out, 0);
	struct ingest_sink sink = { null_sink, &out };
	if (ingest_ctx_init(&ctx, fd, &opt, sink, &e) == V_OK)
		ingest_buffer(&ctx, "fuzz", p, size);
	ingest_ctx_fini(&ctx);
	buf_fini(&out);
out:
	feed_def_free(fd);
	json_decref(j);
	json_decref(custom);
	return 0;
}
