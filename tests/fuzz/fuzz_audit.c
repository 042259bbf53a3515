/*
 * fuzz_audit.c — libFuzzer target for the patch audit's readers: the first byte picks the
 * dpkg status / rpm -qa / CycloneDX reader, the OSV reader, the Debian Security Tracker
 * reader, the CVSS vector parsers, the dpkg/rpm version order (two versions split at the
 * first newline; the order must be antisymmetric), or the web checks (exposure rules, then
 * a blank line, then a response: "Name: value" header lines, a blank line, the body) graded
 * and matched, or the risk readers (threats, assets, safeguards, findings: four parts
 * separated by blank lines) and the assessment.  What was read is then matched, so the
 * matching code sees hostile ranges too.  The CVSS case also puts the string through the
 * active checks' scope (src/cli/audit_scope.c: URL host, given hosts, checks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/risk.h"
#include "cli/audit_scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *arg, const struct verr *e)
{
	(void)arg;
	(void)e;
}

static void fuzz_web(const char *s, size_t n)
{
	struct audit_exposure_set rules = { NULL, 0 };
	struct audit_http h;
	struct audit_web_grade g;
	struct verr e = { 0 };
	const char *sep = memmem(s, n, "\n\n", 2), *p, *end = s + n;
	char *names[32], *vals[32];

	memset(&h, 0, sizeof(h));
	audit_exposure_load(&rules, "fuzz", s, sep ? (size_t)(sep - s) : n, ignore, NULL, &e);
	p = sep ? sep + 2 : end;
	while (p < end && h.nh < 32) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (le == p) {
			p = nl ? nl + 1 : end;
			break;
		}
		if (colon) {
			names[h.nh] = strndup(p, (size_t)(colon - p));
			vals[h.nh] = strndup(colon + 1, (size_t)(le - colon - 1));
			if (!names[h.nh] || !vals[h.nh]) {
				free(names[h.nh]);
				free(vals[h.nh]);
				break;
			}
			h.nh++;
		}
		p = nl ? nl + 1 : end;
	}
	h.hname = names;
	h.hval = vals;
	h.status = 200;
	h.url = (char *)"https://fuzz.example/";
	h.body = strndup(p, (size_t)(end - p));
	h.body_len = h.body ? strlen(h.body) : 0;
	audit_web_grade(&h, &h, "https://fuzz.example/", &g);
	for (size_t i = 0; i < rules.n; i++)
		audit_exposure_hit(&rules.r[i], &h, NULL);
	for (size_t i = 0; i < h.nh; i++) {
		free(names[i]);
		free(vals[i]);
	}
	free(h.body);
	audit_exposure_fini(&rules);
}

static void fuzz_risk(const char *s, size_t n)
{
	struct risk_model m;
	struct risk_entry *e = NULL;
	struct verr err = { 0 };
	const char *part[4];
	size_t len[4], k = 0;
	const char *p = s, *end = s + n;

	memset(&m, 0, sizeof(m));
	while (k < 4) {
		const char *sep = k < 3 ? memmem(p, (size_t)(end - p), "\n\n", 2) : NULL;
		part[k] = p;
		len[k] = (size_t)((sep ? sep : end) - p);
		k++;
		p = sep ? sep + 2 : end;
	}
	risk_threats_load(&m, "t", part[0], len[0], ignore, NULL);
	risk_assets_load(&m, "a", part[1], len[1], ignore, NULL);
	risk_safeguards_load(&m, "s", part[2], len[2], ignore, NULL);
	risk_findings_load(&m, "f", part[3], len[3], &err);
	for (size_t i = 0; i < m.na && i < 3; i++) {
		size_t ne = 0;
		if (risk_assess(&m, m.a[i].org, &e, &ne) == V_OK)
			free(e);
		e = NULL;
	}
	risk_model_fini(&m);
}

/* The active checks' scope on a hostile string: as a URL (its host), as a host given and as
 * one asked about, split at the first space into host and resolved address. */
static void fuzz_scope(const char *z)
{
	struct audit_scope sc;
	char host[256], why[256], *two = strdup(z), *sp;

	audit_scope_init(&sc, "fuzz");
	if (!audit_scope_url_host(z, host, sizeof(host)))
		audit_scope_explicit(&sc, host);
	if (two && (sp = strchr(two, ' '))) {
		*sp++ = 0;
		audit_scope_explicit(&sc, sp);
		audit_scope_check(&sc, two, sp, why, sizeof(why));
	}
	audit_scope_check(&sc, z, NULL, why, sizeof(why));
	free(two);
	audit_scope_fini(&sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_inventory inv;
	struct audit_db db;
	struct verr e = { 0 };
	struct audit_finding *f = NULL;
	size_t nf = 0;
	const char *s;
	char *z;
	size_t n;

	if (size < 1)
		return 0;
	s = (const char *)data + 1;
	n = size - 1;
	memset(&inv, 0, sizeof(inv));
	memset(&db, 0, sizeof(db));
	switch (data[0] % 7) {
	case 0:
		audit_inventory_parse(&inv, "fuzz", s, n, ignore, NULL, &e);
		audit_inventory_os_release(&inv, s, n);
		break;
	case 1:
		audit_db_add_osv(&db, "fuzz", s, n, ignore, NULL, &e);
		break;
	case 2:
		audit_db_add_debian_tracker(&db, "fuzz", s, n, ignore, NULL, &e);
		break;
	case 3:
		if ((z = malloc(n + 1))) {
			struct audit_cvss3 c3;
			struct audit_cvss4 c4;
			memcpy(z, s, n);
			z[n] = 0;
			audit_cvss3(z, &c3, &e);
			audit_cvss4(z, &c4, &e);
			fuzz_scope(z);
			free(z);
		}
		return 0;
	case 5:
		fuzz_web(s, n);
		return 0;
	case 6:
		fuzz_risk(s, n);
		return 0;
	default:
		if ((z = malloc(n + 1))) {
			char *b;
			memcpy(z, s, n);
			z[n] = 0;
			b = strchr(z, '\n');
			if (b) {
				*b++ = 0;
				if (audit_dpkg_cmp(z, b) != -audit_dpkg_cmp(b, z) ||
				    audit_rpm_cmp(z, b) != -audit_rpm_cmp(b, z))
					abort();
			}
			free(z);
		}
		return 0;
	}
	/* match what was read against a small fixed counterpart */
	if (db.n) {
		static const char status[] = "Package: p\nStatus: install ok installed\n"
					     "Version: 1.0-1\n";
		audit_db_index(&db);
		if (audit_inventory_parse(&inv, "s", status, sizeof(status) - 1, ignore, NULL,
					  &e) == V_OK) {
			for (size_t i = 0; i < db.n && i < 4; i++) {
				free(inv.pkg[0].source);
				inv.pkg[0].source = strdup(db.adv[i].package);
				if (!inv.pkg[0].source)
					break;
				inv.family = db.adv[i].family;
				audit_match(&inv, &db, &f, &nf);
				free(f);
				f = NULL;
			}
		}
	} else if (inv.n) {
		static const char osv[] = "{\"id\":\"X\",\"affected\":[{\"package\":{\"ecosystem\":"
					  "\"Debian:12\",\"name\":\"p\"},\"ranges\":[{\"type\":"
					  "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
					  "{\"fixed\":\"2.0\"}]}]}]}";
		audit_db_add_osv(&db, "o", osv, sizeof(osv) - 1, ignore, NULL, &e);
		audit_db_index(&db);
		audit_match(&inv, &db, &f, &nf);
		free(f);
	}
	audit_db_fini(&db);
	audit_inventory_fini(&inv);
	return 0;
}
