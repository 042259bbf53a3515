/*
 * taxii_write.h — the TAXII collections kept as rows (taxii_write.c): the inbox that partners
 * and analysts POST objects to, pages of rows, versions, DELETE and status resources.  Private
 * to src/http/ (route.c and taxii.c).
 */
#ifndef VIGIA_HTTP_TAXII_WRITE_H
#define VIGIA_HTTP_TAXII_WRITE_H

#include <jansson.h>

#include "http/http_impl.h"

/* The inbox collection's id (a UUID named by the team).  OUT: out. */
void taxii_inbox_id(char out[37]);
int taxii_is_inbox(const char *id);
/* Its collection resource (a new JSON object). */
json_t *taxii_inbox_json(void);

/* A TAXII timestamp ("YYYY-MM-DDTHH:MM:SS[.f...]Z") in the store's form, six fraction digits
 * (more are cut).  OUT: out.  0, or -1 when in is not one. */
int taxii_ts_norm(const char *in, char out[STORE_TAXII_TS_LEN]);

enum { TAXII_PAGE_OBJECTS, TAXII_PAGE_MANIFEST, TAXII_PAGE_VERSIONS };
/* A page of the rows of collection c->params[0] as the request's filters, limit and next say:
 * objects, manifest entries or the versions of object `only` (NULL: every object). */
void taxii_rows_page(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs, int what, const char *only);

/* The same for the rows of any collection (a policy-built view's rows: taxii.c): account
 * non-NULL keeps to the rows that account added. */
void taxii_rows_serve(const struct http_request *rq, struct http_response *rs, int what,
                      const char *only, const char *collection, const char *account);

/* Handlers (route.c). */
void taxii_objects_post(const struct http_request *rq, const struct http_call *c,
                        struct http_response *rs);
void taxii_object_delete(const struct http_request *rq, const struct http_call *c,
                         struct http_response *rs);
void taxii_versions(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs);
void taxii_status(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs);

#endif
