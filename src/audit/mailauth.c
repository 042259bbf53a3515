/*
 * mailauth.c — SPF (RFC 7208) and DMARC (RFC 7489) records read and judged for `vigia audit
 * mail`.  No network here: the DNS answers come through a lookup callback (ldns in
 * mailprobe.c, made-up answers in the fuzzer and the unit test), so every rule can be tested
 * on any input.  SPF: the record's terms (qualifier, mechanism, argument; modifiers), syntax
 * errors naming the term, "+all"/"?all"/no "all", "ptr", and the count of DNS-querying terms
 * followed through include: and redirect= (more than 10 is a permerror, §4.6.4).  DMARC:
 * v=DMARC1 first, p= required, the values of sp, pct, adkim, aspf, rua/ruf as mailto: URIs.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "audit/audit.h"

void audit_mail_add(struct audit_mail_report *r, const char *id, const char *severity,
                    const char *fmt, ...)
{
	va_list ap;
	struct audit_mail_finding *f;

	if (r->n >= AUDIT_MAIL_FINDINGS_MAX)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].id, id))
			return; /* one finding per kind: the first says why */
	f = &r->f[r->n++];
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->severity, sizeof(f->severity), "%s", severity);
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
}

static int is_spf(const char *s, size_t n)
{
	return n >= 6 && !strncasecmp(s, "v=spf1", 6) && (n == 6 || s[6] == ' ');
}

/* a domain-spec (§7.1, macros allowed): printable ASCII without spaces, at most 253 */
static int domain_spec_ok(const char *s, size_t n)
{
	if (!n || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return s[0] != '.' && s[0] != '/';
}

static int cidr_ok(const char *s, int max)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return 0;
	v = strtol(s, &end, 10);
	return !*end && v >= 0 && v <= max;
}

/* ip4:/ip6: argument: address[/len] */
static int ip_ok(const char *arg, int v6)
{
	char a[64];
	unsigned char bin[16];
	const char *slash = strchr(arg, '/');
	size_t l = slash ? (size_t)(slash - arg) : strlen(arg);

	if (!l || l >= sizeof(a))
		return 0;
	memcpy(a, arg, l);
	a[l] = 0;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, a, bin) != 1)
		return 0;
	return !slash || cidr_ok(slash + 1, v6 ? 128 : 32);
}

/* a[:domain][/cidr4][//cidr6] and mx likewise: the domain part and dual CIDR */
static int a_arg_ok(const char *arg)
{
	const char *slash = strchr(arg, '/');
	size_t dl = slash ? (size_t)(slash - arg) : strlen(arg);

	if (dl && !domain_spec_ok(arg, dl))
		return 0;
	if (!slash)
		return 1;
	if (slash[1] == '/')
		return cidr_ok(slash + 2, 128);
	const char *s6 = strstr(slash + 1, "//");
	if (s6) {
		char c4[8];
		size_t l = (size_t)(s6 - slash - 1);
		if (!l || l >= sizeof(c4))
			return 0;
		memcpy(c4, slash + 1, l);
		c4[l] = 0;
		return cidr_ok(c4, 32) && cidr_ok(s6 + 2, 128);
	}
	return cidr_ok(slash + 1, 32);
}

int audit_spf_parse(const char *rec, size_t len, struct audit_spf *out)
{
	size_t i = 6;

	memset(out, 0, sizeof(*out));
	if (!is_spf(rec, len)) {
		snprintf(out->error, sizeof(out->error), "the record does not start with v=spf1");
		return V_ERR_PARSE;
	}
	while (i < len) {
		char term[AUDIT_SPF_TERM_MAX];
		size_t s, tl;
		while (i < len && rec[i] == ' ')
			i++;
		if (i >= len)
			break;
		s = i;
		while (i < len && rec[i] != ' ')
			i++;
		tl = i - s;
		if (tl >= sizeof(term)) {
			snprintf(out->error, sizeof(out->error), "term %zu is longer than %d bytes",
			         out->n + 1, AUDIT_SPF_TERM_MAX - 1);
			return V_ERR_PARSE;
		}
		memcpy(term, rec + s, tl);
		term[tl] = 0;
		if (out->n >= AUDIT_SPF_TERMS_MAX) {
			snprintf(out->error, sizeof(out->error), "more than %d terms",
			         AUDIT_SPF_TERMS_MAX);
			return V_ERR_LIMIT;
		}
		struct audit_spf_term *t = &out->t[out->n];
		const char *p = term, *eq = strchr(term, '='), *colon;
		size_t nl;
		/* a modifier: name=value, the name ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
		nl = strspn(term,
		            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");
		if (eq && (size_t)(eq - term) == nl && nl && isalpha((unsigned char)term[0])) {
			t->is_mod = 1;
			snprintf(t->name, sizeof(t->name), "%.*s", (int)(nl < 15 ? nl : 15), term);
			snprintf(t->value, sizeof(t->value), "%s", eq + 1);
			if ((!strcasecmp(t->name, "redirect") || !strcasecmp(t->name, "exp")) &&
			    !domain_spec_ok(eq + 1, strlen(eq + 1))) {
				snprintf(out->error, sizeof(out->error), "'%.120s': not a domain",
				         term);
				return V_ERR_PARSE;
			}
			for (size_t k = 0; k < out->n; k++)
				if (out->t[k].is_mod && !strcasecmp(out->t[k].name, t->name) &&
				    (!strcasecmp(t->name, "redirect") ||
				     !strcasecmp(t->name, "exp"))) {
					snprintf(out->error, sizeof(out->error),
					         "'%s' appears twice", t->name);
					return V_ERR_PARSE;
				}
			out->n++;
			continue;
		}
		t->qual = '+';
		if (*p == '+' || *p == '-' || *p == '~' || *p == '?')
			t->qual = *p++;
		colon = p + strcspn(p, ":/");
		nl = (size_t)(colon - p);
		snprintf(t->name, sizeof(t->name), "%.*s", (int)(nl < 15 ? nl : 15), p);
		const char *arg = *colon == ':' ? colon + 1 : NULL;
		snprintf(t->value, sizeof(t->value), "%s", *colon == ':' ? colon + 1 : colon);
		int ok;
		if (nl >= 15)
			ok = 0;
		else if (!strcasecmp(t->name, "all"))
			ok = !*colon;
		else if (!strcasecmp(t->name, "include") || !strcasecmp(t->name, "exists"))
			ok = arg && domain_spec_ok(arg, strlen(arg));
		else if (!strcasecmp(t->name, "a") || !strcasecmp(t->name, "mx"))
			ok = !*colon || a_arg_ok(arg ? arg : colon);
		else if (!strcasecmp(t->name, "ptr"))
			ok = !*colon || (arg && domain_spec_ok(arg, strlen(arg)));
		else if (!strcasecmp(t->name, "ip4") || !strcasecmp(t->name, "ip6"))
			ok = arg && ip_ok(arg, !strcasecmp(t->name, "ip6"));
		else {
			snprintf(out->error, sizeof(out->error), "'%.120s': unknown mechanism",
			         term);
			return V_ERR_PARSE;
		}
		if (!ok) {
			snprintf(out->error, sizeof(out->error), "'%.120s': bad argument", term);
			return V_ERR_PARSE;
		}
		out->n++;
	}
	return V_OK;
}

static int spf_queries(const struct audit_spf_term *t)
{
	static const char *const q[] = {"include", "a", "mx", "ptr", "exists", "redirect"};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (!strcasecmp(t->name, q[i]))
			return 1;
	return 0;
}

/* The one SPF record of name: 1 found (rec), 0 none, -1 several (r says), -2 DNS error */
static int spf_record(const char *name, audit_txt_fn lookup, void *arg, char **rec, char *why,
                      size_t wn)
{
	char **txt = NULL;
	size_t n = 0;
	int found = 0, rc;

	*rec = NULL;
	rc = lookup(arg, name, &txt, &n, why, wn);
	if (rc < 0)
		return -2;
	for (size_t i = 0; i < n; i++) {
		if (!is_spf(txt[i], strlen(txt[i])))
			continue;
		if (found++) {
			free(*rec);
			*rec = NULL;
		} else {
			*rec = strdup(txt[i]);
		}
	}
	audit_txt_free(txt, n);
	if (found > 1) {
		snprintf(why, wn, "%d SPF records", found);
		return -1;
	}
	return found;
}

/* Count DNS-querying terms below rec (depth-first through include and redirect). */
static void spf_walk(const char *name, const struct audit_spf *s, audit_txt_fn lookup, void *arg,
                     int depth, int *queries, int *voids, struct audit_mail_report *r)
{
	for (size_t i = 0; i < s->n && *queries <= AUDIT_SPF_LOOKUP_LIMIT; i++) {
		const struct audit_spf_term *t = &s->t[i];
		char *sub = NULL, why[160] = "";
		struct audit_spf *ss;
		int rc;

		if (!spf_queries(t) || (t->is_mod && strcasecmp(t->name, "redirect")))
			continue;
		(*queries)++;
		if (strcasecmp(t->name, "include") && strcasecmp(t->name, "redirect"))
			continue;
		if (strchr(t->value, '%'))
			continue; /* a macro: expanded per message, not followed here */
		if (depth >= 10) {
			audit_mail_add(r, "spf-loop", "high",
			               "%s: include/redirect nested more "
			               "than 10 deep (a loop?)",
			               name);
			return;
		}
		rc = spf_record(t->value, lookup, arg, &sub, why, sizeof(why));
		if (rc == 0) {
			(*voids)++;
			audit_mail_add(r, "spf-include-missing", "high",
			               "%s: %s:%s has no SPF record (permerror)", name, t->name,
			               t->value);
			continue;
		}
		if (rc < 0) {
			audit_mail_add(r, "spf-include-error", "medium", "%s: %s:%s: %s", name,
			               t->name, t->value, why);
			continue;
		}
		if (!(ss = malloc(sizeof(*ss)))) {
			free(sub);
			return;
		}
		if (audit_spf_parse(sub, strlen(sub), ss) != V_OK)
			audit_mail_add(r, "spf-include-syntax", "high", "%s: SPF record of %s: %s",
			               name, t->value, ss->error);
		else
			spf_walk(t->value, ss, lookup, arg, depth + 1, queries, voids, r);
		free(ss);
		free(sub);
	}
}

int audit_spf_check(const char *domain, audit_txt_fn lookup, void *arg, struct audit_mail_report *r,
                    char **record)
{
	char *rec = NULL, why[160] = "";
	struct audit_spf *s;
	int rc, queries = 0, voids = 0, has_all = 0, has_redirect = 0;

	*record = NULL;
	rc = spf_record(domain, lookup, arg, &rec, why, sizeof(why));
	if (rc == -2) {
		audit_mail_add(r, "spf-dns-error", "medium", "%s: %s", domain, why);
		return V_ERR_IO;
	}
	if (rc == -1) {
		audit_mail_add(r, "spf-multiple", "high",
		               "%s: %s: SPF fails with permerror (RFC 7208 §4.5)", domain, why);
		return V_OK;
	}
	if (rc == 0) {
		audit_mail_add(r, "spf-missing", "high",
		               "%s: no SPF record: anybody can send "
		               "mail as this domain",
		               domain);
		return V_OK;
	}
	*record = rec;
	if (!(s = malloc(sizeof(*s))))
		return V_ERR_NOMEM;
	if (audit_spf_parse(rec, strlen(rec), s) != V_OK) {
		audit_mail_add(r, "spf-syntax", "high", "%s: %s (permerror)", domain, s->error);
		free(s);
		return V_OK;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct audit_spf_term *t = &s->t[i];
		if (t->is_mod) {
			has_redirect |= !strcasecmp(t->name, "redirect");
			continue;
		}
		if (!strcasecmp(t->name, "all")) {
			has_all = 1;
			if (t->qual == '+')
				audit_mail_add(r, "spf-pass-all", "high",
				               "%s: '+all' lets every "
				               "server on the Internet send as this domain",
				               domain);
			else if (t->qual == '?')
				audit_mail_add(r, "spf-neutral-all", "medium",
				               "%s: '?all' says "
				               "nothing about other servers",
				               domain);
			else if (t->qual == '~')
				audit_mail_add(r, "spf-softfail-all", "low",
				               "%s: '~all': other "
				               "servers only soft-fail",
				               domain);
		}
		if (!strcasecmp(t->name, "ptr"))
			audit_mail_add(r, "spf-ptr", "low",
			               "%s: 'ptr' is slow and should not be "
			               "used (RFC 7208 §5.5)",
			               domain);
		if ((!strcasecmp(t->name, "ip4") || !strcasecmp(t->name, "ip6")) &&
		    t->qual == '+') {
			const char *sl = strchr(t->value, '/');
			if (sl && strtol(sl + 1, NULL, 10) < (!strcasecmp(t->name, "ip4") ? 8 : 16))
				audit_mail_add(r, "spf-wide-network", "high",
				               "%s: '%s:%s' allows a "
				               "huge network",
				               domain, t->name, t->value);
		}
	}
	if (!has_all && !has_redirect)
		audit_mail_add(r, "spf-no-all", "medium",
		               "%s: no 'all' and no redirect: mail "
		               "from other servers gets a neutral result",
		               domain);
	spf_walk(domain, s, lookup, arg, 0, &queries, &voids, r);
	if (queries > AUDIT_SPF_LOOKUP_LIMIT)
		audit_mail_add(r, "spf-too-many-lookups", "high",
		               "%s: more than %d DNS lookups "
		               "(include, a, mx, ptr, exists, redirect): permerror (RFC 7208 "
		               "§4.6.4)",
		               domain, AUDIT_SPF_LOOKUP_LIMIT);
	r->spf_lookups = queries;
	free(s);
	return V_OK;
}

/* ---- DMARC ---------------------------------------------------------------------------- */

static int mailto_list_ok(const char *v)
{
	/* dmarc-uri *(*WSP "," *WSP dmarc-uri); dmarc-uri = URI [ "!" size ] */
	while (*v) {
		while (*v == ' ' || *v == '\t')
			v++;
		size_t l = strcspn(v, ",");
		if (l < 8 || strncasecmp(v, "mailto:", 7) || !memchr(v + 7, '@', l - 7))
			return 0;
		v += l;
		if (*v == ',')
			v++;
	}
	return 1;
}

int audit_dmarc_parse(const char *rec, size_t len, struct audit_dmarc *out)
{
	size_t i = 0;
	int first = 1;

	memset(out, 0, sizeof(*out));
	out->pct = 100;
	out->adkim = out->aspf = 'r';
	while (i < len) {
		char tag[AUDIT_SPF_TERM_MAX];
		size_t s = i, tl;
		while (i < len && rec[i] != ';')
			i++;
		tl = i - s;
		if (i < len)
			i++;
		while (tl && (rec[s] == ' ' || rec[s] == '\t'))
			s++, tl--;
		while (tl && (rec[s + tl - 1] == ' ' || rec[s + tl - 1] == '\t'))
			tl--;
		if (!tl)
			continue;
		if (tl >= sizeof(tag)) {
			snprintf(out->error, sizeof(out->error), "a tag is longer than %d bytes",
			         AUDIT_SPF_TERM_MAX - 1);
			return V_ERR_PARSE;
		}
		memcpy(tag, rec + s, tl);
		tag[tl] = 0;
		char *eq = strchr(tag, '=');
		if (!eq) {
			snprintf(out->error, sizeof(out->error), "'%.120s': not tag=value", tag);
			return V_ERR_PARSE;
		}
		char *name = tag, *v = eq + 1;
		char *ne = eq;
		while (ne > name && (ne[-1] == ' ' || ne[-1] == '\t'))
			ne--;
		*ne = 0;
		while (*v == ' ' || *v == '\t')
			v++;
		if (first) {
			if (strcmp(name, "v") || strcmp(v, "DMARC1")) {
				snprintf(out->error, sizeof(out->error),
				         "the record does not start with v=DMARC1");
				return V_ERR_PARSE;
			}
			first = 0;
			continue;
		}
		if (!strcasecmp(name, "p") || !strcasecmp(name, "sp")) {
			if (strcasecmp(v, "none") && strcasecmp(v, "quarantine") &&
			    strcasecmp(v, "reject")) {
				snprintf(out->error, sizeof(out->error),
				         "%.20s=%.120s: not none, "
				         "quarantine or reject",
				         name, v);
				return V_ERR_PARSE;
			}
			snprintf(!strcasecmp(name, "p") ? out->p : out->sp, sizeof(out->p), "%s",
			         v);
		} else if (!strcasecmp(name, "pct")) {
			char *end;
			long p = strtol(v, &end, 10);
			if (!*v || *end || p < 0 || p > 100) {
				snprintf(out->error, sizeof(out->error), "pct=%.120s: not 0 to 100",
				         v);
				return V_ERR_PARSE;
			}
			out->pct = (int)p;
		} else if (!strcasecmp(name, "adkim") || !strcasecmp(name, "aspf")) {
			if (strcasecmp(v, "r") && strcasecmp(v, "s")) {
				snprintf(out->error, sizeof(out->error), "%.20s=%.120s: not r or s",
				         name, v);
				return V_ERR_PARSE;
			}
			*(!strcasecmp(name, "adkim") ? &out->adkim : &out->aspf) =
			    (char)tolower((unsigned char)*v);
		} else if (!strcasecmp(name, "rua") || !strcasecmp(name, "ruf")) {
			if (!mailto_list_ok(v)) {
				snprintf(out->error, sizeof(out->error),
				         "%.20s=%.120s: not a list of "
				         "mailto: addresses",
				         name, v);
				return V_ERR_PARSE;
			}
			if (!strcasecmp(name, "rua"))
				out->has_rua = 1;
			else
				out->has_ruf = 1;
		}
		/* fo, rf, ri and unknown tags are ignored (RFC 7489 §6.3) */
	}
	if (first) {
		snprintf(out->error, sizeof(out->error), "the record does not start with v=DMARC1");
		return V_ERR_PARSE;
	}
	if (!out->p[0]) {
		snprintf(out->error, sizeof(out->error), "no p= (policy) tag");
		return V_ERR_PARSE;
	}
	return V_OK;
}

int audit_dmarc_check(const char *domain, const char *org_domain, audit_txt_fn lookup, void *arg,
                      struct audit_mail_report *r, char **record)
{
	char name[300], why[160] = "", **txt = NULL;
	const char *at = domain;
	size_t n = 0;
	int found = 0;
	struct audit_dmarc d;

	*record = NULL;
	/* the domain's own record, else the organizational domain's (RFC 7489 §6.6.3) */
	for (int pass = 0; pass < 2 && !found; pass++) {
		if (pass == 1) {
			if (!org_domain || !strcasecmp(org_domain, domain))
				break;
			at = org_domain;
		}
		snprintf(name, sizeof(name), "_dmarc.%s", at);
		if (lookup(arg, name, &txt, &n, why, sizeof(why)) < 0) {
			audit_mail_add(r, "dmarc-dns-error", "medium", "%s: %s", name, why);
			return V_ERR_IO;
		}
		for (size_t i = 0; i < n; i++) {
			if (strncmp(txt[i], "v=DMARC1", 8))
				continue;
			if (found++) {
				free(*record);
				*record = NULL;
			} else {
				*record = strdup(txt[i]);
			}
		}
		audit_txt_free(txt, n);
		txt = NULL;
		n = 0;
	}
	if (found > 1) {
		audit_mail_add(r, "dmarc-multiple", "high",
		               "_dmarc.%s: %d DMARC records: "
		               "receivers ignore them all",
		               at, found);
		return V_OK;
	}
	if (!found || !*record) {
		audit_mail_add(r, "dmarc-missing", "high",
		               "%s: no DMARC record: receivers are "
		               "not told to reject forged mail",
		               domain);
		return V_OK;
	}
	if (audit_dmarc_parse(*record, strlen(*record), &d) != V_OK) {
		audit_mail_add(r, "dmarc-syntax", "high", "_dmarc.%s: %s", at, d.error);
		return V_OK;
	}
	if (!strcasecmp(d.p, "none"))
		audit_mail_add(r, "dmarc-p-none", "medium",
		               "_dmarc.%s: p=none only monitors: "
		               "forged mail is still delivered",
		               at);
	if (strcasecmp(d.p, "none") && d.sp[0] && !strcasecmp(d.sp, "none"))
		audit_mail_add(r, "dmarc-sp-none", "medium",
		               "_dmarc.%s: sp=none leaves the "
		               "subdomains unprotected",
		               at);
	if (d.pct < 100 && strcasecmp(d.p, "none"))
		audit_mail_add(r, "dmarc-pct", "low",
		               "_dmarc.%s: pct=%d: the policy applies to "
		               "only part of the mail",
		               at, d.pct);
	if (!d.has_rua)
		audit_mail_add(r, "dmarc-no-rua", "info",
		               "_dmarc.%s: no rua=: nobody receives "
		               "the aggregate reports",
		               at);
	return V_OK;
}

void audit_txt_free(char **txt, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(txt[i]);
	free(txt);
}
