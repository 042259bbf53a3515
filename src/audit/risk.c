/*
 * risk.c — the risk register of an organisation (docs/risk.md).  For each asset and each
 * threat of the catalogue that applies to the asset's type:
 *
 *   initiation likelihood  the threat's (Table G-2/G-3), lowered by safeguards
 *   adverse likelihood     Table G-4, from the vulnerabilities the CSIRT found on the asset:
 *                          none known → low; else the worst finding's level (CVSS rating)
 *   overall likelihood     Table G-5 (initiation × adverse)
 *   impact                 the asset's highest value among the dimensions the threat
 *                          degrades (Table H-3 levels), lowered by safeguards
 *   level of risk          Table I-2 (overall likelihood × impact)
 *
 * Potential risk uses no safeguard; residual risk uses the declared ones.  NIST SP 800-30
 * Rev.1 tables as in ../shared/corpus/risk/METHOD.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "audit/risk.h"
#include "base/i18n.h"
#include "ingest/ingest.h"

int risk_level_parse(const char *s, size_t n)
{
	static const char *const names[] = { "VL", "L", "M", "H", "VH" };
	while (n && *s == ' ')
		s++, n--;
	while (n && s[n - 1] == ' ')
		n--;
	for (int i = 0; i < 5; i++)
		if (strlen(names[i]) == n && !strncasecmp(s, names[i], n))
			return i;
	if (n == 1 && *s >= '1' && *s <= '5')
		return *s - '1';
	return -1;
}

const char *risk_level_name(int l)
{
	static const char *const names[] = { "very low", "low", "moderate", "high", "very high" };
	return l >= 0 && l <= 4 ? names[l] : "?";
}

int risk_level_value(int l)
{
	static const int v[] = { 0, 2, 5, 8, 10 };
	return l >= 0 && l <= 4 ? v[l] : 0;
}

/* Table G-5: rows initiation likelihood VL..VH, columns likelihood of adverse impact VL..VH */
int risk_overall_likelihood(int init, int adverse)
{
	static const int g5[5][5] = {
		{ RISK_VL, RISK_VL, RISK_L, RISK_L, RISK_L },  /* VL */
		{ RISK_VL, RISK_L, RISK_L, RISK_M, RISK_M },   /* L */
		{ RISK_L, RISK_L, RISK_M, RISK_M, RISK_H },    /* M */
		{ RISK_L, RISK_M, RISK_M, RISK_H, RISK_VH },   /* H */
		{ RISK_L, RISK_M, RISK_H, RISK_VH, RISK_VH },  /* VH */
	};
	return g5[init < 0 ? 0 : init > 4 ? 4 : init][adverse < 0 ? 0 : adverse > 4 ? 4 : adverse];
}

/* Table I-2: rows overall likelihood VL..VH, columns impact VL..VH */
int risk_level_of(int lik, int imp)
{
	static const int i2[5][5] = {
		{ RISK_VL, RISK_VL, RISK_VL, RISK_L, RISK_L }, /* VL */
		{ RISK_VL, RISK_L, RISK_L, RISK_L, RISK_M },   /* L */
		{ RISK_VL, RISK_L, RISK_M, RISK_M, RISK_H },   /* M */
		{ RISK_VL, RISK_L, RISK_M, RISK_H, RISK_VH },  /* H */
		{ RISK_VL, RISK_L, RISK_M, RISK_H, RISK_VH },  /* VH */
	};
	return i2[lik < 0 ? 0 : lik > 4 ? 4 : lik][imp < 0 ? 0 : imp > 4 ? 4 : imp];
}

static char *fdup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static void bad_row(audit_bad_fn bad, void *arg, const char *name, long line, const char *field,
		    const char *reason)
{
	struct verr e = { 0 };
	verr_set(&e, V_ERR_PARSE, field, "%s", reason);
	e.file = name;
	e.line = line;
	if (bad)
		bad(arg, &e);
}

/* Call row(arg, fields, line) for each non-comment line split by delim (CSV quoting). */
static int each_row(const char *data, size_t len, char delim, int header,
		    int (*row)(void *, const struct csv_row *, long), void *arg)
{
	struct csv_row r;
	const char *p = data, *end = data + len;
	long line = 0;
	int rc = V_OK;

	csv_row_init(&r);
	while (p < end && rc == V_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n && *p != '#' && !(header && line == 1)) {
			if (csv_split(&r, p, n, delim, '"') == V_OK)
				rc = row(arg, &r, line);
			else
				rc = row(arg, NULL, line);
		}
		p = nl ? nl + 1 : end;
	}
	csv_row_fini(&r);
	return rc;
}

struct load_ctx {
	struct risk_model *m;
	const char *name;
	audit_bad_fn bad;
	void *arg;
};

static int threat_row(void *x, const struct csv_row *r, long line)
{
	struct load_ctx *c = x;
	struct risk_model *m = c->m;
	int lik;

	if (!r || r->n < 7 || (lik = risk_level_parse(r->f[5], r->len[5])) < 0) {
		bad_row(c->bad, c->arg, c->name, line, "",
			_("a threat needs code, Spanish name, English name, asset types, dimensions, "
			  "likelihood (VL..VH) and finding kinds"));
		return V_OK;
	}
	struct risk_threat *nt = realloc(m->t, (m->nt + 1) * sizeof(*nt));
	if (!nt)
		return V_ERR_NOMEM;
	m->t = nt;
	struct risk_threat *t = &m->t[m->nt];
	memset(t, 0, sizeof(*t));
	t->code = fdup(r->f[0], r->len[0]);
	t->name_es = fdup(r->f[1], r->len[1]);
	t->name_en = fdup(r->f[2], r->len[2]);
	t->types = fdup(r->f[3], r->len[3]);
	t->dims = fdup(r->f[4], r->len[4]);
	t->likelihood = lik;
	t->by_packages = memmem(r->f[6], r->len[6], "packages", 8) != NULL;
	t->by_web = memmem(r->f[6], r->len[6], "web", 3) != NULL;
	if (!t->code || !t->name_es || !t->name_en || !t->types || !t->dims)
		return V_ERR_NOMEM; /* the partial entry is not counted; fini frees nothing of it */
	m->nt++;
	return V_OK;
}

int risk_threats_load(struct risk_model *m, const char *name, const char *data, size_t len,
		      audit_bad_fn bad, void *arg)
{
	struct load_ctx c = { m, name, bad, arg };
	return each_row(data, len, '\t', 0, threat_row, &c);
}

static int asset_row(void *x, const struct csv_row *r, long line)
{
	struct load_ctx *c = x;
	struct risk_model *m = c->m;
	int v[3];

	if (!r || r->n < 7 || !r->len[0] || !r->len[1] || !r->len[2]) {
		bad_row(c->bad, c->arg, c->name, line, "",
			_("an asset needs org, asset, type, owner, c, i, a (and host)"));
		return V_OK;
	}
	for (int k = 0; k < 3; k++)
		if ((v[k] = risk_level_parse(r->f[4 + k], r->len[4 + k])) < 0) {
			bad_row(c->bad, c->arg, c->name, line, k == 0 ? "c" : k == 1 ? "i" : "a",
				_("a value must be VL, L, M, H, VH or 1 to 5"));
			return V_OK;
		}
	struct risk_asset *na = realloc(m->a, (m->na + 1) * sizeof(*na));
	if (!na)
		return V_ERR_NOMEM;
	m->a = na;
	struct risk_asset *a = &m->a[m->na];
	memset(a, 0, sizeof(*a));
	a->org = fdup(r->f[0], r->len[0]);
	a->name = fdup(r->f[1], r->len[1]);
	a->type = fdup(r->f[2], r->len[2]);
	a->owner = fdup(r->f[3], r->len[3]);
	a->host = r->n > 7 ? fdup(r->f[7], r->len[7]) : fdup("", 0);
	a->c = v[0];
	a->i = v[1];
	a->a = v[2];
	a->vuln[0] = a->vuln[1] = -1;
	if (!a->org || !a->name || !a->type || !a->owner || !a->host)
		return V_ERR_NOMEM;
	m->na++;
	return V_OK;
}

int risk_assets_load(struct risk_model *m, const char *name, const char *data, size_t len,
		     audit_bad_fn bad, void *arg)
{
	struct load_ctx c = { m, name, bad, arg };
	return each_row(data, len, ',', 1, asset_row, &c);
}

static int safeguard_row(void *x, const struct csv_row *r, long line)
{
	struct load_ctx *c = x;
	struct risk_model *m = c->m;
	char *end;
	long dl, di;

	if (!r || r->n < 5 || !r->len[0] || !r->len[1]) {
		bad_row(c->bad, c->arg, c->name, line, "",
			_("a safeguard needs asset, threat, likelihood, impact, safeguard"));
		return V_OK;
	}
	char tmp[16];
	snprintf(tmp, sizeof(tmp), "%.*s", (int)(r->len[2] < 15 ? r->len[2] : 15), r->f[2]);
	dl = strtol(tmp, &end, 10);
	if (*end || dl < 0 || dl > 4) {
		bad_row(c->bad, c->arg, c->name, line, "likelihood",
			_("levels taken off must be 0 to 4"));
		return V_OK;
	}
	snprintf(tmp, sizeof(tmp), "%.*s", (int)(r->len[3] < 15 ? r->len[3] : 15), r->f[3]);
	di = strtol(tmp, &end, 10);
	if (*end || di < 0 || di > 4) {
		bad_row(c->bad, c->arg, c->name, line, "impact", _("levels taken off must be 0 to 4"));
		return V_OK;
	}
	struct risk_safeguard *ns = realloc(m->s, (m->ns + 1) * sizeof(*ns));
	if (!ns)
		return V_ERR_NOMEM;
	m->s = ns;
	struct risk_safeguard *s = &m->s[m->ns];
	s->asset = fdup(r->f[0], r->len[0]);
	s->threat = fdup(r->f[1], r->len[1]);
	s->text = fdup(r->f[4], r->len[4]);
	s->less_likelihood = (int)dl;
	s->less_impact = (int)di;
	if (!s->asset || !s->threat || !s->text) {
		free(s->asset);
		free(s->threat);
		free(s->text);
		return V_ERR_NOMEM;
	}
	m->ns++;
	return V_OK;
}

int risk_safeguards_load(struct risk_model *m, const char *name, const char *data, size_t len,
			 audit_bad_fn bad, void *arg)
{
	struct load_ctx c = { m, name, bad, arg };
	return each_row(data, len, ',', 1, safeguard_row, &c);
}

static int sev_level(const char *s)
{
	if (!s)
		return RISK_M;
	if (!strcasecmp(s, "critical"))
		return RISK_VH;
	if (!strcasecmp(s, "high"))
		return RISK_H;
	if (!strcasecmp(s, "medium") || !strcasecmp(s, "moderate"))
		return RISK_M;
	if (!strcasecmp(s, "low") || !strcasecmp(s, "info") || !strcasecmp(s, "unimportant"))
		return RISK_L;
	return RISK_M; /* an unrated vulnerability: moderate */
}

static void link(struct risk_model *m, const char *host, size_t hl, int kind, int level)
{
	for (size_t i = 0; i < m->na; i++) {
		struct risk_asset *a = &m->a[i];
		if (!a->host[0] || strlen(a->host) != hl || strncasecmp(a->host, host, hl))
			continue;
		a->nvuln[kind]++;
		if (level > a->vuln[kind])
			a->vuln[kind] = level;
	}
}

int risk_findings_load(struct risk_model *m, const char *name, const char *data, size_t len,
		       struct verr *e)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, 0, &je), *f;
	size_t i;
	int rc;

	if (!j) {
		rc = verr_set(e, V_ERR_PARSE, "", _("not JSON: %s"), je.text);
		e->file = name;
		e->line = je.line;
		return rc;
	}
	if (json_is_object(j) && json_object_get(j, "fix_available")) {
		/* vigia audit packages --json */
		const char *host = json_string_value(json_object_get(j, "host"));
		const char *keys[] = { "fix_available", "no_fix_yet" };
		if (!host) {
			json_decref(j);
			rc = verr_set(e, V_ERR_PARSE, "host",
				      _("the packages report names no host (run vigia audit "
					"packages with --host)"));
			e->file = name;
			return rc;
		}
		for (int k = 0; k < 2; k++)
			json_array_foreach(json_object_get(j, keys[k]), i, f) {
				const char *sev = json_string_value(json_object_get(f, "severity"));
				int lvl = sev_level(sev);
				if (k == 1 && lvl < RISK_VH)
					lvl++; /* no fix yet: nothing to patch with */
				link(m, host, strlen(host), 0, lvl);
			}
	} else if (json_is_array(j)) {
		/* vigia audit web --json */
		json_array_foreach(j, i, f) {
			const char *url = json_string_value(json_object_get(f, "url"));
			const char *h = url ? strstr(url, "://") : NULL;
			json_t *x;
			size_t k;
			if (!h)
				continue;
			h += 3;
			size_t hl = strcspn(h, ":/?#");
			json_array_foreach(json_object_get(f, "exposures"), k, x)
				link(m, h, hl, 1, sev_level(json_string_value(json_object_get(x, "severity"))));
			const char *grade = json_string_value(json_object_get(f, "grade"));
			if (grade && (grade[0] == 'D' || grade[0] == 'F'))
				link(m, h, hl, 1, RISK_M); /* poor headers: a moderate weakness */
		}
	} else {
		json_decref(j);
		rc = verr_set(e, V_ERR_PARSE, "",
			      _("neither a vigia audit packages nor a vigia audit web JSON report"));
		e->file = name;
		return rc;
	}
	json_decref(j);
	return V_OK;
}

void risk_model_fini(struct risk_model *m)
{
	for (size_t i = 0; i < m->nt; i++) {
		free(m->t[i].code);
		free(m->t[i].name_es);
		free(m->t[i].name_en);
		free(m->t[i].types);
		free(m->t[i].dims);
	}
	for (size_t i = 0; i < m->na; i++) {
		free(m->a[i].org);
		free(m->a[i].name);
		free(m->a[i].type);
		free(m->a[i].owner);
		free(m->a[i].host);
	}
	for (size_t i = 0; i < m->ns; i++) {
		free(m->s[i].asset);
		free(m->s[i].threat);
		free(m->s[i].text);
	}
	free(m->t);
	free(m->a);
	free(m->s);
	memset(m, 0, sizeof(*m));
}

/* is token w in the comma list l ("*" matches everything) */
static int in_list(const char *l, const char *w)
{
	size_t n = strlen(w);
	if (!strcmp(l, "*"))
		return 1;
	for (const char *p = l; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && !strncasecmp(p, w, n))
			return 1;
		p += k;
		if (*p)
			p++;
	}
	return 0;
}

static int entry_cmp(const void *x, const void *y)
{
	const struct risk_entry *a = x, *b = y;
	if (a->res_level != b->res_level)
		return b->res_level - a->res_level;
	if (a->level != b->level)
		return b->level - a->level;
	int va = risk_level_value(a->res_likelihood) * risk_level_value(a->res_impact);
	int vb = risk_level_value(b->res_likelihood) * risk_level_value(b->res_impact);
	if (va != vb)
		return vb - va;
	int r = strcmp(a->asset->name, b->asset->name);
	return r ? r : strcmp(a->threat->code, b->threat->code);
}

int risk_assess(const struct risk_model *m, const char *org, struct risk_entry **out,
		size_t *n)
{
	struct risk_entry *e = NULL;
	size_t ne = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < m->na; i++) {
		const struct risk_asset *a = &m->a[i];
		if (strcasecmp(a->org, org))
			continue;
		for (size_t t = 0; t < m->nt; t++) {
			const struct risk_threat *th = &m->t[t];
			struct risk_entry x;
			int imp = -1;
			if (!in_list(th->types, a->type))
				continue;
			memset(&x, 0, sizeof(x));
			x.asset = a;
			x.threat = th;
			if (strchr(th->dims, 'C') && a->c > imp)
				imp = a->c;
			if (strchr(th->dims, 'I') && a->i > imp)
				imp = a->i;
			if (strchr(th->dims, 'A') && a->a > imp)
				imp = a->a;
			if (imp < 0)
				continue;
			x.initiation = th->likelihood;
			x.adverse = RISK_L; /* no vulnerability known */
			if (th->by_packages && a->vuln[0] > x.adverse)
				x.adverse = a->vuln[0];
			if (th->by_web && a->vuln[1] > x.adverse)
				x.adverse = a->vuln[1];
			x.likelihood = risk_overall_likelihood(x.initiation, x.adverse);
			x.impact = imp;
			x.level = risk_level_of(x.likelihood, x.impact);
			/* residual: the declared safeguards */
			int init = x.initiation, rimp = x.impact;
			size_t used = 0;
			for (size_t s = 0; s < m->ns; s++) {
				const struct risk_safeguard *sg = &m->s[s];
				if (strcasecmp(sg->asset, a->name) ||
				    (strcmp(sg->threat, "*") && strcasecmp(sg->threat, th->code)))
					continue;
				init -= sg->less_likelihood;
				rimp -= sg->less_impact;
				used += (size_t)snprintf(x.safeguards + used,
							 used < sizeof(x.safeguards) ?
								 sizeof(x.safeguards) - used : 0,
							 "%s%s", used ? "; " : "", sg->text);
				if (used >= sizeof(x.safeguards))
					used = sizeof(x.safeguards) - 1;
			}
			x.res_likelihood = risk_overall_likelihood(init < 0 ? 0 : init, x.adverse);
			x.res_impact = rimp < 0 ? 0 : rimp;
			x.res_level = risk_level_of(x.res_likelihood, x.res_impact);
			struct risk_entry *ne2 = realloc(e, (ne + 1) * sizeof(*ne2));
			if (!ne2) {
				free(e);
				return V_ERR_NOMEM;
			}
			e = ne2;
			e[ne++] = x;
		}
	}
	if (ne)
		qsort(e, ne, sizeof(*e), entry_cmp);
	*out = e;
	*n = ne;
	return V_OK;
}
