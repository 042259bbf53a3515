/*
 * notify_bench.c — how long routing and rendering take: N incidents (default 100,000) spread
 * over R recipients (default 5,000 organisations of a constituency, one /24 and one contact
 * each), each incident one scanner event.
 *
 *   plan    for every incident: its addresses, the constituency (longest prefix), the
 *           routing rules (built in), the TLP rule — notify_plan(), as `vigia notify plan`
 *   render  for every recipient: one message with all its incidents — the template (text),
 *           incidents.csv, one X-ARF report per incident, MIME with base64 —
 *           notify_message_build(), as `vigia notify send` before the SMTP server
 *
 * The store is left out (it is measured by bench/store.sh); the events are made in memory.
 * usage: notify_bench [INCIDENTS] [RECIPIENTS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/conf.h"
#include "notify/notify.h"

static double clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_of(CLOCK_MONOTONIC);
}

/* CPU time of this process: what the work costs when the machine is shared */
static double cpu(void)
{
	return clock_of(CLOCK_PROCESS_CPUTIME_ID);
}

struct hit {
	int recipient;       /* index of the organisation, -1 for none */
	char lang[3];
	char address[IPDB_ADDRSTRLEN];
};

struct plan_ctx {
	struct hit *h;
};

static int on_target(void *arg, const struct notify_subject *s, const struct notify_target *t)
{
	struct plan_ctx *c = arg;

	(void)s;
	if (!t->recipient || c->h->recipient >= 0)
		return 0;
	/* the contact is "orgN@example.org" */
	c->h->recipient = (int)strtol(t->recipient + 3, NULL, 10);
	snprintf(c->h->lang, sizeof(c->h->lang), "%s", t->lang);
	snprintf(c->h->address, sizeof(c->h->address), "%s", t->address);
	return 0;
}

static void make_event(struct event *ev, long i, int org)
{
	char ip[32], port[16];

	event_clear(ev);
	snprintf(ip, sizeof(ip), "10.%d.%d.%ld", org / 256, org % 256, 1 + i % 250);
	snprintf(port, sizeof(port), "%ld", 1024 + i % 60000);
	event_set_str(ev, "source.ip", ip, 0, NULL);
	event_set_str(ev, "source.port", port, 0, NULL);
	event_set_str(ev, "protocol.transport", "tcp", 0, NULL);
	event_set_str(ev, "classification.type", "scanner", 0, NULL);
	event_set_str(ev, "time.source", "2026-11-20T10:00:00+00:00", 0, NULL);
	event_set_str(ev, "feed.name", "Benchmark feed", 0, NULL);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	int norgs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5000;
	struct constituency *c = constituency_new();
	struct notify_rules *rules = NULL;
	struct notify_planner *p = NULL;
	struct notify_templates *ts = NULL;
	struct store_incident *inc = calloc((size_t)n, sizeof(*inc));
	struct hit *hits = calloc((size_t)n, sizeof(*hits));
	struct notify_subject *s = malloc(sizeof(*s));
	struct event *ev = event_new();
	struct verr e = { 0 };
	double t0, t1, t2, c0, c1, c2;
	long planned = 0;
	size_t bytes = 0, messages = 0;

	if (n < 1 || norgs < 1 || norgs > 65536 || !c || !inc || !hits || !s || !ev) {
		fprintf(stderr, "usage: notify_bench [INCIDENTS] [RECIPIENTS <= 65536]\n");
		return 2;
	}
	conf_init();
	conf_set("notify.from", "csirt@bench.example", NULL);
	for (int o = 0; o < norgs; o++) {
		char name[32], cidr[32], mail[64];
		snprintf(name, sizeof(name), "Org %d", o);
		snprintf(cidr, sizeof(cidr), "10.%d.%d.0/24", o / 256, o % 256);
		snprintf(mail, sizeof(mail), "org%d@example.org", o);
		struct store_network net = { .cidr = cidr };
		struct store_contact ct = { .email = mail, .lang = o % 2 ? "en" : "es" };
		struct store_org org = { .name = name, .nnetworks = 1, .networks = &net,
					 .ncontacts = 1, .contacts = &ct };
		if (constituency_add_org(c, &org, &e) != V_OK) {
			fprintf(stderr, "constituency: %s\n", e.reason);
			return 1;
		}
	}
	if (constituency_index(c, &e) != V_OK || notify_rules_load(NULL, &rules, &e) != V_OK ||
	    notify_planner_new(c, NULL, rules, &p) != V_OK ||
	    notify_templates_new(NULL, &ts) != V_OK) {
		fprintf(stderr, "setup: %s\n", e.reason);
		return 1;
	}

	/* plan */
	t0 = now();
	c0 = cpu();
	for (long i = 0; i < n; i++) {
		int org = (int)((i * 7919) % norgs);
		struct plan_ctx pc = { &hits[i] };
		inc[i] = (struct store_incident){ .id = i + 1, .classification_type = "scanner",
						  .taxonomy = "information-gathering",
						  .tlp = "GREEN", .event_count = 1,
						  .first_seen = 1763632800, .last_seen = 1763632800,
						  .title = "scanner" };
		hits[i].recipient = -1;
		make_event(ev, i, org);
		notify_subject_init(s, &inc[i]);
		notify_subject_add_event(s, ev);
		notify_plan(p, s, on_target, &pc);
		planned += hits[i].recipient >= 0;
	}
	t1 = now();
	c1 = cpu();

	/* render: incidents grouped by recipient (counting sort) */
	long *start = calloc((size_t)norgs + 1, sizeof(long)), *order = malloc((size_t)n * sizeof(long));
	for (long i = 0; i < n; i++)
		if (hits[i].recipient >= 0)
			start[hits[i].recipient + 1]++;
	for (int o = 0; o < norgs; o++)
		start[o + 1] += start[o];
	long *fill = calloc((size_t)norgs, sizeof(long));
	for (long i = 0; i < n; i++)
		if (hits[i].recipient >= 0)
			order[start[hits[i].recipient] + fill[hits[i].recipient]++] = i;
	size_t cap = 0;
	struct event **evs = NULL;
	struct notify_msg_incident *mis = NULL;
	const struct event **evp = NULL;
	struct buf msg;
	buf_init(&msg, 0);
	for (int o = 0; o < norgs; o++) {
		size_t k = (size_t)(start[o + 1] - start[o]);
		char mail[64], mid[128];
		int64_t id = o + 1;
		if (!k)
			continue;
		if (k > cap) {
			evs = realloc(evs, k * sizeof(*evs));
			evp = realloc(evp, k * sizeof(*evp));
			mis = realloc(mis, k * sizeof(*mis));
			for (size_t j = cap; j < k; j++)
				evs[j] = event_new();
			cap = k;
		}
		for (size_t j = 0; j < k; j++) {
			long i = order[start[o] + (long)j];
			make_event(evs[j], i, o);
			evp[j] = evs[j];
			mis[j] = (struct notify_msg_incident){ .inc = &inc[i], .version = 1,
							       .address = hits[i].address,
							       .why = "network of the organisation",
							       .nevents = 1, .events = &evp[j] };
		}
		snprintf(mail, sizeof(mail), "org%d@example.org", o);
		notify_message_id(&id, 1, "bench.example", mid);
		struct notify_msg m = { .team = "CSIRT", .team_email = "csirt@bench.example",
					.team_domain = "bench.example", .recipient = mail,
					.recipient_name = mail, .lang = hits[order[start[o]]].lang,
					.date = 1763632800, .nincidents = k, .incidents = mis };
		buf_reset(&msg);
		if (notify_message_build(ts, &m, "summary", "both", mid, &msg, &e) != V_OK) {
			fprintf(stderr, "render: %s\n", e.reason);
			return 1;
		}
		bytes += msg.len;
		messages++;
	}
	t2 = now();
	c2 = cpu();
	printf("notify bench: %ld incidents, %d recipients: %ld routed\n", n, norgs, planned);
	printf("  plan    %.3f s wall, %.3f s CPU  (%.0f incidents/s of CPU)\n", t1 - t0, c1 - c0,
	       (double)n / (c1 - c0));
	printf("  render  %.3f s wall, %.3f s CPU  (%zu messages, %.1f MB with CSV and X-ARF "
	       "attachments)\n", t2 - t1, c2 - c1, messages, (double)bytes / 1e6);
	printf("  total   %.3f s wall, %.3f s CPU\n", t2 - t0, c2 - c0);
	for (size_t j = 0; j < cap; j++)
		event_free(evs[j]);
	free(evs);
	free(evp);
	free(mis);
	free(start);
	free(order);
	free(fill);
	buf_fini(&msg);
	event_free(ev);
	free(s);
	free(hits);
	free(inc);
	notify_templates_free(ts);
	notify_planner_free(p);
	notify_rules_free(rules);
	constituency_free(c);
	conf_fini();
	return 0;
}
