/*
 * cmd_share.c — sharing with partner teams: `vigia partner` (the partners and their rights),
 * `vigia export` (a view of incidents for a recipient, as STIX 2.1, MISP, IODEF, X-ARF or
 * CSV), `vigia import` (partners'
 * files through the same ingest path as every feed) and `vigia bundle` (signed offline
 * bundles: keygen, export, import).  What a recipient may see is decided by src/share/policy
 * alone; these commands only choose the recipient and the files.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "base/conf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "share/bundle.h"
#include "share/csvout.h"
#include "share/iodef.h"
#include "share/misp.h"
#include "share/policy.h"
#include "share/stix.h"
#include "share/view.h"
#include "share/xarf.h"
#include "store/store.h"

static const char *db_flag;

static int report(int rc, const struct verr *e)
{
	if (rc != V_OK)
		cli_report(e);
	return rc == V_ERR_EXISTS ? EXIT_USAGE : cli_status(rc);
}

static int next_opt(int argc, char **argv, const char *cmd, const struct option *opts)
{
	int c = getopt_long(argc, argv, "ho:", opts, NULL);

	if (c == '?')
		log_error(_("%s: unknown or incomplete option '%s'"), cmd, argv[optind - 1]);
	return c;
}

/* ---- vigia partner ---------------------------------------------------------------------------- */

static void partner_usage(FILE *f)
{
	fprintf(f, _("usage: vigia partner add NAME --kind KIND --tlp LEVEL [--collections LIST]\n"
		     "                         [--orgs LIST] [--pseudonymise | --no-pseudonymise]\n"
		     "                         [--sign-key HEX] [--identity ID] [--contact TEXT]\n"
		     "                         [--notes TEXT]\n"
		     "       vigia partner list [--json]\n"
		     "       vigia partner show NAME [--json]\n"
		     "       vigia partner remove NAME\n"
		     "  (each takes --db PATH)\n\n"
		     "The teams vigia shares with and their rights.  Every export asks the sharing\n"
		     "policy what a partner may see: markings up to its TLP level (and never above\n"
		     "its kind's cap: public CLEAR, community GREEN, partner AMBER+STRICT, internal\n"
		     "RED), only the RSIT classes of its collections, only the data of the\n"
		     "organisations it may see, victim addresses as keyed pseudonyms when set.\n"
		     "Adding an existing partner replaces its rights (its pseudonym key stays).\n\n"
		     "  --kind KIND           public, community, partner or internal\n"
		     "  --tlp LEVEL           highest TLP it may receive: CLEAR, GREEN, AMBER,\n"
		     "                        AMBER+STRICT, RED\n"
		     "  --collections LIST    RSIT classes, comma-separated, or '*' (default)\n"
		     "  --orgs LIST           organisations whose data it may see, or '*' (default)\n"
		     "  --pseudonymise        victim addresses leave as keyed hashes\n"
		     "  --sign-key HEX        its Ed25519 public key, for the bundles it signs\n"
		     "  --identity ID         its STIX identity id (identity--<uuid>)\n"
		     "  --json                machine-readable output\n"));
}

static json_t *partner_json(const struct store_partner *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "kind", json_string(p->kind));
	json_object_set_new(o, "tlp", json_string(p->tlp_max));
	json_object_set_new(o, "collections", json_string(p->collections));
	json_object_set_new(o, "orgs", json_string(p->orgs));
	json_object_set_new(o, "pseudonymise", json_boolean(p->pseudonymise));
	json_object_set_new(o, "sign_key", p->sign_key ? json_string(p->sign_key) : json_null());
	json_object_set_new(o, "identity", p->identity ? json_string(p->identity) : json_null());
	json_object_set_new(o, "contact", p->contact ? json_string(p->contact) : json_null());
	json_object_set_new(o, "notes", p->notes ? json_string(p->notes) : json_null());
	return o;
}

static int partner_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' }, { "tlp", required_argument, NULL, 't' },
		{ "collections", required_argument, NULL, 'c' },
		{ "orgs", required_argument, NULL, 'g' },
		{ "pseudonymise", no_argument, NULL, 'p' },
		{ "no-pseudonymise", no_argument, NULL, 'P' },
		{ "sign-key", required_argument, NULL, 's' },
		{ "identity", required_argument, NULL, 'i' },
		{ "contact", required_argument, NULL, 'C' }, { "notes", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	struct store_partner p = { 0 }, *old = NULL;
	struct store *st = NULL;
	struct verr e = { 0 };
	unsigned char key[POLICY_KEY_BYTES];
	char keyhex[2 * POLICY_KEY_BYTES + 1];
	int c, rc, status, pseudo = -1;

	while ((c = next_opt(argc, argv, "partner add", opts)) != -1) {
		switch (c) {
		case 'k': p.kind = optarg; break;
		case 't': p.tlp_max = optarg; break;
		case 'c': p.collections = optarg; break;
		case 'g': p.orgs = optarg; break;
		case 'p': pseudo = 1; break;
		case 'P': pseudo = 0; break;
		case 's': p.sign_key = optarg; break;
		case 'i': p.identity = optarg; break;
		case 'C': p.contact = optarg; break;
		case 'n': p.notes = optarg; break;
		case 'h': partner_usage(stdout); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !p.kind || !p.tlp_max) {
		log_error("%s", _("partner add: needs NAME, --kind and --tlp"));
		return EXIT_USAGE;
	}
	p.name = argv[optind];
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	rc = store_partner_get(st, p.name, &old, &e);
	if (rc != V_OK && rc != V_ERR_NOTFOUND) {
		store_close(st);
		return report(rc, &e);
	}
	if (old) {
		/* the same partner again: its key stays, so earlier pseudonyms stay comparable */
		p.pseudo_key = old->pseudo_key;
		if (pseudo < 0)
			pseudo = old->pseudonymise;
		if (!p.collections)
			p.collections = old->collections;
		if (!p.orgs)
			p.orgs = old->orgs;
		if (!p.sign_key)
			p.sign_key = old->sign_key;
		if (!p.identity)
			p.identity = old->identity;
		if (!p.contact)
			p.contact = old->contact;
		if (!p.notes)
			p.notes = old->notes;
	} else {
		randombytes_buf(key, sizeof(key));
		sodium_bin2hex(keyhex, sizeof(keyhex), key, sizeof(key));
		sodium_memzero(key, sizeof(key));
		p.pseudo_key = keyhex;
	}
	p.pseudonymise = pseudo > 0;
	if ((rc = policy_partner_check(&p, &e)) == V_OK)
		rc = store_partner_put(st, &p, &e);
	if (rc == V_OK)
		log_info(old ? _("partner %s updated") : _("partner %s added"), p.name);
	store_partner_free(old);
	sodium_memzero(keyhex, sizeof(keyhex));
	store_close(st);
	return report(rc, &e);
}

struct list_ctx {
	int json;
	json_t *arr;
	struct cli_table t;
};

static int list_cb(void *arg, const struct store_partner *p)
{
	struct list_ctx *l = arg;
	const char *cells[6];

	if (l->json)
		return json_array_append_new(l->arr, partner_json(p)) ? V_ERR_NOMEM : 0;
	cells[0] = p->name;
	cells[1] = p->kind;
	cells[2] = p->tlp_max;
	cells[3] = p->collections;
	cells[4] = p->orgs;
	cells[5] = p->pseudonymise ? _("yes") : _("no");
	return cli_table_add(&l->t, cells);
}

static int partner_list(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					       { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };
	const char *head[6] = { _("NAME"), _("KIND"), _("TLP"), _("COLLECTIONS"), _("ORGS"),
				_("PSEUDONYMS") };
	struct list_ctx l = { 0 };
	struct store *st;
	struct verr e = { 0 };
	int c, rc, status;

	while ((c = next_opt(argc, argv, "partner list", opts)) != -1) {
		if (c == 'j')
			l.json = 1;
		else if (c == 'h')
			return partner_usage(stdout), 0;
		else
			return EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	l.arr = json_array();
	cli_table_init(&l.t, 6, head, "llllll");
	rc = store_partners_list(st, list_cb, &l, &e);
	if (rc == V_OK) {
		if (l.json) {
			json_dumpf(l.arr, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
		} else {
			cli_table_print(&l.t, stdout);
		}
	}
	json_decref(l.arr);
	cli_table_fini(&l.t);
	store_close(st);
	return report(rc, &e);
}

static int partner_show(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					       { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };
	struct store_partner *p = NULL;
	struct store *st;
	struct verr e = { 0 };
	int c, rc, status, json = 0;

	while ((c = next_opt(argc, argv, "partner show", opts)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'h')
			return partner_usage(stdout), 0;
		else
			return EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		log_error("%s", _("partner show: needs NAME"));
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	if ((rc = store_partner_get(st, argv[optind], &p, &e)) == V_OK) {
		if (json) {
			json_t *o = partner_json(p);
			json_dumpf(o, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
			json_decref(o);
		} else {
			printf(_("partner:       %s\n"), p->name);
			printf(_("kind:          %s\n"), p->kind);
			printf(_("highest TLP:   %s\n"), p->tlp_max);
			printf(_("collections:   %s\n"), p->collections);
			printf(_("organisations: %s\n"), p->orgs);
			printf(_("pseudonymise:  %s\n"), p->pseudonymise ? _("yes") : _("no"));
			printf(_("signing key:   %s\n"), p->sign_key ? p->sign_key : "-");
			printf(_("identity:      %s\n"), p->identity ? p->identity : "-");
			printf(_("contact:       %s\n"), p->contact ? p->contact : "-");
			printf(_("notes:         %s\n"), p->notes ? p->notes : "-");
		}
	}
	store_partner_free(p);
	store_close(st);
	return report(rc, &e);
}

static int partner_remove(int argc, char **argv)
{
	struct store *st;
	struct verr e = { 0 };
	int rc, status;

	if (argc != 2 || argv[1][0] == '-') {
		if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
			return partner_usage(stdout), 0;
		log_error("%s", _("partner remove: needs NAME"));
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st)) != 0)
		return status;
	rc = store_partner_remove(st, argv[1], &e);
	if (rc == V_OK)
		log_info(_("partner %s removed"), argv[1]);
	store_close(st);
	return report(rc, &e);
}

int cmd_partner(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = { { "add", partner_add }, { "list", partner_list }, { "show", partner_show },
		     { "remove", partner_remove } };
	int status = 0;

	db_flag = NULL;
	if ((argc = cli_common_flags(argc, argv, &db_flag, &status)) < 0)
		return status;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		partner_usage(stdout);
		return 0;
	}
	for (size_t i = 0; argc >= 2 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name)) {
			optind = 1;
			opterr = 0;
			return subs[i].run(argc - 1, argv + 1);
		}
	if (argc >= 2)
		log_error(_("partner: '%s' is not a subcommand (add, list, show, remove)"), argv[1]);
	partner_usage(stderr);
	return EXIT_USAGE;
}

/* ---- the recipient and the view --------------------------------------------------------------- */

/* The recipient: partner `name`, or an unnamed one of kind share.unnamed_recipient. */
static int recipient_load(struct store *st, const char *name, struct policy_recipient *r)
{
	struct store_partner *p = NULL;
	struct verr e = { 0 };
	enum recipient_kind k;
	int rc;

	if (!name) {
		if ((rc = policy_kind_parse(conf_get("share.unnamed_recipient"), &k, &e)) != V_OK)
			return report(rc, &e);
		policy_recipient_kind(r, k);
		return 0;
	}
	if ((rc = store_partner_get(st, name, &p, &e)) != V_OK)
		return report(rc, &e);
	rc = policy_recipient_init(r, p, &e);
	store_partner_free(p);
	return report(rc, &e);
}

static int default_tlp(enum tlp *t)
{
	struct verr e = { 0 };
	int rc = policy_tlp_parse(conf_get("share.default_tlp"), t, &e);

	if (rc != V_OK) {
		log_error(_("setting share.default_tlp: %s"), e.reason);
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0) {
		log_error(_("'%s' is not an incident id"), s);
		return EXIT_USAGE;
	}
	*out = v;
	return 0;
}

static int write_out(const char *path, const char *data, size_t len)
{
	FILE *f = path && strcmp(path, "-") ? fopen(path, "w") : stdout;

	if (!f) {
		log_error(_("cannot write %s: %s"), path, strerror(errno));
		return EXIT_IO;
	}
	if (fwrite(data, 1, len, f) != len || (f != stdout ? fclose(f) : fflush(f)) != 0) {
		log_error(_("cannot write %s: %s"), path ? path : "-", strerror(errno));
		return EXIT_IO;
	}
	return 0;
}

static void view_summary(const struct share_view *v, size_t objects)
{
	log_info(_("%zu incidents, %zu indicators, %zu STIX objects for %s"), v->nincidents,
		 v->nindicators, objects, v->recipient ? v->recipient : _("an unnamed recipient"));
	if (v->withheld_incidents || v->withheld_events)
		log_info(_("withheld by the sharing policy: %zu incidents, %zu events (%s)"),
			 v->withheld_incidents, v->withheld_events, v->first_reason);
	if (v->pseudonymised_events)
		log_info(_("%zu events with victim addresses pseudonymised"),
			 v->pseudonymised_events);
}

struct export_args {
	const char *format, *for_partner, *out;
	int64_t *ids;
	size_t nids;
	int open_only;
};

/* Build the view and the STIX text of a's selection.  OUT: *view, text in out. */
static int build_stix(struct store *st, const struct export_args *a, struct policy_recipient *r,
		      struct share_view **view, struct buf *out, size_t *objects)
{
	struct share_view_options o = { 0 };
	struct verr e = { 0 };
	int rc, status;

	if ((status = default_tlp(&o.default_tlp)) != 0)
		return status;
	o.recipient = r;
	o.incidents = a->nids ? a->ids : NULL;
	o.nincidents = a->nids;
	o.open_only = a->open_only;
	if ((rc = share_view_build(st, &o, view, &e)) != V_OK)
		return report(rc, &e);
	if ((rc = stix_write(*view, out, objects, &e)) != V_OK)
		return report(rc, &e);
	return 0;
}

/* --format misp (events), misp-feed (a feed directory) or iodef. */
static int export_other(struct store *st, const struct export_args *a, struct policy_recipient *r,
		       struct buf *out)
{
	struct share_view_options o = { 0 };
	struct share_view *v = NULL;
	struct verr e = { 0 };
	size_t nattr = 0;
	int rc, status;

	if ((status = default_tlp(&o.default_tlp)) != 0)
		return status;
	o.recipient = r;
	o.incidents = a->nids ? a->ids : NULL;
	o.nincidents = a->nids;
	o.open_only = a->open_only;
	if ((rc = share_view_build(st, &o, &v, &e)) != V_OK)
		return report(rc, &e);
	if (!strcmp(a->format, "iodef") && !v->nincidents)
		rc = verr_set(&e, V_ERR_NOTFOUND, "",
			      _("no incident may go to %s: an IODEF document needs one"),
			      v->recipient ? v->recipient : _("an unnamed recipient"));
	else if (!strcmp(a->format, "iodef"))
		rc = iodef_write(v, out, &nattr, &e);
	else if (!strcmp(a->format, "misp-feed"))
		rc = misp_write_feed(v, a->out, &nattr, &e);
	else
		rc = misp_write(v, out, &nattr, &e);
	if (rc != V_OK) {
		status = report(rc, &e);
		if (v->withheld_incidents)
			log_info(_("withheld by the sharing policy: %zu incidents, %zu events (%s)"),
				 v->withheld_incidents, v->withheld_events, v->first_reason);
	} else if (strcmp(a->format, "misp-feed")) {
		status = write_out(a->out, out->data ? out->data : "", out->len);
	}
	if (status == 0) {
		if (!strcmp(a->format, "iodef"))
			log_info(_("%zu IODEF incidents, %zu indicators for %s"), v->nincidents, nattr,
				 v->recipient ? v->recipient : _("an unnamed recipient"));
		else
			log_info(_("%zu MISP events, %zu attributes for %s"), v->nincidents, nattr,
				 v->recipient ? v->recipient : _("an unnamed recipient"));
		if (v->withheld_incidents || v->withheld_events)
			log_info(_("withheld by the sharing policy: %zu incidents, %zu events (%s)"),
				 v->withheld_incidents, v->withheld_events, v->first_reason);
	}
	share_view_free(v);
	return status;
}

/* What the policy kept back or reshaped, for the person exporting. */
static void view_counts(const struct share_view *v)
{
	if (v->withheld_incidents || v->withheld_events)
		log_info(_("withheld by the sharing policy: %zu incidents, %zu events (%s)"),
			 v->withheld_incidents, v->withheld_events, v->first_reason);
	if (v->pseudonymised_events)
		log_info(_("%zu events with victim addresses pseudonymised"),
			 v->pseudonymised_events);
}

/* The reporter's domain for X-ARF: notify.domain, else the part after '@' of notify.from. */
static const char *team_domain(void)
{
	const char *d = conf_get("notify.domain"), *from = conf_get("notify.from"), *at;

	if (d && d[0])
		return d;
	at = from ? strrchr(from, '@') : NULL;
	return at && at[1] ? at + 1 : "vigia.invalid";
}

/* The events of view incident i (IntelMQ JSON, policy applied) as struct events.  OUT: *evs,
 * *n (free each with event_free, then the array).  An event that does not read back is left
 * out (counted in *bad).  V_OK or V_ERR_NOMEM. */
static int view_events(const struct share_incident *inc, struct event ***evs, size_t *n,
		       size_t *bad)
{
	size_t cnt = json_array_size(inc->events), k;
	json_t *o;

	*n = 0;
	if (!(*evs = calloc(cnt + 1, sizeof(**evs))))
		return V_ERR_NOMEM;
	json_array_foreach(inc->events, k, o) {
		struct event *ev = event_new();
		if (!ev)
			return V_ERR_NOMEM;
		if (event_from_json(ev, o, EV_NOSANITIZE, NULL) != V_OK) {
			event_free(ev);
			(*bad)++;
			continue;
		}
		(*evs)[(*n)++] = ev;
	}
	return V_OK;
}

/*
 * --format xarf: one X-ARF v4 report per incident, one per line (JSON Lines; an incident
 * without a source to report, e.g. a victim that left only as a pseudonym, has none and is
 * counted); --format csv: the header and one line per event.  Both from the same
 * policy-filtered view as the other formats.
 */
static int export_events(struct store *st, const struct export_args *a,
			 struct policy_recipient *r, struct buf *out)
{
	struct share_view_options o = { 0 };
	struct share_view *v = NULL;
	struct verr e = { 0 };
	size_t reports = 0, noreport = 0, events = 0, bad = 0;
	int xarf = !strcmp(a->format, "xarf"), rc = V_OK, status;

	if ((status = default_tlp(&o.default_tlp)) != 0)
		return status;
	o.recipient = r;
	o.incidents = a->nids ? a->ids : NULL;
	o.nincidents = a->nids;
	o.open_only = a->open_only;
	o.keep_events = 1;
	if ((rc = share_view_build(st, &o, &v, &e)) != V_OK)
		return report(rc, &e);
	struct xarf_reporter rep = { v->team, conf_get("notify.from"), team_domain() };
	if (!xarf)
		rc = csvout_header(out, csvout_default_fields, csvout_ndefault);
	for (size_t i = 0; rc == V_OK && i < v->nincidents; i++) {
		const struct share_incident *si = &v->incidents[i];
		struct event **evs = NULL;
		size_t n = 0;
		rc = view_events(si, &evs, &n, &bad);
		if (rc == V_OK && xarf) {
			struct store_incident inc = {
				.id = si->id, .title = si->title, .tlp = policy_tlp_name(si->tlp),
				.pap = si->has_pap ? policy_pap_name(si->pap) : NULL,
				.classification_type = si->classification_type,
				.taxonomy = si->taxonomy, .organisation = si->organisation,
				.priority = si->priority, .first_seen = si->first_seen,
				.last_seen = si->last_seen, .event_count = (int64_t)n,
				.created = si->created, .updated = si->updated,
			};
			size_t before = out->len;
			struct verr xe = { 0 };
			int x = xarf_report(&rep, &inc, (int64_t)n,
					    (const struct event *const *)evs, n, out, &xe);
			if (x == V_ERR_INVALID) {
				out->len = before;
				if (out->data)
					out->data[before] = 0;
				noreport++;
				log_info(_("no X-ARF report: %s"), xe.reason);
			} else if (x != V_OK) {
				rc = verr_set(&e, x, "", "%s", xe.reason);
			} else {
				reports++;
				rc = buf_putc(out, '\n');
			}
		}
		for (size_t k = 0; k < n; k++) {
			if (rc == V_OK && !xarf) {
				rc = csvout_event(out, si->id, evs[k], csvout_default_fields,
						  csvout_ndefault);
				events++;
			}
			event_free(evs[k]);
		}
		free(evs);
	}
	if (rc != V_OK && !e.reason[0])
		verr_set(&e, rc, "", "%s", vres_str(rc));
	if (rc != V_OK)
		status = report(rc, &e);
	else
		status = write_out(a->out, out->data ? out->data : "", out->len);
	if (status == 0) {
		if (xarf)
			log_info(_("%zu X-ARF reports (%zu incidents without a source to report) "
				   "for %s"), reports, noreport,
				 v->recipient ? v->recipient : _("an unnamed recipient"));
		else
			log_info(_("%zu incidents, %zu events as CSV for %s"), v->nincidents,
				 events, v->recipient ? v->recipient : _("an unnamed recipient"));
		if (bad)
			log_warn(_("%zu events could not be read back and were left out"), bad);
	}
	if (status == 0)
		view_counts(v);
	share_view_free(v);
	return status;
}

static int export_opts(int argc, char **argv, const char *cmd, struct export_args *a)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' }, { "incident", required_argument, NULL, 'i' },
		{ "for", required_argument, NULL, 'F' }, { "output", required_argument, NULL, 'o' },
		{ "open", no_argument, NULL, 'O' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = next_opt(argc, argv, cmd, opts)) != -1) {
		switch (c) {
		case 'f': a->format = optarg; break;
		case 'F': a->for_partner = optarg; break;
		case 'o': a->out = optarg; break;
		case 'O': a->open_only = 1; break;
		case 'i': {
			int64_t *n = realloc(a->ids, (a->nids + 1) * sizeof(*n));
			if (!n)
				return EXIT_INTERNAL;
			a->ids = n;
			if (parse_id(optarg, &a->ids[a->nids]))
				return EXIT_USAGE;
			a->nids++;
			break;
		}
		case 'h': return -1;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		log_error(_("%s: unexpected argument '%s'"), cmd, argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

static void export_usage(FILE *f)
{
	fprintf(f, _("usage: vigia export --format stix|misp|misp-feed|iodef|xarf|csv\n"
		     "                    [--incident ID]... [--open] [--for PARTNER]\n"
		     "                    [-o FILE|DIR] [--db PATH]\n\n"
		     "Writes incidents, their observables and indicators as a STIX 2.1 bundle, as\n"
		     "MISP events, as a MISP feed directory (-o DIR: manifest.json, hashes.csv\n"
		     "and a file per event), as an IODEF v2 document, as X-ARF v4 reports (one\n"
		     "per incident and line) or as CSV (one line per event), as the sharing\n"
		     "policy lets the recipient see them: partner PARTNER (see 'vigia partner'),\n"
		     "or without --for an unnamed recipient of the kind the setting\n"
		     "share.unnamed_recipient names (community: TLP:GREEN and below).  What was\n"
		     "withheld, and why, goes to stderr.\n\n"
		     "  --format F        stix, misp, misp-feed, iodef, xarf or csv\n"
		     "  --incident ID     only this incident (repeatable); default: every incident\n"
		     "  --open            only incidents not resolved or closed\n"
		     "  --for PARTNER     the recipient\n"
		     "  -o, --output FILE write there instead of standard output (misp-feed: DIR)\n"));
}

int cmd_export(int argc, char **argv)
{
	struct export_args a = { 0 };
	struct policy_recipient r = { 0 };
	struct share_view *v = NULL;
	struct store *st = NULL;
	struct buf out;
	size_t objects = 0;
	int status = 0;

	db_flag = NULL;
	if ((argc = cli_common_flags(argc, argv, &db_flag, &status)) < 0)
		return status;
	status = export_opts(argc, argv, "export", &a);
	if (status < 0) {
		export_usage(stdout);
		free(a.ids);
		return 0;
	}
	if (!status && (!a.format || (strcmp(a.format, "stix") && strcmp(a.format, "misp") &&
				      strcmp(a.format, "misp-feed") && strcmp(a.format, "iodef") &&
				      strcmp(a.format, "xarf") && strcmp(a.format, "csv")))) {
		log_error(_("export: --format %s is not available (stix, misp, misp-feed, iodef, "
			    "xarf, csv)"),
			  a.format ? a.format : _("(missing)"));
		status = EXIT_USAGE;
	}
	if (!status && !strcmp(a.format, "misp-feed") && !a.out) {
		log_error("%s", _("export: --format misp-feed needs -o DIR"));
		status = EXIT_USAGE;
	}
	if (status) {
		free(a.ids);
		return status;
	}
	buf_init(&out, 0);
	if ((status = cli_store_open(db_flag, &st)) == 0 &&
	    (status = recipient_load(st, a.for_partner, &r)) == 0) {
		if (!strcmp(a.format, "stix")) {
			if ((status = build_stix(st, &a, &r, &v, &out, &objects)) == 0 &&
			    (status = write_out(a.out, out.data ? out.data : "", out.len)) == 0)
				view_summary(v, objects);
		} else if (!strcmp(a.format, "xarf") || !strcmp(a.format, "csv")) {
			status = export_events(st, &a, &r, &out);
		} else {
			status = export_other(st, &a, &r, &out);
		}
	}
	share_view_free(v);
	policy_recipient_fini(&r);
	if (st)
		store_close(st);
	buf_fini(&out);
	free(a.ids);
	return status;
}

/* ---- vigia import ------------------------------------------------------------------------------ */

static void import_usage(FILE *f)
{
	fprintf(f, _("usage: vigia import --format stix|misp|iodef|auto [--from PARTNER] [--db PATH]\n"
		     "                    FILE|DIR...\n\n"
		     "Reads partners' files into the store through the same path as 'vigia ingest':\n"
		     "the events keep their provenance (feed.provider = the partner, feed.name =\n"
		     "the format, extra.source_file, time.observation = when) and become incidents\n"
		     "like every other input; a STIX incident, a MISP event or an IODEF Incident\n"
		     "becomes one incident.  Objects that break the rules of their format are\n"
		     "rejected with where they are and why (exit 1).  A directory is a MISP feed\n"
		     "(manifest.json).\n\n"
		     "  --format F      stix, misp, iodef, or auto (tell by the content)\n"
		     "  --from PARTNER  who sent it (a registered partner)\n"));
}

/* The format a file looks like: "misp", "stix", or NULL. */
static const char *sniff(const char *path)
{
	char head[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = 0;
	if (strstr(head, "\"Attribute\"") || strstr(head, "\"Event\"") ||
	    strstr(head, "\"Orgc\"") || strstr(head, "\"SharingGroup\""))
		return "misp";
	if (strstr(head, "\"spec_version\"") || strstr(head, "\"bundle\""))
		return "stix";
	if (strstr(head, "IODEF-Document") || strstr(head, "urn:ietf:params:xml:ns:iodef-2.0"))
		return "iodef";
	return NULL;
}

/* Run `vigia ingest` over files with the parser and the provenance of an import. */
static int import_files(const char *format, const char *from, char **files, size_t nfiles)
{
	char **av = calloc(nfiles + 16, sizeof(*av));
	char provider[300], name[64];
	int ac = 0, status;

	if (!av)
		return EXIT_INTERNAL;
	snprintf(provider, sizeof(provider), "feed.provider=%s", from ? from : "unknown");
	snprintf(name, sizeof(name), "feed.name=import-%s",
		 !strcmp(format, "misp_share") ? "misp" : format);
	av[ac++] = "ingest";
	av[ac++] = "--parser";
	av[ac++] = (char *)format;
	if (db_flag) {
		av[ac++] = "--db";
		av[ac++] = (char *)db_flag;
	}
	av[ac++] = "--report";
	av[ac++] = provider;
	av[ac++] = "--report";
	av[ac++] = name;
	av[ac++] = "--no-progress";
	for (size_t i = 0; i < nfiles; i++)
		av[ac++] = files[i];
	optind = 1;
	status = cmd_ingest(ac, av);
	free(av);
	return status;
}

/* The event files of a MISP feed directory (its manifest's uuids), appended to *list. */
static int feed_files(const char *dir, char ***list, size_t *n)
{
	char path[4096];
	json_error_t je;
	json_t *m;
	const char *uuid;
	json_t *v;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if (!(m = json_load_file(path, 0, &je)) || !json_is_object(m)) {
		log_error(_("%s: not a MISP feed directory (manifest.json: %s)"), dir,
			  m ? _("not a JSON object") : je.text);
		json_decref(m);
		return EXIT_USAGE;
	}
	json_object_foreach(m, uuid, v) {
		char **nl = realloc(*list, (*n + 1) * sizeof(*nl));
		if (!nl) {
			json_decref(m);
			return EXIT_INTERNAL;
		}
		*list = nl;
		snprintf(path, sizeof(path), "%s/%s.json", dir, uuid);
		if (strchr(uuid, '/') || !((*list)[*n] = strdup(path))) {
			json_decref(m);
			return strchr(uuid, '/') ? EXIT_USAGE : EXIT_INTERNAL;
		}
		(*n)++;
	}
	json_decref(m);
	return 0;
}

/* Import paths (files, or MISP feed directories) in format (or "auto": each as it looks). */
static int import_paths(const char *format, const char *from, char **paths, size_t npaths)
{
	static const char *const formats[] = { "stix", "misp", "iodef" };
	char **files = NULL, **group = NULL;
	const char **fmt = NULL;
	size_t n = 0;
	int status = 0, worst = 0;
	struct stat sb;

	for (size_t i = 0; i < npaths && !status; i++) {
		size_t before = n;
		int isdir = stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode);
		if (isdir) {
			status = feed_files(paths[i], &files, &n);
		} else {
			char **nl = realloc(files, (n + 1) * sizeof(*nl));
			if (!nl || !(nl[n] = strdup(paths[i]))) {
				files = nl ? nl : files;
				status = EXIT_INTERNAL;
				break;
			}
			files = nl;
			n++;
		}
		const char **nf = realloc(fmt, (n ? n : 1) * sizeof(*nf));
		if (!nf) {
			status = EXIT_INTERNAL;
			break;
		}
		fmt = nf;
		for (size_t k = before; k < n && !status; k++) {
			fmt[k] = strcmp(format, "auto") ? format
				 : isdir ? "misp" : sniff(files[k]);
			if (!fmt[k]) {
				log_error(_("import: %s: cannot tell its format (STIX, MISP or IODEF); "
					    "give --format"), files[k]);
				status = EXIT_USAGE;
			}
		}
	}
	if (!status && !(group = calloc(n ? n : 1, sizeof(*group))))
		status = EXIT_INTERNAL;
	for (size_t f = 0; !status && f < sizeof(formats) / sizeof(formats[0]); f++) {
		size_t g = 0;
		for (size_t k = 0; k < n; k++)
			if (!strcmp(fmt[k], formats[f]))
				group[g++] = files[k];
		if (g) {
			int s = import_files(!strcmp(formats[f], "misp") ? "misp_share" : formats[f],
					     from, group, g);
			if (s > worst)
				worst = s;
		}
	}
	for (size_t k = 0; k < n; k++)
		free(files[k]);
	free(files);
	free(fmt);
	free(group);
	return status ? status : worst;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' }, { "from", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	const char *format = NULL, *from = NULL;
	struct store *st;
	struct store_partner *p = NULL;
	struct verr e = { 0 };
	int c, status = 0, rc;

	db_flag = NULL;
	if ((argc = cli_common_flags(argc, argv, &db_flag, &status)) < 0)
		return status;
	optind = 1;
	opterr = 0;
	while ((c = next_opt(argc, argv, "import", opts)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'F': from = optarg; break;
		case 'h': import_usage(stdout); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (!format || (strcmp(format, "stix") && strcmp(format, "misp") && strcmp(format, "iodef") &&
			strcmp(format, "auto"))) {
		log_error(_("import: --format %s is not available (stix, misp, iodef, auto)"),
			  format ? format : _("(missing)"));
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		log_error("%s", _("import: no file"));
		return EXIT_USAGE;
	}
	if (from) {
		/* the provenance names a partner vigia knows */
		if ((status = cli_store_open(db_flag, &st)) != 0)
			return status;
		rc = store_partner_get(st, from, &p, &e);
		store_close(st);
		if (rc != V_OK)
			return report(rc, &e);
	}
	status = import_paths(format, p ? p->name : NULL, argv + optind, (size_t)(argc - optind));
	store_partner_free(p);
	return status;
}

/* ---- vigia bundle ------------------------------------------------------------------------------ */

static void bundle_usage(FILE *f)
{
	fprintf(f, _("usage: vigia bundle keygen [--key FILE]\n"
		     "       vigia bundle pubkey [--key FILE]\n"
		     "       vigia bundle export --for PARTNER [--incident ID]... [--open] -o FILE\n"
		     "                           [--key FILE]\n"
		     "       vigia bundle import [--from PARTNER] FILE...\n"
		     "  (each takes --db PATH)\n\n"
		     "Signed offline bundles for e-mail or removable media: STIX 2.1 content and a\n"
		     "manifest in one file, signed with the team's Ed25519 key.  keygen creates the\n"
		     "key (mode 0600; never overwritten) and prints the public key partners register\n"
		     "with 'vigia partner add --sign-key'.  import verifies a bundle against its\n"
		     "sender's registered key and refuses an unsigned, tampered, replayed or\n"
		     "unknown-sender bundle with the reason; an accepted bundle is imported like\n"
		     "'vigia import'.\n\n"
		     "  --key FILE   the signing key (default: the setting share.signing_key, else the\n"
		     "               store's path with .signing-key appended)\n"));
}

static const char *key_path(const char *flag, char *buf, size_t n)
{
	const char *set = conf_get("share.signing_key");

	if (flag)
		return flag;
	if (set && *set)
		return set;
	snprintf(buf, n, "%s.signing-key", store_default_path(db_flag));
	return buf;
}

static int bundle_keygen_cmd(const char *key)
{
	char pk[2 * crypto_sign_PUBLICKEYBYTES + 1];
	struct verr e = { 0 };
	int rc = bundle_keygen(key, pk, &e);

	if (rc != V_OK)
		return report(rc, &e);
	log_info(_("signing key written to %s; give partners the public key below"), key);
	printf("%s\n", pk);
	return 0;
}

static int bundle_pubkey_cmd(const char *key)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char pk[2 * crypto_sign_PUBLICKEYBYTES + 1];
	struct verr e = { 0 };
	int rc = bundle_key_load(key, sk, &e);

	if (rc != V_OK)
		return report(rc, &e);
	bundle_public_hex(sk, pk);
	sodium_memzero(sk, sizeof(sk));
	printf("%s\n", pk);
	return 0;
}

static int bundle_export_cmd(const char *key, struct export_args *a)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	struct policy_recipient r = { 0 };
	struct share_view *v = NULL;
	struct bundle_manifest m = { 0 };
	struct store *st = NULL;
	struct verr e = { 0 };
	struct buf stix, out;
	char bid[48];
	size_t objects = 0;
	int rc, status;

	if (!a->for_partner || !a->out) {
		log_error("%s", _("bundle export: needs --for PARTNER and -o FILE"));
		return EXIT_USAGE;
	}
	if ((rc = bundle_key_load(key, sk, &e)) != V_OK)
		return report(rc, &e);
	buf_init(&stix, 0);
	buf_init(&out, 0);
	if ((status = cli_store_open(db_flag, &st)) == 0 &&
	    (status = recipient_load(st, a->for_partner, &r)) == 0 &&
	    (status = build_stix(st, a, &r, &v, &stix, &objects)) == 0) {
		stix_bundle_id(v, bid);
		m.bundle_id = bid;
		m.from = v->team;
		m.from_identity = v->team_identity;
		m.to = r.name;
		m.created = v->created;
		m.objects = objects;
		if ((rc = bundle_seal(sk, &m, stix.data, stix.len, &out, &e)) != V_OK)
			status = report(rc, &e);
		else if ((status = write_out(a->out, out.data, out.len)) == 0) {
			view_summary(v, objects);
			log_info(_("signed bundle %s for %s written to %s"), bid, r.name, a->out);
		}
	}
	sodium_memzero(sk, sizeof(sk));
	share_view_free(v);
	policy_recipient_fini(&r);
	if (st)
		store_close(st);
	buf_fini(&stix);
	buf_fini(&out);
	return status;
}

static int read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;
	int rc = V_OK;

	if (!f) {
		log_error(_("cannot read %s: %s"), path, strerror(errno));
		return EXIT_IO;
	}
	buf_init(&b, BUNDLE_MAX_BYTES);
	while (rc == V_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_append(&b, chunk, n);
	fclose(f);
	if (rc != V_OK) {
		buf_fini(&b);
		log_error(_("%s: larger than %zu bytes"), path, BUNDLE_MAX_BYTES);
		return EXIT_USAGE;
	}
	*data = b.data;
	*len = b.len;
	return 0;
}

/* Verify one bundle; on success its content goes through `vigia import`. */
static int bundle_import_one(const char *path, const char *from)
{
	struct bundle_opened b = { 0 };
	struct store_partner *p = NULL;
	struct store *st = NULL;
	struct verr e = { 0 };
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char *data = NULL, dir[] = "/tmp/vigia-bundle-XXXXXX", file[200];
	const char *team = conf_get("share.team_name");
	size_t len = 0, got = 0;
	int64_t when = 0;
	int rc, status;

	if ((status = read_file(path, &data, &len)) != 0)
		return status;
	rc = bundle_open(data, len, &b, &e);
	free(data);
	if (rc != V_OK) {
		/* a damaged or hostile file is bad input, not an I/O error */
		e.file = path;
		cli_report(&e);
		return rc == V_ERR_NOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st)) != 0)
		goto out;
	/* the sender: the manifest's "from", which --from (when given) must match */
	if (from && strcasecmp(from, b.from)) {
		log_error(_("%s: refused: the bundle says it is from %s, not %s"), path, b.from, from);
		status = EXIT_USAGE;
		goto out;
	}
	rc = store_partner_get(st, b.from, &p, &e);
	if (rc == V_ERR_NOTFOUND || (rc == V_OK && !p->sign_key)) {
		log_error(_("%s: refused: unknown sender %s (no registered partner with a "
			    "signing key by that name)"), path, b.from);
		status = EXIT_USAGE;
		goto out;
	}
	if (rc != V_OK) {
		status = report(rc, &e);
		goto out;
	}
	sodium_hex2bin(pk, sizeof(pk), p->sign_key, strlen(p->sign_key), NULL, &got, NULL);
	if (got != sizeof(pk) || (rc = bundle_verify(&b, pk, &e)) != V_OK) {
		log_error(_("%s: refused: %s"), path, got != sizeof(pk) ? _("bad key") : e.reason);
		status = EXIT_USAGE;
		goto out;
	}
	if (team && *team && strcasecmp(b.to, team)) {
		log_error(_("%s: refused: the bundle is addressed to %s, not to this team (%s)"),
			  path, b.to, team);
		status = EXIT_USAGE;
		goto out;
	}
	if ((rc = store_bundle_accept(st, b.bundle_id, p->name, (int64_t)time(NULL), &when, &e)) !=
	    V_OK) {
		if (rc == V_ERR_EXISTS) {
			char t[32];
			cli_time(when, t);
			log_error(_("%s: refused: bundle %s was already imported on %s (replayed)"),
				  path, b.bundle_id, t);
			status = EXIT_USAGE;
		} else {
			status = report(rc, &e);
		}
		goto out;
	}
	store_close(st);
	st = NULL;
	log_info(_("%s: bundle %s from %s verified"), path, b.bundle_id, p->name);
	/* the content goes through the import path, named after the bundle */
	if (!mkdtemp(dir)) {
		log_error(_("cannot create a temporary folder: %s"), strerror(errno));
		status = EXIT_IO;
		goto out;
	}
	snprintf(file, sizeof(file), "%s/%s.json", dir, b.bundle_id);
	if ((status = write_out(file, (const char *)b.content, b.content_len)) == 0) {
		char *files[1] = { file };
		status = import_files("stix", p->name, files, 1);
	}
	unlink(file);
	rmdir(dir);
out:
	if (st)
		store_close(st);
	store_partner_free(p);
	bundle_opened_fini(&b);
	return status;
}

int cmd_bundle(int argc, char **argv)
{
	static const struct option kopts[] = { { "key", required_argument, NULL, 'k' },
					       { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };
	static const struct option iopts[] = { { "from", required_argument, NULL, 'F' },
					       { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };
	const char *key = NULL, *sub, *from = NULL;
	char keybuf[4096];
	int status = 0, c, worst = 0;

	db_flag = NULL;
	if ((argc = cli_common_flags(argc, argv, &db_flag, &status)) < 0)
		return status;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		bundle_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	sub = argv[1];
	if (sodium_init() < 0) {
		log_error("%s", _("libsodium cannot start"));
		return EXIT_INTERNAL;
	}
	if (!strcmp(sub, "keygen") || !strcmp(sub, "pubkey")) {
		optind = 1;
		opterr = 0;
		while ((c = next_opt(argc - 1, argv + 1, "bundle", kopts)) != -1) {
			if (c == 'k')
				key = optarg;
			else if (c == 'h')
				return bundle_usage(stdout), 0;
			else
				return EXIT_USAGE;
		}
		key = key_path(key, keybuf, sizeof(keybuf));
		return !strcmp(sub, "keygen") ? bundle_keygen_cmd(key) : bundle_pubkey_cmd(key);
	}
	if (!strcmp(sub, "export")) {
		struct export_args a = { 0 };
		/* --key is taken out first; the rest are export's options */
		for (int i = 2; i < argc; i++)
			if (!strcmp(argv[i], "--key") && i + 1 < argc) {
				key = argv[i + 1];
				memmove(argv + i, argv + i + 2, (size_t)(argc - i - 2) * sizeof(*argv));
				argc -= 2;
				break;
			}
		status = export_opts(argc - 1, argv + 1, "bundle export", &a);
		if (status < 0)
			return bundle_usage(stdout), free(a.ids), 0;
		if (!status)
			status = bundle_export_cmd(key_path(key, keybuf, sizeof(keybuf)), &a);
		free(a.ids);
		return status;
	}
	if (!strcmp(sub, "import")) {
		optind = 1;
		opterr = 0;
		while ((c = next_opt(argc - 1, argv + 1, "bundle import", iopts)) != -1) {
			if (c == 'F')
				from = optarg;
			else if (c == 'h')
				return bundle_usage(stdout), 0;
			else
				return EXIT_USAGE;
		}
		if (optind >= argc - 1) {
			log_error("%s", _("bundle import: no file"));
			return EXIT_USAGE;
		}
		for (int i = optind + 1; i < argc; i++) {
			int s = bundle_import_one(argv[i], from);
			if (s > worst)
				worst = s;
		}
		return worst;
	}
	log_error(_("bundle: '%s' is not a subcommand (keygen, pubkey, export, import)"), sub);
	return EXIT_USAGE;
}
