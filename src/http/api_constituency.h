/*
 * api_constituency.h — JSON API handlers of the constituency (organisations, partner CERTs) and
 * of the notification queue (api_constituency.c), and of exports (api_export.c).  Private to
 * src/http/ (route.c).
 */
#ifndef VIGIA_HTTP_API_CONSTITUENCY_H
#define VIGIA_HTTP_API_CONSTITUENCY_H

#include "http/http_impl.h"

void api_orgs(const struct http_request *rq, const struct http_call *c, struct http_response *rs);
void api_org(const struct http_request *rq, const struct http_call *c, struct http_response *rs);
void api_org_put(const struct http_request *rq, const struct http_call *c,
                 struct http_response *rs);
void api_org_delete(const struct http_request *rq, const struct http_call *c,
                    struct http_response *rs);
void api_certs(const struct http_request *rq, const struct http_call *c, struct http_response *rs);
void api_cert(const struct http_request *rq, const struct http_call *c, struct http_response *rs);
void api_cert_put(const struct http_request *rq, const struct http_call *c,
                  struct http_response *rs);
void api_cert_delete(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs);
void api_notifications(const struct http_request *rq, const struct http_call *c,
                       struct http_response *rs);
/* Who would be told about one incident, and why (api_constituency.c). */
void api_notification_plan(const struct http_request *rq, const struct http_call *c,
                           struct http_response *rs);
/* One incident exported for a partner (api_export.c). */
void api_incident_export(const struct http_request *rq, const struct http_call *c,
                         struct http_response *rs);

#endif
