/*
 * urlcheck.c — the URL analyzer as a pipeline stage: an event that carries a URL (source.url,
 * else destination.url) leaves with the analyzer's verdict in extra fields, before it is
 * stored.  Switched by the setting url.enrich (off by default); the lists (url.block_lists,
 * url.allow_lists, "store" = the store's own phishing and malware URLs as loaded at start),
 * the model (url.model) and the public suffix list (url.psl) are the command's.
 *
 * IntelMQ has no field for a verdict, so these go under extra (docs/url-analysis.md):
 *   extra.url_verdict             malicious | suspicious | clean | unknown | invalid
 *   extra.url_score               0..100
 *   extra.url_reasons             ["ip_host", "executable", ...] (names, docs/url-analysis.md)
 *   extra.url_registrable_domain  eTLD+1 of the URL's host
 *   extra.url_list_match          the list entry that matched ("evil.example/"), if any
 *
 * It runs after dedup (a repeat is counted, not re-analyzed, and a verdict never decides
 * whether an event is a repeat) and before the store.  The event in pe is borrowed and
 * read-only, so an event with a URL is copied into the stage's own event and pe points to
 * the copy until the next event.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/url/url.h"
#include "base/conf.h"
#include "pipeline/pipeline.h"

struct urlcheck {
	struct url_holder *lists;
	struct url_checker *k;
	struct url_result *r;
	struct event *copy;
};

static void uc_fini(void *state)
{
	struct urlcheck *s = state;

	if (!s)
		return;
	if (s->r)
		url_result_fini(s->r);
	free(s->r);
	url_checker_free(s->k);
	url_holder_free(s->lists);
	event_free(s->copy);
	free(s);
}

static int uc_init(void **state, struct store *st, struct verr *err)
{
	struct urlcheck *s;
	struct url_lists *ls = NULL;
	struct url_checker_options o = {0};
	size_t bad = 0;
	int rc;

	*state = NULL;
	if (!conf_get_bool("url.enrich"))
		return V_OK; /* off: process passes every event on */
	if (!(s = calloc(1, sizeof *s)))
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	*state = s;
	if ((rc = url_lists_build(conf_get("url.block_lists"), conf_get("url.allow_lists"), st, &ls,
	                          &bad, err)) != V_OK)
		goto fail;
	if (!(s->lists = url_holder_new()) || !(s->r = malloc(sizeof *s->r)) ||
	    !(s->copy = event_new())) {
		url_lists_release(ls);
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto fail;
	}
	url_holder_set(s->lists, ls);
	url_result_init(s->r);
	o.lists = s->lists;
	o.model_path = conf_get("url.model");
	o.psl_path = conf_get("url.psl");
	if ((rc = url_checker_new(&o, &s->k, err)) != V_OK)
		goto fail;
	return V_OK;
fail:
	uc_fini(s);
	*state = NULL;
	return rc;
}

static int uc_process(void *state, struct pipe_event *pe, struct verr *err)
{
	struct urlcheck *s = state;
	size_t n;
	const char *url;
	char score[8];
	int rc;

	if (!s)
		return V_OK;
	url = event_get_id(pe->ev, F_SOURCE_URL, &n);
	if (!url)
		url = event_get_id(pe->ev, F_DESTINATION_URL, &n);
	if (!url)
		return V_OK;
	url_check(s->k, url, n, s->r);
	if ((rc = event_copy(s->copy, pe->ev)) != V_OK)
		return verr_set(err, rc, "", "%s", vres_str(rc));
	const char *v = url_verdict_name(s->r->verdict);
	json_t *reasons = json_array();
	if (!reasons)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	if (s->r->verdict == URL_INVALID)
		json_array_append_new(reasons, json_string("invalid"));
	for (size_t i = 0; i < s->r->nreasons; i++)
		json_array_append_new(reasons, json_string(s->r->reason[i].name));
	snprintf(score, sizeof score, "%d", s->r->score);
	rc = event_set(s->copy, "extra.url_verdict", v, strlen(v), EV_OVERWRITE, err);
	if (rc == V_OK)
		rc = event_set_int_text(s->copy, "extra.url_score", score, strlen(score),
		                        EV_OVERWRITE, err);
	if (rc == V_OK)
		rc = event_set_json(s->copy, "extra.url_reasons", reasons, EV_OVERWRITE, err);
	json_decref(reasons);
	if (rc == V_OK && s->r->registrable[0])
		rc = event_set(s->copy, "extra.url_registrable_domain", s->r->registrable,
		               strlen(s->r->registrable), EV_OVERWRITE, err);
	if (rc == V_OK && s->r->nmatch && !s->r->allowed)
		rc = event_set(s->copy, "extra.url_list_match", s->r->match[0].entry,
		               strlen(s->r->match[0].entry), EV_OVERWRITE, err);
	if (rc == V_SKIP)
		rc = V_OK;
	if (rc != V_OK)
		return rc;
	pe->ev = s->copy;
	return V_OK;
}

const struct stage_ops stage_urlcheck = {
    .name = "urlcheck",
    .init = uc_init,
    .process = uc_process,
    .fini = uc_fini,
};
