/*
 * cmd_incidents.c — `vigia incidents`: the analysts' view of incidents and their work on them
 * (list, show, set, note, attach, merge, link, close, reopen, due).
 *
 * Listings are aligned tables for people, or with --json the stable objects documented in
 * docs/formats.md ("Incidents as JSON").  Every change goes through src/cases (which audits
 * it); nothing here touches the store except to read.  Also the table printer the other
 * listing commands share (cli_table_*).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cases/cases.h"
#include "cli/cli.h"
#include "store/store.h"

#define LIST_DEFAULT 50
#define SHOW_EVENTS_DEFAULT 20
#define LIMIT_MAX 100000
#define KEY_WIDTH 48       /* key/title column of the listing, in characters */
#define ATTACH_MAX ((size_t)256 << 20)

/* ---- tables ---------------------------------------------------------------------------------- */

/* Characters (code points) in UTF-8 text: what a terminal shows for the scripts vigia uses. */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *head,
		    const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->head = head;
	t->align = align;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	if (t->nrows == t->size) {
		size_t ns = t->size ? t->size * 2 : 64;
		char **c = realloc(t->cells, ns * t->ncols * sizeof(*c));
		if (!c)
			return V_ERR_NOMEM;
		t->cells = c;
		t->size = ns;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		char *c = strdup(cells[i] ? cells[i] : "-");
		if (!c) {
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return V_ERR_NOMEM;
		}
		t->cells[t->nrows * t->ncols + i] = c;
	}
	t->nrows++;
	return V_OK;
}

static void cell(FILE *f, const char *s, size_t w, char align, int last)
{
	size_t n = width(s);

	if (align == 'r')
		for (; n < w; n++)
			fputc(' ', f);
	fputs(s, f);
	if (last)
		return;
	if (align != 'r')
		for (; n < w; n++)
			fputc(' ', f);
	fputs("  ", f);
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t w[16] = { 0 };
	size_t nc = t->ncols < 16 ? t->ncols : 16;

	for (size_t c = 0; c < nc; c++) {
		w[c] = width(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t x = width(t->cells[r * t->ncols + c]);
			if (x > w[c])
				w[c] = x;
		}
	}
	for (size_t c = 0; c < nc; c++)
		cell(f, t->head[c], w[c], t->align[c], c + 1 == nc);
	fputc('\n', f);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < nc; c++)
			cell(f, t->cells[r * t->ncols + c], w[c], t->align[c], c + 1 == nc);
		fputc('\n', f);
	}
}

void cli_table_fini(struct cli_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void cli_time(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!t || !gmtime_r(&tt, &tm)) {
		snprintf(out, 32, "-");
		return;
	}
	strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

/* s cut to at most max characters (an ellipsis marks the cut), control characters shown as
 * spaces, into out (size >= 4 * max + 4). */
static const char *clip(const char *s, size_t max, char *out, size_t size)
{
	size_t chars = 0, i = 0, cut = 0;

	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (chars == max - 1)
			cut = i;
		if (++chars > max)
			break;
	}
	if (s[i])
		snprintf(out, size, "%.*s…", (int)cut, s);
	else
		snprintf(out, size, "%s", s);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return out;
}

/* ---- arguments ------------------------------------------------------------------------------- */

static const char *db_flag; /* --db PATH, taken out of argv wherever it stands */

static void incidents_usage(FILE *f)
{
	fprintf(f, _("usage: vigia incidents COMMAND [--db PATH] [OPTIONS]\n\n"
		     "  list [--state S] [--open] [--owner U] [--priority P]\n"
		     "       [--classification T] [--organisation O]\n"
		     "       [--country CC] [--asn N] [--network CIDR]\n"
		     "       [--limit N] [--offset N] [--json]\n"
		     "                                incidents, newest first (50 a page)\n"
		     "  show ID [--events N] [--json] one incident: events, notes, links,\n"
		     "                                attachments, indicators, audit trail\n"
		     "  set ID [--state S] [--resolution R] [--owner U] [--priority P1..P4]\n"
		     "         [--impact I] [--tlp T] [--pap P] [--title T]\n"
		     "  note ID TEXT|-                add a note ('-' reads standard input)\n"
		     "  attach ID FILE                attach a file (kept once by SHA-256)\n"
		     "  merge INTO FROM...            merge into INTO, as duplicates\n"
		     "  link A B [--why TEXT]         link two incidents\n"
		     "  close ID --resolution R       close with a resolution\n"
		     "  reopen ID                     reopen a resolved or closed incident\n"
		     "  due [--dry-run] [--json]      raise the incidents past their deadline\n"
		     "                                one step (--dry-run: only list them)\n\n"
		     "States: new, open, in_progress, waiting, resolved, closed.\n"
		     "Resolutions: true-positive, false-positive, duplicate, indeterminate.\n"
		     "Impact: low, medium, high, critical.\n"
		     "TLP: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.\n"
		     "PAP: CLEAR, GREEN, AMBER, RED.\n"
		     "Changes are audited as $VIGIA_USER (else the login name).\n"
		     "The store: --db PATH, else $VIGIA_DB, else the store.path setting.\n\n"
		     "Exit status: 0 done, 2 usage error or change refused, 3 store error.\n"));
}

static int usage_error(void)
{
	fprintf(stderr, _("Run 'vigia incidents --help' for the commands and their options.\n"));
	return EXIT_USAGE;
}

static int parse_count(const char *opt, const char *s, int64_t min, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < min || v > LIMIT_MAX) {
		log_error(_("%s: '%s' is not a number from %lld to %d"), opt, s, (long long)min,
			  LIMIT_MAX);
		return -1;
	}
	*out = v;
	return 0;
}

/* An AS number: "64496" or "AS64496". */
static int parse_asn(const char *s, int64_t *out)
{
	const char *p = s;
	char *end;
	long long v;

	if ((p[0] == 'A' || p[0] == 'a') && (p[1] == 'S' || p[1] == 's'))
		p += 2;
	errno = 0;
	v = strtoll(p, &end, 10);
	if (end == p || *end || errno || *p == '-' || *p == '+' || v < 1 || v > 4294967295LL) {
		log_error(_("--asn: '%s' is not an AS number"), s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '#')
		s++;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v <= 0) {
		log_error(_("'%s' is not an incident id"), s);
		return -1;
	}
	*out = v;
	return 0;
}

static int report(int rc, const struct verr *e)
{
	if (rc != V_OK)
		cli_report(e);
	return cli_status(rc);
}

static int print_json(json_t *j)
{
	int rc = 0;

	if (!j || json_dumpf(j, stdout, JSON_INDENT(2)) != 0) {
		log_error("%s", vres_str(V_ERR_NOMEM));
		rc = EXIT_INTERNAL;
	} else {
		fputc('\n', stdout);
	}
	json_decref(j);
	return rc;
}

/* Options of a subcommand; returns the getopt code, -1 at the end, '?' on an error. */
static int next_opt(int argc, char **argv, const struct option *opts)
{
	int c = getopt_long(argc, argv, "h", opts, NULL);

	if (c == '?')
		log_error(_("incidents %s: unknown or incomplete option '%s'"), argv[0],
			  argv[optind - 1]);
	return c;
}

/* ---- list ------------------------------------------------------------------------------------ */

struct listing {
	struct cli_table t;
	json_t *arr; /* with --json */
	int64_t now, n;
	int overdue;
	int failed;
};

static int list_row(void *arg, const struct store_incident *inc)
{
	struct listing *l = arg;
	char id[24], pri[8], evs[24], first[32], last[32], dl[64], key[4 * KEY_WIDTH + 8];
	const char *state;

	l->n++;
	if (l->arr) {
		json_t *o = cases_incident_json(inc, l->now);
		if (!o || json_array_append_new(l->arr, o))
			return l->failed = V_ERR_NOMEM;
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)inc->id);
	snprintf(pri, sizeof(pri), "P%d", inc->priority);
	snprintf(evs, sizeof(evs), "%lld", (long long)inc->event_count);
	cli_time(inc->first_seen, first);
	cli_time(inc->last_seen, last);
	cli_time(inc->deadline, dl);
	if (cases_overdue(inc, l->now)) {
		size_t n = strlen(dl);
		snprintf(dl + n, sizeof(dl) - n, " !");
		l->overdue = 1;
	}
	state = cases_state_name(inc->state);
	clip(inc->title ? inc->title : inc->key ? inc->key : "-", KEY_WIDTH, key, sizeof(key));
	const char *cells[] = { id, state, pri, inc->classification_type, key, evs, first, last,
				inc->owner, dl };
	if (cli_table_add(&l->t, cells) != V_OK)
		return l->failed = V_ERR_NOMEM;
	return 0;
}

static int sub_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "open", no_argument, NULL, 'o' },
		{ "owner", required_argument, NULL, 'u' },
		{ "priority", required_argument, NULL, 'p' },
		{ "classification", required_argument, NULL, 'c' },
		{ "organisation", required_argument, NULL, 'g' },
		{ "country", required_argument, NULL, 'C' },
		{ "asn", required_argument, NULL, 'A' },
		{ "network", required_argument, NULL, 'N' },
		{ "limit", required_argument, NULL, 'l' },
		{ "offset", required_argument, NULL, 'O' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const head[] = { N_("ID"), N_("STATE"), N_("PRI"),
					    N_("CLASSIFICATION"), N_("KEY/TITLE"), N_("EVENTS"),
					    N_("FIRST SEEN"), N_("LAST SEEN"), N_("OWNER"),
					    N_("DEADLINE") };
	const char *theads[10];
	struct store_incident_filter f;
	struct listing l;
	struct store *st = NULL;
	struct verr e = { 0 };
	enum incident_state s;
	int c, json = 0, status, rc;

	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	f.state = -1;
	f.limit = LIST_DEFAULT;
	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's':
			if (cases_state_parse(optarg, &s, &e) != V_OK)
				return report(V_ERR_USAGE, &e);
			f.state = (int)s;
			break;
		case 'o': f.open_only = 1; break;
		case 'u': f.owner = optarg; break;
		case 'c': f.classification = optarg; break;
		case 'g': f.organisation = optarg; break;
		case 'C':
			if (strlen(optarg) != 2 || !isalpha((unsigned char)optarg[0]) ||
			    !isalpha((unsigned char)optarg[1])) {
				log_error(_("--country: '%s' is not a two-letter country code"),
					  optarg);
				return EXIT_USAGE;
			}
			f.country = optarg;
			break;
		case 'A':
			if (parse_asn(optarg, &f.asn))
				return EXIT_USAGE;
			break;
		case 'N': f.network = optarg; break;
		case 'p':
			if (cases_priority_parse(optarg, &f.priority, &e) != V_OK)
				return report(V_ERR_USAGE, &e);
			break;
		case 'l':
			if (parse_count("--limit", optarg, 1, &f.limit))
				return EXIT_USAGE;
			break;
		case 'O':
			if (parse_count("--offset", optarg, 0, &f.offset))
				return EXIT_USAGE;
			break;
		case 'j': json = 1; break;
		case 'h': incidents_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (optind < argc) {
		log_error(_("incidents list: unexpected argument '%s'"), argv[optind]);
		return usage_error();
	}
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	for (size_t i = 0; i < 10; i++)
		theads[i] = _(head[i]);
	cli_table_init(&l.t, 10, theads, "rllllrllll");
	l.now = (int64_t)time(NULL);
	if (json && !(l.arr = json_array())) {
		status = EXIT_INTERNAL;
		goto out;
	}
	rc = store_incidents_query(st, &f, list_row, &l, &e);
	if (rc == V_ERR_NOMEM || l.failed)
		verr_set(&e, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
	if (rc != V_OK || l.failed) {
		status = report(l.failed ? l.failed : rc, &e);
		goto out;
	}
	if (json) {
		status = print_json(l.arr);
		l.arr = NULL;
		goto out;
	}
	if (!l.n && !f.offset) {
		printf(_("No incidents.\n"));
		goto out;
	}
	cli_table_print(&l.t, stdout);
	if (l.overdue)
		printf(_("! past its deadline ('vigia incidents due' raises it)\n"));
	if (l.n == f.limit)
		printf(_("(%lld shown; --offset %lld for the next page)\n"), (long long)l.n,
		       (long long)(f.offset + f.limit));
out:
	json_decref(l.arr);
	cli_table_fini(&l.t);
	store_close(st);
	return status;
}

/* ---- show ------------------------------------------------------------------------------------ */

struct show {
	json_t *events, *notes, *links, *attachments, *indicators, *audit; /* with --json */
	struct cli_table t;
	struct buf change;
	int json, failed;
	int64_t n;
};

static int add_json(struct show *s, json_t *arr, json_t *o)
{
	if (!o || json_array_append_new(arr, o)) {
		s->failed = V_ERR_NOMEM;
		return V_ERR_NOMEM;
	}
	s->n++;
	return 0;
}

static int add_row(struct show *s, const char *const *cells)
{
	s->n++;
	if (cli_table_add(&s->t, cells) != V_OK)
		return s->failed = V_ERR_NOMEM;
	return 0;
}

static json_t *jtime_or_null(int64_t t)
{
	char iso[32];

	if (!t)
		return json_null();
	cases_time_iso(t, iso);
	return json_string(iso);
}

static json_t *jstring_or_null(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_null();
}

static int show_event(void *arg, const struct store_event_row *row)
{
	struct show *s = arg;
	json_t *ev = json_loads(row->json, 0, NULL);
	char id[24], rep[24], first[32], last[32];
	const char *what, *cls, *feed, *when;

	if (s->json) {
		json_t *o = json_object();
		if (o) {
			json_object_set_new(o, "id", json_integer(row->id));
			json_object_set_new(o, "batch", json_integer(row->batch));
			json_object_set_new(o, "first_seen", jtime_or_null(row->first_seen));
			json_object_set_new(o, "last_seen", jtime_or_null(row->last_seen));
			json_object_set_new(o, "repeats", json_integer(row->repeats));
			json_object_set_new(o, "event", ev ? ev : json_null());
			ev = NULL;
		}
		json_decref(ev);
		return add_json(s, s->events, o);
	}
	what = json_string_value(json_object_get(ev, "source.ip"));
	if (!what)
		what = json_string_value(json_object_get(ev, "source.fqdn"));
	if (!what)
		what = json_string_value(json_object_get(ev, "source.url"));
	if (!what)
		what = json_string_value(json_object_get(ev, "destination.ip"));
	cls = json_string_value(json_object_get(ev, "classification.type"));
	feed = json_string_value(json_object_get(ev, "feed.name"));
	when = json_string_value(json_object_get(ev, "time.source"));
	snprintf(id, sizeof(id), "%lld", (long long)row->id);
	snprintf(rep, sizeof(rep), "%lld", (long long)row->repeats);
	cli_time(row->first_seen, first);
	cli_time(row->last_seen, last);
	const char *cells[] = { id, when, what, cls, feed, first, last, rep };
	add_row(s, cells);
	json_decref(ev);
	return s->failed;
}

static int show_note(void *arg, int64_t id, const char *author, int64_t time_,
		     const char *text)
{
	struct show *s = arg;
	char when[32];

	if (s->json)
		return add_json(s, s->notes,
				json_pack("{s:I,s:o,s:o,s:o}", "id", (json_int_t)id, "author",
					  jstring_or_null(author), "time", jtime_or_null(time_),
					  "text", jstring_or_null(text)));
	cli_time(time_, when);
	printf("  %s  %s\n", when, author ? author : "-");
	/* the text indented, line by line */
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		printf("    %.*s\n", n, p);
		p = nl ? nl + 1 : NULL;
	}
	s->n++;
	return 0;
}

static int show_link(void *arg, int64_t other, const char *kind, const char *why)
{
	struct show *s = arg;
	char id[24];

	if (s->json)
		return add_json(s, s->links,
				json_pack("{s:I,s:o,s:o}", "incident", (json_int_t)other, "kind",
					  jstring_or_null(kind), "why", jstring_or_null(why)));
	snprintf(id, sizeof(id), "%lld", (long long)other);
	const char *cells[] = { id, kind, why };
	return add_row(s, cells);
}

static int show_attachment(void *arg, const char *name, const char *sha, int64_t size,
			   int64_t time_)
{
	struct show *s = arg;
	char sz[24], when[32];

	if (s->json)
		return add_json(s, s->attachments,
				json_pack("{s:o,s:o,s:I,s:o}", "name", jstring_or_null(name),
					  "sha256", jstring_or_null(sha), "size", (json_int_t)size,
					  "time", jtime_or_null(time_)));
	snprintf(sz, sizeof(sz), "%lld", (long long)size);
	cli_time(time_, when);
	const char *cells[] = { name, sz, when, sha };
	return add_row(s, cells);
}

static int show_indicator(void *arg, const struct store_indicator *ind)
{
	struct show *s = arg;

	if (s->json)
		return add_json(s, s->indicators,
				json_pack("{s:o,s:o,s:b,s:o}", "kind", jstring_or_null(ind->kind),
					  "value", jstring_or_null(ind->value), "common",
					  ind->common, "why", jstring_or_null(ind->why)));
	const char *cells[] = { ind->kind, ind->value,
				ind->common ? (ind->why ? ind->why : _("common")) : "" };
	return add_row(s, cells);
}

static int show_audit(void *arg, const struct store_audit *a)
{
	struct show *s = arg;
	char when[32];

	if (s->json)
		return add_json(s, s->audit, cases_audit_json(a));
	cli_time(a->time, when);
	buf_reset(&s->change);
	cli_audit_change(a->before, a->after, &s->change);
	const char *cells[] = { when, a->actor, a->action, buf_cstr(&s->change) };
	return add_row(s, cells);
}

/* A section of `show`: heading, then the walk's table (or "none"). */
static int section(struct show *s, const char *title, size_t ncols, const char *const *head,
		   const char *align)
{
	if (s->json)
		return 0;
	printf("\n%s\n", title);
	cli_table_init(&s->t, ncols, head, align);
	s->n = 0;
	return 0;
}

static void section_end(struct show *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	if (s->json)
		return;
	if (!s->t.nrows) {
		printf("  %s\n", _("(none)"));
	} else if ((mem = open_memstream(&text, &len))) {
		/* the table, indented under its heading */
		cli_table_print(&s->t, mem);
		fclose(mem);
		for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			printf("  %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		}
		free(text);
	}
	cli_table_fini(&s->t);
}

static void field(const char *label, const char *value)
{
	size_t w = width(label);

	printf("  %s", label);
	for (; w < 16; w++)
		putchar(' ');
	printf(" %s\n", value && *value ? value : "-");
}

static void show_head(const struct store_incident *inc, int64_t now)
{
	char a[32], b[32], line[256];

	printf(_("Incident %lld"), (long long)inc->id);
	printf("  [%s]  P%d", cases_state_name(inc->state), inc->priority);
	if (inc->tlp)
		printf("  TLP:%s", inc->tlp);
	if (inc->pap)
		printf("  PAP:%s", inc->pap);
	putchar('\n');
	field(_("title"), inc->title);
	snprintf(line, sizeof(line), "%s: %s", inc->rule ? inc->rule : "-",
		 inc->key ? inc->key : "-");
	field(_("rule: key"), line);
	snprintf(line, sizeof(line), "%s (%s)", inc->classification_type ? inc->classification_type
		 : "-", inc->taxonomy ? inc->taxonomy : "-");
	field(_("classification"), line);
	field(_("organisation"), inc->organisation);
	if (inc->asn > 0)
		snprintf(line, sizeof(line), "%s  AS%lld  %s", inc->country ? inc->country : "-",
			 (long long)inc->asn, inc->network ? inc->network : "-");
	else
		snprintf(line, sizeof(line), "%s  -  %s", inc->country ? inc->country : "-",
			 inc->network ? inc->network : "-");
	field(_("attribution"), inc->country || inc->asn > 0 || inc->network ? line : NULL);
	field(_("owner"), inc->owner);
	field(_("impact"), inc->impact);
	field(_("resolution"), inc->resolution);
	cli_time(inc->first_seen, a);
	cli_time(inc->last_seen, b);
	snprintf(line, sizeof(line), _("%lld (first seen %s, last seen %s)"),
		 (long long)inc->event_count, a, b);
	field(_("events"), line);
	cli_time(inc->created, a);
	cli_time(inc->updated, b);
	snprintf(line, sizeof(line), _("%s (updated %s)"), a, b);
	field(_("created"), line);
	cli_time(inc->deadline, a);
	if (cases_overdue(inc, now))
		snprintf(line, sizeof(line), _("%s (past: 'vigia incidents due' raises it)"), a);
	else
		snprintf(line, sizeof(line), "%s", a);
	field(_("deadline"), line);
	if (inc->merged_into) {
		snprintf(line, sizeof(line), "%lld", (long long)inc->merged_into);
		field(_("merged into"), line);
	}
}

static int sub_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *st = NULL;
	struct store_incident inc;
	struct store_event_filter f;
	struct show s;
	struct verr e = { 0 };
	char object[32], title[128];
	int64_t id, nevents = SHOW_EVENTS_DEFAULT, now = (int64_t)time(NULL);
	int c, status, rc;

	memset(&s, 0, sizeof(s));
	memset(&inc, 0, sizeof(inc));
	buf_init(&s.change, 0);
	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 'e':
			if (parse_count("--events", optarg, 0, &nevents))
				return EXIT_USAGE;
			break;
		case 'j': s.json = 1; break;
		case 'h': incidents_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (optind + 1 != argc) {
		log_error(_("incidents show: give one incident id"));
		return usage_error();
	}
	if (parse_id(argv[optind], &id))
		return EXIT_USAGE;
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	rc = store_incident_get(st, id, &inc, &e);
	if (rc == V_ERR_NOTFOUND)
		verr_set(&e, rc, NULL, _("no incident %lld"), (long long)id);
	if (rc != V_OK)
		goto out;
	if (s.json) {
		s.events = json_array();
		s.notes = json_array();
		s.links = json_array();
		s.attachments = json_array();
		s.indicators = json_array();
		s.audit = json_array();
	} else {
		show_head(&inc, now);
	}

	memset(&f, 0, sizeof(f));
	f.incident = id;
	f.limit = nevents;
	if (nevents > 0) {
		static const char *const h[] = {
			N_("ID"), N_("TIME"), N_("SOURCE"), N_("CLASSIFICATION"), N_("FEED"),
			N_("FIRST SEEN"), N_("LAST SEEN"), N_("REPEATS")
		};
		const char *th[8];
		for (size_t i = 0; i < 8; i++)
			th[i] = _(h[i]);
		snprintf(title, sizeof(title), _("Events (newest %lld of %lld):"),
			 (long long)(nevents < inc.event_count ? nevents : inc.event_count),
			 (long long)inc.event_count);
		section(&s, title, 8, th, "rllllllr");
		if ((rc = store_events_query(st, &f, show_event, &s, &e)) != V_OK)
			goto out;
		section_end(&s);
	}
	{
		if (!s.json)
			printf("\n%s\n", _("Notes:"));
		s.n = 0;
		if ((rc = store_notes_list(st, id, show_note, &s, &e)) != V_OK)
			goto out;
		if (!s.json && !s.n)
			printf("  %s\n", _("(none)"));
	}
	{
		static const char *const h[] = { N_("INCIDENT"), N_("KIND"), N_("WHY") };
		const char *th[3] = { _(h[0]), _(h[1]), _(h[2]) };
		section(&s, _("Links and correlations:"), 3, th, "rll");
		if ((rc = store_links_list(st, id, show_link, &s, &e)) != V_OK)
			goto out;
		section_end(&s);
	}
	{
		static const char *const h[] = { N_("NAME"), N_("SIZE"), N_("ADDED"),
						  N_("SHA-256") };
		const char *th[4] = { _(h[0]), _(h[1]), _(h[2]), _(h[3]) };
		section(&s, _("Attachments:"), 4, th, "lrll");
		if ((rc = store_attachments_list(st, id, show_attachment, &s, &e)) != V_OK)
			goto out;
		section_end(&s);
	}
	{
		static const char *const h[] = { N_("KIND"), N_("VALUE"),
						  N_("EXCLUDED AS COMMON") };
		const char *th[3] = { _(h[0]), _(h[1]), _(h[2]) };
		section(&s, _("Indicators:"), 3, th, "lll");
		if ((rc = store_indicators_list(st, id, show_indicator, &s, &e)) != V_OK)
			goto out;
		section_end(&s);
	}
	{
		static const char *const h[] = { N_("TIME"), N_("ACTOR"), N_("ACTION"),
						  N_("CHANGE (BEFORE → AFTER)") };
		const char *th[4] = { _(h[0]), _(h[1]), _(h[2]), _(h[3]) };
		snprintf(object, sizeof(object), "incident:%lld", (long long)id);
		section(&s, _("Audit trail:"), 4, th, "llll");
		if ((rc = store_audit_list(st, object, show_audit, &s, &e)) != V_OK)
			goto out;
		section_end(&s);
	}
	if (s.failed) {
		rc = verr_set(&e, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	if (s.json) {
		json_t *o = json_object();
		if (o) {
			json_object_set_new(o, "incident", cases_incident_json(&inc, now));
			json_object_set(o, "events", s.events);
			json_object_set(o, "notes", s.notes);
			json_object_set(o, "links", s.links);
			json_object_set(o, "attachments", s.attachments);
			json_object_set(o, "indicators", s.indicators);
			json_object_set(o, "audit", s.audit);
		}
		status = print_json(o);
	}
out:
	if (rc != V_OK)
		status = report(rc, &e);
	cli_table_fini(&s.t);
	buf_fini(&s.change);
	json_decref(s.events);
	json_decref(s.notes);
	json_decref(s.links);
	json_decref(s.attachments);
	json_decref(s.indicators);
	json_decref(s.audit);
	store_incident_free(&inc);
	store_close(st);
	return status;
}

/* ---- changes --------------------------------------------------------------------------------- */

static void init_ctx(struct cases_ctx *cx, struct store *st)
{
	cx->st = st;
	cx->actor = cases_actor();
	cx->now = 0;
}

static int sub_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "resolution", required_argument, NULL, 'r' },
		{ "owner", required_argument, NULL, 'u' },
		{ "priority", required_argument, NULL, 'p' },
		{ "impact", required_argument, NULL, 'i' },
		{ "tlp", required_argument, NULL, 't' },
		{ "pap", required_argument, NULL, 'a' },
		{ "title", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cases_change ch;
	struct cases_ctx cx;
	struct store *st = NULL;
	struct verr e = { 0 };
	enum incident_state s;
	int64_t id;
	int c, status, rc, changed = 0, any = 0;

	cases_change_init(&ch);
	while ((c = next_opt(argc, argv, opts)) != -1) {
		any = 1;
		switch (c) {
		case 's':
			if (cases_state_parse(optarg, &s, &e) != V_OK)
				return report(V_ERR_USAGE, &e);
			ch.state = (int)s;
			break;
		case 'r': ch.resolution = optarg; break;
		case 'u': ch.owner = optarg; break;
		case 'p':
			if (cases_priority_parse(optarg, &ch.priority, &e) != V_OK)
				return report(V_ERR_USAGE, &e);
			break;
		case 'i': ch.impact = optarg; break;
		case 't': ch.tlp = optarg; break;
		case 'a': ch.pap = optarg; break;
		case 'T': ch.title = optarg; break;
		case 'h': incidents_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (optind + 1 != argc) {
		log_error(_("incidents set: give one incident id"));
		return usage_error();
	}
	if (!any) {
		log_error(_("incidents set: nothing to set (--state, --owner, --priority, ...)"));
		return usage_error();
	}
	if (parse_id(argv[optind], &id))
		return EXIT_USAGE;
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	init_ctx(&cx, st);
	rc = cases_set(&cx, id, &ch, NULL, &changed, &e);
	if (rc == V_OK) {
		if (changed)
			printf(_("incident %lld updated\n"), (long long)id);
		else
			printf(_("incident %lld: nothing changed\n"), (long long)id);
	}
	store_close(st);
	return report(rc, &e);
}

static int sub_close_reopen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "resolution", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cases_ctx cx;
	struct store *st = NULL;
	struct verr e = { 0 };
	const char *resolution = NULL;
	int closing = !strcmp(argv[0], "close");
	int64_t id;
	int c, status, rc;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 'r':
			if (!closing)
				return usage_error();
			resolution = optarg;
			break;
		case 'h': incidents_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (optind + 1 != argc) {
		log_error(_("incidents %s: give one incident id"), argv[0]);
		return usage_error();
	}
	if (closing && !resolution) {
		log_error(_("incidents close: --resolution is required (true-positive, "
			    "false-positive, duplicate, indeterminate)"));
		return usage_error();
	}
	if (parse_id(argv[optind], &id))
		return EXIT_USAGE;
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	init_ctx(&cx, st);
	rc = closing ? cases_close(&cx, id, resolution, &e) : cases_reopen(&cx, id, &e);
	if (rc == V_OK)
		printf(closing ? _("incident %lld closed\n") : _("incident %lld reopened\n"),
		       (long long)id);
	store_close(st);
	return report(rc, &e);
}

/* Read all of f (at most max bytes) into b. */
static int slurp(FILE *f, struct buf *b, size_t max)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > max)
			return V_ERR_LIMIT;
		if (buf_append(b, chunk, n) != V_OK)
			return V_ERR_NOMEM;
	}
	return ferror(f) ? V_ERR_IO : V_OK;
}

static int no_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c == 'h') {
			incidents_usage(stdout);
			return 0;
		}
		return usage_error();
	}
	return -1;
}

static int sub_note(int argc, char **argv)
{
	struct cases_ctx cx;
	struct store *st = NULL;
	struct verr e = { 0 };
	struct buf b;
	int64_t id, note = 0;
	int status, rc;

	if ((status = no_options(argc, argv)) >= 0)
		return status;
	if (argc - optind < 2) {
		log_error(_("incidents note: give an incident id and the text ('-' reads it from "
			    "standard input)"));
		return usage_error();
	}
	if (parse_id(argv[optind], &id))
		return EXIT_USAGE;
	buf_init(&b, CASES_NOTE_MAX + 1);
	if (argc - optind == 2 && !strcmp(argv[optind + 1], "-")) {
		rc = slurp(stdin, &b, CASES_NOTE_MAX);
		if (rc != V_OK) {
			log_error(_("reading the note: %s"), vres_str(rc));
			buf_fini(&b);
			return rc == V_ERR_LIMIT ? EXIT_USAGE : EXIT_IO;
		}
		/* a trailing newline from echo or a here-document is not part of the note */
		while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
			b.data[--b.len] = 0;
	} else {
		/* the words of the note, as the shell split them */
		for (int i = optind + 1; i < argc; i++)
			if (buf_printf(&b, "%s%s", i > optind + 1 ? " " : "", argv[i]) != V_OK)
				break;
	}
	if (b.len && memchr(b.data, 0, b.len)) {
		log_error(_("the note contains a NUL byte"));
		buf_fini(&b);
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st))) {
		buf_fini(&b);
		return status;
	}
	init_ctx(&cx, st);
	rc = cases_note(&cx, id, buf_cstr(&b), &note, &e);
	if (rc == V_OK)
		printf(_("note %lld added to incident %lld\n"), (long long)note, (long long)id);
	buf_fini(&b);
	store_close(st);
	return report(rc, &e);
}

static int sub_attach(int argc, char **argv)
{
	struct cases_ctx cx;
	struct store *st = NULL;
	struct verr e = { 0 };
	struct buf b;
	const char *path, *name;
	char sha[65];
	int64_t id;
	int status, rc;
	FILE *f;

	if ((status = no_options(argc, argv)) >= 0)
		return status;
	if (argc - optind != 2) {
		log_error(_("incidents attach: give an incident id and a file"));
		return usage_error();
	}
	if (parse_id(argv[optind], &id))
		return EXIT_USAGE;
	path = argv[optind + 1];
	name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (!(f = fopen(path, "rb"))) {
		log_error("%s: %s", path, strerror(errno));
		return EXIT_IO;
	}
	buf_init(&b, ATTACH_MAX + 1);
	rc = slurp(f, &b, ATTACH_MAX);
	fclose(f);
	if (rc != V_OK) {
		log_error("%s: %s", path, vres_str(rc));
		buf_fini(&b);
		return rc == V_ERR_LIMIT ? EXIT_USAGE : cli_status(rc);
	}
	if ((status = cli_store_open(db_flag, &st))) {
		buf_fini(&b);
		return status;
	}
	init_ctx(&cx, st);
	rc = cases_attach(&cx, id, name, b.data ? b.data : "", b.len, sha, &e);
	if (rc == V_OK)
		printf(_("%s attached to incident %lld (%zu bytes, SHA-256 %s)\n"), name,
		       (long long)id, b.len, sha);
	buf_fini(&b);
	store_close(st);
	return report(rc, &e);
}

static int sub_merge(int argc, char **argv)
{
	struct cases_ctx cx;
	struct store *st = NULL;
	struct verr e = { 0 };
	int64_t into, *from, moved = 0;
	size_t n;
	int status, rc;

	if ((status = no_options(argc, argv)) >= 0)
		return status;
	if (argc - optind < 2) {
		log_error(_("incidents merge: give the incident to keep, then the ones to merge "
			    "into it"));
		return usage_error();
	}
	if (parse_id(argv[optind], &into))
		return EXIT_USAGE;
	n = (size_t)(argc - optind - 1);
	if (!(from = calloc(n, sizeof(*from))))
		return EXIT_INTERNAL;
	for (size_t i = 0; i < n; i++)
		if (parse_id(argv[optind + 1 + (int)i], &from[i])) {
			free(from);
			return EXIT_USAGE;
		}
	if ((status = cli_store_open(db_flag, &st))) {
		free(from);
		return status;
	}
	init_ctx(&cx, st);
	rc = cases_merge(&cx, into, from, n, &moved, &e);
	if (rc == V_OK)
		printf(ngettext("%zu incident merged into incident %lld (%lld events linked)\n",
				"%zu incidents merged into incident %lld (%lld events linked)\n",
				(unsigned long)n),
		       n, (long long)into, (long long)moved);
	free(from);
	store_close(st);
	return report(rc, &e);
}

static int sub_link(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "why", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cases_ctx cx;
	struct store *st = NULL;
	struct verr e = { 0 };
	const char *why = NULL;
	int64_t a, b;
	int c, status, rc;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 'w': why = optarg; break;
		case 'h': incidents_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (argc - optind != 2) {
		log_error(_("incidents link: give two incident ids"));
		return usage_error();
	}
	if (parse_id(argv[optind], &a) || parse_id(argv[optind + 1], &b))
		return EXIT_USAGE;
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	init_ctx(&cx, st);
	rc = cases_link(&cx, a, b, why, &e);
	if (rc == V_OK)
		printf(_("incidents %lld and %lld linked\n"), (long long)a, (long long)b);
	store_close(st);
	return report(rc, &e);
}

/* ---- due ------------------------------------------------------------------------------------- */

struct due_out {
	struct cli_table t;
	json_t *arr;
	int64_t now;
	int failed;
};

static int due_row(void *arg, const struct cases_due_item *it)
{
	struct due_out *d = arg;
	char id[24], pri[24], was[32], dl[32], key[4 * KEY_WIDTH + 8];
	const struct store_incident *inc = it->inc;

	if (d->arr) {
		json_t *o = json_pack("{s:I,s:b,s:{s:i,s:o},s:{s:i,s:o},s:o}", "id",
				      (json_int_t)inc->id, "escalated", it->escalated, "before",
				      "priority", it->old_priority, "deadline",
				      jtime_or_null(it->old_deadline), "after", "priority",
				      it->new_priority, "deadline", jtime_or_null(it->new_deadline),
				      "incident", cases_incident_json(inc, d->now));
		if (!o || json_array_append_new(d->arr, o))
			return d->failed = V_ERR_NOMEM;
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)inc->id);
	snprintf(pri, sizeof(pri), "P%d → P%d", it->old_priority, it->new_priority);
	cli_time(it->old_deadline, was);
	cli_time(it->new_deadline, dl);
	clip(inc->title ? inc->title : inc->key ? inc->key : "-", KEY_WIDTH, key, sizeof(key));
	const char *cells[] = { id, cases_state_name(inc->state), pri, was, dl, inc->owner, key };
	if (cli_table_add(&d->t, cells) != V_OK)
		return d->failed = V_ERR_NOMEM;
	return 0;
}

static int sub_due(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const head[] = { N_("ID"), N_("STATE"), N_("PRIORITY"),
					    N_("DEADLINE WAS"), N_("NEW DEADLINE"), N_("OWNER"),
					    N_("KEY/TITLE") };
	const char *th[7];
	struct cases_ctx cx;
	struct store *st = NULL;
	struct verr e = { 0 };
	struct due_out d;
	int64_t n = 0;
	int c, status, rc, dry = 0, json = 0;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 'j': json = 1; break;
		case 'h': incidents_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (optind < argc) {
		log_error(_("incidents due: unexpected argument '%s'"), argv[optind]);
		return usage_error();
	}
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	memset(&d, 0, sizeof(d));
	for (size_t i = 0; i < 7; i++)
		th[i] = _(head[i]);
	cli_table_init(&d.t, 7, th, "rllllll");
	d.now = (int64_t)time(NULL);
	if (json && !(d.arr = json_array())) {
		status = EXIT_INTERNAL;
		goto out;
	}
	init_ctx(&cx, st);
	cx.now = d.now;
	rc = cases_due(&cx, dry, due_row, &d, &n, &e);
	if (d.failed)
		rc = verr_set(&e, V_ERR_NOMEM, NULL, "%s", vres_str(V_ERR_NOMEM));
	if (rc != V_OK) {
		status = report(rc, &e);
		goto out;
	}
	if (json) {
		status = print_json(d.arr);
		d.arr = NULL;
		goto out;
	}
	if (!n) {
		printf(_("No incident is past its deadline.\n"));
		goto out;
	}
	cli_table_print(&d.t, stdout);
	if (dry)
		printf(ngettext("%lld incident past its deadline (dry run: nothing changed)\n",
				"%lld incidents past their deadline (dry run: nothing changed)\n",
				(unsigned long)n), (long long)n);
	else
		printf(ngettext("%lld incident past its deadline raised\n",
				"%lld incidents past their deadline raised\n", (unsigned long)n),
		       (long long)n);
out:
	json_decref(d.arr);
	cli_table_fini(&d.t);
	store_close(st);
	return status;
}

/* ---- dispatch -------------------------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subs[] = {
	{ "list", sub_list },
	{ "show", sub_show },
	{ "set", sub_set },
	{ "note", sub_note },
	{ "attach", sub_attach },
	{ "merge", sub_merge },
	{ "link", sub_link },
	{ "close", sub_close_reopen },
	{ "reopen", sub_close_reopen },
	{ "due", sub_due },
};

int cli_path_flags(int argc, char **argv, const char *flag, const char **path, int *status)
{
	size_t fl = strlen(flag);
	int kept = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[kept++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], flag)) {
			if (i + 1 >= argc) {
				log_error(_("%s needs a path"), flag);
				*status = EXIT_USAGE;
				return -1;
			}
			*path = argv[++i];
			continue;
		}
		if (!strncmp(argv[i], flag, fl) && argv[i][fl] == '=') {
			*path = argv[i] + fl + 1;
			continue;
		}
		if (cli_setting_flag(argc, argv, &i, status)) {
			if (*status)
				return -1;
			continue;
		}
		argv[kept++] = argv[i];
	}
	for (int i = kept; i < argc; i++)
		argv[i] = NULL;
	return kept;
}

int cli_common_flags(int argc, char **argv, const char **db, int *status)
{
	return cli_path_flags(argc, argv, "--db", db, status);
}

int cmd_incidents(int argc, char **argv)
{
	int status = 0;

	db_flag = NULL;
	if ((argc = cli_common_flags(argc, argv, &db_flag, &status)) < 0)
		return status;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc < 2)
			return usage_error();
		incidents_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (!strcmp(argv[1], subs[i].name)) {
			optind = 1;
			opterr = 0;
			return subs[i].run(argc - 1, argv + 1);
		}
	}
	log_error(_("incidents: '%s' is not a subcommand (list, show, set, note, attach, merge, "
		    "link, close, reopen, due)"), argv[1]);
	return EXIT_USAGE;
}
