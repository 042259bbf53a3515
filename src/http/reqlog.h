/*
 * reqlog.h — the audit trail of every request the server answers (reads, refusals, and
 * changes, which their handlers also audit with before and after), kept in memory and written
 * in batches: one hash-chained entry (actor "http", object "http:reads",
 * action "requests") per flush.  Private to src/http/ (server.c).
 */
#ifndef VIGIA_HTTP_REQLOG_H
#define VIGIA_HTTP_REQLOG_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct http_reqlog;

/* A log that flushes when it holds batch records (>= 1) or when interval_ms has passed since
 * the last flush (0: on every request).  It keeps at most 10 × batch records when flushes
 * fail, dropping the oldest (counted, logged as a warning).  NULL when out of memory; the
 * caller frees it with http_reqlog_free(). */
struct http_reqlog *http_reqlog_new(size_t batch, int64_t interval_ms);

/* Append one request: account NULL or "" for none ("-"), the path without its query string,
 * and the names (never the values) of the query parameters (nargs of them, may be 0).  All
 * borrowed: copied.  When a flush is due, this thread writes it to st (may be NULL: the
 * records wait) in a transaction of its own; a failed flush keeps the records for the next. */
void http_reqlog_add(struct http_reqlog *l, struct store *st, const char *account,
                     const char *method, const char *path, const char *const *arg_names,
                     size_t nargs, int status);

/* Write every record left, in one entry (at server stop, when no request runs).  V_OK, or
 * the store's error (the records are kept: a later call may try again). */
int http_reqlog_flush(struct http_reqlog *l, struct store *st, struct verr *err);

/* Is a flush due: batch records held, or interval_ms passed since the last flush with at
 * least one record held, and no flush running?  (The server's flusher thread is woken by it.) */
int http_reqlog_due(struct http_reqlog *l);

/* Records held now (for tests and the stop message). */
size_t http_reqlog_pending(struct http_reqlog *l);

void http_reqlog_free(struct http_reqlog *l);

#endif
