/*
 * rules.c — notification routing rules as data (notify.h "routing rules"; the format is in
 * docs/formats.md "Notification routing rules").
 *
 *   { "rules": [ { "name": "...",
 *                  "match": { "classification": [...], "tlp": [...], "organisation": [...],
 *                             "country": [...], "kind": ["org", "abuse", "cert"],
 *                             "side": ["source", "destination"] },
 *                  "action": "notify" | "suppress",
 *                  "interval": "immediate" | "hourly" | "daily",
 *                  "template": "summary", "format": "csv" | "xarf" | "both",
 *                  "lang": "es" | "en" } ] }
 *
 * Every key of "match" is optional (absent: any); a list matches when one of its values
 * does (classification: the type or the taxonomy; text compares without regard to case).
 * The first rule that matches decides.  Unknown keys are errors: a typo must not silently
 * widen a rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base/i18n.h"
#include "ingest/ingest.h"
#include "notify/notify.h"

#define RULES_MAX 1000
#define LIST_MAX 1000

enum { M_CLASS, M_TLP, M_ORG, M_COUNTRY, M_KIND, M_SIDE, M__COUNT };
static const char *const match_keys[M__COUNT] = {
	"classification", "tlp", "organisation", "country", "kind", "side",
};

struct list {
	size_t n;
	char **v;
};

struct rule {
	char *name;
	struct list m[M__COUNT];
	int suppress;
	enum notify_interval interval;
	char *template_name, *format, *lang;
};

struct notify_rules {
	size_t n;
	struct rule *r;
};

static const char *const kind_names[] = { "org", "abuse", "cert" };
static const char *const interval_names[] = { "immediate", "hourly", "daily" };

const char *notify_kind_name(enum notify_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "?";
}

const char *notify_interval_name(enum notify_interval i)
{
	return (unsigned)i < 3 ? interval_names[i] : "?";
}

int notify_interval_parse(const char *s, enum notify_interval *out)
{
	for (int i = 0; i < 3; i++)
		if (s && !strcasecmp(s, interval_names[i])) {
			*out = (enum notify_interval)i;
			return V_OK;
		}
	return V_ERR_INVALID;
}

int64_t notify_interval_due(enum notify_interval i, int64_t t)
{
	switch (i) {
	case NOTIFY_HOURLY: return (t / 3600 + 1) * 3600;
	case NOTIFY_DAILY: return (t / 86400 + 1) * 86400;
	default: return t;
	}
}

static void rule_fini(struct rule *r)
{
	free(r->name);
	free(r->template_name);
	free(r->format);
	free(r->lang);
	for (int k = 0; k < M__COUNT; k++) {
		for (size_t i = 0; i < r->m[k].n; i++)
			free(r->m[k].v[i]);
		free(r->m[k].v);
	}
}

void notify_rules_free(struct notify_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		rule_fini(&r->r[i]);
	free(r->r);
	free(r);
}

static int bad(struct verr *err, const char *label, size_t i, const char *key, const char *why)
{
	char field[160];

	snprintf(field, sizeof(field), "rules[%zu]%s%s", i, key ? "." : "", key ? key : "");
	verr_set(err, V_ERR_INVALID, field, "%s", why);
	err->file = label;
	return V_ERR_INVALID;
}

static int one_of(const char *v, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(v, names[i]))
			return 1;
	return 0;
}

static int read_list(const json_t *a, struct list *l, const char *label, size_t i,
		     const char *key, struct verr *err)
{
	char k[48];
	size_t j;
	json_t *v;

	snprintf(k, sizeof(k), "match.%s", key);
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > LIST_MAX)
		return bad(err, label, i, k, _("expected a list of 1 to 1000 strings"));
	l->v = calloc(json_array_size(a), sizeof(char *));
	if (!l->v)
		return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	json_array_foreach(a, j, v) {
		const char *s = json_string_value(v);
		if (!s || !s[0])
			return bad(err, label, i, k, _("expected a list of 1 to 1000 strings"));
		if (!strcmp(key, "kind") && !one_of(s, kind_names, 3))
			return bad(err, label, i, k, _("a kind is org, abuse or cert"));
		if (!strcmp(key, "side") && strcasecmp(s, "source") && strcasecmp(s, "destination"))
			return bad(err, label, i, k, _("a side is source or destination"));
		if (!(l->v[l->n++] = strdup(s)))
			return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	}
	return V_OK;
}

static int opt_str(const json_t *o, const char *key, char **out, const char *label, size_t i,
		   struct verr *err)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return V_OK;
	if (!json_is_string(v) || !json_string_length(v))
		return bad(err, label, i, key, _("expected a non-empty string"));
	if (!(*out = strdup(json_string_value(v))))
		return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	return V_OK;
}

static int read_rule(const json_t *o, struct rule *r, const char *label, size_t i,
		     struct verr *err)
{
	static const char *const keys[] = { "name", "match", "action", "interval", "template",
					    "format", "lang", "comment" };
	const char *k;
	json_t *v, *m;
	int rc;

	if (!json_is_object(o))
		return bad(err, label, i, NULL, _("a rule is a JSON object"));
	json_object_foreach((json_t *)o, k, v)
		if (!one_of(k, keys, sizeof(keys) / sizeof(keys[0])))
			return bad(err, label, i, k, _("unknown key"));
	if ((rc = opt_str(o, "name", &r->name, label, i, err)) != V_OK)
		return rc;
	if (!r->name)
		return bad(err, label, i, "name", _("every rule needs a name"));
	if ((v = json_object_get(o, "action"))) {
		const char *a = json_string_value(v);
		if (!a || (strcmp(a, "notify") && strcmp(a, "suppress")))
			return bad(err, label, i, "action", _("the action is notify or suppress"));
		r->suppress = !strcmp(a, "suppress");
	}
	r->interval = NOTIFY_HOURLY;
	if ((v = json_object_get(o, "interval")) &&
	    notify_interval_parse(json_string_value(v), &r->interval) != V_OK)
		return bad(err, label, i, "interval",
			   _("the interval is immediate, hourly or daily"));
	if ((rc = opt_str(o, "template", &r->template_name, label, i, err)) != V_OK ||
	    (rc = opt_str(o, "format", &r->format, label, i, err)) != V_OK ||
	    (rc = opt_str(o, "lang", &r->lang, label, i, err)) != V_OK)
		return rc;
	if (r->template_name && strpbrk(r->template_name, "/\\.")) /* a name, not a path */
		return bad(err, label, i, "template", _("a template is named without '/' or '.'"));
	if (r->format && strcmp(r->format, "csv") && strcmp(r->format, "xarf") &&
	    strcmp(r->format, "both"))
		return bad(err, label, i, "format", _("the format is csv, xarf or both"));
	if (r->lang && strcmp(r->lang, "es") && strcmp(r->lang, "en"))
		return bad(err, label, i, "lang", _("the language is es or en"));
	m = json_object_get(o, "match");
	if (m && !json_is_object(m))
		return bad(err, label, i, "match", _("match is a JSON object"));
	if (m) {
		json_object_foreach(m, k, v) {
			int found = -1;
			for (int j = 0; j < M__COUNT; j++)
				if (!strcmp(k, match_keys[j]))
					found = j;
			if (found < 0) {
				char kk[48];
				snprintf(kk, sizeof(kk), "match.%s", k);
				return bad(err, label, i, kk, _("unknown key"));
			}
			if ((rc = read_list(v, &r->m[found], label, i, k, err)) != V_OK)
				return rc;
		}
	}
	return V_OK;
}

int notify_rules_parse(const char *text, size_t len, const char *label, struct notify_rules **out,
		       struct verr *err)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je), *rules;
	struct notify_rules *r = NULL;
	size_t i;
	json_t *v;
	int rc = V_OK;

	*out = NULL;
	if (!doc) {
		verr_set(err, V_ERR_INVALID, "", _("not valid JSON: %s"), je.text);
		err->file = label;
		err->line = je.line;
		return V_ERR_INVALID;
	}
	rules = json_object_get(doc, "rules");
	if (!json_is_array(rules) || json_array_size(rules) > RULES_MAX) {
		verr_set(err, V_ERR_INVALID, "rules", _("expected a list \"rules\" of at most %d"),
			 RULES_MAX);
		err->file = label;
		rc = V_ERR_INVALID;
		goto out;
	}
	if (!(r = calloc(1, sizeof(*r))) ||
	    !(r->r = calloc(json_array_size(rules) + 1, sizeof(*r->r)))) {
		rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
		goto out;
	}
	json_array_foreach(rules, i, v) {
		r->n = i + 1;
		if ((rc = read_rule(v, &r->r[i], label, i, err)) != V_OK)
			goto out;
	}
out:
	json_decref(doc);
	if (rc != V_OK)
		notify_rules_free(r);
	else
		*out = r;
	return rc;
}

int notify_rules_load(const char *path, struct notify_rules **out, struct verr *err)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!path || !path[0]) {
		const char *blob = blob_get("notify/routing.json", &len);
		if (!blob)
			return verr_set(err, V_ERR_INVALID, "", _("no built-in routing rules"));
		return notify_rules_parse(blob, len, "notify/routing.json (built in)", out, err);
	}
	if (!(f = fopen(path, "rb"))) {
		verr_set(err, V_ERR_IO, "", _("cannot read the routing rules: %m"));
		err->file = path;
		return V_ERR_IO;
	}
	for (;;) {
		if (len == cap) {
			char *t;
			if (cap >= (16u << 20)) {
				fclose(f);
				free(text);
				verr_set(err, V_ERR_LIMIT, "", _("routing rules larger than 16 MiB"));
				err->file = path;
				return V_ERR_LIMIT;
			}
			cap = cap ? cap * 2 : 65536;
			if (!(t = realloc(text, cap))) {
				fclose(f);
				free(text);
				return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
			}
			text = t;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	rc = notify_rules_parse(text ? text : "", len, path, out, err);
	free(text);
	return rc;
}

static int list_has(const struct list *l, const char *v)
{
	if (l->n == 0)
		return 1;
	if (!v)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i], v))
			return 1;
	return 0;
}

/* "TLP:AMBER", "amber" and "AMBER" are one. */
static const char *tlp_word(const char *t)
{
	return t && !strncasecmp(t, "TLP:", 4) ? t + 4 : t;
}

int notify_rules_decide(const struct notify_rules *r, const struct notify_facts *f,
			struct notify_decision *d)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *x = &r->r[i];
		const struct list *tl = &x->m[M_TLP];
		int tlp_ok = tl->n == 0;

		for (size_t j = 0; j < tl->n && !tlp_ok; j++)
			tlp_ok = f->tlp && !strcasecmp(tlp_word(tl->v[j]), tlp_word(f->tlp));
		if (!tlp_ok)
			continue;
		if (!(list_has(&x->m[M_CLASS], f->classification) ||
		      (x->m[M_CLASS].n && list_has(&x->m[M_CLASS], f->taxonomy))))
			continue;
		if (!list_has(&x->m[M_ORG], f->organisation) ||
		    !list_has(&x->m[M_COUNTRY], f->country && f->country[0] ? f->country : NULL) ||
		    !list_has(&x->m[M_KIND], notify_kind_name(f->kind)) ||
		    !list_has(&x->m[M_SIDE], f->side == NOTIFY_DESTINATION ? "destination"
									     : "source"))
			continue;
		d->rule = x->name;
		d->suppress = x->suppress;
		d->interval = x->interval;
		d->template_name = x->template_name ? x->template_name : "summary";
		d->format = x->format;
		d->lang = x->lang;
		return 1;
	}
	return 0;
}
