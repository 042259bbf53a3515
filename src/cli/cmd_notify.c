/*
 * cmd_notify.c — `vigia notify`: who is told about which incident and why (plan), putting
 * that in the queue (queue), sending what is due (send), the queue's and the ledger's state
 * (status, ledger), and the country report for a partner CERT (country).
 *
 * Routing, templates and sending are src/notify (docs/internals/notify.md); this file only
 * picks the incidents, opens the store, the constituency and the IP index, and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/timeparse.h"
#include "cli/cli.h"
#include "enrich/constituency.h"
#include "enrich/ipdb.h"
#include "notify/notify.h"
#include "store/store.h"

#define IDS_MAX 10000000 /* incidents one plan or queue takes on */

static void notify_usage(FILE *f)
{
	fprintf(f, _("usage: vigia notify COMMAND [--db PATH] [OPTIONS]\n\n"
		     "  plan [SELECTION] [--json]\n"
		     "                 who would receive which incident, and why (the match and\n"
		     "                 the routing rule), or why nobody will; sends nothing\n"
		     "  queue [SELECTION]\n"
		     "                 put the plan's notifications into the queue (a recipient\n"
		     "                 gets each version of an incident once)\n"
		     "  send [--flush] send the messages that are due (--flush: all queued now),\n"
		     "                 one per recipient and interval; first any a crash interrupted\n"
		     "  status [--state queued|sending|sent|failed] [--json]\n"
		     "                 the queue\n"
		     "  ledger [--recipient EMAIL] [--incident N] [--json]\n"
		     "                 what was sent to whom, for which incident version\n"
		     "  country CC [--since TIME] [--until TIME] [--queue] [--json]\n"
		     "                 the incidents traced to a country in a period; --queue sends\n"
		     "                 them to that country's partner CERT as one report\n\n"
		     "SELECTION: --incident N (repeatable), else the open incidents; --all for every\n"
		     "incident.  Options: --rules FILE (routing rules; the notify.rules setting),\n"
		     "--ipdb PATH (IP attribution index: AS and country of addresses).\n"
		     "TIME: 2026-01-31, 2026-01-31T12:00:00Z, or an age such as 7d.\n"
		     "Settings: notify.* ('vigia config').  The store: --db PATH, else $VIGIA_DB,\n"
		     "else the store.path setting.\n\n"
		     "Exit status: 0 done, 1 some messages failed or could not be built,\n"
		     "2 usage or configuration error, 3 store or relay error.\n"));
}

static int usage_error(void)
{
	fprintf(stderr, _("Run 'vigia notify --help' for the commands and their options.\n"));
	return EXIT_USAGE;
}

static int parse_id(const char *opt, const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '#')
		s++;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < 1) {
		log_error(_("%s: '%s' is not an incident number"), opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_when(const char *opt, const char *s, int64_t *out)
{
	size_t n = strlen(s);
	long long d;
	struct vtime t;

	if (n > 1 && s[n - 1] >= 'a' && s[n - 1] <= 'z' && s[0] >= '0' && s[0] <= '9' &&
	    conf_parse_duration(s, &d) == 0) {
		*out = (int64_t)time(NULL) - d;
		return 0;
	}
	if (time_parse_epoch(s, n, &t) == 0 || time_parse(s, n, &t) == 0) {
		*out = t.sec;
		return 0;
	}
	log_error(_("%s: '%s' is not a time (2026-01-31, 2026-01-31T12:00:00Z, or an age such "
		    "as 7d)"), opt, s);
	return -1;
}

/* ---- what plan, queue and country share ------------------------------------------------------ */

struct ctx {
	struct store *st;
	struct constituency *c;
	struct ipdb *db;
	struct notify_rules *rules;
	struct notify_planner *p;
	int json, queue;
	int64_t now;
	/* plan output and queue */
	size_t targets, skips, queued, addrs;
	struct store_notice *pending;
	char **owned;            /* strings of pending notices */
	size_t npending, cap, nowned, owned_cap;
	int oom;
	/* country */
	const char *cc;
};

struct idlist {
	int64_t *v;
	size_t n, cap;
	int oom;
};

static int ids_add(void *arg, const struct store_incident *inc)
{
	struct idlist *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		int64_t *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv) {
			l->oom = 1;
			return 1;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = inc->id;
	return l->n >= IDS_MAX;
}

static int open_all(struct ctx *x, const char *db, const char *ipdb_flag, const char *rules)
{
	struct verr e = { 0 };
	char path[4096];
	int rc, status;

	if ((status = cli_store_open(db, &x->st)) != 0)
		return status;
	if ((rc = constituency_load(x->st, &x->c, &e)) != V_OK ||
	    (rc = notify_rules_load(rules ? rules : conf_get("notify.rules"), &x->rules, &e)) !=
		    V_OK) {
		cli_report(&e);
		return cli_status(rc);
	}
	ipdb_default_path(ipdb_flag, path, sizeof(path));
	if (access(path, R_OK) == 0) {
		if ((rc = ipdb_open(path, 0, &x->db, &e)) != V_OK) {
			cli_report(&e);
			return cli_status(rc);
		}
	} else if (ipdb_flag) {
		log_error(_("cannot read the IP attribution index %s"), path);
		return EXIT_USAGE;
	} else {
		log_debug("no IP attribution index at %s: only the events' own AS and country count",
			  path);
	}
	if (notify_planner_new(x->c, x->db, x->rules, &x->p) != V_OK) {
		log_error(_("out of memory"));
		return EXIT_INTERNAL;
	}
	if ((rc = notify_planner_policy(x->p, x->st, &e)) != V_OK) {
		cli_report(&e);
		return cli_status(rc);
	}
	x->now = (int64_t)time(NULL);
	return 0;
}

static void close_all(struct ctx *x)
{
	for (size_t i = 0; i < x->nowned; i++)
		free(x->owned[i]);
	free(x->owned);
	free(x->pending);
	notify_planner_free(x->p);
	notify_rules_free(x->rules);
	ipdb_close(x->db);
	constituency_free(x->c);
	store_close(x->st);
}

static const char *own(struct ctx *x, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	if (x->nowned == x->owned_cap) {
		size_t cap = x->owned_cap ? x->owned_cap * 2 : 1024;
		char **n = realloc(x->owned, cap * sizeof(*n));
		if (!n) {
			x->oom = 1;
			return NULL;
		}
		x->owned = n;
		x->owned_cap = cap;
	}
	if (!(d = strdup(s))) {
		x->oom = 1;
		return NULL;
	}
	x->owned[x->nowned++] = d;
	return d;
}

static void print_target(struct ctx *x, const struct notify_subject *s,
			 const struct notify_target *t)
{
	if (x->json) {
		json_t *o = json_pack("{sI sI ss? ss? ss ss ss? ss? ss? ss? ss? ss?}",
				      "incident", (json_int_t)s->inc->id,
				      "version", (json_int_t)s->version,
				      "recipient", t->recipient, "name", t->name,
				      "kind", t->recipient ? notify_kind_name(t->kind) : "none",
				      "side", t->side == NOTIFY_DESTINATION ? "destination" : "source",
				      "address", t->address, "lang", t->lang, "format", t->format,
				      "interval", t->recipient ? notify_interval_name(t->interval)
							       : NULL,
				      "rule", t->rule, "why", t->why);
		char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (txt)
			printf("%s\n", txt);
		free(txt);
		json_decref(o);
		return;
	}
	if (t->recipient)
		printf(_("#%lld -> %s (%s %s; %s, %s, %s)\n        %s\n"), (long long)s->inc->id,
		       t->recipient, notify_kind_name(t->kind), t->name, t->lang,
		       notify_interval_name(t->interval), t->format, t->why);
	else
		printf(_("#%lld -> nobody for %s\n        %s\n"), (long long)s->inc->id,
		       t->address ? t->address : "-", t->why);
}

static int on_target(void *arg, const struct notify_subject *s, const struct notify_target *t)
{
	struct ctx *x = arg;
	struct store_notice *n;
	char akey[128];

	if (!t->recipient)
		x->skips++;
	else
		x->targets++;
	if (!x->queue) {
		print_target(x, s, t);
		return 0;
	}
	if (!t->recipient)
		return 0;
	if (x->npending == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		struct store_notice *np = realloc(x->pending, cap * sizeof(*np));
		if (!np) {
			x->oom = 1;
			return 1;
		}
		x->pending = np;
		x->cap = cap;
	}
	n = &x->pending[x->npending++];
	memset(n, 0, sizeof(*n));
	if (x->cc)
		snprintf(akey, sizeof(akey), "country/%s/%lld", x->cc, (long long)x->now);
	else /* one message per interval, and per template, language and format */
		snprintf(akey, sizeof(akey), "%s/%lld/%s/%s/%s", notify_interval_name(t->interval),
			 (long long)notify_interval_due(t->interval, x->now), t->template_name,
			 t->lang, t->format);
	n->incident = s->inc->id;
	n->version = s->version;
	n->recipient = own(x, t->recipient);
	n->name = own(x, t->name);
	n->kind = notify_kind_name(t->kind);
	n->address = own(x, t->address);
	n->lang = own(x, t->lang);
	n->format = own(x, t->format);
	n->template_name = x->cc ? "country" : own(x, t->template_name);
	n->interval = x->cc ? "immediate" : notify_interval_name(t->interval);
	n->akey = own(x, akey);
	n->rule = own(x, t->rule);
	n->why = own(x, t->why);
	n->created = x->now;
	n->due = x->cc ? x->now : notify_interval_due(t->interval, x->now);
	return x->oom;
}

/* Recipient, then aggregation key, then incident: the order messages are sent in. */
static int notice_cmp(const void *a, const void *b)
{
	const struct store_notice *x = a, *y = b;
	int c = strcmp(x->recipient, y->recipient);

	if (!c)
		c = strcmp(x->akey, y->akey);
	if (!c)
		c = x->incident < y->incident ? -1 : x->incident > y->incident;
	return c;
}

static int flush_pending(struct ctx *x)
{
	struct verr e = { 0 };
	size_t added = 0;
	int rc;

	if (x->oom) {
		log_error(_("out of memory"));
		return EXIT_INTERNAL;
	}
	if (!x->npending)
		return 0;
	/* queued in the order they will leave, so the notices of one message are neighbours in
	 * the store */
	qsort(x->pending, x->npending, sizeof(*x->pending), notice_cmp);
	if ((rc = store_notices_add(x->st, x->pending, x->npending, &added, &e)) != V_OK) {
		cli_report(&e);
		return cli_status(rc);
	}
	x->queued += added;
	for (size_t i = 0; i < x->nowned; i++)
		free(x->owned[i]);
	x->nowned = 0;
	x->npending = 0;
	return 0;
}

/* Plan (or queue) one incident. */
static int one_incident(struct ctx *x, int64_t id, int64_t max_events)
{
	struct store_incident inc;
	struct notify_subject *s = malloc(sizeof(*s));
	struct verr e = { 0 };
	int rc;

	if (!s) {
		log_error(_("out of memory"));
		return EXIT_INTERNAL;
	}
	if ((rc = store_incident_get(x->st, id, &inc, &e)) != V_OK) {
		free(s);
		cli_report(&e);
		return cli_status(rc);
	}
	notify_subject_init(s, &inc);
	if ((rc = notify_subject_load(x->st, s, max_events, &e)) != V_OK) {
		cli_report(&e);
		rc = cli_status(rc);
	} else {
		x->addrs += s->naddrs;
		if (s->naddrs == 0 && !x->json && !x->queue)
			printf(_("#%lld -> nobody: its events have no address or name\n"),
			       (long long)id);
		rc = notify_plan(x->p, s, on_target, x);
		/* queued in one transaction at the end (or per million notifications) */
		if (rc == 0 && x->queue && x->npending >= 1000000)
			rc = flush_pending(x);
	}
	store_incident_free(&inc);
	free(s);
	return rc;
}

static int plan_or_queue(int argc, char **argv, const char *db, int queue)
{
	static const struct option opts[] = {
		{ "incident", required_argument, NULL, 'i' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "rules", required_argument, NULL, 'r' },
		{ "ipdb", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct idlist ids = { 0 };
	struct ctx x = { .queue = queue };
	const char *rules = NULL, *ipdb_flag = NULL;
	int c, all = 0, status = 0;
	int64_t id;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_id("--incident", optarg, &id) || ids_add(&ids, &(struct store_incident){
									  .id = id }))
				goto usage;
			break;
		case 'a': all = 1; break;
		case 'j': x.json = 1; break;
		case 'r': rules = optarg; break;
		case 'p': ipdb_flag = optarg; break;
		case 'h': notify_usage(stdout); free(ids.v); return 0;
		default:
			log_error(_("notify: unknown or incomplete option '%s'"), argv[optind - 1]);
			goto usage;
		}
	}
	if (optind < argc) {
		log_error(_("notify: unexpected argument '%s'"), argv[optind]);
		goto usage;
	}
	if ((status = open_all(&x, db, ipdb_flag, rules)) != 0)
		goto out;
	if (ids.n == 0) {
		struct store_incident_filter f = { .open_only = !all, .state = -1, .limit = -1 };
		struct verr e = { 0 };
		int rc = store_incidents_query(x.st, &f, ids_add, &ids, &e);
		if (rc != V_OK && rc != 1) {
			cli_report(&e);
			status = cli_status(rc);
			goto out;
		}
	}
	/* oldest first: the order they happened in */
	for (size_t i = ids.n; status == 0 && i-- > 0;)
		status = one_incident(&x, ids.v[i], conf_get_int("notify.max_events"));
	if (status == 0 && queue)
		status = flush_pending(&x);
	if (status == 0 && !x.json)
		fprintf(queue ? stdout : stderr,
			queue ? _("%zu incident(s): %zu notification(s) planned, %zu new in the "
				  "queue, %zu address(es) with nobody to tell\n")
			      : _("%zu incident(s): %zu notification(s), %zu address(es) with "
				  "nobody to tell\n"),
			ids.n, x.targets, queue ? x.queued : x.skips, x.skips);
out:
	close_all(&x);
	free(ids.v);
	return status;
usage:
	free(ids.v);
	return usage_error();
}

/* ---- send, status, ledger ------------------------------------------------------------------- */

static int cmd_send(int argc, char **argv, const char *db)
{
	static const struct option opts[] = {
		{ "flush", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct notify_stats s;
	struct store *st = NULL;
	struct verr e = { 0 };
	int c, flush = 0, status, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': flush = 1; break;
		case 'h': notify_usage(stdout); return 0;
		default:
			log_error(_("notify: unknown or incomplete option '%s'"), argv[optind - 1]);
			return usage_error();
		}
	}
	if (optind < argc) {
		log_error(_("notify: unexpected argument '%s'"), argv[optind]);
		return usage_error();
	}
	if ((status = cli_store_open(db, &st)) != 0)
		return status;
	rc = notify_send(st, (int64_t)time(NULL), flush, &s, &e);
	if (rc != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
	} else {
		printf(_("%zu message(s): %zu sent (%zu notification(s)), %zu to try again, "
			 "%zu failed, %zu could not be built, %zu held by the rate limit\n"),
		       s.messages + s.bad, s.sent, s.notices, s.retried, s.failed, s.bad,
		       s.deferred);
		status = s.failed || s.bad ? EXIT_REJECTS : 0;
	}
	store_close(st);
	return status;
}

static const char *const state_names[] = { "queued", "sending", "sent", "failed" };

static int print_notice(void *arg, const struct store_notice *n)
{
	int json = *(int *)arg;

	if (json) {
		json_t *o = json_pack("{sI sI sI ss ss? ss ss ss ss ss sI sI si ss? ss? ss?}",
				      "id", (json_int_t)n->id, "incident", (json_int_t)n->incident,
				      "version", (json_int_t)n->version, "recipient", n->recipient,
				      "name", n->name, "kind", n->kind, "lang", n->lang,
				      "format", n->format, "interval", n->interval,
				      "state", state_names[n->state & 3], "due", (json_int_t)n->due,
				      "next_try", (json_int_t)n->next_try, "attempts", n->attempts,
				      "message_id", n->message_id, "error", n->error,
				      "rule", n->rule);
		char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (t)
			printf("%s\n", t);
		free(t);
		json_decref(o);
	} else {
		char due[32];
		cli_time(n->due, due);
		printf("%-7lld #%-6lld v%-4lld %-8s %-32s %-9s %s  %d %s\n", (long long)n->id,
		       (long long)n->incident, (long long)n->version, state_names[n->state & 3],
		       n->recipient, n->interval, due, n->attempts, n->error ? n->error : "");
	}
	return 0;
}

static int cmd_status(int argc, char **argv, const char *db)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_notice_filter f = { .state = -1, .limit = -1 };
	struct store *st = NULL;
	struct verr e = { 0 };
	int c, json = 0, status, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			f.state = -2;
			for (int k = 0; k < 4; k++)
				if (!strcmp(optarg, state_names[k]))
					f.state = k;
			if (f.state == -2) {
				log_error(_("--state: '%s' is not queued, sending, sent or failed"),
					  optarg);
				return usage_error();
			}
			break;
		case 'j': json = 1; break;
		case 'h': notify_usage(stdout); return 0;
		default:
			log_error(_("notify: unknown or incomplete option '%s'"), argv[optind - 1]);
			return usage_error();
		}
	}
	if ((status = cli_store_open(db, &st)) != 0)
		return status;
	if ((rc = store_notices_query(st, &f, print_notice, &json, &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
	}
	store_close(st);
	return status;
}

static int print_ledger(void *arg, const struct store_ledger *l)
{
	int json = *(int *)arg;
	char when[32];

	if (json) {
		json_t *o = json_pack("{sI sI sI sI ss ss ss?}", "id", (json_int_t)l->id,
				      "time", (json_int_t)l->time, "incident",
				      (json_int_t)l->incident, "version", (json_int_t)l->version,
				      "recipient", l->recipient, "message_id", l->message_id,
				      "reply", l->reply);
		char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (t)
			printf("%s\n", t);
		free(t);
		json_decref(o);
		return 0;
	}
	cli_time(l->time, when);
	printf("%s  #%-6lld v%-4lld %-32s %s\n", when, (long long)l->incident,
	       (long long)l->version, l->recipient, l->message_id);
	return 0;
}

static int cmd_ledger(int argc, char **argv, const char *db)
{
	static const struct option opts[] = {
		{ "recipient", required_argument, NULL, 'r' },
		{ "incident", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *st = NULL;
	struct verr e = { 0 };
	const char *recipient = NULL;
	int64_t incident = 0;
	int c, json = 0, status, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': recipient = optarg; break;
		case 'i':
			if (parse_id("--incident", optarg, &incident))
				return usage_error();
			break;
		case 'j': json = 1; break;
		case 'h': notify_usage(stdout); return 0;
		default:
			log_error(_("notify: unknown or incomplete option '%s'"), argv[optind - 1]);
			return usage_error();
		}
	}
	if ((status = cli_store_open(db, &st)) != 0)
		return status;
	if ((rc = store_ledger_query(st, recipient, incident, print_ledger, &json, &e)) != V_OK) {
		cli_report(&e);
		status = cli_status(rc);
	}
	store_close(st);
	return status;
}

/* ---- the country report ------------------------------------------------------------------- */

struct country_pick {
	struct ctx *x;
	int64_t since, until;
	int64_t *v;
	size_t n, cap;
	int oom;
};

static int country_collect(void *arg, const struct store_incident *inc)
{
	struct country_pick *p = arg;

	if ((p->since && inc->last_seen < p->since) || (p->until && inc->first_seen >= p->until))
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		int64_t *nv = realloc(p->v, cap * sizeof(*nv));
		if (!nv) {
			p->oom = 1;
			return 1;
		}
		p->v = nv;
		p->cap = cap;
	}
	p->v[p->n++] = inc->id;
	return 0;
}

/* The country of an address: the event's, else the IP index's. */
static void addr_country(const struct ctx *x, const struct notify_addr *a, char cc[3])
{
	struct ipdb_addr ia;

	memcpy(cc, a->cc, 3);
	if (!cc[0] && x->db && a->ip[0] && ipdb_addr_parse(a->ip, strlen(a->ip), &ia) == V_OK)
		ipdb_lookup_country(x->db, &ia, cc);
}

static int cmd_country(int argc, char **argv, const char *db)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "queue", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "ipdb", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx x = { 0 };
	struct country_pick pick = { .x = &x };
	struct store_cert *cert = NULL;
	const char *ipdb_flag = NULL;
	struct policy_verdict pv;
	char cc[3], lang[3] = "en";
	struct verr e = { 0 };
	size_t found = 0;
	int c, status = 0, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': if (parse_when("--since", optarg, &pick.since)) return EXIT_USAGE; break;
		case 'u': if (parse_when("--until", optarg, &pick.until)) return EXIT_USAGE; break;
		case 'q': x.queue = 1; break;
		case 'j': x.json = 1; break;
		case 'p': ipdb_flag = optarg; break;
		case 'h': notify_usage(stdout); return 0;
		default:
			log_error(_("notify: unknown or incomplete option '%s'"), argv[optind - 1]);
			return usage_error();
		}
	}
	if (optind + 1 != argc) {
		log_error(_("notify country: give one country code (ISO 3166-1 alpha-2)"));
		return usage_error();
	}
	if (constituency_cc(argv[optind], cc, &e) != V_OK) {
		log_error(_("notify country: '%s': %s"), argv[optind], e.reason);
		return EXIT_USAGE;
	}
	x.cc = cc;
	if ((status = open_all(&x, db, ipdb_flag, NULL)) != 0)
		goto out;
	if (x.queue && (rc = store_cert_get(x.st, cc, &cert, &e)) != V_OK) {
		if (rc == V_ERR_NOTFOUND)
			log_error(_("notify country: no partner CERT for %s in the constituency"), cc);
		else
			cli_report(&e);
		status = cli_status(rc);
		goto out;
	}
	{
		struct store_incident_filter f = { .state = -1, .limit = -1 };
		if ((rc = store_incidents_query(x.st, &f, country_collect, &pick, &e)) != V_OK) {
			cli_report(&e);
			status = cli_status(rc);
			goto out;
		}
	}
	for (size_t i = pick.n; status == 0 && i-- > 0;) {
		struct store_incident inc;
		struct notify_subject *s = malloc(sizeof(*s));
		if (!s || (rc = store_incident_get(x.st, pick.v[i], &inc, &e)) != V_OK) {
			free(s);
			if (!s)
				log_error(_("out of memory"));
			else
				cli_report(&e);
			status = s ? cli_status(rc) : EXIT_INTERNAL;
			break;
		}
		notify_subject_init(s, &inc);
		rc = notify_subject_load(x.st, s, conf_get_int("notify.max_events"), &e);
		for (size_t k = 0; rc == V_OK && k < s->naddrs; k++) {
			char acc[3];
			addr_country(&x, &s->addrs[k], acc);
			if (strcmp(acc, cc))
				continue;
			found++;
			if (!x.queue) {
				const char *side = s->addrs[k].side == NOTIFY_DESTINATION
							   ? "destination" : "source";
				const char *addr = s->addrs[k].ip[0] ? s->addrs[k].ip
								     : s->addrs[k].fqdn;
				const char *cls = inc.classification_type ? inc.classification_type
									  : "-";
				if (x.json) {
					json_t *o = json_pack("{sI ss ss ss ss?}", "incident",
							      (json_int_t)inc.id, "side", side,
							      "address", addr, "classification",
							      cls, "tlp", inc.tlp);
					char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
					if (t)
						printf("%s\n", t);
					free(t);
					json_decref(o);
				} else {
					printf("#%lld %s %s %s TLP:%s\n", (long long)inc.id, side,
					       addr, cls, inc.tlp ? inc.tlp : "CLEAR");
				}
			} else if (!notify_policy_decide(x.p, NOTIFY_CERT, cert->name, &inc, &pv)) {
				log_info(_("incident %lld stays out of the report: %s"),
					 (long long)inc.id, pv.reason);
			} else {
				for (size_t j = 0; j < cert->ncontacts; j++) {
					const struct store_contact *ct = &cert->contacts[j];
					struct notify_target t = {
						.recipient = ct->email, .name = cert->name,
						.kind = NOTIFY_CERT, .side = s->addrs[k].side,
						.address = s->addrs[k].ip[0] ? s->addrs[k].ip
									     : s->addrs[k].fqdn,
						.lang = ct->lang ? ct->lang : lang,
						.format = ct->format && strcmp(ct->format, "text")
								  ? ct->format : "both",
						.template_name = "country",
						.interval = NOTIFY_IMMEDIATE, .rule = "country-report",
						.why = _("country report for the partner CERT"),
					};
					on_target(&x, s, &t);
				}
				break; /* once per incident */
			}
		}
		if (rc == V_OK && x.queue)
			status = flush_pending(&x);
		else if (rc != V_OK) {
			cli_report(&e);
			status = cli_status(rc);
		}
		store_incident_free(&inc);
		free(s);
	}
	if (status == 0 && !x.json)
		fprintf(x.queue ? stdout : stderr,
			_("%zu address(es) of incidents traced to %s; %zu notification(s) new in "
			  "the queue\n"), found, cc, x.queued);
out:
	store_cert_free(cert);
	free(pick.v);
	close_all(&x);
	return status;
}

int cmd_notify(int argc, char **argv)
{
	const char *db = NULL, *sub;
	int status = 0;

	if ((argc = cli_common_flags(argc, argv, &db, &status)) < 0)
		return status;
	if (argc < 2) {
		notify_usage(stderr);
		return EXIT_USAGE;
	}
	sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		notify_usage(stdout);
		return 0;
	}
	argc--;
	argv++;
	if (!strcmp(sub, "plan"))
		return plan_or_queue(argc, argv, db, 0);
	if (!strcmp(sub, "queue"))
		return plan_or_queue(argc, argv, db, 1);
	if (!strcmp(sub, "send"))
		return cmd_send(argc, argv, db);
	if (!strcmp(sub, "status"))
		return cmd_status(argc, argv, db);
	if (!strcmp(sub, "ledger"))
		return cmd_ledger(argc, argv, db);
	if (!strcmp(sub, "country"))
		return cmd_country(argc, argv, db);
	log_error(_("notify: unknown command '%s'"), sub);
	return usage_error();
}
