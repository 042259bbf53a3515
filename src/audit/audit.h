/*
 * audit.h — prevention checks a CERT runs for its constituency: the patch audit (package
 * inventories matched against OSV records and the Debian Security Tracker, with dpkg's and
 * rpm's exact version order) and CVSS scores from vectors.
 *
 * Layering: audit uses base and event only; the command line (src/cli/cmd_audit.c) reads
 * files and prints.  Inputs are hostile: every reader counts and explains bad records and
 * never stops at the first one.
 */
#ifndef VIGIA_AUDIT_AUDIT_H
#define VIGIA_AUDIT_AUDIT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* ---- version order (version.c) ---------------------------------------------------------- */

/* Compare two Debian versions exactly as `dpkg --compare-versions`: -1, 0 or 1.  A version
 * dpkg would refuse sorts before every valid one (and such versions compare as bytes). */
int audit_dpkg_cmp(const char *a, const char *b);
/* 1 when dpkg would accept v as a version ([epoch:]upstream[-revision]). */
int audit_dpkg_valid(const char *v);
/* The same for n bytes at v (not NUL-terminated). */
int audit_dpkg_valid_n(const char *v, size_t n);
/* Compare two RPM [epoch:]version[-release] strings as rpm's rpm.vercmp(): -1, 0 or 1. */
int audit_rpm_cmp(const char *a, const char *b);

/* ---- CVSS (cvss.c) ---------------------------------------------------------------------- */

struct audit_cvss3 {
	double base, temporal, environmental; /* temporal/environmental = base when absent */
};
struct audit_cvss4 {
	double score;   /* CVSS-B, -BT, -BE or -BTE, per the metrics given */
	char macro[7];  /* the MacroVector, six digits */
};
/* Scores of a "CVSS:3.0/..." or "CVSS:3.1/..." vector.  V_OK, or V_ERR_INVALID with e
 * naming the metric at fault.  out is always written (zeroes on error). */
int audit_cvss3(const char *vector, struct audit_cvss3 *out, struct verr *e);
/* Score of a "CVSS:4.0/..." vector; as audit_cvss3(). */
int audit_cvss4(const char *vector, struct audit_cvss4 *out, struct verr *e);
/* Qualitative rating of a score: "none", "low", "medium", "high", "critical" (static). */
const char *audit_cvss_severity(double score);
/* The base score of any supported vector (3.0, 3.1, 4.0) into *score; V_OK or an error. */
int audit_cvss_score(const char *vector, double *score, struct verr *e);

/* ---- package inventories (inventory.c) --------------------------------------------------- */

enum audit_family { AUDIT_FAM_NONE = 0, AUDIT_FAM_DPKG, AUDIT_FAM_RPM };

struct audit_pkg {
	char *name;           /* binary package */
	char *version;        /* installed version */
	char *source;         /* source package; the name when the record gives none */
	char *source_version; /* version of the source; the version when none is given */
	char *arch;           /* may be NULL */
};

/* A bad record: e names the file, line and reason. */
typedef void (*audit_bad_fn)(void *arg, const struct verr *e);

struct audit_inventory {
	struct audit_pkg *pkg; /* owned, n entries */
	size_t n, size;
	int family;            /* enum audit_family */
	const char *format;    /* static: "dpkg-status", "rpm-qa", "cyclonedx" */
	char ecosystem[64];    /* OSV ecosystem ("Debian:12"), "" when not known */
	char release[32];      /* Debian codename ("bookworm"), "" when not known */
	size_t bad;            /* records refused */
};

/* Read a dpkg status file, `rpm -qa` output or a CycloneDX JSON SBOM (recognised from the
 * content) into inv, which the caller zeroed.  name (borrowed) is used in messages; bad (may
 * be NULL) hears of each refused record, which is counted and skipped.  Returns V_OK, or an
 * error (e filled) when the whole input is unusable (e.g. JSON that is not CycloneDX).
 * Release with audit_inventory_fini(). */
int audit_inventory_parse(struct audit_inventory *inv, const char *name, const char *data,
			  size_t len, audit_bad_fn bad, void *arg, struct verr *e);
void audit_inventory_fini(struct audit_inventory *inv);
/* Fill inv->ecosystem and inv->release from an os-release file's text when they are empty. */
void audit_inventory_os_release(struct audit_inventory *inv, const char *text, size_t len);

/* ---- vulnerability records (vulndb.c) ---------------------------------------------------- */

struct audit_event {
	int kind; /* 'i' introduced, 'f' fixed, 'l' last_affected */
	char *version;
};

/* One advisory about one source package in one ecosystem, from OSV or the Debian tracker. */
struct audit_adv {
	char *id;        /* OSV id, or the CVE id for the tracker */
	char *aliases;   /* "CVE-2014-3616, ..." or NULL */
	char *package;   /* source package name */
	char *ecosystem; /* OSV ecosystem; for the tracker the Debian codename */
	int by_release;  /* ecosystem is a Debian codename (tracker data) */
	int family;      /* enum audit_family */
	struct audit_event *ev; /* ECOSYSTEM range events, each range sorted, ranges apart */
	size_t nev;
	size_t *range_end; /* ev index where each range ends; nrange entries */
	size_t nrange;
	char **versions;   /* explicitly affected versions */
	size_t nversions;
	char *severity;    /* CVSS vector once scored, else the urgency; NULL when none */
	double score;      /* CVSS score; 0 when none, not computable or not scored yet */
	char *vector[2];   /* CVSS vectors not scored yet (affected entry's, record's) */
	int scored;        /* audit_adv_score() ran (or there was nothing to score) */
	char *summary;     /* NULL when none */
};

struct audit_db {
	struct audit_adv *adv; /* owned; sorted by package once audit_db_index() ran */
	size_t n, size;
	size_t records;        /* records read (one record may give many advisories) */
	size_t bad;
};

/* Add the OSV records in data (one record, an array of records, or osv.dev's one-record
 * JSON files): name (borrowed) names the input in messages.  A bad record is reported
 * through bad and skipped.  V_OK, or an error when data is not JSON at all. */
int audit_db_add_osv(struct audit_db *db, const char *name, const char *data, size_t len,
		     audit_bad_fn bad, void *arg, struct verr *e);
/* Add the Debian Security Tracker JSON (/tracker/data/json). */
int audit_db_add_debian_tracker(struct audit_db *db, const char *name, const char *data,
				size_t len, audit_bad_fn bad, void *arg, struct verr *e);
/* Score the advisory's CVSS vector, once: the best one that scores becomes severity and
 * score (an affected entry's before its record's); none that scores leaves the urgency.
 * Loading does not score (most advisories never match); audit_match() scores what matches. */
void audit_adv_score(struct audit_adv *a);
/* Sort for lookups; call after the last add and before audit_match(). */
void audit_db_index(struct audit_db *db);
void audit_db_fini(struct audit_db *db);

/* ---- matching (match.c) ------------------------------------------------------------------ */

struct audit_finding {
	const struct audit_pkg *pkg; /* borrowed from the inventory */
	const struct audit_adv *adv; /* borrowed from the db */
	const char *fixed;           /* borrowed: the version that fixes it; NULL: no fix yet */
};

/* 1 when version (of family) is affected by adv per the OSV evaluation rules; *fixed
 * (may be NULL) gets the fixing version or NULL. */
int audit_adv_affects(const struct audit_adv *adv, int family, const char *version,
		      const char **fixed);
/* Every (package, advisory) pair where the installed source version is affected.  Advisories
 * apply when their ecosystem is the inventory's (for tracker data: its Debian release); when
 * the inventory's ecosystem is unknown, when it is of the same family.  The advisories found
 * are scored (audit_adv_score(): db is written there only).  OUT: *out (caller frees the
 * array only), *n.  V_OK or V_ERR_NOMEM. */
int audit_match(const struct audit_inventory *inv, struct audit_db *db,
		struct audit_finding **out, size_t *n);

/* ---- web-site checks (web.c, webfetch.c) -------------------------------------------------- */

/* One HTTP response (the last of a redirect chain when redirects were followed). */
struct audit_http {
	long status;       /* 0 when nothing answered */
	char *url;         /* the URL that answered */
	char **hname, **hval; /* nh response headers, in order */
	size_t nh;
	char *body;        /* NUL-terminated; at most AUDIT_HTTP_BODY_MAX bytes kept */
	size_t body_len;
	char *cert_subject, *cert_issuer, *cert_expire; /* NULL when not known */
	int cert_verified; /* 1 verified, 0 not (or http) */
	/* TLS of the last response ("" / NULL / 0 over plain HTTP or when not known) */
	char tls_version[16];  /* negotiated protocol: "TLSv1.3", "TLSv1.2", ... */
	char tls_cipher[64];   /* negotiated cipher suite, OpenSSL's name */
	char cert_key[32];     /* the certificate's public key: "RSA 2048", "EC 256", ... */
	char cert_sigalg[48];  /* its signature algorithm: "sha256WithRSAEncryption", ... */
	char *cert_start;      /* not valid before (curl's text) */
	char *cert_san;        /* subject alternative names (curl's text) */
	int cert_self_signed;  /* issued by its own subject key */
	int cert_has_dates;    /* cert_days_left is known */
	long cert_days_left;   /* whole days until it expires; negative once expired */
	char error[256];   /* why nothing answered ("" when something did) */
};
#define AUDIT_HTTP_BODY_MAX (256 * 1024)

/* The first header of that name (case-insensitive), borrowed; NULL when absent. */
const char *audit_http_header(const struct audit_http *h, const char *name);

struct audit_web_result {
	const char *test, *key; /* static strings: Observatory test and result key */
	int modifier;
};
struct audit_web_grade {
	struct audit_web_result r[16];
	size_t n;
	int score;
	char grade[3];
};
/* The HTTP Observatory's tests (MDN v2 modifiers) on page (the final response), with
 * http_first (the first answer to http://host/, not followed; NULL when nothing listens on
 * HTTP) and http_final_url (where following it ended).  Fills g. */
void audit_web_grade(const struct audit_http *page, const struct audit_http *http_first,
		     const char *http_final_url, struct audit_web_grade *g);

struct audit_exposure_rule {
	char *id, *category, *method, *path, *match, *reject, *severity, *note; /* owned */
};
struct audit_exposure_set {
	struct audit_exposure_rule *r; /* owned */
	size_t n;
};
/* Read exposure checks (TSV: id, category, method, path, match, reject, severity, note). */
int audit_exposure_load(struct audit_exposure_set *s, const char *name, const char *data,
			size_t len, audit_bad_fn bad, void *arg, struct verr *e);
void audit_exposure_fini(struct audit_exposure_set *s);
/* 1 when resp shows what rule r looks for, nothing rules it out and it differs from the
 * soft-404 baseline (may be NULL); 0 when not; -1 when the rule cannot be understood. */
int audit_exposure_hit(const struct audit_exposure_rule *r, const struct audit_http *resp,
		       const struct audit_http *baseline);

struct audit_fetch_opts {
	long timeout_ms;   /* every network step (connect, TLS, the whole transfer) */
	int follow;        /* follow redirects (at most 5) */
	const char *method; /* "GET" (default), "TRACE", ... */
	int insecure;      /* do not verify certificates (still reported) */
	/* NULL, or asked before each redirect is followed: 1 follow, 0 refuse (why, wn bytes:
	 * a sentence naming the target).  Probes only go where the caller allows. */
	int (*allow)(void *arg, const char *url, char *why, size_t wn);
	void *allow_arg;
};
/* Fetch url into out (zeroed by the caller; release with audit_http_fini()).  V_OK when a
 * response came (any status), else V_ERR_IO with out->error saying why (timeout, refused,
 * TLS), or V_ERR_INVALID when o->allow refused a redirect (out->error names it).
 * Thread-compatible: no global state besides curl_global_init. */
int audit_http_fetch(const char *url, const struct audit_fetch_opts *o, struct audit_http *out);
void audit_http_fini(struct audit_http *h);

/* ---- open-proxy check (proxy.c) ----------------------------------------------------------- */

/* The canary: a listener run by vigia that notes whether the token of the running probe
 * arrives.  Start: listen on addr (NULL: every IPv4/IPv6 address getaddrinfo gives first)
 * and port (NULL or "0": any free port); OUT: *out, released with audit_canary_stop().  One
 * thread; probes through one canary run one at a time. */
struct audit_canary;
int audit_canary_start(const char *addr, const char *port, struct audit_canary **out,
		       struct verr *e);
/* The port it listens on (decimal), borrowed. */
const char *audit_canary_port(const struct audit_canary *c);
void audit_canary_stop(struct audit_canary *c);
/* The local address the kernel would use to reach host:port (numeric, into out); 0 or -1.
 * Sends nothing. */
int audit_local_addr(const char *host, const char *port, char *out, size_t n);

enum { AUDIT_PROXY_CONNECT, AUDIT_PROXY_GET, AUDIT_PROXY_SOCKS4, AUDIT_PROXY_SOCKS5,
       AUDIT_PROXY_NKIND };
enum { AUDIT_PX_OPEN, AUDIT_PX_REFUSED, AUDIT_PX_CLOSED, AUDIT_PX_TIMEOUT };
#define AUDIT_PROXY_TOKEN_LEN 32
struct audit_proxy_result {
	int kind, verdict;
	int confirmed;     /* the canary received the token: the only proof of "open" */
	long status;       /* HTTP status (of CONNECT for http-connect); 0 when none */
	char token[AUDIT_PROXY_TOKEN_LEN + 1];
	char detail[256];  /* why it is not open ("" when it is) */
};
/* Ask host:port (numeric IPv6 without brackets is fine) to relay, by protocol kind, a request
 * for http://canary_host:<canary port>/vigia-canary/<random token>; connect and each step
 * limited by timeout_ms.  Fills r.  V_OK, or V_ERR_NOMEM. */
int audit_proxy_probe(struct audit_canary *c, const char *canary_host, const char *host,
		      const char *port, int kind, long timeout_ms, struct audit_proxy_result *r);
/* "http-connect", "http-get", "socks4", "socks5"; "open", "refused", "closed", "timeout". */
const char *audit_proxy_kind_name(int kind);
const char *audit_proxy_verdict_name(int verdict);

/* ---- mail checks (mailauth.c: SPF/DMARC; mailprobe.c: DNS through ldns, relay) ------ */

#define AUDIT_MAIL_FINDINGS_MAX 32
struct audit_mail_finding {
	char id[32];       /* "spf-missing", "dmarc-p-none", "open-relay", ... */
	char severity[8];  /* "high", "medium", "low", "info" */
	char detail[320];
};
struct audit_mail_report {
	struct audit_mail_finding f[AUDIT_MAIL_FINDINGS_MAX];
	size_t n;
	int spf_lookups;   /* DNS-querying terms counted through include/redirect */
};
/* Add a finding (printf-style detail); a second finding with the same id is dropped. */
void audit_mail_add(struct audit_mail_report *r, const char *id, const char *severity,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The TXT records of name (each one's strings joined), by the caller's resolver.  OUT: *txt
 * (n strings, freed with audit_txt_free()); none: 0 with *n 0.  -1 with why on a DNS error. */
typedef int (*audit_txt_fn)(void *arg, const char *name, char ***txt, size_t *n, char *why,
			    size_t wn);
void audit_txt_free(char **txt, size_t n);

#define AUDIT_SPF_TERMS_MAX 64
#define AUDIT_SPF_TERM_MAX 512
#define AUDIT_SPF_LOOKUP_LIMIT 10
struct audit_spf_term {
	char qual;         /* '+', '-', '~', '?' (mechanisms) */
	int is_mod;        /* name=value modifier */
	char name[16];     /* "include", "ip4", "all", "redirect", ... */
	char value[AUDIT_SPF_TERM_MAX];
};
struct audit_spf {
	struct audit_spf_term t[AUDIT_SPF_TERMS_MAX];
	size_t n;
	char error[200];   /* the term and why, when it does not parse */
};
/* Parse one SPF record (rec need not be NUL-terminated).  V_OK, V_ERR_PARSE or V_ERR_LIMIT with
 * out->error naming the term. */
int audit_spf_parse(const char *rec, size_t len, struct audit_spf *out);
/* Look up, parse and judge the SPF record of domain, following include:/redirect= for the
 * lookup count.  OUT: findings added to r; *record the record (caller frees; NULL when
 * none).  V_OK, V_ERR_IO (DNS failed: a finding says why) or V_ERR_NOMEM. */
int audit_spf_check(const char *domain, audit_txt_fn lookup, void *arg,
		    struct audit_mail_report *r, char **record);

struct audit_dmarc {
	char p[16], sp[16];
	int pct, has_rua, has_ruf;
	char adkim, aspf;
	char error[200];
};
int audit_dmarc_parse(const char *rec, size_t len, struct audit_dmarc *out);
/* _dmarc.domain, else _dmarc.org_domain (may be NULL), parsed and judged into r; *record as
 * for audit_spf_check(). */
int audit_dmarc_check(const char *domain, const char *org_domain, audit_txt_fn lookup, void *arg,
		      struct audit_mail_report *r, char **record);

/* A stub resolver through ldns: resolver "ADDR[@PORT]" (numeric) receives every query; NULL
 * uses /etc/resolv.conf.  Each query times out after timeout_ms (one retry). */
struct audit_dns;
int audit_dns_open(const char *resolver, long timeout_ms, struct audit_dns **out, struct verr *e);
void audit_dns_close(struct audit_dns *d);
/* audit_txt_fn over an audit_dns (arg). */
int audit_dns_txt(void *arg, const char *name, char ***txt, size_t *n, char *why, size_t wn);
/* The MX hosts of domain, lowest preference first (at most max); the count, -1 on DNS error. */
int audit_dns_mx(struct audit_dns *d, const char *domain, char hosts[][256], int max, char *why,
		 size_t wn);
/* The first IPv4 address of host, numeric, into out; 0 or -1. */
int audit_dns_a(struct audit_dns *d, const char *host, char *out, size_t n);

/* The open-relay probe: connect to host:port, EHLO (HELO when refused), MAIL FROM:<from>,
 * RCPT TO:<to> — both outside the server's domains — then RSET and QUIT.  DATA is NEVER
 * sent.  Every read and the connect limited by timeout_ms.  Returns 1 open relay (RCPT
 * accepted), 0 closed, -1 could not tell (unreachable, timeout, broken dialogue); reply gets
 * the server's last answer or why. */
int audit_smtp_relay_probe(const char *host, const char *port, const char *helo,
			   const char *from, const char *to, long timeout_ms, char *reply,
			   size_t rn);

#endif
