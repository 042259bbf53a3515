/*
 * feeddef.c — feed definitions and the built-in catalogue.
 *
 * A definition is a JSON object in IntelMQ's terms, so IntelMQ users can bring theirs:
 *   { "parser": "csv" | "intelmq.bots.parsers.generic.parser_csv",
 *     "parameters": { IntelMQ parser parameters: columns, delimiter, type_translation, ... },
 *     "report": { "feed.name": ..., "feed.url": ..., "extra.file_name": ..., ... },
 *     "description": "...", "input": "sample file (optional)",
 *     "enrich": { "enabled": true, "overwrite": ["source.geolocation.cc"] } (vigia's own) }
 * Unknown top-level keys are refused (a typo should not silently change behaviour).
 */
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "ingest/ingest.h"

struct blob {
	const char *path;
	const unsigned char *data;
	size_t len;
};
extern const struct blob vigia_blobs[];

const char *blob_get(const char *path, size_t *len)
{
	for (const struct blob *b = vigia_blobs; b->path; b++)
		if (!strcmp(b->path, path)) {
			if (len)
				*len = b->len;
			return (const char *)b->data;
		}
	return NULL;
}

const char *const *feed_catalogue_names(void)
{
	static const char *names[256];
	static int done;

	if (!done) {
		size_t n = 0;
		for (const struct blob *b = vigia_blobs; b->path && n + 1 < 256; b++) {
			if (strncmp(b->path, "feeds/", 6) != 0)
				continue;
			names[n++] = b->path + 6; /* "name.json": callers strip ".json" */
		}
		names[n] = NULL;
		done = 1;
	}
	return names;
}

const struct parser *parser_find(const char *name)
{
	for (const struct parser *const *p = parser_registry; *p; p++) {
		if (!strcmp((*p)->name, name))
			return *p;
		for (const char *const *a = (*p)->aliases; a && *a; a++)
			if (!strcmp(*a, name))
				return *p;
	}
	return NULL;
}

void feed_def_free(struct feed_def *fd)
{
	if (!fd)
		return;
	free(fd->name);
	free(fd->source);
	free(fd->input);
	free(fd->enrich_overwrite);
	json_decref(fd->params);
	json_decref(fd->report);
	free(fd);
}

/* The "enrich" object: "enabled" (boolean) and "overwrite" (field names: an array of strings,
 * or one string, comma-separated).  The names are checked where they are used (the enrichment
 * stage knows its fields). */
static int enrich_key(struct feed_def *fd, const json_t *e, struct verr *err)
{
	const char *k;
	json_t *v;
	struct buf b;
	size_t i;
	int rc = V_OK;

	if (!e)
		return V_OK;
	if (!json_is_object(e))
		return verr_set(err, V_ERR_PARSE, "enrich", _("must be a JSON object"));
	json_object_foreach((json_t *)e, k, v) {
		if (strcmp(k, "enabled") && strcmp(k, "overwrite"))
			return verr_set(err, V_ERR_PARSE, "enrich",
					_("unknown key '%s' (enabled, overwrite)"), k);
	}
	v = json_object_get(e, "enabled");
	if (v && !json_is_boolean(v))
		return verr_set(err, V_ERR_PARSE, "enrich.enabled", _("must be true or false"));
	fd->no_enrich = v && json_is_false(v);
	v = json_object_get(e, "overwrite");
	if (!v)
		return V_OK;
	buf_init(&b, 65536);
	if (json_is_string(v)) {
		rc = buf_puts(&b, json_string_value(v));
	} else if (json_is_array(v)) {
		json_t *s;
		json_array_foreach(v, i, s) {
			if (!json_is_string(s)) {
				buf_fini(&b);
				return verr_set(err, V_ERR_PARSE, "enrich.overwrite",
						_("must be a list of field names"));
			}
			if (i && rc == V_OK)
				rc = buf_putc(&b, ',');
			if (rc == V_OK)
				rc = buf_puts(&b, json_string_value(s));
		}
	} else {
		buf_fini(&b);
		return verr_set(err, V_ERR_PARSE, "enrich.overwrite",
				_("must be a list of field names"));
	}
	if (rc == V_OK && !(fd->enrich_overwrite = strdup(buf_cstr(&b))))
		rc = V_ERR_NOMEM;
	buf_fini(&b);
	if (rc != V_OK)
		return verr_set(err, rc, "enrich.overwrite", "%s", vres_str(rc));
	return V_OK;
}

int feed_def_from_json(const json_t *j, const char *name, const char *source,
		       struct feed_def **out, struct verr *err)
{
	struct feed_def *fd;
	const char *k, *pname;
	json_t *v;
	int rc;

	*out = NULL;
	if (!json_is_object(j))
		return verr_set(err, V_ERR_PARSE, NULL, _("a feed definition must be a JSON object"));
	json_object_foreach((json_t *)j, k, v) {
		if (strcmp(k, "parser") && strcmp(k, "parameters") && strcmp(k, "report") &&
		    strcmp(k, "description") && strcmp(k, "input") && strcmp(k, "name") &&
		    strcmp(k, "provider") && strcmp(k, "documentation") && strcmp(k, "enrich"))
			return verr_set(err, V_ERR_PARSE, k, _("unknown key in feed definition"));
	}
	v = json_object_get(j, "parser");
	if (!json_is_string(v))
		return verr_set(err, V_ERR_PARSE, "parser", _("missing or not a string"));
	pname = json_string_value(v);
	const struct parser *p = parser_find(pname);
	if (!p)
		return verr_set(err, V_ERR_NOTFOUND, "parser", _("no such parser: %s"), pname);
	v = json_object_get(j, "parameters");
	if (v && !json_is_object(v))
		return verr_set(err, V_ERR_PARSE, "parameters", _("must be a JSON object"));
	json_t *r = json_object_get(j, "report");
	if (r && !json_is_object(r))
		return verr_set(err, V_ERR_PARSE, "report", _("must be a JSON object"));
	fd = calloc(1, sizeof(*fd));
	if (!fd)
		return V_ERR_NOMEM;
	fd->parser = p;
	fd->name = strdup(name);
	fd->source = strdup(source);
	fd->params = v ? json_deep_copy(v) : json_object();
	fd->report = r ? json_deep_copy(r) : json_object();
	json_t *in = json_object_get(j, "input");
	if (json_is_string(in))
		fd->input = strdup(json_string_value(in));
	if (!fd->name || !fd->source || !fd->params || !fd->report) {
		feed_def_free(fd);
		return V_ERR_NOMEM;
	}
	if ((rc = enrich_key(fd, json_object_get(j, "enrich"), err)) != V_OK) {
		feed_def_free(fd);
		return rc;
	}
	*out = fd;
	return V_OK;
}

int feed_def_load_file(const char *path, struct feed_def **out, struct verr *err)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	int rc;

	*out = NULL;
	if (err)
		err->file = path;
	if (!j) {
		if (err)
			err->line = je.line;
		return verr_set(err, V_ERR_PARSE, NULL, "%s", je.text);
	}
	rc = feed_def_from_json(j, path, path, out, err);
	json_decref(j);
	return rc;
}

int feed_def_load_catalogue(const char *name, struct feed_def **out, struct verr *err)
{
	char path[256];
	size_t len;
	const char *data;
	json_error_t je;
	json_t *j;
	int rc;

	*out = NULL;
	snprintf(path, sizeof(path), "feeds/%s.json", name);
	data = blob_get(path, &len);
	if (!data)
		return verr_set(err, V_ERR_NOTFOUND, NULL,
				_("no feed named '%s' in the catalogue (see 'vigia feeds')"), name);
	j = json_loadb(data, len, 0, &je);
	if (!j)
		return verr_set(err, V_ERR_PARSE, NULL, "catalogue %s: %s", name, je.text);
	rc = feed_def_from_json(j, name, "catalogue", out, err);
	json_decref(j);
	return rc;
}
