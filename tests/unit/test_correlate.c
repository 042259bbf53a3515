/*
 * test_correlate.c — correlation: incidents sharing an indicator are linked (a star around the
 * first incident, postings once per pair); values on a warning list are marked common with
 * the list's name, visible, and link nothing.  The warning lists: vigia's own built-in lists,
 * MISP's format from a directory (../shared/corpus/taxonomies/misp-warninglists when present)
 * and each list type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "tap.h"

#define MISP_LISTS "../shared/corpus/taxonomies/misp-warninglists/lists"

static const char *m(const struct wlists *w, const char *kind, const char *v)
{
	const char *r = wlists_match(w, kind, v, strlen(v));
	return r ? r : "-";
}

struct links {
	int n;
	int64_t other[8];
	char why[8][128];
};

static int link_cb(void *arg, int64_t other, const char *kind, const char *why)
{
	struct links *l = arg;
	if (l->n < 8 && !strcmp(kind, "correlated")) {
		l->other[l->n] = other;
		snprintf(l->why[l->n], sizeof(l->why[0]), "%s", why ? why : "");
		l->n++;
	}
	return 0;
}

struct commons {
	int n, found;
	const char *want;
	char why[256];
};

static int common_cb(void *arg, const struct store_indicator *ind)
{
	struct commons *c = arg;
	c->n++;
	if (ind->common && !strcmp(ind->value, c->want)) {
		c->found = 1;
		snprintf(c->why, sizeof(c->why), "%s", ind->why ? ind->why : "");
	}
	return 0;
}

static int count_cb(void *arg, int64_t id)
{
	(void)id;
	(*(int *)arg)++;
	return 0;
}

/* An event with the fields given, stored, put into a new incident and correlated. */
static int64_t incident_with(struct store *st, struct correlate *c, int64_t batch,
			     const char *const *kv, struct pipe_event *out)
{
	struct event *ev = event_new();
	struct store_incident inc = { 0 };
	struct verr e = { 0 };
	int64_t id = 0;

	for (; kv[0]; kv += 2)
		event_set_str(ev, kv[0], kv[1], 0, &e);
	pipe_event_init(out, ev, batch, 1795000000);
	inc.rule = "test";
	inc.key = kv[-1];
	inc.priority = 3;
	inc.created = 1795000000;
	if (store_event_insert(st, batch, ev, 0, &out->event_id, &e) != V_OK ||
	    store_incident_create(st, &inc, &id, &e) != V_OK ||
	    store_incident_add_event(st, id, out->event_id, out->time, &e) != V_OK) {
		printf("# %s\n", e.reason);
		event_free(ev);
		return -1;
	}
	out->incident = id;
	if (correlate_event(c, st, out, &e) != V_OK) {
		printf("# correlate: %s\n", e.reason);
		id = -1;
	}
	out->ev = NULL;
	event_free(ev);
	return id;
}

/* ---- the indicator index gives the store path's results ---------------------------------- */

#define EQ_INCIDENTS 40
#define EQ_EVENTS 400

/* One event with fields kv into an existing incident, correlated by c. */
static int event_into(struct store *st, struct correlate *c, int64_t batch, int64_t incident,
		      const char *const *kv, int *links, int *common)
{
	struct event *ev = event_new();
	struct pipe_event pe;
	struct verr e = { 0 };
	int rc;

	for (; kv[0]; kv += 2)
		event_set_str(ev, kv[0], kv[1], 0, &e);
	pipe_event_init(&pe, ev, batch, 1795000000);
	rc = store_event_insert(st, batch, ev, 0, &pe.event_id, &e);
	if (rc == V_OK)
		rc = store_incident_add_event(st, incident, pe.event_id, pe.time, &e);
	pe.incident = incident;
	if (rc == V_OK)
		rc = correlate_event(c, st, &pe, &e);
	if (rc != V_OK)
		printf("# event: %s\n", e.reason);
	*links += pe.links;
	*common += pe.common;
	event_free(ev);
	return rc;
}

/* ---- postings and links deferred to the commit ------------------------------------------- */

static int postings_count(struct store *st, const char *kind, const char *value)
{
	struct verr e = { 0 };
	int64_t id = 0;
	int n = 0;

	if (store_indicator_find(st, kind, value, &id, NULL, &e) != V_OK)
		return -1;
	store_postings_of(st, id, count_cb, &n, &e);
	return n;
}

static int links_count(struct store *st, int64_t incident)
{
	struct links l = { 0 };
	struct verr e = { 0 };

	store_links_list(st, incident, link_cb, &l, &e);
	return l.n;
}

/* The cases the deferred batch adds (store_posting_defer, store_link_defer), through the store
 * path and through the index: a posting of a value made earlier in the same transaction, a
 * pair of incidents linked both ways round in one batch, an undo to a mark with postings and
 * links pending, and a value made common in the middle of a batch. */
static void test_deferred(struct store *st, const struct wlists *w, int when)
{
	struct correlate *c = correlate_new(w);
	struct pipe_event pe;
	struct verr e = { 0 };
	struct links l = { 0 };
	const char *how = when == CORRELATE_INDEX_NEVER ? "store path" : "index";
	char v[96], p[96], q[96], x[96], y[96], z[96];
	int64_t batch = 0, a, b, ci, d, f, g, h;
	int links = 0, commons = 0, n;

	correlate_use_index(c, 1 << 20, when);
	snprintf(v, sizeof(v), "http://v-%d.qq-deferred.net/", when);
	snprintf(p, sizeof(p), "http://p-%d.qq-deferred.net/", when);
	snprintf(q, sizeof(q), "http://q-%d.qq-deferred.net/", when);
	snprintf(x, sizeof(x), "http://x-%d.qq-deferred.net/", when);
	snprintf(y, sizeof(y), "http://y-%d.qq-deferred.net/", when);
	snprintf(z, sizeof(z), "http://z-%d.qq-deferred.net/", when);
	store_begin(st, &e);
	store_batch_start(st, "deferred", how, &batch, &e);
	a = incident_with(st, c, batch, (const char *const[]){ "source.url", v, NULL }, &pe);
	b = incident_with(st, c, batch, (const char *const[]){ "destination.url", v, NULL }, &pe);
	is_int(pe.links, 1, "%s: a value made earlier in the same transaction links", how);
	is_int(postings_count(st, "url", v), 2, "%s: ... its two postings, read before the "
	       "commit", how);
	memset(&l, 0, sizeof(l));
	store_links_list(st, b, link_cb, &l, &e);
	ok(l.n == 1 && l.other[0] == a, "%s: ... and the link to the first", how);
	if (when != CORRELATE_INDEX_NEVER)
		ok(correlate_index_stats(c)->deferred == 1 && correlate_index_stats(c)->created == 1,
		   "%s: the index knew a had it alone: the posting deferred without asking", how);
	/* both ways round in one batch: (c, d) through p, then (d, c) through q */
	ci = incident_with(st, c, batch, (const char *const[]){ "source.url", p, NULL }, &pe);
	d = incident_with(st, c, batch, (const char *const[]){ "source.url", q, NULL }, &pe);
	event_into(st, c, batch, d, (const char *const[]){ "destination.url", p, NULL }, &links,
		   &commons);
	event_into(st, c, batch, ci, (const char *const[]){ "destination.url", q, NULL }, &links,
		   &commons);
	is_int(links, 2, "%s: two events link c and d, each its way round", how);
	is_int(store_commit(st, &e), V_OK, "%s: commit (%s)", how, e.reason);
	correlate_sync(c, 1);
	is_int(links_count(st, ci), 1, "%s: ... one link stored", how);
	is_int(links_count(st, d), 1, "%s: ... seen from both", how);
	is_int(postings_count(st, "url", v), 2, "%s: the postings after the commit", how);

	/* an undo with postings and links pending: what came before the mark stays */
	store_begin(st, &e);
	f = incident_with(st, c, batch, (const char *const[]){ "source.url", x, NULL }, &pe);
	event_into(st, c, batch, f, (const char *const[]){ "destination.url", v, NULL }, &links,
		   &commons);
	is_int(store_mark(st, &e), V_OK, "%s: mark", how);
	g = incident_with(st, c, batch, (const char *const[]){ "source.url", y, "destination.url",
							       x, NULL }, &pe);
	is_int(pe.links, 1, "%s: an event after the mark links through x", how);
	is_int(store_undo(st, &e), V_OK, "%s: undo (%s)", how, e.reason);
	correlate_sync(c, 0);
	h = incident_with(st, c, batch, (const char *const[]){ "source.url", z, "destination.url",
							       x, NULL }, &pe);
	is_int(pe.links, 1, "%s: the next event after the undo links through x", how);
	is_int(store_commit(st, &e), V_OK, "%s: commit (%s)", how, e.reason);
	correlate_sync(c, 1);
	is_int(postings_count(st, "url", y), -1, "%s: the value made after the mark is gone", how);
	is_int(postings_count(st, "url", x), 2, "%s: x: the posting before the mark and the one "
	       "after the undo", how);
	is_int(postings_count(st, "url", v), 3, "%s: v: a posting deferred before the mark stays",
	       how);
	memset(&l, 0, sizeof(l));
	store_links_list(st, f, link_cb, &l, &e);
	n = 0;
	for (int k = 0; k < l.n; k++)
		n += l.other[k] == h ? 1 : l.other[k] == g ? 100 : 0;
	ok(n == 1, "%s: f is linked to h, not to the undone g (%d links)", how, l.n);
	ok(g > 0 && h > 0, "%s: (g and h were made)", how);

	/* a value made common in the middle of a batch: its postings are kept, and once the
	 * stage knows (a new run reads the store) it links nothing more */
	store_begin(st, &e);
	event_into(st, c, batch, d, (const char *const[]){ "source.url", v, NULL }, &links,
		   &commons);
	{
		int64_t id = 0;
		store_indicator_find(st, "url", v, &id, NULL, &e);
		is_int(store_indicator_set_common(st, id, "by hand", &e), V_OK,
		       "%s: v made common mid-batch", how);
	}
	event_into(st, c, batch, ci, (const char *const[]){ "source.url", v, NULL }, &links,
		   &commons);
	is_int(store_commit(st, &e), V_OK, "%s: commit (%s)", how, e.reason);
	correlate_free(c);
	is_int(postings_count(st, "url", v), 5, "%s: v keeps every posting", how);
	c = correlate_new(w);
	correlate_use_index(c, 1 << 20, when);
	store_begin(st, &e);
	incident_with(st, c, batch, (const char *const[]){ "source.url", v, NULL }, &pe);
	ok(pe.links == 0 && pe.common == 1, "%s: a new run: v is common, links nothing", how);
	is_int(store_commit(st, &e), V_OK, "%s: commit", how);
	correlate_free(c);
}

/* What the correlation left, independent of the run: for each incident (by its place among
 * the run's incidents) its correlation links (the other's place, why) and its indicators,
 * with the run's mark (a digit and a letter in every value) taken out. */
struct eq_out {
	char text[262144];
	size_t n;
	const int64_t *inc;
	char mark[4][16];
};

static void eq_put(struct eq_out *o, const char *s)
{
	/* each run's values carry its marks: replace them with 'X' */
	while (*s && o->n + 1 < sizeof(o->text)) {
		int hit = 0;
		for (int k = 0; k < 4 && !hit; k++) {
			size_t l = strlen(o->mark[k]);
			if (l && !strncmp(s, o->mark[k], l)) {
				o->text[o->n++] = 'X';
				s += l;
				hit = 1;
			}
		}
		if (!hit)
			o->text[o->n++] = *s++;
	}
	o->text[o->n] = 0;
}

static int eq_place(const struct eq_out *o, int64_t id)
{
	for (int i = 0; i < EQ_INCIDENTS; i++)
		if (o->inc[i] == id)
			return i;
	return -1;
}

/* An incident's links, sorted (the store lists them by time, which differs between runs). */
struct eq_links {
	struct eq_out *o;
	int n;
	char l[256][160];
};

static int eq_link_cb(void *arg, int64_t other, const char *kind, const char *why)
{
	struct eq_links *ls = arg;

	if (ls->n < 256)
		snprintf(ls->l[ls->n++], sizeof(ls->l[0]), " %s>%03d:%s", kind,
			 eq_place(ls->o, other), why ? why : "-");
	return 0;
}

static int eq_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int eq_ind_cb(void *arg, const struct store_indicator *ind)
{
	struct eq_out *o = arg;

	eq_put(o, " ");
	eq_put(o, ind->kind);
	eq_put(o, "=");
	eq_put(o, ind->value);
	eq_put(o, ind->common ? "!" : "");
	return 0;
}

/* The same events, correlated with the index set to `when` by c (and every fourth event by a
 * second stage without an index: another writer on the same store), with a commit every 50
 * events and one rollback (the transaction's events then come again, as a re-run would). */
static int eq_run(struct store *st, struct wlists *w, int when, int run, struct eq_out *o,
		  int *links, int *commons, struct correlate_index_stats *ixs)
{
	struct correlate *c = correlate_new(w), *other = correlate_new(w);
	struct verr e = { 0 };
	int64_t inc[EQ_INCIDENTS], batch = 0;
	int rc = V_OK;

	correlate_use_index(c, 1 << 20, when);
	*links = *commons = 0;
	memset(o, 0, sizeof(*o));
	o->inc = inc;
	/* the marks that make each run's values its own */
	snprintf(o->mark[0], sizeof(o->mark[0]), "45.%d.", 10 + run);
	snprintf(o->mark[1], sizeof(o->mark[1]), "zz%c", 'a' + run);
	snprintf(o->mark[2], sizeof(o->mark[2]), "dead000%d", run);
	snprintf(o->mark[3], sizeof(o->mark[3]), "10.%d.0.", 10 + run);
	store_begin(st, &e);
	store_batch_start(st, "eq", "eq", &batch, &e);
	for (int i = 0; i < EQ_INCIDENTS; i++) {
		struct store_incident si = { 0 };
		char key[32];
		snprintf(key, sizeof(key), "eq%d-%d", run, i);
		si.rule = "eq";
		si.key = key;
		si.priority = 3;
		si.created = 1795000000;
		if (store_incident_create(st, &si, &inc[i], &e) != V_OK)
			return -1;
	}
	store_commit(st, &e);
	store_begin(st, &e);
	for (int i = 0, undone = 0; i < EQ_EVENTS && rc == V_OK; i++) {
		char ip[32], url[96], fqdn[64], md5[40], mail[64], priv[32], fresh[96];
		int r = (i * 7919) % 101; /* a fixed sequence of choices */
		int64_t incident = inc[(i * 37 + i / 13) % EQ_INCIDENTS];
		snprintf(ip, sizeof(ip), "45.%d.7.%d", 10 + run, r % 23);
		snprintf(url, sizeof(url), "http://h%d.zz%c.qq-bench.net/p/%d", r % 17, 'a' + run,
			 r % 29);
		snprintf(fqdn, sizeof(fqdn), "h%d.zz%c.qq-bench.net", r % 11, 'a' + run);
		snprintf(md5, sizeof(md5), "%08X%08X%016d", r % 13, 0xdead0000u + (unsigned)run, 0);
		snprintf(mail, sizeof(mail), "U%d@zz%c.qq-bench.net", r % 7, 'a' + run);
		snprintf(priv, sizeof(priv), "10.%d.0.%d", 10 + run, r % 3);
		/* each event of the other writer brings a value new to the store, which the
		 * next three events use */
		if (i % 4 == 3 || i >= 4)
			snprintf(fresh, sizeof(fresh), "http://fresh%d.zz%c.qq-bench.net/",
				 i % 4 == 3 ? i / 4 : i / 4 - 1, 'a' + run);
		else
			snprintf(fresh, sizeof(fresh), "http://early%d.zz%c.qq-bench.net/", i,
				 'a' + run);
		const char *kv[] = { "source.ip", ip, "source.url", url, "destination.fqdn", fqdn,
				     r % 3 ? "malware.hash.md5" : "source.account",
				     r % 3 ? md5 : mail, "destination.ip", r % 5 ? ip : priv,
				     "destination.url", fresh, NULL };
		const char *fresh_only[] = { "destination.url", fresh, NULL };
		/* the other writer brings only values new to the store: one that gave a value
		 * already indexed an older first incident would change where links go (the
		 * index does not see it), which is allowed (correlate.c) */
		if (i % 4 == 3)
			rc = event_into(st, other, batch, incident, fresh_only, links, commons);
		else
			rc = event_into(st, c, batch, incident, kv, links, commons);
		if (rc == V_OK && i % 50 == 49) {
			if (i == 249 && !undone) {
				/* an error after these events: the transaction rolls back */
				store_rollback(st);
				correlate_sync(c, 0);
				correlate_sync(other, 0);
				store_begin(st, &e);
				i -= 50;
				undone = 1;
				continue;
			}
			rc = store_commit(st, &e);
			correlate_sync(c, 1);
			correlate_sync(other, 1);
			store_begin(st, &e);
		}
	}
	/* (the counts include the rolled-back events' links: the same in every run) */
	if (rc == V_OK)
		rc = store_commit(st, &e);
	for (int i = 0; i < EQ_INCIDENTS && rc == V_OK; i++) {
		char b[32];
		snprintf(b, sizeof(b), "\n%d:", i);
		eq_put(o, b);
		static struct eq_links ls;
		ls.o = o;
		ls.n = 0;
		rc = store_links_list(st, inc[i], eq_link_cb, &ls, &e);
		qsort(ls.l, (size_t)ls.n, sizeof(ls.l[0]), eq_cmp);
		for (int k = 0; k < ls.n; k++)
			eq_put(o, ls.l[k]);
		if (rc == V_OK)
			rc = store_indicators_list(st, inc[i], eq_ind_cb, o, &e);
	}
	if (rc != V_OK)
		printf("# run %d: %s\n", run, e.reason);
	*ixs = *correlate_index_stats(c);
	correlate_free(c);
	correlate_free(other);
	return rc;
}

static void eq_diff(const struct eq_out *a, const struct eq_out *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->text[i] != b->text[i]) {
			printf("# differs at %zu:\n# store: %.300s\n# index: %.300s\n", i,
			       a->text + (i > 60 ? i - 60 : 0), b->text + (i > 60 ? i - 60 : 0));
			return;
		}
}

static void test_index_equivalence(struct store *st, struct wlists *w)
{
	static struct eq_out never, always, autom;
	struct correlate_index_stats x0, x1, x2;
	int l0, c0, l1, c1, l2, c2;

	is_int(eq_run(st, w, CORRELATE_INDEX_NEVER, 0, &never, &l0, &c0, &x0), V_OK,
	       "400 events correlated through the store");
	ok(x0.builds == 0 && x0.hits == 0, "... without an index");
	is_int(eq_run(st, w, CORRELATE_INDEX_ALWAYS, 1, &always, &l1, &c1, &x1), V_OK,
	       "the same through the index, built at the first event");
	ok(x1.builds == 2 && x1.hits > 500 && x1.created > 50 && !x1.given_up,
	   "... built twice (the rollback dropped it), %llu values found in it, %llu created",
	   (unsigned long long)x1.hits, (unsigned long long)x1.created);
	is_int(eq_run(st, w, CORRELATE_INDEX_AUTO, 2, &autom, &l2, &c2, &x2), V_OK,
	       "the same, the index built when worth it");
	ok(x2.builds >= 1 && x2.hits > 0 && x2.hits < x1.hits,
	   "... built later (%llu builds, %llu values found in it)",
	   (unsigned long long)x2.builds, (unsigned long long)x2.hits);
	ok(l0 > 20 && c0 > 20, "the events make links (%d) and meet common values (%d)", l0, c0);
	ok(l1 == l0 && c1 == c0, "index: as many links (%d) and common values (%d)", l1, c1);
	ok(l2 == l0 && c2 == c0, "auto: as many links (%d) and common values (%d)", l2, c2);
	ok(never.n > 1000 && !strcmp(never.text, always.text),
	   "index: every incident has the same links and indicators (%zu bytes)", never.n);
	ok(!strcmp(never.text, autom.text), "auto: the same");
	eq_diff(&never, &always);
	eq_diff(&never, &autom);
}


/* ---- the index saved between runs --------------------------------------------------------- */

#define SV_INCIDENTS 30
#define SV_EVENTS 200

enum sv_variant {
	SV_KEEP,      /* the file as the last run left it */
	SV_DELETED,   /* removed before the second run */
	SV_TRUNCATED, /* cut to half before the second run */
	SV_FLIPPED,   /* one byte changed before the second run */
	SV_FOREIGN,   /* another store's file put in its place */
	SV_OLDER,     /* the first run's file put back before the third run: caught up */
	SV_TAINTED,   /* the same, but the second run changed values the file holds */
	SV_RESTORED,  /* the store put back as after the first run: the file is newer */
	SV_VARIANTS
};

static const char *const sv_names[] = { "kept", "deleted", "truncated", "one byte changed",
					"another store's", "older than the store (caught up)",
					"older than a change to its values",
					"newer than the store" };

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;
	int rc = 0;

	if (!in)
		return -1;
	if (!(out = fopen(to, "wb"))) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	fclose(in);
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

/* One run: SV_INCIDENTS new incidents and SV_EVENTS events with values shared with the
 * earlier runs, a commit every 50 events, a rollback in the third run; old: every fourth
 * event goes into an incident of the first run instead. */
static int sv_phase(const char *path, const char *file, int when, int phase, int old,
		    struct correlate_index_stats *ixs, const struct wlists *w)
{
	struct store *st = NULL;
	struct correlate *c = correlate_new(w);
	struct verr e = { 0 };
	int64_t inc[SV_INCIDENTS], batch = 0;
	int rc, links = 0, commons = 0;

	if ((rc = store_open(path, &st, &e)) != V_OK) {
		printf("# %s\n", e.reason);
		correlate_free(c);
		return rc;
	}
	correlate_use_index(c, 1 << 20, when);
	correlate_index_file(c, file);
	store_begin(st, &e);
	store_batch_start(st, "sv", "sv", &batch, &e);
	for (int i = 0; i < SV_INCIDENTS && rc == V_OK; i++) {
		struct store_incident si = { 0 };
		char key[32];
		snprintf(key, sizeof(key), "sv%d-%d", phase, i);
		si.rule = "sv";
		si.key = key;
		si.priority = 3;
		si.created = 1795000000;
		rc = store_incident_create(st, &si, &inc[i], &e);
	}
	if (rc == V_OK)
		rc = store_commit(st, &e);
	correlate_sync(c, 1);
	store_begin(st, &e);
	for (int i = 0, undone = 0; i < SV_EVENTS && rc == V_OK; i++) {
		char ip[32], url[96], md5[40], fresh[96];
		int r = (i * 7919 + phase * 31) % 101;
		int64_t incident = inc[(i * 37 + i / 13) % SV_INCIDENTS];
		if (old && i % 4 == 1)
			incident = 1 + (i * 7) % SV_INCIDENTS; /* the first run's incidents */
		snprintf(ip, sizeof(ip), "45.1.7.%d", r % 23);
		snprintf(url, sizeof(url), "http://h%d.qq-bench.net/p/%d", r % 17, (r + i) % 41);
		snprintf(md5, sizeof(md5), "%08X%024d", r % 13, 0);
		snprintf(fresh, sizeof(fresh), "http://fresh%d-%d.qq-bench.net/", phase, i % 60);
		const char *kv[] = { "source.ip", ip, "source.url", url, "malware.hash.md5", md5,
				     "destination.ip", r % 5 ? ip : "10.0.0.3", "destination.url",
				     fresh, NULL };
		rc = event_into(st, c, batch, incident, kv, &links, &commons);
		if (rc == V_OK && i % 50 == 49) {
			if (phase == 3 && i == 99 && !undone) {
				store_rollback(st);
				correlate_sync(c, 0);
				store_begin(st, &e);
				i -= 50;
				undone = 1;
				continue;
			}
			rc = store_commit(st, &e);
			correlate_sync(c, 1);
			store_begin(st, &e);
		}
	}
	if (rc == V_OK)
		rc = store_commit(st, &e);
	correlate_sync(c, 1);
	if (rc == V_OK && (rc = correlate_save(c, st, &e)) != V_OK)
		printf("# save: %s\n", e.reason);
	*ixs = *correlate_index_stats(c);
	correlate_free(c);
	store_close(st);
	return rc;
}

static int sv_dump_link(void *arg, int64_t other, const char *kind, const char *why)
{
	struct eq_links *ls = arg;

	if (ls->n < 256)
		snprintf(ls->l[ls->n++], sizeof(ls->l[0]), " %s>%lld:%s", kind, (long long)other,
			 why ? why : "-");
	return 0;
}

/* Every incident's links and indicators, by id. */
static int sv_dump(const char *path, struct eq_out *o)
{
	static struct eq_links ls;
	struct store *st = NULL;
	struct verr e = { 0 };
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = store_open(path, &st, &e)) != V_OK)
		return rc;
	for (int64_t id = 1; id <= 3 * SV_INCIDENTS && rc == V_OK; id++) {
		char b[32];
		snprintf(b, sizeof(b), "\n%lld:", (long long)id);
		eq_put(o, b);
		ls.n = 0;
		rc = store_links_list(st, id, sv_dump_link, &ls, &e);
		qsort(ls.l, (size_t)ls.n, sizeof(ls.l[0]), eq_cmp);
		for (int k = 0; k < ls.n; k++)
			eq_put(o, ls.l[k]);
		if (rc == V_OK)
			rc = store_indicators_list(st, id, eq_ind_cb, o, &e);
	}
	store_close(st);
	return rc;
}

static void sv_remove(const char *path)
{
	char p[256];
	const char *suffix[] = { "", "-wal", "-shm", ".indidx", ".bak", ".bak.indidx",
				 ".other", ".other.indidx", ".older" };
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
}

/* Three runs on a new store with what the variant does to the file (or the store) between
 * them; the stats of the second and third runs.  indexed: the index on and kept in a file
 * (else the store path, without a file: the reference). */
static int sv_scenario(enum sv_variant v, int indexed, const struct wlists *w,
		       struct eq_out *o, struct correlate_index_stats x[3])
{
	char path[] = "/tmp/vigia-test-corsv-XXXXXX", file[64], p2[96], p3[96];
	int when = indexed ? CORRELATE_INDEX_ALWAYS : CORRELATE_INDEX_NEVER, fd, rc;
	const char *f;

	if ((fd = mkstemp(path)) < 0)
		return -1;
	close(fd);
	unlink(path);
	snprintf(file, sizeof(file), "%s.indidx", path);
	f = indexed ? file : NULL;
	rc = sv_phase(path, f, when, 1, 0, &x[0], w);
	if (rc == V_OK && v == SV_RESTORED) {
		snprintf(p2, sizeof(p2), "%s.bak", path);
		rc = copy_file(path, p2);
	}
	if (rc == V_OK && (v == SV_OLDER || v == SV_TAINTED) && indexed) {
		snprintf(p2, sizeof(p2), "%s.older", path);
		rc = copy_file(file, p2);
	}
	if (rc == V_OK && indexed) {
		struct stat sb;
		if (v == SV_DELETED)
			rc = unlink(file);
		else if (v == SV_TRUNCATED && stat(file, &sb) == 0)
			rc = truncate(file, sb.st_size / 2);
		else if (v == SV_FLIPPED && stat(file, &sb) == 0) {
			FILE *fp = fopen(file, "r+b");
			int ch;
			rc = -1;
			if (fp && fseek(fp, sb.st_size / 2 + 3, SEEK_SET) == 0 &&
			    (ch = fgetc(fp)) != EOF && fseek(fp, -1, SEEK_CUR) == 0 &&
			    fputc(ch ^ 0x10, fp) != EOF)
				rc = 0;
			if (fp)
				fclose(fp);
		} else if (v == SV_FOREIGN) {
			/* another store with the same values has its own identity */
			struct correlate_index_stats ox;
			snprintf(p2, sizeof(p2), "%s.other", path);
			snprintf(p3, sizeof(p3), "%s.other.indidx", path);
			rc = sv_phase(p2, p3, when, 1, 0, &ox, w);
			if (rc == V_OK)
				rc = copy_file(p3, file);
		}
	}
	if (rc == V_OK)
		rc = sv_phase(path, f, when, 2, v == SV_TAINTED, &x[1], w);
	if (rc == V_OK && (v == SV_OLDER || v == SV_TAINTED) && indexed) {
		snprintf(p2, sizeof(p2), "%s.older", path);
		rc = copy_file(p2, file);
	}
	if (rc == V_OK && v == SV_RESTORED) {
		snprintf(p2, sizeof(p2), "%s.bak", path);
		rc = copy_file(p2, path);
	}
	if (rc == V_OK)
		rc = sv_phase(path, f, when, 3, 0, &x[2], w);
	if (rc == V_OK)
		rc = sv_dump(path, o);
	sv_remove(path);
	return rc;
}

static void test_saved_index(struct store *st, const struct wlists *w)
{
	static struct eq_out ref, got;
	struct store_ind_mark mk;
	struct correlate_index_stats r[3], x[3];
	struct verr e = { 0 };

	if (store_indicators_mark(st, &mk, &e) != V_OK) {
		/* PostgreSQL: the index is built from the store at each start */
		ok(e.reason[0] != 0, "this backend keeps no saved index (%s)", e.reason);
		return;
	}
	ok(strlen(mk.store_id) == 32 && mk.gen > 0, "the store has an identity and a generation");
	{
		int64_t changed = -1;
		ok(store_indicators_changed(st, mk.gen, &changed, &e) == V_OK && changed == 0,
		   "nothing changed after the last generation");
	}
	for (int v = 0; v < SV_VARIANTS; v++) {
		int rc = sv_scenario(v, 0, w, &ref, r);
		is_int(rc, V_OK, "%s: three runs through the store", sv_names[v]);
		rc = sv_scenario(v, 1, w, &got, x);
		is_int(rc, V_OK, "%s: the same runs, the index kept in a file", sv_names[v]);
		ok(ref.n > 1000 && !strcmp(ref.text, got.text),
		   "%s: the same links and indicators (%zu bytes)", sv_names[v], ref.n);
		eq_diff(&ref, &got);
		ok(x[0].builds == 1 && x[0].saves == 1, "%s: the first run builds it and saves it",
		   sv_names[v]);
		switch (v) {
		case SV_KEEP:
			ok(x[1].loads == 1 && x[1].builds == 0 && x[1].caught_up == 0 &&
				   x[1].saves == 1,
			   "kept: the second run maps it, builds nothing, saves it");
			ok(x[2].loads == 2 && x[2].builds == 0,
			   "kept: the third maps it again after its rollback (%llu loads)",
			   (unsigned long long)x[2].loads);
			break;
		case SV_DELETED:
		case SV_TRUNCATED:
		case SV_FLIPPED:
		case SV_FOREIGN:
			ok(x[1].loads == 0 && x[1].builds == 1 && x[1].saves == 1,
			   "%s: the second run builds it from the store and saves it",
			   sv_names[v]);
			ok(x[2].loads == 2 && x[2].builds == 0, "%s: the third maps that one",
			   sv_names[v]);
			break;
		case SV_OLDER:
			ok(x[2].loads >= 1 && x[2].builds == 0 && x[2].caught_up >= 60,
			   "older: mapped and caught up with %llu newer values",
			   (unsigned long long)x[2].caught_up);
			break;
		case SV_TAINTED:
		case SV_RESTORED:
			ok(x[2].loads == 0 && x[2].builds == 2,
			   "%s: not used; built from the store (twice: the rollback dropped it)",
			   sv_names[v]);
			break;
		}
	}
}

int main(void)
{
	struct wlists *w = wlists_new(), *none = wlists_new(), *misp = wlists_new();
	struct verr e = { 0 };
	char path[] = "/tmp/vigia-test-cor-XXXXXX";
	struct store *st = NULL;

	/* ---- the built-in lists -------------------------------------------------------------- */
	is_int(wlists_load(w, "builtin", &e), V_OK, "built-in warning lists load");
	ok(wlists_count(w) >= 5, "five lists or more");
	is_str(m(w, "ip", "10.1.2.3"), "Private IPv4 address space (RFC 1918)", "RFC 1918");
	is_str(m(w, "ip", "172.31.255.255"), "Private IPv4 address space (RFC 1918)",
	       "172.16/12 upper end");
	is_str(m(w, "ip", "172.32.0.1"), "-", "just outside 172.16/12");
	ok(!strcmp(m(w, "ip", "192.0.2.5"), "Special-purpose IPv4 addresses (RFC 6890, RFC 5735)"),
	   "documentation range TEST-NET-1");
	ok(strcmp(m(w, "ip", "100.64.1.1"), "-"), "shared address space (RFC 6598)");
	ok(strcmp(m(w, "ip", "127.0.0.1"), "-"), "loopback");
	is_str(m(w, "ip", "8.8.8.8"), "-", "a public address is not common");
	ok(strcmp(m(w, "ip", "2001:db8::1"), "-"), "IPv6 documentation");
	ok(strcmp(m(w, "ip", "fd12:3456::1"), "-"), "IPv6 unique local");
	ok(strcmp(m(w, "ip", "fe80::1"), "-"), "IPv6 link-local");
	is_str(m(w, "ip", "2a00:1450::1"), "-", "a public IPv6 address is not common");
	ok(strcmp(m(w, "network", "10.20.0.0/16"), "-"), "a network inside RFC 1918");
	is_str(m(w, "network", "8.0.0.0/8"), "-", "a public network");
	is_str(m(w, "network", "0.0.0.0/0"), "-", "a network larger than any list range");
	is_str(m(w, "domain", "www.example.com"), "Special-use domain names (RFC 6761)",
	       "a name under example.com");
	ok(strcmp(m(w, "domain", "example.org"), "-"), "example.org itself");
	ok(strcmp(m(w, "domain", "printer.localhost"), "-"), "localhost");
	is_str(m(w, "domain", "notexample.com"), "-", "a name that only ends like one");
	ok(strcmp(m(w, "url", "https://shop.example.net:8443/a?b"), "-"), "a URL by its host");
	ok(strcmp(m(w, "url", "http://user@[2001:db8::5]:80/x"), "-"), "a URL with an IPv6 host");
	ok(strcmp(m(w, "url", "http://192.168.1.1/admin"), "-"), "a URL with a private host");
	is_str(m(w, "url", "http://phish.test.invalid.org/"), "-", "a public name containing test");
	is_str(m(w, "md5", "D41D8CD98F00B204E9800998ECF8427E"), "Hashes of the empty file",
	       "the empty MD5, any case");
	ok(strcmp(m(w, "sha256",
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "-"),
	   "the empty SHA-256");
	is_str(m(w, "ip", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "-",
	       "hash lists do not apply to addresses");

	/* ---- each list type, in MISP's format ------------------------------------------------ */
	const char *sub = "{\"name\": \"subs\", \"version\": 1, \"description\": \"d\","
			  " \"type\": \"substring\", \"list\": [\"AMAZONAWS\"]}";
	const char *re = "{\"name\": \"re\", \"version\": 1, \"description\": \"d\","
			 " \"type\": \"regex\", \"matching_attributes\": [\"email-src\"],"
			 " \"list\": [\"/^noreply@/i\", \"/(unclosed/\"]}";
	const char *str = "{\"name\": \"str\", \"version\": 1, \"description\": \"d\","
			  " \"type\": \"string\", \"matching_attributes\": [\"url\"],"
			  " \"list\": [\"http://exact.example.com/\"]}";
	is_int(wlists_load_json(none, sub, strlen(sub), "sub", &e), V_OK, "substring list");
	is_int(wlists_load_json(none, re, strlen(re), "re", &e), V_OK,
	       "regex list (a pattern that does not compile is left out)");
	is_int(wlists_load_json(none, str, strlen(str), "str", &e), V_OK, "string list");
	is_str(m(none, "domain", "ec2-1-2-3-4.compute.amazonaws.com"), "subs", "substring");
	is_str(m(none, "email", "NoReply@bank.example"), "re", "regex, case-insensitive");
	is_str(m(none, "url", "NoReply@bank.example"), "-", "regex list only for e-mail");
	is_str(m(none, "url", "http://exact.example.com/"), "str", "string: exact");
	is_str(m(none, "url", "http://exact.example.com/x"), "-", "string: nothing else");
	ok(wlists_load_json(none, "{\"name\": 1}", 11, "bad", &e) == V_ERR_PARSE && e.reason[0],
	   "not a warning list: refused (%s)", e.reason);
	ok(wlists_load_json(none, "[", 1, "bad", &e) == V_ERR_PARSE, "not JSON: refused");
	ok(wlists_load(none, "/nonexistent/lists", &e) == V_ERR_IO &&
		   strstr(e.reason, "/nonexistent/lists"),
	   "a missing directory is an error that names it");
	wlists_free(none);
	none = wlists_new();

	/* ---- MISP's own lists, from a directory ---------------------------------------------- */
	if (access(MISP_LISTS, R_OK) == 0) {
		is_int(wlists_load(misp, MISP_LISTS, &e), V_OK, "MISP warning lists load (%s)",
		       e.reason);
		is_int(wlists_count(misp), 4, "four lists in the corpus");
		is_str(m(misp, "ip", "192.168.10.10"), "List of RFC 1918 CIDR blocks",
		       "MISP's RFC 1918 list");
		is_str(m(misp, "domain", "example.com"),
		       "List of RFC 6761 Special-Use Domain Names",
		       "MISP's RFC 6761 list (type string: exact)");
		is_str(m(misp, "domain", "www.example.com"), "-", "type string: not a subdomain");
		is_str(m(misp, "md5", "d41d8cd98f00b204e9800998ecf8427e"),
		       "List of known hashes for empty files", "MISP's empty hashes");
		struct wlists *both = wlists_new();
		is_int(wlists_load(both, "builtin, " MISP_LISTS, &e), V_OK,
		       "builtin and a directory");
		is_int(wlists_count(both), wlists_count(w) + 4, "all of them");
		wlists_free(both);
	} else {
		printf("# %s not found: MISP lists not tested\n", MISP_LISTS);
	}

	/* ---- correlation in the store -------------------------------------------------------- */
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	if (store_open(tap_store_path(path), &st, &e) != V_OK) {
		printf("# store: %s\n", e.reason);
		ok(0, "store opened");
		return done_testing();
	}
	struct correlate *c = correlate_new(none), *cw = correlate_new(w);
	struct pipe_event pe;
	struct links l = { 0 };
	int64_t batch, i1, i2, i3, i4, i5, i6;
	store_begin(st, &e);
	store_batch_start(st, "t", "t", &batch, &e);
	i1 = incident_with(st, c, batch,
			   (const char *const[]){ "source.ip", "192.0.2.1", "malware.hash.md5",
						  "0123456789ABCDEF0123456789ABCDEF", NULL }, &pe);
	is_int(pe.links, 0, "the first incident with a value links nothing");
	i2 = incident_with(st, c, batch,
			   (const char *const[]){ "destination.ip", "192.0.2.1", "source.fqdn",
						  "bad.example.net", NULL }, &pe);
	is_int(pe.links, 1, "a second incident with the address is linked");
	store_links_list(st, i2, link_cb, &l, &e);
	ok(l.n == 1 && l.other[0] == i1 && !strcmp(l.why[0], "ip 192.0.2.1"),
	   "linked to the first, saying why (%s)", l.why[0]);
	is_int(store_commit(st, &e), V_OK, "commit");
	correlate_sync(c, 1);
	store_begin(st, &e);
	i3 = incident_with(st, c, batch,
			   (const char *const[]){ "source.ip", "192.0.2.1", "malware.hash.md5",
						  "0123456789abcdef0123456789abcdef", "source.fqdn",
						  "bad.example.net", NULL }, &pe);
	is_int(pe.links, 3, "a third: linked through the address, the hash and the name");
	memset(&l, 0, sizeof(l));
	store_links_list(st, i3, link_cb, &l, &e);
	int to1 = 0, to2 = 0;
	for (int k = 0; k < l.n; k++) {
		to1 += l.other[k] == i1;
		to2 += l.other[k] == i2;
	}
	ok(to1 >= 1 && to2 == 1, "each to the first incident that had the value (a star)");
	/* the same incident again: postings are stored once */
	pe.ev = NULL;
	int64_t ind;
	int common = -1, nposts = 0;
	store_indicator_get(st, "ip", "192.0.2.1", &ind, &common, &e);
	store_postings_of(st, ind, count_cb, &nposts, &e);
	is_int(nposts, 3, "one posting per incident");
	is_int(common, 0, "not common without warning lists");
	i4 = incident_with(st, c, batch,
			   (const char *const[]){ "source.account", "Victim@Mail.example", NULL },
			   &pe);
	i5 = incident_with(st, c, batch,
			   (const char *const[]){ "destination.account", "victim@mail.example",
						  "source.account", "not-an-address", NULL },
			   &pe);
	is_int(pe.links, 1, "e-mail addresses correlate (case-insensitive)");
	(void)i4;
	(void)i5;

	/* warning-listed values: marked, visible, never linked */
	i6 = incident_with(st, cw, batch,
			   (const char *const[]){ "source.ip", "10.0.0.1", NULL }, &pe);
	is_int(pe.common, 1, "a private address is left out");
	incident_with(st, cw, batch, (const char *const[]){ "source.ip", "10.0.0.1", NULL }, &pe);
	ok(pe.common == 1 && pe.links == 0, "and links nothing");
	memset(&l, 0, sizeof(l));
	store_links_list(st, i6, link_cb, &l, &e);
	is_int(l.n, 0, "no correlation link through it");
	struct commons cm = { 0, 0, "10.0.0.1", "" };
	store_indicators_list(st, 0, common_cb, &cm, &e);
	ok(cm.found && !strcmp(cm.why, "Private IPv4 address space (RFC 1918)"),
	   "the exclusion is visible, with the list's name (%s)", cm.why);
	cm = (struct commons){ 0, 0, "10.0.0.1", "" };
	store_indicators_list(st, i6, common_cb, &cm, &e);
	ok(cm.found, "and on the incident");
	store_indicator_get(st, "ip", "10.0.0.1", &ind, &common, &e);
	is_int(common, 1, "the store says common");
	store_commit(st, &e);

	test_deferred(st, none, CORRELATE_INDEX_NEVER);
	test_deferred(st, none, CORRELATE_INDEX_ALWAYS);
	test_index_equivalence(st, w);
	test_saved_index(st, w);

	/* postings carry no foreign keys (schema version 19): every one the correlation wrote,
	 * at once or deferred, names an indicator and an incident that exist */
	int64_t orphans = -1;
	is_int(store_postings_orphans(st, &orphans, &e), V_OK, "postings checked (%s)", e.reason);
	is_int(orphans, 0, "no posting lacks its indicator or its incident");

	correlate_free(c);
	correlate_free(cw);
	store_close(st);
	unlink(path);
	{
		char p2[64];
		snprintf(p2, sizeof(p2), "%s-wal", path);
		unlink(p2);
		snprintf(p2, sizeof(p2), "%s-shm", path);
		unlink(p2);
	}
	wlists_free(w);
	wlists_free(none);
	wlists_free(misp);
	return done_testing();
}
