/*
 * enrich.c — filling an event's attribution fields from the IP index and the constituency,
 * with the provenance of each value (the rules are in enrich.h).
 *
 * Each event is first only looked at: the lookups run on the event as it came, and what
 * would be filled is gathered.  Only when something is to be filled is the event copied into
 * the caller's scratch event and changed there, so an event with nothing to add (no address,
 * or every field supplied by the feed) costs its lookups and no copy.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "enrich/enrich.h"

static const int field_id[2][ENRICH__FIELDS] = {
	{ F_SOURCE_ASN, F_SOURCE_AS_NAME, F_SOURCE_NETWORK, F_SOURCE_GEOLOCATION_CC,
	  F_SOURCE_ABUSE_CONTACT },
	{ F_DESTINATION_ASN, F_DESTINATION_AS_NAME, F_DESTINATION_NETWORK,
	  F_DESTINATION_GEOLOCATION_CC, F_DESTINATION_ABUSE_CONTACT },
};
static const int ip_id[2] = { F_SOURCE_IP, F_DESTINATION_IP };
static const int fqdn_id[2] = { F_SOURCE_FQDN, F_DESTINATION_FQDN };
static const int url_id[2] = { F_SOURCE_URL, F_DESTINATION_URL };
static const char *const side_name[2] = { "source", "destination" };

#define MAX_CONTACTS_LEN 4096 /* the joined abuse contacts: longer lists are cut at a comma */

/* A value to set: field (enum field_id), text, and where it came from. */
struct pending {
	int side;
	enum enrich_field f;
	const char *val;
	size_t len;
	const char *prov;
};

struct enrich {
	struct ipdb *db;
	struct constituency *c;
	struct enrich_overwrite ow;
	struct enrich_stats stats;
	char ipdb_prov[40];                     /* "ipdb:<16 hex digits>" */
	struct buf contacts[2], cprov[2];       /* per side: the abuse contacts, their provenance */
	struct buf key;                         /* "extra.enrichment.<field>" */
};

const char *enrich_field_name(int side, enum enrich_field f)
{
	if (side < 0 || side > 1 || f >= ENRICH__FIELDS)
		return NULL;
	return schema_fields[field_id[side][f]].name;
}

int enrich_overwrite_parse(const char *list, struct enrich_overwrite *ow, struct verr *err)
{
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, ','), *s = p, *t;
		size_t n;
		int found = 0;

		if (!end)
			end = p + strlen(p);
		t = end;
		while (s < t && (*s == ' ' || *s == '\t'))
			s++;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		n = (size_t)(t - s);
		for (int side = 0; side < 2 && n; side++) {
			size_t sl = strlen(side_name[side]);
			int whole = (n == 1 && *s == '*') ||
				    (n == sl + 2 && !strncmp(s, side_name[side], sl) &&
				     s[sl] == '.' && s[sl + 1] == '*');
			for (int f = 0; f < ENRICH__FIELDS; f++) {
				const char *name = enrich_field_name(side, (enum enrich_field)f);
				if (whole || (strlen(name) == n && !strncmp(name, s, n))) {
					ow->on[side][f] = 1;
					found = 1;
				}
			}
		}
		if (n && !found) {
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(n > 60 ? 60 : n), s);
			return verr_set(err, V_ERR_USAGE, name,
					_("not a field enrichment fills (source.* or destination.* "
					  "asn, as_name, network, geolocation.cc, abuse_contact)"));
		}
		p = *end ? end + 1 : end;
	}
	return V_OK;
}

void enrich_free(struct enrich *e)
{
	if (!e)
		return;
	ipdb_close(e->db);
	constituency_free(e->c);
	for (int i = 0; i < 2; i++) {
		buf_fini(&e->contacts[i]);
		buf_fini(&e->cprov[i]);
	}
	buf_fini(&e->key);
	free(e);
}

void enrich_set_ipdb(struct enrich *e, struct ipdb *db)
{
	struct ipdb_info info;

	ipdb_close(e->db);
	e->db = db;
	e->ipdb_prov[0] = 0;
	if (db) {
		ipdb_info(db, &info);
		snprintf(e->ipdb_prov, sizeof(e->ipdb_prov), "ipdb:%.16s", info.checksum);
	}
}

int enrich_new(struct ipdb *db, struct constituency *c, const struct enrich_overwrite *ow,
	       struct enrich **out, struct verr *err)
{
	struct enrich *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e) {
		ipdb_close(db);
		constituency_free(c);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	for (int i = 0; i < 2; i++) {
		buf_init(&e->contacts[i], MAX_CONTACTS_LEN + 512);
		buf_init(&e->cprov[i], 1024);
	}
	buf_init(&e->key, 256);
	enrich_set_ipdb(e, db);
	e->c = c;
	enrich_set_overwrite(e, ow);
	*out = e;
	return V_OK;
}

void enrich_set_overwrite(struct enrich *e, const struct enrich_overwrite *ow)
{
	memset(&e->ow, 0, sizeof(e->ow));
	if (ow)
		e->ow = *ow;
}

const struct ipdb *enrich_ipdb(const struct enrich *e)
{
	return e->db;
}

const struct constituency *enrich_constituency(const struct enrich *e)
{
	return e->c;
}

const struct enrich_stats *enrich_stats(const struct enrich *e)
{
	return &e->stats;
}

/* A field's value copied into out (NUL-terminated), or NULL when the event has none or it
 * does not fit. */
static const char *get_text(const struct event *ev, int id, char *out, size_t n)
{
	size_t len;
	const char *v = event_get_id(ev, id, &len);

	if (!v || len >= n)
		return NULL;
	memcpy(out, v, len);
	out[len] = 0;
	return out;
}

/* The event's ASN on a side (0: none). */
static uint64_t get_asn(const struct event *ev, int id)
{
	char t[24];
	uint64_t v = 0;

	if (!get_text(ev, id, t, sizeof(t)))
		return 0;
	for (const char *p = t; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

/* The contacts of a match, joined by "," into b (cut at a comma before MAX_CONTACTS_LEN). */
static void join_contacts(const struct constituency_match *m, struct buf *b)
{
	buf_reset(b);
	for (size_t i = 0; i < m->ncontacts; i++) {
		const char *em = m->contacts[i].email;
		size_t n = em ? strlen(em) : 0;
		if (!n || b->len + n + 1 > MAX_CONTACTS_LEN)
			continue;
		if (b->len)
			buf_putc(b, ',');
		buf_append(b, em, n);
	}
}

/* The abuse contact of one side, when the constituency knows it: appended to p[*np].  asn and
 * cc: the side's AS and country after the index's answer (0 / "" when none). */
static void side_contact(struct enrich *e, const struct event *in, int side,
			 const struct ipdb_addr *a, uint64_t asn, const char *cc,
			 struct pending *p, size_t *np)
{
	struct constituency_query q = { 0 };
	struct constituency_match m;
	char fqdn[CONSTITUENCY_DOMAINLEN], url[4096];
	enum constituency_rule rule;

	if (a)
		q.addr = *a;
	q.asn = (int64_t)asn;
	q.domain = get_text(in, fqdn_id[side], fqdn, sizeof(fqdn));
	if (!q.domain)
		q.url = get_text(in, url_id[side], url, sizeof(url));
	q.cc = cc[0] ? cc : NULL;
	if (!q.addr.family && !q.domain && !q.url)
		return;
	rule = constituency_resolve(e->c, &q, &m);
	if (rule != CONSTITUENCY_NETWORK && rule != CONSTITUENCY_ASN && rule != CONSTITUENCY_DOMAIN)
		return; /* nothing, or the partner CERT: not an abuse contact (enrich.h) */
	if (m.do_not_notify || !m.ncontacts)
		return;
	join_contacts(&m, &e->contacts[side]);
	if (!e->contacts[side].len)
		return;
	buf_reset(&e->cprov[side]);
	buf_printf(&e->cprov[side], "constituency:%s %s (%s)", constituency_rule_name(rule),
		   m.value, m.org ? m.org : "");
	p[(*np)++] = (struct pending){ side, ENRICH_ABUSE_CONTACT, buf_cstr(&e->contacts[side]),
				       e->contacts[side].len, buf_cstr(&e->cprov[side]) };
}

/* Plan a field: when the event has no value or the field is to be overwritten, append it to
 * p[*np] (1); else count the feed's value as kept (0). */
static int plan(struct enrich *e, const struct event *in, int side, enum enrich_field f,
		const char *val, struct pending *p, size_t *np)
{
	if (event_get_id(in, field_id[side][f], NULL) && !e->ow.on[side][f]) {
		e->stats.kept[side][f]++;
		return 0;
	}
	p[(*np)++] = (struct pending){ side, f, val, strlen(val), e->ipdb_prov };
	return 1;
}

/* What one side would gain; appended to p[*np]. */
static void side_plan(struct enrich *e, const struct event *in, int side, struct pending *p,
		      size_t *np, char asn_text[24], char net[IPDB_NETSTRLEN], char cc[3])
{
	const int *id = field_id[side];
	struct ipdb_addr a, base;
	struct ipdb_result r;
	size_t iplen;
	const char *ip = event_get_id(in, ip_id[side], &iplen);
	int parsed = ip && ipdb_addr_parse(ip, iplen, &a) == V_OK;
	uint64_t asn = get_asn(in, id[ENRICH_ASN]);
	char cc_now[3] = "";

	if (!get_text(in, id[ENRICH_CC], cc_now, sizeof(cc_now)))
		cc_now[0] = 0;
	if (parsed && e->db && ipdb_lookup(e->db, &a, &r)) {
		if ((r.have & IPDB_HAVE_ASN) && r.asn) {
			snprintf(asn_text, 24, "%u", (unsigned)r.asn);
			if (plan(e, in, side, ENRICH_ASN, asn_text, p, np))
				asn = r.asn;
			/* the name only of the event's own AS (the feed's may be another) */
			if (r.as_name[0] && asn == r.asn)
				plan(e, in, side, ENRICH_AS_NAME, r.as_name, p, np);
		}
		ipdb_cidr(&a, &r.first, &r.last, &base, net);
		plan(e, in, side, ENRICH_NETWORK, net, p, np);
		if (r.have & IPDB_HAVE_COUNTRY) {
			memcpy(cc, r.country, 3);
			if (plan(e, in, side, ENRICH_CC, cc, p, np))
				memcpy(cc_now, r.country, 3);
		}
	}
	if (e->c && (!event_get_id(in, id[ENRICH_ABUSE_CONTACT], NULL) ||
		     e->ow.on[side][ENRICH_ABUSE_CONTACT]))
		side_contact(e, in, side, parsed ? &a : NULL, asn, cc_now, p, np);
}

int enrich_event(struct enrich *e, const struct event *in, struct event *scratch,
		 const struct event **out, unsigned *filled, struct verr *err)
{
	struct pending p[2 * ENRICH__FIELDS];
	char asn_text[2][24], net[2][IPDB_NETSTRLEN], cc[2][3];
	size_t np = 0;
	unsigned n = 0;
	int rc;

	*out = in;
	if (filled)
		*filled = 0;
	e->stats.events++;
	for (int side = 0; side < 2; side++)
		side_plan(e, in, side, p, &np, asn_text[side], net[side], cc[side]);
	if (!np)
		return V_OK;
	if ((rc = event_copy(scratch, in)) != V_OK)
		return verr_set(err, rc, "", _("the enriched event does not fit: %s"),
				vres_str(rc));
	for (size_t i = 0; i < np; i++) {
		struct verr ve = { 0 };
		const char *name = enrich_field_name(p[i].side, p[i].f);
		rc = event_set_id(scratch, field_id[p[i].side][p[i].f], p[i].val, p[i].len,
				  EV_OVERWRITE, &ve);
		if (rc == V_SKIP || rc == V_ERR_INVALID)
			continue; /* a value the field does not take (an odd AS name): left out */
		if (rc == V_OK) {
			buf_reset(&e->key);
			buf_puts(&e->key, ENRICH_PROVENANCE_PREFIX);
			buf_puts(&e->key, name);
			rc = event_set(scratch, buf_cstr(&e->key), p[i].prov, strlen(p[i].prov),
				       EV_OVERWRITE, &ve);
		}
		if (rc != V_OK) {
			*out = in;
			return verr_set(err, rc, name, _("the enriched event does not fit: %s"),
					vres_str(rc));
		}
		e->stats.filled[p[i].side][p[i].f]++;
		n++;
	}
	if (n) {
		e->stats.enriched++;
		*out = scratch;
	}
	if (filled)
		*filled = n;
	return V_OK;
}
