/*
 * view.c — the format-neutral export view (view.h): incidents, their events and indicators
 * from the store, each one past the sharing policy.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "share/view.h"
#include "store/store.h"

static const char *const kind_names[SK__COUNT] = { "ipv4", "ipv6", "domain", "url", "md5",
						   "sha1", "sha256", "email" };

const char *share_ind_kind_name(enum share_ind_kind k)
{
	return (unsigned)k < SK__COUNT ? kind_names[k] : "?";
}

void share_uuid(char out[37], const char *a, const char *b, const char *c)
{
	crypto_hash_sha256_state s;
	unsigned char h[crypto_hash_sha256_BYTES];
	static const char hex[] = "0123456789abcdef";
	const char *parts[3] = { a, b, c };
	int o = 0;

	crypto_hash_sha256_init(&s);
	for (int i = 0; i < 3; i++) {
		const char *p = parts[i] ? parts[i] : "";
		/* length-prefixed, so ("ab", "c") and ("a", "bc") differ */
		unsigned char len[8];
		size_t n = strlen(p);
		for (int k = 0; k < 8; k++)
			len[k] = (unsigned char)(n >> (8 * k));
		crypto_hash_sha256_update(&s, len, sizeof(len));
		crypto_hash_sha256_update(&s, (const unsigned char *)p, n);
	}
	crypto_hash_sha256_final(&s, h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40); /* version 4 layout */
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
	}
	out[o] = 0;
}

static int all_hex(const char *v, size_t n)
{
	if (strlen(v) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i]))
			return 0;
	return 1;
}

int share_kind_of_field(const char *field, const char *value)
{
	const char *dot = strchr(field, '.');

	if (!value || !*value)
		return -1;
	if (!strncmp(field, "source.", 7) || !strncmp(field, "destination.", 12)) {
		const char *f = dot + 1;
		if (!strcmp(f, "ip"))
			return strchr(value, ':') ? SK_IPV6 : SK_IPV4;
		if (!strcmp(f, "fqdn"))
			return SK_DOMAIN;
		if (!strcmp(f, "url"))
			return SK_URL;
		if (!strcmp(f, "account"))
			return strchr(value, '@') ? SK_EMAIL : -1;
		return -1;
	}
	if (!strcmp(field, "malware.hash.md5"))
		return all_hex(value, 32) ? SK_MD5 : -1;
	if (!strcmp(field, "malware.hash.sha1"))
		return all_hex(value, 40) ? SK_SHA1 : -1;
	if (!strcmp(field, "malware.hash.sha256"))
		return all_hex(value, 64) ? SK_SHA256 : -1;
	return -1;
}

/* The correlation's kind name for a view kind (store indicators). */
static const char *store_kind(enum share_ind_kind k)
{
	switch (k) {
	case SK_IPV4:
	case SK_IPV6: return "ip";
	case SK_EMAIL: return "email";
	default: return kind_names[k];
	}
}

/* ---- building --------------------------------------------------------------------------------- */

struct builder {
	struct store *st;
	const struct share_view_options *o;
	struct share_view *v;
	size_t cap_inc, cap_ind;
	json_t *seen;          /* "<incident index> <kind> <value>" -> index into indicators */
	json_t *common;        /* "<store kind> <value>" of the current incident's common values */
	struct share_incident *cur;
	size_t cur_index;
	int cur_marked;        /* the current incident has a TLP of its own */
	int cur_max;           /* unmarked incident: the strictest TLP of its events sent, or -1 */
	int cur_pap;           /* the strictest PAP among its events (extra.pap), or -1 */
	json_t *victims;       /* pseudonymised: victim value -> its pseudonym (the title) */
	struct verr *err;
	int rc;
};

static void view_reason(struct share_view *v, const char *why)
{
	if (!v->first_reason[0])
		snprintf(v->first_reason, sizeof(v->first_reason), "%s", why);
}

static int nomem(struct builder *b)
{
	return b->rc = verr_set(b->err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
}

static int add_indicator(struct builder *b, enum share_ind_kind k, const char *value,
			 enum tlp t, int64_t seen, char side)
{
	char key[600];
	char low[520];
	json_t *have;
	struct share_indicator *ind;
	size_t n = strlen(value);

	if (n >= sizeof(low))
		return V_OK; /* longer than any indicator a partner's tools would take */
	for (size_t i = 0; i <= n; i++)
		low[i] = (k >= SK_MD5 && k <= SK_SHA256) ? (char)tolower((unsigned char)value[i])
							 : value[i];
	snprintf(key, sizeof(key), "%s %s", store_kind(k), low);
	if (json_object_get(b->common, key))
		return V_OK;
	snprintf(key, sizeof(key), "%zu %s %s", b->cur_index, kind_names[k], low);
	if ((have = json_object_get(b->seen, key))) {
		ind = &b->v->indicators[json_integer_value(have)];
		if (t > ind->tlp)
			ind->tlp = t;
		if (seen && (!ind->first_seen || seen < ind->first_seen))
			ind->first_seen = seen;
		if (seen > ind->last_seen)
			ind->last_seen = seen;
		return V_OK;
	}
	if (b->v->nindicators == b->cap_ind) {
		size_t nc = b->cap_ind ? b->cap_ind * 2 : 64;
		struct share_indicator *ni = realloc(b->v->indicators, nc * sizeof(*ni));
		if (!ni)
			return nomem(b);
		b->v->indicators = ni;
		b->cap_ind = nc;
	}
	ind = &b->v->indicators[b->v->nindicators];
	memset(ind, 0, sizeof(*ind));
	if (!(ind->value = strdup(low)))
		return nomem(b);
	ind->kind = k;
	ind->tlp = t;
	ind->incident = b->cur_index;
	ind->first_seen = ind->last_seen = seen;
	ind->side = side;
	if (json_object_set_new(b->seen, key, json_integer((json_int_t)b->v->nindicators)))
		return nomem(b);
	b->v->nindicators++;
	b->cur->nindicators++;
	return V_OK;
}

static int common_cb(void *arg, const struct store_indicator *ind)
{
	struct builder *b = arg;
	char key[600];

	if (!ind->common)
		return 0;
	snprintf(key, sizeof(key), "%s %s", ind->kind, ind->value);
	return json_object_set_new(b->common, key, json_true()) ? nomem(b) : 0;
}

/* Before the victim side of ev goes: remember its values and their pseudonyms, so that the
 * incident's title (made from the same values by the aggregation rule) can be scrubbed. */
static int remember_victims(struct builder *b, const json_t *ev)
{
	static const char *const fields[] = { "ip", "network", "fqdn", "reverse_dns", "url",
					      "account", NULL };
	const char *type = json_string_value(json_object_get(ev, "classification.type"));
	const char *tax = json_string_value(json_object_get(ev, "classification.taxonomy"));
	const char *side = policy_victim_side(type, tax) == 's' ? "source" : "destination";
	char key[64], pseudo[POLICY_PSEUDONYM_LEN + 1];

	for (int i = 0; fields[i]; i++) {
		const char *v;
		snprintf(key, sizeof(key), "%s.%s", side, fields[i]);
		if (!(v = json_string_value(json_object_get(ev, key))) || strlen(v) < 3)
			continue;
		policy_pseudonym(b->o->recipient, v, strlen(v), pseudo);
		if (json_object_set_new(b->victims, v, json_string(pseudo)))
			return V_ERR_NOMEM;
	}
	return V_OK;
}

/* title with every remembered victim value replaced by its pseudonym.  OUT: new string. */
static char *scrub(const char *title, json_t *victims)
{
	struct buf out;
	const char *k;
	json_t *val;
	char *t = strdup(title);

	json_object_foreach(victims, k, val) {
		const char *hit, *p = t;
		if (!t || !strstr(t, k))
			continue;
		buf_init(&out, 0);
		while ((hit = strstr(p, k))) {
			buf_append(&out, p, (size_t)(hit - p));
			buf_puts(&out, json_string_value(val));
			p = hit + strlen(k);
		}
		buf_puts(&out, p);
		free(t);
		t = strdup(buf_cstr(&out));
		buf_fini(&out);
	}
	return t;
}

static int event_cb(void *arg, const struct store_event_row *row)
{
	struct builder *b = arg;
	struct share_incident *inc = b->cur;
	struct policy_object po = { 0 };
	struct policy_verdict pv;
	json_error_t je;
	json_t *ev = json_loads(row->json, 0, &je);
	const char *key;
	json_t *val;
	enum tlp et;
	enum pap ep;
	const char *s;
	int64_t seen = row->last_seen;

	if (!json_is_object(ev)) {
		json_decref(ev);
		return b->rc = verr_set(b->err, V_ERR_INVALID, "", _("event %lld in the store is "
								     "not a JSON object"),
					(long long)row->id);
	}
	/* an event takes the strictest of its own marking and its incident's; unmarked both,
	 * the policy's default applies */
	po.has_tlp = b->cur_marked;
	po.tlp = b->cur_marked ? inc->tlp : TLP_CLEAR;
	if (policy_tlp_parse(json_string_value(json_object_get(ev, "tlp")), &et, NULL) == V_OK &&
	    (!po.has_tlp || et > po.tlp)) {
		po.has_tlp = 1;
		po.tlp = et;
	}
	po.taxonomy = json_string_value(json_object_get(ev, "classification.taxonomy"));
	if (!po.taxonomy)
		po.taxonomy = inc->taxonomy;
	po.organisation = inc->organisation;
	policy_decide(b->o->recipient, &po, b->o->default_tlp, &pv);
	if (pv.form == PF_WITHHOLD) {
		b->v->withheld_events++;
		view_reason(b->v, pv.reason);
		json_decref(ev);
		return 0;
	}
	if ((s = json_string_value(json_object_get(ev, "extra.pap"))) &&
	    policy_pap_parse(s, &ep, NULL) == V_OK && (int)ep > b->cur_pap)
		b->cur_pap = (int)ep;
	if (pv.form == PF_PSEUDONYMISED && remember_victims(b, ev) != V_OK) {
		json_decref(ev);
		return nomem(b);
	}
	if (policy_apply_event(b->o->recipient, &pv, ev, NULL) != V_OK) {
		json_decref(ev);
		return nomem(b);
	}
	if (pv.form == PF_PSEUDONYMISED)
		b->v->pseudonymised_events++;
	if ((int)pv.tlp > b->cur_max)
		b->cur_max = (int)pv.tlp;
	if (json_object_set_new(ev, "tlp", json_string(policy_tlp_name(pv.tlp))) ||
	    (inc->events && json_array_append(inc->events, ev))) {
		json_decref(ev);
		return nomem(b);
	}
	inc->nevents++;
	json_object_foreach(ev, key, val) {
		int k = json_is_string(val) ? share_kind_of_field(key, json_string_value(val)) : -1;
		char side = 0;
		if (!strncmp(key, "source.", 7))
			side = 's';
		else if (!strncmp(key, "destination.", 12))
			side = 'd';
		if (k >= 0 && add_indicator(b, (enum share_ind_kind)k, json_string_value(val), pv.tlp,
					    seen, side) != V_OK)
			break;
	}
	json_decref(ev);
	return b->rc;
}

static void share_incident_clear(struct share_incident *inc)
{
	free(inc->title);
	free(inc->classification_type);
	free(inc->taxonomy);
	free(inc->organisation);
	free(inc->state);
	json_decref(inc->events);
	memset(inc, 0, sizeof(*inc));
}

static const char *const state_names[] = { "new", "open", "in-progress", "waiting", "resolved",
					   "closed" };

static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = 1;
	return d;
}

static int incident_cb(void *arg, const struct store_incident *si)
{
	struct builder *b = arg;
	struct share_view *v = b->v;
	struct share_incident *inc;
	struct policy_object po = { 0 };
	struct policy_verdict pv;
	struct store_event_filter f = { 0 };
	char idtext[32];
	int oom = 0, rc;
	enum tlp t;

	if (si->merged_into)
		return 0; /* its events live on in the incident it was merged into */
	/* an incident without a TLP of its own is judged by its events' markings: here only its
	 * class and organisation are */
	b->cur_marked = si->tlp && policy_tlp_parse(si->tlp, &t, NULL) == V_OK;
	b->cur_max = -1;
	b->cur_pap = -1;
	json_object_clear(b->victims);
	po.has_tlp = 1;
	po.tlp = b->cur_marked ? t : TLP_CLEAR;
	po.taxonomy = si->taxonomy;
	po.organisation = si->organisation;
	policy_decide(b->o->recipient, &po, b->o->default_tlp, &pv);
	if (pv.form == PF_WITHHOLD) {
		v->withheld_incidents++;
		view_reason(v, pv.reason);
		return 0;
	}
	if (v->nincidents == b->cap_inc) {
		size_t nc = b->cap_inc ? b->cap_inc * 2 : 16;
		struct share_incident *ni = realloc(v->incidents, nc * sizeof(*ni));
		if (!ni)
			return nomem(b);
		v->incidents = ni;
		b->cap_inc = nc;
	}
	inc = &v->incidents[v->nincidents];
	memset(inc, 0, sizeof(*inc));
	v->nincidents++;
	inc->id = si->id;
	snprintf(idtext, sizeof(idtext), "%lld", (long long)si->id);
	share_uuid(inc->uuid, v->team, "incident", idtext);
	inc->tlp = pv.tlp;
	inc->has_pap = si->pap && policy_pap_parse(si->pap, &inc->pap, NULL) == V_OK;
	inc->title = dup_or_null(si->title, &oom);
	inc->classification_type = dup_or_null(si->classification_type, &oom);
	inc->taxonomy = dup_or_null(si->taxonomy, &oom);
	inc->organisation = dup_or_null(si->organisation, &oom);
	inc->state = dup_or_null((unsigned)si->state < 6 ? state_names[si->state] : NULL, &oom);
	inc->first_seen = si->first_seen;
	inc->priority = si->priority;
	inc->last_seen = si->last_seen;
	inc->created = si->created;
	inc->updated = si->updated;
	if (oom || (b->o->keep_events && !(inc->events = json_array())))
		return nomem(b);
	b->cur = inc;
	b->cur_index = v->nincidents - 1;
	json_object_clear(b->common);
	if ((rc = store_indicators_list(b->st, si->id, common_cb, b, b->err)) != V_OK)
		return b->rc ? b->rc : (b->rc = rc);
	f.incident = si->id;
	f.limit = b->o->max_events > 0 ? b->o->max_events : -1;
	if ((rc = store_events_query(b->st, &f, event_cb, b, b->err)) != V_OK)
		return b->rc ? b->rc : (b->rc = rc);
	if (json_object_size(b->victims) && inc->title) {
		char *nt = scrub(inc->title, b->victims);
		if (!nt)
			return nomem(b);
		free(inc->title);
		inc->title = nt;
	}
	if (!inc->has_pap && b->cur_pap >= 0) {
		inc->has_pap = 1;
		inc->pap = (enum pap)b->cur_pap;
	}
	if (!b->cur_marked) {
		if (b->cur_max < 0) {
			/* nothing of it may go: the incident stays home as well */
			share_incident_clear(inc);
			v->nincidents--;
			v->withheld_incidents++;
			return 0;
		}
		inc->tlp = (enum tlp)b->cur_max;
	}
	return 0;
}

int share_view_build(struct store *st, const struct share_view_options *o,
		     struct share_view **out, struct verr *err)
{
	struct builder b = { 0 };
	struct share_view *v;
	const char *team = o->team ? o->team : conf_get("share.team_name");
	int rc = V_OK;

	*out = NULL;
	if (!team || !*team)
		team = "vigia";
	if (!(v = calloc(1, sizeof(*v))) || !(v->team = strdup(team)) ||
	    (o->recipient->name && !(v->recipient = strdup(o->recipient->name))) ||
	    (o->recipient->identity && !(v->recipient_identity = strdup(o->recipient->identity)))) {
		share_view_free(v);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	memcpy(v->team_identity, "identity--", 10);
	share_uuid(v->team_identity + 10, team, "identity", NULL);
	v->created = o->now ? o->now : (int64_t)time(NULL);
	b.st = st;
	b.o = o;
	b.v = v;
	b.err = err;
	b.seen = json_object();
	b.common = json_object();
	b.victims = json_object();
	if (!b.seen || !b.common || !b.victims) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	if (o->incidents) {
		for (size_t i = 0; i < o->nincidents && rc == V_OK; i++) {
			struct store_incident si;
			if ((rc = store_incident_get(st, o->incidents[i], &si, err)) != V_OK)
				break;
			rc = incident_cb(&b, &si) ? b.rc : V_OK;
			store_incident_free(&si);
		}
	} else {
		struct store_incident_filter f = { .state = -1, .limit = -1 };
		f.open_only = o->open_only;
		rc = store_incidents_query(st, &f, incident_cb, &b, err);
		if (rc != V_OK && b.rc)
			rc = b.rc;
	}
out:
	json_decref(b.seen);
	json_decref(b.common);
	json_decref(b.victims);
	if (rc != V_OK) {
		share_view_free(v);
		return rc;
	}
	*out = v;
	return V_OK;
}

void share_view_free(struct share_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nincidents; i++)
		share_incident_clear(&v->incidents[i]);
	for (size_t i = 0; i < v->nindicators; i++)
		free(v->indicators[i].value);
	free(v->incidents);
	free(v->indicators);
	free(v->team);
	free(v->recipient);
	free(v->recipient_identity);
	free(v);
}
