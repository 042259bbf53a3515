/*
 * inventory.c — what is installed: a dpkg status database (/var/lib/dpkg/status), the output
 * of `rpm -qa` (name-[epoch:]version-release.arch per line) or a CycloneDX JSON SBOM whose
 * components carry deb or rpm package URLs.  Each package keeps its SOURCE package and
 * source version, because advisories (OSV Debian records, the Debian Security Tracker) are
 * about source packages: bash 5.2.15-2+b8 is built from source bash 5.2.15-2.
 *
 * A record that cannot be read (a stanza without Version, a line that is not a NEVRA, a
 * component without a usable purl) is counted, reported through the caller's callback with
 * its line, and skipped; the rest of the input still counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/audit.h"
#include "base/i18n.h"

#define INV_MAX_PACKAGES 1000000
#define INV_MAX_FIELD 4096

static void report(audit_bad_fn bad, void *arg, const char *name, long line,
		   const char *field, const char *reason)
{
	struct verr e = { 0 };

	verr_set(&e, V_ERR_PARSE, field, "%s", reason);
	e.file = name;
	e.line = line;
	if (bad)
		bad(arg, &e);
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static void pkg_free(struct audit_pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->source);
	free(p->source_version);
	free(p->arch);
	memset(p, 0, sizeof(*p));
}

/* Add a package; the strings are copied.  source/source_version/arch may be NULL. */
static int inv_add(struct audit_inventory *inv, const char *name, size_t nlen,
		   const char *version, size_t vlen, const char *source, size_t slen,
		   const char *sversion, size_t svlen, const char *arch, size_t alen)
{
	struct audit_pkg p = { 0 };

	if (inv->n == inv->size) {
		size_t size = inv->size ? inv->size * 2 : 256;
		struct audit_pkg *np;
		if (inv->n >= INV_MAX_PACKAGES)
			return V_ERR_LIMIT;
		np = realloc(inv->pkg, size * sizeof(*np));
		if (!np)
			return V_ERR_NOMEM;
		inv->pkg = np;
		inv->size = size;
	}
	p.name = dup_n(name, nlen);
	p.version = dup_n(version, vlen);
	p.source = source && slen ? dup_n(source, slen) : dup_n(name, nlen);
	p.source_version = sversion && svlen ? dup_n(sversion, svlen) : dup_n(version, vlen);
	p.arch = arch && alen ? dup_n(arch, alen) : NULL;
	if (!p.name || !p.version || !p.source || !p.source_version || (alen && !p.arch)) {
		pkg_free(&p);
		return V_ERR_NOMEM;
	}
	inv->pkg[inv->n++] = p;
	return V_OK;
}

/* ---- dpkg status ----------------------------------------------------------------------- */

struct stanza {
	const char *pkg, *ver, *src, *status, *arch;
	size_t pkg_n, ver_n, src_n, status_n, arch_n;
	long line;
	int fields;
};

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static int has_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ')
			return 1;
	return 0;
}

static int stanza_end(struct audit_inventory *inv, struct stanza *st, const char *name,
		      audit_bad_fn bad, void *arg)
{
	char reason[200];
	int rc = V_OK;

	if (!st->fields)
		return V_OK;
	if (!st->pkg_n) {
		report(bad, arg, name, st->line, "Package", _("stanza without a Package field"));
		inv->bad++;
	} else if (!st->ver_n) {
		/* a status line "deinstall ok config-files" has no version: not installed */
		if (!st->status_n || memmem(st->status, st->status_n, " installed", 10)) {
			snprintf(reason, sizeof(reason), _("package '%.*s' has no Version field"),
				 (int)(st->pkg_n > 80 ? 80 : st->pkg_n), st->pkg);
			report(bad, arg, name, st->line, "Version", reason);
			inv->bad++;
		}
	} else if (st->status_n && !(st->status_n >= 10 &&
				     !memcmp(st->status + st->status_n - 10, " installed", 10))) {
		/* removed, half-installed, config-files: nothing to patch */
	} else if (has_space(st->pkg, st->pkg_n) || !audit_dpkg_valid_n(st->ver, st->ver_n)) {
		snprintf(reason, sizeof(reason), _("package '%.*s': '%.*s' is not a version"),
			 (int)(st->pkg_n > 80 ? 80 : st->pkg_n), st->pkg,
			 (int)(st->ver_n > 80 ? 80 : st->ver_n), st->ver);
		report(bad, arg, name, st->line, "Version", reason);
		inv->bad++;
	} else {
		const char *sv = NULL, *s = st->src;
		size_t svn = 0, sn = st->src_n;
		const char *paren = sn ? memchr(s, '(', sn) : NULL;
		if (paren) {
			const char *close = memchr(paren, ')', sn - (size_t)(paren - s));
			sv = paren + 1;
			svn = close ? (size_t)(close - sv) : 0;
			sn = (size_t)(paren - s);
			trim(&s, &sn);
			trim(&sv, &svn);
		}
		rc = inv_add(inv, st->pkg, st->pkg_n, st->ver, st->ver_n, s, sn, sv, svn,
			     st->arch, st->arch_n);
	}
	memset(st, 0, sizeof(*st));
	return rc;
}

static int parse_dpkg(struct audit_inventory *inv, const char *name, const char *data,
		      size_t len, audit_bad_fn bad, void *arg)
{
	struct stanza st = { 0 };
	const char *p = data, *end = data + len;
	long line = 0;
	int rc;

	inv->family = AUDIT_FAM_DPKG;
	inv->format = "dpkg-status";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *colon;
		size_t n = (size_t)(le - p);
		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			if ((rc = stanza_end(inv, &st, name, bad, arg)) != V_OK)
				return rc;
		} else if (p[0] == ' ' || p[0] == '\t') {
			/* continuation of a multi-line field */
		} else if (!(colon = memchr(p, ':', n))) {
			char reason[200];
			snprintf(reason, sizeof(reason), _("'%.*s' is not a 'Field: value' line"),
				 (int)(n > 60 ? 60 : n), p);
			report(bad, arg, name, line, "", reason);
			inv->bad++;
		} else {
			const char *v = colon + 1;
			size_t fn = (size_t)(colon - p), vn = n - fn - 1;
			trim(&v, &vn);
			if (vn > INV_MAX_FIELD)
				vn = INV_MAX_FIELD;
			if (!st.fields)
				st.line = line;
			st.fields++;
			if (fn == 7 && !strncasecmp(p, "Package", 7)) {
				if (st.pkg_n) { /* a new stanza without the blank line */
					if ((rc = stanza_end(inv, &st, name, bad, arg)) != V_OK)
						return rc;
					st.line = line;
					st.fields = 1;
				}
				st.pkg = v;
				st.pkg_n = vn;
			} else if (fn == 7 && !strncasecmp(p, "Version", 7)) {
				st.ver = v;
				st.ver_n = vn;
			} else if (fn == 6 && !strncasecmp(p, "Source", 6)) {
				st.src = v;
				st.src_n = vn;
			} else if (fn == 6 && !strncasecmp(p, "Status", 6)) {
				st.status = v;
				st.status_n = vn;
			} else if (fn == 12 && !strncasecmp(p, "Architecture", 12)) {
				st.arch = v;
				st.arch_n = vn;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return stanza_end(inv, &st, name, bad, arg);
}

/* ---- rpm -qa --------------------------------------------------------------------------- */

static int known_arch(const char *s, size_t n)
{
	static const char *const arches[] = { "x86_64", "noarch", "i686", "i586", "i386",
					      "aarch64", "ppc64le", "ppc64", "s390x", "armv7hl",
					      "src", "riscv64", NULL };
	for (size_t i = 0; arches[i]; i++)
		if (strlen(arches[i]) == n && !memcmp(arches[i], s, n))
			return 1;
	return 0;
}

static int parse_rpm(struct audit_inventory *inv, const char *name, const char *data,
		     size_t len, audit_bad_fn bad, void *arg)
{
	const char *p = data, *end = data + len;
	long line = 0;
	int rc;

	inv->family = AUDIT_FAM_RPM;
	inv->format = "rpm-qa";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *d1 = NULL, *d2 = NULL, *arch = NULL;
		size_t n = (size_t)((nl ? nl : end) - p), alen = 0;
		line++;
		p = nl ? nl + 1 : end;
		trim(&s, &n);
		if (!n || s[0] == '#')
			continue;
		for (size_t i = n; i-- > 0;)
			if (s[i] == '.' && known_arch(s + i + 1, n - i - 1)) {
				arch = s + i + 1;
				alen = n - i - 1;
				n = i;
				break;
			}
		for (size_t i = n; i-- > 0;)
			if (s[i] == '-') {
				if (!d2)
					d2 = s + i;
				else {
					d1 = s + i;
					break;
				}
			}
		if (!d1 || d1 == s || d2 == d1 + 1 || d2 + 1 == s + n || has_space(s, n)) {
			char reason[200];
			snprintf(reason, sizeof(reason),
				 _("'%.*s' is not name-version-release[.arch]"),
				 (int)(n > 80 ? 80 : n), s);
			report(bad, arg, name, line, "", reason);
			inv->bad++;
			continue;
		}
		/* the EVR is everything after the name */
		if ((rc = inv_add(inv, s, (size_t)(d1 - s), d1 + 1, (size_t)(s + n - d1 - 1), NULL,
				  0, NULL, 0, arch, alen)) != V_OK)
			return rc;
	}
	return V_OK;
}

/* ---- CycloneDX ------------------------------------------------------------------------- */

/* Percent-decode [s, s+n) into out (size outsz); 0 on success. */
static int pct_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%' && i + 2 < n) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			char *stop;
			long v = strtol(hex, &stop, 16);
			if (*stop || v <= 0)
				return -1;
			c = (char)v;
			i += 2;
		} else if (c == '%') {
			return -1;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = c;
	}
	out[o] = 0;
	return 0;
}

/* The value of qualifier key in a purl's "?a=b&c=d" part, decoded; 0 when found. */
static int purl_qualifier(const char *q, const char *key, char *out, size_t outsz)
{
	size_t klen = strlen(key);

	while (q && *q) {
		const char *amp = strchr(q, '&'), *e = amp ? amp : q + strlen(q);
		if ((size_t)(e - q) > klen && !strncmp(q, key, klen) && q[klen] == '=')
			return pct_decode(q + klen + 1, (size_t)(e - q - klen - 1), out, outsz);
		q = amp ? amp + 1 : NULL;
	}
	return -1;
}

static int cdx_component(struct audit_inventory *inv, const char *name, long idx,
			 const json_t *c, audit_bad_fn bad, void *arg)
{
	const char *purl = json_string_value(json_object_get(c, "purl"));
	char type[8], pname[256], ver[256], src[256], arch[64], distro[64], reason[240];
	const char *at, *slash, *q, *nstart;
	int family;

	if (!purl) {
		snprintf(reason, sizeof(reason), _("component %ld ('%.80s') has no purl"), idx,
			 json_string_value(json_object_get(c, "name")) ?
				 json_string_value(json_object_get(c, "name")) : "?");
		report(bad, arg, name, 0, "purl", reason);
		inv->bad++;
		return V_OK;
	}
	if (!strncmp(purl, "pkg:deb/", 8))
		family = AUDIT_FAM_DPKG;
	else if (!strncmp(purl, "pkg:rpm/", 8))
		family = AUDIT_FAM_RPM;
	else
		return V_OK; /* a library, a file, a container: not a system package */
	snprintf(type, sizeof(type), "%s", family == AUDIT_FAM_DPKG ? "deb" : "rpm");
	q = strchr(purl, '?');
	at = strchr(purl + 8, '@');
	if (q && at && at > q)
		at = NULL;
	slash = NULL;
	for (const char *s = purl + 8; *s && s != (at ? at : q); s++)
		if (*s == '/')
			slash = s;
	nstart = slash ? slash + 1 : purl + 8;
	if (!at || at == nstart ||
	    pct_decode(nstart, (size_t)(at - nstart), pname, sizeof(pname)) ||
	    pct_decode(at + 1, q ? (size_t)(q - at - 1) : strlen(at + 1), ver, sizeof(ver)) ||
	    !ver[0] || (family == AUDIT_FAM_DPKG && !audit_dpkg_valid(ver))) {
		snprintf(reason, sizeof(reason), _("component %ld: '%.120s' is not a %s purl with a "
						   "name and version"), idx, purl, type);
		report(bad, arg, name, 0, "purl", reason);
		inv->bad++;
		return V_OK;
	}
	if (inv->family && inv->family != family) {
		snprintf(reason, sizeof(reason),
			 _("component %ld: '%.120s' mixes deb and rpm packages in one SBOM"), idx,
			 purl);
		report(bad, arg, name, 0, "purl", reason);
		inv->bad++;
		return V_OK;
	}
	inv->family = family;
	src[0] = arch[0] = 0;
	const char *sv = NULL;
	if (q && purl_qualifier(q + 1, "upstream", src, sizeof(src)) == 0) {
		/* syft writes "upstream=util-linux" or "upstream=util-linux@2.38.1-5" */
		char *a = strchr(src, '@');
		if (a) {
			*a = 0;
			sv = a + 1;
		} else if (family == AUDIT_FAM_RPM && strstr(src, ".src.rpm")) {
			/* a SOURCERPM name-version-release.src.rpm: keep the name */
			char *d = strrchr(src, '-');
			if (d) {
				*d = 0;
				if ((d = strrchr(src, '-')))
					*d = 0;
			}
		}
	}
	if (q)
		purl_qualifier(q + 1, "arch", arch, sizeof(arch));
	if (!inv->ecosystem[0] && q && purl_qualifier(q + 1, "distro", distro, sizeof(distro)) == 0) {
		/* "debian-12" or "bookworm" */
		if (!strncmp(distro, "debian-", 7))
			snprintf(inv->ecosystem, sizeof(inv->ecosystem), "Debian:%.50s", distro + 7);
		else if (family == AUDIT_FAM_DPKG && !inv->release[0])
			snprintf(inv->release, sizeof(inv->release), "%.31s", distro);
	}
	return inv_add(inv, pname, strlen(pname), ver, strlen(ver), src[0] ? src : NULL,
		       strlen(src), sv, sv ? strlen(sv) : 0, arch[0] ? arch : NULL, strlen(arch));
}

static int cdx_walk(struct audit_inventory *inv, const char *name, const json_t *arr,
		    long *idx, int depth, audit_bad_fn bad, void *arg)
{
	size_t i;
	json_t *c;
	int rc;

	if (depth > 16)
		return V_OK;
	json_array_foreach(arr, i, c) {
		(*idx)++;
		if (!json_is_object(c))
			continue;
		if ((rc = cdx_component(inv, name, *idx, c, bad, arg)) != V_OK)
			return rc;
		if ((rc = cdx_walk(inv, name, json_object_get(c, "components"), idx, depth + 1,
				   bad, arg)) != V_OK)
			return rc;
	}
	return V_OK;
}

static int parse_cyclonedx(struct audit_inventory *inv, const char *name, const char *data,
			   size_t len, audit_bad_fn bad, void *arg, struct verr *e)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, 0, &je);
	const char *fmt;
	long idx = 0;
	int rc;

	inv->format = "cyclonedx";
	if (!j) {
		rc = verr_set(e, V_ERR_PARSE, "", _("not JSON: %s"), je.text);
		e->file = name;
		e->line = je.line;
		return rc;
	}
	fmt = json_string_value(json_object_get(j, "bomFormat"));
	if (!fmt || strcmp(fmt, "CycloneDX") || !json_is_array(json_object_get(j, "components"))) {
		json_decref(j);
		rc = verr_set(e, V_ERR_PARSE, "bomFormat",
			      _("not a CycloneDX SBOM (needs \"bomFormat\": \"CycloneDX\" and a "
				"\"components\" array)"));
		e->file = name;
		return rc;
	}
	rc = cdx_walk(inv, name, json_object_get(j, "components"), &idx, 0, bad, arg);
	json_decref(j);
	if (rc == V_OK && !inv->family)
		inv->family = AUDIT_FAM_DPKG; /* an SBOM without system packages: nothing to do */
	return rc;
}

int audit_inventory_parse(struct audit_inventory *inv, const char *name, const char *data,
			  size_t len, audit_bad_fn bad, void *arg, struct verr *e)
{
	size_t i = 0;

	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	if (i < len && (data[i] == '{' || data[i] == '['))
		return parse_cyclonedx(inv, name, data, len, bad, arg, e);
	/* a dpkg status file has "Package:" lines; rpm -qa output never has a colon-space */
	for (const char *p = data; p && p < data + len;) {
		size_t left = (size_t)(data + len - p);
		if (left >= 8 && !strncasecmp(p, "Package:", 8))
			return parse_dpkg(inv, name, data, len, bad, arg);
		p = memchr(p, '\n', left);
		if (p)
			p++;
	}
	return parse_rpm(inv, name, data, len, bad, arg);
}

void audit_inventory_fini(struct audit_inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++)
		pkg_free(&inv->pkg[i]);
	free(inv->pkg);
	inv->pkg = NULL;
	inv->n = inv->size = 0;
}

/* the value of KEY= in os-release text, unquoted, into out */
static int os_release_value(const char *text, size_t len, const char *key, char *out,
			    size_t outsz)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && p < text + len;) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = (size_t)((nl ? nl : text + len) - p);
		if (n > klen + 1 && !strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t vn = n - klen - 1;
			if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
				v++;
				vn -= 2;
			}
			if (vn == 0 || vn >= outsz)
				return -1;
			memcpy(out, v, vn);
			out[vn] = 0;
			return 0;
		}
		p = nl ? nl + 1 : NULL;
	}
	return -1;
}

void audit_inventory_os_release(struct audit_inventory *inv, const char *text, size_t len)
{
	char id[32], ver[32];

	if (os_release_value(text, len, "ID", id, sizeof(id)))
		return;
	if (!inv->ecosystem[0] && !os_release_value(text, len, "VERSION_ID", ver, sizeof(ver))) {
		if (!strcmp(id, "debian"))
			snprintf(inv->ecosystem, sizeof(inv->ecosystem), "Debian:%s", ver);
		else if (!strcmp(id, "ubuntu"))
			snprintf(inv->ecosystem, sizeof(inv->ecosystem), "Ubuntu:%s", ver);
		else if (!strcmp(id, "almalinux"))
			snprintf(inv->ecosystem, sizeof(inv->ecosystem), "AlmaLinux:%s", ver);
		else if (!strcmp(id, "rocky"))
			snprintf(inv->ecosystem, sizeof(inv->ecosystem), "Rocky Linux:%s", ver);
	}
	if (!inv->release[0] && !strcmp(id, "debian"))
		os_release_value(text, len, "VERSION_CODENAME", inv->release, sizeof(inv->release));
}
