/*
 * send.c — the batcher: due notices become messages, sent once each (notify.h "the batcher").
 *
 * Never twice, never lost:
 *   1. the notices of one message (same recipient and aggregation key) are claimed under a
 *      Message-ID derived from their ids, and that is committed before anything is sent;
 *   2. the message goes to the SMTP server;
 *   3. the server's acceptance is committed: the notices SENT and a ledger row each.
 * A crash (SIGKILL) before 1 leaves the notices queued: the next run sends them.  Between 1
 * and 3 the notices are SENDING: the next run sends that same message again, same
 * Message-ID, before anything else — the only case of a repeat, when the crash falls between
 * the server's "250" and our commit (microseconds), and then the recipient sees the same
 * Message-ID twice.  After 3 nothing is sent again: the queue refuses a (recipient, incident,
 * version) already there and the ledger one already sent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "notify/notify.h"
#include "share/csvout.h"
#include "share/xarf.h"

#define TEMPLATES_MAX 64

/* ---- templates, loaded once per run ------------------------------------------------------- */

struct tcache {
	char name[64], lang[8];
	struct notify_template *t;
};

struct notify_templates {
	char *dir;
	size_t n;
	struct tcache c[TEMPLATES_MAX];
};

int notify_templates_new(const char *dir, struct notify_templates **out)
{
	struct notify_templates *ts = calloc(1, sizeof(*ts));

	*out = NULL;
	if (!ts || (dir && dir[0] && !(ts->dir = strdup(dir)))) {
		free(ts);
		return V_ERR_NOMEM;
	}
	*out = ts;
	return V_OK;
}

void notify_templates_free(struct notify_templates *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->n; i++)
		notify_template_free(ts->c[i].t);
	free(ts->dir);
	free(ts);
}

int notify_templates_get(struct notify_templates *ts, const char *name, const char *lang,
			 const struct notify_template **out, struct verr *err)
{
	struct notify_template *t;
	int rc;

	for (size_t i = 0; i < ts->n; i++)
		if (!strcmp(ts->c[i].name, name) && !strcmp(ts->c[i].lang, lang)) {
			*out = ts->c[i].t;
			return V_OK;
		}
	if ((rc = notify_template_load(ts->dir, name, lang, &t, err)) != V_OK)
		return rc;
	if (ts->n < TEMPLATES_MAX && strlen(name) < sizeof(ts->c[0].name) &&
	    strlen(lang) < sizeof(ts->c[0].lang)) {
		snprintf(ts->c[ts->n].name, sizeof(ts->c[0].name), "%s", name);
		snprintf(ts->c[ts->n].lang, sizeof(ts->c[0].lang), "%s", lang);
		ts->c[ts->n++].t = t;
		*out = t;
		return V_OK;
	}
	notify_template_free(t);
	return verr_set(err, V_ERR_LIMIT, "", _("more than %d templates in use"), TEMPLATES_MAX);
}

void notify_message_id(const int64_t *ids, size_t n, const char *domain, char out[128])
{
	crypto_generichash_state h;
	unsigned char md[16];
	char hex[33];

	crypto_generichash_init(&h, NULL, 0, sizeof(md));
	for (size_t i = 0; i < n; i++) {
		unsigned char b[8];
		for (int k = 0; k < 8; k++)
			b[k] = (unsigned char)((uint64_t)ids[i] >> (8 * k));
		crypto_generichash_update(&h, b, sizeof(b));
	}
	crypto_generichash_final(&h, md, sizeof(md));
	sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
	snprintf(out, 128, "<%s.notice@%s>", hex, domain && domain[0] ? domain : "vigia.invalid");
}

/* The team's domain: notify.domain, else the part after '@' of notify.from. */
static const char *team_domain(void)
{
	const char *d = conf_get("notify.domain"), *from = conf_get("notify.from"), *at;

	if (d && d[0])
		return d;
	at = from ? strrchr(from, '@') : NULL;
	return at && at[1] ? at + 1 : "vigia.invalid";
}

/* A display name that needs no encoding inside quotes. */
static int ascii_only_name(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

int notify_message_build(struct notify_templates *ts, const struct notify_msg *m,
			 const char *template_name, const char *format, const char *message_id,
			 struct buf *out, struct verr *err)
{
	const struct notify_template *t;
	struct xarf_reporter rep = { m->team, m->team_email, m->team_domain };
	struct buf subject, body, csv, xarf;
	struct notify_part *parts;
	size_t np = 0, xoff = 0;
	int rc, want_csv = !format || strcmp(format, "xarf"), want_xarf = !format ||
									  strcmp(format, "csv");
	const char *sign_key = conf_get("notify.sign_key");

	if ((rc = notify_templates_get(ts, template_name, m->lang, &t, err)) != V_OK)
		return rc;
	parts = calloc(m->nincidents + 1, sizeof(*parts));
	if (!parts)
		return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	buf_init(&subject, 4096);
	buf_init(&body, 0);
	buf_init(&csv, 0);
	buf_init(&xarf, 0);
	rc = notify_render(t, m, &subject, &body, err);
	if (rc == V_OK && want_csv) {
		rc = csvout_header(&csv, csvout_default_fields, csvout_ndefault);
		for (size_t i = 0; rc == V_OK && i < m->nincidents; i++)
			for (size_t k = 0; rc == V_OK && k < m->incidents[i].nevents; k++)
				rc = csvout_event(&csv, m->incidents[i].inc->id,
						  m->incidents[i].events[k], csvout_default_fields,
						  csvout_ndefault);
		if (rc != V_OK)
			verr_set(err, rc, "", _("the CSV attachment is too large"));
	}
	/* X-ARF: one report per incident, one after the other in one buffer; an incident
	 * without a source to report has none (the CSV still lists it) */
	size_t *xlen = calloc(m->nincidents + 1, sizeof(size_t));
	if (!xlen && rc == V_OK)
		rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	for (size_t i = 0; rc == V_OK && want_xarf && i < m->nincidents; i++) {
		const struct notify_msg_incident *mi = &m->incidents[i];
		struct verr e = { 0 };
		size_t before = xarf.len;
		int x = xarf_report(&rep, mi->inc, mi->version, mi->events, mi->nevents, &xarf, &e);
		if (x == V_ERR_INVALID) {
			log_debug("%s", e.reason);
			continue;
		}
		if (x != V_OK) {
			rc = verr_set(err, x, "", "%s", e.reason);
			break;
		}
		xlen[i] = xarf.len - before;
	}
	if (rc == V_OK && want_csv && csv.len)
		parts[np++] = (struct notify_part){ "incidents.csv", "text/csv; charset=UTF-8",
						    csv.data, csv.len };
	char (*names)[48] = calloc(m->nincidents + 1, sizeof(*names));
	if (!names && rc == V_OK)
		rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	for (size_t i = 0; rc == V_OK && want_xarf && i < m->nincidents; i++) {
		if (!xlen[i])
			continue;
		snprintf(names[i], sizeof(names[i]), "xarf-incident-%lld.json",
			 (long long)m->incidents[i].inc->id);
		parts[np++] = (struct notify_part){ names[i], "application/json",
						    xarf.data + xoff, xlen[i] };
		xoff += xlen[i];
	}
	if (rc == V_OK) {
		char from[512];
		const char *f = conf_get("notify.from");
		if (m->team && m->team[0] && ascii_only_name(m->team))
			snprintf(from, sizeof(from), "\"%s\" <%s>", m->team, f);
		else
			snprintf(from, sizeof(from), "%s", f);
		rc = notify_mail_build(out, from, m->recipient, buf_cstr(&subject), message_id,
				       m->date, buf_cstr(&body), parts, np, sign_key, err);
	}
	free(names);
	free(xlen);
	free(parts);
	buf_fini(&subject);
	buf_fini(&body);
	buf_fini(&csv);
	buf_fini(&xarf);
	return rc;
}

/* ---- the batcher ----------------------------------------------------------------------------- */

/* A notice copied out of the store's callback. */
struct nrow {
	int64_t id, incident, version;
	int attempts;
	char *recipient, *name, *kind, *lang, *format, *template_name, *akey, *address, *why,
	     *message_id;
};

struct nlist {
	struct nrow *r;
	size_t n, cap;
	int oom;
};

static void nlist_fini(struct nlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct nrow *r = &l->r[i];
		free(r->recipient);
		free(r->name);
		free(r->kind);
		free(r->lang);
		free(r->format);
		free(r->template_name);
		free(r->akey);
		free(r->address);
		free(r->why);
		free(r->message_id);
	}
	free(l->r);
	memset(l, 0, sizeof(*l));
}

static char *dup0(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = 1;
	return d;
}

static int collect(void *arg, const struct store_notice *n)
{
	struct nlist *l = arg;
	struct nrow *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct nrow *nr = realloc(l->r, cap * sizeof(*nr));
		if (!nr) {
			l->oom = 1;
			return 1;
		}
		l->r = nr;
		l->cap = cap;
	}
	r = &l->r[l->n++];
	memset(r, 0, sizeof(*r));
	r->id = n->id;
	r->incident = n->incident;
	r->version = n->version;
	r->attempts = n->attempts;
	r->recipient = dup0(n->recipient, &l->oom);
	r->name = dup0(n->name, &l->oom);
	r->kind = dup0(n->kind, &l->oom);
	r->lang = dup0(n->lang, &l->oom);
	r->format = dup0(n->format, &l->oom);
	r->template_name = dup0(n->template_name, &l->oom);
	r->akey = dup0(n->akey, &l->oom);
	r->address = dup0(n->address, &l->oom);
	r->why = dup0(n->why, &l->oom);
	r->message_id = dup0(n->message_id, &l->oom);
	return l->oom;
}

struct sender {
	struct store *st;
	struct notify_templates *ts;
	struct notify_stats *stats;
	int64_t now;
	int64_t max_events;
};

struct evlist {
	struct event **ev;
	size_t n, cap;
	int oom;
	const struct policy_recipient *pr; /* a registered partner CERT: minimise; else NULL */
	const char *address;               /* the notice's routed address */
	int address_victim;                /* it is the victim side of an event */
};

/* Minimise an event for a registered partner as its policy says (policy_apply_event: raw goes,
 * the victim side is pseudonymised when its rights say so); note whether the notice's address
 * is that victim. */
static int minimise(struct evlist *l, json_t *o)
{
	struct policy_verdict v = { .form = l->pr->pseudonymise ? PF_PSEUDONYMISED : PF_AS_IS };
	const char *type = json_string_value(json_object_get(o, "classification.type"));
	const char *tax = json_string_value(json_object_get(o, "classification.taxonomy"));
	const char *side = policy_victim_side(type, tax) == 's' ? "source" : "destination";
	static const char *const keys[] = { "ip", "fqdn", "url", NULL };
	char key[64];

	for (int i = 0; l->address && keys[i]; i++) {
		const char *val;
		snprintf(key, sizeof(key), "%s.%s", side, keys[i]);
		if ((val = json_string_value(json_object_get(o, key))) && !strcmp(val, l->address))
			l->address_victim = 1;
	}
	return policy_apply_event(l->pr, &v, o, NULL);
}

/* s with every occurrence of what replaced by with (heap), or NULL when out of memory. */
static char *replace_all(const char *s, const char *what, const char *with)
{
	struct buf b;
	size_t wl = strlen(what);
	const char *p;
	char *r = NULL;

	if (!wl)
		return strdup(s);
	buf_init(&b, 0);
	while ((p = strstr(s, what))) {
		if (buf_append(&b, s, (size_t)(p - s)) != V_OK || buf_puts(&b, with) != V_OK)
			goto out;
		s = p + wl;
	}
	if (buf_puts(&b, s) == V_OK)
		r = strdup(buf_cstr(&b));
out:
	buf_fini(&b);
	return r;
}

static int take_event(void *arg, const struct store_event_row *row)
{
	struct evlist *l = arg;
	json_t *o;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct event **ne = realloc(l->ev, cap * sizeof(*ne));
		if (!ne) {
			l->oom = 1;
			return 1;
		}
		l->ev = ne;
		l->cap = cap;
	}
	if (!(l->ev[l->n] = event_new())) {
		l->oom = 1;
		return 1;
	}
	o = json_loads(row->json, 0, NULL);
	if (o && l->pr && minimise(l, o) != V_OK) {
		event_free(l->ev[l->n]);
		json_decref(o);
		l->oom = 1;
		return 1;
	}
	if (o && event_from_json(l->ev[l->n], o, EV_NOSANITIZE, NULL) == V_OK)
		l->n++;
	else
		event_free(l->ev[l->n]);
	json_decref(o);
	return 0;
}

/* Build and send the message of notices r[0..n) under message_id (claimed already when
 * claimed is 1).  V_OK also when the message failed (the notices record it); an error only
 * for the store. */
static int send_group(struct sender *s, struct nrow *r, size_t n, const char *message_id,
		      int claimed, struct verr *err)
{
	struct store_incident *incs = calloc(n, sizeof(*incs));
	struct notify_msg_incident *mis = calloc(n, sizeof(*mis));
	struct evlist *evs = calloc(n, sizeof(*evs));
	struct notify_smtp_result res;
	struct buf msg;
	int64_t *ids = calloc(n, sizeof(int64_t));
	char (*pseudo)[POLICY_PSEUDONYM_LEN + 1] = calloc(n, sizeof(*pseudo));
	char **whys = calloc(n, sizeof(char *));
	struct policy_recipient pr;
	struct verr e = { 0 };
	size_t have = 0;
	int rc = V_OK, built, have_pr = 0;

	buf_init(&msg, 0);
	if (!incs || !mis || !evs || !ids || !pseudo || !whys) {
		rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
		goto out;
	}
	/* a partner CERT registered as a partner of src/share gets what its policy allows */
	if (r[0].kind && !strcmp(r[0].kind, "cert") && r[0].name) {
		struct store_partner *sp = NULL;
		int prc = store_partner_get(s->st, r[0].name, &sp, &e);
		if (prc == V_OK) {
			prc = policy_recipient_init(&pr, sp, &e);
			store_partner_free(sp);
			if (prc != V_OK) {
				log_error(_("not sending to %s (notice %lld and %zu more): %s"),
					  r[0].recipient, (long long)r[0].id, n - 1, e.reason);
				s->stats->bad++;
				goto out;
			}
			have_pr = 1;
		} else if (prc != V_ERR_NOTFOUND) {
			rc = verr_set(err, prc, e.field, "%s", e.reason);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct store_event_filter f = { .incident = r[i].incident, .limit = s->max_events };
		ids[i] = r[i].id;
		evs[have].pr = have_pr ? &pr : NULL;
		evs[have].address = r[i].address;
		if ((rc = store_incident_get(s->st, r[i].incident, &incs[have], err)) != V_OK)
			goto out;
		if ((rc = store_events_query(s->st, &f, take_event, &evs[have], err)) != V_OK)
			goto out;
		if (evs[have].oom) {
			rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
			goto out;
		}
		mis[have] = (struct notify_msg_incident){
			.inc = &incs[have], .version = r[i].version, .address = r[i].address,
			.why = r[i].why, .nevents = evs[have].n,
			.events = (const struct event *const *)evs[have].ev,
		};
		if (have_pr && pr.pseudonymise && evs[have].address_victim && r[i].address) {
			policy_pseudonym(&pr, r[i].address, strlen(r[i].address), pseudo[have]);
			mis[have].address = pseudo[have];
			if (r[i].why &&
			    !(whys[have] = replace_all(r[i].why, r[i].address, pseudo[have]))) {
				have++;
				rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
				goto out;
			}
			if (whys[have])
				mis[have].why = whys[have];
		}
		have++;
	}
	struct notify_msg m = {
		.team = conf_get("notify.team"), .team_email = conf_get("notify.from"),
		.team_domain = team_domain(), .recipient = r[0].recipient,
		.recipient_name = r[0].name, .lang = r[0].lang, .interval = NULL,
		.date = s->now, .nincidents = have, .incidents = mis,
	};
	built = notify_message_build(s->ts, &m, r[0].template_name, r[0].format, message_id, &msg,
				     &e);
	if (built != V_OK) {
		/* a bad template: say which, leave the notices queued for when it is fixed */
		char where[600] = "";
		if (e.file && e.line > 0)
			snprintf(where, sizeof(where), "%s:%ld: ", e.file, e.line);
		else if (e.file)
			snprintf(where, sizeof(where), "%s: ", e.file);
		if (e.field[0])
			snprintf(where + strlen(where), sizeof(where) - strlen(where), "%s: ",
				 e.field);
		log_error(_("cannot build the message to %s (notice %lld and %zu more): %s%s"),
			  r[0].recipient, (long long)r[0].id, n - 1, where, e.reason);
		s->stats->bad++;
		goto out;
	}
	if (!claimed && (rc = store_notices_claim(s->st, ids, n, message_id, err)) != V_OK)
		goto out;
	s->stats->messages++;
	if (notify_smtp_send(conf_get("notify.from"), r[0].recipient, msg.data, msg.len, &res) ==
	    V_OK) {
		rc = store_notices_done(s->st, message_id, NOTICE_SENT, 0, res.reply, err);
		s->stats->sent++;
		s->stats->notices += n;
		log_info(_("sent %s to %s: %zu incident(s); server: %s"), message_id,
			 r[0].recipient, n, res.reply);
	} else if (res.temporary && r[0].attempts + 1 < conf_get_int("notify.max_attempts")) {
		long long base = conf_get_int("notify.retry_base");
		int64_t wait = (base > 0 ? base : 300) << (r[0].attempts < 16 ? r[0].attempts : 16);
		rc = store_notices_done(s->st, message_id, NOTICE_QUEUED, s->now + wait, res.reply,
					err);
		s->stats->retried++;
		log_warn(_("message to %s not sent, trying again in %lld s: %s"), r[0].recipient,
			 (long long)wait, res.reply);
	} else {
		rc = store_notices_done(s->st, message_id, NOTICE_FAILED, 0, res.reply, err);
		s->stats->failed++;
		log_error(_("message to %s failed: %s"), r[0].recipient, res.reply);
	}
out:
	for (size_t i = 0; i < have; i++)
		store_incident_free(&incs[i]);
	for (size_t i = 0; evs && i < n; i++) {
		for (size_t k = 0; k < evs[i].n; k++)
			event_free(evs[i].ev[k]);
		free(evs[i].ev);
	}
	for (size_t i = 0; whys && i < n; i++)
		free(whys[i]);
	free(whys);
	free(pseudo);
	if (have_pr)
		policy_recipient_fini(&pr);
	free(evs);
	free(incs);
	free(mis);
	free(ids);
	buf_fini(&msg);
	return rc;
}

/* Is recipient over its hourly limit? */
static int over_limit(struct sender *s, const char *recipient, struct verr *err, int *over)
{
	long long limit = conf_get_int("notify.rate_limit");
	int64_t sent = 0;
	int rc;

	*over = 0;
	if (limit <= 0)
		return V_OK;
	if ((rc = store_ledger_count(s->st, recipient, s->now - 3600, &sent, err)) != V_OK)
		return rc;
	*over = sent >= limit;
	return V_OK;
}

int notify_send(struct store *st, int64_t now, int flush, struct notify_stats *stats,
		struct verr *err)
{
	struct sender s = { .st = st, .stats = stats, .now = now };
	struct store_notice_filter f = { .state = NOTICE_SENDING, .limit = -1 };
	struct nlist l = { 0 };
	int rc;
	char mid[128];

	memset(stats, 0, sizeof(*stats));
	s.max_events = conf_get_int("notify.max_events");
	if (s.max_events <= 0)
		s.max_events = -1;
	if (notify_templates_new(conf_get("notify.templates"), &s.ts) != V_OK)
		return verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	/* 1. what a crash left half-sent: the same messages again */
	rc = store_notices_query(st, &f, collect, &l, err);
	for (size_t i = 0; rc == V_OK && i < l.n;) {
		size_t j = i + 1;
		while (j < l.n && l.r[j].message_id && l.r[i].message_id &&
		       !strcmp(l.r[j].message_id, l.r[i].message_id))
			j++;
		log_warn(_("message %s to %s was interrupted: sending it again"),
			 l.r[i].message_id ? l.r[i].message_id : "?", l.r[i].recipient);
		rc = send_group(&s, &l.r[i], j - i, l.r[i].message_id ? l.r[i].message_id : "",
				1, err);
		i = j;
	}
	if (rc == V_OK && l.oom)
		rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	nlist_fini(&l);
	/* 2. what is due, one message per (recipient, aggregation key) */
	f = (struct store_notice_filter){ .state = NOTICE_QUEUED, .limit = -1,
					  .due_before = flush ? INT64_MAX : now };
	if (rc == V_OK)
		rc = store_notices_query(st, &f, collect, &l, err);
	if (rc == V_OK && l.oom)
		rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
	for (size_t i = 0; rc == V_OK && i < l.n;) {
		size_t j = i + 1;
		int over;
		while (j < l.n && !strcmp(l.r[j].recipient, l.r[i].recipient) &&
		       !strcmp(l.r[j].akey, l.r[i].akey))
			j++;
		if ((rc = over_limit(&s, l.r[i].recipient, err, &over)) != V_OK)
			break;
		if (over) {
			stats->deferred++;
			log_info(_("%s has had notify.rate_limit messages in the last hour: "
				   "%zu notice(s) wait"), l.r[i].recipient, j - i);
		} else {
			int64_t *ids = malloc((j - i) * sizeof(int64_t));
			if (!ids) {
				rc = verr_set(err, V_ERR_NOMEM, "", _("out of memory"));
				break;
			}
			for (size_t k = i; k < j; k++)
				ids[k - i] = l.r[k].id;
			notify_message_id(ids, j - i, team_domain(), mid);
			free(ids);
			rc = send_group(&s, &l.r[i], j - i, mid, 0, err);
		}
		i = j;
	}
	nlist_fini(&l);
	notify_templates_free(s.ts);
	return rc;
}
