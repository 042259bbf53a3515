/*
 * audit_scope.c — which targets the active checks may probe (audit_scope.h): the hosts given
 * on the command line and the constituency from the store; everything else is refused with
 * a sentence that names it.  Also the --targets list reader and the rate settings the three
 * commands share.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include <arpa/inet.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/audit_scope.h"
#include "cli/cli.h" /* EXIT_* */
#include "enrich/constituency.h"
#include "store/store.h"

#define LIST_MAX_TARGETS 100000
#define LIST_MAX_BYTES ((size_t)16 << 20)

void audit_scope_init(struct audit_scope *s, const char *what)
{
	memset(s, 0, sizeof(*s));
	s->what = what;
}

int audit_scope_load(struct audit_scope *s, struct store *st, struct verr *e)
{
	constituency_free(s->c);
	s->c = NULL;
	return constituency_load(st, &s->c, e);
}

void audit_scope_fini(struct audit_scope *s)
{
	for (size_t i = 0; i < s->nhosts; i++)
		free(s->hosts[i]);
	free(s->hosts);
	constituency_free(s->c);
	memset(s, 0, sizeof(*s));
}

/* host without brackets and a trailing dot, lower case, into out; an IPv6 address in its
 * canonical text (so that "::1" and "0:0::1" are one host); 0 or -1 (too long/empty) */
static int norm_host(const char *host, char *out, size_t n)
{
	size_t l = strlen(host);
	unsigned char a6[16];

	if (l >= 2 && host[0] == '[' && host[l - 1] == ']') {
		host++;
		l -= 2;
	}
	if (l && host[l - 1] == '.')
		l--;
	if (!l || l >= n)
		return -1;
	for (size_t i = 0; i < l; i++)
		out[i] = (char)tolower((unsigned char)host[i]);
	out[l] = 0;
	if (strchr(out, ':') && inet_pton(AF_INET6, out, a6) == 1 &&
	    !inet_ntop(AF_INET6, a6, out, (socklen_t)n))
		return -1;
	return 0;
}

int audit_scope_explicit(struct audit_scope *s, const char *host)
{
	char h[256], **nh;

	if (norm_host(host, h, sizeof(h)))
		return 0; /* nothing a probe could go to */
	nh = realloc(s->hosts, (s->nhosts + 1) * sizeof(*nh));
	if (!nh)
		return -1;
	s->hosts = nh;
	if (!(s->hosts[s->nhosts] = strdup(h)))
		return -1;
	s->nhosts++;
	return 0;
}

int audit_scope_url_host(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://"), *end;
	size_t l;

	out[0] = 0;
	if (!p)
		return -1;
	p += 3;
	l = strcspn(p, "/?#");
	/* user:password@ before the host */
	for (size_t i = l; i > 0; i--)
		if (p[i - 1] == '@') {
			p += i;
			l -= i;
			break;
		}
	if (l && p[0] == '[') {
		end = memchr(p, ']', l);
		if (!end)
			return -1;
		p++;
		l = (size_t)(end - p);
	} else {
		end = memchr(p, ':', l);
		if (end)
			l = (size_t)(end - p);
	}
	if (!l || l >= n)
		return -1;
	snprintf(out, n, "%.*s", (int)l, p);
	return 0;
}

static int is_address(const char *h);

/* name is d or under it, label-wise (www.example.org is under example.org); an address is
 * only itself */
static int under(const char *name, const char *d)
{
	size_t ln = strlen(name), ld = strlen(d);

	if (ln == ld)
		return !strcmp(name, d);
	if (is_address(name) || is_address(d))
		return 0;
	return ln > ld && name[ln - ld - 1] == '.' && !strcmp(name + ln - ld, d);
}

static int in_constituency(const struct constituency *c, const char *value, int is_addr,
			   char *why, size_t n)
{
	struct constituency_query q;
	struct constituency_match m;

	memset(&q, 0, sizeof(q));
	if (is_addr)
		q.ip = value;
	else
		q.domain = value;
	constituency_resolve(c, &q, &m);
	if ((is_addr && m.rule == CONSTITUENCY_NETWORK) ||
	    (!is_addr && m.rule == CONSTITUENCY_DOMAIN)) {
		snprintf(why, n, _("%s is in the constituency (%s, %s)"), value,
			 m.org ? m.org : "-", m.value);
		return 1;
	}
	return 0;
}

static int is_address(const char *h)
{
	struct constituency_net net;
	struct verr e = { 0 };

	return !strchr(h, '/') && constituency_net_parse(h, &net, &e) == V_OK;
}

int audit_scope_check(const struct audit_scope *s, const char *host, const char *addr, char *why,
		      size_t n)
{
	char h[256];

	if (norm_host(host, h, sizeof(h))) {
		snprintf(why, n, _("'%s' is not a host name or address"), host);
		return AUDIT_SCOPE_REFUSED;
	}
	for (size_t i = 0; i < s->nhosts; i++)
		if (under(h, s->hosts[i])) {
			snprintf(why, n, _("%s was given on the command line"), h);
			return AUDIT_SCOPE_EXPLICIT;
		}
	if (s->c) {
		int addr_host = is_address(h);
		if (in_constituency(s->c, h, addr_host, why, n))
			return AUDIT_SCOPE_CONSTITUENCY;
		if (addr && !addr_host && is_address(addr) &&
		    in_constituency(s->c, addr, 1, why, n))
			return AUDIT_SCOPE_CONSTITUENCY;
		snprintf(why, n, _("%s is not in the constituency and was not given on the command "
				   "line: not probed"), h);
	} else {
		snprintf(why, n, _("%s was not given on the command line and no constituency was "
				   "loaded (--db): not probed"), h);
	}
	return AUDIT_SCOPE_REFUSED;
}

int audit_scope_read_list(const char *path, char ***targets, long **lines, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0, size = 0, total = 0;
	ssize_t got;
	long lineno = 0;
	int status = 0;

	*targets = NULL;
	*lines = NULL;
	*n = 0;
	if (!f) {
		log_error(_("%s: cannot open: %s"), path, strerror(errno));
		return EXIT_IO;
	}
	while ((got = getline(&line, &cap, f)) >= 0) {
		char *p = line, *end = line + got;
		lineno++;
		total += (size_t)got;
		if (total > LIST_MAX_BYTES || *n >= LIST_MAX_TARGETS) {
			log_error(_("%s:%ld: too many targets (at most %d, %zu bytes)"), path,
				  lineno, LIST_MAX_TARGETS, LIST_MAX_BYTES);
			status = EXIT_USAGE;
			break;
		}
		while (p < end && isspace((unsigned char)*p))
			p++;
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		if (p == end || *p == '#')
			continue;
		if (*n == size) {
			size_t ns = size ? size * 2 : 64;
			char **nt = realloc(*targets, ns * sizeof(*nt));
			long *nl = nt ? realloc(*lines, ns * sizeof(*nl)) : NULL;
			if (nt)
				*targets = nt;
			if (!nt || !nl) {
				status = EXIT_INTERNAL;
				break;
			}
			*lines = nl;
			size = ns;
		}
		if (!((*targets)[*n] = strndup(p, (size_t)(end - p)))) {
			status = EXIT_INTERNAL;
			break;
		}
		(*lines)[*n] = lineno;
		(*n)++;
	}
	if (!status && ferror(f)) {
		log_error(_("%s: cannot read: %s"), path, strerror(errno));
		status = EXIT_IO;
	}
	free(line);
	fclose(f);
	if (status) {
		audit_scope_free_list(*targets, *lines, *n);
		*targets = NULL;
		*lines = NULL;
		*n = 0;
	}
	return status;
}

void audit_scope_free_list(char **targets, long *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(targets[i]);
	free(targets);
	free(lines);
}

int audit_scope_rate(const char *flag, const char *setting, const char *what, int *out)
{
	char *end;
	long r;

	if (flag) {
		r = strtol(flag, &end, 10);
		if (*end || end == flag || r < 1 || r > 100) {
			log_error(_("%s: --rate wants 1 to 100 per second, not '%s'"), what, flag);
			return EXIT_USAGE;
		}
	} else {
		r = (long)conf_get_int(setting);
		if (r < 1 || r > 100) {
			log_error(_("%s: the setting %s wants 1 to 100 per second, not %ld"), what,
				  setting, r);
			return EXIT_USAGE;
		}
	}
	*out = (int)r;
	return 0;
}

void audit_scope_pace(struct timespec *last, int rate)
{
	struct timespec now, gap;
	long need = 1000000000L / (rate > 0 ? rate : 1), passed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	passed = (now.tv_sec - last->tv_sec) * 1000000000L + (now.tv_nsec - last->tv_nsec);
	if (last->tv_sec && passed < need) {
		gap.tv_sec = 0;
		gap.tv_nsec = need - passed;
		nanosleep(&gap, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, last);
}
