/*
 * match.c — which installed packages an advisory affects: the OSV "Evaluation" rules
 * (https://ossf.github.io/osv-schema/#evaluation) with the ecosystem's own version order,
 * applied to the SOURCE package and source version; the fixing version is the first
 * "fixed" event above the installed version (none: "no fix yet").
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"

static int vcmp(int family, const char *a, const char *b)
{
	return family == AUDIT_FAM_RPM ? audit_rpm_cmp(a, b) : audit_dpkg_cmp(a, b);
}

int audit_adv_affects(const struct audit_adv *adv, int family, const char *version,
		      const char **fixed)
{
	size_t rstart = 0;

	if (fixed)
		*fixed = NULL;
	for (size_t i = 0; i < adv->nversions; i++)
		if (!vcmp(family, adv->versions[i], version))
			return 1;
	for (size_t r = 0; r < adv->nrange; rstart = adv->range_end[r], r++) {
		size_t rend = adv->range_end[r];
		int affected = 0;

		/* the events are sorted: walk them as OSV's evaluation does */
		for (size_t i = rstart; i < rend; i++) {
			const struct audit_event *ev = &adv->ev[i];
			if (ev->kind == 'i') {
				if (!strcmp(ev->version, "0") || vcmp(family, version, ev->version) >= 0)
					affected = 1;
			} else if (ev->kind == 'f') {
				if (vcmp(family, version, ev->version) >= 0)
					affected = 0;
			} else if (vcmp(family, version, ev->version) > 0) {
				affected = 0;
			}
		}
		if (!affected)
			continue;
		for (size_t i = rstart; i < rend; i++)
			if (adv->ev[i].kind == 'f' && vcmp(family, version, adv->ev[i].version) < 0) {
				if (fixed)
					*fixed = adv->ev[i].version;
				break;
			}
		return 1;
	}
	return 0;
}

static int applies(const struct audit_inventory *inv, const struct audit_adv *a)
{
	if (a->family != inv->family)
		return 0;
	if (a->by_release)
		return !inv->release[0] || !strcmp(a->ecosystem, inv->release);
	if (inv->ecosystem[0])
		return !strcmp(a->ecosystem, inv->ecosystem);
	return 1;
}

int audit_match(const struct audit_inventory *inv, struct audit_db *db,
		struct audit_finding **out, size_t *n)
{
	struct audit_finding *f = NULL;
	size_t nf = 0, size = 0;

	*out = NULL;
	*n = 0;
	for (size_t p = 0; p < inv->n; p++) {
		const struct audit_pkg *pkg = &inv->pkg[p];
		size_t lo = 0, hi = db->n;
		/* the first advisory for this source package */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(db->adv[mid].package, pkg->source) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < db->n && !strcmp(db->adv[i].package, pkg->source); i++) {
			struct audit_adv *a = &db->adv[i];
			const char *fixed;
			if (!applies(inv, a) ||
			    !audit_adv_affects(a, inv->family, pkg->source_version, &fixed))
				continue;
			if (nf == size) {
				size_t ns = size ? size * 2 : 64;
				struct audit_finding *nfp = realloc(f, ns * sizeof(*nfp));
				if (!nfp) {
					free(f);
					return V_ERR_NOMEM;
				}
				f = nfp;
				size = ns;
			}
			audit_adv_score(a);
			f[nf].pkg = pkg;
			f[nf].adv = a;
			f[nf].fixed = fixed;
			nf++;
		}
	}
	*out = f;
	*n = nf;
	return V_OK;
}
