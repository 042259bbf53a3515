/*
 * xarf.c — X-ARF v4 reports from incidents and their events (xarf.h).
 *
 * Written straight into the output buffer in a fixed order, so the same incident gives the
 * same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/i18n.h"
#include "share/xarf.h"

/* RSIT classification.type → X-ARF category/type.  Types not listed are threat intelligence. */
static const struct {
	const char *rsit, *category, *type;
} type_map[] = {
	{ "scanner", "connection", "port_scan" },
	{ "brute-force", "connection", "login_attack" },
	{ "ddos", "connection", "ddos" },
	{ "sniffing", "connection", "reconnaissance" },
	{ "infected-system", "infrastructure", "botnet" },
	{ "system-compromise", "infrastructure", "compromised_server" },
	{ "phishing", "content", "phishing" },
	{ "malware-distribution", "content", "malware" },
	{ "spam", "messaging", "spam" },
	{ "vulnerable-system", "vulnerability", "open_service" },
	{ "vulnerable-service", "vulnerability", "open_service" },
	{ "potentially-unwanted-accessible", "vulnerability", "open_service" },
	{ "information-disclosure", "vulnerability", "open_service" },
	{ "weak-crypto", "vulnerability", "misconfiguration" },
	{ "blacklist", "reputation", "blocklist" },
};

void xarf_type_of(const char *classification_type, const char **category, const char **type)
{
	*category = "reputation";
	*type = "threat_intelligence";
	if (!classification_type)
		return;
	for (size_t i = 0; i < sizeof(type_map) / sizeof(type_map[0]); i++)
		if (!strcmp(type_map[i].rsit, classification_type)) {
			*category = type_map[i].category;
			*type = type_map[i].type;
			return;
		}
}

/* A string field of an event as a NUL-terminated copy in out ("" when missing). */
static const char *get(const struct event *ev, const char *key, char *out, size_t n)
{
	size_t len = 0;
	enum vkind kind;
	const char *v = event_get(ev, key, &len, &kind);

	out[0] = 0;
	if (!v || len >= n)
		return out;
	memcpy(out, v, len);
	out[len] = 0;
	return out;
}

static void iso_time(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A UUID (version 4 layout) from a hash of the report's identity. */
static void report_uuid(const char *domain, int64_t incident, int64_t version, char out[37])
{
	unsigned char h[16];
	char in[512];
	int n = snprintf(in, sizeof(in), "%s\n%lld\n%lld", domain ? domain : "",
			 (long long)incident, (long long)version);

	crypto_generichash(h, sizeof(h), (const unsigned char *)in,
			   (size_t)(n < 0 ? 0 : n) < sizeof(in) ? (size_t)n : sizeof(in) - 1, NULL, 0);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
		 h[13], h[14], h[15]);
}

/* The host of a URL ("http://host:port/path" → host) into out; "" when none. */
static void url_host(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://"), *e;

	out[0] = 0;
	p = p ? p + 3 : url;
	for (e = p; *e && *e != '/' && *e != ':' && *e != '?' && *e != '#'; e++)
		;
	if (e > p && (size_t)(e - p) < n) {
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = 0;
	}
}

/* A small JSON object writer straight into the output buffer (a report is written for every
 * incident of every message: building a jansson tree and dumping it cost more than the rest of
 * the message).  Members come in a fixed order, so the same incident gives the same bytes. */
struct jw {
	struct buf *b;
	int first;
	int rc;
};

static void jw_key(struct jw *w, const char *k)
{
	if (w->rc == V_OK && !w->first)
		w->rc = buf_putc(w->b, ',');
	w->first = 0;
	if (w->rc == V_OK)
		w->rc = buf_json_str(w->b, k, strlen(k));
	if (w->rc == V_OK)
		w->rc = buf_putc(w->b, ':');
}

/* A string member, left out when v is empty. */
static void jw_str(struct jw *w, const char *k, const char *v)
{
	if (!v || !v[0])
		return;
	jw_key(w, k);
	if (w->rc == V_OK)
		w->rc = buf_json_str(w->b, v, strlen(v));
}

/* A port member (1..65535), left out when v is not one. */
static void jw_port(struct jw *w, const char *k, const char *v)
{
	char *end;
	long p;

	if (!v || !v[0])
		return;
	p = strtol(v, &end, 10);
	if (*end || p < 1 || p > 65535)
		return;
	jw_key(w, k);
	if (w->rc == V_OK)
		w->rc = buf_printf(w->b, "%ld", p);
}

static void jw_reporter(struct jw *w, const char *k, const struct xarf_reporter *rep)
{
	struct jw in = { .b = w->b, .first = 1 };

	jw_key(w, k);
	if (w->rc == V_OK)
		w->rc = buf_putc(w->b, '{');
	in.rc = w->rc;
	jw_str(&in, "org", rep->org);
	jw_str(&in, "contact", rep->contact);
	jw_str(&in, "domain", rep->domain);
	w->rc = in.rc;
	if (w->rc == V_OK)
		w->rc = buf_putc(w->b, '}');
}

/* A tag "namespace:value" with value reduced to the characters X-ARF allows; "" when the
 * value has nothing usable. */
static void tag_of(const char *ns, const char *v, char t[128])
{
	size_t k = 0, nl = strlen(ns);

	t[0] = 0;
	if (!v || !v[0] || nl + 2 >= 128)
		return;
	memcpy(t, ns, nl);
	k = nl;
	t[k++] = ':';
	for (const char *p = v; *p && k + 1 < 128; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
		    c == '-')
			t[k++] = c;
		else if (k > nl + 1 && t[k - 1] != '_')
			t[k++] = '_';
	}
	t[k] = 0;
	/* the value must start with a letter or a digit */
	if (!(k > nl + 1 && ((t[nl + 1] >= 'a' && t[nl + 1] <= 'z') ||
			     (t[nl + 1] >= '0' && t[nl + 1] <= '9'))))
		t[0] = 0;
}

int xarf_report(const struct xarf_reporter *rep, const struct store_incident *inc,
		int64_t version, const struct event *const *evs, size_t n, struct buf *out,
		struct verr *err)
{
	const struct event *ev = NULL;
	char ip[64], fqdn[256], url[2048], host[256], proto[16], port[16], dport[16], dip[64];
	char ctype[64], ident[128], malware[128], app[64], feed[128], smtp_from[256];
	char uuid[37], t[32];
	const char *source = NULL, *category, *type;
	struct jw w;
	int rc;

	for (size_t i = 0; i < n && !source; i++) {
		ev = evs[i];
		get(ev, "source.url", url, sizeof(url));
		url_host(url, host, sizeof(host));
		if (get(ev, "source.ip", ip, sizeof(ip))[0])
			source = ip;
		else if (get(ev, "source.fqdn", fqdn, sizeof(fqdn))[0])
			source = fqdn;
		else if (host[0])
			source = host;
	}
	if (!source)
		return verr_set(err, V_ERR_INVALID, "source.ip",
				_("incident %lld has no event with a source address or name to "
				  "report"), (long long)inc->id);
	get(ev, "source.fqdn", fqdn, sizeof(fqdn));
	get(ev, "protocol.transport", proto, sizeof(proto));
	get(ev, "source.port", port, sizeof(port));
	get(ev, "destination.port", dport, sizeof(dport));
	get(ev, "destination.ip", dip, sizeof(dip));
	get(ev, "classification.type", ctype, sizeof(ctype));
	get(ev, "classification.identifier", ident, sizeof(ident));
	get(ev, "malware.name", malware, sizeof(malware));
	get(ev, "protocol.application", app, sizeof(app));
	get(ev, "feed.name", feed, sizeof(feed));
	get(ev, "source.account", smtp_from, sizeof(smtp_from));
	if (!ctype[0] && inc->classification_type)
		snprintf(ctype, sizeof(ctype), "%s", inc->classification_type);
	xarf_type_of(ctype, &category, &type);
	/* what the type requires; otherwise threat intelligence */
	if (!strcmp(category, "connection")) {
		int ok_proto = !strcmp(proto, "tcp") || !strcmp(proto, "udp") ||
			       !strcmp(proto, "icmp") || !strcmp(proto, "sctp");
		if (!ok_proto || (!port[0] && source == ip))
			category = "reputation", type = "threat_intelligence";
	} else if (!strcmp(category, "messaging")) {
		if (!smtp_from[0] || !port[0])
			category = "reputation", type = "threat_intelligence";
	}

	report_uuid(rep->domain, inc->id, version, uuid);
	w.b = out;
	w.first = 1;
	w.rc = buf_putc(out, '{');
	jw_str(&w, "xarf_version", XARF_VERSION);
	jw_str(&w, "report_id", uuid);
	iso_time(inc->first_seen ? inc->first_seen : inc->created, t);
	jw_str(&w, "timestamp", t);
	jw_reporter(&w, "reporter", rep);
	jw_reporter(&w, "sender", rep);
	jw_str(&w, "source_identifier", source);
	jw_port(&w, "source_port", port);
	jw_str(&w, "category", category);
	jw_str(&w, "type", type);
	jw_str(&w, "evidence_source", "threat_intelligence");
	if (inc->title && inc->title[0]) {
		char d[1001];
		/* at most 1000 bytes, cut between characters */
		size_t len = strlen(inc->title);
		if (len > 1000) {
			len = 1000;
			while (len > 0 && ((unsigned char)inc->title[len] & 0xc0) == 0x80)
				len--;
		}
		memcpy(d, inc->title, len);
		d[len] = 0;
		jw_str(&w, "description", d);
	}
	jw_str(&w, "first_seen", t);
	iso_time(inc->last_seen ? inc->last_seen : inc->created, t);
	jw_str(&w, "last_seen", t);
	{
		char tg[4][128];
		int any = 0;
		tag_of("rsit", ctype, tg[0]);
		tag_of("malware", malware, tg[1]);
		tag_of("feed", feed, tg[2]);
		tag_of("tlp", inc->tlp, tg[3]);
		jw_key(&w, "tags");
		if (w.rc == V_OK)
			w.rc = buf_putc(out, '[');
		for (int i = 0; i < 4 && w.rc == V_OK; i++) {
			if (!tg[i][0])
				continue;
			if (any)
				w.rc = buf_putc(out, ',');
			if (w.rc == V_OK)
				w.rc = buf_json_str(out, tg[i], strlen(tg[i]));
			any = 1;
		}
		if (w.rc == V_OK)
			w.rc = buf_putc(out, ']');
	}
	if (!strcmp(category, "connection")) {
		jw_str(&w, "protocol", proto);
		jw_str(&w, "destination_ip", dip);
		jw_port(&w, "destination_port", dport);
	} else if (!strcmp(category, "infrastructure")) {
		char ev_text[512];
		snprintf(ev_text, sizeof(ev_text), "%s%s%s (%lld events)",
			 malware[0] ? malware : (ctype[0] ? ctype : "compromise"),
			 feed[0] ? " reported by " : "", feed, (long long)inc->event_count);
		jw_str(&w, !strcmp(type, "botnet") ? "compromise_evidence" : "compromise_method",
		       ev_text);
		if (!strcmp(type, "botnet"))
			jw_str(&w, "malware_family", malware);
	} else if (!strcmp(category, "content")) {
		jw_str(&w, "url", url);
		if (!strcmp(type, "malware"))
			jw_str(&w, "malware_family", malware);
	} else if (!strcmp(category, "messaging")) {
		jw_str(&w, "protocol", "smtp");
		jw_str(&w, "smtp_from", smtp_from);
	} else if (!strcmp(category, "vulnerability")) {
		jw_str(&w, "service", app[0] ? app : ident[0] ? ident : "unknown");
	} else if (!strcmp(type, "blocklist") || !strcmp(type, "threat_intelligence")) {
		jw_str(&w, "threat_type", ctype[0] ? ctype : "unknown");
	}
	if (w.rc == V_OK)
		w.rc = buf_putc(out, '}');
	rc = w.rc;
	if (rc != V_OK)
		verr_set(err, rc, "", _("the X-ARF report of incident %lld is too large"),
			 (long long)inc->id);
	return rc;
}
