/*
 * stix.c — a view as a STIX 2.1 bundle (stix.h).  Written straight into a buffer in a fixed
 * order (no JSON tree: 100,000 indicators make 400,000 objects).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "base/i18n.h"
#include "share/stix.h"

#define TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

static const char *const tlp2_values[TLP__COUNT] = { "clear", "green", "amber", "amber+strict",
						     "red" };

struct w {
	struct buf *b;
	const struct share_view *v;
	size_t objects;
	int rc;
	int first;             /* no object written yet (commas) */
	char created[32];      /* the view's time */
	int64_t ts_t[2];       /* wts(): the last two times and their text */
	char ts_s[2][32];
	int ts_next;
	char (*sco)[37];       /* owned: each indicator's SCO id, once computed, or NULL */
	char pap[PAP__COUNT][37]; /* the PAP statements' ids, once computed */
};

static void ts(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm))
		snprintf(out, 32, "1970-01-01T00:00:00.000Z");
}

/* ts() through the writer's memory of the last two times: an export's indicators share a few
 * times, and strftime was a tenth of a large export. */
static void wts(struct w *w, int64_t t, char out[32])
{
	int i = w->ts_t[0] == t ? 0 : w->ts_t[1] == t ? 1 : -1;

	if (i < 0 || !w->ts_s[i][0]) {
		i = w->ts_next;
		w->ts_next ^= 1;
		w->ts_t[i] = t;
		ts(t, w->ts_s[i]);
	}
	memcpy(out, w->ts_s[i], 32);
}

static void put(struct w *w, const char *s)
{
	if (w->rc == V_OK)
		w->rc = buf_puts(w->b, s);
}

static void str(struct w *w, const char *s)
{
	if (w->rc == V_OK)
		w->rc = buf_json_str(w->b, s, strlen(s));
}

/* ,"key":"value" */
static void kv(struct w *w, const char *key, const char *value)
{
	if (!value)
		return;
	put(w, ",\"");
	put(w, key);
	put(w, "\":");
	str(w, value);
}

/* Start an object: {"type":T,"spec_version":"2.1","id":"T--uuid" */
static void open_obj(struct w *w, const char *type, const char *uuid)
{
	put(w, w->first ? "" : ",");
	w->first = 0;
	put(w, "{\"type\":\"");
	put(w, type);
	put(w, "\",\"spec_version\":\"2.1\",\"id\":\"");
	put(w, type);
	put(w, "--");
	put(w, uuid);
	put(w, "\"");
	w->objects++;
}

/* created/modified with modified >= created, and created_by_ref */
static void times(struct w *w, int64_t created, int64_t modified)
{
	char c[32], m[32];

	if (created <= 0)
		created = w->v->created;
	if (modified < created)
		modified = created;
	wts(w, created, c);
	wts(w, modified, m);
	kv(w, "created_by_ref", w->v->team_identity);
	kv(w, "created", c);
	kv(w, "modified", m);
}

static void pap_uuid(enum pap p, char out[37])
{
	share_uuid(out, "vigia", "pap-statement", policy_pap_name(p));
}

static void markings(struct w *w, enum tlp t, int has_pap, enum pap p)
{
	put(w, ",\"object_marking_refs\":[\"");
	put(w, policy_tlp_stix_id(t));
	put(w, "\"");
	if (has_pap && (unsigned)p < PAP__COUNT) {
		if (!w->pap[p][0])
			pap_uuid(p, w->pap[p]);
		put(w, ",\"marking-definition--");
		put(w, w->pap[p]);
		put(w, "\"");
	}
	put(w, "]");
}

static void rsit_label(struct w *w, const char *taxonomy, const char *type)
{
	char label[200];

	if (!taxonomy || !type)
		return;
	snprintf(label, sizeof(label), "rsit:%s=\"%s\"", taxonomy, type);
	put(w, ",\"labels\":[");
	str(w, label);
	put(w, "]");
}

/* The STIX pattern of an indicator into out: [ipv4-addr:value = '...'] with ' and \ escaped. */
static void pattern(const struct share_indicator *ind, struct buf *out)
{
	static const char *const lhs[SK__COUNT] = {
		"ipv4-addr:value", "ipv6-addr:value", "domain-name:value", "url:value",
		"file:hashes.MD5", "file:hashes.'SHA-1'", "file:hashes.'SHA-256'", "email-addr:value"
	};

	buf_reset(out);
	buf_putc(out, '[');
	buf_puts(out, lhs[ind->kind]);
	buf_puts(out, " = '");
	for (const char *p = ind->value; *p; p++) {
		if (*p == '\'' || *p == '\\')
			buf_putc(out, '\\');
		buf_putc(out, *p);
	}
	buf_puts(out, "']");
}

static const char *const sco_type[SK__COUNT] = { "ipv4-addr", "ipv6-addr", "domain-name", "url",
						 "file", "file", "file", "email-addr" };
static const char *const hash_name[SK__COUNT] = { NULL, NULL, NULL, NULL, "MD5", "SHA-1",
						  "SHA-256", NULL };

/* The STIX 2.1 §2.9 namespace of deterministic SCO ids. */
static const unsigned char sco_ns[16] = { 0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
					  0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7 };

/* SHA-1 fetched once (OpenSSL 3 looks an implicitly fetched algorithm up again on every
 * EVP_DigestInit_ex); NULL: EVP_sha1() each time. */
static EVP_MD *sha1_md;
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;

static void sha1_fetch(void)
{
	sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

int stix_sco_uuid(const char *name, size_t len, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int o = 0, good;

	pthread_once(&sha1_once, sha1_fetch);
	good = c && EVP_DigestInit_ex2(c, sha1_md ? sha1_md : EVP_sha1(), NULL) == 1 &&
	       EVP_DigestUpdate(c, sco_ns, sizeof(sco_ns)) == 1 &&
	       EVP_DigestUpdate(c, name, len) == 1 && EVP_DigestFinal_ex(c, h, &hlen) == 1 &&
	       hlen >= 16;
	EVP_MD_CTX_free(c);
	if (!good) {
		out[0] = 0;
		return V_ERR_NOMEM;
	}
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x50); /* version 5 */
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
	}
	out[o] = 0;
	return V_OK;
}

/* The SCO's id contributing properties, serialised as RFC 8785 (JCS) wants them (keys sorted,
 * no spaces, minimal escapes: buf_json_str's); then its UUIDv5. */
static void sco_uuid(struct w *w, const struct share_indicator *ind, char out[37])
{
	struct buf n;
	int rc;

	buf_init(&n, 128);
	if (hash_name[ind->kind]) {
		rc = buf_puts(&n, "{\"hashes\":{\"");
		if (rc == V_OK)
			rc = buf_puts(&n, hash_name[ind->kind]);
		if (rc == V_OK)
			rc = buf_puts(&n, "\":");
	} else {
		rc = buf_puts(&n, "{\"value\":");
	}
	if (rc == V_OK)
		rc = buf_json_str(&n, ind->value, strlen(ind->value));
	if (rc == V_OK)
		rc = buf_puts(&n, hash_name[ind->kind] ? "}}" : "}");
	if (rc == V_OK)
		rc = stix_sco_uuid(n.data, n.len, out);
	if (rc != V_OK && w->rc == V_OK)
		w->rc = rc;
	buf_fini(&n);
}

/* The SCO id of the indicator at index k, computed once (w->sco). */
static void sco_uuid_at(struct w *w, size_t k, char out[37])
{
	if (w->sco && w->sco[k][0]) {
		memcpy(out, w->sco[k], 37);
		return;
	}
	sco_uuid(w, &w->v->indicators[k], out);
	if (w->sco)
		memcpy(w->sco[k], out, 37);
}

static void write_sco(struct w *w, size_t k)
{
	const struct share_indicator *ind = &w->v->indicators[k];
	char u[37];

	sco_uuid_at(w, k, u);
	open_obj(w, sco_type[ind->kind], u);
	if (hash_name[ind->kind]) {
		put(w, ",\"hashes\":{\"");
		put(w, hash_name[ind->kind]);
		put(w, "\":");
		str(w, ind->value);
		put(w, "}");
	} else {
		kv(w, "value", ind->value);
	}
	put(w, "}");
}

static void write_marking_defs(struct w *w, const int *tlp_used, const int *pap_used)
{
	char u[37], stmt[32];

	for (int t = 0; t < TLP__COUNT; t++) {
		if (!tlp_used[t])
			continue;
		put(w, w->first ? "" : ",");
		w->first = 0;
		put(w, "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"");
		put(w, policy_tlp_stix_id((enum tlp)t));
		put(w, "\",\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:");
		put(w, policy_tlp_name((enum tlp)t));
		put(w, "\",\"extensions\":{\"" TLP2_EXT "\":{\"extension_type\":"
		       "\"property-extension\",\"tlp_2_0\":\"");
		put(w, tlp2_values[t]);
		put(w, "\"}}}");
		w->objects++;
	}
	for (int p = 0; p < PAP__COUNT; p++) {
		if (!pap_used[p])
			continue;
		pap_uuid((enum pap)p, u);
		put(w, ",{\"type\":\"marking-definition\",\"spec_version\":\"2.1\","
		       "\"id\":\"marking-definition--");
		put(w, u);
		snprintf(stmt, sizeof(stmt), "PAP:%s", policy_pap_name((enum pap)p));
		put(w, "\",\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":");
		str(w, stmt);
		put(w, ",\"definition_type\":\"statement\",\"definition\":{\"statement\":");
		str(w, stmt);
		put(w, "}}");
		w->objects++;
	}
}

void stix_bundle_id(const struct share_view *v, char out[48])
{
	char t[32];

	snprintf(t, sizeof(t), "%lld", (long long)v->created);
	memcpy(out, "bundle--", 8);
	share_uuid(out + 8, v->team, v->recipient ? v->recipient : "-", t);
}

int stix_write(const struct share_view *v, struct buf *out, size_t *objects, struct verr *err)
{
	struct w w = { .b = out, .v = v, .first = 1 };
	int tlp_used[TLP__COUNT] = { 0 }, pap_used[PAP__COUNT] = { 0 };
	char id[48], u[37], u2[37], a[32], b[32];
	struct buf pat;

	buf_init(&pat, 1 << 16);
	w.sco = v->nindicators ? calloc(v->nindicators, sizeof(*w.sco)) : NULL; /* NULL: no memo */
	ts(v->created, w.created);
	stix_bundle_id(v, id);
	put(&w, "{\"type\":\"bundle\",\"id\":\"");
	put(&w, id);
	put(&w, "\",\"objects\":[");
	/* the producing team */
	put(&w, "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"");
	put(&w, v->team_identity);
	put(&w, "\"");
	w.first = 0;
	w.objects++;
	kv(&w, "created", "2020-01-01T00:00:00.000Z");
	kv(&w, "modified", "2020-01-01T00:00:00.000Z");
	kv(&w, "name", v->team);
	put(&w, ",\"identity_class\":\"organization\",\"sectors\":[\"government\"]}");

	for (size_t i = 0; i < v->nincidents; i++) {
		tlp_used[v->incidents[i].tlp] = 1;
		if (v->incidents[i].has_pap)
			pap_used[v->incidents[i].pap] = 1;
	}
	for (size_t i = 0; i < v->nindicators; i++)
		tlp_used[v->indicators[i].tlp] = 1;
	write_marking_defs(&w, tlp_used, pap_used);

	for (size_t i = 0; i < v->nincidents; i++) {
		const struct share_incident *inc = &v->incidents[i];
		char name[300];
		open_obj(&w, "incident", inc->uuid);
		times(&w, inc->created, inc->updated);
		snprintf(name, sizeof(name), "%s", inc->title ? inc->title : "incident");
		kv(&w, "name", name);
		rsit_label(&w, inc->taxonomy, inc->classification_type);
		markings(&w, inc->tlp, inc->has_pap, inc->pap);
		put(&w, "}");
		/* what was observed: one observed-data over the incident's observables */
		if (!inc->nindicators)
			continue;
		share_uuid(u, v->team, "observed-data", inc->uuid);
		open_obj(&w, "observed-data", u);
		times(&w, inc->created, inc->updated);
		ts(inc->first_seen > 0 ? inc->first_seen : v->created, a);
		ts(inc->last_seen > inc->first_seen ? inc->last_seen
						    : (inc->first_seen > 0 ? inc->first_seen
									   : v->created), b);
		kv(&w, "first_observed", a);
		kv(&w, "last_observed", b);
		put(&w, ",\"number_observed\":");
		if (w.rc == V_OK)
			w.rc = buf_printf(out, "%zu", inc->nevents ? inc->nevents : 1);
		put(&w, ",\"object_refs\":[");
		int firstref = 1;
		for (size_t k = 0; k < v->nindicators; k++) {
			const struct share_indicator *ind = &v->indicators[k];
			if (ind->incident != i)
				continue;
			sco_uuid_at(&w, k, u2);
			put(&w, firstref ? "\"" : ",\"");
			firstref = 0;
			put(&w, sco_type[ind->kind]);
			put(&w, "--");
			put(&w, u2);
			put(&w, "\"");
		}
		put(&w, "]");
		markings(&w, inc->tlp, inc->has_pap, inc->pap);
		put(&w, "}");
	}

	size_t obs_of = SIZE_MAX; /* the incident whose observed-data id obs_uuid holds */
	char obs_uuid[37];
	for (size_t k = 0; k < v->nindicators && w.rc == V_OK; k++) {
		const struct share_indicator *ind = &v->indicators[k];
		const struct share_incident *inc = &v->incidents[ind->incident];
		char ind_uuid[37], name[600];
		int victim = policy_victim_side(inc->classification_type, inc->taxonomy) == 's';

		write_sco(&w, k);
		share_uuid(ind_uuid, inc->uuid, share_ind_kind_name(ind->kind), ind->value);
		open_obj(&w, "indicator", ind_uuid);
		times(&w, ind->first_seen, ind->last_seen);
		snprintf(name, sizeof(name), "%s %s", share_ind_kind_name(ind->kind), ind->value);
		kv(&w, "name", name);
		put(&w, victim ? ",\"indicator_types\":[\"compromised\"]"
			       : ",\"indicator_types\":[\"malicious-activity\"]");
		pattern(ind, &pat);
		kv(&w, "pattern", buf_cstr(&pat));
		put(&w, ",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\"");
		wts(&w, ind->first_seen > 0 ? ind->first_seen : v->created, a);
		kv(&w, "valid_from", a);
		rsit_label(&w, inc->taxonomy, inc->classification_type);
		markings(&w, ind->tlp, inc->has_pap, inc->pap);
		put(&w, "}");
		/* indicator -> its incident */
		share_uuid(u, ind_uuid, "indicates", inc->uuid);
		open_obj(&w, "relationship", u);
		times(&w, ind->first_seen, ind->last_seen);
		put(&w, ",\"relationship_type\":\"indicates\",\"source_ref\":\"indicator--");
		put(&w, ind_uuid);
		put(&w, "\",\"target_ref\":\"incident--");
		put(&w, inc->uuid);
		put(&w, "\"");
		markings(&w, ind->tlp, inc->has_pap, inc->pap);
		put(&w, "}");
		/* the team saw it */
		share_uuid(u, ind_uuid, "sighting", NULL);
		if (obs_of != ind->incident) {
			share_uuid(obs_uuid, v->team, "observed-data", inc->uuid);
			obs_of = ind->incident;
		}
		open_obj(&w, "sighting", u);
		times(&w, ind->first_seen, ind->last_seen);
		wts(&w, ind->first_seen > 0 ? ind->first_seen : v->created, a);
		wts(&w, ind->last_seen > ind->first_seen ? ind->last_seen
						    : (ind->first_seen > 0 ? ind->first_seen
									   : v->created), b);
		kv(&w, "first_seen", a);
		kv(&w, "last_seen", b);
		put(&w, ",\"sighting_of_ref\":\"indicator--");
		put(&w, ind_uuid);
		put(&w, "\",\"observed_data_refs\":[\"observed-data--");
		put(&w, obs_uuid);
		put(&w, "\"],\"where_sighted_refs\":[\"");
		put(&w, v->team_identity);
		put(&w, "\"]");
		markings(&w, ind->tlp, inc->has_pap, inc->pap);
		put(&w, "}");
	}
	put(&w, "]}\n");
	buf_fini(&pat);
	free(w.sco);
	if (objects)
		*objects = w.objects;
	if (w.rc != V_OK)
		return verr_set(err, w.rc, "", _("the STIX bundle does not fit in memory (%s)"),
				vres_str(w.rc));
	return V_OK;
}
