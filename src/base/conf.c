/*
 * conf.c — the settings table and the INI-style configuration file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/i18n.h"

const struct conf_setting conf_settings[] = {
	{ "aggregate.rules", CONF_STRING, "", NULL,
	  N_("aggregation rules file (JSON, docs/formats.md); empty = the built-in rules") },
	{ "audit.mail_rate", CONF_INT, "1", NULL,
	  N_("domains per second 'vigia audit mail' checks at most (1 to 100; --rate)") },
	{ "audit.proxy_rate", CONF_INT, "2", NULL,
	  N_("probes per second 'vigia audit proxy' sends at most (1 to 100; --rate)") },
	{ "audit.web_rate", CONF_INT, "5", NULL,
	  N_("requests per second 'vigia audit web' sends to one site at most (1 to 100; "
	     "--rate)") },
	{ "correlate.index", CONF_ENUM, "auto", "auto|always|never",
	  N_("keep the store's indicator values in memory during an ingest: 'auto' once the "
	     "events make it worth loading them, 'always' from the first event, 'never'") },
	{ "correlate.index_memory", CONF_SIZE, "512M", NULL,
	  N_("memory for the index of indicator values kept during an ingest (16 bytes a slot, "
	     "about 25 bytes a value); past it, or at 0, every value is looked up in the store") },
	{ "correlate.warninglists", CONF_STRING, "builtin", NULL,
	  N_("warning lists of values too common to correlate: 'builtin' and/or directories of "
	     "MISP warning lists, separated by commas") },
	{ "dedup.exclude", CONF_STRING, "time.observation,raw", NULL,
	  N_("fields left out of the dedup fingerprint (comma-separated; 'extra.*' for all "
	     "extras)") },
	{ "dedup.fields", CONF_STRING, "", NULL,
	  N_("fields the dedup fingerprint covers (comma-separated, 'source.*' prefixes); "
	     "empty = all") },
	{ "dedup.max_memory", CONF_SIZE, "256M", NULL,
	  N_("memory for the in-memory dedup filter (8 bytes a slot); when full, the oldest "
	     "entries are asked of the store instead") },
	{ "dedup.window", CONF_DURATION, "24h", NULL,
	  N_("an identical event seen again within this time counts as a repeat (0 = no dedup)") },
	{ "enrich.enabled", CONF_BOOL, "true", NULL,
	  N_("fill network, AS, country and abuse contact of each event's addresses during "
	     "ingest (ingest --no-enrich turns it off for one run)") },
	{ "enrich.ipdb", CONF_STRING, "", NULL,
	  N_("IP attribution index built by 'vigia ipdb build' (default: vigia.ipdb beside the "
	     "store)") },
	{ "enrich.overwrite", CONF_STRING, "", NULL,
	  N_("fields whose feed-supplied values enrichment replaces (comma-separated, e.g. "
	     "source.geolocation.cc, source.*, *; empty = keep every value the feed gave)") },
	{ "http.audit_batch", CONF_INT, "1000", NULL,
	  N_("reads and refused requests 'vigia serve' writes to the audit trail as one entry") },
	{ "http.audit_interval", CONF_DURATION, "1s", NULL,
	  N_("longest wait before the reads and refused requests held go to the audit trail "
	     "(checked on each request, and at stop)") },
	{ "http.cache_size", CONF_SIZE, "16M", NULL,
	  N_("memory for the page cache of each store connection of 'vigia serve' (SQLite; "
	     "one per worker thread and one for the audit of requests)") },
	{ "http.listen", CONF_STRING, "127.0.0.1", NULL,
	  N_("address 'vigia serve' listens on; anything but loopback needs http.tls_cert") },
	{ "http.max_attachment", CONF_SIZE, "10M", NULL,
	  N_("largest file 'vigia serve' takes as an incident's attachment (larger: 413); "
	     "http.max_body bounds it too") },
	{ "http.max_body", CONF_SIZE, "16M", NULL,
	  N_("largest request body 'vigia serve' reads (larger: 413)") },
	{ "http.max_connections", CONF_INT, "256", NULL,
	  N_("connections 'vigia serve' holds open at once") },
	{ "http.port", CONF_INT, "8480", NULL, N_("TCP port of 'vigia serve'") },
	{ "http.rate_limit", CONF_INT, "0", NULL,
	  N_("requests per second one token may make (burst: the same number); 0 = no limit") },
	{ "http.session_ttl", CONF_DURATION, "8h", NULL,
	  N_("how long a web UI sign-in lasts (the session cookie's lifetime)") },
	{ "http.signin_failures", CONF_INT, "5", NULL,
	  N_("failed web UI sign-ins of one account before it is locked for "
	     "http.signin_lockout") },
	{ "http.signin_failures_address", CONF_INT, "20", NULL,
	  N_("failed web UI sign-ins from one address before it is locked for "
	     "http.signin_lockout") },
	{ "http.signin_lockout", CONF_DURATION, "5m", NULL,
	  N_("how long sign-in stays refused after too many failures (counted over the same "
	     "time)") },
	{ "http.timeout", CONF_DURATION, "30s", NULL,
	  N_("an idle or slow connection to 'vigia serve' is closed after this") },
	{ "http.tls_cert", CONF_STRING, "", NULL,
	  N_("PEM certificate chain for HTTPS; empty = plain HTTP, on loopback only") },
	{ "http.tls_key", CONF_STRING, "", NULL, N_("PEM private key of http.tls_cert") },
	{ "http.token_key", CONF_STRING, "", NULL,
	  N_("64 hex digits: the key API tokens are hashed under (keep it outside the database)") },
	{ "incidents.deadline_p1", CONF_DURATION, "4h", NULL,
	  N_("time to handle a P1 incident (30m, 4h, 3d, 2w; 0 = no deadline)") },
	{ "incidents.deadline_p2", CONF_DURATION, "1d", NULL,
	  N_("time to handle a P2 incident (0 = no deadline)") },
	{ "incidents.deadline_p3", CONF_DURATION, "3d", NULL,
	  N_("time to handle a P3 incident (0 = no deadline)") },
	{ "incidents.deadline_p4", CONF_DURATION, "7d", NULL,
	  N_("time to handle a P4 incident (0 = no deadline)") },
	{ "ingest.commit_every", CONF_INT, "50000", NULL,
	  N_("events per store transaction during ingest (a crash loses at most this many, "
	     "and a re-run resumes after the last commit)") },
	{ "ingest.max_document", CONF_SIZE, "256M", NULL,
	  N_("largest whole-document input (JSON array, XML) accepted") },
	{ "ingest.max_line", CONF_SIZE, "1M", NULL,
	  N_("longest line accepted; longer ones are rejected") },
	{ "ingest.progress", CONF_ENUM, "auto", "auto|always|never",
	  N_("progress bar on stderr (auto: when stderr is a terminal and the input is large)") },
	{ "ingest.rejects", CONF_STRING, "", NULL,
	  N_("file that receives rejected records (default: vigia-rejects.jsonl next to the store)") },
	{ "log.format", CONF_ENUM, "text", "text|json", N_("log format on stderr") },
	{ "log.level", CONF_ENUM, "info", "debug|info|warning|error", N_("lowest level logged") },
	{ "mail.internal_networks", CONF_STRING, "", NULL,
	  N_("the receiving side's own relays (comma-separated CIDRs): Received hops from them "
	     "are not taken for the origin of a message") },
	{ "mail.max_message", CONF_SIZE, "64M", NULL,
	  N_("largest message or mailbox file read by 'vigia mail'") },
	{ "mail.max_parts", CONF_INT, "1000", NULL,
	  N_("MIME parts read per message") },
	{ "mail.max_urls", CONF_INT, "1000", NULL,
	  N_("URLs listed per message") },
	{ "mail.model", CONF_STRING, "", NULL,
	  N_("the mail classifier's model (vigia mail train --out): ham, spam or phish per "
	     "message; empty: no classification") },
	{ "scan.cache", CONF_STRING, "", NULL,
	  N_("directory for compiled YARA rules, kept under the rules' hash (default: "
	     "$XDG_CACHE_HOME/vigia, else ~/.cache/vigia; 'none' = no cache)") },
	{ "scan.clamav_db", CONF_STRING, "", NULL,
	  N_("ClamAV database directory (default: libclamav's, used when it holds signatures)") },
	{ "scan.max_depth", CONF_INT, "4", NULL,
	  N_("archives inside archives opened by 'vigia scan' (levels)") },
	{ "scan.max_expanded", CONF_SIZE, "1G", NULL,
	  N_("uncompressed bytes read from all the archive members of one scanned file") },
	{ "scan.max_file", CONF_SIZE, "256M", NULL,
	  N_("largest file or attachment scanned; larger ones are reported, not read") },
	{ "scan.max_member", CONF_SIZE, "64M", NULL,
	  N_("largest archive member scanned, uncompressed") },
	{ "scan.max_members", CONF_INT, "10000", NULL,
	  N_("archive members scanned in one file (all levels together)") },
	{ "scan.rules", CONF_STRING, "", NULL,
	  N_("directory of YARA rules (*.yar, *.yara) for 'vigia scan'; empty = no YARA") },
	{ "scan.signature_max_age", CONF_DURATION, "7d", NULL,
	  N_("ClamAV databases older than this are reported as outdated ('vigia scan "
	     "--signature-age')") },
	{ "share.default_tlp", CONF_STRING, "AMBER", NULL,
	  N_("the TLP of an incident or event without one, when deciding what may be shared") },
	{ "share.signing_key", CONF_STRING, "", NULL,
	  N_("the team's Ed25519 key for signed bundles; empty = the store's path + .signing-key") },
	{ "share.team_name", CONF_STRING, "vigia", NULL,
	  N_("the team's name in exports (its STIX identity) and in signed bundles") },
	{ "share.unnamed_recipient", CONF_ENUM, "community", "public|community|partner|internal",
	  N_("the kind of recipient an export without --for is for") },
	{ "taxii.collections", CONF_STRING, "", NULL,
	  N_("TAXII collections for partners: 'NAME: partner=P[, tlp=T][, types=a+b]', several "
	     "separated by ';' (the sharing policy still decides what each holds)") },
	{ "notify.domain", CONF_STRING, "", NULL,
	  N_("domain of the team's Message-IDs and X-ARF reporter (default: that of notify.from)") },
	{ "notify.from", CONF_STRING, "csirt@example.invalid", NULL,
	  N_("sender address of notifications (envelope and From)") },
	{ "notify.lang", CONF_ENUM, "en", "es|en",
	  N_("language of notifications to contacts whose language is not known") },
	{ "notify.max_attempts", CONF_INT, "10", NULL,
	  N_("temporary SMTP failures before a notification is marked failed") },
	{ "notify.max_events", CONF_INT, "1000", NULL,
	  N_("events of one incident put into a notification's attachments (0 = all)") },
	{ "notify.rate_limit", CONF_INT, "0", NULL,
	  N_("most messages one recipient receives per hour; the rest wait (0 = no limit)") },
	{ "notify.retry_base", CONF_DURATION, "5m", NULL,
	  N_("wait after the first temporary SMTP failure; doubled after each further one") },
	{ "notify.rules", CONF_STRING, "", NULL,
	  N_("notification routing rules (JSON, docs/formats.md); empty = the built-in rules") },
	{ "notify.sign_key", CONF_STRING, "", NULL,
	  N_("OpenPGP fingerprint to sign notifications with (PGP/MIME, GPGME); empty = unsigned") },
	{ "notify.smtp_cafile", CONF_STRING, "", NULL,
	  N_("CA certificates (PEM) to check the SMTP relay's certificate against") },
	{ "notify.smtp_helo", CONF_STRING, "", NULL,
	  N_("name vigia gives in EHLO (empty: libcurl's default)") },
	{ "notify.smtp_password", CONF_STRING, "", NULL,
	  N_("password for SMTP authentication") },
	{ "notify.smtp_timeout", CONF_DURATION, "60s", NULL,
	  N_("time to connect to and talk with the SMTP relay before trying later") },
	{ "notify.smtp_tls", CONF_ENUM, "starttls", "none|try|starttls",
	  N_("STARTTLS with the relay: required (starttls), when offered (try) or never (none)") },
	{ "notify.smtp_url", CONF_STRING, "smtp://localhost:25", NULL,
	  N_("SMTP relay: smtp://HOST:PORT, or smtps://HOST:PORT for TLS from the start") },
	{ "notify.smtp_user", CONF_STRING, "", NULL,
	  N_("user for SMTP authentication (empty: none)") },
	{ "notify.smtp_verify", CONF_BOOL, "yes", NULL,
	  N_("check the SMTP relay's TLS certificate and name") },
	{ "notify.team", CONF_STRING, "CSIRT", NULL,
	  N_("the team's name in notifications and X-ARF reports") },
	{ "notify.templates", CONF_STRING, "", NULL,
	  N_("directory of notification templates (LANG/NAME.txt) overriding the built-in ones") },
	{ "store.busy_timeout", CONF_INT, "5000", NULL,
	  N_("milliseconds to wait for a store another process is writing before giving up") },
	{ "store.cache_size", CONF_SIZE, "512M", NULL,
	  N_("memory for the store's page cache (SQLite), used as pages are read") },
	{ "store.path", CONF_STRING, "vigia.db", NULL, N_("the store (SQLite database file)") },
	{ "url.allow_lists", CONF_STRING, "", NULL,
	  N_("allow lists for URL checks: files of URLs, hosts and sha256: hashes, or 'store', "
	     "separated by commas; a match makes a URL clean") },
	{ "url.block_lists", CONF_STRING, "", NULL,
	  N_("block lists for URL checks: files of URLs, hosts and sha256: hashes, or 'store' "
	     "(the URLs of the store's phishing and malware events), separated by commas") },
	{ "url.enrich", CONF_BOOL, "false", NULL,
	  N_("give events with a URL a verdict, score and reasons during ingest (extra.url_*)") },
	{ "url.model", CONF_STRING, "", NULL,
	  N_("the lexical URL model built by 'vigia url train'; empty = heuristics only") },
	{ "url.psl", CONF_STRING, "/usr/share/publicsuffix/public_suffix_list.dat", NULL,
	  N_("public suffix list for registrable domains (Debian's publicsuffix package)") },
	{ "worker.batch", CONF_INT, "500", NULL,
	  N_("messages a worker reads, processes and acknowledges at a time (one store "
	     "transaction)") },
	{ "worker.claim_after", CONF_DURATION, "60s", NULL,
	  N_("a message pending this long in a worker that stopped is taken over by another") },
	{ "worker.max_stream", CONF_INT, "200000", NULL,
	  N_("back-pressure: stop reading while the output stream holds more messages than this") },
	{ NULL, 0, NULL, NULL, NULL }
};

#define NSETTINGS (sizeof(conf_settings) / sizeof(conf_settings[0]) - 1)
static char *values[NSETTINGS];

static int find(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (!strcmp(conf_settings[i].name, name))
			return (int)i;
	return -1;
}

void conf_init(void)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		free(values[i]);
		values[i] = strdup(conf_settings[i].dflt);
	}
}

void conf_fini(void)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		free(values[i]);
		values[i] = NULL;
	}
}

int conf_parse_size(const char *s, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	default: return -1;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int conf_parse_duration(const char *s, long long *out)
{
	static const struct { char unit; long long secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	char *end;
	long long v, mul = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		size_t i;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (tolower((unsigned char)*end) == units[i].unit)
				break;
		if (i == sizeof(units) / sizeof(units[0]) || end[1])
			return -1;
		mul = units[i].secs;
	}
	if (v > (long long)1 << 40 || v * mul > (long long)1 << 40) /* ~35,000 years */
		return -1;
	*out = v * mul;
	return 0;
}

int conf_set(const char *name, const char *value, struct verr *err)
{
	int i = find(name);
	const struct conf_setting *s;
	long long v;
	char *end;

	if (i < 0)
		return verr_set(err, V_ERR_USAGE, name, _("unknown setting"));
	s = &conf_settings[i];
	switch (s->type) {
	case CONF_INT:
		errno = 0;
		v = strtoll(value, &end, 10);
		if (end == value || *end || errno)
			return verr_set(err, V_ERR_USAGE, name, _("'%s' is not an integer"), value);
		break;
	case CONF_SIZE:
		if (conf_parse_size(value, &v) != 0)
			return verr_set(err, V_ERR_USAGE, name, _("'%s' is not a size (e.g. 1048576, 64K, 1M)"), value);
		break;
	case CONF_DURATION:
		if (conf_parse_duration(value, &v) != 0)
			return verr_set(err, V_ERR_USAGE, name,
					_("'%s' is not a duration (e.g. 90s, 30m, 4h, 3d, 2w)"), value);
		break;
	case CONF_BOOL:
		if (strcmp(value, "true") && strcmp(value, "false") && strcmp(value, "yes") &&
		    strcmp(value, "no") && strcmp(value, "1") && strcmp(value, "0"))
			return verr_set(err, V_ERR_USAGE, name, _("'%s' is not a boolean (true/false)"), value);
		break;
	case CONF_ENUM: {
		const char *c = s->choices;
		size_t n = strlen(value);
		int ok = 0;
		while (c && *c) {
			const char *bar = strchr(c, '|');
			size_t l = bar ? (size_t)(bar - c) : strlen(c);
			if (l == n && !strncmp(c, value, n))
				ok = 1;
			c = bar ? bar + 1 : NULL;
		}
		if (!ok)
			return verr_set(err, V_ERR_USAGE, name, _("'%s' is not one of %s"), value, s->choices);
		break;
	}
	case CONF_STRING:
		break;
	}
	char *copy = strdup(value);
	if (!copy)
		return V_ERR_NOMEM;
	free(values[i]);
	values[i] = copy;
	return V_OK;
}

const char *conf_get(const char *name)
{
	int i = find(name);
	return i < 0 ? NULL : values[i];
}

long long conf_get_int(const char *name)
{
	const char *v = conf_get(name);
	long long x = 0;

	if (!v)
		return 0;
	if (conf_settings[find(name)].type == CONF_DURATION)
		return conf_parse_duration(v, &x) == 0 ? x : 0;
	if (conf_parse_size(v, &x) == 0)
		return x;
	return strtoll(v, NULL, 10);
}

int conf_get_bool(const char *name)
{
	const char *v = conf_get(name);
	return v && (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"));
}

static char *strip(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int conf_load(const char *path, struct verr *err)
{
	FILE *f = fopen(path, "r");
	char line[4096], section[128] = "", name[256];
	long lineno = 0;
	int rc = V_OK;

	if (err) {
		err->file = path;
		err->line = 0;
	}
	if (!f)
		return verr_set(err, V_ERR_IO, NULL, "%s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq;
		lineno++;
		if (err)
			err->line = lineno;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = verr_set(err, V_ERR_USAGE, NULL, _("line too long"));
			break;
		}
		s = strip(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end || end[1]) {
				rc = verr_set(err, V_ERR_USAGE, NULL, _("malformed section header"));
				break;
			}
			*end = 0;
			snprintf(section, sizeof(section), "%s", strip(s + 1));
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			rc = verr_set(err, V_ERR_USAGE, NULL, _("expected 'key = value'"));
			break;
		}
		*eq = 0;
		char *key = strip(s), *val = strip(eq + 1);
		size_t vl = strlen(val);
		if (vl >= 2 && ((val[0] == '"' && val[vl - 1] == '"') || (val[0] == '\'' && val[vl - 1] == '\''))) {
			val[vl - 1] = 0;
			val++;
		}
		if (section[0])
			snprintf(name, sizeof(name), "%s.%s", section, key);
		else
			snprintf(name, sizeof(name), "%s", key);
		if ((rc = conf_set(name, val, err)) != V_OK)
			break;
	}
	fclose(f);
	return rc;
}

const char *conf_default_path(void)
{
	static char home[1024];
	const char *e = getenv("VIGIA_CONFIG"), *h;

	if (e && *e)
		return e;
	if (access("/etc/vigia/vigia.conf", R_OK) == 0)
		return "/etc/vigia/vigia.conf";
	h = getenv("XDG_CONFIG_HOME");
	if (h && *h)
		snprintf(home, sizeof(home), "%s/vigia/vigia.conf", h);
	else if ((h = getenv("HOME")) && *h)
		snprintf(home, sizeof(home), "%s/.config/vigia/vigia.conf", h);
	else
		return NULL;
	return access(home, R_OK) == 0 ? home : NULL;
}
