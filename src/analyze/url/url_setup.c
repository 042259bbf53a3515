/*
 * url_setup.c — what the command and the pipeline stage share to set the analyzer up from
 * the settings: the block and allow lists (files, and "store": the URLs of phishing and
 * malware-distribution events the store already holds, from URLhaus, OpenPhish, PhishTank...)
 * and the checker (url.psl, url.model).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/url/url.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "store/store.h"

struct from_store {
	struct url_list *l;
	size_t added, bad;
	struct verr *err;
};

static int store_row(void *arg, const struct store_event_row *row)
{
	struct from_store *fs = arg;
	json_error_t je;
	json_t *ev = json_loads(row->json, 0, &je);
	static const char *const keys[] = {"source.url", "destination.url"};
	char name[64];

	if (!ev)
		return V_OK;
	const char *feed = json_string_value(json_object_get(ev, "feed.name"));
	snprintf(name, sizeof name, "store:%s", feed ? feed : "?");
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(ev, keys[i]);
		if (!json_is_string(v))
			continue;
		struct verr e1;
		int rc = url_list_add(fs->l, json_string_value(v), json_string_length(v), name,
		                      (long)row->id, &e1);
		if (rc == V_OK)
			fs->added++;
		else if (rc == V_ERR_NOMEM) {
			json_decref(ev);
			return rc;
		} else if (rc != V_SKIP)
			fs->bad++;
	}
	json_decref(ev);
	return V_OK;
}

int url_list_add_store(struct url_list *l, struct store *st, size_t *added, struct verr *err)
{
	static const char *const classes[] = {"phishing", "malware-distribution", NULL};
	struct from_store fs = {l, 0, 0, err};

	for (size_t i = 0; classes[i]; i++) {
		struct store_event_filter f = {0};
		f.classification = classes[i];
		f.limit = -1;
		int rc = store_events_query(st, &f, store_row, &fs, err);
		if (rc != V_OK)
			return rc;
	}
	if (added)
		*added = fs.added;
	return V_OK;
}

/* Load every comma-separated source of `sources` into l ("store" needs st). */
static int load_sources(struct url_list *l, const char *sources, struct store *st, size_t *bad,
                        struct verr *err)
{
	char *copy = strdup(sources ? sources : ""), *save = NULL;
	int rc = V_OK;

	if (!copy)
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
	for (char *s = strtok_r(copy, ",", &save); s && rc == V_OK;
	     s = strtok_r(NULL, ",", &save)) {
		while (*s == ' ')
			s++;
		if (!*s)
			continue;
		if (!strcmp(s, "store")) {
			if (!st) {
				rc = verr_set(err, V_ERR_USAGE, "url.block_lists", "%s",
				              _("'store' as a list needs a store (--db)"));
				break;
			}
			rc = url_list_add_store(l, st, NULL, err);
		} else {
			size_t b = 0;
			rc = url_list_load_file(l, s, &b, err);
			*bad += b;
		}
	}
	free(copy);
	return rc;
}

int url_lists_build(const char *block, const char *allow, struct store *st, struct url_lists **out,
                    size_t *bad, struct verr *err)
{
	struct url_list *b = url_list_new(), *a = url_list_new();
	int rc;

	*out = NULL;
	*bad = 0;
	if (!b || !a) {
		url_list_free(b);
		url_list_free(a);
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
	}
	if ((rc = load_sources(b, block, st, bad, err)) != V_OK ||
	    (rc = load_sources(a, allow, st, bad, err)) != V_OK ||
	    (rc = url_list_seal(b)) != V_OK || (rc = url_list_seal(a)) != V_OK) {
		url_list_free(b);
		url_list_free(a);
		return rc;
	}
	*out = url_lists_new(b, a);
	return *out ? V_OK : verr_set(err, V_ERR_NOMEM, "", "%s", _("out of memory"));
}
