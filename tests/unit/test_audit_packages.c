/*
 * test_audit_packages.c — the patch audit's readers and matching: dpkg status (source
 * packages, binNMU and epoch mismatches, truncated files), rpm -qa, CycloneDX (and JSON that
 * is not CycloneDX), OSV evaluation on every row of ../shared/corpus/vuln/osv-match-cases.tsv,
 * and the Debian Security Tracker JSON samples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "tap.h"

static int nbad;
static char lastbad[512];
static void on_bad(void *arg, const struct verr *e)
{
	(void)arg;
	nbad++;
	snprintf(lastbad, sizeof(lastbad), "%s:%ld: %s: %s", e->file ? e->file : "-", e->line,
		 e->field, e->reason);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (d = malloc((size_t)n + 1))) {
		*len = fread(d, 1, (size_t)n, f);
		d[*len] = 0;
	}
	fclose(f);
	return d;
}

static const struct audit_pkg *find(const struct audit_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n; i++)
		if (!strcmp(inv->pkg[i].name, name))
			return &inv->pkg[i];
	return NULL;
}

static void own_inputs(void)
{
	struct audit_inventory inv;
	struct verr e = { 0 };
	const struct audit_pkg *p;
	const char *status =
		"Package: bash\nStatus: install ok installed\nSource: bash (5.2.15-2)\n"
		"Version: 5.2.15-2+b8\nDescription: sh\n continued line\n\n"
		"Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0-1\n\n"
		"Package: broken\nStatus: install ok installed\nVersion: 1:\n\n"
		"Package: bsdutils\nStatus: install ok installed\n"
		"Source: util-linux (2.38.1-5+deb12u3)\nVersion: 1:2.38.1-5+deb12u3\n\n"
		"Package: cut-off\nStatus: install ok installed\nArchitecture: amd";

	memset(&inv, 0, sizeof(inv));
	nbad = 0;
	ok(audit_inventory_parse(&inv, "status", status, strlen(status), on_bad, NULL, &e) == V_OK,
	   "dpkg: a status file with bad stanzas still reads");
	is_str(inv.format, "dpkg-status", "dpkg: recognised as a dpkg status file");
	is_int(inv.n, 2, "dpkg: two installed packages (removed one skipped)");
	is_int(inv.bad, 2, "dpkg: the bad version and the truncated stanza are refused");
	ok(strstr(lastbad, "cut-off") && strstr(lastbad, "status:21"),
	   "dpkg: the truncated stanza is named with its line (%s)", lastbad);
	p = find(&inv, "bash");
	ok(p && !strcmp(p->source, "bash") && !strcmp(p->source_version, "5.2.15-2"),
	   "dpkg: a binNMU keeps its source version");
	p = find(&inv, "bsdutils");
	ok(p && !strcmp(p->source, "util-linux") &&
		   !strcmp(p->source_version, "2.38.1-5+deb12u3"),
	   "dpkg: the source version without the binary's epoch");
	audit_inventory_fini(&inv);

	const char *rpm = "bash-5.1.8-6.el9_1.x86_64\ngit-lfs-0:2.13.3-3.el8_6.x86_64\n"
			  "tzdata-2024a-1.el9.noarch\nnonsense\n";
	memset(&inv, 0, sizeof(inv));
	nbad = 0;
	ok(audit_inventory_parse(&inv, "rpmqa", rpm, strlen(rpm), on_bad, NULL, &e) == V_OK &&
		   inv.family == AUDIT_FAM_RPM,
	   "rpm: rpm -qa output recognised");
	is_int(inv.n, 3, "rpm: three packages");
	is_int(nbad, 1, "rpm: the line that is not a NEVRA is refused (%s)", lastbad);
	p = find(&inv, "git-lfs");
	ok(p && !strcmp(p->version, "0:2.13.3-3.el8_6") && p->arch && !strcmp(p->arch, "x86_64"),
	   "rpm: name with a dash, epoch, arch");
	audit_inventory_fini(&inv);

	const char *cdx =
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
		"{\"name\":\"bsdutils\",\"version\":\"1:2.38.1-5+deb12u3\",\"purl\":"
		"\"pkg:deb/debian/bsdutils@1%3A2.38.1-5%2Bdeb12u3?arch=amd64&upstream=util-linux%402"
		".38.1-5%2Bdeb12u3&distro=debian-12\"},"
		"{\"name\":\"apparmor\",\"purl\":\"pkg:deb/debian/apparmor@3.0.8-3?arch=amd64\"},"
		"{\"name\":\"left-pad\",\"purl\":\"pkg:npm/left-pad@1.3.0\"},"
		"{\"name\":\"nopurl\"},{\"name\":\"bad\",\"purl\":\"pkg:deb/debian/bad\"}]}";
	memset(&inv, 0, sizeof(inv));
	nbad = 0;
	ok(audit_inventory_parse(&inv, "sbom", cdx, strlen(cdx), on_bad, NULL, &e) == V_OK,
	   "cyclonedx: read");
	is_int(inv.n, 2, "cyclonedx: two deb packages (npm ignored)");
	is_int(nbad, 2, "cyclonedx: no purl and a purl without version are refused");
	is_str(inv.ecosystem, "Debian:12", "cyclonedx: the distro qualifier gives the ecosystem");
	p = find(&inv, "bsdutils");
	ok(p && !strcmp(p->source, "util-linux") && !strcmp(p->version, "1:2.38.1-5+deb12u3") &&
		   !strcmp(p->source_version, "2.38.1-5+deb12u3"),
	   "cyclonedx: percent-decoding and the upstream source");
	audit_inventory_fini(&inv);

	const char *notcdx = "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[]}";
	memset(&inv, 0, sizeof(inv));
	ok(audit_inventory_parse(&inv, "spdx.json", notcdx, strlen(notcdx), on_bad, NULL, &e) ==
			   V_ERR_PARSE &&
		   strstr(e.reason, "CycloneDX"),
	   "an SBOM that is not CycloneDX is refused with the reason (%s)", e.reason);
	audit_inventory_fini(&inv);
	memset(&inv, 0, sizeof(inv));
	ok(audit_inventory_parse(&inv, "x.json", "{\"bomFormat\":", 13, on_bad, NULL, &e) ==
		   V_ERR_PARSE,
	   "truncated JSON is refused (%s)", e.reason);
	audit_inventory_fini(&inv);

	const char *osr = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"
			  "VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";
	memset(&inv, 0, sizeof(inv));
	audit_inventory_os_release(&inv, osr, strlen(osr));
	ok(!strcmp(inv.ecosystem, "Debian:12") && !strcmp(inv.release, "bookworm"),
	   "os-release gives Debian:12 and bookworm");
}

static void osv_cases(const char *dir)
{
	char path[512], line[512];
	FILE *f;
	int rows = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/osv-match-cases.tsv", dir);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *col[5];
		int n = 0;
		struct audit_db db;
		struct verr e = { 0 };
		size_t len;
		char *data;
		int got = 0, fam;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = 0;
		col[n++] = line;
		for (char *p = line; *p && n < 5; p++)
			if (*p == '\t') {
				*p = 0;
				col[n++] = p + 1;
			}
		if (n < 5)
			continue;
		snprintf(path, sizeof(path), "%s/osv-samples/%s.json", dir, col[0]);
		memset(&db, 0, sizeof(db));
		data = slurp(path, &len);
		if (!data || audit_db_add_osv(&db, path, data, len, on_bad, NULL, &e) != V_OK) {
			bad++;
			printf("# cannot load %s: %s\n", path, e.reason);
			free(data);
			continue;
		}
		audit_db_index(&db);
		fam = !strncmp(col[1], "Red Hat", 7) ? AUDIT_FAM_RPM : AUDIT_FAM_DPKG;
		for (size_t i = 0; i < db.n; i++)
			if (!strcmp(db.adv[i].package, col[2]) &&
			    !strcmp(db.adv[i].ecosystem, col[1]) &&
			    audit_adv_affects(&db.adv[i], fam, col[3], NULL))
				got = 1;
		rows++;
		if (got != (int)strtol(col[4], NULL, 10)) {
			bad++;
			printf("# %s %s %s %s: got %d\n", col[0], col[1], col[2], col[3], got);
		}
		audit_db_fini(&db);
		free(data);
	}
	fclose(f);
	ok(rows >= 16 && bad == 0, "OSV evaluation: %d corpus cases, %d differ", rows, bad);
}

static void tracker(const char *dir)
{
	char path[512];
	struct audit_db db;
	struct audit_inventory inv;
	struct audit_finding *f = NULL;
	struct verr e = { 0 };
	size_t len, nf = 0;
	char *data;
	int unfixed = 0, fixed = 0;

	snprintf(path, sizeof(path), "%s/debian-tracker/tracker-json-sample-vunnel.json", dir);
	memset(&db, 0, sizeof(db));
	nbad = 0;
	data = slurp(path, &len);
	ok(data && audit_db_add_debian_tracker(&db, path, data, len, on_bad, NULL, &e) == V_OK,
	   "tracker: the vunnel sample reads (with its \"releases\": [] quirk)");
	free(data);
	snprintf(path, sizeof(path), "%s/debian-tracker/tracker-json-sample-osvdev.json", dir);
	data = slurp(path, &len);
	ok(data && audit_db_add_debian_tracker(&db, path, data, len, on_bad, NULL, &e) == V_OK,
	   "tracker: the osv.dev sample reads");
	free(data);
	is_int(nbad, 0, "tracker: no record refused");
	audit_db_index(&db);
	/* apparmor 3.0.8-3 on bookworm: CVE-2016-1585 is open there; CVE-2014-1424 not-affected */
	const char *status = "Package: apparmor\nStatus: install ok installed\nVersion: 3.0.8-3\n";
	memset(&inv, 0, sizeof(inv));
	audit_inventory_parse(&inv, "s", status, strlen(status), on_bad, NULL, &e);
	snprintf(inv.release, sizeof(inv.release), "bookworm");
	ok(audit_match(&inv, &db, &f, &nf) == V_OK, "tracker: match");
	for (size_t i = 0; i < nf; i++) {
		if (!strcmp(f[i].adv->id, "CVE-2014-1424"))
			fixed += 100; /* must not appear: fixed_version "0" */
		if (!strcmp(f[i].adv->id, "CVE-2016-1585") && !f[i].fixed)
			unfixed++;
		if (f[i].fixed)
			fixed++;
	}
	is_int(unfixed, 1, "tracker: CVE-2016-1585 is open on bookworm: no fix yet");
	ok(fixed < 100, "tracker: fixed_version \"0\" means not affected");
	free(f);
	/* the same package on another release: the tracker's bookworm data does not apply */
	snprintf(inv.release, sizeof(inv.release), "jessie");
	audit_match(&inv, &db, &f, &nf);
	int bookworm = 0;
	for (size_t i = 0; i < nf; i++)
		if (!strcmp(f[i].adv->ecosystem, "bookworm"))
			bookworm++;
	is_int(bookworm, 0, "tracker: only the inventory's release applies");
	free(f);
	audit_inventory_fini(&inv);
	audit_db_fini(&db);

	/* hostile tracker and OSV inputs: counted, never fatal */
	memset(&db, 0, sizeof(db));
	nbad = 0;
	const char *t = "{\"p\":{\"CVE-1\":{\"releases\":{\"bookworm\":{\"fixed_version\":\"1\"}}},"
			"\"CVE-2\":7},\"q\":[]}";
	ok(audit_db_add_debian_tracker(&db, "t.json", t, strlen(t), on_bad, NULL, &e) == V_OK &&
		   nbad == 3,
	   "tracker: entries without status or of the wrong type are refused one by one (%d)",
	   nbad);
	ok(audit_db_add_debian_tracker(&db, "t.json", "[1]", 3, on_bad, NULL, &e) == V_ERR_PARSE,
	   "tracker: a top level that is not an object is refused (%s)", e.reason);
	const char *o = "[{\"id\":\"X-1\"},{\"affected\":[]},{\"id\":\"X-2\",\"affected\":[{\"package\":"
			"{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
			"\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.0\"}]}]}]}]";
	nbad = 0;
	ok(audit_db_add_osv(&db, "o.json", o, strlen(o), on_bad, NULL, &e) == V_OK && nbad == 2 &&
		   db.n == 1,
	   "osv: records without id or affected are refused, the good one kept (%d)", nbad);
	audit_db_fini(&db);
}

/* CVSS vectors are scored when an advisory matches, not when it is loaded: the affected
 * entry's vector before the record's, one that does not score gives way, the urgency stays
 * when none scores; advisories that never match are never scored. */
static void lazy_scores(void)
{
	const char *o =
		"[{\"id\":\"A-1\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		"\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],\"affected\":[{\"package\":"
		"{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},\"severity\":[{\"type\":\"CVSS_V3\","
		"\"score\":\"CVSS:3.1/AV:X\"}],\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"
		"[{\"introduced\":\"0\"},{\"fixed\":\"2.0\"}]}]}]},"
		"{\"id\":\"A-2\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
		"\"name\":\"p\"},\"severity\":[{\"type\":\"CVSS_V4\",\"score\":\"CVSS:4.0/AV:N/"
		"AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\"}],\"ecosystem_specific\":"
		"{\"urgency\":\"low\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"
		"[{\"introduced\":\"0\"}]}]}]},"
		"{\"id\":\"A-3\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
		"\"name\":\"p\"},\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"junk\"}],"
		"\"ecosystem_specific\":{\"urgency\":\"medium\"},\"ranges\":[{\"type\":"
		"\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]},"
		"{\"id\":\"B-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
		"\"name\":\"q\"},\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		"\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],\"ranges\":[{\"type\":"
		"\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}]";
	const char *status = "Package: p\nStatus: install ok installed\nVersion: 1.0-1\n\n"
			     "Package: q\nStatus: install ok installed\nVersion: 1.0-1\n";
	struct audit_db db;
	struct audit_inventory inv;
	struct audit_finding *f = NULL;
	struct verr e = { 0 };
	size_t nf = 0;
	const struct audit_adv *a[3] = { NULL, NULL, NULL };
	int unscored = 1;

	memset(&db, 0, sizeof(db));
	memset(&inv, 0, sizeof(inv));
	ok(audit_db_add_osv(&db, "s.json", o, strlen(o), on_bad, NULL, &e) == V_OK && db.n == 4,
	   "lazy scores: four advisories load");
	for (size_t i = 0; i < db.n; i++)
		if (db.adv[i].score != 0 || db.adv[i].scored)
			unscored = 0;
	ok(unscored, "lazy scores: nothing is scored at load time");
	audit_db_index(&db);
	ok(!strcmp(db.adv[0].id, "A-1") && !strcmp(db.adv[2].id, "A-3") &&
		   !strcmp(db.adv[3].id, "B-1"),
	   "index: sorted by package, then advisory id");
	/* only p is installed: q's advisory must stay unscored */
	audit_inventory_parse(&inv, "s", status, (size_t)(strstr(status, "\n\n") - status) + 1,
			      on_bad, NULL, &e);
	int mrc = audit_match(&inv, &db, &f, &nf);
	ok(inv.n == 1 && mrc == V_OK && nf == 3, "lazy scores: p matches three advisories (%zu)",
	   nf);
	for (size_t i = 0; i < nf; i++)
		a[f[i].adv->id[2] - '1'] = f[i].adv;
	ok(a[0] && a[0]->score == 9.8 && !strncmp(a[0]->severity, "CVSS:3.1/", 9),
	   "lazy scores: an affected vector that does not score gives way to the record's");
	ok(a[1] && a[1]->score == 9.3 && !strncmp(a[1]->severity, "CVSS:4.0/", 9),
	   "lazy scores: a CVSS 4.0 vector replaces the urgency");
	ok(a[2] && a[2]->score == 0 && !strcmp(a[2]->severity, "medium"),
	   "lazy scores: no vector scores: the urgency stays");
	ok(!db.adv[3].scored && db.adv[3].score == 0,
	   "lazy scores: the advisory of a package not installed is never scored");
	free(f);
	audit_inventory_fini(&inv);
	audit_db_fini(&db);
}

int main(void)
{
	const char *dir = "../shared/corpus/vuln";
	char path[512];
	size_t len;
	char *data;

	own_inputs();
	lazy_scores();
	snprintf(path, sizeof(path), "%s/inventory-samples/dpkg-status-sample.txt", dir);
	if (!(data = slurp(path, &len))) {
		printf("SKIP ../shared/corpus/vuln is absent\n");
		return done_testing();
	}
	struct audit_inventory inv;
	struct verr e = { 0 };
	memset(&inv, 0, sizeof(inv));
	nbad = 0;
	ok(audit_inventory_parse(&inv, path, data, len, on_bad, NULL, &e) == V_OK && inv.n == 7 &&
		   nbad == 0,
	   "the corpus dpkg status sample: 7 packages, none refused");
	const struct audit_pkg *p = find(&inv, "libc6");
	ok(p && !strcmp(p->source, "glibc"), "libc6 comes from glibc");
	p = find(&inv, "tzdata");
	ok(p && !strcmp(p->source, "tzdata"), "no Source: the package is its own source");
	audit_inventory_fini(&inv);
	free(data);
	osv_cases(dir);
	tracker(dir);
	return done_testing();
}
