/*
 * taxii_views.c — TAXII collections defined in the configuration (setting taxii.collections):
 * views of the team's incidents and indicators for one partner, with a TLP ceiling and a set
 * of STIX types, for example
 *
 *     taxii.collections = green-x: partner=CERT-X, tlp=GREEN, types=indicator;
 *                         all-y: partner=CERT-Y
 *
 * (definitions separated by ';', each "NAME: key=value, ...").  The content is what the one
 * sharing policy (share/policy.h) lets that partner receive — its stored rights, capped again
 * by tlp (a collection can only narrow them, never widen) — built and written as STIX by the
 * same code as the "incidents" collection and `vigia export --for PARTNER` (taxii.c), then
 * kept to the listed types.  Who sees a view: analysts and administrators, and the accounts of
 * its partner; to any other partner it does not exist (404).  Views are read-only.
 *
 * A view's id is a UUID named by the team and the view's name, stable across restarts.  The
 * setting is parsed on each use (it is short); a bad definition is logged and ignored, the
 * others work: `vigia serve` checks the whole setting once when it starts (taxii_views_check).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "http/taxii_views.h"
#include "share/view.h"

/* Copy s[0..n) trimmed of spaces into out (size cap).  0, or -1 when it does not fit. */
static int trimmed(const char *s, size_t n, char *out, size_t cap)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= cap)
		return -1;
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

/* Parse one definition "NAME: key=value, ...".  V_OK or V_ERR_USAGE (err says why). */
static int parse_one(const char *s, size_t len, struct taxii_view *v, struct verr *err)
{
	const char *colon = memchr(s, ':', len), *p, *end = s + len;

	memset(v, 0, sizeof(*v));
	v->tlp = TLP_RED;
	if (!colon || trimmed(s, (size_t)(colon - s), v->name, sizeof(v->name)) || !v->name[0])
		return verr_set(err, V_ERR_USAGE, "taxii.collections", "%s",
		                _("a collection is 'NAME: partner=P[, tlp=T][, types=a+b]'"));
	for (const char *c = v->name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
			return verr_set(
			    err, V_ERR_USAGE, "taxii.collections",
			    _("collection name '%s': letters, digits, '.', '_', '-' only"),
			    v->name);
	for (p = colon + 1; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p)),
		           *item_end = comma ? comma : end;
		const char *eq = memchr(p, '=', (size_t)(item_end - p));
		char key[32], val[sizeof(v->types)];
		struct verr e = {0};

		if (!eq || trimmed(p, (size_t)(eq - p), key, sizeof(key)) ||
		    trimmed(eq + 1, (size_t)(item_end - eq - 1), val, sizeof(val)) || !val[0])
			return verr_set(err, V_ERR_USAGE, "taxii.collections",
			                _("collection %s: each setting is key=value"), v->name);
		if (!strcmp(key, "partner")) {
			if (strlen(val) >= sizeof(v->partner))
				return verr_set(err, V_ERR_USAGE, "taxii.collections",
				                _("collection %s: no partner has so long a name"),
				                v->name);
			memcpy(v->partner, val, strlen(val) + 1);
		} else if (!strcmp(key, "tlp")) {
			if (policy_tlp_parse(val, &v->tlp, &e) != V_OK)
				return verr_set(err, V_ERR_USAGE, "taxii.collections",
				                _("collection %s: %s"), v->name, e.reason);
		} else if (!strcmp(key, "types"))
			snprintf(v->types, sizeof(v->types), "%s", val);
		else
			return verr_set(err, V_ERR_USAGE, "taxii.collections",
			                _("collection %s: unknown key '%s' (partner, tlp, types)"),
			                v->name, key);
		p = comma ? comma + 1 : end;
	}
	if (!v->partner[0])
		return verr_set(err, V_ERR_USAGE, "taxii.collections",
		                _("collection %s: names no partner"), v->name);
	share_uuid(v->id, "taxii-collection", conf_get("share.team_name"), v->name);
	return V_OK;
}

int taxii_views_each(int (*cb)(void *arg, const struct taxii_view *v), void *arg, struct verr *err)
{
	const char *s = conf_get("taxii.collections");
	int rc;

	while (s && *s) {
		size_t n = strcspn(s, ";");
		struct taxii_view v;
		const char *q = s;

		while (q < s + n && isspace((unsigned char)*q))
			q++;
		if (q < s + n) {
			if ((rc = parse_one(s, n, &v, err)) != V_OK)
				return rc;
			if ((rc = cb(arg, &v)) != 0)
				return rc;
		}
		s += n;
		if (*s == ';')
			s++;
	}
	return V_OK;
}

static int count_cb(void *arg, const struct taxii_view *v)
{
	(void)v;
	(*(int *)arg)++;
	return 0;
}

int taxii_views_check(struct verr *err)
{
	int n = 0;

	return taxii_views_each(count_cb, &n, err);
}

struct find {
	const char *id;
	struct taxii_view *out;
	int found;
};

static int find_cb(void *arg, const struct taxii_view *v)
{
	struct find *f = arg;

	if (strcmp(v->id, f->id))
		return 0;
	*f->out = *v;
	f->found = 1;
	return 1;
}

int taxii_view_find(const char *id, struct taxii_view *out)
{
	struct find f = {.id = id, .out = out};
	struct verr e = {0};

	if (taxii_views_each(find_cb, &f, &e) < 0 || (!f.found && e.reason[0])) {
		log_error("http: %s", e.reason);
		return 0;
	}
	return f.found;
}

int taxii_view_visible(const struct taxii_view *v, const struct http_call *c)
{
	return c->role != HTTP_ROLE_PARTNER || !strcasecmp(v->partner, c->account->partner);
}

int taxii_view_has_type(const struct taxii_view *v, const char *type)
{
	const char *s = v->types;
	size_t n;

	if (!*s)
		return 1;
	if (!type)
		return 0;
	n = strlen(type);
	while (*s) {
		size_t k = strcspn(s, "+ ");

		if (k == n && !strncmp(s, type, n))
			return 1;
		s += k;
		while (*s == '+' || *s == ' ')
			s++;
	}
	return 0;
}

json_t *taxii_view_json(const struct taxii_view *v)
{
	char desc[400];

	snprintf(desc, sizeof(desc), "for %s%s%s%s%s, as the sharing policy allows", v->partner,
	         v->tlp < TLP_RED ? ", up to TLP:" : "",
	         v->tlp < TLP_RED ? policy_tlp_name(v->tlp) : "", v->types[0] ? ", types " : "",
	         v->types);
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", v->id, "title", v->name,
	                 "description", desc, "can_read", 1, "can_write", 0, "media_types",
	                 HTTP_STIX);
}

struct list {
	const struct http_call *c;
	json_t *out;
};

static int list_cb(void *arg, const struct taxii_view *v)
{
	struct list *l = arg;

	if (taxii_view_visible(v, l->c))
		json_array_append_new(l->out, taxii_view_json(v));
	return 0;
}

void taxii_views_list(const struct http_call *c, json_t *out)
{
	struct list l = {.c = c, .out = out};
	struct verr e = {0};

	if (taxii_views_each(list_cb, &l, &e) != V_OK)
		log_error("http: %s", e.reason);
}
