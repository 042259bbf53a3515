/*
 * test_http_reqlog.c — reads and refused requests go to the audit trail in batches
 * (src/http/reqlog.c): which requests are kept, a flush when the batch is full, one audit entry
 * per flush holding every record (account, method, path with only the query's parameter
 * names, status), a failed flush keeping the records, the bound of 10 × batch (the oldest
 * dropped), bytes outside printable ASCII escaped, and the chain still verifying.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "http/reqlog.h"
#include "store/store.h"

struct collect {
	int n;
	json_t *last;
};

static int collect_cb(void *arg, const struct store_audit *a)
{
	struct collect *c = arg;

	if (strcmp(a->actor, "http") || strcmp(a->action, "requests"))
		return 0;
	c->n++;
	json_decref(c->last);
	c->last = json_loads(a->after, 0, NULL);
	return 0;
}

static int entries(struct store *st, json_t **last)
{
	struct collect c = {0, NULL};
	struct verr e = {0};

	store_audit_list(st, "http:reads", collect_cb, &c, &e);
	if (last)
		*last = c.last;
	else
		json_decref(c.last);
	return c.n;
}

int main(void)
{
	char path[] = "/tmp/vigia-test-reqlog-XXXXXX", db[64];
	const char *names[] = {"limit", "token"};
	struct store *st = NULL;
	struct verr e = {0};
	struct http_reqlog *l;
	json_t *last = NULL, *r;
	int64_t checked = 0, bad = 0;
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "%s.db", path);
	ok(store_open(db, &st, &e) == V_OK, "store opens: %s", e.reason);

	/* which requests are logged: every one (server.c); tests/cli/serve_audit.sh shows it */

	/* a batch of 3, no interval flush in practice */
	l = http_reqlog_new(3, 3600 * 1000);
	ok(l != NULL, "a log is made");
	http_reqlog_add(l, st, "ana", "GET", "/api/v1/incidents", names, 2, 200);
	http_reqlog_add(l, st, NULL, "GET", "/api/v1/whoami", NULL, 0, 401);
	is_int(entries(st, NULL), 0, "two records: nothing written yet");
	is_int(http_reqlog_pending(l), 2, "... both held");
	http_reqlog_add(l, st, "boss", "GET", "/taxii2/\x01\xc3\xa9 x", NULL, 0, 404);
	is_int(entries(st, &last), 1, "the third fills the batch: one entry");
	is_int(http_reqlog_pending(l), 0, "... and the buffer is empty");
	is_int(json_integer_value(json_object_get(last, "count")), 3, "the entry counts 3 requests");
	r = json_array_get(json_object_get(last, "requests"), 0);
	is_str(json_string_value(json_object_get(r, "account")), "ana", "the account");
	is_str(json_string_value(json_object_get(r, "method")), "GET", "the method");
	is_str(json_string_value(json_object_get(r, "path")), "/api/v1/incidents?limit&token",
	       "the path with the parameter names only");
	is_int(json_integer_value(json_object_get(r, "status")), 200, "the status");
	ok(json_integer_value(json_object_get(r, "time")) > 1600000000000LL, "the time in ms");
	r = json_array_get(json_object_get(last, "requests"), 1);
	is_str(json_string_value(json_object_get(r, "account")), "-", "no account: -");
	is_int(json_integer_value(json_object_get(r, "status")), 401, "... refused: 401");
	r = json_array_get(json_object_get(last, "requests"), 2);
	is_str(json_string_value(json_object_get(r, "path")), "/taxii2/%01%C3%A9%20x",
	       "control, non-ASCII bytes and spaces are escaped");
	json_decref(last);

	/* a failed flush (no store) keeps the records; the next one writes them */
	http_reqlog_add(l, NULL, "ana", "GET", "/a", NULL, 0, 200);
	ok(http_reqlog_flush(l, NULL, &e) != V_OK, "a flush without a store fails");
	is_int(http_reqlog_pending(l), 1, "... and keeps the record");
	ok(http_reqlog_flush(l, st, &e) == V_OK, "the next flush works: %s", e.reason);
	is_int(entries(st, NULL), 2, "... one more entry");
	is_int(http_reqlog_pending(l), 0, "... the buffer is empty");
	ok(http_reqlog_flush(l, st, &e) == V_OK && entries(st, NULL) == 2,
	   "an empty buffer writes nothing");

	/* the bound: at most 10 × batch wait; the oldest go */
	for (int i = 0; i < 35; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/r/%d", i);
		http_reqlog_add(l, NULL, "ana", "GET", p, NULL, 0, 200);
	}
	is_int(http_reqlog_pending(l), 30, "35 records without a store: 30 (10 × batch) kept");
	ok(http_reqlog_flush(l, st, &e) == V_OK && entries(st, &last) == 3, "written at last");
	is_int(json_integer_value(json_object_get(last, "count")), 30, "... all 30 in one entry");
	r = json_array_get(json_object_get(last, "requests"), 0);
	is_str(json_string_value(json_object_get(r, "path")), "/r/5", "... the oldest dropped");
	json_decref(last);
	http_reqlog_free(l);

	/* interval 0: every request is flushed at once */
	l = http_reqlog_new(1000, 0);
	http_reqlog_add(l, st, "ana", "HEAD", "/ui/", NULL, 0, 405);
	is_int(entries(st, NULL), 4, "interval 0: flushed on the request");
	http_reqlog_free(l);

	ok(store_audit_verify(st, &checked, &bad, &e) == V_OK && checked == 4 && bad == 0,
	   "the audit chain verifies: %s", e.reason);
	store_close(st);
	unlink(db);
	return done_testing();
}
