/*
 * version.c — package version order exactly as dpkg and rpm define it, so that "installed
 * version < fixed version" means what the distribution means.
 *
 * dpkg: [epoch:]upstream[-revision]; epochs compare as numbers, then upstream and revision
 * with dpkg's verrevcmp (letters before other characters, '~' before everything, even the
 * end of the string; digit runs as numbers).  A missing revision equals "0".
 * rpm: [epoch:]version[-release] split as rpm's EVR parser does; each part compared with
 * rpmvercmp (alphanumeric segments, '~' sorts first, '^' after the end but before anything
 * else); the releases only when both sides have one.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"

static int c_isdigit(int c) { return c >= '0' && c <= '9'; }
static int c_isalpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* dpkg's character weight: '~' first, then the end of the string and digits, then letters,
 * then every other character. */
static int dpkg_order(int c)
{
	if (c_isdigit(c))
		return 0;
	if (c_isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* Compare [a, ae) with [b, be) the way dpkg's verrevcmp does. */
static int dpkg_verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;

		while ((a < ae && !c_isdigit(*a)) || (b < be && !c_isdigit(*b))) {
			int ac = a < ae ? dpkg_order((unsigned char)*a) : 0;
			int bc = b < be ? dpkg_order((unsigned char)*b) : 0;
			if (ac != bc)
				return ac < bc ? -1 : 1;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && c_isdigit(*a) && c_isdigit(*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && c_isdigit(*a))
			return 1;
		if (b < be && c_isdigit(*b))
			return -1;
		if (first_diff)
			return first_diff < 0 ? -1 : 1;
	}
	return 0;
}

struct dpkg_ver {
	unsigned long epoch;
	const char *up, *up_end, *rev, *rev_end;
};

static int dpkg_parse(const char *s, struct dpkg_ver *v)
{
	const char *colon, *dash, *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		end--;
	if (end == s)
		return V_ERR_INVALID;
	v->epoch = 0;
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon) {
		char *stop;
		if (colon == s || !c_isdigit(*s))
			return V_ERR_INVALID;
		v->epoch = strtoul(s, &stop, 10);
		if (stop != colon || v->epoch > 2147483647UL)
			return V_ERR_INVALID;
		s = colon + 1;
	}
	if (s == end)
		return V_ERR_INVALID;
	dash = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '-')
			dash = p;
	v->up = s;
	v->up_end = dash ? dash : end;
	v->rev = dash ? dash + 1 : end;
	v->rev_end = end;
	if (v->up == v->up_end || (dash && v->rev == v->rev_end))
		return V_ERR_INVALID;
	for (const char *p = s; p < end; p++)
		if (*p == ' ' || *p == '\t' || (unsigned char)*p < 0x20)
			return V_ERR_INVALID;
	return V_OK;
}

int audit_dpkg_valid(const char *v)
{
	struct dpkg_ver x;
	return v && dpkg_parse(v, &x) == V_OK;
}

int audit_dpkg_cmp(const char *a, const char *b)
{
	struct dpkg_ver x, y;
	int r;

	if (dpkg_parse(a, &x) != V_OK || dpkg_parse(b, &y) != V_OK) {
		/* invalid versions sort before valid ones, and among themselves as bytes */
		int va = dpkg_parse(a, &x) == V_OK, vb = dpkg_parse(b, &y) == V_OK;
		if (va != vb)
			return va ? 1 : -1;
		r = strcmp(a, b);
		return r < 0 ? -1 : r > 0;
	}
	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	if ((r = dpkg_verrevcmp(x.up, x.up_end, y.up, y.up_end)))
		return r;
	return dpkg_verrevcmp(x.rev, x.rev_end, y.rev, y.rev_end);
}

/* rpmvercmp over [a, ae) and [b, be). */
static int rpm_vercmp(const char *a, const char *ae, const char *b, const char *be)
{
	if (ae - a == be - b && !memcmp(a, b, (size_t)(ae - a)))
		return 0;
	while (a < ae || b < be) {
		const char *s1, *s2;
		int isnum;
		size_t n1, n2;
		int rc;

		while (a < ae && !c_isalpha(*a) && !c_isdigit(*a) && *a != '~' && *a != '^')
			a++;
		while (b < be && !c_isalpha(*b) && !c_isdigit(*b) && *b != '~' && *b != '^')
			b++;
		if ((a < ae && *a == '~') || (b < be && *b == '~')) {
			if (!(a < ae && *a == '~'))
				return 1;
			if (!(b < be && *b == '~'))
				return -1;
			a++;
			b++;
			continue;
		}
		if ((a < ae && *a == '^') || (b < be && *b == '^')) {
			if (a == ae)
				return -1;
			if (b == be)
				return 1;
			if (*a != '^')
				return 1;
			if (*b != '^')
				return -1;
			a++;
			b++;
			continue;
		}
		if (!(a < ae && b < be))
			break;
		s1 = a;
		s2 = b;
		if (c_isdigit(*s1)) {
			while (s1 < ae && c_isdigit(*s1))
				s1++;
			while (s2 < be && c_isdigit(*s2))
				s2++;
			isnum = 1;
		} else {
			while (s1 < ae && c_isalpha(*s1))
				s1++;
			while (s2 < be && c_isalpha(*s2))
				s2++;
			isnum = 0;
		}
		if (a == s1)
			return -1; /* rpm: arbitrary */
		if (b == s2)
			return isnum ? 1 : -1;
		if (isnum) {
			while (a < s1 && *a == '0')
				a++;
			while (b < s2 && *b == '0')
				b++;
			if (s1 - a != s2 - b)
				return s1 - a > s2 - b ? 1 : -1;
		}
		n1 = (size_t)(s1 - a);
		n2 = (size_t)(s2 - b);
		rc = memcmp(a, b, n1 < n2 ? n1 : n2);
		if (!rc && n1 != n2)
			rc = n1 < n2 ? -1 : 1;
		if (rc)
			return rc < 0 ? -1 : 1;
		a = s1;
		b = s2;
	}
	if (a == ae && b == be)
		return 0;
	return a == ae ? -1 : 1;
}

struct rpm_evr {
	const char *e, *ee, *v, *ve, *r, *re; /* r NULL when there is no release */
};

static void rpm_parse(const char *s, struct rpm_evr *x)
{
	const char *end = s + strlen(s), *p = s, *dash = NULL;

	while (p < end && c_isdigit(*p))
		p++;
	for (const char *q = p; q < end; q++)
		if (*q == '-')
			dash = q;
	if (p < end && *p == ':') {
		x->e = s;
		x->ee = p;
		if (x->e == x->ee) {
			x->e = "0";
			x->ee = x->e + 1;
		}
		x->v = p + 1;
	} else {
		x->e = "0";
		x->ee = x->e + 1;
		x->v = s;
	}
	x->ve = dash ? dash : end;
	x->r = dash ? dash + 1 : NULL;
	x->re = end;
}

int audit_rpm_cmp(const char *a, const char *b)
{
	struct rpm_evr x, y;
	int r;

	rpm_parse(a, &x);
	rpm_parse(b, &y);
	if ((r = rpm_vercmp(x.e, x.ee, y.e, y.ee)))
		return r;
	if ((r = rpm_vercmp(x.v, x.ve, y.v, y.ve)))
		return r;
	if (x.r && y.r)
		return rpm_vercmp(x.r, x.re, y.r, y.re);
	return 0;
}

int audit_dpkg_valid_n(const char *v, size_t n)
{
	char tmp[256];

	if (!v || n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, v, n);
	tmp[n] = 0;
	return audit_dpkg_valid(tmp);
}
