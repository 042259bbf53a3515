/*
 * risk.h — risk analysis per organisation (docs/risk.md): an asset register, a MAGERIT-style
 * threat catalogue (data/risk/threats.tsv), the CSIRT's findings linked to assets as
 * vulnerabilities, and NIST SP 800-30 Rev.1 five-level scales (Tables G-2/G-3 initiation,
 * G-4 adverse impact, G-5 overall likelihood, H-3 impact, I-2 level of risk); safeguards
 * lower likelihood or impact and give residual risk.
 */
#ifndef VIGIA_AUDIT_RISK_H
#define VIGIA_AUDIT_RISK_H

#include <stddef.h>

#include "audit/audit.h"

enum risk_level { RISK_VL = 0, RISK_L, RISK_M, RISK_H, RISK_VH };

/* "VL".."VH" → level; -1 when not a level.  Also accepts 1..5. */
int risk_level_parse(const char *s, size_t n);
const char *risk_level_name(int level);      /* "very low" .. "very high" (static, English) */
int risk_level_value(int level);             /* semi-quantitative: 0, 2, 5, 8, 10 */
int risk_overall_likelihood(int initiation, int adverse); /* Table G-5 */
int risk_level_of(int likelihood, int impact);            /* Table I-2 */

struct risk_threat {
	char *code, *name_es, *name_en, *types, *dims; /* owned */
	int likelihood;     /* initiation */
	int by_packages, by_web; /* findings of these kinds make it more likely */
};

struct risk_asset {
	char *org, *name, *type, *owner, *host; /* owned; host links findings ("" none) */
	int c, i, a;                            /* values, enum risk_level */
	int vuln[2];  /* worst finding linked: [0] packages, [1] web; -1 none (enum risk_level) */
	size_t nvuln[2];
};

struct risk_safeguard {
	char *asset, *threat, *text; /* owned; threat "*" for every threat */
	int less_likelihood, less_impact; /* levels taken off */
};

struct risk_model {
	struct risk_threat *t;
	size_t nt;
	struct risk_asset *a;
	size_t na;
	struct risk_safeguard *s;
	size_t ns;
};

struct risk_entry {
	const struct risk_asset *asset;   /* borrowed */
	const struct risk_threat *threat; /* borrowed */
	int initiation, adverse, likelihood, impact, level;      /* potential risk */
	int res_likelihood, res_impact, res_level;               /* residual risk */
	char safeguards[256]; /* what lowered it, "" none */
};

/* Readers: bad rows go to bad (counted by the caller) and are skipped.  V_OK or
 * V_ERR_NOMEM; the model owns what it read; release with risk_model_fini(). */
int risk_threats_load(struct risk_model *m, const char *name, const char *data, size_t len,
		      audit_bad_fn bad, void *arg);
/* CSV with a header: org,asset,type,owner,c,i,a,host (c/i/a: VL, L, M, H, VH or 1..5). */
int risk_assets_load(struct risk_model *m, const char *name, const char *data, size_t len,
		     audit_bad_fn bad, void *arg);
/* CSV with a header: asset,threat,likelihood,impact,safeguard (levels taken off). */
int risk_safeguards_load(struct risk_model *m, const char *name, const char *data, size_t len,
			 audit_bad_fn bad, void *arg);
/* Link the findings of a `vigia audit packages --json` or `vigia audit web --json` report to
 * the assets whose host it names.  V_OK, or V_ERR_PARSE when data is neither. */
int risk_findings_load(struct risk_model *m, const char *name, const char *data, size_t len,
		       struct verr *e);
void risk_model_fini(struct risk_model *m);

/* The risk register of organisation org: one entry per (asset, applicable threat), sorted by
 * residual level, then potential level, then value.  OUT: *out (caller frees), *n. */
int risk_assess(const struct risk_model *m, const char *org, struct risk_entry **out,
		size_t *n);

#endif
