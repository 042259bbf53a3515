/*
 * webfetch.c — one HTTP(S) request through libcurl for the web-site checks: a timeout on
 * every step (connect, TLS handshake, the whole transfer), at most 5 redirects when asked,
 * the body kept up to AUDIT_HTTP_BODY_MAX bytes, the headers of the LAST response only, and
 * the TLS facts: the negotiated protocol version and cipher suite (read from OpenSSL's
 * session while the connection is up: libcurl is built on OpenSSL in Debian), the
 * certificate's subject, issuer, validity, days left, key, signature algorithm, names, and
 * whether it verified or is self-signed.
 *
 * Redirects are followed by libcurl, or, when the caller gives o->allow, one at a time here,
 * each target asked first: a redirect to a host the caller may not probe is not followed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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

struct fetch_ctx {
	struct audit_http *h;
	CURL *c;
};

/* The TLS session of the response being read (the connection is up while its headers
 * arrive): protocol, cipher and the facts libcurl's certinfo does not give. */
static void tls_facts(struct fetch_ctx *x)
{
	struct audit_http *h = x->h;
	struct curl_tlssessioninfo *ti = NULL;
	const SSL *ssl;
	X509 *cert;
	EVP_PKEY *key;

	h->tls_version[0] = h->tls_cipher[0] = h->cert_key[0] = h->cert_sigalg[0] = 0;
	h->cert_self_signed = h->cert_has_dates = 0;
	h->cert_days_left = 0;
	if (curl_easy_getinfo(x->c, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
	    ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
		return;
	ssl = ti->internals;
	snprintf(h->tls_version, sizeof(h->tls_version), "%s", SSL_get_version(ssl));
	if (SSL_get_current_cipher(ssl))
		snprintf(h->tls_cipher, sizeof(h->tls_cipher), "%s",
			 SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
	if (!(cert = SSL_get0_peer_certificate(ssl)))
		return;
	if ((key = X509_get0_pubkey(cert)))
		snprintf(h->cert_key, sizeof(h->cert_key), "%s %d",
			 EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "?",
			 EVP_PKEY_get_bits(key));
	snprintf(h->cert_sigalg, sizeof(h->cert_sigalg), "%s",
		 OBJ_nid2ln(X509_get_signature_nid(cert)) ? OBJ_nid2ln(X509_get_signature_nid(cert))
							  : "?");
	h->cert_self_signed = X509_check_issued(cert, cert) == X509_V_OK;
	{
		int days = 0, secs = 0;
		if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert))) {
			h->cert_has_dates = 1;
			h->cert_days_left = days;
		}
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_ctx *x = arg;
	struct audit_http *h = x->h;
	size_t len = size * n, nl;
	const char *colon;

	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		headers_clear(h); /* a new response of the chain: keep only the last one's */
		tls_facts(x);
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

/* The certificate facts libcurl's certinfo gives, for the response just read. */
static void cert_info(CURL *c, struct audit_http *out)
{
	struct curl_certinfo *ci = NULL;
	char **slot;

	if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
		return;
	for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
		const char *v;
		if (!strncmp(s->data, "Subject:", 8))
			slot = &out->cert_subject, v = s->data + 8;
		else if (!strncmp(s->data, "Issuer:", 7))
			slot = &out->cert_issuer, v = s->data + 7;
		else if (!strncmp(s->data, "Expire date:", 12))
			slot = &out->cert_expire, v = s->data + 12;
		else if (!strncmp(s->data, "Start date:", 11))
			slot = &out->cert_start, v = s->data + 11;
		else if (!strncmp(s->data, "X509v3 Subject Alternative Name:", 32))
			slot = &out->cert_san, v = s->data + 32;
		else
			continue;
		if (!*slot)
			*slot = strdup(v);
	}
}

int audit_http_fetch(const char *url, const struct audit_fetch_opts *o, struct audit_http *out)
{
	static int inited;
	CURL *c;
	CURLcode rc;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *eff = NULL, *cur = NULL;
	long verify = 1;
	int manual = o->follow && o->allow;
	struct fetch_ctx x = { out, NULL };

	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = 1;
	}
	if (!(c = curl_easy_init())) {
		snprintf(out->error, sizeof(out->error), "curl_easy_init failed");
		return V_ERR_NOMEM;
	}
	x.c = c;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms * 2);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, o->follow && !manual ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vigia-webcheck/1 (CSIRT)");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
	if (o->method && strcmp(o->method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	if (o->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	for (int hop = 0;; hop++) {
		char *next = NULL, why[200] = "";
		long code = 0;
		errbuf[0] = 0;
		out->body_len = 0;
		if (out->body)
			out->body[0] = 0;
		rc = curl_easy_perform(c);
		if (rc != CURLE_OK) {
			snprintf(out->error, sizeof(out->error), "%s", errbuf[0] ? errbuf :
				 curl_easy_strerror(rc));
			curl_easy_cleanup(c);
			free(cur);
			return V_ERR_IO;
		}
		if (!manual)
			break;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code < 300 || code > 399 ||
		    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next) != CURLE_OK || !next)
			break;
		if (hop >= 5) {
			snprintf(out->error, sizeof(out->error), "Maximum (5) redirects followed");
			curl_easy_cleanup(c);
			free(cur);
			return V_ERR_IO;
		}
		if (!o->allow(o->allow_arg, next, why, sizeof(why))) {
			snprintf(out->error, sizeof(out->error), "redirect to %s not followed: %s",
				 next, why);
			curl_easy_cleanup(c);
			free(cur);
			return V_ERR_INVALID;
		}
		/* next belongs to the handle: copy it before the handle moves on */
		char *n2 = strdup(next);
		free(cur);
		if (!(cur = n2)) {
			curl_easy_cleanup(c);
			return V_ERR_NOMEM;
		}
		curl_easy_setopt(c, CURLOPT_URL, cur);
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
		out->url = strdup(eff);
	if (out->url && !strncasecmp(out->url, "https://", 8)) {
		curl_easy_getinfo(c, CURLINFO_SSL_VERIFYRESULT, &verify);
		out->cert_verified = !o->insecure && verify == 0;
		cert_info(c, out);
	} else {
		/* plain HTTP at the end of the chain: no TLS facts of an earlier hop */
		out->tls_version[0] = out->tls_cipher[0] = out->cert_key[0] = 0;
		out->cert_sigalg[0] = 0;
		out->cert_self_signed = out->cert_has_dates = 0;
	}
	curl_easy_cleanup(c);
	free(cur);
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
	free(h->cert_start);
	free(h->cert_san);
	memset(h, 0, sizeof(*h));
}
