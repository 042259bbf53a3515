/*
 * aggregate.c — which events form one incident: rules written as data.
 *
 * A rules file (JSON; docs/formats.md "Aggregation rules"; built in: data/rules/aggregate.json)
 * is a list of rules, tried in order.  A rule applies to an event when every field of its
 * match holds one of the listed values and every part of its key is present (a key part
 * "source.network|source.ip" takes the first field the event has).  The event then joins the
 * open incident of (rule, key) last seen within the rule's window before the event's time, or
 * opens a new one: state new, the rule's priority, a deadline from the priority
 * (incidents.deadline_pN), the event's TLP (AMBER when it has none), its classification, a
 * title from the rule's template.  An event with a stricter TLP than its incident raises the
 * incident's (audited).  Opening an incident is audited too (actor "vigia", action "create",
 * the new incident's rule, key and markings as "after"), so the trail of an incident starts
 * where the incident does.
 *
 * Attribution (docs/internals/pipeline.md "Attribution"): an incident carries the country, AS
 * and network of the first of its events that has any of the three, taken together from one
 * side of that event: the victim side (taxonomy_victim_side: the source for infected,
 * vulnerable, compromised or exposed systems and leaks, the destination for attacks) when it
 * has one, else the other side.  Later events leave it as it is (store_incident_attribute
 * writes only an incident without one); the cache remembers which incidents have one, so an
 * incident's events past the first attributed one cost nothing more.
 *
 * The key is text: "field=value" per part, separated by spaces, with '%' and ' ' in values
 * written %25 and %20, so that two different keys never read the same.
 *
 * Between two commits the incident of each key is cached (a smap); a commit or rollback
 * drops the cache, so nothing here outlives what the store holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "ingest/ingest.h"
#include "pipeline/pipeline.h"
#include "pipeline/smap.h"

#define AGG_MAX_ALTS 4
#define AGG_MAX_KEY 8
#define AGG_CACHE_MAX (1u << 20)
#define AGG_BUILTIN "rules/aggregate.json"
#define AGG_ATTRIBUTED 0x100
#define AGG_CC_MAX 8      /* a country code as events hold it (2 letters), with room */
#define AGG_NET_MAX 64    /* an IPv6 CIDR is at most 43 characters */
#define MATCH_VALUES _("match '%s' needs a string or a list of strings")

struct fref {
	int id;      /* schema field, or F_EXTRA_KEY */
	char *name;  /* owned: the full name */
};

struct key_part {
	struct fref alt[AGG_MAX_ALTS];
	size_t nalt;
};

struct match {
	struct fref f;
	char **values; /* owned */
	size_t nvalues;
};

struct rule {
	char *name, *title;
	struct match *match;
	size_t nmatch;
	struct key_part key[AGG_MAX_KEY];
	size_t nkey;
	int64_t window;
	int priority;
};

struct aggregate {
	struct rule *rules;
	size_t n;
	int64_t deadline[4];
	int64_t now;
	/* rule index + key -> a: incident, b: its last seen, c: TLP rank + 1 (0: not known) in the
	 * low byte, AGG_ATTRIBUTED when the incident is known to have its attribution */
	struct smap cache;
	struct buf key, ckey, title;
};

/* ---- TLP ------------------------------------------------------------------------------------- */

static const char *const tlp_names[] = { "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED" };

/* Rank of a TLP value as events and incidents hold it (WHITE is TLP 1.0's CLEAR); -1 unknown. */
static int tlp_rank(const char *s, size_t n)
{
	if (n == 5 && !memcmp(s, "WHITE", 5))
		return 0;
	for (int i = 0; i < 5; i++)
		if (strlen(tlp_names[i]) == n && !memcmp(s, tlp_names[i], n))
			return i;
	return -1;
}

/* ---- rules ----------------------------------------------------------------------------------- */

static void rule_fini(struct rule *r)
{
	free(r->name);
	free(r->title);
	for (size_t i = 0; i < r->nmatch; i++) {
		free(r->match[i].f.name);
		for (size_t k = 0; k < r->match[i].nvalues; k++)
			free(r->match[i].values[k]);
		free(r->match[i].values);
	}
	free(r->match);
	for (size_t i = 0; i < r->nkey; i++)
		for (size_t k = 0; k < r->key[i].nalt; k++)
			free(r->key[i].alt[k].name);
}

void aggregate_free(struct aggregate *ag)
{
	if (!ag)
		return;
	for (size_t i = 0; i < ag->n; i++)
		rule_fini(&ag->rules[i]);
	free(ag->rules);
	smap_fini(&ag->cache);
	buf_fini(&ag->key);
	buf_fini(&ag->ckey);
	buf_fini(&ag->title);
	free(ag);
}

static int fref_parse(const char *name, size_t len, struct fref *f, const char *rule,
		      struct verr *err)
{
	int id = schema_lookup(name, len);

	if (id < 0 || id == F_EXTRA || (id == F_EXTRA_KEY && len <= 6))
		return verr_set(err, V_ERR_USAGE, rule, _("unknown field '%.*s'"), (int)len, name);
	f->id = id;
	f->name = strndup(name, len);
	return f->name ? V_OK : V_ERR_NOMEM;
}

static const char *fref_get(const struct event *ev, const struct fref *f, size_t *len)
{
	if (f->id != F_EXTRA_KEY)
		return event_get_id(ev, f->id, len);
	return event_get(ev, f->name, len, NULL);
}

static int parse_rule(const json_t *j, struct rule *r, size_t index, struct verr *err)
{
	const char *key, *s;
	json_t *v, *m;
	size_t i;
	char label[64];
	int rc;

	if (!json_is_object(j))
		return verr_set(err, V_ERR_USAGE, "", _("rule %zu is not an object"), index + 1);
	s = json_string_value(json_object_get(j, "name"));
	if (!s || !*s)
		return verr_set(err, V_ERR_USAGE, "", _("rule %zu has no name"), index + 1);
	snprintf(label, sizeof(label), "%s", s);
	if (!(r->name = strdup(s)))
		return V_ERR_NOMEM;
	json_object_foreach((json_t *)j, key, v)
		if (strcmp(key, "name") && strcmp(key, "description") && strcmp(key, "match") &&
		    strcmp(key, "key") && strcmp(key, "window") && strcmp(key, "priority") &&
		    strcmp(key, "title"))
			return verr_set(err, V_ERR_USAGE, label, _("unknown rule member '%s'"),
					key);
	/* match */
	m = json_object_get(j, "match");
	if (m && !json_is_object(m))
		return verr_set(err, V_ERR_USAGE, label, "%s", _("match must be an object"));
	if (m && json_object_size(m)) {
		r->match = calloc(json_object_size(m), sizeof(*r->match));
		if (!r->match)
			return V_ERR_NOMEM;
		json_object_foreach(m, key, v) {
			struct match *mt = &r->match[r->nmatch++];
			if ((rc = fref_parse(key, strlen(key), &mt->f, label, err)) != V_OK)
				return rc;
			if (json_is_string(v)) {
				mt->values = calloc(1, sizeof(char *));
				if (!mt->values || !(mt->values[0] = strdup(json_string_value(v))))
					return V_ERR_NOMEM;
				mt->nvalues = 1;
				continue;
			}
			if (!json_is_array(v))
				return verr_set(err, V_ERR_USAGE, label, MATCH_VALUES, key);
			mt->values = calloc(json_array_size(v) + 1, sizeof(char *));
			if (!mt->values)
				return V_ERR_NOMEM;
			json_t *x;
			json_array_foreach(v, i, x) {
				if (!json_is_string(x))
					return verr_set(err, V_ERR_USAGE, label, MATCH_VALUES, key);
				if (!(mt->values[mt->nvalues] = strdup(json_string_value(x))))
					return V_ERR_NOMEM;
				mt->nvalues++;
			}
		}
	}
	/* key */
	v = json_object_get(j, "key");
	if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > AGG_MAX_KEY)
		return verr_set(err, V_ERR_USAGE, label,
				_("key must be a list of 1 to %d field names"), AGG_MAX_KEY);
	json_t *x;
	json_array_foreach(v, i, x) {
		struct key_part *kp = &r->key[r->nkey++];
		const char *p = json_string_value(x);
		if (!p || !*p)
			return verr_set(err, V_ERR_USAGE, label, "%s",
					_("key must be a list of field names"));
		while (*p) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			if (kp->nalt == AGG_MAX_ALTS)
				return verr_set(err, V_ERR_USAGE, label,
						_("at most %d alternatives in a key part"),
						AGG_MAX_ALTS);
			if ((rc = fref_parse(p, len, &kp->alt[kp->nalt], label, err)) != V_OK)
				return rc;
			kp->nalt++;
			p += len + (bar != NULL);
		}
	}
	/* window, priority, title */
	v = json_object_get(j, "window");
	r->window = 7 * 86400;
	if (json_is_integer(v))
		r->window = json_integer_value(v);
	else if (json_is_string(v)) {
		long long secs;
		if (conf_parse_duration(json_string_value(v), &secs) != 0)
			return verr_set(err, V_ERR_USAGE, label,
					_("window '%s' is not a duration (e.g. 4h, 7d)"),
					json_string_value(v));
		r->window = secs;
	} else if (v)
		return verr_set(err, V_ERR_USAGE, label, "%s", _("window must be a duration"));
	if (r->window <= 0)
		return verr_set(err, V_ERR_USAGE, label, "%s", _("window must be positive"));
	v = json_object_get(j, "priority");
	r->priority = 3;
	if (json_is_integer(v)) {
		json_int_t p = json_integer_value(v);
		r->priority = p >= 1 && p <= 4 ? (int)p : 0;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (*s == 'P' || *s == 'p')
			s++;
		r->priority = s[0] >= '1' && s[0] <= '4' && !s[1] ? s[0] - '0' : 0;
	} else if (v)
		r->priority = 0;
	if (r->priority < 1 || r->priority > 4)
		return verr_set(err, V_ERR_USAGE, label, "%s",
				_("priority must be 1 to 4 (P1..P4)"));
	s = json_string_value(json_object_get(j, "title"));
	if (!(r->title = strdup(s ? s : "{key}")))
		return V_ERR_NOMEM;
	return V_OK;
}

int aggregate_new_json(const struct aggregate_options *o, const char *text, size_t len,
		       const char *source, struct aggregate **out, struct verr *err)
{
	struct aggregate *ag;
	json_error_t je;
	json_t *j, *rules, *r;
	size_t i;
	int rc = V_OK;

	*out = NULL;
	if (!(j = json_loadb(text, len, 0, &je))) {
		if (err) {
			err->file = source;
			err->line = je.line;
		}
		return verr_set(err, V_ERR_USAGE, "", "%s", je.text);
	}
	rules = json_is_array(j) ? j : json_object_get(j, "rules");
	if (!json_is_array(rules) || !json_array_size(rules)) {
		json_decref(j);
		if (err) {
			err->file = source;
			err->line = 0;
		}
		return verr_set(err, V_ERR_USAGE, "", "%s",
				_("an aggregation rules file needs a non-empty list \"rules\""));
	}
	if (!(ag = calloc(1, sizeof(*ag))) ||
	    !(ag->rules = calloc(json_array_size(rules), sizeof(*ag->rules)))) {
		free(ag);
		json_decref(j);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	smap_init(&ag->cache, AGG_CACHE_MAX);
	buf_init(&ag->key, 1u << 20);
	buf_init(&ag->ckey, 1u << 20);
	buf_init(&ag->title, 1u << 16);
	memcpy(ag->deadline, o->deadline, sizeof(ag->deadline));
	ag->now = o->now;
	json_array_foreach(rules, i, r) {
		rc = parse_rule(r, &ag->rules[ag->n++], i, err);
		if (rc != V_OK)
			break;
	}
	json_decref(j);
	if (rc != V_OK) {
		if (rc == V_ERR_NOMEM)
			verr_set(err, rc, "", "%s", vres_str(rc));
		if (err) {
			err->file = source;
			err->line = 0;
		}
		aggregate_free(ag);
		return rc;
	}
	*out = ag;
	return V_OK;
}

int aggregate_new(const struct aggregate_options *o, struct aggregate **out, struct verr *err)
{
	const char *data;
	size_t len;
	struct buf b;
	FILE *f;
	char chunk[65536];
	size_t n;
	int rc;

	if (!o->rules_path || !*o->rules_path) {
		data = blob_get(AGG_BUILTIN, &len);
		if (!data)
			return verr_set(err, V_ERR_NOTFOUND, "", "%s",
					_("the built-in aggregation rules are missing"));
		return aggregate_new_json(o, data, len, AGG_BUILTIN, out, err);
	}
	if (!(f = fopen(o->rules_path, "rb"))) {
		if (err)
			err->file = o->rules_path;
		return verr_set(err, V_ERR_IO, "", "%s", strerror(errno));
	}
	buf_init(&b, 16u << 20);
	rc = V_OK;
	while (rc == V_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_append(&b, chunk, n);
	fclose(f);
	if (rc != V_OK) {
		if (err)
			err->file = o->rules_path;
		verr_set(err, rc, "", "%s", vres_str(rc));
	} else
		rc = aggregate_new_json(o, b.data ? b.data : "", b.len, o->rules_path, out, err);
	buf_fini(&b);
	return rc;
}

size_t aggregate_rule_count(const struct aggregate *ag) { return ag->n; }
const char *aggregate_rule_name(const struct aggregate *ag, size_t i)
{
	return i < ag->n ? ag->rules[i].name : NULL;
}

/* ---- matching -------------------------------------------------------------------------------- */

static void put_escaped(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '%' || s[i] == ' ') {
			buf_append(b, s + start, i - start);
			buf_puts(b, s[i] == '%' ? "%25" : "%20");
			start = i + 1;
		}
	buf_append(b, s + start, n - start);
}

static int rule_applies(const struct rule *r, const struct event *ev, struct buf *key)
{
	for (size_t i = 0; i < r->nmatch; i++) {
		size_t len, k;
		const char *v = fref_get(ev, &r->match[i].f, &len);
		if (!v)
			return 0;
		for (k = 0; k < r->match[i].nvalues; k++)
			if (strlen(r->match[i].values[k]) == len &&
			    !memcmp(r->match[i].values[k], v, len))
				break;
		if (k == r->match[i].nvalues)
			return 0;
	}
	buf_reset(key);
	for (size_t i = 0; i < r->nkey; i++) {
		const char *v = NULL;
		size_t len = 0, k;
		for (k = 0; k < r->key[i].nalt && !v; k++)
			v = fref_get(ev, &r->key[i].alt[k], &len);
		if (!v)
			return 0;
		if (i)
			buf_putc(key, ' ');
		buf_puts(key, r->key[i].alt[k - 1].name);
		buf_putc(key, '=');
		put_escaped(key, v, len);
	}
	return 1;
}

int aggregate_rule_for(const struct aggregate *ag, const struct event *ev, struct buf *key)
{
	for (size_t i = 0; i < ag->n; i++)
		if (rule_applies(&ag->rules[i], ev, key))
			return (int)i;
	return -1;
}

/* The title: {field} or {a|b} replaced by the event's value (or "?"), {key} by the key. */
static void render_title(struct buf *out, const char *tpl, const struct event *ev,
			 const char *key)
{
	buf_reset(out);
	while (*tpl) {
		const char *open = strchr(tpl, '{'), *close = open ? strchr(open, '}') : NULL;
		if (!open || !close) {
			buf_puts(out, tpl);
			break;
		}
		buf_append(out, tpl, (size_t)(open - tpl));
		if (close - open - 1 == 3 && !memcmp(open + 1, "key", 3)) {
			buf_puts(out, key);
		} else {
			const char *p = open + 1, *v = NULL;
			size_t len = 0;
			while (p < close && !v) {
				const char *bar = memchr(p, '|', (size_t)(close - p));
				const char *e = bar ? bar : close;
				char name[128];
				if ((size_t)(e - p) < sizeof(name)) {
					memcpy(name, p, (size_t)(e - p));
					name[e - p] = 0;
					v = event_get(ev, name, &len, NULL);
				}
				p = e + 1;
			}
			if (v)
				buf_append(out, v, len);
			else
				buf_putc(out, '?');
		}
		tpl = close + 1;
	}
	if (out->len > 512) { /* a title is a line, not a document */
		out->len = 509;
		while (out->len && ((unsigned char)out->data[out->len] & 0xc0) == 0x80)
			out->len--; /* do not cut a UTF-8 sequence */
		buf_puts(out, "...");
	}
}

/* ---- attribution ----------------------------------------------------------------------------- */

struct attribution {
	char cc[AGG_CC_MAX];
	int64_t asn;
	char net[AGG_NET_MAX];
	int any;
};

static const int attr_field[2][3] = {
	{ F_SOURCE_GEOLOCATION_CC, F_SOURCE_ASN, F_SOURCE_NETWORK },
	{ F_DESTINATION_GEOLOCATION_CC, F_DESTINATION_ASN, F_DESTINATION_NETWORK },
};

/* One side's values (0 source, 1 destination); a value too long or an AS that is not a
 * number is left out.  a->any: the side has at least one. */
static void side_attribution(const struct event *ev, int side, struct attribution *a)
{
	size_t n;
	const char *v;

	memset(a, 0, sizeof(*a));
	if ((v = event_get_id(ev, attr_field[side][0], &n)) && n && n < sizeof(a->cc)) {
		for (size_t i = 0; i < n; i++) /* country codes are kept in capitals */
			a->cc[i] = v[i] >= 'a' && v[i] <= 'z' ? (char)(v[i] - 'a' + 'A') : v[i];
		a->any = 1;
	}
	if ((v = event_get_id(ev, attr_field[side][1], &n)) && n && n <= 18) {
		int64_t asn = 0;
		size_t i = 0;
		if (n > 2 && (v[0] == 'A' || v[0] == 'a') && (v[1] == 'S' || v[1] == 's'))
			i = 2; /* "AS64496" */
		for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
			asn = asn * 10 + (v[i] - '0');
		if (i == n && asn > 0) {
			a->asn = asn;
			a->any = 1;
		}
	}
	if ((v = event_get_id(ev, attr_field[side][2], &n)) && n && n < sizeof(a->net)) {
		memcpy(a->net, v, n);
		a->any = 1;
	}
}

/* The event's attribution by the rule at the top of this file.  OUT: *a (a->any = 0: none). */
static void event_attribution(const struct event *ev, struct attribution *a)
{
	struct attribution other;
	char type[64] = "", tax[64] = "";
	size_t n;
	const char *v;
	int victim;

	if ((v = event_get_id(ev, F_CLASSIFICATION_TYPE, &n)) && n < sizeof(type))
		memcpy(type, v, n);
	if ((v = event_get_id(ev, F_CLASSIFICATION_TAXONOMY, &n)) && n < sizeof(tax))
		memcpy(tax, v, n);
	victim = taxonomy_victim_side(type, tax) == 's' ? 0 : 1;
	side_attribution(ev, victim, a);
	if (a->any)
		return;
	side_attribution(ev, 1 - victim, &other);
	*a = other;
}

/* ---- the stage ------------------------------------------------------------------------------- */

static int raise_tlp(struct store *st, int64_t id, int rank, struct verr *err)
{
	struct store_incident inc;
	char before[64], after[64], object[32];
	int rc;

	if ((rc = store_incident_get(st, id, &inc, err)) != V_OK)
		return rc;
	int cur = inc.tlp ? tlp_rank(inc.tlp, strlen(inc.tlp)) : -1;
	if (cur >= rank) {
		store_incident_free(&inc);
		return V_OK;
	}
	snprintf(before, sizeof(before), "{\"tlp\":\"%s\"}", inc.tlp ? inc.tlp : "");
	snprintf(after, sizeof(after), "{\"tlp\":\"%s\"}", tlp_names[rank]);
	snprintf(object, sizeof(object), "incident:%lld", (long long)id);
	free((char *)inc.tlp);
	inc.tlp = strdup(tlp_names[rank]);
	if (!inc.tlp)
		rc = V_ERR_NOMEM;
	else if ((rc = store_incident_update(st, &inc, err)) == V_OK)
		rc = store_audit_append(st, "vigia", object, "set", before, after, err);
	store_incident_free(&inc);
	return rc;
}

/* The audit entry of an incident the pipeline opened: what it was created with. */
static int audit_create(struct store *st, int64_t id, const struct store_incident *inc,
			struct verr *err)
{
	char object[32];
	json_t *o = json_object();
	char *after = NULL;
	int rc = V_ERR_NOMEM;

	if (!o)
		return rc;
	snprintf(object, sizeof(object), "incident:%lld", (long long)id);
	if (json_object_set_new(o, "rule", json_string(inc->rule)) == 0 &&
	    json_object_set_new(o, "key", json_string(inc->key)) == 0 &&
	    json_object_set_new(o, "state", json_string("new")) == 0 &&
	    json_object_set_new(o, "priority", json_integer(inc->priority)) == 0 &&
	    json_object_set_new(o, "tlp", json_string(inc->tlp)) == 0 &&
	    json_object_set_new(o, "classification_type",
				inc->classification_type ? json_string(inc->classification_type)
							 : json_null()) == 0 &&
	    json_object_set_new(o, "title", inc->title ? json_string(inc->title) : json_null()) ==
		    0 &&
	    json_object_set_new(o, "deadline", json_integer(inc->deadline)) == 0)
		after = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (after)
		rc = store_audit_append(st, "vigia", object, "create", NULL, after, err);
	free(after);
	return rc;
}

int aggregate_event(struct aggregate *ag, struct store *st, struct pipe_event *pe,
		    struct verr *err)
{
	const struct event *ev = pe->ev;
	struct smap_slot *slot;
	int ri, rc, added, rank = -1, attr_known = 0, set;
	struct attribution attr = { 0 };
	int64_t id = 0;
	size_t tl;
	const char *tlp = event_get_id(ev, F_TLP, &tl);

	pe->incident = 0;
	pe->incident_created = 0;
	if ((ri = aggregate_rule_for(ag, ev, &ag->key)) < 0)
		return V_OK;
	const struct rule *r = &ag->rules[ri];
	int64_t window_start = pe->time - r->window;
	uint32_t rix = (uint32_t)ri;

	if (tlp)
		rank = tlp_rank(tlp, tl);
	buf_reset(&ag->ckey);
	buf_append(&ag->ckey, &rix, sizeof(rix));
	buf_append(&ag->ckey, ag->key.data, ag->key.len);
	slot = smap_get(&ag->cache, ag->ckey.data, ag->ckey.len);
	if (slot && slot->b >= window_start) {
		id = slot->a;
	} else {
		rc = store_incident_find_open(st, r->name, buf_cstr(&ag->key), window_start, &id,
					      err);
		if (rc == V_ERR_NOTFOUND) {
			struct store_incident inc = { 0 };
			int64_t now = ag->now ? ag->now : (int64_t)time(NULL);
			size_t n;
			render_title(&ag->title, r->title, ev, buf_cstr(&ag->key));
			inc.rule = r->name;
			inc.key = buf_cstr(&ag->key);
			inc.state = IS_NEW;
			inc.priority = r->priority;
			inc.tlp = tlp_names[rank >= 0 ? rank : 2];
			const char *ct = event_get_id(ev, F_CLASSIFICATION_TYPE, &n);
			char ctype[64] = "", ctax[64] = "";
			if (ct && n < sizeof(ctype))
				memcpy(ctype, ct, n), ctype[n] = 0;
			ct = event_get_id(ev, F_CLASSIFICATION_TAXONOMY, &n);
			if (ct && n < sizeof(ctax))
				memcpy(ctax, ct, n), ctax[n] = 0;
			inc.classification_type = *ctype ? ctype : NULL;
			inc.taxonomy = *ctax ? ctax : NULL;
			inc.title = buf_cstr(&ag->title);
			inc.first_seen = inc.last_seen = pe->time;
			inc.created = inc.updated = now;
			int64_t dl = ag->deadline[r->priority - 1];
			inc.deadline = dl > 0 ? now + dl : 0;
			event_attribution(ev, &attr);
			attr_known = 1;
			inc.country = attr.cc[0] ? attr.cc : NULL;
			inc.asn = attr.asn;
			inc.network = attr.net[0] ? attr.net : NULL;
			if ((rc = store_incident_create(st, &inc, &id, err)) != V_OK)
				return rc;
			if ((rc = audit_create(st, id, &inc, err)) != V_OK)
				return rc;
			pe->incident_created = 1;
		} else if (rc != V_OK)
			return rc;
		slot = smap_put(&ag->cache, ag->ckey.data, ag->ckey.len, &added);
		if (slot) {
			slot->a = id;
			slot->b = pe->time;
			/* c: 1 + a TLP rank the incident has at least; 0: not known */
			slot->c = pe->incident_created ? (rank >= 0 ? rank : 2) + 1 : 0;
			if (pe->incident_created && attr.any)
				slot->c |= AGG_ATTRIBUTED;
		}
	}
	/* an incident without attribution takes that of its first event that has one */
	if (!pe->incident_created && (!slot || !(slot->c & AGG_ATTRIBUTED))) {
		if (!attr_known)
			event_attribution(ev, &attr);
		if (attr.any) {
			if ((rc = store_incident_attribute(st, id, attr.cc, attr.asn, attr.net, &set,
							   err)) != V_OK)
				return rc;
			if (slot) /* set now or had one already: either way it has one */
				slot->c |= AGG_ATTRIBUTED;
		}
	}
	if ((rc = store_incident_add_event(st, id, pe->event_id, pe->time, err)) != V_OK)
		return rc;
	if (slot && pe->time > slot->b)
		slot->b = pe->time;
	/* a stricter TLP than the incident's (as far as the cache knows) goes to the store */
	if (!pe->incident_created && rank >= 0 &&
	    (!slot || (slot->c & 0xff) == 0 || rank + 1 > (slot->c & 0xff))) {
		if ((rc = raise_tlp(st, id, rank, err)) != V_OK)
			return rc;
		if (slot)
			slot->c = (slot->c & AGG_ATTRIBUTED) | (rank + 1);
	}
	pe->incident = id;
	return V_OK;
}

void aggregate_sync(struct aggregate *ag, int committed)
{
	(void)committed;
	smap_clear(&ag->cache);
}
