/*
 * cmd_constituency.c — `vigia constituency`: the organisations the team serves and the
 * partner national CERTs (add, list, show, import, export, remove), and `match`: who is
 * responsible for an address, a domain, a URL or an AS, and why.
 *
 * Values are checked and normalised by src/enrich/constituency_check.c; files are read and
 * written by constituency_io.c (docs/formats.md "Constituency files").  Every change is one
 * transaction with its audit entry (object "organisation:NAME", "cert:CC" or "constituency"
 * for an import), as $VIGIA_USER.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/i18n.h"
#include "base/log.h"
#include "cases/cases.h"
#include "cli/cli.h"
#include "enrich/constituency.h"
#include "store/store.h"

#define ITEMS_MAX 100000 /* networks, ASNs, ... given on one command line */

static const char *db_flag;

static void constituency_usage(FILE *f)
{
	fprintf(f, _("usage: vigia constituency COMMAND [--db PATH] [OPTIONS]\n\n"
		     "  add org NAME [--network CIDR[,do-not-notify]]... [--asn N]...\n"
		     "          [--domain D]... [--contact EMAIL[,LANG[,FORMAT[,FPR[,NAME]]]]]...\n"
		     "          [--do-not-notify | --notify] [--notes TEXT]\n"
		     "                      create an organisation, or add to it\n"
		     "  add cert CC [NAME] --contact ...\n"
		     "                      the partner national CERT of a country\n"
		     "  list [--json]       organisations and partner CERTs\n"
		     "  show NAME [--json]  one organisation (show cert CC: a partner CERT)\n"
		     "  import FILE [--format csv|json] [--replace]\n"
		     "                      read a constituency file, all or nothing; each\n"
		     "                      organisation and CERT in it replaces the one of the\n"
		     "                      same name (--replace: the whole constituency)\n"
		     "  export [--format csv|json] [-o FILE]\n"
		     "                      write the constituency (standard output by default)\n"
		     "  remove NAME         remove an organisation (remove cert CC: a CERT)\n"
		     "  match VALUE... [--asn N] [--cc CC] [--explain] [--json]\n"
		     "                      who is responsible for an address, domain, URL or\n"
		     "                      AS (AS64500): network (longest prefix), then AS,\n"
		     "                      then domain, then the partner CERT of the country\n\n"
		     "LANG: es or en.  FORMAT: text, csv, json, xarf or iodef.  FPR: the\n"
		     "contact's OpenPGP key fingerprint.  CC: an ISO 3166-1 alpha-2 code.\n"
		     "Changes are audited as $VIGIA_USER (else the login name).\n"
		     "The store: --db PATH, else $VIGIA_DB, else the store.path setting.\n\n"
		     "Exit status: 0 done, 2 usage error or bad input (nothing changed),\n"
		     "3 store or file error.\n"));
}

static int usage_error(void)
{
	fprintf(stderr, _("Run 'vigia constituency --help' for the commands and their options.\n"));
	return EXIT_USAGE;
}

/* The exit status of rc: a value another organisation holds is bad input too. */
static int status_of(int rc)
{
	return rc == V_ERR_EXISTS ? EXIT_USAGE : cli_status(rc);
}

static int report(int rc, const struct verr *e)
{
	if (rc != V_OK)
		cli_report(e);
	return status_of(rc);
}

/* Options of a subcommand: the getopt code, -1 at the end, '?' after saying what is wrong. */
static int next_opt(int argc, char **argv, const char *sub, const struct option *opts)
{
	int c = getopt_long(argc, argv, "ho:", opts, NULL);

	if (c == '?')
		log_error(_("constituency %s: unknown or incomplete option '%s'"), sub,
			  argv[optind - 1]);
	return c;
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

/* The JSON text of j (stolen), for an audit entry; NULL when out of memory.  Caller frees. */
static char *json_text(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s;
}

/* One change and its audit entry, in one transaction.  put: 1 store the org/cert, 0 remove.
 * before/after: JSON text or NULL. */
static int commit_change(struct store *st, const char *object, const char *action,
			 const struct store_org *org, const struct store_cert *cert,
			 const char *key, const char *before, const char *after)
{
	struct verr e = { 0 };
	int rc;

	if ((rc = store_begin(st, &e)) != V_OK)
		return report(rc, &e);
	if (org)
		rc = store_org_put(st, org, &e);
	else if (cert)
		rc = store_cert_put(st, cert, &e);
	else if (!strncmp(object, "cert:", 5))
		rc = store_cert_remove(st, key, &e);
	else
		rc = store_org_remove(st, key, &e);
	if (rc == V_OK)
		rc = store_audit_append(st, cases_actor(), object, action, before, after, &e);
	if (rc == V_OK)
		rc = store_commit(st, &e);
	if (rc != V_OK)
		store_rollback(st);
	return report(rc, &e);
}

/* ---- add --------------------------------------------------------------------------------- */

/* Strings made here (canonical forms) live until the command ends. */
struct pool {
	char **s;
	size_t n, cap;
};

static const char *pool_add(struct pool *p, const char *s)
{
	char *d;

	if (p->n == p->cap) {
		size_t c = p->cap ? p->cap * 2 : 32;
		char **q = realloc(p->s, c * sizeof(*q));
		if (!q)
			return NULL;
		p->s = q;
		p->cap = c;
	}
	if (!(d = strdup(s)))
		return NULL;
	p->s[p->n++] = d;
	return d;
}

static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->s[i]);
	free(p->s);
}

/* An organisation or CERT being put together: the old one's values, then the new ones. */
struct draft {
	struct store_network *nets;
	int64_t *asns;
	const char **doms;
	struct store_contact *cons;
	size_t nnets, nasns, ndoms, ncons;
	struct pool pool;
};

static void draft_free(struct draft *d)
{
	free(d->nets);
	free(d->asns);
	free(d->doms);
	free(d->cons);
	pool_free(&d->pool);
}

static int draft_alloc(struct draft *d, size_t n)
{
	if (n > ITEMS_MAX)
		n = ITEMS_MAX;
	d->nets = calloc(n, sizeof(*d->nets));
	d->asns = calloc(n, sizeof(*d->asns));
	d->doms = calloc(n, sizeof(*d->doms));
	d->cons = calloc(n, sizeof(*d->cons));
	return d->nets && d->asns && d->doms && d->cons ? 0 : -1;
}

static int add_network(struct draft *d, const char *arg)
{
	struct verr e = { 0 };
	struct constituency_net n;
	char text[CONSTITUENCY_NETSTRLEN], cidr[CONSTITUENCY_NETSTRLEN + 32];
	const char *comma = strchr(arg, ','), *canon;
	int dnn = 0;

	snprintf(cidr, sizeof(cidr), "%.*s", comma ? (int)(comma - arg) : (int)strlen(arg), arg);
	if (comma) {
		if (strcmp(comma + 1, "do-not-notify")) {
			log_error(_("--network %s: after the network only ',do-not-notify' may "
				    "follow"), arg);
			return EXIT_USAGE;
		}
		dnn = 1;
	}
	if (constituency_net_parse(cidr, &n, &e) != V_OK) {
		log_error("--network: %s", e.reason);
		return EXIT_USAGE;
	}
	constituency_net_format(&n, text);
	for (size_t i = 0; i < d->nnets; i++)
		if (!strcmp(d->nets[i].cidr, text)) {
			d->nets[i].do_not_notify = dnn;
			return 0;
		}
	if (!(canon = pool_add(&d->pool, text)))
		return EXIT_INTERNAL;
	d->nets[d->nnets].cidr = canon;
	d->nets[d->nnets++].do_not_notify = dnn;
	return 0;
}

static int add_asn(struct draft *d, const char *arg)
{
	struct verr e = { 0 };
	int64_t asn;

	if (constituency_asn(arg, &asn, &e) != V_OK) {
		log_error("--asn: %s", e.reason);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < d->nasns; i++)
		if (d->asns[i] == asn)
			return 0;
	d->asns[d->nasns++] = asn;
	return 0;
}

static int add_domain(struct draft *d, const char *arg)
{
	struct verr e = { 0 };
	char canon[CONSTITUENCY_DOMAINLEN];
	const char *s;

	if (constituency_domain(arg, canon, &e) != V_OK) {
		log_error("--domain: %s", e.reason);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < d->ndoms; i++)
		if (!strcmp(d->doms[i], canon))
			return 0;
	if (!(s = pool_add(&d->pool, canon)))
		return EXIT_INTERNAL;
	d->doms[d->ndoms++] = s;
	return 0;
}

/* "EMAIL[,LANG[,FORMAT[,FINGERPRINT[,NAME]]]]": empty parts are not given; NAME is the rest. */
static int add_contact(struct draft *d, const char *arg)
{
	char buf[1024], email[256], fpr[CONSTITUENCY_FPRLEN];
	char *part[5] = { NULL }, *p;
	struct store_contact c = { 0 };
	struct verr e = { 0 };
	int n = 0;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf)) {
		log_error(_("--contact: too long"));
		return EXIT_USAGE;
	}
	for (p = buf; n < 5; n++) {
		char *comma = n < 4 ? strchr(p, ',') : NULL;
		part[n] = p;
		if (!comma)
			break;
		*comma = 0;
		p = comma + 1;
	}
	if (constituency_email(part[0], email, sizeof(email), &e) != V_OK ||
	    (part[1] && *part[1] && constituency_lang(part[1], &c.lang, &e) != V_OK) ||
	    (part[2] && *part[2] && constituency_format(part[2], &c.format, &e) != V_OK) ||
	    (part[3] && *part[3] && constituency_fingerprint(part[3], fpr, &e) != V_OK)) {
		log_error("--contact %s: %s", arg, e.reason);
		return EXIT_USAGE;
	}
	if (!(c.email = pool_add(&d->pool, email)) ||
	    (part[3] && *part[3] && !(c.fingerprint = pool_add(&d->pool, fpr))) ||
	    (part[4] && *part[4] && !(c.name = pool_add(&d->pool, part[4]))))
		return EXIT_INTERNAL;
	for (size_t i = 0; i < d->ncons; i++)
		if (!strcasecmp(d->cons[i].email, c.email)) {
			d->cons[i] = c; /* the new details replace the old */
			return 0;
		}
	d->cons[d->ncons++] = c;
	return 0;
}

static void draft_from_org(struct draft *d, const struct store_org *o)
{
	memcpy(d->nets, o->networks, o->nnetworks * sizeof(*d->nets));
	d->nnets = o->nnetworks;
	memcpy(d->asns, o->asns, o->nasns * sizeof(*d->asns));
	d->nasns = o->nasns;
	memcpy(d->doms, o->domains, o->ndomains * sizeof(*d->doms));
	d->ndoms = o->ndomains;
	memcpy(d->cons, o->contacts, o->ncontacts * sizeof(*d->cons));
	d->ncons = o->ncontacts;
}

static int sub_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "network", required_argument, NULL, 'n' },
		{ "asn", required_argument, NULL, 'a' },
		{ "domain", required_argument, NULL, 'd' },
		{ "contact", required_argument, NULL, 'c' },
		{ "do-not-notify", no_argument, NULL, 'D' },
		{ "notify", no_argument, NULL, 'N' },
		{ "notes", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct draft d = { 0 };
	struct store *st = NULL;
	struct store_org *old_org = NULL, org = { 0 };
	struct store_cert *old_cert = NULL, cert = { 0 };
	struct verr e = { 0 };
	const char *key, *name = NULL, *notes = NULL;
	char object[300], cc[3];
	char *before = NULL, *after = NULL;
	int c, status = 0, dnn = -1, is_cert, rc;

	if (argc < 2 || (strcmp(argv[1], "org") && strcmp(argv[1], "cert"))) {
		log_error(_("constituency add: say what to add: 'add org NAME ...' or "
			    "'add cert CC NAME ...'"));
		return usage_error();
	}
	is_cert = !strcmp(argv[1], "cert");
	/* the options may come anywhere after "add org" / "add cert" */
	if (draft_alloc(&d, (size_t)argc) != 0) {
		status = EXIT_INTERNAL;
		goto out;
	}
	while ((c = next_opt(argc - 1, argv + 1, "add", opts)) != -1) {
		switch (c) {
		case 'n': status = is_cert ? -1 : add_network(&d, optarg); break;
		case 'a': status = is_cert ? -1 : add_asn(&d, optarg); break;
		case 'd': status = is_cert ? -1 : add_domain(&d, optarg); break;
		case 'c': status = add_contact(&d, optarg); break;
		case 'D': status = is_cert ? -1 : (dnn = 1, 0); break;
		case 'N': status = is_cert ? -1 : (dnn = 0, 0); break;
		case 'x': notes = optarg; break;
		case 'h': constituency_usage(stdout); goto out;
		default: status = usage_error(); goto out;
		}
		if (status < 0) {
			log_error(_("constituency add cert: --network, --asn, --domain, "
				    "--do-not-notify and --notify are for organisations"));
			status = EXIT_USAGE;
		}
		if (status)
			goto out;
	}
	/* argv + 1 was permuted: the positional arguments are at its end */
	{
		char **pos = argv + 1 + optind;
		int npos = argc - 1 - optind;
		if (npos < 1 || npos > (is_cert ? 2 : 1)) {
			if (is_cert)
				log_error(_("constituency add cert: give the country code and, for "
					    "a new CERT, its name"));
			else
				log_error(_("constituency add org: give one name (quote a name "
					    "with spaces)"));
			status = usage_error();
			goto out;
		}
		key = pos[0];
		name = npos > 1 ? pos[1] : NULL;
	}
	if (is_cert && constituency_cc(key, cc, &e) != V_OK) {
		log_error("constituency add cert: %s", e.reason);
		status = EXIT_USAGE;
		goto out;
	}
	if (!is_cert && !*key) {
		log_error(_("constituency add org: the name is empty"));
		status = EXIT_USAGE;
		goto out;
	}
	if ((status = cli_store_open(db_flag, &st)))
		goto out;
	rc = is_cert ? store_cert_get(st, cc, &old_cert, &e) : store_org_get(st, key, &old_org, &e);
	if (rc != V_OK && rc != V_ERR_NOTFOUND) {
		status = report(rc, &e);
		goto out;
	}
	if (is_cert) {
		if (!old_cert && !name) {
			log_error(_("constituency add cert: %s is new: give its name too "
				    "(add cert %s NAME)"), cc, cc);
			status = EXIT_USAGE;
			goto out;
		}
		/* the old contacts first, the new ones replacing those of the same address */
		{
			struct draft nd = { 0 };
			if (draft_alloc(&nd, (size_t)argc + (old_cert ? old_cert->ncontacts : 0))) {
				status = EXIT_INTERNAL;
				goto out;
			}
			if (old_cert) {
				memcpy(nd.cons, old_cert->contacts,
				       old_cert->ncontacts * sizeof(*nd.cons));
				nd.ncons = old_cert->ncontacts;
			}
			for (size_t i = 0; i < d.ncons; i++) {
				size_t j = 0;
				while (j < nd.ncons &&
				       strcasecmp(nd.cons[j].email, d.cons[i].email))
					j++;
				nd.cons[j] = d.cons[i];
				nd.ncons += j == nd.ncons;
			}
			free(d.cons);
			d.cons = nd.cons;
			d.ncons = nd.ncons;
			nd.cons = NULL;
			draft_free(&nd);
		}
		cert.cc = cc;
		cert.name = name ? name : old_cert->name;
		cert.notes = notes ? (*notes ? notes : NULL) : old_cert ? old_cert->notes : NULL;
		cert.contacts = d.cons;
		cert.ncontacts = d.ncons;
		snprintf(object, sizeof(object), "cert:%s", cc);
		before = old_cert ? json_text(constituency_cert_json(old_cert)) : NULL;
		after = json_text(constituency_cert_json(&cert));
		if (!after) {
			status = EXIT_INTERNAL;
			goto out;
		}
		if ((status = commit_change(st, object, old_cert ? "update" : "create", NULL,
					    &cert, cc, before, after)))
			goto out;
		printf(old_cert ? _("partner CERT of %s (%s) updated (contacts: %zu)\n")
				: _("partner CERT of %s (%s) added (contacts: %zu)\n"),
		       cc, cert.name, cert.ncontacts);
		goto out;
	}
	if (old_org) {
		/* what it had, then what was given (given again: kept once) */
		struct draft nd = { 0 };
		size_t extra = old_org->nnetworks + old_org->nasns + old_org->ndomains +
			       old_org->ncontacts;
		if (draft_alloc(&nd, (size_t)argc + extra) != 0) {
			draft_free(&nd);
			status = EXIT_INTERNAL;
			goto out;
		}
		draft_from_org(&nd, old_org);
		for (size_t i = 0; i < d.nnets; i++) {
			size_t j = 0;
			while (j < nd.nnets && strcmp(nd.nets[j].cidr, d.nets[i].cidr))
				j++;
			nd.nets[j] = d.nets[i];
			nd.nnets += j == nd.nnets;
		}
		for (size_t i = 0; i < d.nasns; i++) {
			size_t j = 0;
			while (j < nd.nasns && nd.asns[j] != d.asns[i])
				j++;
			nd.asns[j] = d.asns[i];
			nd.nasns += j == nd.nasns;
		}
		for (size_t i = 0; i < d.ndoms; i++) {
			size_t j = 0;
			while (j < nd.ndoms && strcmp(nd.doms[j], d.doms[i]))
				j++;
			nd.doms[j] = d.doms[i];
			nd.ndoms += j == nd.ndoms;
		}
		for (size_t i = 0; i < d.ncons; i++) {
			size_t j = 0;
			while (j < nd.ncons && strcasecmp(nd.cons[j].email, d.cons[i].email))
				j++;
			nd.cons[j] = d.cons[i];
			nd.ncons += j == nd.ncons;
		}
		/* the strings stay in d's pool; the arrays are nd's */
		free(d.nets);
		free(d.asns);
		free(d.doms);
		free(d.cons);
		d.nets = nd.nets;
		d.asns = nd.asns;
		d.doms = nd.doms;
		d.cons = nd.cons;
		d.nnets = nd.nnets;
		d.nasns = nd.nasns;
		d.ndoms = nd.ndoms;
		d.ncons = nd.ncons;
		pool_free(&nd.pool);
	}
	org.name = old_org ? old_org->name : key;
	org.do_not_notify = dnn >= 0 ? dnn : old_org ? old_org->do_not_notify : 0;
	org.notes = notes ? (*notes ? notes : NULL) : old_org ? old_org->notes : NULL;
	org.networks = d.nets;
	org.nnetworks = d.nnets;
	org.asns = d.asns;
	org.nasns = d.nasns;
	org.domains = d.doms;
	org.ndomains = d.ndoms;
	org.contacts = d.cons;
	org.ncontacts = d.ncons;
	snprintf(object, sizeof(object), "organisation:%s", org.name);
	before = old_org ? json_text(constituency_org_json(old_org)) : NULL;
	after = json_text(constituency_org_json(&org));
	if (!after) {
		status = EXIT_INTERNAL;
		goto out;
	}
	if ((status = commit_change(st, object, old_org ? "update" : "create", &org, NULL,
				    org.name, before, after)))
		goto out;
	printf(old_org ? _("organisation %s updated (networks: %zu, ASNs: %zu, domains: %zu, "
			   "contacts: %zu)%s\n")
		       : _("organisation %s added (networks: %zu, ASNs: %zu, domains: %zu, "
			   "contacts: %zu)%s\n"),
	       org.name, org.nnetworks, org.nasns, org.ndomains, org.ncontacts,
	       org.do_not_notify ? _(" (do not notify)") : "");
out:
	free(before);
	free(after);
	store_org_free(old_org);
	store_cert_free(old_cert);
	store_close(st);
	draft_free(&d);
	return status;
}

/* ---- list, show ---------------------------------------------------------------------------- */

struct listing {
	struct cli_table t;
	int failed;
};

static int list_org(void *arg, const struct store_org *o)
{
	struct listing *l = arg;
	char n[4][24];
	const char *cells[6];

	snprintf(n[0], sizeof(n[0]), "%zu", o->nnetworks);
	snprintf(n[1], sizeof(n[1]), "%zu", o->nasns);
	snprintf(n[2], sizeof(n[2]), "%zu", o->ndomains);
	snprintf(n[3], sizeof(n[3]), "%zu", o->ncontacts);
	cells[0] = o->name;
	cells[1] = n[0];
	cells[2] = n[1];
	cells[3] = n[2];
	cells[4] = n[3];
	cells[5] = o->do_not_notify ? _("no") : _("yes");
	if (cli_table_add(&l->t, cells) != V_OK)
		return V_ERR_NOMEM;
	return 0;
}

static int list_cert(void *arg, const struct store_cert *c)
{
	struct listing *l = arg;
	char n[24];
	const char *cells[4];

	snprintf(n, sizeof(n), "%zu", c->ncontacts);
	cells[0] = c->cc;
	cells[1] = constituency_country_name(c->cc);
	cells[2] = c->name;
	cells[3] = n;
	if (cli_table_add(&l->t, cells) != V_OK)
		return V_ERR_NOMEM;
	return 0;
}

static int sub_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *oh[] = { _("ORGANISATION"), _("NETWORKS"), _("ASNS"), _("DOMAINS"),
			     _("CONTACTS"), _("NOTIFY") };
	const char *ch[] = { _("CC"), _("COUNTRY"), _("PARTNER CERT"), _("CONTACTS") };
	struct store *st = NULL;
	struct listing lo, lc;
	struct verr e = { 0 };
	int c, json = 0, status, rc;

	while ((c = next_opt(argc, argv, "list", opts)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': constituency_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (optind < argc) {
		log_error(_("constituency list: unexpected argument '%s'"), argv[optind]);
		return usage_error();
	}
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	if (json) {
		rc = constituency_export(st, CONSTITUENCY_FMT_JSON, stdout, &e);
		store_close(st);
		return report(rc, &e);
	}
	cli_table_init(&lo.t, 6, oh, "lrrrrl");
	cli_table_init(&lc.t, 4, ch, "llll");
	rc = store_orgs_list(st, list_org, &lo, &e);
	if (rc == V_OK)
		rc = store_certs_list(st, list_cert, &lc, &e);
	if (rc == V_ERR_NOMEM)
		verr_set(&e, rc, "", "%s", vres_str(rc));
	if (rc == V_OK) {
		if (lo.t.nrows)
			cli_table_print(&lo.t, stdout);
		else
			printf(_("no organisations (vigia constituency add org, or import)\n"));
		if (lc.t.nrows) {
			fputc('\n', stdout);
			cli_table_print(&lc.t, stdout);
		} else {
			printf(_("no partner CERTs (vigia constituency add cert)\n"));
		}
	}
	cli_table_fini(&lo.t);
	cli_table_fini(&lc.t);
	store_close(st);
	return report(rc, &e);
}

/* A label padded to width characters (not bytes: "organización:"), after indent spaces, and
 * a space. */
static void label(int indent, int width, const char *s)
{
	int n = 0;

	printf("%*s%s", indent, "", s);
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	printf("%*s ", width > n ? width - n : 0, "");
}

/* "abuse@example.org (Abuse desk; es; csv; key 0123...)" */
static void print_contact(const char *head, const struct store_contact *c)
{
	int any = c->name || c->lang || c->format || c->fingerprint;

	label(0, 14, head);
	printf("%s", c->email);
	if (any) {
		const char *sep = "";
		printf(" (");
		if (c->name) {
			printf("%s", c->name);
			sep = "; ";
		}
		if (c->lang) {
			printf("%s%s", sep, c->lang);
			sep = "; ";
		}
		if (c->format) {
			printf("%s%s", sep, c->format);
			sep = "; ";
		}
		if (c->fingerprint)
			printf(_("%skey %s"), sep, c->fingerprint);
		printf(")");
	}
	fputc('\n', stdout);
}

/* A label and its value (a value of several lines indented under the first). */
static void line(const char *head, const char *value)
{
	label(0, 14, head);
	for (; *value; value++) {
		fputc(*value, stdout);
		if (*value == '\n' && value[1])
			printf("%15s", "");
	}
	fputc('\n', stdout);
}

static void show_org(const struct store_org *o)
{
	char asn[32];

	line(_("organisation:"), o->name);
	line(_("notify:"), o->do_not_notify ? _("no (do not notify)") : _("yes"));
	if (o->notes)
		line(_("notes:"), o->notes);
	for (size_t i = 0; i < o->nnetworks; i++) {
		label(0, 14, i ? "" : _("networks:"));
		printf("%s%s\n", o->networks[i].cidr,
		       o->networks[i].do_not_notify ? _(" (do not notify)") : "");
	}
	for (size_t i = 0; i < o->nasns; i++) {
		snprintf(asn, sizeof(asn), "AS%lld", (long long)o->asns[i]);
		line(i ? "" : _("ASNs:"), asn);
	}
	for (size_t i = 0; i < o->ndomains; i++)
		line(i ? "" : _("domains:"), o->domains[i]);
	for (size_t i = 0; i < o->ncontacts; i++)
		print_contact(i ? "" : _("contacts:"), &o->contacts[i]);
	if (!o->ncontacts)
		line(_("contacts:"), _("none"));
}

static void show_cert(const struct store_cert *c)
{
	const char *country = constituency_country_name(c->cc);

	line(_("partner CERT:"), c->name);
	label(0, 14, _("country:"));
	printf("%s (%s)\n", c->cc, country ? country : "?");
	if (c->notes)
		line(_("notes:"), c->notes);
	for (size_t i = 0; i < c->ncontacts; i++)
		print_contact(i ? "" : _("contacts:"), &c->contacts[i]);
	if (!c->ncontacts)
		line(_("contacts:"), _("none"));
}

/* "NAME", "org NAME" or "cert CC" from the positional arguments: *cert set for a CERT. */
static int org_or_cert(const char *sub, char **pos, int npos, const char **key, int *cert)
{
	*cert = 0;
	if (npos == 2 && (!strcmp(pos[0], "cert") || !strcmp(pos[0], "org"))) {
		*cert = !strcmp(pos[0], "cert");
		*key = pos[1];
		return 0;
	}
	if (npos == 1) {
		*key = pos[0];
		return 0;
	}
	log_error(_("constituency %s: give one organisation's name (quoted if it has spaces), "
		    "or 'cert CC'"), sub);
	return -1;
}

static int sub_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *st = NULL;
	struct store_org *o = NULL;
	struct store_cert *t = NULL;
	struct verr e = { 0 };
	const char *key;
	char cc[3];
	int c, json = 0, cert, status, rc;

	while ((c = next_opt(argc, argv, "show", opts)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': constituency_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (org_or_cert("show", argv + optind, argc - optind, &key, &cert) != 0)
		return usage_error();
	if (cert && constituency_cc(key, cc, &e) != V_OK) {
		log_error("constituency show cert: %s", e.reason);
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	rc = cert ? store_cert_get(st, cc, &t, &e) : store_org_get(st, key, &o, &e);
	if (rc == V_OK && json)
		status = print_json(cert ? constituency_cert_json(t) : constituency_org_json(o));
	else if (rc == V_OK && cert)
		show_cert(t);
	else if (rc == V_OK)
		show_org(o);
	else
		status = report(rc, &e);
	store_org_free(o);
	store_cert_free(t);
	store_close(st);
	return status;
}

/* ---- import, export, remove ------------------------------------------------------------------ */

/* Each bad row or entry of an imported file, as it is found: a person fixes them all at once. */
static int report_row(void *arg, const struct verr *e)
{
	(void)arg;
	cli_report(e);
	return V_OK;
}

static int sub_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "replace", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum constituency_fmt fmt = CONSTITUENCY_FMT_AUTO;
	struct constituency_file *f = NULL;
	struct store *st = NULL;
	struct verr e = { 0 };
	json_t *after;
	char *text = NULL;
	size_t norgs = 0, ncerts = 0;
	int c, replace = 0, status, rc;

	while ((c = next_opt(argc, argv, "import", opts)) != -1) {
		switch (c) {
		case 'f':
			if (constituency_fmt_parse(optarg, &fmt) != V_OK) {
				log_error(_("constituency import: --format is csv or json, not "
					    "'%s'"), optarg);
				return EXIT_USAGE;
			}
			break;
		case 'r': replace = 1; break;
		case 'h': constituency_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (argc - optind != 1) {
		log_error(_("constituency import: give one file (- for standard input)"));
		return usage_error();
	}
	if (!strcmp(argv[optind], "-") && fmt == CONSTITUENCY_FMT_AUTO) {
		log_error(_("constituency import -: say --format csv or --format json"));
		return EXIT_USAGE;
	}
	/* read and check the whole file before opening the store */
	if ((rc = constituency_file_check(argv[optind], fmt, report_row, NULL, &f, &e)) != V_OK) {
		cli_report(&e);
		log_error(_("nothing was imported"));
		return status_of(rc);
	}
	constituency_file_counts(f, &norgs, &ncerts);
	if ((status = cli_store_open(db_flag, &st))) {
		constituency_file_free(f);
		return status;
	}
	after = json_pack("{s:s, s:I, s:I, s:b}", "file", argv[optind], "organisations",
			  (json_int_t)norgs, "certs", (json_int_t)ncerts, "replace", replace);
	if (!(text = json_text(after))) {
		rc = verr_set(&e, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	} else if ((rc = store_begin(st, &e)) == V_OK) {
		if ((rc = constituency_file_apply(st, f, replace, &e)) == V_OK &&
		    (rc = store_audit_append(st, cases_actor(), "constituency",
					     replace ? "replace" : "import", NULL, text, &e)) ==
			    V_OK)
			rc = store_commit(st, &e);
		if (rc != V_OK)
			store_rollback(st);
	}
	if (rc != V_OK) {
		cli_report(&e);
		log_error(_("nothing was imported"));
		status = status_of(rc);
	} else {
		printf(_("%s imported (organisations: %zu, partner CERTs: %zu)%s\n"), argv[optind],
		       norgs, ncerts,
		       replace ? _("; the rest of the constituency was removed") : "");
	}
	free(text);
	constituency_file_free(f);
	store_close(st);
	return status;
}

static int sub_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum constituency_fmt fmt = CONSTITUENCY_FMT_AUTO;
	const char *path = NULL;
	char tmp[4096];
	struct store *st = NULL;
	struct verr e = { 0 };
	FILE *out = stdout;
	int c, status, rc;

	while ((c = next_opt(argc, argv, "export", opts)) != -1) {
		switch (c) {
		case 'f':
			if (constituency_fmt_parse(optarg, &fmt) != V_OK) {
				log_error(_("constituency export: --format is csv or json, not "
					    "'%s'"), optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o': path = optarg; break;
		case 'h': constituency_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (optind < argc) {
		log_error(_("constituency export: unexpected argument '%s'"), argv[optind]);
		return usage_error();
	}
	/* the format: as given, else by the output's name, else CSV */
	if (fmt == CONSTITUENCY_FMT_AUTO) {
		size_t n = path ? strlen(path) : 0;
		fmt = n > 5 && !strcasecmp(path + n - 5, ".json") ? CONSTITUENCY_FMT_JSON
								  : CONSTITUENCY_FMT_CSV;
	}
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	/* a file is written beside its final name and renamed: never half an export */
	if (path && strcmp(path, "-")) {
		if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >=
		    (int)sizeof(tmp) || !(out = fopen(tmp, "w"))) {
			log_error(_("cannot write %s: %s"), path, strerror(errno));
			store_close(st);
			return EXIT_IO;
		}
	}
	rc = constituency_export(st, fmt, out, &e);
	if (out != stdout) {
		if (fclose(out) != 0 && rc == V_OK)
			rc = verr_set(&e, V_ERR_IO, "", _("cannot write %s: %s"), path,
				      strerror(errno));
		if (rc == V_OK && rename(tmp, path) != 0)
			rc = verr_set(&e, V_ERR_IO, "", _("cannot write %s: %s"), path,
				      strerror(errno));
		if (rc != V_OK)
			unlink(tmp);
	}
	store_close(st);
	return report(rc, &e);
}

static int sub_remove(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *st = NULL;
	struct store_org *o = NULL;
	struct store_cert *t = NULL;
	struct verr e = { 0 };
	const char *key;
	char object[300], cc[3], *before = NULL;
	int c, cert, status, rc;

	while ((c = next_opt(argc, argv, "remove", opts)) != -1) {
		switch (c) {
		case 'h': constituency_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (org_or_cert("remove", argv + optind, argc - optind, &key, &cert) != 0)
		return usage_error();
	if (cert && constituency_cc(key, cc, &e) != V_OK) {
		log_error("constituency remove cert: %s", e.reason);
		return EXIT_USAGE;
	}
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	rc = cert ? store_cert_get(st, cc, &t, &e) : store_org_get(st, key, &o, &e);
	if (rc != V_OK) {
		status = report(rc, &e);
		goto out;
	}
	before = json_text(cert ? constituency_cert_json(t) : constituency_org_json(o));
	snprintf(object, sizeof(object), cert ? "cert:%s" : "organisation:%s",
		 cert ? t->cc : o->name);
	if ((status = commit_change(st, object, "remove", NULL, NULL, cert ? t->cc : o->name,
				    before, NULL)))
		goto out;
	if (cert)
		printf(_("partner CERT of %s (%s) removed\n"), t->cc, t->name);
	else
		printf(_("organisation %s removed (networks: %zu, ASNs: %zu, domains: %zu, "
			 "contacts: %zu)\n"), o->name, o->nnetworks, o->nasns, o->ndomains,
		       o->ncontacts);
out:
	free(before);
	store_org_free(o);
	store_cert_free(t);
	store_close(st);
	return status;
}

/* ---- match ----------------------------------------------------------------------------------- */

static json_t *contacts_json(const struct store_contact *c, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		json_t *o = json_pack("{s:s}", "email", c[i].email);
		if (!o) {
			json_decref(arr);
			return NULL;
		}
		if (c[i].name)
			json_object_set_new(o, "name", json_string(c[i].name));
		if (c[i].lang)
			json_object_set_new(o, "lang", json_string(c[i].lang));
		if (c[i].format)
			json_object_set_new(o, "format", json_string(c[i].format));
		if (c[i].fingerprint)
			json_object_set_new(o, "fingerprint", json_string(c[i].fingerprint));
		json_array_append_new(arr, o);
	}
	return arr;
}

static int match_json(const char *value, const struct constituency_match *m, int explain)
{
	json_t *o = json_object(), *dnn = json_array();
	char *s;

	if (!o || !dnn) {
		json_decref(o);
		json_decref(dnn);
		return EXIT_INTERNAL;
	}
	json_object_set_new(o, "value", json_string(value));
	json_object_set_new(o, "rule", json_string(constituency_rule_name(m->rule)));
	json_object_set_new(o, "matched", m->rule ? json_string(m->value) : json_null());
	json_object_set_new(o, "organisation", m->org ? json_string(m->org) : json_null());
	json_object_set_new(o, "cert", m->cert ? json_pack("{s:s, s:s}", "country", m->cc,
							   "name", m->cert)
					       : json_null());
	json_object_set_new(o, "notify", json_boolean(m->rule && !m->do_not_notify));
	if (m->do_not_notify & CONSTITUENCY_DNN_ORG)
		json_array_append_new(dnn, json_string("organisation"));
	if (m->do_not_notify & CONSTITUENCY_DNN_NETWORK)
		json_array_append_new(dnn, json_string("network"));
	json_object_set_new(o, "do_not_notify", dnn);
	json_object_set_new(o, "contacts", contacts_json(m->contacts, m->ncontacts));
	if (explain)
		json_object_set_new(o, "explain", json_string(m->explain));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return EXIT_INTERNAL;
	puts(s);
	free(s);
	return 0;
}

/* "  match:     Example University" */
static void item(const char *head, const char *a, const char *b)
{
	label(2, 10, head);
	printf(b ? "%s %s\n" : "%s\n", a, b);
}

static void match_text(const char *value, const struct constituency_match *m, int explain)
{
	char cert[300];

	printf("%s\n", value);
	switch (m->rule) {
	case CONSTITUENCY_NETWORK:
		item(_("match:"), m->org, NULL);
		item(_("rule:"), _("network"), m->value);
		break;
	case CONSTITUENCY_ASN:
		item(_("match:"), m->org, NULL);
		item(_("rule:"), m->value, NULL);
		break;
	case CONSTITUENCY_DOMAIN:
		item(_("match:"), m->org, NULL);
		item(_("rule:"), _("domain"), m->value);
		break;
	case CONSTITUENCY_CERT:
		snprintf(cert, sizeof(cert), "%s (%s)", m->cert, _("partner CERT"));
		item(_("match:"), cert, NULL);
		item(_("rule:"), _("country"), m->value);
		break;
	default:
		item(_("match:"), _("none"), NULL);
		break;
	}
	if (m->rule) {
		const char *why = _("yes");
		if (m->do_not_notify == (CONSTITUENCY_DNN_ORG | CONSTITUENCY_DNN_NETWORK))
			why = _("no (do not notify: the organisation and the network)");
		else if (m->do_not_notify & CONSTITUENCY_DNN_ORG)
			why = _("no (do not notify: the organisation)");
		else if (m->do_not_notify)
			why = _("no (do not notify: the network)");
		item(_("notify:"), why, NULL);
		for (size_t i = 0; i < m->ncontacts; i++) {
			const struct store_contact *c = &m->contacts[i];
			label(2, 10, i ? "" : _("contacts:"));
			printf("%s", c->email);
			if (c->lang && c->format)
				printf(" (%s, %s)", c->lang, c->format);
			else if (c->lang || c->format)
				printf(" (%s)", c->lang ? c->lang : c->format);
			fputc('\n', stdout);
		}
	}
	if (explain)
		item(_("why:"), m->explain, NULL);
}

static int sub_match(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "asn", required_argument, NULL, 'a' },
		{ "cc", required_argument, NULL, 'c' },
		{ "explain", no_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct constituency *k = NULL;
	struct store *st = NULL;
	struct verr e = { 0 };
	int64_t asn = 0;
	char cc[3] = "";
	int c, json = 0, explain = 0, status = 0, rc;

	while ((c = next_opt(argc, argv, "match", opts)) != -1) {
		switch (c) {
		case 'a':
			if (constituency_asn(optarg, &asn, &e) != V_OK) {
				log_error("--asn: %s", e.reason);
				return EXIT_USAGE;
			}
			break;
		case 'c':
			if (constituency_cc(optarg, cc, &e) != V_OK) {
				log_error("--cc: %s", e.reason);
				return EXIT_USAGE;
			}
			break;
		case 'x': explain = 1; break;
		case 'j': json = 1; break;
		case 'h': constituency_usage(stdout); return 0;
		default: return usage_error();
		}
	}
	if (optind >= argc && !asn && !cc[0]) {
		log_error(_("constituency match: give an address, a domain, a URL or an AS "
			    "number"));
		return usage_error();
	}
	/* every value first: a typo is a usage error before anything is loaded */
	for (int i = optind; i < argc; i++) {
		const char *v = argv[i];
		struct ipdb_addr a;
		char d[CONSTITUENCY_DOMAINLEN];
		int64_t n;
		if (strstr(v, "://") || ipdb_addr_parse(v, strlen(v), &a) == V_OK)
			continue;
		if ((v[0] == 'A' || v[0] == 'a') && (v[1] == 'S' || v[1] == 's') &&
		    constituency_asn(v, &n, NULL) == V_OK)
			continue;
		if (constituency_domain(v, d, &e) != V_OK) {
			log_error(_("constituency match: '%s' is not an address, a domain, a "
				    "URL or an AS number (AS64500)"), v);
			return EXIT_USAGE;
		}
	}
	if ((status = cli_store_open(db_flag, &st)))
		return status;
	if ((rc = constituency_load(st, &k, &e)) != V_OK) {
		store_close(st);
		return report(rc, &e);
	}
	for (int i = optind; status == 0 && i <= argc; i++) {
		struct constituency_query q = { .asn = asn, .cc = cc[0] ? cc : NULL,
						.explain = 1 };
		struct constituency_match m;
		char d[CONSTITUENCY_DOMAINLEN], label[32];
		const char *v = i < argc ? argv[i] : NULL;
		struct ipdb_addr a;
		int64_t n;
		if (!v && i > optind)
			break; /* values given: done */
		if (!v) {
			/* only --asn and/or --cc */
			if (asn)
				snprintf(label, sizeof(label), "AS%lld", (long long)asn);
			else
				snprintf(label, sizeof(label), "%s", cc);
			v = label;
		} else if (strstr(v, "://")) {
			q.url = v;
		} else if (ipdb_addr_parse(v, strlen(v), &a) == V_OK) {
			q.ip = v;
		} else if ((v[0] == 'A' || v[0] == 'a') && constituency_asn(v, &n, NULL) == V_OK) {
			q.asn = n;
		} else if (constituency_domain(v, d, NULL) == V_OK) {
			q.domain = d;
		}
		constituency_resolve(k, &q, &m);
		if (json)
			status = match_json(v, &m, explain);
		else
			match_text(v, &m, explain);
	}
	constituency_free(k);
	store_close(st);
	return status;
}

/* ---- the command ----------------------------------------------------------------------------- */

int cmd_constituency(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
		{ "add", sub_add }, { "list", sub_list }, { "show", sub_show },
		{ "import", sub_import }, { "export", sub_export }, { "remove", sub_remove },
		{ "match", sub_match },
	};
	int status = 0;

	db_flag = NULL;
	if ((argc = cli_common_flags(argc, argv, &db_flag, &status)) < 0)
		return status;
	if (argc < 2)
		return usage_error();
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		constituency_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (!strcmp(argv[1], subs[i].name)) {
			optind = 1;
			opterr = 0;
			return subs[i].run(argc - 1, argv + 1);
		}
	}
	log_error(_("constituency: '%s' is not a subcommand (add, list, show, import, export, "
		    "remove, match)"), argv[1]);
	return usage_error();
}
