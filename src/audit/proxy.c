/*
 * proxy.c — the open-proxy check of `vigia audit proxy`: is HOST:PORT an HTTP proxy (CONNECT,
 * or GET with an absolute URI), a SOCKS4 or a SOCKS5 proxy that relays for anybody?  A proxy
 * is reported open ONLY when the canary — a listener run by vigia itself — receives the
 * random token of the probe through it: a server that answers "200" to everything proves
 * nothing.  The proxy protocols themselves are libcurl's (CURLOPT_PROXY, HTTPPROXYTUNNEL);
 * this file adds the canary (one thread accepting on a socket, a timeout on every read) and
 * the verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <sodium.h>

#include "audit/audit.h"

#define CANARY_READ_MS  3000 /* a relayed request must arrive within this after accept */
#define CANARY_HEAD_MAX 4096

struct audit_canary {
	int fd;      /* listening socket */
	int stop[2]; /* a pipe: writing to it ends the thread */
	pthread_t thread;
	pthread_mutex_t mu;
	char want[AUDIT_PROXY_TOKEN_LEN + 1]; /* the token of the running probe */
	int seen;                             /* the canary received want */
	char port[8];
};

/* Read one request head (up to an empty line, CANARY_HEAD_MAX bytes or CANARY_READ_MS) from
 * cfd, note whether it holds the token, answer and close. */
static void canary_serve(struct audit_canary *c, int cfd)
{
	static const char ans[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
	                          "Content-Length: 13\r\nConnection: close\r\n\r\nvigia-canary\n";
	char head[CANARY_HEAD_MAX + 1];
	size_t len = 0;
	struct pollfd p = {cfd, POLLIN, 0};

	while (len < CANARY_HEAD_MAX && poll(&p, 1, CANARY_READ_MS) == 1) {
		ssize_t n = read(cfd, head + len, CANARY_HEAD_MAX - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		head[len] = 0;
		if (strstr(head, "\r\n\r\n") || strstr(head, "\n\n"))
			break;
	}
	head[len] = 0;
	pthread_mutex_lock(&c->mu);
	if (c->want[0] && len && memmem(head, len, c->want, strlen(c->want)))
		c->seen = 1;
	pthread_mutex_unlock(&c->mu);
	if (len) {
		ssize_t w = write(cfd, ans, sizeof(ans) - 1);
		(void)w;
	}
	close(cfd);
}

static void *canary_main(void *arg)
{
	struct audit_canary *c = arg;
	struct pollfd p[2] = {{c->fd, POLLIN, 0}, {c->stop[0], POLLIN, 0}};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			int cfd = accept(c->fd, NULL, NULL);
			if (cfd >= 0)
				canary_serve(c, cfd);
		}
	}
	return NULL;
}

int audit_canary_start(const char *addr, const char *port, struct audit_canary **out,
                       struct verr *e)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct audit_canary *c;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int rc, one = 1;

	*out = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(addr, port && *port ? port : "0", &hints, &res)) != 0)
		return verr_set(e, V_ERR_USAGE, "canary", "%s: %s", addr ? addr : "*",
		                gai_strerror(rc));
	if (!(c = calloc(1, sizeof(*c)))) {
		freeaddrinfo(res);
		return verr_set(e, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
	}
	c->fd = -1;
	for (ai = res; ai; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (c->fd < 0)
			continue;
		setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(c->fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(c->fd, 16) == 0)
			break;
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		rc = verr_set(e, V_ERR_IO, "canary", "%s:%s: %s", addr ? addr : "*",
		              port ? port : "0", strerror(errno));
		free(c);
		return rc;
	}
	getsockname(c->fd, (struct sockaddr *)&ss, &sl);
	snprintf(c->port, sizeof(c->port), "%u",
	         ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                        : ((struct sockaddr_in *)&ss)->sin_port));
	pthread_mutex_init(&c->mu, NULL);
	if (pipe2(c->stop, O_CLOEXEC) || pthread_create(&c->thread, NULL, canary_main, c)) {
		rc = verr_set(e, V_ERR_IO, "canary", "%s", strerror(errno));
		close(c->fd);
		pthread_mutex_destroy(&c->mu);
		free(c);
		return rc;
	}
	*out = c;
	return V_OK;
}

const char *audit_canary_port(const struct audit_canary *c)
{
	return c->port;
}

void audit_canary_stop(struct audit_canary *c)
{
	if (!c)
		return;
	if (write(c->stop[1], "x", 1) == 1)
		pthread_join(c->thread, NULL);
	close(c->stop[0]);
	close(c->stop[1]);
	close(c->fd);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int audit_local_addr(const char *host, const char *port, char *out, size_t n)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, rc = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	/* a UDP "connect" sends nothing; it only asks the kernel for the route's source */
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, sl, out, (socklen_t)n, NULL, 0, NI_NUMERICHOST) ==
	        0)
		rc = 0;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return rc;
}

const char *audit_proxy_kind_name(int kind)
{
	switch (kind) {
	case AUDIT_PROXY_CONNECT:
		return "http-connect";
	case AUDIT_PROXY_GET:
		return "http-get";
	case AUDIT_PROXY_SOCKS4:
		return "socks4";
	case AUDIT_PROXY_SOCKS5:
		return "socks5";
	}
	return "?";
}

const char *audit_proxy_verdict_name(int v)
{
	switch (v) {
	case AUDIT_PX_OPEN:
		return "open";
	case AUDIT_PX_REFUSED:
		return "refused";
	case AUDIT_PX_CLOSED:
		return "closed";
	case AUDIT_PX_TIMEOUT:
		return "timeout";
	}
	return "?";
}

static size_t drop_body(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

int audit_proxy_probe(struct audit_canary *c, const char *canary_host, const char *host,
                      const char *port, int kind, long timeout_ms, struct audit_proxy_result *r)
{
	static const char hex[] = "0123456789abcdef";
	static int inited;
	unsigned char rb[AUDIT_PROXY_TOKEN_LEN / 2];
	char url[512], proxy[512], errbuf[CURL_ERROR_SIZE] = "";
	const char *scheme = kind == AUDIT_PROXY_SOCKS4   ? "socks4"
	                     : kind == AUDIT_PROXY_SOCKS5 ? "socks5"
	                                                  : "http";
	int v6h = strchr(host, ':') != NULL, v6c = strchr(canary_host, ':') != NULL;
	CURL *h;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = 1;
	}
	randombytes_buf(rb, sizeof(rb));
	for (size_t i = 0; i < sizeof(rb); i++) {
		r->token[2 * i] = hex[rb[i] >> 4];
		r->token[2 * i + 1] = hex[rb[i] & 15];
	}
	r->token[AUDIT_PROXY_TOKEN_LEN] = 0;
	snprintf(url, sizeof(url), "http://%s%s%s:%s/vigia-canary/%s", v6c ? "[" : "", canary_host,
	         v6c ? "]" : "", c->port, r->token);
	snprintf(proxy, sizeof(proxy), "%s://%s%s%s:%s", scheme, v6h ? "[" : "", host,
	         v6h ? "]" : "", port);
	if (!(h = curl_easy_init())) {
		snprintf(r->detail, sizeof(r->detail), "curl_easy_init failed");
		return V_ERR_NOMEM;
	}
	pthread_mutex_lock(&c->mu);
	memcpy(c->want, r->token, sizeof(c->want));
	c->seen = 0;
	pthread_mutex_unlock(&c->mu);

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROXY, proxy);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_HTTPPROXYTUNNEL, kind == AUDIT_PROXY_CONNECT ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms * 2);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "vigia-proxycheck/1 (CSIRT)");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, drop_body);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (kind == AUDIT_PROXY_CONNECT)
		curl_easy_getinfo(h, CURLINFO_HTTP_CONNECTCODE, &r->status);
	curl_easy_cleanup(h);

	/* the canary has read the request before answering, so a response means it is
	 * decided; after a failure give a relay that was slow a last moment */
	pthread_mutex_lock(&c->mu);
	r->confirmed = c->seen;
	pthread_mutex_unlock(&c->mu);
	if (!r->confirmed && rc != CURLE_OK) {
		struct timespec ts = {0, 200 * 1000000L};
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&c->mu);
		r->confirmed = c->seen;
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_lock(&c->mu);
	c->want[0] = 0;
	pthread_mutex_unlock(&c->mu);

	if (r->confirmed)
		r->verdict = AUDIT_PX_OPEN;
	else if (rc == CURLE_COULDNT_CONNECT)
		r->verdict = AUDIT_PX_CLOSED;
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		r->verdict = AUDIT_PX_TIMEOUT;
	else
		r->verdict = AUDIT_PX_REFUSED;
	if (rc != CURLE_OK)
		snprintf(r->detail, sizeof(r->detail), "%s",
		         errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (!r->confirmed)
		snprintf(r->detail, sizeof(r->detail), "HTTP %ld, the canary received nothing",
		         r->status);
	return V_OK;
}
