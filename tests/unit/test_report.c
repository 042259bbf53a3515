/*
 * test_report.c — the charts and the period report (src/report): every chart's SVG is
 * well-formed XML (libxml2) whatever its labels hold, with no script and the labels as text;
 * the store's statistics (store_stats, store_incidents_notable) count what was put in, on any
 * backend ($VIGIA_TEST_STORE); the report's figures and its HTML show the store's numbers.
 * The tops by AS, country and network come from the incidents' attribution and equal the
 * counts of the queue's filters; so do the dashboard's (store_incident_groups), and its time to
 * resolve per priority is the median and 90th percentile of the resolved incidents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "event/event.h"
#include "report/chart.h"
#include "report/report.h"
#include "store/store.h"
#include "tap.h"

#define DAY 86400

/* ---- charts ---------------------------------------------------------------------------------- */

struct svg_seen {
	int svg_root, scripts, texts, rects, lines, hrefs;
	int found;                  /* the text `want` appeared as a text node */
	const char *want;
};

static void walk(xmlNode *n, struct svg_seen *s)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			const char *name = (const char *)n->name;
			if (strcmp(name, "script") == 0 || strcmp(name, "foreignObject") == 0)
				s->scripts++;
			if (strcmp(name, "text") == 0) {
				xmlChar *t = xmlNodeGetContent(n);
				s->texts++;
				if (t && s->want && strstr((const char *)t, s->want))
					s->found = 1;
				xmlFree(t);
			}
			s->rects += strcmp(name, "rect") == 0;
			s->lines += strcmp(name, "line") == 0;
			for (xmlAttr *a = n->properties; a; a = a->next)
				if (strstr((const char *)a->name, "href") ||
				    strncmp((const char *)a->name, "on", 2) == 0)
					s->hrefs++;
		}
		walk(n->children, s);
	}
}

/* Parse out as XML; fill s.  1 when well-formed. */
static int svg_parse(const struct buf *out, struct svg_seen *s)
{
	xmlDoc *doc = xmlReadMemory(out->data, (int)out->len, "chart.svg", "UTF-8",
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *root;

	if (!doc)
		return 0;
	root = xmlDocGetRootElement(doc);
	s->svg_root = root && strcmp((const char *)root->name, "svg") == 0;
	walk(root, s);
	xmlFreeDoc(doc);
	return 1;
}

static void test_charts(void)
{
	const char *labels[] = { "<script>alert(1)</script>", "AS64500 \"Ejemplo\" & 'Cía'",
				 "bad \xC3\x28 utf-8 \x01 ctl", "\xF0\x9F\x98\x80 emoji" };
	const double v1[] = { 10, 3, 0, 7 }, v2[] = { 1, 2, 3, -5 };
	struct chart_series s1[] = { { "one", v1 } };
	struct chart_series s2[] = { { "uno", v1 }, { "<b>dos</b>", v2 } };
	struct chart c = { .kind = CHART_BARS, .title = "Top </title><script>", .labels = labels,
			   .nlabels = 4, .series = s1, .nseries = 1 };
	struct svg_seen s;
	struct buf out;
	struct chart_marks m;
	char num[32];

	buf_init(&out, 0);
	for (int kind = CHART_BARS; kind <= CHART_LINES; kind++) {
		c.kind = (enum chart_kind)kind;
		c.series = kind == CHART_BARS ? s1 : s2;
		c.nseries = kind == CHART_BARS ? 1 : 2;
		buf_reset(&out);
		memset(&s, 0, sizeof(s));
		s.want = kind == CHART_BARS ? "<script>alert(1)</script>" : "<b>dos</b>";
		ok(chart_svg(&c, 420, 200, &out) == V_OK, "chart %d: drawn", kind);
		ok(svg_parse(&out, &s), "chart %d: the SVG is well-formed XML", kind);
		ok(s.svg_root && s.scripts == 0 && s.hrefs == 0,
		   "chart %d: an <svg> root, no script, no link, no event handler", kind);
		ok(s.found, "chart %d: a hostile label is shown as text, not markup", kind);
		ok(strstr(out.data, "<script>") == NULL, "chart %d: no raw <script> in the output",
		   kind);
		ok(kind == CHART_BARS ? s.rects == 4 : s.texts > 5,
		   "chart %d: the marks are there (%d rects, %d lines, %d texts)", kind, s.rects,
		   s.lines, s.texts);
	}
	/* a bar's length is proportional to its value */
	c.kind = CHART_BARS;
	c.series = s1;
	c.nseries = 1;
	ok(chart_layout(&c, 400, 200, &m) == V_OK, "layout of bars");
	{
		double w[4];
		size_t r = 0;
		for (size_t i = 0; i < m.n && r < 4; i++)
			if (m.v[i].kind == CM_RECT)
				w[r++] = m.v[i].w;
		ok(r == 4 && w[0] > 0 && w[1] / w[0] > 0.29 && w[1] / w[0] < 0.31 && w[2] == 0,
		   "bars: 3 is 0.3 of 10, 0 draws nothing");
	}
	chart_marks_fini(&m);
	c.nseries = 0;
	ok(chart_layout(&c, 400, 200, &m) == V_ERR_INVALID, "no series: refused");
	c.nseries = 1;
	ok(chart_layout(&c, 10, 10, &m) == V_ERR_INVALID, "a box too small: refused");
	chart_number(1234567, num);
	ok(strcmp(num, "1\xE2\x80\xAF" "234\xE2\x80\xAF" "567") == 0, "numbers with thin spaces");
	chart_number(-12, num);
	ok(strcmp(num, "-12") == 0, "a negative number");
	buf_reset(&out);
	chart_escape(&out, "a&b<c>\"d'\xFF");
	ok(strcmp(out.data, "a&amp;b&lt;c&gt;&quot;d&#39;\xEF\xBF\xBD") == 0, "escaping: %s",
	   out.data);
	buf_fini(&out);
}

/* ---- statistics and the report ------------------------------------------------------------ */

static int64_t put_event(struct store *st, int64_t t, const char *asn, const char *cc,
			 const char *net)
{
	struct event *ev = event_new();
	struct verr e = { 0 };
	char when[32];
	time_t tt = (time_t)t;
	struct tm tm;
	int64_t id = 0;

	gmtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	event_set_str(ev, "time.source", when, 0, &e);
	event_set_str(ev, "classification.type", "scanner", 0, &e);
	event_set_str(ev, "source.ip", "192.0.2.1", 0, &e);
	if (asn)
		event_set_str(ev, "source.asn", asn, 0, &e);
	if (cc)
		event_set_str(ev, "source.geolocation.cc", cc, 0, &e);
	if (net)
		event_set_str(ev, "source.network", net, 0, &e);
	if (store_event_insert(st, 0, ev, 0, &id, &e) != V_OK)
		printf("# event: %s\n", e.reason);
	event_free(ev);
	return id;
}

static const char *attr_cc;  /* the attribution put_incident gives (NULL / 0: none) */
static int64_t attr_asn;
static const char *attr_net;

static int64_t put_incident(struct store *st, int64_t created, const char *cls, const char *org,
			    int prio, int64_t events, int state, int64_t resolve_after)
{
	struct store_incident inc = { .rule = "r", .key = "k", .title = "t", .priority = prio,
				      .classification_type = cls, .organisation = org,
				      .created = created, .event_count = events, .tlp = "AMBER",
				      .country = attr_cc, .asn = attr_asn, .network = attr_net };
	struct verr e = { 0 };
	int64_t id = 0;

	if (store_incident_create(st, &inc, &id, &e) != V_OK)
		printf("# incident: %s\n", e.reason);
	if (state) {
		inc.id = id;
		inc.state = (enum incident_state)state;
		inc.updated = created + resolve_after;
		if (store_incident_update(st, &inc, &e) != V_OK)
			printf("# update: %s\n", e.reason);
	}
	return id;
}

struct rows {
	int n;
	int64_t num[16], count[16];
	char key[16][32];
};

static int rows_cb(void *arg, const struct store_stat_row *r)
{
	struct rows *x = arg;

	if (x->n < 16) {
		x->num[x->n] = r->num;
		x->count[x->n] = r->count;
		snprintf(x->key[x->n], sizeof(x->key[0]), "%s", r->key ? r->key : "(null)");
	}
	x->n++;
	return 0;
}

static struct rows stat_of(struct store *st, enum store_stat k, int64_t since, int64_t until,
			   int64_t limit)
{
	struct rows r;
	struct verr e = { 0 };

	memset(&r, 0, sizeof(r));
	if (store_stats(st, k, since, until, limit, rows_cb, &r, &e) != V_OK)
		printf("# stats %d: %s\n", (int)k, e.reason);
	return r;
}

static int ids_cb(void *arg, int64_t id)
{
	struct rows *x = arg;

	if (x->n < 16)
		x->num[x->n] = id;
	x->n++;
	return 0;
}

static int count_cb(void *arg, const struct store_incident *inc)
{
	int64_t *n = arg;

	(void)inc;
	(*n)++;
	return 0;
}

/* Each row of a top (kind 'a' AS, 'c' country, 'n' network) counts what the queue's filter of
 * that value finds: every incident of the test store with one is in the period but for one
 * (FR, AS 64999, 198.51.100.0/24), which no top may hold. */
static void check_tops(struct store *st, const struct rows *r, int kind, const char *what)
{
	struct verr e = { 0 };
	int same = 1;

	for (int i = 0; i < r->n && i < 16; i++) {
		struct store_incident_filter f = { .state = -1, .limit = -1 };
		int64_t n = 0;
		if (kind == 'a')
			f.asn = strtoll(r->key[i], NULL, 10);
		else if (kind == 'c')
			f.country = r->key[i];
		else
			f.network = r->key[i];
		if (store_incidents_query(st, &f, count_cb, &n, &e) != V_OK || n != r->count[i] ||
		    !strcmp(r->key[i], "64999") || !strcmp(r->key[i], "FR") ||
		    !strcmp(r->key[i], "198.51.100.0/24"))
			same = 0;
	}
	ok(same, "incidents by %s: each count is the filter's", what);
}

struct grows {
	int n;
	char a[16][32], b[16][8];
	int64_t count[16], sum[16];
};

static int grows_cb(void *arg, const struct store_incident_group *g)
{
	struct grows *x = arg;

	if (x->n < 16) {
		snprintf(x->a[x->n], sizeof(x->a[0]), "%s", g->a ? g->a : "(null)");
		snprintf(x->b[x->n], sizeof(x->b[0]), "%s", g->b ? g->b : "(null)");
		x->count[x->n] = g->count;
		x->sum[x->n] = g->sum;
	}
	x->n++;
	return 0;
}

static struct grows group_of(struct store *st, enum store_group_by by, int64_t since,
			     int64_t limit)
{
	struct store_incident_grouping g = { .by = by, .since = since, .now = since,
					     .limit = limit };
	struct grows r;
	struct verr e = { 0 };

	memset(&r, 0, sizeof(r));
	if (store_incident_groups(st, &g, grows_cb, &r, &e) != V_OK)
		printf("# group %d: %s\n", (int)by, e.reason);
	return r;
}

/* The dashboard's aggregates of the same incidents (created since: no end). */
static void test_groups(struct store *st, int64_t since)
{
	struct grows g;

	g = group_of(st, STORE_GROUP_ASN, since, 10);
	ok(g.n == 2 && !strcmp(g.a[0], "64501") && g.count[0] == 2 && !strcmp(g.a[1], "64500") &&
	   g.count[1] == 1, "dashboard: top ASNs (%d rows)", g.n);
	g = group_of(st, STORE_GROUP_COUNTRY, since, 1);
	ok(g.n == 1 && !strcmp(g.a[0], "ES") && g.count[0] == 2, "dashboard: top countries");
	g = group_of(st, STORE_GROUP_NETWORK, since, 10);
	ok(g.n == 1 && !strcmp(g.a[0], "192.0.2.0/24") && g.count[0] == 1,
	   "dashboard: top networks");
	g = group_of(st, STORE_GROUP_COUNTRY, since - 2 * DAY, 10);
	ok(g.n == 3 && !strcmp(g.a[1], "FR") && !strcmp(g.a[2], "PT"),
	   "dashboard: a longer period takes the older one (ties by name)");
	/* priority 1: resolved in 30 min and in 2 days: the median is the first (rank
	 * ceil(0.5 * 2) = 1), the 90th percentile the second (rank ceil(0.9 * 2) = 2) */
	g = group_of(st, STORE_GROUP_RESOLVE_PCT, since, 0);
	ok(g.n == 2 && !strcmp(g.a[0], "1") && !strcmp(g.b[0], "50") && g.count[0] == 2 &&
	   g.sum[0] == 1800 && !strcmp(g.b[1], "90") && g.sum[1] == 2 * DAY,
	   "dashboard: time to resolve, median and p90 (%d rows: %s %s %lld)", g.n, g.a[0],
	   g.b[0], (long long)g.sum[0]);
	g = group_of(st, STORE_GROUP_RESOLVE, since, 0);
	ok(g.n == 1 && g.count[0] == 2 && g.sum[0] == 1800 + 2 * DAY,
	   "dashboard: the same incidents as the mean's");
}

static void test_stats(void)
{
	char path[] = "/tmp/vigia-test-report-XXXXXX";
	int fd = mkstemp(path);
	struct store *st = NULL;
	struct verr e = { 0 };
	int64_t now = (int64_t)time(NULL), d0 = now - now % DAY - 5 * DAY; /* five days ago */
	int64_t since = d0, until = d0 + 7 * DAY, a, b, c2;
	struct rows r;
	struct report_period p;
	struct buf html;

	close(fd);
	unlink(path);
	ok(store_open(tap_store_path(path), &st, &e) == V_OK, "a store (%s)", e.reason);
	if (!st)
		return;
	/* events: 3 on day 0 (AS 64500 twice, ES), 2 on day 2 (AS 64501, PT), one before the
	 * period and one after it */
	put_event(st, d0 + 100, "64500", "ES", "192.0.2.0/24");
	put_event(st, d0 + 200, "64500", "ES", "192.0.2.0/24");
	put_event(st, d0 + 300, "64501", "PT", NULL);
	put_event(st, d0 + 2 * DAY + 5, "64501", "PT", NULL);
	put_event(st, d0 + 2 * DAY + 6, "64501", NULL, NULL);
	put_event(st, d0 - 10, "64999", "FR", NULL);
	put_event(st, until + 10, "64999", "FR", NULL);
	/* incidents: created in the period unless said */
	attr_cc = "ES", attr_asn = 64500, attr_net = "192.0.2.0/24";
	a = put_incident(st, d0 + 10, "phishing", "Org A", 2, 5, 0, 0);
	attr_cc = "ES", attr_asn = 64501, attr_net = NULL;
	b = put_incident(st, d0 + DAY, "phishing", "Org A", 1, 3, 4, 1800); /* resolved, 30 min */
	attr_cc = "PT", attr_asn = 64501, attr_net = NULL;
	c2 = put_incident(st, d0 + DAY + 5, "scanner", "Org B", 1, 9, 5, 2 * DAY); /* closed, 2 d */
	attr_cc = NULL, attr_asn = 0, attr_net = NULL;
	put_incident(st, d0 + 3 * DAY, "", NULL, 4, 1, 1, 0);
	attr_cc = "FR", attr_asn = 64999, attr_net = "198.51.100.0/24";
	put_incident(st, d0 - DAY, "phishing", "Org Z", 1, 99, 0, 0); /* before */
	attr_cc = NULL, attr_asn = 0, attr_net = NULL;

	r = stat_of(st, STORE_STAT_EVENTS_PER_DAY, since, until, 0);
	ok(r.n == 2 && r.num[0] == d0 && r.count[0] == 3 && r.num[1] == d0 + 2 * DAY &&
	   r.count[1] == 2, "events per day: 3 then 2, days at 00:00 UTC (%d rows)", r.n);
	r = stat_of(st, STORE_STAT_INCIDENTS_BY_ASN, since, until, 0);
	ok(r.n == 2 && strcmp(r.key[0], "64501") == 0 && r.count[0] == 2 &&
	   strcmp(r.key[1], "64500") == 0 && r.count[1] == 1,
	   "incidents by AS: from their attribution, the one before left out (%d rows)", r.n);
	check_tops(st, &r, 'a', "AS");
	r = stat_of(st, STORE_STAT_INCIDENTS_BY_ASN, since, until, 1);
	ok(r.n == 1, "a limit cuts the list");
	r = stat_of(st, STORE_STAT_INCIDENTS_BY_COUNTRY, since, until, 0);
	ok(r.n == 2 && strcmp(r.key[0], "ES") == 0 && r.count[0] == 2 &&
	   strcmp(r.key[1], "PT") == 0 && r.count[1] == 1, "incidents by country");
	check_tops(st, &r, 'c', "country");
	r = stat_of(st, STORE_STAT_INCIDENTS_BY_NETWORK, since, until, 1);
	ok(r.n == 1 && strcmp(r.key[0], "192.0.2.0/24") == 0 && r.count[0] == 1,
	   "incidents by network: only incidents with one");
	check_tops(st, &r, 'n', "network");
	test_groups(st, since);
	r = stat_of(st, STORE_STAT_INCIDENTS_BY_STATE, since, until, 0);
	ok(r.n == 4 && r.num[0] == 0 && r.count[0] == 1 && r.num[1] == 1 && r.num[2] == 4 &&
	   r.num[3] == 5, "incidents by state");
	r = stat_of(st, STORE_STAT_INCIDENTS_BY_ORG, since, until, 0);
	ok(r.n == 2 && strcmp(r.key[0], "Org A") == 0 && r.count[0] == 2 &&
	   strcmp(r.key[1], "Org B") == 0, "incidents by organisation, the one before left out");
	r = stat_of(st, STORE_STAT_INCIDENTS_BY_CLASS, since, until, 0);
	ok(r.n == 3 && strcmp(r.key[0], "phishing") == 0 && r.count[0] == 2,
	   "incidents by classification");
	r = stat_of(st, STORE_STAT_INCIDENTS_PER_DAY, since, until, 0);
	ok(r.n == 4 && r.num[0] == d0 && r.num[1] == d0 + DAY && r.count[1] == 1 &&
	   r.num[2] == d0 + DAY && strcmp(r.key[2], "scanner") == 0 && r.num[3] == d0 + 3 * DAY,
	   "incidents per day and classification (%d rows)", r.n);
	r = stat_of(st, STORE_STAT_RESOLVE_BUCKETS, since, until, 0);
	ok(r.n == 2 && r.num[0] == 0 && r.count[0] == 1 && r.num[1] == 3 && r.count[1] == 1,
	   "time to resolve: one under an hour, one of 1 to 3 days");
	r = stat_of(st, STORE_STAT_RESOLVE_TOTAL, since, until, 0);
	ok(r.n == 1 && r.num[0] == 1800 + 2 * DAY && r.count[0] == 2, "time to resolve: the sum");
	memset(&r, 0, sizeof(r));
	ok(store_incidents_notable(st, since, until, 3, ids_cb, &r, &e) == V_OK && r.n == 3 &&
	   r.num[0] == c2 && r.num[1] == b && r.num[2] == a,
	   "notable: priority 1 first, then most events");
	ok(store_stats(st, STORE_STAT_EVENTS_PER_DAY, until, since, 0, rows_cb, &r, &e) ==
	   V_ERR_INVALID, "a period that ends before it starts: refused");
	ok(store_stats(st, (enum store_stat)99, since, until, 0, rows_cb, &r, &e) == V_ERR_INVALID,
	   "an unknown statistic: refused");

	/* the report's figures are the store's */
	ok(report_period_load(st, since, until, 10, 10, &p, &e) == V_OK, "period loaded (%s)",
	   e.reason);
	is_int(p.events, 5, "report: events");
	is_int(p.incidents, 4, "report: incidents");
	is_int(p.ndays, 7, "report: days");
	is_int(p.events_per_day[0], 3, "report: events of the first day");
	is_int(p.events_per_day[2], 2, "report: events of the third day");
	is_int(p.by_state[4] + p.by_state[5], 2, "report: resolved or closed");
	is_int(p.resolved, 2, "report: resolved count");
	is_int(p.asns.n, 2, "report: ASNs");
	is_int(p.orgs.n, 2, "report: organisations");
	is_int(p.nnotable, 4, "report: notable incidents");
	ok(p.nnotable && p.notable[0].id == c2 && p.notable[0].event_count == 9,
	   "report: the notable incidents read whole");
	buf_init(&html, 0);
	ok(report_period_html(&p, "en", "CSIRT-T", &html) == V_OK, "report: HTML");
	ok(strstr(html.data, "<div class=\"kpi\"><b>5</b>events</div>") &&
	   strstr(html.data, "<div class=\"kpi\"><b>4</b>incidents</div>") &&
	   strstr(html.data, ">Org A<") && strstr(html.data, ">64501<"),
	   "report: the HTML shows the store's numbers and names");
	ok(!strstr(html.data, "<script") && !strstr(html.data, "src=") &&
	   !strstr(html.data, "href="), "report: no script and nothing fetched");
	buf_fini(&html);
	report_period_fini(&p);
	ok(report_period_load(st, since, since + 1001 * DAY, 10, 10, &p, &e) == V_ERR_INVALID,
	   "a period over 1000 days: refused");
	report_period_fini(&p);
	store_close(st);
	unlink(path);
}

int main(void)
{
	test_charts();
	test_stats();
	return done_testing();
}
