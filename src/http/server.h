/*
 * server.h — `vigia serve`: the libmicrohttpd daemon around http_handle() (http.h).
 *
 * Settings (docs/configuration.md): http.listen, http.port, http.tls_cert/http.tls_key (HTTPS;
 * without them the server refuses any address but loopback), http.max_body (413 beyond),
 * http.max_connections, http.timeout, http.rate_limit (per credential, token bucket: 429).
 * Headers are capped by libmicrohttpd's per-connection memory limit (32 KiB: 431/413 beyond).
 * Each worker thread opens its own store connection on first use.
 */
#ifndef VIGIA_HTTP_SERVER_H
#define VIGIA_HTTP_SERVER_H

#include "base/err.h"

struct http_server;

/* Start serving the store at db_path (borrowed; copied).  threads: worker threads (>= 1).
 * OUT: *out, stop with http_server_stop().  *port_out (may be NULL) = the port bound (useful
 * with http.port 0).  V_OK; V_ERR_USAGE for settings that do not fit; V_ERR_IO when the
 * address cannot be bound or the certificate not read. */
int http_server_start(const char *db_path, unsigned threads, struct http_server **out,
                      unsigned *port_out, struct verr *err);
void http_server_stop(struct http_server *s);

#endif
