/*
 * vulndb.c — vulnerability records, normalised to one shape (struct audit_adv: an advisory
 * about one source package in one ecosystem, with ranges of affected versions):
 *
 *   OSV (https://ossf.github.io/osv-schema/): every affected[] entry of a Debian, Ubuntu or
 *   Red Hat / RPM-based ecosystem with ECOSYSTEM ranges and/or explicit versions.  Ranges
 *   are sorted with the ecosystem's version order once, at load time.
 *   Debian Security Tracker JSON (/tracker/data/json): package → CVE → release →
 *   {status, fixed_version, urgency}.  "resolved" with fixed_version "0" means never
 *   affected; "open" and "undetermined" mean affected with no fix yet.
 *
 * A malformed record is reported (naming the input, the record id or index and the field)
 * and skipped.  The db is sorted by package name so that matching is a binary search.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/audit.h"
#include "base/i18n.h"

#define DB_MAX_ADV 20000000
#define DB_MAX_EVENTS 4096

static void report(audit_bad_fn bad, void *arg, const char *name, const char *field,
		   const char *fmt, const char *id, const char *detail)
{
	struct verr e = { 0 };

	verr_set(&e, V_ERR_PARSE, field, fmt, id, detail);
	e.file = name;
	if (bad)
		bad(arg, &e);
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void adv_free(struct audit_adv *a)
{
	free(a->id);
	free(a->aliases);
	free(a->package);
	free(a->ecosystem);
	for (size_t i = 0; i < a->nev; i++)
		free(a->ev[i].version);
	free(a->ev);
	free(a->range_end);
	for (size_t i = 0; i < a->nversions; i++)
		free(a->versions[i]);
	free(a->versions);
	free(a->severity);
	free(a->vector[0]);
	free(a->vector[1]);
	free(a->summary);
	memset(a, 0, sizeof(*a));
}

static int db_push(struct audit_db *db, struct audit_adv *a)
{
	if (db->n == db->size) {
		size_t size = db->size ? db->size * 2 : 1024;
		struct audit_adv *na;
		if (db->n >= DB_MAX_ADV)
			return V_ERR_LIMIT;
		na = realloc(db->adv, size * sizeof(*na));
		if (!na)
			return V_ERR_NOMEM;
		db->adv = na;
		db->size = size;
	}
	db->adv[db->n++] = *a;
	memset(a, 0, sizeof(*a));
	return V_OK;
}

/* The version family of an OSV ecosystem name; AUDIT_FAM_NONE for ecosystems vigia does not
 * audit (npm, PyPI, ...). */
static int osv_family(const char *eco)
{
	static const char *const dpkg[] = { "Debian", "Ubuntu", NULL };
	static const char *const rpm[] = { "Red Hat", "AlmaLinux", "Rocky Linux", "openSUSE",
					   "SUSE", "Mageia", "openEuler", NULL };
	for (size_t i = 0; dpkg[i]; i++)
		if (!strncmp(eco, dpkg[i], strlen(dpkg[i])))
			return AUDIT_FAM_DPKG;
	for (size_t i = 0; rpm[i]; i++)
		if (!strncmp(eco, rpm[i], strlen(rpm[i])))
			return AUDIT_FAM_RPM;
	return AUDIT_FAM_NONE;
}

static int ev_cmp(const void *x, const void *y, void *fam)
{
	const struct audit_event *a = x, *b = y;
	int family = *(const int *)fam;
	/* "0" means before everything */
	int az = a->kind == 'i' && !strcmp(a->version, "0");
	int bz = b->kind == 'i' && !strcmp(b->version, "0");
	if (az || bz)
		return bz - az;
	return family == AUDIT_FAM_RPM ? audit_rpm_cmp(a->version, b->version)
				       : audit_dpkg_cmp(a->version, b->version);
}

/* Sort each range's events by version, as the OSV evaluation needs. */
static void sort_ranges(struct audit_adv *a)
{
	size_t start = 0;

	for (size_t r = 0; r < a->nrange; r++) {
		qsort_r(a->ev + start, a->range_end[r] - start, sizeof(*a->ev), ev_cmp,
			&a->family);
		start = a->range_end[r];
	}
}

static int add_event(struct audit_adv *a, int kind, const char *v)
{
	struct audit_event *ne;

	if (a->nev >= DB_MAX_EVENTS)
		return V_ERR_LIMIT;
	ne = realloc(a->ev, (a->nev + 1) * sizeof(*ne));
	if (!ne)
		return V_ERR_NOMEM;
	a->ev = ne;
	if (!(a->ev[a->nev].version = strdup(v)))
		return V_ERR_NOMEM;
	a->ev[a->nev++].kind = kind;
	return V_OK;
}

static int end_range(struct audit_adv *a)
{
	size_t *nr = realloc(a->range_end, (a->nrange + 1) * sizeof(*nr));
	if (!nr)
		return V_ERR_NOMEM;
	a->range_end = nr;
	a->range_end[a->nrange++] = a->nev;
	return V_OK;
}

/* The best CVSS vector of an OSV record's or affected entry's severity list: a CVSS v4 vector
 * first, then the first v3.  Only noted here (borrowed from the tree, so copied); scoring
 * waits for audit_adv_score(), which runs on the advisories that match. */
static int osv_vector(char **slot, const json_t *sev)
{
	size_t i;
	json_t *s;
	const char *best = NULL;

	json_array_foreach(sev, i, s) {
		const char *type = json_string_value(json_object_get(s, "type"));
		const char *score = json_string_value(json_object_get(s, "score"));
		if (!type || !score)
			continue;
		if (!strcmp(type, "CVSS_V4") || (!best && !strcmp(type, "CVSS_V3")))
			best = score;
	}
	if (best && !(*slot = strdup(best)))
		return V_ERR_NOMEM;
	return V_OK;
}

static int osv_record(struct audit_db *db, const char *name, const json_t *rec, size_t idx,
		      audit_bad_fn bad, void *arg)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const json_t *aff = json_object_get(rec, "affected");
	char idx_s[32];
	size_t i;
	json_t *x;
	int rc = V_OK;

	snprintf(idx_s, sizeof(idx_s), "#%zu", idx + 1);
	db->records++;
	if (!json_is_object(rec) || !id || !*id) {
		report(bad, arg, name, "id", _("record %s%s has no \"id\""), idx_s, "");
		db->bad++;
		return V_OK;
	}
	if (!json_is_array(aff)) {
		report(bad, arg, name, "affected", _("record %s: %s"), id,
		       _("no \"affected\" array"));
		db->bad++;
		return V_OK;
	}
	json_array_foreach(aff, i, x) {
		const json_t *pkg = json_object_get(x, "package");
		const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
		const char *pn = json_string_value(json_object_get(pkg, "name"));
		const json_t *ranges = json_object_get(x, "ranges"), *r, *vers;
		struct audit_adv a = { 0 };
		size_t k;

		if (!eco || !pn || !*pn) {
			report(bad, arg, name, "affected.package",
			       _("record %s: %s"), id, _("an affected entry has no package "
							  "ecosystem and name"));
			db->bad++;
			continue;
		}
		if (!(a.family = osv_family(eco)))
			continue;
		a.id = strdup(id);
		a.package = strdup(pn);
		a.ecosystem = strdup(eco);
		if (!a.id || !a.package || !a.ecosystem) {
			adv_free(&a);
			return V_ERR_NOMEM;
		}
		/* aliases and upstream ids: the CVE names people search for */
		{
			struct buf al;
			const char *keys[] = { "aliases", "upstream" };
			buf_init(&al, 4096);
			for (int kk = 0; kk < 2; kk++) {
				json_t *v;
				size_t q;
				json_array_foreach(json_object_get(rec, keys[kk]), q, v) {
					const char *s = json_string_value(v);
					if (!s || (al.len && strstr(buf_cstr(&al), s)))
						continue;
					if (al.len)
						buf_puts(&al, ", ");
					buf_puts(&al, s);
				}
			}
			if (al.len)
				a.aliases = strdup(buf_cstr(&al));
			buf_fini(&al);
		}
		a.summary = xstrdup(json_string_value(json_object_get(rec, "summary")));
		/* the affected entry's vector wins over the record's when both score */
		if (osv_vector(&a.vector[0], json_object_get(x, "severity")) != V_OK ||
		    osv_vector(&a.vector[1], json_object_get(rec, "severity")) != V_OK) {
			adv_free(&a);
			return V_ERR_NOMEM;
		}
		a.severity = xstrdup(json_string_value(json_object_get(
			json_object_get(x, "ecosystem_specific"), "urgency")));
		a.scored = !a.vector[0] && !a.vector[1];
		json_array_foreach(ranges, k, r) {
			const char *type = json_string_value(json_object_get(r, "type"));
			json_t *evs = json_object_get(r, "events"), *ev;
			size_t m;
			if (!type || strcmp(type, "ECOSYSTEM"))
				continue;
			json_array_foreach(evs, m, ev) {
				const char *v;
				int kind = 0;
				if ((v = json_string_value(json_object_get(ev, "introduced"))))
					kind = 'i';
				else if ((v = json_string_value(json_object_get(ev, "fixed"))))
					kind = 'f';
				else if ((v = json_string_value(
						  json_object_get(ev, "last_affected"))))
					kind = 'l';
				else
					continue; /* "limit": not used for ECOSYSTEM matching */
				if (!*v)
					continue;
				if ((rc = add_event(&a, kind, v)) != V_OK)
					break;
			}
			if (rc == V_OK)
				rc = end_range(&a);
			if (rc != V_OK)
				break;
		}
		vers = json_object_get(x, "versions");
		json_array_foreach(vers, k, r) {
			const char *v = json_string_value(r);
			char **nv;
			if (!v)
				continue;
			nv = realloc(a.versions, (a.nversions + 1) * sizeof(*nv));
			if (!nv) {
				rc = V_ERR_NOMEM;
				break;
			}
			a.versions = nv;
			if (!(a.versions[a.nversions] = strdup(v))) {
				rc = V_ERR_NOMEM;
				break;
			}
			a.nversions++;
		}
		if (rc == V_ERR_LIMIT) {
			report(bad, arg, name, "affected.ranges", _("record %s: %s"), id,
			       _("too many range events"));
			db->bad++;
			adv_free(&a);
			rc = V_OK;
			continue;
		}
		if (rc != V_OK) {
			adv_free(&a);
			return rc;
		}
		if (!a.nev && !a.nversions) {
			adv_free(&a);
			continue;
		}
		sort_ranges(&a);
		if ((rc = db_push(db, &a)) != V_OK) {
			adv_free(&a);
			return rc;
		}
	}
	return V_OK;
}

int audit_db_add_osv(struct audit_db *db, const char *name, const char *data, size_t len,
		     audit_bad_fn bad, void *arg, struct verr *e)
{
	json_error_t je;
	json_t *j;
	size_t i = 0;
	int rc = V_OK;

	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	if (i < len && data[i] == '[') {
		/* an array of records: one record at a time, so that memory stays that of one
		 * record and no giant tree is built and freed */
		size_t idx = 0;
		i++;
		for (;;) {
			while (i < len && data[i] && strchr(" \t\r\n,", data[i]))
				i++;
			if (i < len && data[i] == ']')
				return V_OK;
			if (i >= len)
				break;
			j = json_loadb(data + i, len - i, JSON_DISABLE_EOF_CHECK, &je);
			if (!j)
				break;
			i += je.position;
			rc = osv_record(db, name, j, idx++, bad, arg);
			json_decref(j);
			if (rc != V_OK) {
				verr_set(e, rc, "", "%s", vres_str(rc));
				e->file = name;
				return rc;
			}
		}
		rc = verr_set(e, V_ERR_PARSE, "", _("not JSON: %s"),
			      i >= len ? "unexpected end of input" : je.text);
		e->file = name;
		return rc;
	}
	j = json_loadb(data, len, 0, &je);
	if (!j) {
		rc = verr_set(e, V_ERR_PARSE, "", _("not JSON: %s"), je.text);
		e->file = name;
		e->line = je.line;
		return rc;
	}
	rc = osv_record(db, name, j, 0, bad, arg);
	json_decref(j);
	if (rc != V_OK) {
		verr_set(e, rc, "", "%s", vres_str(rc));
		e->file = name;
	}
	return rc;
}

int audit_db_add_debian_tracker(struct audit_db *db, const char *name, const char *data,
				size_t len, audit_bad_fn bad, void *arg, struct verr *e)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, 0, &je), *cves, *cve, *rel;
	const char *pkg, *cveid, *relname;
	int rc = V_OK;

	if (!j) {
		rc = verr_set(e, V_ERR_PARSE, "", _("not JSON: %s"), je.text);
		e->file = name;
		e->line = je.line;
		return rc;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		rc = verr_set(e, V_ERR_PARSE, "", _("not Debian Security Tracker JSON (the top "
						    "level must be an object of source packages)"));
		e->file = name;
		return rc;
	}
	json_object_foreach(j, pkg, cves) {
		if (!json_is_object(cves)) {
			report(bad, arg, name, "", _("package %s: %s"), pkg,
			       _("not an object of CVEs"));
			db->bad++;
			continue;
		}
		json_object_foreach(cves, cveid, cve) {
			json_t *rels = json_object_get(cve, "releases");
			db->records++;
			if (!json_is_object(cve)) {
				report(bad, arg, name, cveid, _("package %s: %s"), pkg,
				       _("a CVE entry that is not an object"));
				db->bad++;
				continue;
			}
			/* the tracker sometimes writes "releases": [] for nothing */
			if (!json_is_object(rels))
				continue;
			json_object_foreach(rels, relname, rel) {
				const char *status = json_string_value(json_object_get(rel, "status"));
				const char *fixed = json_string_value(
					json_object_get(rel, "fixed_version"));
				const char *urg = json_string_value(json_object_get(rel, "urgency"));
				struct audit_adv a = { 0 };

				if (!status) {
					report(bad, arg, name, "status", _("%s: %s"), cveid,
					       _("a release without \"status\""));
					db->bad++;
					continue;
				}
				if (!strcmp(status, "resolved") && (!fixed || !strcmp(fixed, "0")))
					continue; /* never affected */
				if (strcmp(status, "resolved") && strcmp(status, "open") &&
				    strcmp(status, "undetermined"))
					continue;
				a.id = strdup(cveid);
				a.package = strdup(pkg);
				a.ecosystem = strdup(relname);
				a.by_release = 1;
				a.scored = 1;
				a.family = AUDIT_FAM_DPKG;
				a.severity = xstrdup(urg);
				a.summary = xstrdup(json_string_value(
					json_object_get(cve, "description")));
				if (!a.id || !a.package || !a.ecosystem ||
				    (rc = add_event(&a, 'i', "0")) != V_OK ||
				    (!strcmp(status, "resolved") &&
				     (rc = add_event(&a, 'f', fixed)) != V_OK) ||
				    (rc = end_range(&a)) != V_OK || (rc = db_push(db, &a)) != V_OK) {
					adv_free(&a);
					json_decref(j);
					rc = rc ? rc : V_ERR_NOMEM;
					verr_set(e, rc, "", "%s", vres_str(rc));
					e->file = name;
					return rc;
				}
			}
		}
	}
	json_decref(j);
	return V_OK;
}

void audit_adv_score(struct audit_adv *a)
{
	if (a->scored)
		return;
	a->scored = 1;
	for (int i = 0; i < 2; i++) {
		struct verr e = { 0 };
		double sc;
		if (!a->vector[i] || audit_cvss_score(a->vector[i], &sc, &e) != V_OK)
			continue;
		/* the vector replaces the urgency as the severity shown */
		free(a->severity);
		a->severity = a->vector[i];
		a->vector[i] = NULL;
		a->score = sc;
		return;
	}
}

static int adv_cmp(const struct audit_adv *a, const struct audit_adv *b)
{
	int r = strcmp(a->package, b->package);
	return r ? r : strcmp(a->id, b->id);
}

static int adv_qsort_cmp(const void *x, const void *y)
{
	return adv_cmp(x, y);
}

/* The sort key of audit_db_index(): the first 8 bytes of the package name as a big-endian
 * number (the same order as strcmp on those bytes), so that most comparisons touch neither
 * the advisory nor its strings; ties go to adv_cmp(). */
struct adv_key {
	uint64_t prefix;
	const struct audit_adv *adv;
};

static int key_cmp(const void *x, const void *y)
{
	const struct adv_key *a = x, *b = y;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return adv_cmp(a->adv, b->adv);
}

void audit_db_index(struct audit_db *db)
{
	struct adv_key *k;
	struct audit_adv *sorted;

	if (db->n < 2)
		return;
	k = malloc(db->n * sizeof(*k));
	sorted = malloc(db->n * sizeof(*sorted));
	if (!k || !sorted) {
		/* no room for the keys: the plain sort, slower, same order */
		free(k);
		free(sorted);
		qsort(db->adv, db->n, sizeof(*db->adv), adv_qsort_cmp);
		return;
	}
	for (size_t i = 0; i < db->n; i++) {
		const unsigned char *p = (const unsigned char *)db->adv[i].package;
		uint64_t v = 0;
		int end = 0;
		for (size_t j = 0; j < 8; j++) {
			end = end || !p[j];
			v = v << 8 | (end ? 0 : p[j]);
		}
		k[i].prefix = v;
		k[i].adv = &db->adv[i];
	}
	qsort(k, db->n, sizeof(*k), key_cmp);
	for (size_t i = 0; i < db->n; i++)
		sorted[i] = *k[i].adv;
	free(db->adv);
	db->adv = sorted;
	db->size = db->n;
	free(k);
}

void audit_db_fini(struct audit_db *db)
{
	for (size_t i = 0; i < db->n; i++)
		adv_free(&db->adv[i]);
	free(db->adv);
	memset(db, 0, sizeof(*db));
}
