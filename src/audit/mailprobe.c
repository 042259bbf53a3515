/*
 * mailprobe.c — the network side of `vigia audit mail`: DNS queries through ldns (TXT for
 * SPF and DMARC, MX and A for the mail servers; a timeout and one retry per query),
 * and the open-relay probe.  The probe talks SMTP itself (RFC 5321 replies, multi-line
 * included): no SMTP library lets a client stop after RCPT TO — libcurl's SMTP always goes on
 * to DATA — and this probe must NEVER send DATA.  Only the host given or the domain's MX is
 * contacted.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "audit/audit.h"

struct audit_dns {
	ldns_resolver *res;
	long timeout_ms;
};

int audit_dns_open(const char *resolver, long timeout_ms, struct audit_dns **out, struct verr *e)
{
	struct audit_dns *d = calloc(1, sizeof(*d));
	ldns_status st;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};

	*out = NULL;
	if (!d)
		return verr_set(e, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
	d->timeout_ms = timeout_ms;
	if (resolver) {
		/* "ADDR[@PORT]" */
		char addr[128];
		const char *at = strchr(resolver, '@');
		size_t al = at ? (size_t)(at - resolver) : strlen(resolver);
		long port = 53;
		unsigned char b[16];
		ldns_rdf *ns = NULL;
		int v6 = 0;
		if (at) {
			char *end;
			port = strtol(at + 1, &end, 10);
			if (!at[1] || *end || port < 1 || port > 65535)
				al = 0;
		}
		if (al && al < sizeof(addr)) {
			memcpy(addr, resolver, al);
			addr[al] = 0;
			v6 = inet_pton(AF_INET6, addr, b) == 1;
			if (v6 || inet_pton(AF_INET, addr, b) == 1)
				ns = ldns_rdf_new_frm_str(v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A,
				                          addr);
		}
		if (!ns || !(d->res = ldns_resolver_new())) {
			ldns_rdf_deep_free(ns);
			free(d);
			return verr_set(e, V_ERR_USAGE, "resolver", "%s: %s", resolver,
			                "not ADDR[@PORT] with a numeric address");
		}
		ldns_resolver_push_nameserver(d->res, ns);
		ldns_rdf_deep_free(ns);
		ldns_resolver_set_port(d->res, (uint16_t)port);
		ldns_resolver_set_recursive(d->res, true);
	} else if ((st = ldns_resolver_new_frm_file(&d->res, NULL)) != LDNS_STATUS_OK) {
		free(d);
		return verr_set(e, V_ERR_IO, "resolver", "/etc/resolv.conf: %s",
		                ldns_get_errorstr_by_id(st));
	}
	ldns_resolver_set_timeout(d->res, tv);
	ldns_resolver_set_retry(d->res, 1);
	ldns_resolver_set_dnssec(d->res, false);
	*out = d;
	return V_OK;
}

void audit_dns_close(struct audit_dns *d)
{
	if (!d)
		return;
	ldns_resolver_deep_free(d->res);
	free(d);
}

/* One query: the answer records of that type (caller frees), an empty list for NXDOMAIN or
 * no data, or NULL with why. */
static ldns_rr_list *query(struct audit_dns *d, const char *name, ldns_rr_type type, char *why,
                           size_t wn)
{
	ldns_rdf *dn = ldns_dname_new_frm_str(name);
	ldns_pkt *p = NULL;
	ldns_rr_list *rrs;
	ldns_status st;
	ldns_pkt_rcode rc;

	if (!dn) {
		snprintf(why, wn, "%.200s: not a domain name", name);
		return NULL;
	}
	/* a server that failed once is marked unreachable by ldns: try it again */
	for (size_t i = 0; i < ldns_resolver_nameserver_count(d->res); i++)
		ldns_resolver_set_nameserver_rtt(d->res, i, LDNS_RESOLV_RTT_MIN);
	st = ldns_resolver_send(&p, d->res, dn, type, LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_rdf_deep_free(dn);
	if (st != LDNS_STATUS_OK || !p) {
		snprintf(why, wn, "DNS query for %.200s: %s", name, ldns_get_errorstr_by_id(st));
		ldns_pkt_free(p);
		return NULL;
	}
	rc = ldns_pkt_get_rcode(p);
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
		snprintf(why, wn, "DNS query for %.200s: rcode %d", name, (int)rc);
		ldns_pkt_free(p);
		return NULL;
	}
	rrs = ldns_pkt_rr_list_by_type(p, type, LDNS_SECTION_ANSWER);
	ldns_pkt_free(p);
	return rrs ? rrs : ldns_rr_list_new();
}

int audit_dns_txt(void *arg, const char *name, char ***txt, size_t *n, char *why, size_t wn)
{
	struct audit_dns *d = arg;
	ldns_rr_list *rrs = query(d, name, LDNS_RR_TYPE_TXT, why, wn);
	size_t cnt;
	char **out = NULL;

	*txt = NULL;
	*n = 0;
	if (!rrs)
		return -1;
	cnt = ldns_rr_list_rr_count(rrs);
	if (cnt && !(out = calloc(cnt, sizeof(*out)))) {
		ldns_rr_list_deep_free(rrs);
		return -1;
	}
	for (size_t i = 0; i < cnt; i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		size_t total = 0, k = 0;
		for (size_t j = 0; j < ldns_rr_rd_count(rr); j++)
			total += ldns_rdf_size(ldns_rr_rdf(rr, j));
		char *s = malloc(total + 1);
		if (!s)
			break;
		/* each character-string: a length byte and the bytes; joined without a
		 * separator (RFC 7208 §3.3) */
		for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
			const ldns_rdf *rd = ldns_rr_rdf(rr, j);
			const uint8_t *p = ldns_rdf_data(rd);
			size_t sz = ldns_rdf_size(rd), l;
			if (!sz)
				continue;
			l = p[0] < sz - 1 ? p[0] : sz - 1;
			for (size_t x = 0; x < l; x++)
				s[k++] = p[1 + x] ? (char)p[1 + x] : ' ';
		}
		s[k] = 0;
		out[(*n)++] = s;
	}
	*txt = out;
	ldns_rr_list_deep_free(rrs);
	return 0;
}

int audit_dns_mx(struct audit_dns *d, const char *domain, char hosts[][256], int max, char *why,
                 size_t wn)
{
	ldns_rr_list *rrs = query(d, domain, LDNS_RR_TYPE_MX, why, wn);
	int pref[64], cnt = 0;

	if (!rrs)
		return -1;
	if (max > 64)
		max = 64;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs) && cnt < max; i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		char *h;
		size_t hl;
		if (ldns_rr_rd_count(rr) != 2 || !(h = ldns_rdf2str(ldns_rr_rdf(rr, 1))))
			continue;
		hl = strlen(h);
		if (hl > 1 && h[hl - 1] == '.')
			h[--hl] = 0;
		if (!hl || hl >= 256 || !strcmp(h, ".")) { /* "MX 0 ." is a null MX */
			free(h);
			continue;
		}
		snprintf(hosts[cnt], 256, "%s", h);
		free(h);
		pref[cnt] = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		for (int j = cnt; j > 0 && pref[j] < pref[j - 1]; j--) {
			char tmp[256];
			int tp = pref[j];
			pref[j] = pref[j - 1];
			pref[j - 1] = tp;
			memcpy(tmp, hosts[j], 256);
			memcpy(hosts[j], hosts[j - 1], 256);
			memcpy(hosts[j - 1], tmp, 256);
		}
		cnt++;
	}
	ldns_rr_list_deep_free(rrs);
	return cnt;
}

int audit_dns_a(struct audit_dns *d, const char *host, char *out, size_t n)
{
	char why[300];
	unsigned char b[16];
	ldns_rr_list *rrs;
	int rc = -1;

	if (inet_pton(AF_INET, host, b) == 1 || inet_pton(AF_INET6, host, b) == 1) {
		snprintf(out, n, "%s", host);
		return 0;
	}
	if (!(rrs = query(d, host, LDNS_RR_TYPE_A, why, sizeof(why))))
		return -1;
	if (ldns_rr_list_rr_count(rrs) && ldns_rr_rd_count(ldns_rr_list_rr(rrs, 0)) == 1) {
		const ldns_rdf *rd = ldns_rr_rdf(ldns_rr_list_rr(rrs, 0), 0);
		if (ldns_rdf_size(rd) == 4 &&
		    inet_ntop(AF_INET, ldns_rdf_data(rd), out, (socklen_t)n))
			rc = 0;
	}
	ldns_rr_list_deep_free(rrs);
	return rc;
}

/* ---- SMTP ----------------------------------------------------------------------------- */

struct smtp {
	int fd;
	long timeout_ms;
	char in[4096];
	size_t len;
};

static int smtp_connect(struct smtp *s, const char *host, const char *port, char *why, size_t wn)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res))) {
		snprintf(why, wn, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	s->fd = -1;
	snprintf(why, wn, "no address");
	for (ai = res; ai && s->fd < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
			snprintf(why, wn, "connect: %s", strerror(errno));
			close(fd);
			continue;
		}
		struct pollfd p = {fd, POLLOUT, 0};
		int err = 0;
		socklen_t el = sizeof(err);
		rc = poll(&p, 1, (int)s->timeout_ms);
		if (rc == 0) {
			snprintf(why, wn, "connect timed out after %ld ms", s->timeout_ms);
			close(fd);
			continue;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (rc < 0 || err) {
			snprintf(why, wn, "connect: %s", strerror(err ? err : errno));
			close(fd);
			continue;
		}
		s->fd = fd;
	}
	freeaddrinfo(res);
	return s->fd < 0 ? -1 : 0;
}

static int isdigit_ascii(char c)
{
	return c >= '0' && c <= '9';
}

/* One reply (all lines of a multi-line one); its code, or -1 with why.  line gets the last
 * line without CRLF. */
static int smtp_reply(struct smtp *s, char *line, size_t ln)
{
	for (;;) {
		char *nl = memchr(s->in, '\n', s->len);
		if (nl) {
			size_t l = (size_t)(nl - s->in) + 1, k = l - 1;
			if (k && s->in[k - 1] == '\r')
				k--;
			snprintf(line, ln, "%.*s", (int)k, s->in);
			memmove(s->in, s->in + l, s->len - l);
			s->len -= l;
			if (k < 3 || !isdigit_ascii(line[0]) || !isdigit_ascii(line[1]) ||
			    !isdigit_ascii(line[2]) ||
			    (k > 3 && line[3] != ' ' && line[3] != '-')) {
				char bad[84];
				snprintf(bad, sizeof(bad), "%.80s", line);
				snprintf(line, ln, "not an SMTP reply: %s", bad);
				return -1;
			}
			if (k > 3 && line[3] == '-')
				continue;
			return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		}
		if (s->len >= sizeof(s->in) - 1) {
			snprintf(line, ln, "an SMTP reply line longer than %zu bytes",
			         sizeof(s->in));
			return -1;
		}
		struct pollfd p = {s->fd, POLLIN, 0};
		int rc = poll(&p, 1, (int)s->timeout_ms);
		if (rc == 0) {
			snprintf(line, ln, "no answer within %ld ms", s->timeout_ms);
			return -1;
		}
		ssize_t n = rc > 0 ? read(s->fd, s->in + s->len, sizeof(s->in) - 1 - s->len) : -1;
		if (n <= 0) {
			snprintf(line, ln, "%s",
			         n == 0 ? "the server closed the connection" : strerror(errno));
			return -1;
		}
		s->len += (size_t)n;
	}
}

static int smtp_cmd(struct smtp *s, const char *cmd, char *line, size_t ln)
{
	size_t l = strlen(cmd), o = 0;

	while (o < l) {
		struct pollfd p = {s->fd, POLLOUT, 0};
		if (poll(&p, 1, (int)s->timeout_ms) <= 0) {
			snprintf(line, ln, "could not send within %ld ms", s->timeout_ms);
			return -1;
		}
		ssize_t n = write(s->fd, cmd + o, l - o);
		if (n <= 0) {
			snprintf(line, ln, "%s", strerror(errno));
			return -1;
		}
		o += (size_t)n;
	}
	return smtp_reply(s, line, ln);
}

/* an address for MAIL FROM/RCPT TO: printable, no spaces or angle brackets */
static int addr_ok(const char *a)
{
	if (!*a || strlen(a) > 254 || !strchr(a, '@'))
		return 0;
	for (; *a; a++)
		if ((unsigned char)*a <= 0x20 || (unsigned char)*a >= 0x7f || *a == '<' ||
		    *a == '>')
			return 0;
	return 1;
}

int audit_smtp_relay_probe(const char *host, const char *port, const char *helo, const char *from,
                           const char *to, long timeout_ms, char *reply, size_t rn)
{
	struct smtp s = {-1, timeout_ms, "", 0};
	char cmd[600], line[512];
	int code, verdict = -1;

	if (!addr_ok(from) || !addr_ok(to) || !*helo || strlen(helo) > 255 ||
	    strpbrk(helo, " \t\r\n<>")) {
		snprintf(reply, rn, "bad probe address");
		return -1;
	}
	if (smtp_connect(&s, host, port, reply, rn))
		return -1;
	if ((code = smtp_reply(&s, line, sizeof(line))) != 220) {
		snprintf(reply, rn, "%s", line);
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", helo);
	if ((code = smtp_cmd(&s, cmd, line, sizeof(line))) / 100 != 2) {
		snprintf(cmd, sizeof(cmd), "HELO %s\r\n", helo);
		if (code < 0 || (code = smtp_cmd(&s, cmd, line, sizeof(line))) / 100 != 2) {
			snprintf(reply, rn, "%s", line);
			goto out;
		}
	}
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", from);
	if ((code = smtp_cmd(&s, cmd, line, sizeof(line))) / 100 != 2) {
		/* refusing an outside sender also refuses relaying for it */
		snprintf(reply, rn, "MAIL FROM: %s", line);
		verdict = code >= 400 ? 0 : -1;
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", to);
	code = smtp_cmd(&s, cmd, line, sizeof(line));
	snprintf(reply, rn, "RCPT TO: %s", line);
	verdict = code < 0 ? -1 : code / 100 == 2 ? 1 : 0;
	/* never DATA: forget the transaction and leave */
	if (code >= 0) {
		char bye[512];
		if (smtp_cmd(&s, "RSET\r\n", bye, sizeof(bye)) >= 0)
			smtp_cmd(&s, "QUIT\r\n", bye, sizeof(bye));
	}
out:
	close(s.fd);
	return verdict;
}
