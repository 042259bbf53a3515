/*
 * constituency_check.c — checking and normalising the values of a constituency: networks,
 * AS numbers, domains, e-mail addresses, country codes (against data/iso3166.def), languages,
 * notification formats and OpenPGP fingerprints.  Every import, every `vigia constituency add`
 * and every lookup value passes through here, so the store only ever holds canonical values.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "enrich/constituency.h"

/* ---- networks -------------------------------------------------------------------------------- */

static void mask_net(struct ipdb_addr *a, int bits)
{
	if (a->family == 4) {
		a->lo &= bits == 0 ? 0 : (0xffffffffu << (32 - bits)) & 0xffffffffu;
	} else if (bits <= 64) {
		a->hi &= bits == 0 ? 0 : ~0ULL << (64 - bits);
		a->lo = 0;
	} else {
		a->lo &= ~0ULL << (128 - bits);
	}
}

int constituency_net_parse(const char *s, struct constituency_net *out, struct verr *err)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct ipdb_addr a, m;
	long bits;
	int mapped;

	memset(out, 0, sizeof(*out));
	if (ipdb_addr_parse(s, alen, &a) != V_OK)
		return verr_set(err, V_ERR_INVALID, NULL,
				_("'%s' is not a network (CIDR such as 192.0.2.0/24 or "
				  "2001:db8::/32)"), s);
	/* "::ffff:192.0.2.0/120" is the IPv4 network 192.0.2.0/24 */
	mapped = a.family == 4 && memchr(s, ':', alen) != NULL;
	if (!slash) {
		bits = a.family == 4 ? 32 : 128;
	} else {
		const char *p = slash + 1;
		char *end;
		if (!isdigit((unsigned char)*p) || strlen(p) > 3)
			goto bad_len;
		errno = 0;
		bits = strtol(p, &end, 10);
		if (errno || *end)
			goto bad_len;
		if (mapped) {
			if (bits < 96 || bits > 128)
				goto bad_len;
			bits -= 96;
		}
		if (bits > (a.family == 4 ? 32 : 128))
			goto bad_len;
	}
	m = a;
	mask_net(&m, (int)bits);
	if (m.hi != a.hi || m.lo != a.lo) {
		char want[CONSTITUENCY_NETSTRLEN];
		struct constituency_net n = { m, (int)bits };
		constituency_net_format(&n, want);
		return verr_set(err, V_ERR_INVALID, NULL,
				_("'%s' has host bits set: the network is %s"), s, want);
	}
	out->addr = a;
	out->bits = (int)bits;
	return V_OK;
bad_len:
	return verr_set(err, V_ERR_INVALID, NULL,
			_("'%s' is not a network: the prefix length must be 0 to 32 for IPv4, "
			  "0 to 128 for IPv6"), s);
}

void constituency_net_format(const struct constituency_net *n, char out[CONSTITUENCY_NETSTRLEN])
{
	char a[IPDB_ADDRSTRLEN];

	ipdb_addr_format(&n->addr, a);
	snprintf(out, CONSTITUENCY_NETSTRLEN, "%s/%d", a, n->bits);
}

/* ---- numbers, names, addresses --------------------------------------------------------------- */

int constituency_asn(const char *s, int64_t *out, struct verr *err)
{
	const char *p = s;
	char *end;
	unsigned long long v;

	*out = 0;
	if ((p[0] == 'A' || p[0] == 'a') && (p[1] == 'S' || p[1] == 's'))
		p += 2;
	if (!isdigit((unsigned char)*p) || strlen(p) > 10)
		goto bad;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || *end || v < 1 || v > 4294967294ULL)
		goto bad;
	*out = (int64_t)v;
	return V_OK;
bad:
	return verr_set(err, V_ERR_INVALID, NULL,
			_("'%s' is not an AS number (1 to 4294967294, such as 64500 or "
			  "AS64500)"), s);
}

static int is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int constituency_domain(const char *s, char out[CONSTITUENCY_DOMAINLEN], struct verr *err)
{
	struct ipdb_addr a;
	struct buf b;
	enum vkind kind;
	struct verr e = { 0 };
	size_t n = strlen(s), lab = 0;
	int rc, digits_only = 1;

	out[0] = 0;
	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	while (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return verr_set(err, V_ERR_INVALID, NULL, "%s", _("an empty domain name"));
	if (ipdb_addr_parse(s, n, &a) == V_OK)
		return verr_set(err, V_ERR_INVALID, NULL,
				_("'%s' is an address, not a domain name (give it as a "
				  "network)"), s);
	/* the same rules as events' domain names, so that both compare equal */
	buf_init(&b, 4096);
	rc = value_sanitize(FT_FQDN, s, n, &b, &kind, &e);
	if (rc != V_OK || b.len == 0 || b.len >= CONSTITUENCY_DOMAINLEN) {
		buf_fini(&b);
		return verr_set(err, V_ERR_INVALID, NULL, _("'%s' is not a domain name%s%s"), s,
				e.reason[0] ? ": " : "", e.reason);
	}
	for (size_t i = 0; i < b.len; i++) {
		int c = tolower((unsigned char)b.data[i]);
		out[i] = (char)c;
		if (c == '.') {
			lab = 0;
			continue;
		}
		if (!is_ldh(c) || ++lab > 63) {
			buf_fini(&b);
			out[0] = 0;
			return verr_set(err, V_ERR_INVALID, NULL,
					_("'%s' is not a domain name (letters, digits, '-' and '.' "
					  "only)"), s);
		}
		digits_only &= c >= '0' && c <= '9';
	}
	out[b.len] = 0;
	buf_fini(&b);
	if (digits_only) {
		out[0] = 0;
		return verr_set(err, V_ERR_INVALID, NULL, _("'%s' is not a domain name"), s);
	}
	return V_OK;
}

static int is_atext(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

int constituency_email(const char *s, char *out, size_t outlen, struct verr *err)
{
	const char *at = strrchr(s, '@'), *d;
	size_t n = strlen(s), local, lab = 0, labels = 1;
	int alpha_tld = 0;

	if (outlen)
		out[0] = 0;
	if (!at || n > 254 || n >= outlen)
		goto bad;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		goto bad;
	for (size_t i = 0; i < local; i++)
		if (!(is_atext((unsigned char)s[i]) || (s[i] == '.' && s[i + 1] != '.')))
			goto bad;
	d = at + 1;
	if (!*d || *d == '.' || *d == '-')
		goto bad;
	for (const char *p = d; *p; p++) {
		if (*p == '.') {
			if (lab == 0 || p[-1] == '-' || !p[1])
				goto bad;
			lab = 0;
			labels++;
			alpha_tld = 0;
			continue;
		}
		if (!(isalnum((unsigned char)*p) || *p == '-') || ++lab > 63)
			goto bad;
		alpha_tld |= isalpha((unsigned char)*p);
	}
	if (labels < 2 || !alpha_tld || d[strlen(d) - 1] == '-')
		goto bad;
	memcpy(out, s, local + 1);
	for (size_t i = local + 1; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return V_OK;
bad:
	if (outlen)
		out[0] = 0;
	return verr_set(err, V_ERR_INVALID, NULL,
			_("'%s' is not an e-mail address (name@example.org)"), s);
}

/* ---- codes ----------------------------------------------------------------------------------- */

static const struct {
	char cc[3];
	const char *name;
} iso3166[] = {
#define ISO3166(cc, name) { cc, name },
#include "../../data/iso3166.def"
#undef ISO3166
};

const char *constituency_country_name(const char *cc)
{
	if (!cc || strlen(cc) != 2)
		return NULL;
	for (size_t i = 0; i < sizeof(iso3166) / sizeof(iso3166[0]); i++)
		if (iso3166[i].cc[0] == cc[0] && iso3166[i].cc[1] == cc[1])
			return iso3166[i].name;
	return NULL;
}

int constituency_cc(const char *s, char out[3], struct verr *err)
{
	out[0] = 0;
	if (strlen(s) == 2 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1])) {
		char cc[3] = { (char)toupper((unsigned char)s[0]),
			       (char)toupper((unsigned char)s[1]), 0 };
		if (constituency_country_name(cc)) {
			memcpy(out, cc, 3);
			return V_OK;
		}
		/* the usual mistakes: codes of other lists */
		if (!strcmp(cc, "UK"))
			return verr_set(err, V_ERR_INVALID, NULL, "%s",
					_("'UK' is not an ISO 3166-1 code: the United Kingdom "
					  "is GB"));
		if (!strcmp(cc, "EL"))
			return verr_set(err, V_ERR_INVALID, NULL, "%s",
					_("'EL' is not an ISO 3166-1 code: Greece is GR"));
	}
	return verr_set(err, V_ERR_INVALID, NULL,
			_("'%s' is not an ISO 3166-1 alpha-2 country code (such as ES, DE, "
			  "US)"), s);
}

/* s equals one of the NULL-terminated list (ASCII case ignored): the list's entry, or NULL. */
static const char *one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcasecmp(s, *list))
			return *list;
	return NULL;
}

int constituency_lang(const char *s, const char **out, struct verr *err)
{
	static const char *const langs[] = { "es", "en", NULL };

	if ((*out = one_of(s, langs)) != NULL)
		return V_OK;
	return verr_set(err, V_ERR_INVALID, NULL,
			_("'%s' is not a language vigia writes notifications in (es or en)"), s);
}

int constituency_format(const char *s, const char **out, struct verr *err)
{
	static const char *const formats[] = { "text", "csv", "json", "xarf", "iodef", NULL };

	if ((*out = one_of(s, formats)) != NULL)
		return V_OK;
	return verr_set(err, V_ERR_INVALID, NULL,
			_("'%s' is not a notification format (text, csv, json, xarf or iodef)"), s);
}

int constituency_fingerprint(const char *s, char out[CONSTITUENCY_FPRLEN], struct verr *err)
{
	size_t n = 0;
	const char *p = s;

	out[0] = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; *p; p++) {
		if (*p == ' ')
			continue;
		if (!isxdigit((unsigned char)*p) || n >= CONSTITUENCY_FPRLEN - 1)
			goto bad;
		out[n++] = (char)toupper((unsigned char)*p);
	}
	out[n] = 0;
	if (n == 40 || n == 64)
		return V_OK;
bad:
	out[0] = 0;
	return verr_set(err, V_ERR_INVALID, NULL,
			_("'%s' is not an OpenPGP key fingerprint (40 or 64 hexadecimal "
			  "digits)"), s);
}

int constituency_flag(const char *s, int *out, struct verr *err)
{
	static const char *const yes[] = { "yes", "true", "1", NULL };
	static const char *const no[] = { "no", "false", "0", "", NULL };

	if (one_of(s, yes)) {
		*out = 1;
		return V_OK;
	}
	if (one_of(s, no)) {
		*out = 0;
		return V_OK;
	}
	*out = 0;
	return verr_set(err, V_ERR_INVALID, NULL, _("'%s' is not yes or no"), s);
}
