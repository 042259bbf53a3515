/*
 * http_impl.h — what the files of src/http share: the authenticated caller and the handlers.
 * Private to src/http/.
 */
#ifndef VIGIA_HTTP_HTTP_IMPL_H
#define VIGIA_HTTP_HTTP_IMPL_H

#include <stdint.h>
#include <jansson.h>

#include "http/auth.h"
#include "http/http.h"

#define HTTP_MAX_PARAMS 4

/* Who calls and what the route's placeholders matched (borrowed from the request path). */
struct http_call {
	const struct store_account *account; /* NULL for routes that need none */
	enum http_role role;
	char params[HTTP_MAX_PARAMS][128];
	size_t nparams;
};

/* Reading a request (args.c).  http_int_arg: the decimal query argument key in [lo, hi], dflt
 * when absent; 0, or -1 when bad (the caller answers).  http_id_param: the route's first
 * placeholder as an id > 0; 0 or -1.  http_json_body: the body as a JSON object (owned by the
 * caller), or NULL after answering 415 (not application/json) or 400 (not a JSON object). */
int http_int_arg(const struct http_request *rq, const char *key, long long lo, long long hi,
		 long long dflt, long long *out);
int http_id_param(const struct http_call *c, int64_t *id);
json_t *http_json_body(const struct http_request *rq, struct http_response *rs);

typedef void (*http_handler_fn)(const struct http_request *rq, const struct http_call *c,
                                struct http_response *rs);

/* JSON API (api.c) */
void api_openapi(const struct http_request *rq, const struct http_call *c,
                 struct http_response *rs);
void api_whoami(const struct http_request *rq, const struct http_call *c, struct http_response *rs);
void api_events(const struct http_request *rq, const struct http_call *c, struct http_response *rs);
void api_incidents(const struct http_request *rq, const struct http_call *c,
                   struct http_response *rs);
void api_incident(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs);
void api_incident_note(const struct http_request *rq, const struct http_call *c,
                       struct http_response *rs);
void api_incident_set(const struct http_request *rq, const struct http_call *c,
                      struct http_response *rs);

/* TAXII 2.1 (taxii.c) */
void taxii_discovery(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs);
void taxii_api_root(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs);
void taxii_collections(const struct http_request *rq, const struct http_call *c,
                       struct http_response *rs);
void taxii_collection(const struct http_request *rq, const struct http_call *c,
                      struct http_response *rs);
void taxii_objects(const struct http_request *rq, const struct http_call *c,
                   struct http_response *rs);
void taxii_manifest(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs);
void taxii_object(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs);

#endif
