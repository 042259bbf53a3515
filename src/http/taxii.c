/*
 * taxii.c — the TAXII 2.1 server handlers (http_impl.h): discovery, the API root "cti", its
 * collections, objects (envelope, with pagination and filters), manifest and object by id.
 *
 * A collection's content is a view (share/view.h) built for the caller: a partner account
 * gets what the sharing policy lets its partner receive (policy_recipient_init from the
 * stored partner), analysts and admins what the team itself may see (kind internal).  The
 * view is written as STIX 2.1 by share/stix.c, so TAXII carries exactly what `vigia export`
 * would for the same recipient; no marking or right is judged here.
 *
 * date_added of an object is its "modified" (else "created") time; match[version] accepts
 * last, first, all or that timestamp (vigia keeps one version of each object).  Pagination of
 * the "incidents" collection: "next" is the index of the next object; "limit" is 1..1000
 * (default 100).  A collection of taxii.collections is the same build kept as rows of the
 * store (view_rows): rebuilt when what it was built from changed, then served as pages of
 * rows by taxii_write.c (its "next" a row cursor), so a page costs the page.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/log.h"
#include "http/http_impl.h"
#include "http/taxii_views.h"
#include "http/taxii_write.h"
#include "share/policy.h"
#include "share/stix.h"
#include "share/view.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000
#define ROOT         "/taxii2/cti/"

/* Does the client accept TAXII 2.1 JSON?  (No Accept header counts as yes.) */
static int accepts(const struct http_request *rq)
{
	const char *a = rq->accept;

	return !a || strstr(a, "application/taxii+json") || strstr(a, "*/*") ||
	       strstr(a, "application/*");
}

static int accept_or_406(const struct http_request *rq, struct http_response *rs)
{
	if (accepts(rq))
		return 0;
	http_error(rs, 1, 406, "not acceptable", "this server speaks " HTTP_TAXII);
	return -1;
}

/* The collection's id: a UUID named by the team (stable across restarts). */
static void collection_id(char out[37])
{
	share_uuid(out, "taxii-collection", conf_get("share.team_name"), "incidents");
}

void taxii_discovery(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs)
{
	(void)c;
	if (accept_or_406(rq, rs))
		return;
	http_json(rs, 200, HTTP_TAXII,
	          json_pack("{s:s, s:s, s:s, s:[s]}", "title", "vigia TAXII 2.1", "description",
	                    "incidents and indicators, as the sharing policy allows", "default",
	                    ROOT, "api_roots", ROOT));
}

void taxii_api_root(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs)
{
	(void)c;
	if (accept_or_406(rq, rs))
		return;
	http_json(rs, 200, HTTP_TAXII,
	          json_pack("{s:s, s:[s], s:I}", "title", "vigia", "versions", HTTP_TAXII,
	                    "max_content_length", (json_int_t)conf_get_int("http.max_body")));
}

static json_t *collection_json(void)
{
	char id[37];

	collection_id(id);
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", id, "title", "incidents",
	                 "description",
	                 "incidents and their indicators, filtered by the sharing "
	                 "policy for the caller",
	                 "can_read", 1, "can_write", 0, "media_types", HTTP_STIX);
}

void taxii_collections(const struct http_request *rq, const struct http_call *c,
                       struct http_response *rs)
{
	if (accept_or_406(rq, rs))
		return;
	json_t *list = json_pack("[o, o]", collection_json(), taxii_inbox_json());

	taxii_views_list(c, list);
	http_json(rs, 200, HTTP_TAXII, json_pack("{s:o}", "collections", list));
}

static int known_collection(const struct http_call *c, struct http_response *rs)
{
	char id[37];

	collection_id(id);
	if (!strcmp(c->params[0], id))
		return 0;
	http_error(rs, 1, 404, "not found", "no such collection");
	return -1;
}

void taxii_collection(const struct http_request *rq, const struct http_call *c,
                      struct http_response *rs)
{
	struct taxii_view v;

	if (taxii_is_inbox(c->params[0])) {
		if (!accept_or_406(rq, rs))
			http_json(rs, 200, HTTP_TAXII, taxii_inbox_json());
		return;
	}
	if (taxii_view_find(c->params[0], &v) && taxii_view_visible(&v, c)) {
		if (!accept_or_406(rq, rs))
			http_json(rs, 200, HTTP_TAXII, taxii_view_json(&v));
		return;
	}
	if (accept_or_406(rq, rs) || known_collection(c, rs))
		return;
	http_json(rs, 200, HTTP_TAXII, collection_json());
}

/* The caller's STIX objects (a new array), or NULL with an error response.  vw: a collection
 * of the configuration, for its partner and under its ceiling (NULL: the caller's own view). */
static json_t *caller_objects(const struct http_request *rq, const struct http_call *c,
                              struct http_response *rs, const struct taxii_view *vw)
{
	struct share_view_options o = {0};
	struct policy_recipient r;
	struct store_partner *p = NULL;
	struct share_view *v = NULL;
	struct verr e = {0};
	struct buf b;
	json_t *bundle, *objs = NULL;
	enum tlp dflt;
	int rc;

	memset(&r, 0, sizeof(r));
	if (vw || c->role == HTTP_ROLE_PARTNER) {
		const char *who = vw ? vw->partner : c->account->partner;

		if ((rc = store_partner_get(rq->st, who, &p, &e)) != V_OK ||
		    (rc = policy_recipient_init(&r, p, &e)) != V_OK) {
			store_partner_free(p);
			/* a partner account whose partner went away sees nothing */
			log_error("http: account %s: %s", c->account->name, e.reason);
			http_error(rs, 1, 403, "forbidden", "this account's partner is not usable");
			return NULL;
		}
		store_partner_free(p);
		if (vw && vw->tlp < r.tlp_max) /* a collection narrows the partner's rights */
			r.tlp_max = vw->tlp;
	} else {
		policy_recipient_kind(&r, RK_INTERNAL);
	}
	if (policy_tlp_parse(conf_get("share.default_tlp"), &dflt, &e) != V_OK)
		dflt = TLP_AMBER;
	o.recipient = &r;
	o.default_tlp = dflt;
	o.now = rq->now;
	buf_init(&b, 0);
	rc = share_view_build(rq->st, &o, &v, &e);
	if (rc == V_OK)
		rc = stix_write(v, &b, NULL, &e);
	if (rc == V_OK && (bundle = json_loadb(b.data, b.len, 0, NULL))) {
		objs = json_incref(json_object_get(bundle, "objects"));
		json_decref(bundle);
	}
	share_view_free(v);
	buf_fini(&b);
	policy_recipient_fini(&r);
	if (!objs || !json_is_array(objs)) {
		json_decref(objs);
		log_error("http: TAXII view: %s", e.reason);
		http_error(rs, 1, 500, "internal error", "the collection could not be built");
		return NULL;
	}
	return objs;
}

/* The date_added of o: its modified, else created time; a cyber-observable (no timestamps
 * of its own) takes dflt, the newest time in the collection (it arrived with that data). */
static const char *date_added(json_t *o, const char *dflt)
{
	const char *t = json_string_value(json_object_get(o, "modified"));

	if (!t)
		t = json_string_value(json_object_get(o, "created"));
	return t ? t : dflt;
}

static const char *newest(json_t *objs)
{
	const char *best = NULL, *t;
	size_t i;
	json_t *o;

	json_array_foreach(objs, i, o) if ((t = date_added(o, NULL)) &&
	                                   (!best || strcmp(t, best) > 0)) best = t;
	return best;
}

/* Is s (a comma-separated list) one of whose items equals v? */
static int in_list(const char *s, const char *v)
{
	size_t n;

	if (!v)
		return 0;
	n = strlen(v);
	while (*s) {
		size_t k = strcspn(s, ",");

		if (k == n && !strncmp(s, v, n))
			return 1;
		s += k;
		if (*s == ',')
			s++;
	}
	return 0;
}

/* Does o pass the request's filters? */
static int passes(const struct http_request *rq, json_t *o, const char *dflt)
{
	const char *aa = http_arg(rq, "added_after"), *ids = http_arg(rq, "match[id]"),
	           *types = http_arg(rq, "match[type]"), *ver = http_arg(rq, "match[version]"),
	           *spec = http_arg(rq, "match[spec_version]");
	const char *added = date_added(o, dflt), *id = json_string_value(json_object_get(o, "id")),
	           *type = json_string_value(json_object_get(o, "type"));
	const char *sv = json_string_value(json_object_get(o, "spec_version"));

	if (aa && (!added || strcmp(added, aa) <= 0))
		return 0;
	if (ids && (!id || !in_list(ids, id)))
		return 0;
	if (types && (!type || !in_list(types, type)))
		return 0;
	if (spec && !in_list(spec, sv ? sv : "2.1"))
		return 0;
	if (ver && !in_list(ver, "last") && !in_list(ver, "first") && !in_list(ver, "all") &&
	    (!added || !in_list(ver, added)))
		return 0;
	return 1;
}

struct item {
	json_t *o;
	const char *added;
	size_t index;
};

/* TAXII lists objects by date_added, oldest first; ties keep the writer's order. */
static int by_added(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->added ? x->added : "", y->added ? y->added : "");

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Write view vw's objects (objs, as caller_objects built them) as the rows of its collection,
 * in TAXII's order: by date_added, ties in the writer's order.  V_OK or a store error. */
static int view_rows_put(struct store *st, const struct taxii_view *vw, json_t *objs,
                         struct verr *err)
{
	const char *dflt = newest(objs);
	struct item *items = calloc(json_array_size(objs) + 1, sizeof(*items));
	size_t i, n = 0;
	json_t *o;
	int rc = V_OK;

	if (!items)
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	json_array_foreach(objs, i, o)
	{
		if (!taxii_view_has_type(vw, json_string_value(json_object_get(o, "type"))))
			continue;
		items[n].o = o;
		items[n].added = date_added(o, dflt);
		items[n].index = i;
		n++;
	}
	qsort(items, n, sizeof(*items), by_added);
	for (i = 0; i < n && rc == V_OK; i++) {
		const char *sv = json_string_value(json_object_get(items[i].o, "spec_version"));
		struct store_taxii_object row = {
		    .collection = vw->id,
		    .id = json_string_value(json_object_get(items[i].o, "id")),
		    .type = json_string_value(json_object_get(items[i].o, "type")),
		    .spec_version = sv ? sv : "2.1",
		    .tlp = -1, /* the policy chose the rows: nothing is filtered on them again */
		    .account = ""};
		char ts[STORE_TAXII_TS_LEN], *text;
		int added;

		if (!items[i].added || taxii_ts_norm(items[i].added, ts) != 0 || !row.id ||
		    !row.type) {
			log_error("http: TAXII view %s: an object without a timestamp or an id is "
			          "left out",
			          vw->name);
			continue;
		}
		row.version = row.date_added = ts;
		if (!(text = json_dumps(items[i].o, JSON_COMPACT))) {
			rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
			break;
		}
		row.object = text;
		rc = store_taxii_object_put(st, &row, &added, err);
		free(text);
	}
	free(items);
	return rc;
}

/* Make the rows of view vw what the sharing policy gives now: unless they are current (nothing
 * they were built from has changed, the definition is the same), build the view as before and
 * replace them, in one transaction.  A change of a marking, an incident, an indicator or a
 * partner's rights makes them stale at the commit of that change, so the next request
 * rebuilds: no page is ever served from rows the policy would not give now.  0, or -1 with an
 * error response. */
static int view_rows(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs, const struct taxii_view *vw)
{
	const char *dt = conf_get("share.default_tlp");
	char sig[sizeof(vw->partner) + sizeof(vw->types) + 64];
	struct verr e = {0};
	json_t *objs;
	int cur = 0, rc;

	snprintf(sig, sizeof(sig), "%s|%d|%s|%s", vw->partner, (int)vw->tlp, vw->types,
	         dt ? dt : "");
	if ((rc = store_taxii_view_current(rq->st, vw->id, sig, &cur, &e)) != V_OK)
		goto fail;
	if (cur)
		return 0;
	if ((rc = store_begin(rq->st, &e)) != V_OK)
		goto fail;
	/* another request may have rebuilt it while this one waited for the write lock */
	if ((rc = store_taxii_view_current(rq->st, vw->id, sig, &cur, &e)) != V_OK)
		goto fail_tx;
	if (cur)
		return store_commit(rq->st, &e) == V_OK ? 0 : (store_rollback(rq->st), 0);
	if ((rc = store_taxii_view_begin(rq->st, vw->id, &e)) != V_OK)
		goto fail_tx;
	if (!(objs = caller_objects(rq, c, rs, vw))) {
		store_rollback(rq->st);
		return -1;
	}
	rc = view_rows_put(rq->st, vw, objs, &e);
	json_decref(objs);
	if (rc == V_OK && (rc = store_taxii_view_done(rq->st, vw->id, sig, &e)) == V_OK &&
	    (rc = store_commit(rq->st, &e)) == V_OK) {
		log_info("http: TAXII view %s rebuilt", vw->name);
		return 0;
	}
fail_tx:
	store_rollback(rq->st);
fail:
	log_error("http: TAXII view %s: %s", vw->name, e.reason);
	http_error(rs, 1, 500, "internal error", "the collection could not be built");
	return -1;
}

/* The filtered page.  manifest: 1 entries instead of objects, 2 the versions of only.  only:
 * that object alone. */
static void page(const struct http_request *rq, const struct http_call *c, struct http_response *rs,
                 int manifest, const char *only)
{
	const char *ls = http_arg(rq, "limit"), *ns = http_arg(rq, "next"), *dflt;
	long long limit = PAGE_DEFAULT, next = 0;
	struct item *items = NULL;
	size_t i, n = 0, k, taken = 0;
	json_t *objs, *out, *o;
	char *end, nbuf[24];
	struct taxii_view view, *vw = NULL;

	if (accept_or_406(rq, rs))
		return;
	if (taxii_view_find(c->params[0], &view) && taxii_view_visible(&view, c)) {
		vw = &view;
		/* a view of the configuration is served from its rows, kept current */
		if (view_rows(rq, c, rs, vw) == 0)
			taxii_rows_serve(rq, rs,
			                 manifest == 2   ? TAXII_PAGE_VERSIONS
			                 : manifest == 1 ? TAXII_PAGE_MANIFEST
			                                 : TAXII_PAGE_OBJECTS,
			                 only, vw->id, NULL);
		return;
	} else if (known_collection(c, rs))
		return;
	errno = 0;
	if (ls && ((limit = strtoll(ls, &end, 10)) < 1 || errno || *end || end == ls))
		goto bad;
	if (ns && ((next = strtoll(ns, &end, 10)) < 0 || errno || *end || end == ns))
		goto bad;
	if (limit > PAGE_MAX)
		limit = PAGE_MAX;
	if (!(objs = caller_objects(rq, c, rs, vw)))
		return;
	dflt = newest(objs);
	if (!(items = calloc(json_array_size(objs) + 1, sizeof(*items)))) {
		json_decref(objs);
		http_error(rs, 1, 500, "internal error", "out of memory");
		return;
	}
	json_array_foreach(objs, i, o)
	{
		const char *oid = json_string_value(json_object_get(o, "id"));

		if ((only && (!oid || strcmp(oid, only))) || !passes(rq, o, dflt) ||
		    (vw && !taxii_view_has_type(vw, json_string_value(json_object_get(o, "type")))))
			continue;
		items[n].o = o;
		items[n].added = date_added(o, dflt);
		items[n].index = i;
		n++;
	}
	qsort(items, n, sizeof(*items), by_added);
	if (only && n == 0) {
		free(items);
		json_decref(objs);
		http_error(rs, 1, 404, "not found", "no such object in this collection");
		return;
	}
	out = json_array();
	for (k = (size_t)next < n ? (size_t)next : n; k < n && (long long)taken < limit; k++) {
		o = items[k].o;
		if (manifest == 2)
			json_array_append_new(out, json_string(items[k].added));
		else if (manifest)
			json_array_append_new(
			    out, json_pack("{s:O, s:s*, s:s*, s:s}", "id", json_object_get(o, "id"),
			                   "date_added", items[k].added, "version", items[k].added,
			                   "media_type", HTTP_STIX));
		else
			json_array_append(out, o);
		taken++;
	}
	if (taken) {
		size_t f = k - taken;

		if (items[f].added)
			http_header(rs, "X-TAXII-Date-Added-First", items[f].added);
		if (items[k - 1].added)
			http_header(rs, "X-TAXII-Date-Added-Last", items[k - 1].added);
	}
	snprintf(nbuf, sizeof(nbuf), "%zu", k);
	out = json_pack("{s:b, s:s*, s:o}", "more", k < n, "next", k < n ? nbuf : NULL,
	                manifest == 2 ? "versions" : "objects", out);
	free(items);
	json_decref(objs);
	http_json(rs, 200, HTTP_TAXII, out);
	return;
bad:
	http_error(rs, 1, 400, "bad request", "limit is a positive number, next a cursor");
}

void taxii_objects(const struct http_request *rq, const struct http_call *c,
                   struct http_response *rs)
{
	if (taxii_is_inbox(c->params[0]))
		taxii_rows_page(rq, c, rs, TAXII_PAGE_OBJECTS, NULL);
	else
		page(rq, c, rs, 0, NULL);
}

void taxii_manifest(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs)
{
	if (taxii_is_inbox(c->params[0]))
		taxii_rows_page(rq, c, rs, TAXII_PAGE_MANIFEST, NULL);
	else
		page(rq, c, rs, 1, NULL);
}

void taxii_object(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs)
{
	if (taxii_is_inbox(c->params[0]))
		taxii_rows_page(rq, c, rs, TAXII_PAGE_OBJECTS, c->params[1]);
	else
		page(rq, c, rs, 0, c->params[1]);
}

void taxii_versions(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs)
{
	if (taxii_is_inbox(c->params[0]))
		taxii_rows_page(rq, c, rs, TAXII_PAGE_VERSIONS, c->params[1]);
	else
		page(rq, c, rs, 2, c->params[1]);
}
