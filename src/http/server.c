/*
 * server.c — the libmicrohttpd side of `vigia serve` (server.h): reads each request (headers,
 * query arguments, the body up to http.max_body), applies the rate limit, hands the request
 * to http_handle() and sends the response.
 *
 * Threads: libmicrohttpd's internal thread pool (epoll where available).  SQLite connections
 * are not shared: each worker opens its own store on first use (a pthread key closes it when
 * the thread ends).  The rate limiter is one table of token buckets under a mutex, keyed by a
 * hash of the Authorization header (so a bad credential is limited as well as a good one).
 *
 * After each response, the request goes to reqlog.c, which the flusher thread writes to the
 * audit trail in batches; what it holds at stop is written then.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "http/http.h"
#include "http/reqlog.h"
#include "http/server.h"
#include "http/taxii_views.h"
#include "http/ui.h"
#include "store/store.h"

#define BUCKETS 4096

struct bucket {
	uint64_t key;
	double tokens;
	double at; /* seconds (monotonic) of the last refill */
};

struct http_server {
	struct MHD_Daemon *d;
	char *db_path;
	char *cert, *key; /* PEM, owned, when TLS */
	size_t max_body;
	double rate; /* per second; 0 = no limit */
	pthread_mutex_t lock;
	struct bucket buckets[BUCKETS];
	struct http_reqlog *reqlog; /* the reads and refusals, audited in batches (reqlog.h) */
	/* the thread that writes them, so that no request waits for the audit trail */
	pthread_t flusher;
	int flusher_on, stopping, woken;
	int64_t interval_ms;
	pthread_mutex_t flock;
	pthread_cond_t wake;
};

/* Per connection: the body read so far. */
struct conn {
	struct buf body;
	int too_big;
};

static pthread_key_t store_key;
static pthread_once_t store_once = PTHREAD_ONCE_INIT;

static void store_dtor(void *p)
{
	store_close(p);
}

static void store_key_init(void)
{
	pthread_key_create(&store_key, store_dtor);
}

/* A store connection of the server (a worker's, the flusher's), its page cache bounded by
 * http.cache_size: each holds one (docs/configuration.md), and the operating system's cache
 * of the file is shared by all of them.  V_OK, or the error with *out NULL. */
static int server_store_open(const char *path, struct store **out, struct verr *e)
{
	int rc;

	if ((rc = store_open(path, out, e)) != V_OK)
		return rc;
	if ((rc = store_cache_limit(*out, conf_get_int("http.cache_size"), e)) != V_OK) {
		store_close(*out);
		*out = NULL;
	}
	return rc;
}

/* This thread's store connection, opened on first use.  NULL (logged) when it cannot be. */
static struct store *thread_store(struct http_server *s)
{
	struct store *st;
	struct verr e = {0};

	pthread_once(&store_once, store_key_init);
	if ((st = pthread_getspecific(store_key)))
		return st;
	if (server_store_open(s->db_path, &st, &e) != V_OK) {
		log_error("http: %s", e.reason);
		return NULL;
	}
	pthread_setspecific(store_key, st);
	return st;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* May the holder of this credential make one more request now? */
static int rate_ok(struct http_server *s, const char *auth)
{
	uint64_t k;
	struct bucket *b;
	double now;
	int ok;

	if (s->rate <= 0)
		return 1;
	crypto_shorthash((unsigned char *)&k, (const unsigned char *)(auth ? auth : ""),
	                 auth ? strlen(auth) : 0, (const unsigned char *)"vigia-rate-limit");
	now = mono();
	pthread_mutex_lock(&s->lock);
	b = &s->buckets[k % BUCKETS];
	if (b->key != k || b->at == 0) {
		b->key = k;
		b->tokens = s->rate;
		b->at = now;
	}
	b->tokens += (now - b->at) * s->rate;
	if (b->tokens > s->rate)
		b->tokens = s->rate;
	b->at = now;
	ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

struct args_ctx {
	struct http_request *rq;
};

static enum MHD_Result arg_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
	struct http_request *rq = cls;

	(void)kind;
	if (rq->nargs >= HTTP_MAX_ARGS) {
		rq->too_many_args = 1;
		return MHD_NO;
	}
	rq->args[rq->nargs].key = key;
	rq->args[rq->nargs].value = value ? value : "";
	rq->nargs++;
	return MHD_YES;
}

/* A request for the audit trail: kept in memory (reqlog.c), and the flusher thread woken when
 * a batch is full or the interval has passed — the request itself never writes it. */
static void reqlog_add(struct http_server *s, const char *account, const char *method,
                       const char *path, const char *const *names, size_t nargs, int status)
{
	http_reqlog_add(s->reqlog, NULL, account, method, path, names, nargs, status);
	if (s->flusher_on && http_reqlog_due(s->reqlog)) {
		pthread_mutex_lock(&s->flock);
		s->woken = 1;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->flock);
	}
}

/* The flusher thread: on its own store connection, writes what reqlog.c holds when woken (a
 * batch full) or when http.audit_interval has passed, until the server stops (which then
 * writes what is left: final_flush). */
static void *flusher(void *arg)
{
	struct http_server *s = arg;
	struct store *st = NULL;
	struct verr e = {0};
	struct timespec until;
	int64_t wait_ms = s->interval_ms > 0 ? s->interval_ms : 1000;

	pthread_mutex_lock(&s->flock);
	while (!s->stopping) {
		if (!s->woken) {
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += (time_t)(wait_ms / 1000);
			until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&s->wake, &s->flock, &until);
		}
		s->woken = 0;
		if (s->stopping)
			break;
		pthread_mutex_unlock(&s->flock);
		if (!st && server_store_open(s->db_path, &st, &e) != V_OK) {
			log_error("http: the audit of requests waits for the store: %s", e.reason);
			st = NULL;
		}
		if (st && http_reqlog_due(s->reqlog))
			http_reqlog_flush(s->reqlog, st, &e); /* a failure is logged there */
		pthread_mutex_lock(&s->flock);
	}
	pthread_mutex_unlock(&s->flock);
	store_close(st);
	return NULL;
}

/* An error refused before any handler runs (413, 429, 503), in the form of the path: a TAXII
 * error message (title, description, http_status; application/taxii+json) under /taxii2/, a
 * JSON API error object elsewhere, as http_error() writes them. */
static enum MHD_Result send_plain(struct http_server *s, struct MHD_Connection *c,
                                  const char *method, const char *url, unsigned status,
                                  const char *title, const char *detail)
{
	struct http_response rs;
	struct MHD_Response *r;
	enum MHD_Result ret;

	/* refused before anyone is known; written by the flusher thread */
	reqlog_add(s, NULL, method, url, NULL, 0, (int)status);
	memset(&rs, 0, sizeof(rs));
	http_error(&rs, url && !strncmp(url, "/taxii2/", 8), (int)status, title, detail);
	r = MHD_create_response_from_buffer(rs.body_len, rs.body ? rs.body : (char *)"",
	                                    MHD_RESPMEM_MUST_COPY);
	if (!r) {
		http_response_fini(&rs);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", rs.content_type ? rs.content_type : HTTP_JSON);
	if (status == 429)
		MHD_add_response_header(r, "Retry-After", "1");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	http_response_fini(&rs);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *mc, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct conn *cn = *con_cls;
	struct http_request rq;
	struct http_response rs;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const union MHD_ConnectionInfo *ci;
	char remote[INET6_ADDRSTRLEN] = "";

	(void)version;
	if (!cn) {
		if (!(cn = calloc(1, sizeof(*cn))))
			return MHD_NO;
		buf_init(&cn->body, s->max_body ? s->max_body : 1);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!cn->too_big && buf_append(&cn->body, upload_data, *upload_size) != V_OK)
			cn->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (cn->too_big)
		return send_plain(s, mc, method, url, 413, "payload too large",
		                  "the body exceeds http.max_body");
	memset(&rq, 0, sizeof(rq));
	rq.authorization = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Authorization");
	rq.cookie = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Cookie");
	if (!rate_ok(s, rq.authorization ? rq.authorization : rq.cookie))
		return send_plain(s, mc, method, url, 429, "too many requests",
		                  "this credential's rate limit");
	if (!(rq.st = thread_store(s)))
		return send_plain(s, mc, method, url, 503, "service unavailable",
		                  "the store cannot be opened");
	rq.method = method;
	rq.path = url;
	rq.accept = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Accept");
	rq.content_type = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
	rq.csrf = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-CSRF-Token");
	rq.accept_language = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Accept-Language");
	rq.tls = s->cert != NULL;
	/* the peer's address: what sign-in throttling counts failures of (ui.c) */
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, remote,
		          sizeof(remote));
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
		          remote, sizeof(remote));
	rq.remote = remote;
	rq.body = cn->body.data;
	rq.body_len = cn->body.len;
	rq.now = (int64_t)time(NULL);
	MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, arg_cb, &rq);
	http_handle(&rq, &rs);
	{
		/* Every request, a change that went through included: its handler audits what
		 * it changed (before and after), the batch that it was asked, by whom, and how it
		 * ended — requests that change nothing (a sign-out, a preview) are only here. */
		const char *names[HTTP_MAX_ARGS];

		for (size_t i = 0; i < rq.nargs; i++)
			names[i] = rq.args[i].key; /* the names only: a value may be a secret */
		reqlog_add(s, rs.account, method, url, names, rq.nargs, rs.status);
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		log_info("http: %s %s %d %s", method, url, rs.status,
		         rs.account[0] ? rs.account : "-");
	else
		log_debug("http: %s %s %d %s", method, url, rs.status,
		          rs.account[0] ? rs.account : "-");
	/* the body (malloc'd) is handed to libmicrohttpd, which frees it: no copy of a page */
	r = MHD_create_response_from_buffer(rs.body_len, rs.body ? rs.body : (char *)"",
	                                    rs.body ? MHD_RESPMEM_MUST_FREE
	                                            : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		http_response_fini(&rs);
		return MHD_NO;
	}
	rs.body = NULL;
	MHD_add_response_header(r, "Content-Type", rs.content_type ? rs.content_type : HTTP_JSON);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	for (size_t i = 0; i < rs.nheaders; i++)
		MHD_add_response_header(r, rs.header_names[i], rs.header_values[i]);
	ret = MHD_queue_response(mc, (unsigned)rs.status, r);
	MHD_destroy_response(r);
	http_response_fini(&rs);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)mc;
	(void)toe;
	if (cn) {
		buf_fini(&cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

static char *slurp(const char *path, struct verr *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[4096];
	size_t n;

	if (!f) {
		verr_set(err, V_ERR_IO, "", _("cannot read %s"), path);
		return NULL;
	}
	buf_init(&b, 1 << 20);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_append(&b, tmp, n) != V_OK)
			break;
	fclose(f);
	if (buf_putc(&b, 0) != V_OK) {
		buf_fini(&b);
		verr_set(err, V_ERR_IO, "", _("cannot read %s"), path);
		return NULL;
	}
	return b.data;
}

int http_server_start(const char *db_path, unsigned threads, struct http_server **out,
                      unsigned *port_out, struct verr *err)
{
	const char *listen = conf_get("http.listen"), *cert = conf_get("http.tls_cert"),
	           *key = conf_get("http.tls_key");
	long long port = conf_get_int("http.port");
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	struct sockaddr *sa;
	struct http_server *s;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	int v6 = strchr(listen, ':') != NULL, loop;
	const union MHD_DaemonInfo *di;

	if (port < 0 || port > 65535)
		return verr_set(err, V_ERR_USAGE, "http.port", _("no TCP port %lld"), port);
	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (v6 ? inet_pton(AF_INET6, listen, &a6.sin6_addr) != 1
	       : inet_pton(AF_INET, listen, &a4.sin_addr) != 1)
		return verr_set(err, V_ERR_USAGE, "http.listen",
		                _("'%s' is not an IPv4 or IPv6 address"), listen);
	loop = v6 ? IN6_IS_ADDR_LOOPBACK(&a6.sin6_addr) : (ntohl(a4.sin_addr.s_addr) >> 24) == 127;
	if (!*cert != !*key)
		return verr_set(err, V_ERR_USAGE, "http.tls_cert", "%s",
		                _("HTTPS needs both http.tls_cert and http.tls_key"));
	if (!*cert && !loop)
		return verr_set(err, V_ERR_USAGE, "http.listen",
		                _("plain HTTP only on loopback: set http.tls_cert and http.tls_key "
		                  "to listen on %s"),
		                listen);
	if (conf_get_int("http.audit_batch") < 1 || conf_get_int("http.audit_batch") > 1000000)
		return verr_set(err, V_ERR_USAGE, "http.audit_batch", "%s",
		                _("http.audit_batch must be between 1 and 1000000"));
	if (taxii_views_check(err) != V_OK) /* taxii.collections: refused before listening */
		return V_ERR_USAGE;
	if (sodium_init() < 0)
		return verr_set(err, V_ERR_IO, "", "%s", _("libsodium could not start"));
	if (!(s = calloc(1, sizeof(*s))) || !(s->db_path = strdup(db_path))) {
		free(s);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	pthread_mutex_init(&s->lock, NULL);
	s->max_body = (size_t)conf_get_int("http.max_body");
	s->rate = (double)conf_get_int("http.rate_limit");
	s->reqlog = http_reqlog_new((size_t)conf_get_int("http.audit_batch"),
	                            (int64_t)conf_get_int("http.audit_interval") * 1000);
	if (!s->reqlog) {
		http_server_stop(s);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	s->interval_ms = (int64_t)conf_get_int("http.audit_interval") * 1000;
	{
		pthread_condattr_t ca;

		pthread_mutex_init(&s->flock, NULL);
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (pthread_create(&s->flusher, NULL, flusher, s) != 0) {
		http_server_stop(s);
		return verr_set(err, V_ERR_NOMEM, "", "%s", _("cannot start a thread"));
	}
	s->flusher_on = 1;
	if (*cert && (!(s->cert = slurp(cert, err)) || !(s->key = slurp(key, err)))) {
		http_server_stop(s);
		return V_ERR_IO;
	}
	if (s->cert)
		flags |= MHD_USE_TLS;
	if (v6) {
		flags |= MHD_USE_IPv6;
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&a6;
	} else {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&a4;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	s->d = MHD_start_daemon(
	    flags, (uint16_t)port, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_THREAD_POOL_SIZE, threads ? threads : 1u, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)conf_get_int("http.max_connections"), MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)conf_get_int("http.timeout"), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)32768, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    s->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert, MHD_OPTION_HTTPS_MEM_KEY,
	    s->key, MHD_OPTION_END);
	if (!s->d) {
		http_server_stop(s);
		return verr_set(err, V_ERR_IO, "http.listen", _("cannot listen on %s port %lld"),
		                listen, port);
	}
	if (port_out) {
		di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
		*port_out = di ? di->port : (unsigned)port;
	}
	*out = s;
	return V_OK;
}

/* At stop, no request runs: what the buffer holds goes to the audit trail on a connection of
 * this thread's own (the workers' closed with their threads). */
static void final_flush(struct http_server *s)
{
	struct store *st = NULL;
	struct verr e = {0};
	size_t n = http_reqlog_pending(s->reqlog);

	if (server_store_open(s->db_path, &st, &e) != V_OK) {
		log_error("http: %zu requests are not in the audit trail: %s", n, e.reason);
		return;
	}
	http_reqlog_flush(s->reqlog, st, &e); /* a failure is logged there */
	store_close(st);
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->d) {
		MHD_stop_daemon(s->d);
		ui_files_shutdown(); /* no request runs any more: the PDF renderer's caches */
	}
	if (s->flusher_on) {
		pthread_mutex_lock(&s->flock);
		s->stopping = 1;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->flock);
		pthread_join(s->flusher, NULL);
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->flock);
	}
	if (s->reqlog && http_reqlog_pending(s->reqlog))
		final_flush(s);
	http_reqlog_free(s->reqlog);
	pthread_mutex_destroy(&s->lock);
	free(s->db_path);
	if (s->key)
		sodium_memzero(s->key, strlen(s->key));
	free(s->cert);
	free(s->key);
	free(s);
}
