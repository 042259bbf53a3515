/*
 * misp.c — a view as MISP events and as a MISP feed directory (misp.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "base/i18n.h"
#include "base/utf8.h"
#include "share/misp.h"

static const char *const tlp_tags[TLP__COUNT] = { "tlp:clear", "tlp:green", "tlp:amber",
						  "tlp:amber+strict", "tlp:red" };
static const char *const distribution[TLP__COUNT] = { "3", "2", "1", "1", "0" };

/* Classes whose reported address is a server victims connect to (MISP ip-dst). */
static int server_class(const char *type)
{
	static const char *const servers[] = { "phishing", "c2-server", "malware-distribution",
						"malware-configuration", "dga-domain", "sinkhole",
						NULL };
	for (int i = 0; type && servers[i]; i++)
		if (!strcmp(type, servers[i]))
			return 1;
	return 0;
}

/*
 * The document is written straight into the output buffer, laid out exactly as jansson's
 * json_dumps(JSON_INDENT(1) | JSON_PRESERVE_ORDER) laid out the tree this file used to build
 * (a newline and one space per level, ": " after a key, "[]" for an empty array), so the bytes
 * are the same; building the tree and dumping it was 56% of an export of 100,000 attributes.
 * Strings are escaped as jansson escapes them (jstr) and must be valid UTF-8, as jansson
 * required: text that is not is refused, with the incident, rather than written.
 */
struct jw {
	struct buf *b;
	int rc;
	int depth;
	uint32_t empty;        /* bit d: nothing written yet in the array/object at depth d */
	int64_t incident;      /* the incident being written, for the error */
	int64_t ts_t;          /* the last timestamp formatted and its text */
	char ts_s[24];
};

static void jput(struct jw *w, const char *s, size_t n)
{
	if (w->rc == V_OK)
		w->rc = buf_append(w->b, s, n);
}

#define JLIT(w, lit) jput((w), (lit), sizeof(lit) - 1)

static void jnl(struct jw *w)
{
	static const char spaces[] = "\n                                ";
	size_t d = (size_t)w->depth; /* at most 8 in this file's documents */

	jput(w, spaces, 1 + (d < sizeof(spaces) - 2 ? d : sizeof(spaces) - 2));
}

static void jopen(struct jw *w, char c)
{
	jput(w, &c, 1);
	w->depth++;
	w->empty |= (uint32_t)1 << w->depth;
}

static void jclose(struct jw *w, char c)
{
	int empty = (w->empty >> w->depth) & 1;

	w->empty &= ~((uint32_t)1 << w->depth);
	w->depth--;
	if (!empty)
		jnl(w);
	jput(w, &c, 1);
}

/* Before a member or an element: the comma after the previous one, a new line, the indent. */
static void jnext(struct jw *w)
{
	uint32_t bit = (uint32_t)1 << w->depth;

	if (w->empty & bit)
		w->empty &= ~bit;
	else
		jput(w, ",", 1);
	jnl(w);
}

/* s as a JSON string, as jansson's dump writes it: \" \\ \b \f \n \r \t, \u00XX (upper-case
 * hex) for the other control characters, every other byte as it is (U+2028, U+2029 and DEL
 * included: JSON allows them).  Not UTF-8: V_ERR_INVALID, nothing written. */
static void jstr(struct jw *w, const char *s)
{
	size_t n = strlen(s);

	if (w->rc != V_OK)
		return;
	if (!utf8_plain_ascii(s, n) && !utf8_valid(s, n, NULL))
		w->rc = V_ERR_INVALID;
	else
		w->rc = buf_json_str_upper(w->b, s, n);
}

/* "key": (the key is one of this file's, nothing to escape) */
static void jkey(struct jw *w, const char *key)
{
	jnext(w);
	jput(w, "\"", 1);
	jput(w, key, strlen(key));
	JLIT(w, "\": ");
}

static void jkstr(struct jw *w, const char *key, const char *value)
{
	jkey(w, key);
	jstr(w, value);
}

/* "key": "<v>" (MISP's numbers are strings) */
static void jknum(struct jw *w, const char *key, long long v)
{
	char t[32];

	snprintf(t, sizeof(t), "%lld", v);
	jkstr(w, key, t);
}

/* "Tag": [{"name": ...}, ...] */
static void jtags(struct jw *w, const char *const *names, int n)
{
	jkey(w, "Tag");
	jopen(w, '[');
	for (int i = 0; i < n; i++) {
		jnext(w);
		jopen(w, '{');
		jkstr(w, "name", names[i]);
		jclose(w, '}');
	}
	jclose(w, ']');
}

static void date_text(int64_t t, char out[16])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		snprintf(out, 16, "1970-01-01");
}

static const char *attribute_type(const struct share_incident *inc,
				  const struct share_indicator *ind, int victim,
				  const char **category)
{
	*category = "Network activity";
	switch (ind->kind) {
	case SK_IPV4:
	case SK_IPV6:
		if (victim)
			return ind->side == 's' ? "ip-src" : "ip-dst";
		return server_class(inc->classification_type) || ind->side == 'd' ? "ip-dst"
										  : "ip-src";
	case SK_DOMAIN: return "domain";
	case SK_URL: return "url";
	case SK_EMAIL: *category = "Payload delivery"; return "email-src";
	case SK_MD5: *category = "Payload delivery"; return "md5";
	case SK_SHA1: *category = "Payload delivery"; return "sha1";
	default: *category = "Payload delivery"; return "sha256";
	}
}

static void attribute(struct jw *w, const struct share_view *v, const struct share_incident *inc,
		      const struct share_indicator *ind)
{
	int victim_side = policy_victim_side(inc->classification_type, inc->taxonomy);
	int victim = ind->side && ind->side == victim_side;
	const char *category, *type = attribute_type(inc, ind, victim, &category);
	const char *own_tlp = tlp_tags[ind->tlp];
	int64_t t = ind->last_seen > 0 ? ind->last_seen : v->created;
	char uuid[37];

	share_uuid(uuid, inc->uuid, share_ind_kind_name(ind->kind), ind->value);
	jnext(w);
	jopen(w, '{');
	jkstr(w, "uuid", uuid);
	jkstr(w, "type", type);
	jkstr(w, "category", category);
	jkey(w, "to_ids");
	if (victim)
		JLIT(w, "false");
	else
		JLIT(w, "true");
	jkstr(w, "value", ind->value);
	jkstr(w, "distribution", "5");
	jkstr(w, "comment", victim ? "compromised (victim) system" : "");
	if (t != w->ts_t || !w->ts_s[0]) { /* an export's attributes share a few times */
		w->ts_t = t;
		snprintf(w->ts_s, sizeof(w->ts_s), "%lld", (long long)t);
	}
	jkstr(w, "timestamp", w->ts_s);
	jtags(w, &own_tlp, ind->tlp != inc->tlp);
	jclose(w, '}');
}

/* The members of an Event that the feed's manifest repeats, in the order it has them: info,
 * Orgc, analysis, timestamp, date, threat_level_id, Tag.  The Event has them in its own order,
 * so this only computes them. */
struct head {
	const char *info;
	char date[16], orguuid[37], rsit[200], pap[16];
	const char *analysis;
	long long threat_level, timestamp;
	const char *tags[3];
	int ntags;
};

static void head_of(const struct share_view *v, const struct share_incident *inc, struct head *h)
{
	h->info = inc->title ? inc->title : "incident";
	date_text(inc->first_seen > 0 ? inc->first_seen : v->created, h->date);
	share_uuid(h->orguuid, v->team, "identity", NULL);
	h->analysis = "0";
	if (inc->state && (!strcmp(inc->state, "in-progress") || !strcmp(inc->state, "waiting")))
		h->analysis = "1";
	else if (inc->state && (!strcmp(inc->state, "resolved") || !strcmp(inc->state, "closed")))
		h->analysis = "2";
	h->threat_level = inc->priority >= 1 && inc->priority <= 4 ? inc->priority : 4;
	h->timestamp = inc->updated > 0 ? inc->updated : v->created;
	h->ntags = 0;
	h->tags[h->ntags++] = tlp_tags[inc->tlp];
	if (inc->taxonomy && inc->classification_type) {
		snprintf(h->rsit, sizeof(h->rsit), "rsit:%s=\"%s\"", inc->taxonomy,
			 inc->classification_type);
		h->tags[h->ntags++] = h->rsit;
	}
	if (inc->has_pap) {
		snprintf(h->pap, sizeof(h->pap), "PAP:%s", policy_pap_name(inc->pap));
		h->tags[h->ntags++] = h->pap;
	}
}

static void orgc(struct jw *w, const struct share_view *v, const struct head *h)
{
	jkey(w, "Orgc");
	jopen(w, '{');
	jkstr(w, "name", v->team);
	jkstr(w, "uuid", h->orguuid);
	jclose(w, '}');
}

/* One incident as {"Event": {...}}.  OUT: *nattr += its attributes. */
static void event(struct jw *w, const struct share_view *v, size_t i, size_t *nattr)
{
	const struct share_incident *inc = &v->incidents[i];
	struct head h;

	w->incident = inc->id;
	head_of(v, inc, &h);
	jopen(w, '{');
	jkey(w, "Event");
	jopen(w, '{');
	jkstr(w, "uuid", inc->uuid);
	jkstr(w, "info", h.info);
	jkstr(w, "date", h.date);
	jkstr(w, "distribution", distribution[inc->tlp]);
	jkstr(w, "analysis", h.analysis);
	jkey(w, "published");
	JLIT(w, "false");
	orgc(w, v, &h);
	jknum(w, "threat_level_id", h.threat_level);
	jknum(w, "timestamp", h.timestamp);
	jtags(w, h.tags, h.ntags);
	jkey(w, "Attribute");
	jopen(w, '[');
	for (size_t k = 0; k < v->nindicators && w->rc == V_OK; k++)
		if (v->indicators[k].incident == i) {
			attribute(w, v, inc, &v->indicators[k]);
			(*nattr)++;
		}
	jclose(w, ']');
	jclose(w, '}');
	jclose(w, '}');
}

static int nomem(struct verr *err)
{
	return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
}

/* The writer's result as the caller's error. */
static int jw_error(const struct jw *w, struct verr *err)
{
	if (w->rc == V_ERR_INVALID)
		return verr_set(err, V_ERR_INVALID, "",
				_("cannot write incident %lld as MISP: text that is not valid "
				  "UTF-8"),
				(long long)w->incident);
	return verr_set(err, w->rc, "", "%s", vres_str(w->rc));
}

int misp_write(const struct share_view *v, struct buf *out, size_t *attributes,
	       struct verr *err)
{
	struct jw w = { .b = out };
	size_t nattr = 0, start = out->len;

	if (v->nincidents == 1) {
		event(&w, v, 0, &nattr);
	} else {
		jopen(&w, '{');
		jkey(&w, "response");
		jopen(&w, '[');
		for (size_t i = 0; i < v->nincidents && w.rc == V_OK; i++) {
			jnext(&w);
			event(&w, v, i, &nattr);
		}
		jclose(&w, ']');
		jclose(&w, '}');
	}
	jput(&w, "\n", 1);
	if (attributes)
		*attributes = nattr;
	if (w.rc != V_OK) {
		out->len = start;
		if (out->data)
			out->data[start] = 0;
		return jw_error(&w, err);
	}
	return V_OK;
}

/* Write text to dir/name through a temporary file and a rename. */
static int put_file(const char *dir, const char *name, const char *text, struct verr *err)
{
	char path[4096], tmp[4200];
	size_t n = strlen(text);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (!(f = fopen(tmp, "w")))
		return verr_set(err, V_ERR_IO, "", _("cannot write %s: %s"), tmp, strerror(errno));
	if (fwrite(text, 1, n, f) != n || fclose(f) != 0) {
		unlink(tmp);
		return verr_set(err, V_ERR_IO, "", _("cannot write %s: %s"), tmp, strerror(errno));
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return verr_set(err, V_ERR_IO, "", _("cannot write %s: %s"), path, strerror(errno));
	}
	return V_OK;
}

/* hashes.csv: "<md5 hex of the value>,<event uuid>" per attribute value, as MISP's feed
 * generator writes it (which hashes each part of a composite "a|b" value on its own: this
 * writer makes no composite type). */
static int hash_lines(const struct share_view *v, size_t i, struct buf *out)
{
	int rc = V_OK;

	for (size_t k = 0; k < v->nindicators && rc == V_OK; k++) {
		const char *val = v->indicators[k].value;
		unsigned char h[EVP_MAX_MD_SIZE];
		unsigned int hl = 0;
		char hex[2 * EVP_MAX_MD_SIZE + 1];
		if (v->indicators[k].incident != i)
			continue;
		if (EVP_Digest(val, strlen(val), h, &hl, EVP_md5(), NULL) != 1)
			return V_ERR_NOMEM;
		sodium_bin2hex(hex, sizeof(hex), h, hl);
		rc = buf_printf(out, "%s,%s\n", hex, v->incidents[i].uuid);
	}
	return rc;
}

/* manifest.json's entry for incident i, whose event file has SHA-256 hex. */
static void manifest_entry(struct jw *w, const struct share_view *v, size_t i, const char *hex)
{
	const struct share_incident *inc = &v->incidents[i];
	struct head h;

	head_of(v, inc, &h);
	jnext(w);
	jstr(w, inc->uuid);
	JLIT(w, ": ");
	jopen(w, '{');
	jkstr(w, "info", h.info);
	orgc(w, v, &h);
	jkstr(w, "analysis", h.analysis);
	jknum(w, "timestamp", h.timestamp);
	jkstr(w, "date", h.date);
	jknum(w, "threat_level_id", h.threat_level);
	jtags(w, h.tags, h.ntags);
	jkstr(w, "integrity:sha256", hex);
	jclose(w, '}');
}

int misp_write_feed(const struct share_view *v, const char *dir, size_t *attributes,
		    struct verr *err)
{
	struct buf hashes, text, manifest;
	struct jw m = { .b = &manifest };
	size_t nattr = 0;
	int rc = V_OK;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return verr_set(err, V_ERR_IO, "", _("cannot create %s: %s"), dir, strerror(errno));
	buf_init(&hashes, 0);
	buf_init(&text, 0);
	buf_init(&manifest, 0);
	jopen(&m, '{');
	for (size_t i = 0; i < v->nincidents && rc == V_OK; i++) {
		struct jw w = { .b = &text };
		unsigned char h[crypto_hash_sha256_BYTES];
		char hex[2 * sizeof(h) + 1], name[64];
		buf_reset(&text);
		event(&w, v, i, &nattr);
		if (w.rc != V_OK) {
			rc = jw_error(&w, err);
			break;
		}
		crypto_hash_sha256(h, (const unsigned char *)buf_cstr(&text), text.len);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(name, sizeof(name), "%s.json", v->incidents[i].uuid);
		rc = put_file(dir, name, buf_cstr(&text), err);
		manifest_entry(&m, v, i, hex);
		if (m.rc != V_OK)
			rc = jw_error(&m, err);
		else if (rc == V_OK && hash_lines(v, i, &hashes) != V_OK)
			rc = nomem(err);
	}
	jclose(&m, '}');
	if (rc == V_OK && m.rc != V_OK)
		rc = jw_error(&m, err);
	if (rc == V_OK)
		rc = put_file(dir, "manifest.json", buf_cstr(&manifest), err);
	if (rc == V_OK)
		rc = put_file(dir, "hashes.csv", buf_cstr(&hashes), err);
	buf_fini(&hashes);
	buf_fini(&text);
	buf_fini(&manifest);
	if (attributes)
		*attributes = nattr;
	return rc;
}
