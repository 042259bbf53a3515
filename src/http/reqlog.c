/*
 * reqlog.c — every request the server answers goes to the audit trail in batches (reqlog.h):
 * each is appended to an in-memory buffer under a mutex (the server's workers share it) as
 * time (ms), account, method, path and status; when the buffer holds http.audit_batch
 * records, or http.audit_interval has passed since the last flush, the server's flusher thread
 * (server.c) takes the whole buffer and writes it as ONE audit entry — actor "http", object
 * "http:reads", action "requests", after = {"count": N, "requests": [{time, account, method,
 * path, status}, ...]} — in a transaction of its own on its own store connection, outside the
 * mutex.  One flush runs at a time.
 *
 * Nothing secret goes in: the path is the one libmicrohttpd hands over (no query string), with
 * only the NAMES of the query parameters appended ("?limit&offset"); bytes outside printable
 * ASCII are written as %XX.  A failed flush puts its records back in front of the newer ones;
 * beyond 10 × batch the oldest are dropped, counted and logged as a warning.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/log.h"
#include "http/reqlog.h"

#define PATH_MAX_LOG 256

struct rec {
	int64_t ms;
	int status;
	char account[STORE_NAME_MAX + 1];
	char method[12];
	char path[PATH_MAX_LOG];
};

struct http_reqlog {
	pthread_mutex_t lock;
	size_t batch, max;       /* max = 10 × batch */
	int64_t interval_ms, last; /* last flush (monotonic ms) */
	struct rec *recs;
	size_t n, cap;
	int flushing;
	long long dropped; /* since the last warning */
};

static int64_t now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct http_reqlog *http_reqlog_new(size_t batch, int64_t interval_ms)
{
	struct http_reqlog *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->batch = batch ? batch : 1;
	l->max = l->batch * 10;
	l->interval_ms = interval_ms < 0 ? 0 : interval_ms;
	l->last = now_ms(CLOCK_MONOTONIC);
	return l;
}

/* Copy s into out (size n), printable ASCII as it is, other bytes as %XX; cut to fit. */
static size_t put_clean(char *out, size_t n, size_t at, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s && at + 4 <= n; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x21 && ch < 0x7f && ch != '%') {
			out[at++] = (char)ch;
		} else {
			out[at++] = '%';
			out[at++] = hex[ch >> 4];
			out[at++] = hex[ch & 15];
		}
	}
	out[at] = 0;
	return at;
}

/* Make room for one more record, dropping the oldest beyond max.  Under the lock. */
static int grow(struct http_reqlog *l)
{
	struct rec *r;
	size_t cap;

	if (l->n >= l->max) {
		size_t drop = l->n - l->max + 1;

		memmove(l->recs, l->recs + drop, (l->n - drop) * sizeof(*l->recs));
		l->n -= drop;
		l->dropped += (long long)drop;
	}
	if (l->n < l->cap)
		return 1;
	cap = l->cap ? l->cap * 2 : 64;
	if (cap > l->max)
		cap = l->max;
	if (!(r = realloc(l->recs, cap * sizeof(*r)))) {
		l->dropped++;
		return 0;
	}
	l->recs = r;
	l->cap = cap;
	return 1;
}

/* The entry's JSON (after) of n records: malloc'd, or NULL. */
static char *batch_json(const struct rec *r, size_t n)
{
	json_t *arr = json_array(), *o;
	char *s;

	for (size_t i = 0; arr && i < n; i++) {
		o = json_pack("{s:I, s:s, s:s, s:s, s:i}", "time", (json_int_t)r[i].ms, "account",
		              r[i].account, "method", r[i].method, "path", r[i].path, "status",
		              r[i].status);
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	o = arr ? json_pack("{s:I, s:o}", "count", (json_int_t)n, "requests", arr) : NULL;
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

/* Write n records as one audit entry. */
static int write_batch(struct store *st, const struct rec *r, size_t n, struct verr *err)
{
	char *after;
	int rc;

	if (!st)
		return verr_set(err, V_ERR_IO, "", "%s", "no store connection");
	if (!(after = batch_json(r, n)))
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	if ((rc = store_begin(st, err)) == V_OK &&
	    (rc = store_audit_append(st, "http", "http:reads", "requests", NULL, after, err)) ==
	        V_OK)
		rc = store_commit(st, err);
	if (rc != V_OK)
		store_rollback(st);
	free(after);
	return rc;
}

/* After a flush of taken (n records): on failure put them back in front of the newer ones,
 * keeping at most max.  Under the lock. */
static void put_back(struct http_reqlog *l, struct rec *taken, size_t n)
{
	size_t total = n + l->n, skip = 0;
	struct rec *r;

	if (total > l->max) {
		skip = total - l->max; /* the oldest go first: the front of taken */
		if (skip > n)
			skip = n;
		l->dropped += (long long)skip;
		total -= skip;
	}
	if (!(r = malloc((total ? total : 1) * sizeof(*r)))) {
		l->dropped += (long long)(n - skip);
		return;
	}
	memcpy(r, taken + skip, (n - skip) * sizeof(*r));
	if (l->n)
		memcpy(r + (n - skip), l->recs, (total - (n - skip)) * sizeof(*r));
	free(l->recs);
	l->recs = r;
	l->n = l->cap = total;
}

/* Take the whole buffer for one flush (OUT: *n records; the caller owns them) and mark a flush
 * running.  Under the lock. */
static struct rec *take(struct http_reqlog *l, size_t *n)
{
	struct rec *taken = l->recs;

	*n = l->n;
	l->recs = NULL;
	l->n = l->cap = 0;
	l->flushing = 1;
	return taken;
}

/* Flush what was taken; the lock is not held. */
static int flush_taken(struct http_reqlog *l, struct store *st, struct rec *taken, size_t n,
                       struct verr *err)
{
	int rc = write_batch(st, taken, n, err);
	long long dropped;

	pthread_mutex_lock(&l->lock);
	if (rc != V_OK)
		put_back(l, taken, n);
	l->flushing = 0;
	l->last = now_ms(CLOCK_MONOTONIC);
	dropped = l->dropped;
	l->dropped = 0;
	pthread_mutex_unlock(&l->lock);
	free(taken);
	if (rc != V_OK)
		log_error("http: %zu requests could not be written to the audit trail (kept for "
		          "the next try): %s",
		          n, err->reason);
	if (dropped)
		log_warn("http: %lld requests were dropped from the audit trail's buffer (more "
		         "than 10 × http.audit_batch waiting)",
		         dropped);
	return rc;
}

void http_reqlog_add(struct http_reqlog *l, struct store *st, const char *account,
                     const char *method, const char *path, const char *const *arg_names,
                     size_t nargs, int status)
{
	struct rec *r, *taken = NULL;
	struct verr e = {0};
	size_t at, n = 0;

	pthread_mutex_lock(&l->lock);
	if (grow(l)) {
		r = &l->recs[l->n++];
		r->ms = now_ms(CLOCK_REALTIME);
		r->status = status;
		snprintf(r->account, sizeof(r->account), "%s",
		         account && *account ? account : "-");
		put_clean(r->method, sizeof(r->method), 0, method);
		at = put_clean(r->path, sizeof(r->path), 0, path);
		for (size_t i = 0; i < nargs && at + 2 < sizeof(r->path); i++) {
			r->path[at++] = i ? '&' : '?';
			at = put_clean(r->path, sizeof(r->path), at, arg_names[i]);
		}
		r->path[at] = 0;
	}
	if (st && !l->flushing && l->n &&
	    (l->n >= l->batch || now_ms(CLOCK_MONOTONIC) - l->last >= l->interval_ms))
		taken = take(l, &n);
	pthread_mutex_unlock(&l->lock);
	if (taken)
		flush_taken(l, st, taken, n, &e);
}

int http_reqlog_flush(struct http_reqlog *l, struct store *st, struct verr *err)
{
	struct rec *taken;
	size_t n;

	pthread_mutex_lock(&l->lock);
	if (!l->n || l->flushing) {
		pthread_mutex_unlock(&l->lock);
		return V_OK;
	}
	taken = take(l, &n);
	pthread_mutex_unlock(&l->lock);
	return flush_taken(l, st, taken, n, err);
}

int http_reqlog_due(struct http_reqlog *l)
{
	int due;

	pthread_mutex_lock(&l->lock);
	due = !l->flushing && l->n &&
	      (l->n >= l->batch || now_ms(CLOCK_MONOTONIC) - l->last >= l->interval_ms);
	pthread_mutex_unlock(&l->lock);
	return due;
}

size_t http_reqlog_pending(struct http_reqlog *l)
{
	size_t n;

	pthread_mutex_lock(&l->lock);
	n = l->n;
	pthread_mutex_unlock(&l->lock);
	return n;
}

void http_reqlog_free(struct http_reqlog *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l->recs);
	free(l);
}
