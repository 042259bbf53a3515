/*
 * test_audit_cvss.c — CVSS scores: every row of ../shared/corpus/vuln/cvss31-vectors.tsv
 * (base, temporal, environmental) and cvss40-vectors.tsv (score and MacroVector), plus
 * vectors that must be refused with the metric named.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "tap.h"

static int same(double a, double b) { return fabs(a - b) < 0.001; }

static int rows_of(const char *path, int v4, int *bad)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	int rows = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *col[4] = { line, NULL, NULL, NULL };
		struct verr e = { 0 };
		int n = 1;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\r\n")] = 0;
		for (char *p = line; *p && n < 4; p++)
			if (*p == '\t') {
				*p = 0;
				col[n++] = p + 1;
			}
		rows++;
		if (v4) {
			struct audit_cvss4 c;
			int rc = audit_cvss4(col[0], &c, &e);
			if (rc != V_OK || !same(c.score, strtod(col[1], NULL)) ||
			    (col[2] && strcmp(c.macro, col[2]))) {
				(*bad)++;
				if (*bad < 10)
					printf("# %s: got %.1f %s (%s), want %s %s\n", col[0],
					       c.score, c.macro, e.reason, col[1],
					       col[2] ? col[2] : "");
			}
		} else {
			struct audit_cvss3 c;
			int rc = audit_cvss3(col[0], &c, &e);
			if (rc != V_OK || !same(c.base, strtod(col[1], NULL)) ||
			    !same(c.temporal, strtod(col[2], NULL)) ||
			    !same(c.environmental, strtod(col[3], NULL))) {
				(*bad)++;
				if (*bad < 10)
					printf("# %s: got %.1f %.1f %.1f (%s), want %s %s %s\n",
					       col[0], c.base, c.temporal, c.environmental,
					       e.reason, col[1], col[2], col[3]);
			}
		}
	}
	fclose(f);
	return rows;
}

int main(void)
{
	struct audit_cvss3 c3;
	struct audit_cvss4 c4;
	struct verr e = { 0 };
	int bad = 0, rows;
	double s;

	ok(audit_cvss3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &c3, &e) == V_OK &&
		   same(c3.base, 9.8),
	   "3.1: the classic 9.8");
	ok(audit_cvss3("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N", &c3, &e) == V_OK &&
		   same(c3.base, 5.9),
	   "3.0 vectors score with the same formulas");
	ok(audit_cvss3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", &c3, &e) == V_ERR_INVALID &&
		   !strcmp(e.field, "A"),
	   "3.1: a missing metric is named (%s: %s)", e.field, e.reason);
	ok(audit_cvss3("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &c3, &e) ==
		   V_ERR_INVALID,
	   "3.1: a metric given twice is refused (%s)", e.reason);
	ok(audit_cvss3("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &c3, &e) == V_ERR_INVALID,
	   "3.1: an unknown value is refused (%s)", e.reason);
	ok(audit_cvss3("AV:N/AC:L", &c3, &e) == V_ERR_INVALID, "3.1: no prefix, refused");
	ok(audit_cvss4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", &c4,
		       &e) == V_OK &&
		   same(c4.score, 9.3) && !strcmp(c4.macro, "000200"),
	   "4.0: the classic 9.3 (%.1f %s)", c4.score, c4.macro);
	ok(audit_cvss4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Purple",
		       &c4, &e) == V_ERR_INVALID,
	   "4.0: an unknown U value is refused (%s)", e.reason);
	ok(audit_cvss4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Red", &c4,
		       &e) == V_OK,
	   "4.0: U:Red is accepted");
	ok(audit_cvss4("CVSS:4.0/", &c4, &e) == V_ERR_INVALID, "4.0: empty vector refused");
	ok(audit_cvss_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", &s,
			    &e) == V_OK &&
		   s == 0,
	   "4.0: no impact scores 0");
	is_str(audit_cvss_severity(9.8), "critical", "severity: 9.8 is critical");
	is_str(audit_cvss_severity(4.0), "medium", "severity: 4.0 is medium");

	rows = rows_of("../shared/corpus/vuln/cvss31-vectors.tsv", 0, &bad);
	if (rows < 0) {
		printf("SKIP ../shared/corpus/vuln is absent\n");
		return done_testing();
	}
	ok(bad == 0 && rows > 3000, "3.1: %d corpus vectors, %d differ", rows, bad);
	bad = 0;
	rows = rows_of("../shared/corpus/vuln/cvss40-vectors.tsv", 1, &bad);
	ok(bad == 0 && rows > 2800, "4.0: %d corpus vectors, %d differ", rows, bad);
	return done_testing();
}
