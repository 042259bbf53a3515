/*
 * smtp.c — one message to one recipient through the relay, with libcurl (notify.h "sending").
 *
 * Settings: notify.smtp_url (smtp://host:port, or smtps:// for TLS from the start),
 * notify.smtp_tls (none | try | starttls: STARTTLS required), notify.smtp_user and
 * notify.smtp_password (AUTH when a user is set), notify.smtp_cafile and notify.smtp_verify
 * (the server's certificate), notify.smtp_timeout, notify.smtp_helo.
 *
 * The server's replies reach us through libcurl's debug callback (CURLINFO_HEADER_IN), so a
 * refusal is reported with the server's own words ("550 5.1.1 <x@y>: mailbox unknown").  A
 * reply 4xx and a failure to connect or to talk (also TLS or authentication that fails: a
 * setting to fix, after which the queue goes out) are temporary; 5xx to MAIL, RCPT or the
 * message itself is permanent.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "notify/notify.h"

struct upload {
	const char *data;
	size_t len, off;
};

struct talk {
	char last[512];      /* the server's last reply line */
	char cmd[8];         /* the first word of the last command we sent */
	char err[512];       /* the first reply 4xx or 5xx (libcurl says QUIT after it) */
	char err_cmd[8];     /* the command it answered */
	int err_code;
};

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(ptr, u->data + u->off, n);
	u->off += n;
	return n;
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct talk *t = arg;

	(void)h;
	if (type == CURLINFO_HEADER_OUT && size > 0) {
		size_t k = 0;
		while (k < size && k + 1 < sizeof(t->cmd) && data[k] != ' ' && data[k] != '\r')
			t->cmd[k] = data[k], k++;
		t->cmd[k] = 0;
		return 0;
	}
	if (type != CURLINFO_HEADER_IN || size == 0)
		return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	if (size >= sizeof(t->last))
		size = sizeof(t->last) - 1;
	memcpy(t->last, data, size);
	t->last[size] = 0;
	if (!t->err_code && size >= 3 && (data[0] == '4' || data[0] == '5') &&
	    data[1] >= '0' && data[1] <= '9' && data[2] >= '0' && data[2] <= '9') {
		t->err_code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
		memcpy(t->err, t->last, sizeof(t->err));
		memcpy(t->err_cmd, t->cmd, sizeof(t->err_cmd));
	}
	return 0;
}

static int once;

int notify_smtp_send(const char *from, const char *to, const char *msg, size_t len,
		     struct notify_smtp_result *r)
{
	const char *url = conf_get("notify.smtp_url"), *tls = conf_get("notify.smtp_tls");
	const char *user = conf_get("notify.smtp_user"), *pass = conf_get("notify.smtp_password");
	const char *ca = conf_get("notify.smtp_cafile"), *helo = conf_get("notify.smtp_helo");
	long long timeout = conf_get_int("notify.smtp_timeout");
	struct upload u = { .data = msg, .len = len };
	struct talk t;
	struct curl_slist *rcpt = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", full_url[1024];
	long code = 0;
	CURLcode cc;
	CURL *h;

	memset(r, 0, sizeof(*r));
	memset(&t, 0, sizeof(t));
	if (!once) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		once = 1;
	}
	if (!(h = curl_easy_init())) {
		r->temporary = 1;
		snprintf(r->reply, sizeof(r->reply), "%s", _("out of memory"));
		return V_ERR_IO;
	}
	/* the HELO name travels as the URL's path (libcurl's way) */
	snprintf(full_url, sizeof(full_url), "%s%s%s", url && url[0] ? url : "smtp://localhost",
		 helo && helo[0] ? "/" : "", helo && helo[0] ? helo : "");
	rcpt = curl_slist_append(NULL, to);
	curl_easy_setopt(h, CURLOPT_URL, full_url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &t);
	if (timeout > 0) {
		curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)timeout);
	}
	if (tls && !strcmp(tls, "starttls"))
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	else if (tls && !strcmp(tls, "try"))
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (ca && ca[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	if (!conf_get_bool("notify.smtp_verify")) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (user && user[0]) {
		curl_easy_setopt(h, CURLOPT_USERNAME, user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, pass ? pass : "");
	}
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(h);
	r->code = (int)code;
	if (cc == CURLE_OK) {
		snprintf(r->reply, sizeof(r->reply), "%s", t.last[0] ? t.last : "250");
		return V_OK;
	}
	/* a reply 5xx to the envelope or the message is final; anything else (4xx, no
	 * connection, a timeout, TLS or authentication refused: settings to fix) may go better
	 * later */
	if (t.err_code)
		code = t.err_code;
	r->code = (int)code;
	r->temporary = !(code >= 500 && code < 600 &&
			 (!strcmp(t.err_cmd, "MAIL") || !strcmp(t.err_cmd, "RCPT") ||
			  !strcmp(t.err_cmd, "DATA")));
	if (t.err_code)
		snprintf(r->reply, sizeof(r->reply), "%s", t.err);
	else
		snprintf(r->reply, sizeof(r->reply), "%s (%s)",
			 errbuf[0] ? errbuf : curl_easy_strerror(cc), url ? url : "");
	return V_ERR_IO;
}
