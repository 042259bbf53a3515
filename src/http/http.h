/*
 * http.h — vigia's HTTP API and TAXII 2.1 server: one request in, one response out.
 *
 * http_handle() is the whole application side, free of the HTTP library: server.c (the
 * libmicrohttpd daemon) fills a struct http_request from a connection and sends back the
 * struct http_response, and the fuzz target and the unit tests call http_handle() directly.
 * A request is authenticated (auth.h), its route looked up in one table (route.c) whose
 * entries say what role they need, and handled by a JSON API handler (api.c) or a TAXII
 * handler (taxii.c).  Errors are JSON objects: {"error": {"status", "title", "detail"}} for
 * the API, the TAXII error message for TAXII.
 *
 * What a caller sees is decided by src/share/policy.h alone: partner accounts reach data
 * only through TAXII collections, built by share_view_build() for their partner's rights.
 *
 * Ownership: the request's strings are borrowed; the response owns its body and headers
 * until http_response_fini().
 */
#ifndef VIGIA_HTTP_HTTP_H
#define VIGIA_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define HTTP_MAX_ARGS 32

struct http_arg {
	const char *key, *value; /* borrowed; percent-decoded */
};

struct http_request {
	const char *method; /* "GET", ... */
	const char *path;   /* percent-decoded, without the query */
	struct http_arg args[HTTP_MAX_ARGS];
	size_t nargs;
	int too_many_args; /* more than HTTP_MAX_ARGS were sent: 400 */
	const char *authorization, *accept, *content_type; /* headers; NULL when absent */
	const char *cookie, *csrf, *accept_language;       /* Cookie, X-CSRF-Token (web UI) */
	int tls;                                           /* served over HTTPS */
	const char *remote; /* the peer's address ("" or NULL when unknown) */
	const char *body;                                  /* borrowed; not NUL-terminated */
	size_t body_len;
	struct store *st; /* borrowed; this thread's connection */
	int64_t now;      /* unix seconds */
};

#define HTTP_MAX_HEADERS 8

struct http_response {
	int status;
	const char *content_type; /* static */
	char *body;               /* owned */
	size_t body_len;
	char *header_names[HTTP_MAX_HEADERS], *header_values[HTTP_MAX_HEADERS]; /* owned */
	size_t nheaders;
	char account[STORE_NAME_MAX + 1]; /* who called ("" before authentication), for the log */
	int64_t token_id;                 /* for the rate limit; 0 when not authenticated */
};

#define HTTP_JSON  "application/json"
#define HTTP_TAXII "application/taxii+json;version=2.1"
#define HTTP_STIX  "application/stix+json;version=2.1"

/* Handle one request.  Never fails: every failure is a response (500 for the store's). */
void http_handle(const struct http_request *rq, struct http_response *rs);
void http_response_fini(struct http_response *rs);

/* Fill rs with a JSON error object (API or TAXII form, by taxii). */
void http_error(struct http_response *rs, int taxii, int status, const char *title,
                const char *detail);
/* Take a JSON value (stolen) as the body.  pretty: indent. */
void http_json(struct http_response *rs, int status, const char *content_type, void *json);
/* Take the text of a buffer as the body: its data is handed over (the response frees it) and
 * the buffer left empty.  body is a struct buf (base/buf.h). */
struct buf;
void http_body_buf(struct http_response *rs, int status, const char *content_type,
                   struct buf *body);
/* Add a response header (copied). */
void http_header(struct http_response *rs, const char *name, const char *value);
/* The value of query argument key, or NULL. */
const char *http_arg(const struct http_request *rq, const char *key);

#endif
