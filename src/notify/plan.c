/*
 * plan.c — who is told about an incident, and why (notify.h "planning").
 *
 * For each distinct address of the incident's events (source and destination), the
 * recipient is, in this order:
 *   1. the organisation of the constituency that holds the network, the AS or the domain
 *      (constituency_resolve without the country);
 *   2. else the event's <side>.abuse_contact, when it has one;
 *   3. else the partner national CERT of the address's country.
 * The AS and the country come from the event, else from the IP attribution index (ipdb)
 * when one is open.  Then the organisation's and the network's do-not-notify flags, the
 * routing rules (the first that matches decides) and the sharing policy (policy_decide_mail
 * of src/share/policy, asked through notify_policy_decide) may each stop it; every stop is
 * reported with its reason, like every recipient with its match and rule.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "notify/notify.h"

#define WHY_MAX 768

struct notify_planner {
	const struct constituency *c;
	const struct ipdb *db;
	const struct notify_rules *rules;
	const char *lang;                 /* notify.lang */
	char why[WHY_MAX];
	char sent[NOTIFY_MAX_ADDRS * 4][CONSTITUENCY_DOMAINLEN]; /* recipients of this incident */
	size_t nsent;
	enum tlp dflt;                    /* share.default_tlp */
	struct policy_recipient org_r;    /* the affected organisation: kind partner */
	struct policy_recipient unnamed_r; /* abuse contacts, unregistered CERTs */
	struct policy_recipient *partners; /* registered partners of src/share */
	size_t npartners, partners_cap;
};

int notify_planner_new(const struct constituency *c, const struct ipdb *db,
		       const struct notify_rules *rules, struct notify_planner **out)
{
	struct notify_planner *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return V_ERR_NOMEM;
	p->c = c;
	p->db = db;
	p->rules = rules;
	p->lang = conf_get("notify.lang");
	if (!p->lang || (strcmp(p->lang, "es") && strcmp(p->lang, "en")))
		p->lang = "en";
	p->dflt = TLP_AMBER;
	policy_recipient_kind(&p->org_r, RK_PARTNER);
	policy_recipient_kind(&p->unnamed_r, RK_COMMUNITY);
	*out = p;
	return V_OK;
}

static void partners_free(struct notify_planner *p)
{
	for (size_t i = 0; i < p->npartners; i++)
		policy_recipient_fini(&p->partners[i]);
	free(p->partners);
	p->partners = NULL;
	p->npartners = p->partners_cap = 0;
}

void notify_planner_free(struct notify_planner *p)
{
	if (!p)
		return;
	partners_free(p);
	free(p);
}

struct partner_load {
	struct notify_planner *p;
	struct verr *err;
	int rc;
};

static int partner_one(void *arg, const struct store_partner *sp)
{
	struct partner_load *l = arg;
	struct notify_planner *p = l->p;

	if (p->npartners == p->partners_cap) {
		size_t cap = p->partners_cap ? p->partners_cap * 2 : 8;
		struct policy_recipient *n = realloc(p->partners, cap * sizeof(*n));
		if (!n) {
			l->rc = verr_set(l->err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
			return 1;
		}
		p->partners = n;
		p->partners_cap = cap;
	}
	if ((l->rc = policy_recipient_init(&p->partners[p->npartners], sp, l->err)) != V_OK)
		return 1;
	p->npartners++;
	return 0;
}

int notify_planner_policy(struct notify_planner *p, struct store *st, struct verr *err)
{
	enum recipient_kind k;
	struct partner_load l = { .p = p, .err = err, .rc = V_OK };
	struct verr e = { 0 };
	int rc;

	if ((rc = policy_tlp_parse(conf_get("share.default_tlp"), &p->dflt, &e)) != V_OK)
		return verr_set(err, rc, "share.default_tlp", _("setting %s: %s"),
				"share.default_tlp", e.reason);
	if ((rc = policy_kind_parse(conf_get("share.unnamed_recipient"), &k, &e)) != V_OK)
		return verr_set(err, rc, "share.unnamed_recipient", _("setting %s: %s"),
				"share.unnamed_recipient", e.reason);
	policy_recipient_kind(&p->unnamed_r, k);
	partners_free(p);
	if (!st)
		return V_OK;
	rc = store_partners_list(st, partner_one, &l, err);
	return l.rc != V_OK ? l.rc : rc;
}

const struct policy_recipient *notify_policy_recipient(const struct notify_planner *p,
						       enum notify_kind kind, const char *name)
{
	if (kind == NOTIFY_ORG)
		return &p->org_r;
	if (kind == NOTIFY_CERT && name)
		for (size_t i = 0; i < p->npartners; i++)
			if (!strcasecmp(p->partners[i].name, name))
				return &p->partners[i];
	return &p->unnamed_r;
}

int notify_policy_decide(const struct notify_planner *p, enum notify_kind kind, const char *name,
			 const struct store_incident *inc, struct policy_verdict *v)
{
	struct policy_object o = { .taxonomy = inc->taxonomy,
				   .organisation = kind == NOTIFY_ORG ? name : NULL };

	if (inc->tlp && *inc->tlp) {
		if (policy_tlp_parse(inc->tlp, &o.tlp, NULL) != V_OK) {
			memset(v, 0, sizeof(*v));
			v->tlp = TLP_RED;
			v->form = PF_WITHHOLD;
			snprintf(v->reason, sizeof(v->reason), "%s",
				 _("an unknown TLP label is treated as TLP:RED"));
			return 0;
		}
		o.has_tlp = 1;
	}
	policy_decide_mail(notify_policy_recipient(p, kind, name), kind == NOTIFY_ORG, &o, p->dflt,
			   v);
	return v->form != PF_WITHHOLD;
}

/* ---- the subject ----------------------------------------------------------------------------- */

void notify_subject_init(struct notify_subject *s, const struct store_incident *inc)
{
	memset(s, 0, sizeof(*s));
	s->inc = inc;
	s->version = inc ? inc->event_count : 0;
}

static void copy_field(const struct event *ev, const char *key, char *out, size_t n)
{
	size_t len = 0;
	enum vkind kind;
	const char *v = event_get(ev, key, &len, &kind);

	out[0] = 0;
	if (v && len < n) {
		memcpy(out, v, len);
		out[len] = 0;
	}
}

/* The host of a URL into out ("" when none). */
static void url_host(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://"), *e;

	out[0] = 0;
	if (!url[0])
		return;
	p = p ? p + 3 : url;
	if (strchr(p, '@') && strchr(p, '@') < p + strcspn(p, "/?#"))
		p = strchr(p, '@') + 1;
	if (*p == '[') { /* an IPv6 literal */
		e = strchr(p, ']');
		if (e && (size_t)(e - p - 1) < n) {
			memcpy(out, p + 1, (size_t)(e - p - 1));
			out[e - p - 1] = 0;
		}
		return;
	}
	for (e = p; *e && *e != '/' && *e != ':' && *e != '?' && *e != '#'; e++)
		;
	if (e > p && (size_t)(e - p) < n) {
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = 0;
	}
}

static void add_side(struct notify_subject *s, const struct event *ev, enum notify_side side)
{
	const char *pre = side == NOTIFY_SOURCE ? "source." : "destination.";
	char key[64], url[1024], asn[24];
	struct notify_addr a = { .side = side };
	struct ipdb_addr parsed;

	snprintf(key, sizeof(key), "%sip", pre);
	copy_field(ev, key, a.ip, sizeof(a.ip));
	snprintf(key, sizeof(key), "%sfqdn", pre);
	copy_field(ev, key, a.fqdn, sizeof(a.fqdn));
	if (!a.fqdn[0]) {
		snprintf(key, sizeof(key), "%surl", pre);
		copy_field(ev, key, url, sizeof(url));
		url_host(url, a.fqdn, sizeof(a.fqdn));
		/* a URL on an address: the address */
		if (a.fqdn[0] && ipdb_addr_parse(a.fqdn, strlen(a.fqdn), &parsed) == V_OK) {
			if (!a.ip[0])
				ipdb_addr_format(&parsed, a.ip);
			a.fqdn[0] = 0;
		}
	}
	if (!a.ip[0] && !a.fqdn[0])
		return;
	snprintf(key, sizeof(key), "%sasn", pre);
	copy_field(ev, key, asn, sizeof(asn));
	a.asn = strtoll(asn, NULL, 10);
	snprintf(key, sizeof(key), "%sgeolocation.cc", pre);
	copy_field(ev, key, a.cc, sizeof(a.cc));
	snprintf(key, sizeof(key), "%sabuse_contact", pre);
	copy_field(ev, key, a.abuse, sizeof(a.abuse));
	for (size_t i = 0; i < s->naddrs; i++)
		if (s->addrs[i].side == side && !strcmp(s->addrs[i].ip, a.ip) &&
		    !strcmp(s->addrs[i].fqdn, a.fqdn)) {
			/* keep what a later event knows and the first did not */
			if (!s->addrs[i].abuse[0] && a.abuse[0])
				memcpy(s->addrs[i].abuse, a.abuse, sizeof(a.abuse));
			if (!s->addrs[i].asn)
				s->addrs[i].asn = a.asn;
			if (!s->addrs[i].cc[0])
				memcpy(s->addrs[i].cc, a.cc, sizeof(a.cc));
			return;
		}
	if (s->naddrs >= NOTIFY_MAX_ADDRS) {
		s->dropped++;
		return;
	}
	s->addrs[s->naddrs++] = a;
}

void notify_subject_add_event(struct notify_subject *s, const struct event *ev)
{
	add_side(s, ev, NOTIFY_SOURCE);
	add_side(s, ev, NOTIFY_DESTINATION);
}

struct load_ctx {
	struct notify_subject *s;
	struct event *ev;
	int64_t bad;
};

static int load_one(void *arg, const struct store_event_row *row)
{
	struct load_ctx *l = arg;
	json_t *o = json_loads(row->json, 0, NULL);

	event_clear(l->ev);
	if (o && event_from_json(l->ev, o, EV_NOSANITIZE, NULL) == V_OK)
		notify_subject_add_event(l->s, l->ev);
	else
		l->bad++;
	json_decref(o);
	return 0;
}

int notify_subject_load(struct store *st, struct notify_subject *s, int64_t max_events,
			struct verr *err)
{
	struct store_event_filter f = { .incident = s->inc->id, .limit = max_events ? max_events
										      : -1 };
	struct load_ctx l = { .s = s, .ev = event_new() };
	int rc;

	if (!l.ev)
		return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	rc = store_events_query(st, &f, load_one, &l, err);
	event_free(l.ev);
	return rc;
}

/* ---- routing --------------------------------------------------------------------------------- */

static const char *side_name(enum notify_side side)
{
	return side == NOTIFY_DESTINATION ? "destination" : "source";
}

static int skip(struct notify_planner *p, const struct notify_subject *s,
		const struct notify_addr *a, notify_plan_cb cb, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int skip(struct notify_planner *p, const struct notify_subject *s,
		const struct notify_addr *a, notify_plan_cb cb, void *arg, const char *fmt, ...)
{
	struct notify_target t = { .side = a->side, .address = a->ip[0] ? a->ip : a->fqdn };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	t.why = p->why;
	return cb(arg, s, &t);
}

static int already(struct notify_planner *p, const char *email)
{
	for (size_t i = 0; i < p->nsent; i++)
		if (!strcasecmp(p->sent[i], email))
			return 1;
	if (p->nsent < sizeof(p->sent) / sizeof(p->sent[0]))
		snprintf(p->sent[p->nsent++], CONSTITUENCY_DOMAINLEN, "%s", email);
	return 0;
}

static const char *pick_format(const char *rule_fmt, const char *contact_fmt)
{
	if (rule_fmt)
		return rule_fmt;
	if (contact_fmt && (!strcmp(contact_fmt, "csv") || !strcmp(contact_fmt, "xarf")))
		return contact_fmt;
	return "both";
}

static int route_addr(struct notify_planner *p, const struct notify_subject *s,
		      const struct notify_addr *a, notify_plan_cb cb, void *arg)
{
	const struct store_incident *inc = s->inc;
	const char *addr = a->ip[0] ? a->ip : a->fqdn;
	struct policy_verdict pv;
	struct constituency_query q = { .ip = a->ip[0] ? a->ip : NULL, .asn = a->asn,
					.domain = a->fqdn[0] ? a->fqdn : NULL, .explain = 1 };
	struct constituency_match m;
	struct notify_decision d;
	struct notify_facts f = { 0 };
	struct store_contact abuse_contact = { 0 };
	const struct store_contact *contacts;
	size_t ncontacts;
	char cc[3], email[CONSTITUENCY_DOMAINLEN], match_why[600];
	struct verr e = { 0 };
	int rc;

	memcpy(cc, a->cc, sizeof(cc));
	if (p->db && a->ip[0] && (!q.asn || !cc[0])) {
		struct ipdb_addr ia;
		struct ipdb_result r;
		if (ipdb_addr_parse(a->ip, strlen(a->ip), &ia) == V_OK &&
		    ipdb_lookup(p->db, &ia, &r)) {
			if (!q.asn)
				q.asn = r.asn;
			if (!cc[0])
				memcpy(cc, r.country, sizeof(cc));
		}
	}
	constituency_resolve(p->c, &q, &m);
	if (m.rule != CONSTITUENCY_NONE) {
		f.kind = NOTIFY_ORG;
		f.organisation = m.org;
		snprintf(match_why, sizeof(match_why), "%s", m.explain);
		contacts = m.contacts;
		ncontacts = m.ncontacts;
		if (m.do_not_notify)
			return skip(p, s, a, cb, arg,
				    _("%s.%s %s: %s; marked do-not-notify (%s)"), side_name(a->side),
				    a->ip[0] ? "ip" : "fqdn", addr, m.explain,
				    m.do_not_notify & CONSTITUENCY_DNN_NETWORK ? _("the network")
									       : _("the organisation"));
	} else if (a->abuse[0]) {
		if (constituency_email(a->abuse, email, sizeof(email), &e) != V_OK)
			return skip(p, s, a, cb, arg,
				    _("%s.abuse_contact '%s' of incident %lld is not a valid "
				      "address: %s"), side_name(a->side), a->abuse,
				    (long long)inc->id, e.reason);
		f.kind = NOTIFY_ABUSE;
		f.organisation = NULL;
		snprintf(match_why, sizeof(match_why),
			 _("no organisation of the constituency holds %s; the event names its "
			   "abuse contact (%s.abuse_contact)"), addr, side_name(a->side));
		abuse_contact.email = email;
		contacts = &abuse_contact;
		ncontacts = 1;
	} else {
		q.ip = NULL;
		q.addr.family = 0;
		q.asn = 0;
		q.domain = NULL;
		q.cc = cc[0] ? cc : NULL;
		if (!cc[0])
			return skip(p, s, a, cb, arg,
				    _("%s %s: no organisation of the constituency, no abuse contact, "
				      "and its country is not known"), side_name(a->side), addr);
		if (constituency_resolve(p->c, &q, &m) != CONSTITUENCY_CERT)
			return skip(p, s, a, cb, arg,
				    _("%s %s: no organisation of the constituency, no abuse contact "
				      "and no partner CERT for country %s"), side_name(a->side), addr,
				    cc);
		f.kind = NOTIFY_CERT;
		f.organisation = m.cert;
		snprintf(match_why, sizeof(match_why),
			 _("no organisation of the constituency and no abuse contact for %s; "
			   "its country %s has a partner CERT, %s"), addr, cc, m.cert);
		contacts = m.contacts;
		ncontacts = m.ncontacts;
	}
	f.classification = inc->classification_type;
	f.taxonomy = inc->taxonomy;
	f.tlp = inc->tlp;
	f.country = cc;
	f.side = a->side;
	if (!notify_rules_decide(p->rules, &f, &d))
		return skip(p, s, a, cb, arg, _("%s; no routing rule matches"), match_why);
	if (d.suppress)
		return skip(p, s, a, cb, arg, _("%s; rule \"%s\" suppresses it"), match_why,
			    d.rule);
	if (!notify_policy_decide(p, f.kind, f.organisation, inc, &pv))
		return skip(p, s, a, cb, arg, _("%s; %s"), match_why, pv.reason);
	if (ncontacts == 0)
		return skip(p, s, a, cb, arg, _("%s; but %s has no contact"), match_why,
			    f.organisation ? f.organisation : addr);
	for (size_t i = 0; i < ncontacts; i++) {
		const struct store_contact *c = &contacts[i];
		struct notify_target t = {
			.recipient = c->email,
			.name = f.organisation ? f.organisation : addr,
			.kind = f.kind,
			.side = a->side,
			.address = addr,
			.lang = d.lang ? d.lang : c->lang ? c->lang : p->lang,
			.format = pick_format(d.format, c->format),
			.template_name = d.template_name,
			.interval = d.interval,
			.rule = d.rule,
		};
		if (already(p, c->email))
			continue;
		snprintf(p->why, sizeof(p->why), _("%s; rule \"%s\""), match_why, d.rule);
		t.why = p->why;
		if ((rc = cb(arg, s, &t)) != 0)
			return rc;
	}
	return 0;
}

int notify_plan(struct notify_planner *p, const struct notify_subject *s, notify_plan_cb cb,
		void *arg)
{
	int rc = 0;

	p->nsent = 0;
	for (size_t i = 0; i < s->naddrs && !rc; i++)
		rc = route_addr(p, s, &s->addrs[i], cb, arg);
	return rc;
}
