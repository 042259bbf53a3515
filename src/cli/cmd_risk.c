/*
 * cmd_risk.c — `vigia risk assess ORG`: the risk register of one organisation of the
 * constituency, from its asset register (--assets), the threat catalogue (built in:
 * data/risk/threats.tsv, or --threats), the CSIRT's findings (--findings: the JSON reports of
 * `vigia audit packages` and `vigia audit web`) and the declared safeguards (--safeguards).
 * Prints the register ordered by residual level and writes an HTML report (--html).
 * Method and a worked example: docs/risk.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/risk.h"
#include "base/buf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "cli/cli.h"
#include "ingest/ingest.h"

#define RISK_MAX_FILES 64

static void risk_usage(FILE *f)
{
	fprintf(f, _("usage: vigia risk assess ORG --assets FILE [--findings FILE]...\n"
		     "                        [--safeguards FILE] [--threats FILE]\n"
		     "                        [--html OUT] [--json]\n\n"
		     "The risk register of an organisation: for each asset and each threat of\n"
		     "the catalogue that applies to it, likelihood and impact on the NIST SP\n"
		     "800-30 five-level scales, the level of risk, and the residual risk after\n"
		     "the declared safeguards, highest first.  The findings of vigia audit\n"
		     "packages/web (--json reports) on an asset's host make its threats more\n"
		     "likely; run it again after new findings.  Method: docs/risk.md.\n\n"
		     "  --assets FILE      CSV: org,asset,type,owner,c,i,a,host (VL..VH or 1..5)\n"
		     "  --findings FILE    a vigia audit packages --json or audit web --json report\n"
		     "  --safeguards FILE  CSV: asset,threat,likelihood,impact,safeguard\n"
		     "  --threats FILE     a threat catalogue instead of the built-in one\n"
		     "  --html OUT         write the register as an HTML report\n"
		     "  --json             the register as JSON\n\n"
		     "Exit status: 0 done, 1 done but some rows were refused, 2 usage,\n"
		     "3 a file could not be read or written.\n"));
}

static void on_bad(void *arg, const struct verr *e)
{
	(*(size_t *)arg)++;
	cli_report(e);
}

static int slurp_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	buf_init(b, (size_t)1 << 28);
	if (!f) {
		log_error("%s: %s", path, strerror(errno));
		return V_ERR_IO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) != V_OK) {
			fclose(f);
			log_error(_("%s: file too large"), path);
			return V_ERR_IO;
		}
	fclose(f);
	return V_OK;
}

static void html_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static int write_html(const char *path, const char *org, const struct risk_entry *e, size_t n)
{
	static const char *const colour[] = { "#d9f2d9", "#eaf5c8", "#fff2b3", "#ffd0a6",
					      "#ffb3b3" };
	FILE *f = fopen(path, "w");

	if (!f) {
		log_error("%s: %s", path, strerror(errno));
		return EXIT_IO;
	}
	fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>", f);
	html_text(f, _("Risk register"));
	fputs(" — ", f);
	html_text(f, org);
	fputs("</title>\n<style>body{font-family:sans-serif}table{border-collapse:collapse}"
	      "td,th{border:1px solid #999;padding:3px 6px;text-align:left}</style></head><body>\n<h1>",
	      f);
	html_text(f, _("Risk register"));
	fputs(" — ", f);
	html_text(f, org);
	fputs("</h1>\n<p>", f);
	html_text(f, _("NIST SP 800-30 Rev.1 scales (Tables G-5 and I-2); threats after MAGERIT v3. "
		       "Ordered by residual risk."));
	fputs("</p>\n<table><tr>", f);
	const char *head[] = { _("Asset"), _("Type"), _("Owner"), _("Threat"), _("Likelihood"),
			       _("Impact"), _("Risk"), _("Safeguards"), _("Residual risk") };
	for (size_t i = 0; i < 9; i++) {
		fputs("<th>", f);
		html_text(f, head[i]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<tr><td>");
		html_text(f, e[i].asset->name);
		fputs("</td><td>", f);
		html_text(f, e[i].asset->type);
		fputs("</td><td>", f);
		html_text(f, e[i].asset->owner);
		fputs("</td><td>", f);
		html_text(f, e[i].threat->code);
		fputs(" ", f);
		html_text(f, e[i].threat->name_es);
		fputs(" / ", f);
		html_text(f, e[i].threat->name_en);
		fprintf(f, "</td><td>%s</td><td>%s</td><td style=\"background:%s\">%s</td><td>",
			risk_level_name(e[i].likelihood), risk_level_name(e[i].impact),
			colour[e[i].level], risk_level_name(e[i].level));
		html_text(f, e[i].safeguards[0] ? e[i].safeguards : "-");
		fprintf(f, "</td><td style=\"background:%s\">%s</td></tr>\n", colour[e[i].res_level],
			risk_level_name(e[i].res_level));
	}
	fputs("</table>\n</body></html>\n", f);
	if (fclose(f) != 0) {
		log_error("%s: %s", path, strerror(errno));
		return EXIT_IO;
	}
	return 0;
}

static int assess(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "assets", required_argument, NULL, 'a' },
		{ "findings", required_argument, NULL, 'f' },
		{ "safeguards", required_argument, NULL, 's' },
		{ "threats", required_argument, NULL, 't' },
		{ "html", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *assets = NULL, *safeguards = NULL, *threats = NULL, *html = NULL,
		   *findings[RISK_MAX_FILES];
	size_t nfind = 0, nbad = 0, n = 0;
	int c, json = 0, status = 0;
	struct risk_model m;
	struct risk_entry *e = NULL;
	struct buf b;
	const char *org;

	memset(&m, 0, sizeof(m));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': assets = optarg; break;
		case 'f':
			if (nfind >= RISK_MAX_FILES) {
				log_error(_("risk assess: at most %d findings files"), RISK_MAX_FILES);
				return EXIT_USAGE;
			}
			findings[nfind++] = optarg;
			break;
		case 's': safeguards = optarg; break;
		case 't': threats = optarg; break;
		case 'H': html = optarg; break;
		case 'j': json = 1; break;
		case 'h': risk_usage(stdout); return 0;
		default:
			log_error(_("risk assess: unknown or incomplete option '%s'"), argv[optind - 1]);
			risk_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !assets) {
		log_error(_("risk assess: give one organisation and --assets FILE"));
		risk_usage(stderr);
		return EXIT_USAGE;
	}
	org = argv[optind];
	/* the catalogue, the assets, the safeguards, the findings */
	if (threats) {
		if (slurp_file(threats, &b) != V_OK) {
			buf_fini(&b);
			return EXIT_IO;
		}
		status = risk_threats_load(&m, threats, b.data ? b.data : "", b.len, on_bad, &nbad);
		buf_fini(&b);
	} else {
		size_t len = 0;
		const char *d = blob_get("risk/threats.tsv", &len);
		status = d ? risk_threats_load(&m, "threats.tsv", d, len, on_bad, &nbad) : V_ERR_IO;
	}
	if (status == V_OK) {
		if (slurp_file(assets, &b) != V_OK)
			status = V_ERR_IO;
		else
			status = risk_assets_load(&m, assets, b.data ? b.data : "", b.len, on_bad,
						  &nbad);
		buf_fini(&b);
	}
	if (status == V_OK && safeguards) {
		if (slurp_file(safeguards, &b) != V_OK)
			status = V_ERR_IO;
		else
			status = risk_safeguards_load(&m, safeguards, b.data ? b.data : "", b.len,
						      on_bad, &nbad);
		buf_fini(&b);
	}
	for (size_t i = 0; status == V_OK && i < nfind; i++) {
		struct verr fe = { 0 };
		if (slurp_file(findings[i], &b) != V_OK) {
			status = V_ERR_IO;
		} else if (risk_findings_load(&m, findings[i], b.data ? b.data : "", b.len, &fe) !=
			   V_OK) {
			cli_report(&fe);
			nbad++;
		}
		buf_fini(&b);
	}
	if (status != V_OK) {
		risk_model_fini(&m);
		return status == V_ERR_NOMEM ? EXIT_INTERNAL : EXIT_IO;
	}
	if (risk_assess(&m, org, &e, &n) != V_OK) {
		risk_model_fini(&m);
		return EXIT_INTERNAL;
	}
	if (!n) {
		log_error(_("risk assess: organisation '%s' has no asset in %s"), org, assets);
		status = EXIT_USAGE;
	} else if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "asset", json_string(e[i].asset->name));
			json_object_set_new(o, "owner", json_string(e[i].asset->owner));
			json_object_set_new(o, "threat", json_string(e[i].threat->code));
			json_object_set_new(o, "threat_es", json_string(e[i].threat->name_es));
			json_object_set_new(o, "threat_en", json_string(e[i].threat->name_en));
			json_object_set_new(o, "likelihood", json_string(risk_level_name(e[i].likelihood)));
			json_object_set_new(o, "impact", json_string(risk_level_name(e[i].impact)));
			json_object_set_new(o, "risk", json_string(risk_level_name(e[i].level)));
			json_object_set_new(o, "residual_likelihood",
					    json_string(risk_level_name(e[i].res_likelihood)));
			json_object_set_new(o, "residual_impact",
					    json_string(risk_level_name(e[i].res_impact)));
			json_object_set_new(o, "residual_risk", json_string(risk_level_name(e[i].res_level)));
			json_object_set_new(o, "safeguards", json_string(e[i].safeguards));
			json_array_append_new(arr, o);
		}
		if (json_dumpf(arr, stdout, JSON_INDENT(2)) == 0)
			fputc('\n', stdout);
		json_decref(arr);
	} else {
		static const char *const head[] = { N_("ASSET"), N_("THREAT"), N_("LIKELIHOOD"),
						    N_("IMPACT"), N_("RISK"), N_("RESIDUAL") };
		const char *th[6];
		struct cli_table t;
		for (size_t i = 0; i < 6; i++)
			th[i] = _(head[i]);
		cli_table_init(&t, 6, th, "llllll");
		for (size_t i = 0; i < n; i++) {
			char threat[300];
			snprintf(threat, sizeof(threat), "%s %s", e[i].threat->code,
				 e[i].threat->name_en);
			const char *cells[] = { e[i].asset->name, threat,
						risk_level_name(e[i].likelihood),
						risk_level_name(e[i].impact), risk_level_name(e[i].level),
						risk_level_name(e[i].res_level) };
			cli_table_add(&t, cells);
		}
		printf(_("Risk register of %s: %zu risks\n"), org, n);
		cli_table_print(&t, stdout);
		cli_table_fini(&t);
	}
	if (!status && html)
		status = write_html(html, org, e, n);
	if (!status && nbad)
		status = EXIT_REJECTS;
	free(e);
	risk_model_fini(&m);
	return status;
}

int cmd_risk(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "help"))) {
		risk_usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "assess"))
		return assess(argc - 1, argv + 1);
	if (argc >= 2)
		log_error(_("risk: '%s' is not a subcommand (assess)"), argv[1]);
	risk_usage(stderr);
	return EXIT_USAGE;
}
