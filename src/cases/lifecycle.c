/*
 * lifecycle.c — the incident as a case: states and the transitions between them (a table),
 * resolutions, markings (TLP 2.0, PAP), owner, priority, impact, notes, attachments, merges
 * and links.
 *
 * Every change goes through cases_apply(): inside one store transaction it reads the incident,
 * lets a step compute the new version (and do its other writes: a note, an event link), writes
 * the incident when a field changed, and appends the audit entry with the changed fields
 * before and after.  A step that refuses rolls everything back, so the audit trail records
 * exactly the changes that happened.
 */
#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/i18n.h"
#include "base/timeparse.h"
#include "base/utf8.h"
#include "cases/cases.h"

/* ---- vocabulary ------------------------------------------------------------------------------ */

static const char *const state_names[CASES_NSTATES] = {
	[IS_NEW] = "new",
	[IS_OPEN] = "open",
	[IS_IN_PROGRESS] = "in_progress",
	[IS_WAITING] = "waiting",
	[IS_RESOLVED] = "resolved",
	[IS_CLOSED] = "closed",
};

/*
 * The lifecycle: transitions[from][to] = 1 when allowed.  Forward through the states, back
 * from waiting to in_progress when the answer comes, and reopen (resolved or closed → open).
 * A new incident may be resolved or closed at triage (a false positive, a duplicate).
 */
static const unsigned char transitions[CASES_NSTATES][CASES_NSTATES] = {
	/*                 new open prog wait reso clos */
	[IS_NEW]         = { 0,  1,   1,   0,   1,   1 },
	[IS_OPEN]        = { 0,  0,   1,   1,   1,   1 },
	[IS_IN_PROGRESS] = { 0,  0,   0,   1,   1,   1 },
	[IS_WAITING]     = { 0,  0,   1,   0,   1,   1 },
	[IS_RESOLVED]    = { 0,  1,   0,   0,   0,   1 },
	[IS_CLOSED]      = { 0,  1,   0,   0,   0,   0 },
};

static const char *const resolutions[] = {
	"true-positive", "false-positive", "duplicate", "indeterminate", NULL
};
static const char *const impacts[] = { "low", "medium", "high", "critical", NULL };
static const char *const tlps[] = { "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED", NULL };
static const char *const paps[] = { "CLEAR", "GREEN", "AMBER", "RED", NULL };

#define OWNER_MAX 128
#define TITLE_MAX 512

const char *cases_state_name(enum incident_state s)
{
	return (unsigned)s < CASES_NSTATES ? state_names[s] : "?";
}

int cases_state_parse(const char *s, enum incident_state *out, struct verr *err)
{
	for (int i = 0; i < CASES_NSTATES; i++) {
		const char *n = state_names[i];
		size_t k = 0;
		/* "in-progress" and "IN_PROGRESS" are the same state */
		while (n[k] && s[k] && (tolower((unsigned char)s[k]) == n[k] ||
					(s[k] == '-' && n[k] == '_')))
			k++;
		if (!n[k] && !s[k]) {
			*out = (enum incident_state)i;
			return V_OK;
		}
	}
	return verr_set(err, V_ERR_INVALID, "state",
			_("'%s' is not a state (new, open, in_progress, waiting, resolved, "
			  "closed)"), s);
}

int cases_transition_allowed(enum incident_state from, enum incident_state to)
{
	if ((unsigned)from >= CASES_NSTATES || (unsigned)to >= CASES_NSTATES)
		return 0;
	return transitions[from][to];
}

int cases_state_is_open(enum incident_state s)
{
	return s < IS_RESOLVED;
}

/* "a, b, c" of a NULL-terminated list, into out. */
static const char *joined(const char *const *list, char *out, size_t size)
{
	size_t n = 0;

	out[0] = 0;
	for (size_t i = 0; list[i] && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? ", " : "", list[i]);
	return out;
}

/* Find s in list, ignoring case and an optional prefix ("TLP:"); '_' and ' ' match '-'. */
static const char *vocab_find(const char *const *list, const char *s, const char *prefix)
{
	size_t pl = prefix ? strlen(prefix) : 0;

	if (pl && !strncasecmp(s, prefix, pl))
		s += pl;
	for (size_t i = 0; list[i]; i++) {
		const char *n = list[i];
		size_t k = 0;
		while (n[k] && s[k] &&
		       (tolower((unsigned char)s[k]) == tolower((unsigned char)n[k]) ||
			((s[k] == '_' || s[k] == ' ') && n[k] == '-')))
			k++;
		if (!n[k] && !s[k])
			return n;
	}
	return NULL;
}

static int vocab_parse(const char *field, const char *const *list, const char *prefix,
		       const char *s, const char **out, struct verr *err)
{
	char all[128];

	if ((*out = vocab_find(list, s, prefix)))
		return V_OK;
	return verr_set(err, V_ERR_INVALID, field, _("'%s' is not one of %s"), s,
			joined(list, all, sizeof(all)));
}

int cases_resolution_parse(const char *s, const char **out, struct verr *err)
{
	return vocab_parse("resolution", resolutions, NULL, s, out, err);
}

int cases_impact_parse(const char *s, const char **out, struct verr *err)
{
	return vocab_parse("impact", impacts, NULL, s, out, err);
}

/* TLP 1.0 and PAP 1.0 said WHITE where 2.0 says CLEAR: say so instead of a bare refusal. */
static int white(const char *field, const char *prefix, const char *s, struct verr *err)
{
	size_t pl = strlen(prefix);

	if (!strncasecmp(s, prefix, pl))
		s += pl;
	if (strcasecmp(s, "WHITE"))
		return 0;
	verr_set(err, V_ERR_INVALID, field, _("WHITE is TLP 1.0; TLP 2.0 calls it CLEAR"));
	return 1;
}

int cases_tlp_parse(const char *s, const char **out, struct verr *err)
{
	if (white("tlp", "TLP:", s, err))
		return V_ERR_INVALID;
	return vocab_parse("tlp", tlps, "TLP:", s, out, err);
}

int cases_pap_parse(const char *s, const char **out, struct verr *err)
{
	if (white("pap", "PAP:", s, err))
		return V_ERR_INVALID;
	return vocab_parse("pap", paps, "PAP:", s, out, err);
}

int cases_priority_parse(const char *s, int *out, struct verr *err)
{
	if ((s[0] == 'P' || s[0] == 'p') && s[1])
		s++;
	if (s[0] >= '1' && s[0] <= '4' && !s[1]) {
		*out = s[0] - '0';
		return V_OK;
	}
	return verr_set(err, V_ERR_INVALID, "priority",
			_("'%s' is not a priority (P1, P2, P3 or P4)"), s);
}

const char *cases_actor(void)
{
	static char name[OWNER_MAX];
	const char *u = getenv("VIGIA_USER");
	struct passwd pw, *res = NULL;
	char pwbuf[2048];

	if (u && *u) {
		snprintf(name, sizeof(name), "%s", u);
		return name;
	}
	if (getlogin_r(name, sizeof(name)) == 0 && name[0])
		return name;
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res && res->pw_name[0]) {
		snprintf(name, sizeof(name), "%s", res->pw_name);
		return name;
	}
	snprintf(name, sizeof(name), "uid:%u", (unsigned)geteuid());
	return name;
}

/* Free text given by a person (owner, title): valid UTF-8, no control characters, capped. */
static int check_text(const char *field, const char *s, size_t max, struct verr *err)
{
	size_t n = strlen(s);

	if (n > max)
		return verr_set(err, V_ERR_INVALID, field, _("longer than %zu bytes"), max);
	if (!utf8_valid(s, n, NULL))
		return verr_set(err, V_ERR_INVALID, field, _("not valid UTF-8"));
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return verr_set(err, V_ERR_INVALID, field,
					_("contains control characters"));
	return V_OK;
}

/* ---- the incident as JSON -------------------------------------------------------------------- */

void cases_time_iso(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	out[0] = 0;
	if (t && gmtime_r(&tt, &tm))
		strftime(out, 32, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

static json_t *jstr(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_null();
}

static json_t *jtime(int64_t t)
{
	char iso[32];

	if (!t)
		return json_null();
	cases_time_iso(t, iso);
	return json_string(iso);
}

static json_t *jid(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

json_t *cases_incident_json(const struct store_incident *inc, int64_t now)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(inc->id));
	json_object_set_new(o, "state", json_string(cases_state_name(inc->state)));
	json_object_set_new(o, "resolution", jstr(inc->resolution));
	json_object_set_new(o, "priority", json_integer(inc->priority));
	json_object_set_new(o, "impact", jstr(inc->impact));
	json_object_set_new(o, "tlp", jstr(inc->tlp));
	json_object_set_new(o, "pap", jstr(inc->pap));
	json_object_set_new(o, "owner", jstr(inc->owner));
	json_object_set_new(o, "title", jstr(inc->title));
	json_object_set_new(o, "rule", jstr(inc->rule));
	json_object_set_new(o, "key", jstr(inc->key));
	json_object_set_new(o, "classification", jstr(inc->classification_type));
	json_object_set_new(o, "taxonomy", jstr(inc->taxonomy));
	json_object_set_new(o, "organisation", jstr(inc->organisation));
	json_object_set_new(o, "country", jstr(inc->country));
	json_object_set_new(o, "asn", inc->asn > 0 ? json_integer(inc->asn) : json_null());
	json_object_set_new(o, "network", jstr(inc->network));
	json_object_set_new(o, "events", json_integer(inc->event_count));
	json_object_set_new(o, "first_seen", jtime(inc->first_seen));
	json_object_set_new(o, "last_seen", jtime(inc->last_seen));
	json_object_set_new(o, "created", jtime(inc->created));
	json_object_set_new(o, "updated", jtime(inc->updated));
	json_object_set_new(o, "deadline", jtime(inc->deadline));
	json_object_set_new(o, "overdue", json_boolean(cases_overdue(inc, now)));
	json_object_set_new(o, "merged_into", jid(inc->merged_into));
	return o;
}

/*
 * The same object written straight into a buffer, byte for byte as
 * json_dumps(cases_incident_json(inc, now), JSON_COMPACT) writes it: a listing of incidents
 * spent more than half of its time building jansson's tree and dumping it (jansson checks
 * every container for loops through a hash table of formatted pointers), docs/benchmarks.md
 * "Listing incidents without a tree".  The keys in the same order; strings escaped as jansson
 * escapes them (\" \\ \b \f \n \r \t, \u00XX in capitals for the other control characters,
 * everything else as it is) and null for text that is not UTF-8, which json_string() refuses.
 */
static int put_key(struct buf *b, const char *key)
{
	int rc;

	if (b->len && b->data[b->len - 1] != '{' && (rc = buf_putc(b, ',')) != V_OK)
		return rc;
	if ((rc = buf_putc(b, '"')) != V_OK || (rc = buf_puts(b, key)) != V_OK)
		return rc;
	return buf_puts(b, "\":");
}

static int put_str(struct buf *b, const char *key, const char *s)
{
	size_t n = s ? strlen(s) : 0, bad;
	int rc;

	if ((rc = put_key(b, key)) != V_OK)
		return rc;
	if (!s || !utf8_valid(s, n, &bad))
		return buf_puts(b, "null");
	return buf_json_str_upper(b, s, n);
}

static int put_int(struct buf *b, const char *key, int64_t v, int null_if_zero)
{
	int rc = put_key(b, key);

	if (rc != V_OK)
		return rc;
	return null_if_zero && !v ? buf_puts(b, "null") : buf_printf(b, "%lld", (long long)v);
}

static int put_time(struct buf *b, const char *key, int64_t t)
{
	char iso[32];

	if (!t)
		return put_str(b, key, NULL);
	cases_time_iso(t, iso);
	return put_str(b, key, iso);
}

int cases_incident_json_buf(struct buf *b, const struct store_incident *inc, int64_t now)
{
	int rc;

	if ((rc = buf_putc(b, '{')) != V_OK ||
	    (rc = put_int(b, "id", inc->id, 0)) != V_OK ||
	    (rc = put_str(b, "state", cases_state_name(inc->state))) != V_OK ||
	    (rc = put_str(b, "resolution", inc->resolution)) != V_OK ||
	    (rc = put_int(b, "priority", inc->priority, 0)) != V_OK ||
	    (rc = put_str(b, "impact", inc->impact)) != V_OK ||
	    (rc = put_str(b, "tlp", inc->tlp)) != V_OK ||
	    (rc = put_str(b, "pap", inc->pap)) != V_OK ||
	    (rc = put_str(b, "owner", inc->owner)) != V_OK ||
	    (rc = put_str(b, "title", inc->title)) != V_OK ||
	    (rc = put_str(b, "rule", inc->rule)) != V_OK ||
	    (rc = put_str(b, "key", inc->key)) != V_OK ||
	    (rc = put_str(b, "classification", inc->classification_type)) != V_OK ||
	    (rc = put_str(b, "taxonomy", inc->taxonomy)) != V_OK ||
	    (rc = put_str(b, "organisation", inc->organisation)) != V_OK ||
	    (rc = put_str(b, "country", inc->country)) != V_OK ||
	    (rc = put_int(b, "asn", inc->asn > 0 ? inc->asn : 0, 1)) != V_OK ||
	    (rc = put_str(b, "network", inc->network)) != V_OK ||
	    (rc = put_int(b, "events", inc->event_count, 0)) != V_OK ||
	    (rc = put_time(b, "first_seen", inc->first_seen)) != V_OK ||
	    (rc = put_time(b, "last_seen", inc->last_seen)) != V_OK ||
	    (rc = put_time(b, "created", inc->created)) != V_OK ||
	    (rc = put_time(b, "updated", inc->updated)) != V_OK ||
	    (rc = put_time(b, "deadline", inc->deadline)) != V_OK ||
	    (rc = put_key(b, "overdue")) != V_OK ||
	    (rc = buf_puts(b, cases_overdue(inc, now) ? "true" : "false")) != V_OK ||
	    (rc = put_int(b, "merged_into", inc->merged_into, 1)) != V_OK)
		return rc;
	return buf_putc(b, '}');
}

static json_t *jparse(const char *s)
{
	json_t *v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
	return v ? v : jstr(s);
}

json_t *cases_audit_json(const struct store_audit *a)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "time", jtime(a->time));
	json_object_set_new(o, "actor", jstr(a->actor));
	json_object_set_new(o, "object", jstr(a->object));
	json_object_set_new(o, "action", jstr(a->action));
	json_object_set_new(o, "before", jparse(a->before));
	json_object_set_new(o, "after", jparse(a->after));
	json_object_set_new(o, "prev_hash", jstr(a->prev_hash));
	json_object_set_new(o, "hash", jstr(a->hash));
	return o;
}

/* ---- the one door ---------------------------------------------------------------------------- */

/* The mutable fields, by their JSON names: what an audit entry compares. */
static const char *const audited[] = {
	"state", "resolution", "owner", "priority", "impact", "tlp", "pap", "organisation",
	"title", "deadline", "merged_into", NULL
};

/* Add to before/after the audited fields that differ between cur and next; 1 if any did, -1
 * when out of memory. */
static int diff(const struct store_incident *cur, const struct store_incident *next,
		json_t *before, json_t *after)
{
	json_t *a = cases_incident_json(cur, 0), *b = cases_incident_json(next, 0);
	int changed = a && b ? 0 : -1;

	for (size_t i = 0; a && b && audited[i]; i++) {
		json_t *x = json_object_get(a, audited[i]), *y = json_object_get(b, audited[i]);
		if (json_equal(x, y))
			continue;
		json_object_set(before, audited[i], x);
		json_object_set(after, audited[i], y);
		changed = 1;
	}
	json_decref(a);
	json_decref(b);
	return changed;
}

static int apply_one(const struct cases_ctx *cx, const struct cases_step *s, int *changed,
		     struct verr *err)
{
	struct store_incident cur, next;
	json_t *before = json_object(), *after = json_object();
	char *bj = NULL, *aj = NULL, object[32];
	int rc, row;

	memset(&cur, 0, sizeof(cur));
	if (!before || !after) {
		rc = verr_set(err, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	rc = store_incident_get(cx->st, s->id, &cur, err);
	if (rc == V_ERR_NOTFOUND)
		verr_set(err, rc, NULL, _("no incident %lld"), (long long)s->id);
	if (rc != V_OK)
		goto out;
	next = cur;
	rc = s->fn(cx, s->arg, &cur, &next, before, after, err);
	if (rc == V_SKIP) {
		rc = V_OK;
		goto out;
	}
	if (rc != V_OK)
		goto out;
	if ((row = diff(&cur, &next, before, after)) < 0) {
		rc = verr_set(err, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	if (!row && !json_object_size(before) && !json_object_size(after))
		goto out; /* nothing changed: nothing written */
	/* any change (a note too) makes the incident "updated" */
	next.updated = cx->now;
	if ((rc = store_incident_update(cx->st, &next, err)) != V_OK)
		goto out;
	bj = json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS);
	aj = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
	if (!bj || !aj) {
		rc = verr_set(err, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	snprintf(object, sizeof(object), "incident:%lld", (long long)s->id);
	rc = store_audit_append(cx->st, cx->actor, object, s->action, bj, aj, err);
	if (rc == V_OK)
		++*changed;
out:
	free(bj);
	free(aj);
	json_decref(before);
	json_decref(after);
	store_incident_free(&cur);
	return rc;
}

int cases_apply(const struct cases_ctx *cx, const struct cases_step *steps, size_t n,
		int *changed, struct verr *err)
{
	struct cases_ctx c = *cx;
	int rc, count = 0;

	if (!c.now)
		c.now = (int64_t)time(NULL);
	if (!c.actor || !*c.actor)
		c.actor = cases_actor();
	if ((rc = store_begin(c.st, err)) != V_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = apply_one(&c, &steps[i], &count, err)) != V_OK) {
			store_rollback(c.st);
			return rc;
		}
	}
	if ((rc = store_commit(c.st, err)) != V_OK) {
		store_rollback(c.st);
		return rc;
	}
	if (changed)
		*changed = count;
	return V_OK;
}

/* ---- set, close, reopen ---------------------------------------------------------------------- */

void cases_change_init(struct cases_change *c)
{
	memset(c, 0, sizeof(*c));
	c->state = -1;
}

struct set_arg {
	const struct cases_change *c;
	const char *resolution, *impact, *tlp, *pap; /* canonical spellings (static) */
	int reopen;                                  /* cases_reopen: must be resolved/closed */
};

static int refuse_transition(enum incident_state from, enum incident_state to, struct verr *err)
{
	char allowed[96];
	size_t n = 0;

	allowed[0] = 0;
	for (int s = 0; s < CASES_NSTATES; s++)
		if (transitions[from][s])
			n += (size_t)snprintf(allowed + n, sizeof(allowed) - n, "%s%s",
					      n ? ", " : "", state_names[s]);
	return verr_set(err, V_ERR_INVALID, "state",
			_("an incident cannot go from %s to %s (from %s: %s)"), state_names[from],
			state_names[to], state_names[from], allowed);
}

static int set_step(const struct cases_ctx *cx, void *arg, const struct store_incident *cur,
		    struct store_incident *next, json_t *before, json_t *after, struct verr *err)
{
	struct set_arg *a = arg;
	const struct cases_change *c = a->c;
	enum incident_state to = cur->state;
	int clock = 0;
	char all[128];

	(void)before;
	(void)after;
	if (cur->merged_into)
		return verr_set(err, V_ERR_INVALID, NULL,
				_("incident %lld was merged into incident %lld; change that one"),
				(long long)cur->id, (long long)cur->merged_into);
	if (a->reopen && cases_state_is_open(cur->state))
		return verr_set(err, V_ERR_INVALID, "state",
				_("incident %lld is %s, not resolved or closed"),
				(long long)cur->id, state_names[cur->state]);
	if (c->state >= 0 && (enum incident_state)c->state != cur->state) {
		to = (enum incident_state)c->state;
		if (!cases_transition_allowed(cur->state, to))
			return refuse_transition(cur->state, to, err);
		next->state = to;
	}
	if (a->resolution) {
		if (cases_state_is_open(to))
			return verr_set(err, V_ERR_INVALID, "resolution",
					_("only a resolved or closed incident has a resolution; "
					  "incident %lld is %s"),
					(long long)cur->id, state_names[to]);
		next->resolution = a->resolution;
	}
	if (!cases_state_is_open(to) && !next->resolution)
		return verr_set(err, V_ERR_INVALID, "resolution",
				_("resolving or closing needs a resolution (%s)"),
				joined(resolutions, all, sizeof(all)));
	if (cases_state_is_open(to) && !cases_state_is_open(cur->state)) {
		next->resolution = NULL; /* reopened: the old verdict no longer holds */
		clock = 1;
	}
	if (c->owner)
		next->owner = *c->owner ? c->owner : NULL;
	if (c->priority && c->priority != cur->priority) {
		next->priority = c->priority;
		clock = 1;
	}
	if (a->impact)
		next->impact = a->impact;
	if (a->tlp)
		next->tlp = a->tlp;
	if (a->pap)
		next->pap = a->pap;
	if (c->title)
		next->title = *c->title ? c->title : NULL;
	if (clock)
		next->deadline = cases_deadline_for(next->priority, cx->now);
	return V_OK;
}

int cases_set(const struct cases_ctx *cx, int64_t id, const struct cases_change *c,
	      const char *action, int *changed, struct verr *err)
{
	struct set_arg a = { .c = c };
	struct cases_step step = { id, action ? action : "set", set_step, &a };
	int rc;

	if (c->state >= CASES_NSTATES)
		return verr_set(err, V_ERR_INVALID, "state", _("no such state"));
	if (c->priority && (c->priority < 1 || c->priority > 4))
		return verr_set(err, V_ERR_INVALID, "priority",
				_("'%d' is not a priority (P1, P2, P3 or P4)"), c->priority);
	if ((c->resolution && (rc = cases_resolution_parse(c->resolution, &a.resolution, err))) ||
	    (c->impact && (rc = cases_impact_parse(c->impact, &a.impact, err))) ||
	    (c->tlp && (rc = cases_tlp_parse(c->tlp, &a.tlp, err))) ||
	    (c->pap && (rc = cases_pap_parse(c->pap, &a.pap, err))) ||
	    (c->owner && (rc = check_text("owner", c->owner, OWNER_MAX, err))) ||
	    (c->title && (rc = check_text("title", c->title, TITLE_MAX, err))))
		return rc;
	if (action && !strcmp(action, "reopen"))
		a.reopen = 1;
	return cases_apply(cx, &step, 1, changed, err);
}

int cases_close(const struct cases_ctx *cx, int64_t id, const char *resolution, struct verr *err)
{
	struct cases_change c;

	cases_change_init(&c);
	c.state = IS_CLOSED;
	c.resolution = resolution;
	return cases_set(cx, id, &c, "close", NULL, err);
}

int cases_reopen(const struct cases_ctx *cx, int64_t id, struct verr *err)
{
	struct cases_change c;

	cases_change_init(&c);
	c.state = IS_OPEN;
	return cases_set(cx, id, &c, "reopen", NULL, err);
}

/* ---- notes and attachments ------------------------------------------------------------------- */

struct note_arg {
	const char *text;
	int64_t id; /* OUT */
};

static int note_step(const struct cases_ctx *cx, void *arg, const struct store_incident *cur,
		     struct store_incident *next, json_t *before, json_t *after, struct verr *err)
{
	struct note_arg *a = arg;
	int rc;

	(void)next;
	(void)before;
	if ((rc = store_note_add(cx->st, cur->id, cx->actor, a->text, &a->id, err)) != V_OK)
		return rc;
	json_object_set_new(after, "note", json_pack("{s:I,s:s}", "id", (json_int_t)a->id,
						     "text", a->text));
	return V_OK;
}

int cases_note(const struct cases_ctx *cx, int64_t id, const char *text, int64_t *note_id,
	       struct verr *err)
{
	struct note_arg a = { text, 0 };
	struct cases_step step = { id, "note", note_step, &a };
	size_t n = strlen(text), bad;
	int rc;

	if (n == 0 || strspn(text, " \t\r\n") == n)
		return verr_set(err, V_ERR_INVALID, "note", _("the note is empty"));
	if (n > CASES_NOTE_MAX)
		return verr_set(err, V_ERR_INVALID, "note", _("longer than %zu bytes"),
				(size_t)CASES_NOTE_MAX);
	if (!utf8_valid(text, n, &bad))
		return verr_set(err, V_ERR_INVALID, "note", _("not valid UTF-8 (byte %zu)"), bad);
	rc = cases_apply(cx, &step, 1, NULL, err);
	if (rc == V_OK && note_id)
		*note_id = a.id;
	return rc;
}

struct attach_arg {
	const char *name;
	const void *data;
	size_t len;
	char *sha;
};

static int attach_step(const struct cases_ctx *cx, void *arg, const struct store_incident *cur,
		       struct store_incident *next, json_t *before, json_t *after,
		       struct verr *err)
{
	struct attach_arg *a = arg;
	int rc;

	(void)next;
	(void)before;
	rc = store_attachment_add(cx->st, cur->id, a->name, a->data, a->len, a->sha, err);
	if (rc != V_OK)
		return rc;
	json_object_set_new(after, "attachment",
			    json_pack("{s:s,s:s,s:I}", "name", a->name, "sha256", a->sha, "size",
				      (json_int_t)a->len));
	return V_OK;
}

int cases_attach(const struct cases_ctx *cx, int64_t id, const char *name, const void *data,
		 size_t len, char sha256_hex[65], struct verr *err)
{
	struct attach_arg a = { name, data, len, sha256_hex };
	struct cases_step step = { id, "attach", attach_step, &a };
	int rc;

	sha256_hex[0] = 0;
	if (!*name)
		return verr_set(err, V_ERR_INVALID, "name", _("the attachment has no name"));
	if ((rc = check_text("name", name, 255, err)) != V_OK)
		return rc;
	return cases_apply(cx, &step, 1, NULL, err);
}

/* ---- links and merges ------------------------------------------------------------------------ */

struct link_arg {
	int64_t a, b;
	const char *why;
};

static int find_linked(void *arg, int64_t other, const char *kind, const char *why)
{
	const int64_t *want = arg;

	(void)why;
	return other == *want && kind && !strcmp(kind, "linked") ? -1 : 0; /* -1: found */
}

/* Runs for b (its audit entry) and then for a (the link and its entry); nothing when the two
 * are linked already. */
static int link_step(const struct cases_ctx *cx, void *arg, const struct store_incident *cur,
		     struct store_incident *next, json_t *before, json_t *after, struct verr *err)
{
	struct link_arg *l = arg;
	int64_t other = cur->id == l->a ? l->b : l->a;
	json_t *o;
	int rc;

	(void)next;
	(void)before;
	rc = store_links_list(cx->st, cur->id, find_linked, &other, err);
	if (rc == -1)
		return V_SKIP;
	if (rc != V_OK)
		return rc;
	if (cur->id == l->a && (rc = store_link_add(cx->st, l->a, l->b, "linked", l->why, err)))
		return rc;
	o = json_pack("{s:I,s:s}", "incident", (json_int_t)other, "kind", "linked");
	if (o && l->why)
		json_object_set_new(o, "why", json_string(l->why));
	json_object_set_new(after, "link", o);
	return V_OK;
}

int cases_link(const struct cases_ctx *cx, int64_t a, int64_t b, const char *why,
	       struct verr *err)
{
	struct link_arg l = { a, b, why && *why ? why : NULL };
	struct cases_step steps[2] = {
		{ b, "link", link_step, &l }, /* b first: a missing b stops before any write */
		{ a, "link", link_step, &l },
	};
	int rc;

	if (a == b)
		return verr_set(err, V_ERR_INVALID, NULL,
				_("an incident cannot be linked to itself"));
	if (l.why && (rc = check_text("why", l.why, TITLE_MAX, err)) != V_OK)
		return rc;
	return cases_apply(cx, steps, 2, NULL, err);
}

struct merge_arg {
	int64_t into, from;
	int64_t moved;
};

/* The merged incident: closed as a duplicate, pointing to the survivor. */
static int merge_from_step(const struct cases_ctx *cx, void *arg,
			   const struct store_incident *cur, struct store_incident *next,
			   json_t *before, json_t *after, struct verr *err)
{
	struct merge_arg *m = arg;
	struct store_incident into;
	int rc;

	(void)before;
	(void)after;
	if (cur->merged_into)
		return verr_set(err, V_ERR_INVALID, NULL,
				_("incident %lld was merged into incident %lld already"),
				(long long)cur->id, (long long)cur->merged_into);
	memset(&into, 0, sizeof(into));
	rc = store_incident_get(cx->st, m->into, &into, err);
	if (rc == V_ERR_NOTFOUND)
		return verr_set(err, rc, NULL, _("no incident %lld"), (long long)m->into);
	if (rc != V_OK)
		return rc;
	if (into.merged_into)
		rc = verr_set(err, V_ERR_INVALID, NULL,
			      _("incident %lld was merged into incident %lld; merge into that one"),
			      (long long)into.id, (long long)into.merged_into);
	store_incident_free(&into);
	if (rc != V_OK)
		return rc;
	next->state = IS_CLOSED;
	next->resolution = "duplicate";
	next->merged_into = m->into;
	return V_OK;
}

/* ids with a time each (an event's), grown as needed */
struct idvec {
	struct idref { int64_t id, time; } *v;
	size_t n, size;
};

static int idvec_push(struct idvec *iv, int64_t id, int64_t time)
{
	if (iv->n == iv->size) {
		size_t ns = iv->size ? iv->size * 2 : 256;
		struct idref *v = realloc(iv->v, ns * sizeof(*v));
		if (!v)
			return V_ERR_NOMEM;
		iv->v = v;
		iv->size = ns;
	}
	iv->v[iv->n++] = (struct idref){ id, time };
	return V_OK;
}

/* An event's time for its incident, as the pipeline links it: time.source, else first seen. */
static int64_t event_time(const struct store_event_row *row)
{
	const char *k = "\"time.source\":\"", *p = row->json ? strstr(row->json, k) : NULL;
	struct vtime t;

	if (p) {
		p += strlen(k);
		const char *q = strchr(p, '"');
		if (q && time_parse(p, (size_t)(q - p), &t) == 0)
			return t.sec;
	}
	return row->first_seen;
}

static int collect_event(void *arg, const struct store_event_row *row)
{
	return idvec_push(arg, row->id, event_time(row));
}

static int collect_indicator(void *arg, const struct store_indicator *ind)
{
	return idvec_push(arg, ind->id, 0);
}

/* The survivor: gets the merged incident's events, postings and a "merged" link. */
static int merge_into_step(const struct cases_ctx *cx, void *arg,
			   const struct store_incident *cur, struct store_incident *next,
			   json_t *before, json_t *after, struct verr *err)
{
	struct merge_arg *m = arg;
	struct store_event_filter f;
	struct idvec ev = { 0 }, ind = { 0 };
	struct store_incident now;
	int64_t page = 1000;
	int rc, is_new;

	(void)next;
	memset(&now, 0, sizeof(now));
	/* read every event id first: the links change under a walk */
	memset(&f, 0, sizeof(f));
	f.incident = m->from;
	f.limit = page;
	for (;;) {
		size_t had = ev.n;
		if ((rc = store_events_query(cx->st, &f, collect_event, &ev, err)) != V_OK)
			goto out;
		if (ev.n - had < (size_t)page)
			break;
		f.offset += page;
	}
	/* oldest first; an event the survivor has already is counted once */
	for (size_t i = ev.n; i-- > 0;)
		if ((rc = store_incident_add_event(cx->st, m->into, ev.v[i].id, ev.v[i].time,
						   err)) != V_OK)
			goto out;
	if ((rc = store_indicators_list(cx->st, m->from, collect_indicator, &ind, err)) != V_OK)
		goto out;
	for (size_t i = 0; i < ind.n; i++)
		if ((rc = store_posting_add(cx->st, ind.v[i].id, m->into, &is_new, err)))
			goto out;
	if ((rc = store_link_add(cx->st, m->into, m->from, "merged", NULL, err)) != V_OK)
		goto out;
	/* a survivor without attribution takes the merged one's; one with its own keeps it */
	if ((rc = store_incident_get(cx->st, m->from, &now, err)) != V_OK ||
	    (rc = store_incident_attribute(cx->st, m->into, now.country, now.asn, now.network,
					   &is_new, err)) != V_OK)
		goto out;
	store_incident_free(&now);
	if ((rc = store_incident_get(cx->st, cur->id, &now, err)) != V_OK)
		goto out;
	m->moved = (int64_t)ev.n;
	json_object_set_new(before, "events", json_integer(cur->event_count));
	json_object_set_new(after, "events", json_integer(now.event_count));
	json_object_set_new(after, "merged", json_pack("{s:I,s:I,s:I}", "incident",
						       (json_int_t)m->from, "events",
						       (json_int_t)ev.n, "indicators",
						       (json_int_t)ind.n));
out:
	if (rc == V_ERR_NOMEM)
		verr_set(err, rc, NULL, "%s", vres_str(rc));
	store_incident_free(&now);
	free(ev.v);
	free(ind.v);
	return rc;
}

int cases_merge(const struct cases_ctx *cx, int64_t into, const int64_t *from, size_t n,
		int64_t *moved, struct verr *err)
{
	struct merge_arg *m = NULL;
	struct cases_step *steps = NULL;
	int rc;

	if (moved)
		*moved = 0;
	if (n == 0)
		return verr_set(err, V_ERR_USAGE, NULL, _("nothing to merge"));
	for (size_t i = 0; i < n; i++)
		if (from[i] == into)
			return verr_set(err, V_ERR_INVALID, NULL,
					_("an incident cannot be merged into itself"));
	m = calloc(n, sizeof(*m));
	steps = calloc(2 * n, sizeof(*steps));
	if (!m || !steps) {
		rc = verr_set(err, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		m[i].into = into;
		m[i].from = from[i];
		steps[2 * i] = (struct cases_step){ from[i], "merge", merge_from_step, &m[i] };
		steps[2 * i + 1] = (struct cases_step){ into, "merge", merge_into_step, &m[i] };
	}
	rc = cases_apply(cx, steps, 2 * n, NULL, err);
	for (size_t i = 0; rc == V_OK && moved && i < n; i++)
		*moved += m[i].moved;
out:
	free(m);
	free(steps);
	return rc;
}

/* ---- opening an incident -------------------------------------------------------------------- */

int cases_open(const struct cases_ctx *cx, const struct store_incident *inc, int64_t *id,
	       struct verr *err)
{
	struct store_incident n = *inc;
	int64_t now = cx->now ? cx->now : (int64_t)time(NULL);
	char object[32], *after = NULL;
	json_t *o;
	int rc;

	*id = 0;
	if (n.priority < 1 || n.priority > 4)
		return verr_set(err, V_ERR_INVALID, "priority", _("priority must be 1 to 4"));
	n.state = IS_NEW;
	n.created = n.updated = now;
	if (!n.deadline)
		n.deadline = cases_deadline_for(n.priority, now);
	if ((rc = store_incident_create(cx->st, &n, id, err)) != V_OK)
		return rc;
	n.id = *id;
	snprintf(object, sizeof(object), "incident:%lld", (long long)*id);
	if (!(o = cases_incident_json(&n, now)) ||
	    !(after = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS))) {
		json_decref(o);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	json_decref(o);
	rc = store_audit_append(cx->st, cx->actor, object, "create", NULL, after, err);
	free(after);
	return rc;
}
