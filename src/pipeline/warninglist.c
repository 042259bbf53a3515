/*
 * warninglist.c — MISP warning lists: values too common to correlate on.
 *
 * A list (MISP's JSON format: name, description, version, type, list, matching_attributes)
 * is held in the shape its type needs:
 *   cidr       IPv4 and IPv6 ranges, sorted and merged, looked up by binary search; a
 *              network is common when it lies inside one range; a URL by its host address
 *   string     exact values (case-insensitive), sorted, binary search
 *   hostname   a name or any name under it (www.example.com under example.com); URLs and
 *              e-mail addresses by their host part
 *   substring  values containing an entry (case-insensitive), scanned
 *   regex      PCRE2 patterns ("/.../i" delimiters accepted), scanned
 * matching_attributes (MISP attribute types) decide which of our indicator kinds a list is
 * for; a list without them is for every kind.  Built-in lists are vigia's own files in
 * data/warninglists/, embedded in the binary.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <jansson.h>
#include <pcre2.h>

#include "base/i18n.h"
#include "ingest/ingest.h"
#include "pipeline/pipeline.h"

static const char *const builtin_lists[] = {
	"warninglists/rfc1918.json",
	"warninglists/special-ipv4.json",
	"warninglists/special-ipv6.json",
	"warninglists/special-names.json",
	"warninglists/empty-hashes.json",
};
#define NBUILTIN (sizeof(builtin_lists) / sizeof(builtin_lists[0]))

enum wl_type { WL_CIDR, WL_STRING, WL_HOSTNAME, WL_SUBSTRING, WL_REGEX };

/* Our indicator kinds and the MISP attribute types that stand for them. */
static const struct {
	const char *kind;
	const char *attrs[6];
} kinds[] = {
	{ "ip", { "ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip", "ip" } },
	{ "network", { "ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip", "ip" } },
	{ "domain", { "hostname", "domain", "domain|ip", "hostname|port", NULL } },
	{ "url", { "url", "uri", "link", NULL } },
	{ "md5", { "md5", "filename|md5", NULL } },
	{ "sha1", { "sha1", "filename|sha1", NULL } },
	{ "sha256", { "sha256", "filename|sha256", NULL } },
	{ "email", { "email", "email-src", "email-dst", "target-email", "whois-registrant-email",
		     NULL } },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

struct range4 {
	uint32_t lo, hi;
};
struct range6 {
	unsigned __int128 lo, hi;
};

struct wlist {
	char *name;
	enum wl_type type;
	unsigned kinds;           /* bit i: kinds[i] */
	struct range4 *r4;
	size_t n4;
	struct range6 *r6;
	size_t n6;
	char **str;               /* lower-cased; sorted for string/hostname */
	size_t nstr;
	pcre2_code **re;
	size_t nre;
};

struct wlists {
	struct wlist *l;
	size_t n, cap;
};

struct wlists *wlists_new(void)
{
	return calloc(1, sizeof(struct wlists));
}

static void wlist_fini(struct wlist *l)
{
	free(l->name);
	free(l->r4);
	free(l->r6);
	for (size_t i = 0; i < l->nstr; i++)
		free(l->str[i]);
	free(l->str);
	for (size_t i = 0; i < l->nre; i++)
		pcre2_code_free(l->re[i]);
	free(l->re);
}

void wlists_free(struct wlists *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		wlist_fini(&w->l[i]);
	free(w->l);
	free(w);
}

size_t wlists_count(const struct wlists *w)
{
	return w ? w->n : 0;
}

static int kind_index(const char *kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i].kind, kind))
			return (int)i;
	return -1;
}

/* ---- addresses ------------------------------------------------------------------------------- */

static unsigned __int128 v6_num(const unsigned char b[16])
{
	unsigned __int128 x = 0;
	for (int i = 0; i < 16; i++)
		x = (x << 8) | b[i];
	return x;
}

/* "a.b.c.d", "a.b.c.d/n", "x::y", "x::y/n" into a range; 4 or 6, or 0 when it is not one. */
static int parse_cidr(const char *s, size_t len, struct range4 *r4, struct range6 *r6)
{
	char tmp[64];
	const char *slash;
	long bits = -1;
	unsigned char b[16];

	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	slash = strchr(tmp, '/');
	if (slash) {
		char *end;
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || errno || bits < 0)
			return 0;
		tmp[slash - tmp] = 0;
	}
	if (inet_pton(AF_INET, tmp, b) == 1) {
		uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
			     (uint32_t)b[2] << 8 | b[3];
		uint32_t mask;
		if (bits > 32)
			return 0;
		if (bits < 0)
			bits = 32;
		mask = bits == 0 ? 0 : ~(uint32_t)0 << (32 - bits);
		r4->lo = a & mask;
		r4->hi = r4->lo | ~mask;
		return 4;
	}
	if (inet_pton(AF_INET6, tmp, b) == 1) {
		unsigned __int128 a = v6_num(b), mask;
		if (bits > 128)
			return 0;
		if (bits < 0)
			bits = 128;
		mask = bits == 0 ? 0 : ~(unsigned __int128)0 << (128 - bits);
		r6->lo = a & mask;
		r6->hi = r6->lo | ~mask;
		return 6;
	}
	return 0;
}

static int cmp_r4(const void *a, const void *b)
{
	const struct range4 *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp_r6(const void *a, const void *b)
{
	const struct range6 *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge overlapping ranges, so a lookup is one binary search. */
static void merge_ranges(struct wlist *l)
{
	size_t k = 0;

	qsort(l->r4, l->n4, sizeof(*l->r4), cmp_r4);
	for (size_t i = 0; i < l->n4; i++) {
		if (k && l->r4[i].lo <= l->r4[k - 1].hi) {
			if (l->r4[i].hi > l->r4[k - 1].hi)
				l->r4[k - 1].hi = l->r4[i].hi;
		} else
			l->r4[k++] = l->r4[i];
	}
	l->n4 = k;
	k = 0;
	qsort(l->r6, l->n6, sizeof(*l->r6), cmp_r6);
	for (size_t i = 0; i < l->n6; i++) {
		if (k && l->r6[i].lo <= l->r6[k - 1].hi) {
			if (l->r6[i].hi > l->r6[k - 1].hi)
				l->r6[k - 1].hi = l->r6[i].hi;
		} else
			l->r6[k++] = l->r6[i];
	}
	l->n6 = k;
}

/* The range holding [lo, hi] entirely, if any. */
static int in_r4(const struct wlist *l, uint32_t lo, uint32_t hi)
{
	size_t a = 0, b = l->n4;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (l->r4[m].lo <= lo)
			a = m + 1;
		else
			b = m;
	}
	return a > 0 && l->r4[a - 1].lo <= lo && hi <= l->r4[a - 1].hi;
}

static int in_r6(const struct wlist *l, unsigned __int128 lo, unsigned __int128 hi)
{
	size_t a = 0, b = l->n6;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (l->r6[m].lo <= lo)
			a = m + 1;
		else
			b = m;
	}
	return a > 0 && l->r6[a - 1].lo <= lo && hi <= l->r6[a - 1].hi;
}

/* ---- names ----------------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_str(const struct wlist *l, const char *s)
{
	return bsearch(&s, l->str, l->nstr, sizeof(char *), cmp_str) != NULL;
}

/* The host of a URL ("scheme://[user@]host[:port]/..."), lower-cased into out. */
static size_t url_host(const char *v, size_t len, char *out, size_t outsz)
{
	const char *p = memchr(v, ':', len), *e = v + len, *h;
	size_t n = 0;

	if (!p || p + 3 > e || p[1] != '/' || p[2] != '/')
		return 0;
	h = p + 3;
	for (const char *q = h; q < e && *q != '/' && *q != '?' && *q != '#'; q++)
		if (*q == '@')
			h = q + 1;
	if (h < e && *h == '[') { /* [v6]:port */
		h++;
		while (h < e && *h != ']' && n + 1 < outsz)
			out[n++] = (char)tolower((unsigned char)*h++);
	} else
		while (h < e && *h != '/' && *h != ':' && *h != '?' && *h != '#' && n + 1 < outsz)
			out[n++] = (char)tolower((unsigned char)*h++);
	out[n] = 0;
	return n;
}

static int hostname_match(const struct wlist *l, const char *host)
{
	for (const char *p = host; p && *p; p = strchr(p, '.'), p = p ? p + 1 : NULL)
		if (has_str(l, p))
			return 1;
	return 0;
}

/*
 * A value as the lists look at it: its lower-case form, a URL's host and an address's range
 * are each made once per wlists_match(), when a list first needs them, not once per list
 * (they were 4% of an ingest into the store).
 */
struct probe {
	const char *v;
	size_t len;
	int kind;
	int low_done, host_done, cidr_done;
	int fam;                /* parse_cidr's answer: 4, 6 or 0 */
	size_t host_len;
	struct range4 r4;
	struct range6 r6;
	char low[2048], host[512];
};

static const char *probe_low(struct probe *p)
{
	if (!p->low_done) {
		size_t n = p->len < sizeof(p->low) - 1 ? p->len : sizeof(p->low) - 1;
		for (size_t i = 0; i < n; i++)
			p->low[i] = (char)tolower((unsigned char)p->v[i]);
		p->low[n] = 0;
		p->low_done = 1;
	}
	return p->low;
}

/* A URL's host (lower case), or NULL when the URL has none. */
static const char *probe_host(struct probe *p)
{
	if (!p->host_done) {
		p->host_len = url_host(p->v, p->len, p->host, sizeof(p->host));
		p->host_done = 1;
	}
	return p->host_len ? p->host : NULL;
}

static int probe_cidr(const struct wlist *l, struct probe *p)
{
	if (!p->cidr_done) {
		if (!strcmp(kinds[p->kind].kind, "url")) {
			const char *h = probe_host(p);
			p->fam = h ? parse_cidr(h, p->host_len, &p->r4, &p->r6) : 0;
		} else
			p->fam = parse_cidr(p->v, p->len, &p->r4, &p->r6);
		p->cidr_done = 1;
	}
	switch (p->fam) {
	case 4: return in_r4(l, p->r4.lo, p->r4.hi);
	case 6: return in_r6(l, p->r6.lo, p->r6.hi);
	default: return 0;
	}
}

static int list_match(const struct wlist *l, struct probe *p)
{
	const char *low, *h;

	switch (l->type) {
	case WL_CIDR:
		return probe_cidr(l, p);
	case WL_STRING:
		return has_str(l, probe_low(p));
	case WL_HOSTNAME:
		if (!strcmp(kinds[p->kind].kind, "url"))
			return (h = probe_host(p)) != NULL && hostname_match(l, h);
		low = probe_low(p);
		if (!strcmp(kinds[p->kind].kind, "email")) {
			const char *at = strrchr(low, '@');
			return at && hostname_match(l, at + 1);
		}
		return hostname_match(l, low);
	case WL_SUBSTRING:
		low = probe_low(p);
		for (size_t i = 0; i < l->nstr; i++)
			if (strstr(low, l->str[i]))
				return 1;
		return 0;
	case WL_REGEX: {
		int hit = 0;
		for (size_t i = 0; i < l->nre && !hit; i++) {
			pcre2_match_data *md = pcre2_match_data_create_from_pattern(l->re[i], NULL);
			if (!md)
				return 0;
			hit = pcre2_match(l->re[i], (PCRE2_SPTR)p->v, p->len, 0, 0, md, NULL) >= 0;
			pcre2_match_data_free(md);
		}
		return hit;
	}
	}
	return 0;
}

const char *wlists_match(const struct wlists *w, const char *kind, const char *value, size_t len)
{
	int k = kind_index(kind);
	struct probe p;

	if (!w || k < 0)
		return NULL;
	p.v = value;
	p.len = len;
	p.kind = k;
	p.low_done = p.host_done = p.cidr_done = 0;
	for (size_t i = 0; i < w->n; i++)
		if ((w->l[i].kinds & (1u << k)) && list_match(&w->l[i], &p))
			return w->l[i].name;
	return NULL;
}

/* ---- loading --------------------------------------------------------------------------------- */

static int add_regex(struct wlist *l, const char *s)
{
	size_t len = strlen(s);
	uint32_t opts = 0;
	int ecode;
	PCRE2_SIZE eoff;
	pcre2_code *re;

	/* "/pattern/flags" as MISP writes them */
	if (len >= 2 && s[0] == '/') {
		const char *end = strrchr(s, '/');
		if (end > s) {
			for (const char *f = end + 1; *f; f++)
				if (*f == 'i')
					opts |= PCRE2_CASELESS;
			len = (size_t)(end - s - 1);
			s++;
		}
	}
	re = pcre2_compile((PCRE2_SPTR)s, len, opts | PCRE2_UTF, &ecode, &eoff, NULL);
	if (!re)
		return V_ERR_INVALID;
	l->re[l->nre++] = re;
	return V_OK;
}

int wlists_load_json(struct wlists *w, const char *text, size_t len, const char *source,
		     struct verr *err)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je), *list, *attrs, *v;
	struct wlist l = { 0 };
	const char *type, *name;
	size_t i, n;
	int rc = V_ERR_PARSE;

	if (!j) {
		if (err) {
			err->file = source;
			err->line = je.line;
		}
		return verr_set(err, V_ERR_PARSE, "", "%s", je.text);
	}
	name = json_string_value(json_object_get(j, "name"));
	type = json_string_value(json_object_get(j, "type"));
	list = json_object_get(j, "list");
	if (!name || !type || !json_is_array(list)) {
		verr_set(err, V_ERR_PARSE, "", "%s",
			 _("not a MISP warning list (needs name, type and list)"));
		goto out;
	}
	if (!strcmp(type, "cidr"))
		l.type = WL_CIDR;
	else if (!strcmp(type, "string"))
		l.type = WL_STRING;
	else if (!strcmp(type, "hostname"))
		l.type = WL_HOSTNAME;
	else if (!strcmp(type, "substring"))
		l.type = WL_SUBSTRING;
	else if (!strcmp(type, "regex"))
		l.type = WL_REGEX;
	else {
		verr_set(err, V_ERR_PARSE, "type", _("unknown warning list type '%s'"), type);
		goto out;
	}
	attrs = json_object_get(j, "matching_attributes");
	if (json_is_array(attrs) && json_array_size(attrs)) {
		json_array_foreach(attrs, i, v) {
			const char *a = json_string_value(v);
			for (size_t k = 0; a && k < NKINDS; k++)
				for (size_t t = 0; t < 6 && kinds[k].attrs[t]; t++)
					if (!strcmp(kinds[k].attrs[t], a))
						l.kinds |= 1u << k;
		}
	} else
		l.kinds = (1u << NKINDS) - 1;
	if (!l.kinds) { /* for attributes we do not correlate on: nothing to keep */
		rc = V_OK;
		goto out;
	}
	n = json_array_size(list);
	rc = V_ERR_NOMEM;
	if (!(l.name = strdup(name)))
		goto out;
	if (l.type == WL_CIDR) {
		l.r4 = calloc(n + 1, sizeof(*l.r4));
		l.r6 = calloc(n + 1, sizeof(*l.r6));
		if (!l.r4 || !l.r6)
			goto out;
	} else if (l.type == WL_REGEX) {
		if (!(l.re = calloc(n + 1, sizeof(*l.re))))
			goto out;
	} else if (!(l.str = calloc(n + 1, sizeof(*l.str))))
		goto out;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			continue;
		if (l.type == WL_CIDR) {
			int fam = parse_cidr(s, strlen(s), &l.r4[l.n4], &l.r6[l.n6]);
			l.n4 += fam == 4;
			l.n6 += fam == 6;
		} else if (l.type == WL_REGEX) {
			add_regex(&l, s); /* a pattern PCRE2 refuses is left out */
		} else {
			char *c = strdup(s);
			if (!c)
				goto out;
			for (char *p = c; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			/* hostnames: "*.example.com" and ".example.com" mean the same here */
			if (l.type == WL_HOSTNAME) {
				char *p = c;
				if (*p == '*')
					p++;
				if (*p == '.')
					p++;
				memmove(c, p, strlen(p) + 1);
			}
			l.str[l.nstr++] = c;
		}
	}
	if (l.type == WL_CIDR)
		merge_ranges(&l);
	if (l.type == WL_STRING || l.type == WL_HOSTNAME)
		qsort(l.str, l.nstr, sizeof(char *), cmp_str);
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct wlist *nl = realloc(w->l, cap * sizeof(*nl));
		if (!nl)
			goto out;
		w->l = nl;
		w->cap = cap;
	}
	w->l[w->n++] = l;
	memset(&l, 0, sizeof(l));
	rc = V_OK;
out:
	if (rc == V_ERR_NOMEM)
		verr_set(err, rc, "", "%s", vres_str(rc));
	if (rc != V_OK && err) {
		err->file = source;
		err->line = 0;
	}
	wlist_fini(&l);
	json_decref(j);
	return rc;
}

/* Errors name a file that is gone when the caller reads them: put it into the reason. */
static void err_in(struct verr *err, const char *path)
{
	char r[sizeof(err->reason)];

	if (!err)
		return;
	if (err->line)
		snprintf(r, sizeof(r), "%.128s:%ld: %.100s", path, err->line, err->reason);
	else
		snprintf(r, sizeof(r), "%.128s: %.120s", path, err->reason);
	memcpy(err->reason, r, sizeof(r));
	err->file = NULL;
	err->line = 0;
}

static int load_file(struct wlists *w, const char *path, struct verr *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;
	int rc = V_OK;

	if (!f) {
		verr_set(err, V_ERR_IO, "", "%s", strerror(errno));
		err_in(err, path);
		return V_ERR_IO;
	}
	buf_init(&b, (size_t)64 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = buf_append(&b, chunk, n)) != V_OK)
			break;
	if (rc == V_OK && ferror(f))
		rc = V_ERR_IO;
	fclose(f);
	if (rc != V_OK)
		verr_set(err, rc, "", "%s", rc == V_ERR_IO ? strerror(EIO) : vres_str(rc));
	else
		rc = wlists_load_json(w, b.data ? b.data : "", b.len, path, err);
	if (rc != V_OK)
		err_in(err, path);
	buf_fini(&b);
	return rc;
}

static int cmp_dirent(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int wlists_load_dir(struct wlists *w, const char *dir, struct verr *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = V_OK;
	struct buf path;

	if (!d) {
		verr_set(err, V_ERR_IO, "", "%s", strerror(errno));
		err_in(err, dir);
		return V_ERR_IO;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nn));
			if (!nn) {
				rc = V_ERR_NOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = V_ERR_NOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_dirent);
	buf_init(&path, 0);
	for (size_t i = 0; i < n && rc == V_OK; i++) {
		struct stat sb;
		size_t l = strlen(names[i]);
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, names[i]);
		if (stat(path.data, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			buf_puts(&path, "/list.json");
			if (stat(path.data, &sb) == 0 && S_ISREG(sb.st_mode))
				rc = load_file(w, path.data, err);
		} else if (S_ISREG(sb.st_mode) && l > 5 && !strcmp(names[i] + l - 5, ".json")) {
			rc = load_file(w, path.data, err);
		}
	}
	if (rc == V_ERR_NOMEM)
		verr_set(err, rc, "", "%s", vres_str(rc));
	buf_fini(&path);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int wlists_load(struct wlists *w, const char *sources, struct verr *err)
{
	const char *s = sources;
	char item[4096];
	int rc;

	while (s && *s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		while (len && (*s == ' ' || *s == '\t'))
			s++, len--;
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len >= sizeof(item))
			return verr_set(err, V_ERR_USAGE, "correlate.warninglists", "%s",
					_("path too long"));
		memcpy(item, s, len);
		item[len] = 0;
		if (!strcmp(item, "builtin")) {
			for (size_t i = 0; i < NBUILTIN; i++) {
				size_t bl;
				const char *data = blob_get(builtin_lists[i], &bl);
				if (!data)
					continue;
				rc = wlists_load_json(w, data, bl, builtin_lists[i], err);
				if (rc != V_OK)
					return rc;
			}
		} else if (len && (rc = wlists_load_dir(w, item, err)) != V_OK) {
			return rc;
		}
		s = comma ? comma + 1 : NULL;
	}
	return V_OK;
}
