/*
 * taxii_write.c — the TAXII 2.1 collections kept as rows (store.h "TAXII objects"): the
 * "inbox" collection that partners and analysts POST STIX objects to, read back by pages of
 * the table; DELETE of an object, the versions of an object, and status resources.
 *
 * A POST (an envelope, application/taxii+json;version=2.1) is taken object by object, each
 * whole or not at all, in one transaction: the objects go through the same STIX importer as
 * `vigia import --format stix` (parse_stix.c through the pipeline: events, incidents,
 * indicators), with the provenance of the account (feed.provider is its partner, else its
 * name).  An object without a type, an id "<type>--<uuid>" or a version timestamp, or one the
 * importer rejects (it is taken out and the others imported again, so that nothing of it is
 * written), is a failure of the status resource with its id and the reason; the others are
 * kept as rows of the collection (one per id and version; a version already there stays as
 * it was and counts as a success).  When no object can be taken the POST is a 422 TAXII error
 * naming every bad one, and nothing is written.  The status resource is written and the audit
 * trail records the POST as "api:<account>".  Processing is synchronous: the status is
 * "complete" on return with its true success_count, failure_count (pending_count 0) and the
 * successes and failures, readable by its account and by analysts and administrators.
 *
 * Who reads what of the inbox: analysts and administrators everything; a partner account only
 * the objects it added itself (one partner's intelligence is not another's to read: sharing
 * goes out through the policy-filtered collection of taxii.c).  DELETE needs the write role.
 *
 * Timestamps: the store keeps date_added and versions with six fraction digits so that they
 * compare as text; they are shown with trailing zeros trimmed to milliseconds.  A page's
 * "next" is the cursor "<date_added>~<seq>" of its last object: the next page is one range
 * scan of the index from there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/log.h"
#include "http/http_impl.h"
#include "http/taxii_views.h"
#include "http/taxii_write.h"
#include "ingest/ingest.h"
#include "ingest/stix_ids.h"
#include "pipeline/pipeline.h"
#include "share/view.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000
#define MAX_FAILURES 50 /* failures listed in an error; the rest are counted */

/* j (stolen) as compact JSON text (caller frees), or NULL. */
static char *dump_new(json_t *j, size_t flags)
{
	char *s = j ? json_dumps(j, flags) : NULL;

	json_decref(j);
	return s;
}

void taxii_inbox_id(char out[37])
{
	share_uuid(out, "taxii-collection", conf_get("share.team_name"), "inbox");
}

int taxii_is_inbox(const char *id)
{
	char in[37];

	taxii_inbox_id(in);
	return !strcmp(id, in);
}

json_t *taxii_inbox_json(void)
{
	char id[37];

	taxii_inbox_id(id);
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", id, "title", "inbox",
	                 "description",
	                 "STIX objects sent to this team; a partner reads back what it sent",
	                 "can_read", 1, "can_write", 1, "media_types", HTTP_STIX);
}

int taxii_ts_norm(const char *in, char out[STORE_TAXII_TS_LEN])
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = sizeof(form) - 1, i, o, d = 0;

	if (!in || strlen(in) < n + 1)
		return -1;
	for (i = 0; i < n; i++)
		if (form[i] == 'd' ? (in[i] < '0' || in[i] > '9') : in[i] != form[i])
			return -1;
	memcpy(out, in, n);
	o = n;
	out[o++] = '.';
	if (in[i] == '.') {
		for (i++; in[i] >= '0' && in[i] <= '9'; i++, d++)
			if (d < 6)
				out[o++] = in[i];
		if (!d)
			return -1;
	}
	if (in[i] != 'Z' || in[i + 1])
		return -1;
	while (o < n + 1 + 6)
		out[o++] = '0';
	out[o++] = 'Z';
	out[o] = 0;
	return 0;
}

/* A stored timestamp as shown: its fraction without trailing zeros past milliseconds. */
static void ts_show(const char *in, char out[STORE_TAXII_TS_LEN])
{
	size_t n = strlen(in);

	snprintf(out, STORE_TAXII_TS_LEN, "%s", in);
	if (n == 27 && out[26] == 'Z') { /* "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
		size_t end = 26;

		while (end > 23 && out[end - 1] == '0')
			end--;
		out[end] = 'Z';
		out[end + 1] = 0;
	}
}

/* Now, as a stored timestamp. */
static void ts_now(char out[STORE_TAXII_TS_LEN])
{
	struct timespec ts;
	struct tm tm;
	char day[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, STORE_TAXII_TS_LEN, "%.19s.%06uZ", day,
	         (unsigned)(ts.tv_nsec / 1000) % 1000000u);
}

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

/* ---- reading the rows ------------------------------------------------------------------- */

struct page_state {
	json_t *out;        /* manifest entries or versions */
	struct buf objects; /* objects: their stored JSON text, spliced, comma-separated */
	int what;           /* TAXII_PAGE_* */
	int64_t limit, n;
	/* the stored date_added of the first and the last row, and the last row's seq: shown
	 * and made a cursor once, at the end (page_end), not for every row */
	char first[STORE_TAXII_TS_LEN], last[STORE_TAXII_TS_LEN];
	int64_t last_seq;
	char next[STORE_TAXII_TS_LEN + 24];
	int more;
};

/* Copy a stored timestamp (at most STORE_TAXII_TS_LEN - 1 bytes; longer is cut). */
static void ts_copy(char out[STORE_TAXII_TS_LEN], const char *in)
{
	size_t n = strnlen(in, STORE_TAXII_TS_LEN - 1);

	memcpy(out, in, n);
	out[n] = 0;
}

/* After the last row: first and last as shown, next as the cursor of the last row. */
static void page_end(struct page_state *p)
{
	char t[STORE_TAXII_TS_LEN];

	if (!p->n)
		return;
	snprintf(p->next, sizeof(p->next), "%s~%lld", p->last, (long long)p->last_seq);
	ts_show(p->first, t);
	memcpy(p->first, t, sizeof(t));
	ts_show(p->last, t);
	memcpy(p->last, t, sizeof(t));
}

static int page_row(void *arg, const struct store_taxii_object *o)
{
	struct page_state *p = arg;
	char added[STORE_TAXII_TS_LEN], ver[STORE_TAXII_TS_LEN];
	json_t *j;

	if (p->n == p->limit) { /* the one past the page: there is more */
		p->more = 1;
		return 0;
	}
	if (p->what == TAXII_PAGE_OBJECTS) {
		/* the stored text as it is (it was written by json_dumps): no parse, no dump */
		if ((p->n && buf_putc(&p->objects, ',') != V_OK) ||
		    buf_puts(&p->objects, o->object) != V_OK)
			return V_ERR_NOMEM;
	} else {
		ts_show(o->date_added, added);
		ts_show(o->version, ver);
		if (p->what == TAXII_PAGE_MANIFEST)
			j = json_pack("{s:s, s:s, s:s, s:s}", "id", o->id, "date_added", added,
			              "version", ver, "media_type", HTTP_STIX);
		else
			j = json_string(ver);
		json_array_append_new(p->out, j);
	}
	if (!p->n)
		ts_copy(p->first, o->date_added);
	ts_copy(p->last, o->date_added);
	p->last_seq = o->seq;
	p->n++;
	return 0;
}

/* Is v one of the items of s (a comma-separated list)? */
static int in_list(const char *s, const char *v)
{
	size_t n = strlen(v);

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

/* match[version]: "last", "first", "all" and timestamps.  -1 for a bad one. */
static int version_filter(const char *s, struct store_taxii_filter *f, struct buf *list)
{
	f->version_mode = 0;
	if (!s)
		return 0;
	while (*s) {
		size_t k = strcspn(s, ",");
		char item[64], ts[STORE_TAXII_TS_LEN];

		if (k == 0 || k >= sizeof(item))
			return -1;
		memcpy(item, s, k);
		item[k] = 0;
		if (!strcmp(item, "last"))
			f->version_mode |= STORE_TAXII_V_LAST;
		else if (!strcmp(item, "first"))
			f->version_mode |= STORE_TAXII_V_FIRST;
		else if (!strcmp(item, "all"))
			f->version_mode |= STORE_TAXII_V_ALL;
		else if (taxii_ts_norm(item, ts) == 0) {
			f->version_mode |= STORE_TAXII_V_LIST;
			if ((list->len && buf_putc(list, ',') != V_OK) ||
			    buf_puts(list, ts) != V_OK)
				return -1;
		} else
			return -1;
		s += k;
		if (*s == ',' && !*++s)
			return -1;
	}
	if (list->len && buf_putc(list, 0) != V_OK)
		return -1;
	f->versions = list->len ? list->data : NULL;
	return 0;
}

void taxii_rows_page(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs, int what, const char *only)
{
	taxii_rows_serve(rq, rs, what, only, c->params[0],
	                 c->role == HTTP_ROLE_PARTNER ? c->account->name : NULL);
}

void taxii_rows_serve(const struct http_request *rq, struct http_response *rs, int what,
                      const char *only, const char *collection, const char *account)
{
	const char *ls = http_arg(rq, "limit"), *ns = http_arg(rq, "next"),
	           *aa = http_arg(rq, "added_after");
	struct store_taxii_filter f = {0};
	struct page_state p = {0};
	char aa_ts[STORE_TAXII_TS_LEN], cur_ts[STORE_TAXII_TS_LEN], aa_check[STORE_TAXII_TS_LEN];
	struct buf vlist;
	struct verr e = {0};
	long long limit = PAGE_DEFAULT;
	char *end;
	int rc;

	if (accept_or_406(rq, rs))
		return;
	buf_init(&vlist, 1 << 16);
	errno = 0;
	if (ls && ((limit = strtoll(ls, &end, 10)) < 1 || errno || *end || end == ls))
		goto bad;
	if (limit > PAGE_MAX)
		limit = PAGE_MAX;
	if (aa && taxii_ts_norm(aa, aa_ts) != 0)
		goto bad;
	if (ns) { /* "<date_added>~<seq>" */
		const char *t = strchr(ns, '~');
		long long seq;

		if (!t || (size_t)(t - ns) >= sizeof(cur_ts))
			goto bad;
		memcpy(cur_ts, ns, (size_t)(t - ns));
		cur_ts[t - ns] = 0;
		errno = 0;
		seq = strtoll(t + 1, &end, 10);
		if (taxii_ts_norm(cur_ts, aa_check) != 0 || strcmp(aa_check, cur_ts) || errno ||
		    *end || end == t + 1 || seq < 0)
			goto bad;
		f.after_added = cur_ts;
		f.after_seq = seq;
	}
	if (aa && (!f.after_added || strcmp(aa_ts, f.after_added) > 0)) {
		/* added_after as a cursor: the same range scan of the index */
		f.after_added = aa_ts;
		f.after_seq = INT64_MAX;
	}
	if (version_filter(http_arg(rq, "match[version]"), &f, &vlist) != 0)
		goto bad;
	if (what == TAXII_PAGE_VERSIONS && !http_arg(rq, "match[version]"))
		f.version_mode = STORE_TAXII_V_ALL;
	f.collection = collection;
	f.added_after = aa ? aa_ts : NULL;
	f.ids = only ? only : http_arg(rq, "match[id]");
	f.types = http_arg(rq, "match[type]");
	f.spec_versions = http_arg(rq, "match[spec_version]");
	f.account = account;
	f.tlp_max = 4;
	f.limit = limit + 1;
	f.objects_only = what == TAXII_PAGE_OBJECTS;
	p.out = json_array();
	buf_init(&p.objects, 0);
	/* objects: the page is written once, in the buffer that becomes the body; its size
	 * reserved at once (a STIX object is a few hundred bytes) rather than grown by doubling */
	if (what == TAXII_PAGE_OBJECTS &&
	    (buf_reserve(&p.objects, (size_t)limit * 512) != V_OK ||
	     buf_puts(&p.objects, "{\"objects\":[") != V_OK)) {
		json_decref(p.out);
		buf_fini(&p.objects);
		buf_fini(&vlist);
		http_error(rs, 1, 500, "internal error", "out of memory");
		return;
	}
	p.what = what;
	p.limit = limit;
	rc = store_taxii_objects_query(rq->st, &f, page_row, &p, &e);
	page_end(&p);
	buf_fini(&vlist);
	if (rc != V_OK) {
		json_decref(p.out);
		buf_fini(&p.objects);
		log_error("http: TAXII objects: %s", e.reason);
		http_error(rs, 1, 500, "internal error", "the collection could not be read");
		return;
	}
	if (only && p.n == 0) {
		json_decref(p.out);
		buf_fini(&p.objects);
		http_error(rs, 1, 404, "not found", "no such object in this collection");
		return;
	}
	if (p.n) {
		http_header(rs, "X-TAXII-Date-Added-First", p.first);
		http_header(rs, "X-TAXII-Date-Added-Last", p.last);
	}
	if (what == TAXII_PAGE_OBJECTS) {
		/* the envelope's end after the spliced objects: more and next come last (a JSON
		 * object's members have no order), so the page is never copied; next holds only
		 * [0-9TZ:.~-] */
		json_decref(p.out);
		if (buf_printf(&p.objects, "],\"more\":%s%s%s%s}", p.more ? "true" : "false",
		               p.more ? ",\"next\":\"" : "", p.more ? p.next : "",
		               p.more ? "\"" : "") != V_OK) {
			buf_fini(&p.objects);
			http_error(rs, 1, 500, "internal error", "out of memory");
			return;
		}
		http_body_buf(rs, 200, HTTP_TAXII, &p.objects);
		return;
	}
	buf_fini(&p.objects);
	http_json(rs, 200, HTTP_TAXII,
	          json_pack("{s:b, s:s*, s:o}", "more", p.more, "next", p.more ? p.next : NULL,
	                    what == TAXII_PAGE_VERSIONS ? "versions" : "objects", p.out));
	return;
bad:
	buf_fini(&vlist);
	http_error(rs, 1, 400, "bad request",
	           "limit is a positive number, next a cursor this server gave, added_after and "
	           "match[version] timestamps");
}

/* ---- POST ---------------------------------------------------------------------------------- */

struct post {
	const struct http_request *rq;
	struct pipeline *pl;
	int64_t batch;
	int failed;
	struct verr err;
};

static int post_event(void *arg, const struct event *ev)
{
	struct post *p = arg;
	int rc;

	if (p->failed)
		return V_ERR_IO;
	if ((rc = pipeline_event(p->pl, p->batch, ev, &p->err)) != V_OK)
		p->failed = rc;
	return rc;
}

/* The strictest TLP level among o's object_marking_refs; -1 for none. */
static int object_tlp(json_t *o)
{
	json_t *refs = json_object_get(o, "object_marking_refs"), *r;
	size_t i;
	int best = -1, l;

	json_array_foreach(refs, i, r) if ((l = stix_tlp_level(json_string_value(r))) > best) best =
	    l;
	return best;
}

/* Is id "<type>--<uuid>"? */
static int id_ok(const char *id, const char *type)
{
	size_t n = strlen(type);

	if (!id || strncmp(id, type, n) || strncmp(id + n, "--", 2) || strlen(id + n + 2) != 36)
		return 0;
	for (const char *u = id + n + 2; *u; u++)
		if (!(*u == '-' || (*u >= '0' && *u <= '9') || (*u >= 'a' && *u <= 'f') ||
		      (*u >= 'A' && *u <= 'F')))
			return 0;
	return 1;
}

/* Check one object of the envelope.  OUT: type, id, version (normalised), tlp.  NULL, or why
 * it is refused (static). */
static const char *object_check(json_t *o, const char *added, const char **type, const char **id,
                                char version[STORE_TAXII_TS_LEN], int *tlp)
{
	const char *t, *v;

	if (!json_is_object(o))
		return "not a JSON object";
	*type = json_string_value(json_object_get(o, "type"));
	*id = json_string_value(json_object_get(o, "id"));
	if (!*type || !**type || strlen(*type) > 250)
		return "no type";
	if (!id_ok(*id, *type))
		return "its id is not <type>--<uuid>";
	t = json_string_value(json_object_get(o, "spec_version"));
	if (t && strcmp(t, "2.1"))
		return "spec_version is not 2.1";
	v = json_string_value(json_object_get(o, "modified"));
	if (!v)
		v = json_string_value(json_object_get(o, "created"));
	if (!v) /* a cyber-observable has no timestamps: its version is when it came */
		snprintf(version, STORE_TAXII_TS_LEN, "%s", added);
	else if (taxii_ts_norm(v, version) != 0)
		return "modified (or created) is not a timestamp";
	*tlp = object_tlp(o);
	return NULL;
}

static void add_failure(json_t *fails, const char *id, const char *version, const char *why)
{
	if (json_array_size(fails) < MAX_FAILURES)
		json_array_append_new(fails, json_pack("{s:s, s:s*, s:s}", "id", id ? id : "",
		                                       "version", version, "message", why));
}

/* A 422 TAXII error with the failures (stolen) as its details. */
static void unprocessable(struct http_response *rs, json_t *fails)
{
	http_json(rs, 422, HTTP_TAXII,
	          json_pack("{s:s, s:s, s:s, s:{s:o}}", "title", "unprocessable entity",
	                    "description",
	                    "objects are not valid STIX 2.1: nothing of this envelope was added",
	                    "http_status", "422", "details", "failures", fails));
}

/* The reasons the importer gave (JSON lines of its reject file) as failures. */
static void import_failures(const char *lines, size_t len, json_t *fails)
{
	const char *p = lines, *end = lines + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		json_t *j = json_loadb(p, (size_t)((nl ? nl : end) - p), 0, NULL);
		const char *field = json_string_value(json_object_get(j, "field")),
		           *reason = json_string_value(json_object_get(j, "reason"));

		if (reason) {
			char msg[600];

			snprintf(msg, sizeof(msg), "%s%s%s", field ? field : "", field ? ": " : "",
			         reason);
			add_failure(fails, NULL, NULL, msg);
		}
		json_decref(j);
		p = nl ? nl + 1 : end;
	}
}

/* Take out of good the objects the importer's reasons (ifails) name, each a failure with that
 * reason: by their place ("objects[N]: ..." — two versions share an id), else by id.  The
 * number taken out (0: no reason names an object of good). */
static size_t drop_rejected(json_t *good, json_t *ifails, json_t *fails)
{
	size_t n = json_array_size(good), i, k, taken = 0;
	const char **why = calloc(n + 1, sizeof(*why));
	json_t *f;

	if (!why)
		return 0;
	json_array_foreach(ifails, k, f)
	{
		const char *m = json_string_value(json_object_get(f, "message")), *at;
		char *end;
		unsigned long long x;

		if (!m)
			continue;
		if ((at = strstr(m, "objects[")) &&
		    (x = strtoull(at + 8, &end, 10), end != at + 8 && *end == ']') && x < n) {
			why[x] = m;
			continue;
		}
		for (i = 0; i < n; i++) {
			json_t *gi = json_array_get(good, i);
			const char *id = json_string_value(json_object_get(gi, "id"));

			if (id && strstr(m, id))
				why[i] = m;
		}
	}
	for (i = n; i-- > 0;) {
		json_t *o = json_array_get(good, i);

		if (!why[i])
			continue;
		add_failure(fails, json_string_value(json_object_get(o, "id")),
		            json_string_value(json_object_get(o, "modified")), why[i]);
		json_array_remove(good, i);
		taken++;
	}
	free(why);
	return taken;
}

static void uuid4(char out[37])
{
	unsigned char r[16];

	randombytes_buf(r, sizeof(r));
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
	         r[13], r[14], r[15]);
}

/* Run the envelope's objects (a bundle of them) through the STIX importer into the open
 * transaction.  V_OK; V_ERR_INVALID with the importer's reasons in fails; or a store error.
 * OUT: *plp, the pipeline (caller syncs it with the outcome of the transaction and frees it). */
static int import(const struct http_request *rq, const struct http_call *c, json_t *objects,
                  json_t *fails, struct pipeline **plp, struct verr *err)
{
	struct ingest_options opt = {0};
	struct ingest_ctx ctx;
	struct feed_def *fd = NULL;
	struct post p = {.rq = rq};
	struct store_batch b = {0};
	json_t *j, *bundle;
	char *text = NULL, *rej = NULL, bid[37], src[STORE_NAME_MAX + 16];
	size_t rejlen = 0;
	FILE *rf = NULL;
	int rc, ctx_ok = 0;

	j = json_pack("{s:s}", "parser", "stix");
	rc = feed_def_from_json(j, "stix", "taxii", &fd, err);
	json_decref(j);
	if (rc != V_OK)
		return rc;
	json_object_set_new(
	    fd->report, "feed.provider",
	    json_string(*c->account->partner ? c->account->partner : c->account->name));
	json_object_set_new(fd->report, "feed.name", json_string("import-stix"));
	uuid4(bid);
	bundle = json_pack("{s:s, s:s, s:O}", "type", "bundle", "id", "bundle", "objects", objects);
	if (bundle) {
		char id[48];

		snprintf(id, sizeof(id), "bundle--%s", bid);
		json_object_set_new(bundle, "id", json_string(id));
		text = json_dumps(bundle, JSON_COMPACT);
	}
	json_decref(bundle);
	if (!text || !(rf = open_memstream(&rej, &rejlen))) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	opt.max_document = strlen(text) + 1;
	opt.rejects = rf;
	snprintf(src, sizeof(src), "taxii:%s", c->account->name);
	if ((rc = pipeline_new(rq->st, &p.pl, err)) != V_OK ||
	    (rc = store_batch_start(rq->st, "import-stix", src, &p.batch, err)) != V_OK)
		goto out;
	if ((rc = ingest_ctx_init(&ctx, fd, &opt, (struct ingest_sink){post_event, &p}, err)) !=
	    V_OK)
		goto out;
	ctx_ok = 1;
	rc = ingest_buffer(&ctx, src, text, strlen(text));
	if (p.failed) {
		*err = p.err;
		rc = p.failed;
		goto out;
	}
	fflush(rf);
	if (rc != V_OK || ctx.stats.rejected) {
		import_failures(rej, rejlen, fails);
		if (!json_array_size(fails))
			add_failure(fails, NULL, NULL,
			            "the STIX importer could not read the objects");
		rc = V_ERR_INVALID;
		goto out;
	}
	b.id = p.batch;
	b.records = (int64_t)ctx.stats.records;
	b.events = (int64_t)ctx.stats.events;
	b.duplicates = (int64_t)pipeline_stats(p.pl)->repeats;
	b.finished = rq->now ? rq->now : (int64_t)time(NULL);
	rc = store_batch_finish(rq->st, &b, err);
out:
	if (ctx_ok)
		ingest_ctx_fini(&ctx);
	*plp = p.pl;
	if (rf)
		fclose(rf);
	free(rej);
	free(text);
	feed_def_free(fd);
	return rc;
}

static json_t *status_json(const struct store_taxii_status *s)
{
	json_t *d = json_loads(s->detail ? s->detail : "{}", 0, NULL), *out;
	char ts[STORE_TAXII_TS_LEN];

	ts_show(s->request_timestamp, ts);
	out = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", s->id, "status", s->status,
	                "request_timestamp", ts, "total_count", (json_int_t)s->total,
	                "success_count", (json_int_t)s->success, "failure_count",
	                (json_int_t)s->failure, "pending_count", (json_int_t)s->pending);
	if (out && json_is_object(d))
		json_object_update(out, d);
	json_decref(d);
	return out;
}

void taxii_objects_post(const struct http_request *rq, const struct http_call *c,
                        struct http_response *rs)
{
	struct store_taxii_status s = {0};
	struct verr e = {0};
	char added[STORE_TAXII_TS_LEN], version[STORE_TAXII_TS_LEN], show[STORE_TAXII_TS_LEN];
	struct pipeline *pl = NULL;
	char actor[STORE_NAME_MAX + 8], object[160], *summary = NULL;
	json_t *env, *objs, *o, *fails, *good = NULL, *oks = NULL;
	size_t i, nfail = 0;
	int rc;

	if (accept_or_406(rq, rs))
		return;
	if (!taxii_is_inbox(c->params[0])) {
		struct taxii_view v;
		char id[37];

		share_uuid(id, "taxii-collection", conf_get("share.team_name"), "incidents");
		if (strcmp(c->params[0], id) &&
		    !(taxii_view_find(c->params[0], &v) && taxii_view_visible(&v, c)))
			http_error(rs, 1, 404, "not found", "no such collection");
		else
			http_error(rs, 1, 403, "forbidden", "this collection cannot be written to");
		return;
	}
	if (!rq->content_type || strncmp(rq->content_type, "application/taxii+json", 22)) {
		http_error(rs, 1, 415, "unsupported media type",
		           "an envelope is sent as " HTTP_TAXII);
		return;
	}
	if (rq->body_len > (size_t)conf_get_int("http.max_body")) {
		http_error(rs, 1, 413, "payload too large",
		           "the envelope exceeds max_content_length");
		return;
	}
	env = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, NULL);
	objs = json_object_get(env, "objects");
	if (!json_is_object(env) || !json_is_array(objs)) {
		json_decref(env);
		http_error(rs, 1, 400, "bad request",
		           "the body is not a TAXII envelope {objects: []}");
		return;
	}
	ts_now(added);
	fails = json_array();
	good = json_array();
	json_array_foreach(objs, i, o)
	{
		const char *type = NULL, *id = NULL, *why;
		int tlp;

		if ((why = object_check(o, added, &type, &id, version, &tlp))) {
			add_failure(fails, id, NULL, why);
			nfail++;
		} else
			json_array_append(good, o);
	}
	/* the objects that pass go in, each whole or not at all; the others are the status's
	 * failures.  An object the importer rejects is taken out and the rest imported again */
	for (;;) {
		json_t *ifails = json_array();
		size_t dropped;

		if (!json_array_size(good)) { /* nothing of it can be taken */
			json_decref(ifails);
			json_decref(good);
			unprocessable(rs, fails);
			json_decref(env);
			return;
		}
		if ((rc = store_begin(rq->st, &e)) != V_OK) {
			json_decref(ifails);
			goto store_err;
		}
		if ((rc = import(rq, c, good, ifails, &pl, &e)) == V_OK) {
			json_decref(ifails);
			break;
		}
		store_rollback(rq->st);
		pipeline_sync(pl, 0);
		pipeline_free(pl);
		pl = NULL;
		if (rc != V_ERR_INVALID) {
			json_decref(ifails);
			goto store_err;
		}
		dropped = drop_rejected(good, ifails, fails);
		if (!dropped) { /* reasons that name no object: nothing is taken */
			json_array_extend(fails, ifails);
			json_decref(ifails);
			json_decref(good);
			unprocessable(rs, fails);
			json_decref(env);
			return;
		}
		nfail += dropped;
		json_decref(ifails);
	}
	oks = json_array();
	json_array_foreach(good, i, o)
	{
		struct store_taxii_object row = {.collection = c->params[0],
		                                 .date_added = added,
		                                 .account = c->account->name,
		                                 .spec_version = "2.1"};
		char *text = json_dumps(o, JSON_COMPACT);
		int was_added;

		object_check(o, added, &row.type, &row.id, version, &row.tlp);
		row.version = version;
		row.object = text;
		rc = text ? store_taxii_object_put(rq->st, &row, &was_added, &e) : V_ERR_NOMEM;
		free(text);
		if (rc != V_OK) {
			store_rollback(rq->st);
			goto store_err;
		}
		ts_show(version, show);
		json_array_append_new(oks, json_pack("{s:s, s:s}", "id", row.id, "version", show));
	}
	uuid4(s.id);
	snprintf(s.collection, sizeof(s.collection), "%s", c->params[0]);
	snprintf(s.account, sizeof(s.account), "%s", c->account->name);
	snprintf(s.status, sizeof(s.status), "complete");
	snprintf(s.request_timestamp, sizeof(s.request_timestamp), "%s", added);
	s.total = (int64_t)json_array_size(objs);
	s.success = (int64_t)json_array_size(good);
	s.failure = (int64_t)nfail;
	s.detail = dump_new(json_pack("{s:o, s:O, s:[]}", "successes", json_incref(oks),
	                              "failures", fails, "pendings"),
	                    JSON_COMPACT);
	snprintf(actor, sizeof(actor), "api:%s", c->account->name);
	snprintf(object, sizeof(object), "taxii:%s", c->params[0]);
	summary = dump_new(json_pack("{s:s, s:I}", "status", s.id, "objects", (json_int_t)s.total),
	                   JSON_COMPACT);
	if (!s.detail || !summary)
		rc = verr_set(&e, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	else if ((rc = store_taxii_status_put(rq->st, &s, &e)) == V_OK &&
	         (rc = store_audit_append(rq->st, actor, object, "add-objects", NULL, summary,
	                                  &e)) == V_OK)
		rc = store_commit(rq->st, &e);
	free(summary);
	if (rc != V_OK) {
		store_rollback(rq->st);
		free(s.detail);
		goto store_err;
	}
	pipeline_sync(pl, 1);
	pipeline_free(pl);
	http_json(rs, 202, HTTP_TAXII, status_json(&s));
	free(s.detail);
	json_decref(oks);
	json_decref(good);
	json_decref(fails);
	json_decref(env);
	return;
store_err:
	if (pl) {
		pipeline_sync(pl, 0);
		pipeline_free(pl);
	}
	json_decref(oks);
	json_decref(good);
	json_decref(fails);
	json_decref(env);
	log_error("http: TAXII POST: %s", e.reason);
	http_error(rs, 1, 500, "internal error", "the objects could not be stored");
}

/* ---- status, DELETE -------------------------------------------------------------------------- */

void taxii_status(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs)
{
	struct store_taxii_status s;
	struct verr e = {0};
	int rc;

	if (accept_or_406(rq, rs))
		return;
	rc = store_taxii_status_get(rq->st, c->params[0], &s, &e);
	if (rc == V_ERR_NOTFOUND ||
	    (rc == V_OK && c->role == HTTP_ROLE_PARTNER && strcmp(s.account, c->account->name))) {
		store_taxii_status_fini(&s);
		http_error(rs, 1, 404, "not found", "no such status resource");
		return;
	}
	if (rc != V_OK) {
		log_error("http: TAXII status: %s", e.reason);
		http_error(rs, 1, 500, "internal error", "the status could not be read");
		return;
	}
	http_json(rs, 200, HTTP_TAXII, status_json(&s));
	store_taxii_status_fini(&s);
}

void taxii_object_delete(const struct http_request *rq, const struct http_call *c,
                         struct http_response *rs)
{
	struct verr e = {0};
	struct store_taxii_filter f = {0};
	const char *mv = http_arg(rq, "match[version]"), *sv = http_arg(rq, "match[spec_version]");
	char actor[STORE_NAME_MAX + 8], object[160], *what;
	struct buf vlist;
	int64_t removed = 0;
	int rc;

	if (accept_or_406(rq, rs))
		return;
	if (!taxii_is_inbox(c->params[0])) {
		http_error(rs, 1, 403, "forbidden",
		           "no such writable collection: objects are deleted from the inbox only");
		return;
	}
	/* spec 5.8: match[version] names what goes (default: every version); the objects kept
	 * here are all STIX 2.1, so a match[spec_version] without 2.1 matches nothing */
	buf_init(&vlist, 1 << 16);
	if (version_filter(mv, &f, &vlist) != 0) {
		buf_fini(&vlist);
		http_error(rs, 1, 400, "bad request",
		           "match[version] is last, first, all or timestamps, comma-separated");
		return;
	}
	if (sv && !in_list(sv, "2.1")) {
		buf_fini(&vlist);
		http_error(rs, 1, 404, "not found", "no such object in this collection");
		return;
	}
	snprintf(actor, sizeof(actor), "api:%s", c->account->name);
	snprintf(object, sizeof(object), "taxii:%s", c->params[0]);
	if (!(what = dump_new(json_pack("{s:s, s:s*}", "id", c->params[1], "versions", mv),
	                      JSON_COMPACT))) {
		buf_fini(&vlist);
		http_error(rs, 1, 500, "internal error", "out of memory");
		return;
	}
	if ((rc = store_begin(rq->st, &e)) == V_OK &&
	    (rc = store_taxii_object_delete(rq->st, c->params[0], c->params[1], f.version_mode,
	                                    f.versions, &removed, &e)) == V_OK &&
	    (!removed || (rc = store_audit_append(rq->st, actor, object, "delete-object", what,
	                                          NULL, &e)) == V_OK))
		rc = store_commit(rq->st, &e);
	free(what);
	buf_fini(&vlist);
	if (rc != V_OK) {
		store_rollback(rq->st);
		log_error("http: TAXII DELETE: %s", e.reason);
		http_error(rs, 1, 500, "internal error", "the object could not be deleted");
		return;
	}
	if (!removed) {
		http_error(rs, 1, 404, "not found", "no such object in this collection");
		return;
	}
	rs->status = 200;
	rs->content_type = HTTP_TAXII;
}
