/*
 * webfetch.c — one HTTP(S) request through libcurl for the web-site checks: a timeout on
 * every step (connect, TLS handshake, the whole transfer), at most 5 redirects when asked,
 * the body kept up to AUDIT_HTTP_BODY_MAX bytes, the headers of the LAST response only, and
 * the TLS facts (certificate subject, issuer, expiry, whether it verified).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "audit/audit.h"

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct audit_http *h = arg;
	size_t len = size * n, room = AUDIT_HTTP_BODY_MAX - h->body_len;
	char *nb;

	if (len > room)
		len = room;
	if (len) {
		nb = realloc(h->body, h->body_len + len + 1);
		if (!nb)
			return 0;
		h->body = nb;
		memcpy(h->body + h->body_len, p, len);
		h->body_len += len;
		h->body[h->body_len] = 0;
	}
	return size * n; /* the rest is read and dropped */
}

static void headers_clear(struct audit_http *h)
{
	for (size_t i = 0; i < h->nh; i++) {
		free(h->hname[i]);
		free(h->hval[i]);
	}
	free(h->hname);
	free(h->hval);
	h->hname = h->hval = NULL;
	h->nh = 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct audit_http *h = arg;
	size_t len = size * n, nl;
	const char *colon;

	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		headers_clear(h); /* a new response of the chain: keep only the last one's */
		return len;
	}
	colon = memchr(p, ':', len);
	if (!colon || h->nh >= 256)
		return len;
	nl = len;
	while (nl && (p[nl - 1] == '\r' || p[nl - 1] == '\n'))
		nl--;
	const char *v = colon + 1;
	while (v < p + nl && (*v == ' ' || *v == '\t'))
		v++;
	char **nn = realloc(h->hname, (h->nh + 1) * sizeof(*nn));
	if (!nn)
		return 0;
	h->hname = nn;
	char **nv = realloc(h->hval, (h->nh + 1) * sizeof(*nv));
	if (!nv)
		return 0;
	h->hval = nv;
	h->hname[h->nh] = strndup(p, (size_t)(colon - p));
	h->hval[h->nh] = strndup(v, (size_t)(p + nl - v));
	if (!h->hname[h->nh] || !h->hval[h->nh]) {
		free(h->hname[h->nh]);
		free(h->hval[h->nh]);
		return 0;
	}
	h->nh++;
	return len;
}

int audit_http_fetch(const char *url, const struct audit_fetch_opts *o, struct audit_http *out)
{
	static int inited;
	CURL *c;
	CURLcode rc;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *eff = NULL;
	struct curl_certinfo *ci = NULL;
	long verify = 1;

	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = 1;
	}
	if (!(c = curl_easy_init())) {
		snprintf(out->error, sizeof(out->error), "curl_easy_init failed");
		return V_ERR_NOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms * 2);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, o->follow ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vigia-webcheck/1 (CSIRT)");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
	if (o->method && strcmp(o->method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	if (o->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		snprintf(out->error, sizeof(out->error), "%s", errbuf[0] ? errbuf :
			 curl_easy_strerror(rc));
		curl_easy_cleanup(c);
		return V_ERR_IO;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
		out->url = strdup(eff);
	if (out->url && !strncasecmp(out->url, "https://", 8)) {
		curl_easy_getinfo(c, CURLINFO_SSL_VERIFYRESULT, &verify);
		out->cert_verified = !o->insecure && verify == 0;
		if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci &&
		    ci->num_of_certs > 0) {
			for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
				if (!strncmp(s->data, "Subject:", 8) && !out->cert_subject)
					out->cert_subject = strdup(s->data + 8);
				else if (!strncmp(s->data, "Issuer:", 7) && !out->cert_issuer)
					out->cert_issuer = strdup(s->data + 7);
				else if (!strncmp(s->data, "Expire date:", 12) && !out->cert_expire)
					out->cert_expire = strdup(s->data + 12);
			}
		}
	}
	curl_easy_cleanup(c);
	return V_OK;
}

void audit_http_fini(struct audit_http *h)
{
	headers_clear(h);
	free(h->url);
	free(h->body);
	free(h->cert_subject);
	free(h->cert_issuer);
	free(h->cert_expire);
	memset(h, 0, sizeof(*h));
}
