/*
 * test_store_taxii.c — the TAXII objects and status resources of the store (store.h "TAXII
 * objects"), written against store.h only so that it runs against either backend:
 * $VIGIA_TEST_STORE names an empty store (tests/run.sh gives a PostgreSQL one), else a new
 * SQLite file.  Versions (latest/earliest), every filter, the cursor of a page, the policy
 * columns (tlp, account), deletion, status resources, and the checks of store.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "store/store.h"
#include "tap.h"

#define COLL "c-1"

struct got {
	char ids[32][80];
	char added[32][40];
	int64_t seq[32];
	int n;
};

static int collect(void *arg, const struct store_taxii_object *o)
{
	struct got *g = arg;

	if (g->n < 32) {
		snprintf(g->ids[g->n], sizeof(g->ids[0]), "%s@%s", o->id, o->version);
		snprintf(g->added[g->n], sizeof(g->added[0]), "%s", o->date_added);
		g->seq[g->n] = o->seq;
		g->n++;
	}
	return 0;
}

static void put(struct store *st, const char *id, const char *version, const char *added, int tlp,
                const char *account)
{
	struct store_taxii_object o = {.collection = COLL,
	                               .id = id,
	                               .type = "indicator",
	                               .version = version,
	                               .spec_version = "2.1",
	                               .date_added = added,
	                               .tlp = tlp,
	                               .account = account,
	                               .object = "{\"type\":\"indicator\"}"};
	struct verr e = {0};
	int added_ = -1;

	is_int(store_taxii_object_put(st, &o, &added_, &e), V_OK, "put %s %s: %s", id, version,
	       e.reason);
	is_int(added_, 1, "... added");
}

static struct got query(struct store *st, struct store_taxii_filter f)
{
	struct got g;
	struct verr e = {0};

	memset(&g, 0, sizeof(g));
	f.collection = COLL;
	if (!f.limit)
		f.limit = 100;
	if (!f.tlp_max)
		f.tlp_max = 4;
	is_int(store_taxii_objects_query(st, &f, collect, &g, &e), V_OK, "query: %s", e.reason);
	return g;
}

#define T(n) "2026-01-0" #n "T00:00:00.000000Z"

int main(void)
{
	const char *named = getenv("VIGIA_TEST_STORE");
	char dir[] = "/tmp/vigia-test-taxii-XXXXXX", path[4096];
	struct store *st = NULL;
	struct verr e = {0};
	struct got g;
	int added;
	int64_t removed;

	conf_init();
	if (named && *named)
		snprintf(path, sizeof(path), "%s", named);
	else if (!mkdtemp(dir))
		return 1;
	else
		snprintf(path, sizeof(path), "%s/store.db", dir);
	if (store_open(path, &st, &e) != V_OK) {
		printf("# %s\n", e.reason);
		ok(0, "store opened");
		return done_testing();
	}
	/* a: two versions; b: one, RED, by partner p; c: one, type malware */
	put(st, "indicator--a", T(1), T(1), 1, "");
	put(st, "indicator--b", T(1), T(2), 4, "p");
	put(st, "indicator--a", T(3), T(3), 1, "");
	{
		struct store_taxii_object o = {.collection = COLL,
		                               .id = "malware--c",
		                               .type = "malware",
		                               .version = T(2),
		                               .spec_version = "2.1",
		                               .date_added = T(4),
		                               .tlp = 0,
		                               .account = "p",
		                               .object = "{}"};
		is_int(store_taxii_object_put(st, &o, &added, &e), V_OK, "put c");
		/* the same version again: left as it was */
		is_int(store_taxii_object_put(st, &o, &added, &e), V_OK, "put c again");
		is_int(added, 0, "... not added twice");
		o.version = "yesterday";
		is_int(store_taxii_object_put(st, &o, &added, &e), V_ERR_INVALID,
		       "a version that is not a timestamp is refused");
		o.version = T(2);
		o.id = "";
		is_int(store_taxii_object_put(st, &o, &added, &e), V_ERR_INVALID, "an empty id");
	}

	g = query(st, (struct store_taxii_filter){0});
	is_int(g.n, 3, "latest versions only, by default");
	is_str(g.ids[0], "indicator--b@" T(1), "... in the order added");
	is_str(g.ids[1], "indicator--a@" T(3), "... a's newest");
	g = query(st, (struct store_taxii_filter){.version_mode = STORE_TAXII_V_ALL});
	is_int(g.n, 4, "match[version]=all: every version");
	g = query(st, (struct store_taxii_filter){.version_mode = STORE_TAXII_V_FIRST});
	is_int(g.n, 3, "first");
	is_str(g.ids[0], "indicator--a@" T(1), "... a's oldest");
	g = query(
	    st, (struct store_taxii_filter){.version_mode = STORE_TAXII_V_LIST, .versions = T(1)});
	is_int(g.n, 2, "an explicit version");
	g = query(st, (struct store_taxii_filter){.added_after = T(2),
	                                          .version_mode = STORE_TAXII_V_ALL});
	is_int(g.n, 2, "added_after");
	g = query(st, (struct store_taxii_filter){.ids = "malware--c,indicator--b"});
	is_int(g.n, 2, "match[id] with two ids");
	g = query(st, (struct store_taxii_filter){.types = "malware"});
	is_int(g.n, 1, "match[type]");
	g = query(st, (struct store_taxii_filter){.types = "malwar"});
	is_int(g.n, 0, "match[type] is not a prefix match");
	g = query(st, (struct store_taxii_filter){.spec_versions = "2.0"});
	is_int(g.n, 0, "match[spec_version]=2.0");
	g = query(st, (struct store_taxii_filter){.tlp_max = 2});
	is_int(g.n, 2, "tlp_max AMBER leaves out the RED one");
	g = query(st, (struct store_taxii_filter){.account = "p"});
	is_int(g.n, 2, "account: what p added");
	g = query(st, (struct store_taxii_filter){.ids = "x' OR '1'='1"});
	is_int(g.n, 0, "SQL in a filter is a value");

	/* pages: two, then the rest after the cursor */
	g = query(st, (struct store_taxii_filter){.limit = 2, .version_mode = STORE_TAXII_V_ALL});
	is_int(g.n, 2, "a page of 2");
	{
		struct got h;
		char after[40];

		snprintf(after, sizeof(after), "%s", g.added[1]);
		h = query(st, (struct store_taxii_filter){.limit = 10,
		                                          .version_mode = STORE_TAXII_V_ALL,
		                                          .after_added = after,
		                                          .after_seq = g.seq[1]});
		is_int(h.n, 2, "the next page after the cursor");
		is_str(h.ids[0], "indicator--a@" T(3), "... starts where the first ended");
	}

	/* match[version] on DELETE: only the named versions go; the marks follow */
	put(st, "indicator--d", T(1), T(1), 0, "");
	put(st, "indicator--d", T(2), T(2), 0, "");
	put(st, "indicator--d", T(3), T(3), 0, "");
	is_int(store_taxii_object_delete(st, COLL, "indicator--d", STORE_TAXII_V_LAST, NULL,
	                                 &removed, &e),
	       V_OK, "delete last: %s", e.reason);
	is_int((int)removed, 1, "... one version");
	g = query(st, (struct store_taxii_filter){.ids = "indicator--d"});
	is_int(g.n, 1, "... a latest is left");
	is_str(g.ids[0], "indicator--d@" T(2), "... the one before is now the latest");
	is_int(store_taxii_object_delete(st, COLL, "indicator--d", STORE_TAXII_V_LIST, T(1),
	                                 &removed, &e),
	       V_OK, "delete a named version");
	is_int((int)removed, 1, "... that one");
	g = query(st, (struct store_taxii_filter){.ids = "indicator--d",
	                                          .version_mode = STORE_TAXII_V_FIRST});
	is_int(g.n, 1, "... the first is now");
	is_str(g.ids[0], "indicator--d@" T(2), "... the one left");
	is_int(store_taxii_object_delete(st, COLL, "indicator--d", STORE_TAXII_V_LIST, T(4),
	                                 &removed, &e),
	       V_OK, "delete a version that is not there");
	is_int((int)removed, 0, "... removes nothing");
	is_int(store_taxii_object_delete(st, COLL, "indicator--d", STORE_TAXII_V_LIST, NULL,
	                                 &removed, &e),
	       V_ERR_INVALID, "a delete by version without versions");
	is_int(store_taxii_object_delete(st, COLL, "indicator--d", STORE_TAXII_V_FIRST, NULL,
	                                 &removed, &e),
	       V_OK, "delete first");
	is_int((int)removed, 1, "... the last one");

	is_int(store_taxii_object_delete(st, COLL, "indicator--a", 0, NULL, &removed, &e), V_OK,
	       "delete");
	is_int((int)removed, 2, "... every version");
	g = query(st, (struct store_taxii_filter){.version_mode = STORE_TAXII_V_ALL});
	is_int(g.n, 2, "two left");

	{
		struct store_taxii_status s = {.id = "5f4a7b1c-0000-4000-8000-000000000001",
		                               .collection = COLL,
		                               .account = "p",
		                               .status = "complete",
		                               .request_timestamp = T(5),
		                               .total = 3,
		                               .success = 2,
		                               .failure = 1,
		                               .detail = "{\"successes\":[]}"},
		                          r;

		is_int(store_taxii_status_put(st, &s, &e), V_OK, "status put: %s", e.reason);
		is_int(store_taxii_status_get(st, s.id, &r, &e), V_OK, "status get");
		is_str(r.account, "p", "... its account");
		is_int((int)r.success, 2, "... its counts");
		is_str(r.detail, "{\"successes\":[]}", "... its details");
		store_taxii_status_fini(&r);
		is_int(store_taxii_status_get(st, "nope", &r, &e), V_ERR_NOTFOUND,
		       "unknown status");
		s.detail = NULL;
		is_int(store_taxii_status_put(st, &s, &e), V_ERR_INVALID,
		       "a status without details");
	}
	{
		/* a policy-built collection's rows: current until what views read changes */
		struct store_partner p = {.name = "CERT-T",
		                         .kind = "partner",
		                         .tlp_max = "AMBER",
		                         .pseudo_key = "0123456789abcdef0123456789abcdef"};
		int cur = -1;

		is_int(store_taxii_view_current(st, "v-1", "sig", &cur, &e), V_OK, "view current");
		is_int(cur, 0, "... a view never built is not current");
		is_int(store_begin(st, &e), V_OK, "begin");
		is_int(store_taxii_view_begin(st, "v-1", &e), V_OK, "view begin: %s", e.reason);
		store_taxii_view_current(st, "v-1", "sig", &cur, &e);
		is_int(cur, 0, "... an unfinished build is not current");
		is_int(store_taxii_view_done(st, "v-1", "sig", &e), V_OK, "view done: %s", e.reason);
		is_int(store_commit(st, &e), V_OK, "commit");
		is_int(store_taxii_view_current(st, "v-1", "sig", &cur, &e), V_OK, "view current");
		is_int(cur, 1, "... built and nothing changed: current");
		store_taxii_view_current(st, "v-1", "other", &cur, &e);
		is_int(cur, 0, "... another definition is not");
		is_int(store_partner_put(st, &p, &e), V_OK, "a partner changes: %s", e.reason);
		store_taxii_view_current(st, "v-1", "sig", &cur, &e);
		is_int(cur, 0, "... the view is stale at once");
		store_begin(st, &e);
		put(st, "indicator--v", T(1), T(1), -1, "");
		is_int(store_taxii_view_begin(st, COLL, &e), V_OK, "rebuild a collection");
		store_taxii_view_done(st, COLL, "sig", &e);
		is_int(store_commit(st, &e), V_OK, "commit");
		g = query(st, (struct store_taxii_filter){.version_mode = STORE_TAXII_V_ALL});
		is_int(g.n, 0, "... its old rows are gone");
		store_taxii_view_current(st, COLL, "sig", &cur, &e);
		is_int(cur, 1, "... and it is current");
		is_int(store_taxii_view_current(st, "", "sig", &cur, &e), V_ERR_INVALID,
		       "a view without a collection");
	}
	store_close(st);
	if (!(named && *named)) {
		char p2[4200];

		unlink(path);
		snprintf(p2, sizeof(p2), "%s-wal", path);
		unlink(p2);
		snprintf(p2, sizeof(p2), "%s-shm", path);
		unlink(p2);
		rmdir(dir);
	}
	return done_testing();
}
