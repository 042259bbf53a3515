/*
 * http_impl.h — what the files of src/http share: the authenticated caller and the handlers.
 * Private to src/http/.
 */
#ifndef VIGIA_HTTP_HTTP_IMPL_H
#define VIGIA_HTTP_HTTP_IMPL_H

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
