/*
 * mail.h — the mail analyzer: one RFC 5322/MIME message (GMime) in, what an analyst asks of a
 * suspicious e-mail out: the Received chain and the originating public IP (rules in
 * docs/internals/mail.md), the sender domains (From, Return-Path, Reply-To; registrable
 * domains through libpsl) and their mismatches, the Authentication-Results the receiving side
 * recorded, every URL (plain text, and HTML links with the text shown for them), and the
 * attachments (name, type, size, hashes, and their bytes for the malware scanner).
 *
 * A report owns all its strings; mail_report_free() releases everything.
 */
#ifndef VIGIA_ANALYZE_MAIL_MAIL_H
#define VIGIA_ANALYZE_MAIL_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct url_checker;
struct url_result;

struct mail_hop {
	char *from_host;  /* as the relay named itself (HELO) or as resolved; may be NULL */
	char *from_ip;    /* the address the receiving relay saw; NULL when none recorded */
	char *by_host;    /* the relay that wrote the header; may be NULL */
	const char *role; /* static: "origin", "private", "internal", "no address",
			   * "before origin" */
};

struct mail_auth {
	char *method; /* "spf", "dkim", "dmarc", "arc", ... lower case */
	char *result; /* "pass", "fail", "softfail", "none", ... lower case */
	char *detail; /* the properties ("header.from=example.org"); may be "" */
};

struct mail_url {
	char *url;
	char *text;         /* HTML: the text shown for the link; NULL for plain-text URLs */
	char *host;         /* lower case; NULL when the URL has none */
	char *domain;       /* registrable domain of host (public suffix list); NULL for IPs */
	const char *where;  /* static: "text", "html" */
	int text_mismatch;  /* the shown text names another registrable domain than the href */
	char *shown_domain; /* that domain, when text_mismatch */
	/* Filled by mail_url_assess() (the URL analyzer seam). */
	const char *verdict; /* static: the URL analyzer's ("clean", "suspicious", "malicious",
			      * "unknown", "invalid"), or "unchecked" without one */
	int score;           /* 0..100; -1 when unchecked */
	char *reasons;       /* "; "-separated; owned */
};

struct mail_attachment {
	char *name;  /* file name as given; "" when none */
	char *type;  /* "application/pdf" */
	size_t size; /* decoded bytes */
	char md5[33], sha1[41], sha256[65];
	unsigned char *data; /* decoded bytes (owned), for the scanner */
};

struct mail_report {
	long index;          /* 1-based position in an mbox; 1 for a single message */
	char *message_id, *subject, *date;
	char *from, *from_domain;             /* address, registrable domain */
	char *return_path, *return_domain;
	char *reply_to, *reply_domain;
	int reply_mismatch, return_mismatch;  /* registrable domain differs from From's */
	struct mail_hop *hops;                /* newest (top) first */
	size_t nhops;
	const char *origin_ip;                /* borrowed from hops; NULL when none qualifies */
	char *auth_serv;                      /* authserv-id of the Authentication-Results used */
	struct mail_auth *auth;
	size_t nauth;
	struct mail_url *urls;
	size_t nurls;
	struct mail_attachment *att;
	size_t natt;
	char *problems;                       /* "; "-separated notes on broken parts, or NULL */
	char *text;      /* the body's text (plain parts, HTML parts' text), at most max_text */
	char *headers;   /* every header as "Name: value\n", unfolded, at most max_text */
};

struct mail_options {
	const char *internal_networks; /* the receiving side's CIDRs, comma-separated; or NULL */
	size_t max_parts;              /* MIME parts looked at */
	size_t max_urls;               /* URLs kept per message */
	size_t max_attachment;         /* attachments larger than this keep hashes, not bytes */
	size_t max_text;               /* bytes of body text and headers kept (classifier) */
	struct url_checker *urls;      /* borrowed, may be NULL: the URL analyzer to ask */
};
/* Fill o from the mail.* settings. */
void mail_options_from_settings(struct mail_options *o);

/* Called once per message found in data. */
typedef int (*mail_report_cb)(void *arg, const struct mail_report *r);

/* Analyze data (borrowed): one message, or an mbox (data starting with "From ").  Each message
 * parsed gives one report; a message GMime cannot make anything of is reported through err
 * (naming `name` and the message number) and counted in *bad; the next one is still read.
 * Returns V_OK, V_ERR_NOMEM, or the callback's non-zero value. */
int mail_analyze(const struct mail_options *o, const char *name, const void *data, size_t len,
		 mail_report_cb cb, void *arg, uint64_t *bad, struct verr *err);

/* The URL analyzer seam: the one function through which the mail analyzer asks about a URL.
 * With a checker k (borrowed) and a scratch result r (url_result_init'ed, reused; may be NULL
 * only when k is), u gets the URL analyzer's verdict, score and reasons (src/analyze/url/),
 * after what the mail analyzer knows itself (the href/text mismatch, an IP address as host).
 * Without k: verdict "unchecked", score -1, and those reasons only.  V_OK or V_ERR_NOMEM. */
int mail_url_assess(struct url_checker *k, struct url_result *r, struct mail_url *u);

/* The registrable domain of host (lower-cased copy, malloc'd), or NULL for an IP address, an
 * empty host, or when out of memory. */
char *mail_registrable_domain(const char *host);

#endif
