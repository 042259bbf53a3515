/*
 * cvss.c — CVSS scores from vector strings: v3.0/v3.1 base, temporal and environmental
 * scores with the specification's formulas and Roundup (FIRST CVSS v3.1 specification,
 * sections 7 and Appendix A), and the v4.0 score (CVSS-B/BT/BE/BTE) by MacroVector
 * interpolation as the specification's reference calculator does, with its data tables in
 * cvss40.def.  Vectors are hostile input: every metric is checked, duplicates and unknown
 * metrics are refused with a reason naming the metric.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/i18n.h"

/* ---- parsing shared by both versions --------------------------------------------------- */

struct metric_def {
	const char *name;
	const char *values; /* one letter per allowed value; "X" only where allowed */
	int mandatory;
};

/* Parse "CVSS:x.y/M:V/..." against defs; out[i] is the value letter (0 when absent).  For
 * v4.0's supplemental U metric the value is a word (Clear, Green, Amber, Red): stored 'u'. */
static int parse_vector(const char *vec, const char *prefix, const struct metric_def *defs,
			size_t ndefs, char *out, struct verr *e)
{
	const char *p;
	size_t plen = strlen(prefix);

	memset(out, 0, ndefs);
	if (!vec || strncmp(vec, prefix, plen))
		return verr_set(e, V_ERR_INVALID, "vector", _("does not start with '%s'"),
				prefix);
	p = vec + plen;
	while (*p) {
		const char *colon, *end;
		size_t i, nlen, vlen;

		if (*p != '/')
			return verr_set(e, V_ERR_INVALID, "vector",
					_("expected '/' at offset %zu"), (size_t)(p - vec));
		p++;
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		colon = memchr(p, ':', (size_t)(end - p));
		if (!colon || colon == p || colon + 1 == end)
			return verr_set(e, V_ERR_INVALID, "vector",
					_("'%.*s' is not METRIC:VALUE"), (int)(end - p), p);
		nlen = (size_t)(colon - p);
		vlen = (size_t)(end - colon - 1);
		for (i = 0; i < ndefs; i++)
			if (strlen(defs[i].name) == nlen && !memcmp(defs[i].name, p, nlen))
				break;
		if (i == ndefs)
			return verr_set(e, V_ERR_INVALID, "vector", _("unknown metric '%.*s'"),
					(int)nlen, p);
		if (out[i])
			return verr_set(e, V_ERR_INVALID, defs[i].name,
					_("metric given twice"));
		if (!strcmp(defs[i].name, "U") && !strncmp(prefix, "CVSS:4", 6)) {
			static const char *const words[] = { "X", "Clear", "Green", "Amber",
							     "Red" };
			size_t w;
			for (w = 0; w < 5; w++)
				if (strlen(words[w]) == vlen && !memcmp(words[w], colon + 1, vlen))
					break;
			if (w == 5)
				return verr_set(e, V_ERR_INVALID, defs[i].name,
						_("value '%.*s' is not allowed"), (int)vlen,
						colon + 1);
			out[i] = 'u';
		} else {
			if (vlen != 1 || !strchr(defs[i].values, colon[1]))
				return verr_set(e, V_ERR_INVALID, defs[i].name,
						_("value '%.*s' is not allowed"), (int)vlen,
						colon + 1);
			out[i] = colon[1];
		}
		p = end;
	}
	for (size_t i = 0; i < ndefs; i++)
		if (defs[i].mandatory && !out[i])
			return verr_set(e, V_ERR_INVALID, defs[i].name,
					_("mandatory metric is missing"));
	return V_OK;
}

/* ---- CVSS v3.x ------------------------------------------------------------------------- */

enum { C3_AV, C3_AC, C3_PR, C3_UI, C3_S, C3_C, C3_I, C3_A, C3_E, C3_RL, C3_RC, C3_CR, C3_IR, C3_AR,
       C3_MAV, C3_MAC, C3_MPR, C3_MUI, C3_MS, C3_MC, C3_MI, C3_MA, C3_N31 };

static const struct metric_def defs31[C3_N31] = {
	{ "AV", "NALP", 1 }, { "AC", "LH", 1 }, { "PR", "NLH", 1 }, { "UI", "NR", 1 },
	{ "S", "UC", 1 }, { "C", "HLN", 1 }, { "I", "HLN", 1 }, { "A", "HLN", 1 },
	{ "E", "XUPFH", 0 }, { "RL", "XOTWU", 0 }, { "RC", "XURC", 0 },
	{ "CR", "XLMH", 0 }, { "IR", "XLMH", 0 }, { "AR", "XLMH", 0 },
	{ "MAV", "XNALP", 0 }, { "MAC", "XLH", 0 }, { "MPR", "XNLH", 0 }, { "MUI", "XNR", 0 },
	{ "MS", "XUC", 0 }, { "MC", "XHLN", 0 }, { "MI", "XHLN", 0 }, { "MA", "XHLN", 0 },
};

/* Roundup as the v3.1 specification's Appendix A defines it (free of float artefacts). */
static double roundup(double x)
{
	long long i = llround(x * 100000.0);
	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (floor((double)i / 10000.0) + 1.0) / 10.0;
}

static double w_av(char c) { return c == 'N' ? 0.85 : c == 'A' ? 0.62 : c == 'L' ? 0.55 : 0.2; }
static double w_ac(char c) { return c == 'L' ? 0.77 : 0.44; }
static double w_ui(char c) { return c == 'N' ? 0.85 : 0.62; }
static double w_cia(char c) { return c == 'H' ? 0.56 : c == 'L' ? 0.22 : 0; }
static double w_pr(char c, int changed)
{
	if (c == 'N')
		return 0.85;
	if (c == 'L')
		return changed ? 0.68 : 0.62;
	return changed ? 0.5 : 0.27;
}
static double w_req(char c) { return c == 'H' ? 1.5 : c == 'L' ? 0.5 : 1.0; }
static double w_e(char c)
{
	return c == 'U' ? 0.91 : c == 'P' ? 0.94 : c == 'F' ? 0.97 : 1.0;
}
static double w_rl(char c)
{
	return c == 'O' ? 0.95 : c == 'T' ? 0.96 : c == 'W' ? 0.97 : 1.0;
}
static double w_rc(char c) { return c == 'U' ? 0.92 : c == 'R' ? 0.96 : 1.0; }

/* the modified metric's value, or the base metric's when it is absent or X */
static char mod(const char *m, int mi, int bi)
{
	return m[mi] && m[mi] != 'X' ? m[mi] : m[bi];
}

int audit_cvss3(const char *vector, struct audit_cvss3 *out, struct verr *e)
{
	char m[C3_N31];
	int rc, changed, mchanged;
	double iss, impact, expl, base, tmul, miss, mimpact, mexpl, env;

	memset(out, 0, sizeof(*out));
	if (vector && !strncmp(vector, "CVSS:3.0/", 9))
		rc = parse_vector(vector, "CVSS:3.0", defs31, C3_N31, m, e);
	else
		rc = parse_vector(vector, "CVSS:3.1", defs31, C3_N31, m, e);
	if (rc != V_OK)
		return rc;
	changed = m[C3_S] == 'C';
	iss = 1 - (1 - w_cia(m[C3_C])) * (1 - w_cia(m[C3_I])) * (1 - w_cia(m[C3_A]));
	impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	expl = 8.22 * w_av(m[C3_AV]) * w_ac(m[C3_AC]) * w_pr(m[C3_PR], changed) * w_ui(m[C3_UI]);
	if (impact <= 0)
		base = 0;
	else if (changed)
		base = roundup(fmin(1.08 * (impact + expl), 10));
	else
		base = roundup(fmin(impact + expl, 10));
	tmul = w_e(m[C3_E]) * w_rl(m[C3_RL]) * w_rc(m[C3_RC]);

	mchanged = mod(m, C3_MS, C3_S) == 'C';
	miss = fmin(1 - (1 - w_req(m[C3_CR]) * w_cia(mod(m, C3_MC, C3_C))) *
				(1 - w_req(m[C3_IR]) * w_cia(mod(m, C3_MI, C3_I))) *
				(1 - w_req(m[C3_AR]) * w_cia(mod(m, C3_MA, C3_A))),
		    0.915);
	mimpact = mchanged ? 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13)
			   : 6.42 * miss;
	mexpl = 8.22 * w_av(mod(m, C3_MAV, C3_AV)) * w_ac(mod(m, C3_MAC, C3_AC)) *
		w_pr(mod(m, C3_MPR, C3_PR), mchanged) * w_ui(mod(m, C3_MUI, C3_UI));
	if (mimpact <= 0)
		env = 0;
	else if (mchanged)
		env = roundup(roundup(fmin(1.08 * (mimpact + mexpl), 10)) * tmul);
	else
		env = roundup(roundup(fmin(mimpact + mexpl, 10)) * tmul);
	out->base = base;
	out->temporal = roundup(base * tmul);
	out->environmental = env;
	return V_OK;
}

/* ---- CVSS v4.0 ------------------------------------------------------------------------- */

enum { C4_AV, C4_AC, C4_AT, C4_PR, C4_UI, C4_VC, C4_VI, C4_VA, C4_SC, C4_SI, C4_SA, C4_E, C4_CR, C4_IR,
       C4_AR, C4_MAV, C4_MAC, C4_MAT, C4_MPR, C4_MUI, C4_MVC, C4_MVI, C4_MVA, C4_MSC, C4_MSI, C4_MSA,
       C4_S, C4_AU, C4_R, C4_V, C4_RE, C4_U, C4_N40 };

static const struct metric_def defs40[C4_N40] = {
	{ "AV", "NALP", 1 }, { "AC", "LH", 1 }, { "AT", "NP", 1 }, { "PR", "NLH", 1 },
	{ "UI", "NPA", 1 }, { "VC", "HLN", 1 }, { "VI", "HLN", 1 }, { "VA", "HLN", 1 },
	{ "SC", "HLN", 1 }, { "SI", "HLN", 1 }, { "SA", "HLN", 1 }, { "E", "XAPU", 0 },
	{ "CR", "XHML", 0 }, { "IR", "XHML", 0 }, { "AR", "XHML", 0 },
	{ "MAV", "XNALP", 0 }, { "MAC", "XLH", 0 }, { "MAT", "XNP", 0 }, { "MPR", "XNLH", 0 },
	{ "MUI", "XNPA", 0 }, { "MVC", "XHLN", 0 }, { "MVI", "XHLN", 0 }, { "MVA", "XHLN", 0 },
	{ "MSC", "XHLN", 0 }, { "MSI", "XSHLN", 0 }, { "MSA", "XSHLN", 0 },
	{ "S", "XNP", 0 }, { "AU", "XNY", 0 }, { "R", "XAUI", 0 }, { "V", "XDC", 0 },
	{ "RE", "XLMH", 0 }, { "U", "", 0 },
};

struct lookup40 {
	const char *macro;
	double score;
};
static const struct lookup40 lookup40[] = {
#define CVSS40_LOOKUP(m, s) { m, s },
#define CVSS40_MAX_COMPOSED(eq, lvl, eq6, v)
#define CVSS40_MAX_SEVERITY(eq, lvl, eq6, d)
#include "audit/cvss40.def"
#undef CVSS40_LOOKUP
#undef CVSS40_MAX_COMPOSED
#undef CVSS40_MAX_SEVERITY
};

struct maxvec40 {
	int eq, level, eq6;
	const char *vec;
};
static const struct maxvec40 maxvec40[] = {
#define CVSS40_LOOKUP(m, s)
#define CVSS40_MAX_COMPOSED(eq, lvl, eq6, v) { eq, lvl, eq6, v },
#define CVSS40_MAX_SEVERITY(eq, lvl, eq6, d)
#include "audit/cvss40.def"
#undef CVSS40_LOOKUP
#undef CVSS40_MAX_COMPOSED
#undef CVSS40_MAX_SEVERITY
};

struct maxsev40 {
	int eq, level, eq6, depth;
};
static const struct maxsev40 maxsev40[] = {
#define CVSS40_LOOKUP(m, s)
#define CVSS40_MAX_COMPOSED(eq, lvl, eq6, v)
#define CVSS40_MAX_SEVERITY(eq, lvl, eq6, d) { eq, lvl, eq6, d },
#include "audit/cvss40.def"
#undef CVSS40_LOOKUP
#undef CVSS40_MAX_COMPOSED
#undef CVSS40_MAX_SEVERITY
};

/* score of a MacroVector given as six levels; NAN when it does not exist.  The table is
 * indexed by the six digits once (levels: 3, 2, 3, 3, 3, 2 values). */
static double lookup(const int eq[6])
{
	static const int radix[6] = { 3, 2, 3, 3, 3, 2 };
	static double table[3 * 2 * 3 * 3 * 3 * 2];
	static int ready;
	int idx = 0;

	if (!ready) {
		for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			table[i] = NAN;
		for (size_t i = 0; i < sizeof(lookup40) / sizeof(lookup40[0]); i++) {
			int k = 0;
			for (int d = 0; d < 6; d++)
				k = k * radix[d] + (lookup40[i].macro[d] - '0');
			table[k] = lookup40[i].score;
		}
		ready = 1;
	}
	for (int i = 0; i < 6; i++) {
		if (eq[i] < 0 || eq[i] >= radix[i])
			return NAN;
		idx = idx * radix[i] + eq[i];
	}
	return table[idx];
}

static int max_severity(int eq, int level, int eq6)
{
	for (size_t i = 0; i < sizeof(maxsev40) / sizeof(maxsev40[0]); i++)
		if (maxsev40[i].eq == eq && maxsev40[i].level == level &&
		    (eq != 3 || maxsev40[i].eq6 == eq6))
			return maxsev40[i].depth;
	return 0;
}

/* The level (in tenths) of a metric value, as the reference calculator's METRIC_LEVELS. */
static int level40(const char *metric, char v)
{
	static const struct {
		const char *m, *order;
		int first;
	} lv[] = {
		{ "AV", "NALP", 0 }, { "PR", "NLH", 0 }, { "UI", "NPA", 0 }, { "AC", "LH", 0 },
		{ "AT", "NP", 0 }, { "VC", "HLN", 0 }, { "VI", "HLN", 0 }, { "VA", "HLN", 0 },
		{ "SC", "HLN", 1 }, { "SI", "SHLN", 0 }, { "SA", "SHLN", 0 }, { "CR", "HML", 0 },
		{ "IR", "HML", 0 }, { "AR", "HML", 0 }, { "E", "APU", 0 },
	};
	for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		if (strcmp(lv[i].m, metric))
			continue;
		const char *p = strchr(lv[i].order, v);
		return p && v ? (int)(p - lv[i].order) + lv[i].first : 0;
	}
	return 0;
}

/* The effective value of a metric: the environmental override when given, worst case
 * defaults for E and the security requirements. */
static char eff40(const char *m, int i)
{
	static const int modified[C4_N40] = {
		[C4_AV] = C4_MAV, [C4_AC] = C4_MAC, [C4_AT] = C4_MAT, [C4_PR] = C4_MPR, [C4_UI] = C4_MUI,
		[C4_VC] = C4_MVC, [C4_VI] = C4_MVI, [C4_VA] = C4_MVA, [C4_SC] = C4_MSC, [C4_SI] = C4_MSI,
		[C4_SA] = C4_MSA,
	};
	char v = m[i];

	if ((i == C4_E) && (!v || v == 'X'))
		return 'A';
	if ((i == C4_CR || i == C4_IR || i == C4_AR) && (!v || v == 'X'))
		return 'H';
	if (i <= C4_SA && modified[i] && m[modified[i]] && m[modified[i]] != 'X')
		return m[modified[i]];
	return v;
}

/* The value of metric in a max vector "AV:N/PR:N/UI:N/"; 0 when absent. */
static char maxvec_value(const char *vec, const char *metric)
{
	size_t n = strlen(metric);
	const char *p = vec;

	while (*p) {
		if (!strncmp(p, metric, n) && p[n] == ':')
			return p[n + 1];
		p = strchr(p, '/');
		if (!p)
			break;
		p++;
	}
	return 0;
}

static const char *const dist_metrics[] = { "AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA",
					    "SC", "SI", "SA", "CR", "IR", "AR" };
static const int dist_index[] = { C4_AV, C4_PR, C4_UI, C4_AC, C4_AT, C4_VC, C4_VI, C4_VA,
				  C4_SC, C4_SI, C4_SA, C4_CR, C4_IR, C4_AR };

int audit_cvss4(const char *vector, struct audit_cvss4 *out, struct verr *e)
{
	char m[C4_N40], v[C4_N40];
	int rc, eq[6], nx[6];
	double value, next[5], mean = 0;
	int dist[14], found = 0, nlower = 0;
	const char *maxes[5][8];
	size_t nmax[5] = { 0 };

	memset(out, 0, sizeof(*out));
	if ((rc = parse_vector(vector, "CVSS:4.0", defs40, C4_N40, m, e)) != V_OK)
		return rc;
	for (int i = 0; i < C4_N40; i++)
		v[i] = eff40(m, i);

	if (v[C4_AV] == 'N' && v[C4_PR] == 'N' && v[C4_UI] == 'N')
		eq[0] = 0;
	else if ((v[C4_AV] == 'N' || v[C4_PR] == 'N' || v[C4_UI] == 'N') && v[C4_AV] != 'P')
		eq[0] = 1;
	else
		eq[0] = 2;
	eq[1] = v[C4_AC] == 'L' && v[C4_AT] == 'N' ? 0 : 1;
	if (v[C4_VC] == 'H' && v[C4_VI] == 'H')
		eq[2] = 0;
	else if (v[C4_VC] == 'H' || v[C4_VI] == 'H' || v[C4_VA] == 'H')
		eq[2] = 1;
	else
		eq[2] = 2;
	if (m[C4_MSI] == 'S' || m[C4_MSA] == 'S')
		eq[3] = 0;
	else if (v[C4_SC] == 'H' || v[C4_SI] == 'H' || v[C4_SA] == 'H')
		eq[3] = 1;
	else
		eq[3] = 2;
	eq[4] = v[C4_E] == 'A' ? 0 : v[C4_E] == 'P' ? 1 : 2;
	eq[5] = (v[C4_CR] == 'H' && v[C4_VC] == 'H') || (v[C4_IR] == 'H' && v[C4_VI] == 'H') ||
			(v[C4_AR] == 'H' && v[C4_VA] == 'H')
		? 0
		: 1;
	for (int i = 0; i < 6; i++)
		out->macro[i] = (char)('0' + eq[i]);
	out->macro[6] = 0;

	if (v[C4_VC] == 'N' && v[C4_VI] == 'N' && v[C4_VA] == 'N' && v[C4_SC] == 'N' &&
	    v[C4_SI] == 'N' && v[C4_SA] == 'N') {
		out->score = 0;
		return V_OK;
	}
	value = lookup(eq);
	if (isnan(value))
		return verr_set(e, V_ERR_INVALID, "vector", _("MacroVector %s has no score"),
				out->macro);

	/* the next lower MacroVector of each equivalence set */
	for (int k = 0; k < 5; k++) {
		memcpy(nx, eq, sizeof(nx));
		if (k == 2) {
			if (eq[2] == 0 && eq[5] == 0) {
				double l, r;
				nx[5]++;
				l = lookup(nx);
				nx[5]--;
				nx[2]++;
				r = lookup(nx);
				next[k] = l > r ? l : r; /* NaN compares false: as JS */
				continue;
			} else if (eq[2] == 1 && eq[5] == 0) {
				nx[5]++;
			} else if (eq[2] == 2 && eq[5] == 1) {
				nx[2]++;
				nx[5]++;
			} else {
				nx[2]++;
			}
		} else {
			nx[k == 3 ? 3 : k == 4 ? 4 : k]++;
		}
		next[k] = lookup(nx);
	}

	/* the highest-severity vectors of this MacroVector */
	for (size_t i = 0; i < sizeof(maxvec40) / sizeof(maxvec40[0]); i++) {
		const struct maxvec40 *x = &maxvec40[i];
		int slot = x->eq == 1 ? 0 : x->eq == 2 ? 1 : x->eq == 3 ? 2 : x->eq == 4 ? 3 : 4;
		int lvl = eq[slot == 2 ? 2 : slot == 3 ? 3 : slot == 4 ? 4 : slot];
		if (x->level != lvl || (x->eq == 3 && x->eq6 != eq[5]))
			continue;
		if (nmax[slot] < 8)
			maxes[slot][nmax[slot]++] = x->vec;
	}
	/* the first composition that is not less severe than the vector in every metric */
	for (size_t a = 0; a < nmax[0] && !found; a++)
		for (size_t b = 0; b < nmax[1] && !found; b++)
			for (size_t c = 0; c < nmax[2] && !found; c++)
				for (size_t d = 0; d < nmax[3] && !found; d++)
					for (size_t f = 0; f < nmax[4] && !found; f++) {
						const char *parts[5] = { maxes[0][a], maxes[1][b],
									 maxes[2][c], maxes[3][d],
									 maxes[4][f] };
						int neg = 0;
						for (int i = 0; i < 14; i++) {
							char mv = 0;
							for (int p = 0; p < 5 && !mv; p++)
								mv = maxvec_value(parts[p],
										  dist_metrics[i]);
							dist[i] = level40(dist_metrics[i],
									  v[dist_index[i]]) -
								  level40(dist_metrics[i], mv);
							if (dist[i] < 0)
								neg = 1;
						}
						found = !neg;
					}
	if (found) {
		/* distances in tenths: eq1 AV+PR+UI, eq2 AC+AT, eq3eq6 VC+VI+VA+CR+IR+AR,
		 * eq4 SC+SI+SA; eq5 contributes nothing */
		double cur[4] = { dist[0] + dist[1] + dist[2], dist[3] + dist[4],
				  dist[5] + dist[6] + dist[7] + dist[11] + dist[12] + dist[13],
				  dist[8] + dist[9] + dist[10] };
		int depth[4] = { max_severity(1, eq[0], -1), max_severity(2, eq[1], -1),
				 max_severity(3, eq[2], eq[5]), max_severity(4, eq[3], -1) };
		double sum = 0;
		for (int k = 0; k < 4; k++) {
			if (isnan(next[k]))
				continue;
			nlower++;
			if (depth[k])
				sum += (value - next[k]) * (cur[k] / depth[k]);
		}
		if (!isnan(next[4]))
			nlower++;
		mean = nlower ? sum / nlower : 0;
	}
	value -= mean;
	if (value < 0)
		value = 0;
	if (value > 10)
		value = 10;
	out->score = floor((value + 1e-6) * 10 + 0.5) / 10;
	return V_OK;
}

const char *audit_cvss_severity(double score)
{
	if (score <= 0)
		return "none";
	if (score < 4.0)
		return "low";
	if (score < 7.0)
		return "medium";
	if (score < 9.0)
		return "high";
	return "critical";
}

int audit_cvss_score(const char *vector, double *score, struct verr *e)
{
	int rc;

	*score = 0;
	if (vector && !strncmp(vector, "CVSS:4.0/", 9)) {
		struct audit_cvss4 c4;
		if ((rc = audit_cvss4(vector, &c4, e)) == V_OK)
			*score = c4.score;
		return rc;
	}
	struct audit_cvss3 c3;
	if ((rc = audit_cvss3(vector, &c3, e)) == V_OK)
		*score = c3.base;
	return rc;
}
