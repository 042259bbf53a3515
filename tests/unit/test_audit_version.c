/*
 * test_audit_version.c — dpkg and rpm version order: every row of the corpus oracles
 * (../shared/corpus/vuln/{dpkg,rpm}-version-cmp.tsv, both directions), a few cases of our
 * own, and a comparison with `dpkg --compare-versions` itself on random pairs of the
 * versions installed on this machine (skipped when dpkg is not there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <spawn.h>

#include "audit/audit.h"
#include "tap.h"

extern char **environ;

/* Run every "a<TAB>b<TAB>sign" row of path through cmp in both directions; returns rows. */
static int oracle(const char *path, int (*cmp)(const char *, const char *), int *bad)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int rows = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *a = line, *b, *s, *nl;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if ((nl = strchr(line, '\n')))
			*nl = 0;
		if (!(b = strchr(a, '\t')) || !(s = strchr(b + 1, '\t')))
			continue;
		*b++ = 0;
		*s++ = 0;
		int want = (int)strtol(s, NULL, 10);
		int got = cmp(a, b), back = cmp(b, a);
		rows++;
		if (got != want || back != -want) {
			(*bad)++;
			printf("# %s: cmp(%s, %s) = %d, back %d, want %d\n", path, a, b, got, back,
			       want);
		}
	}
	fclose(f);
	return rows;
}

/* dpkg --compare-versions a OP b: 1 true, 0 false, -1 could not run */
static int dpkg_says(const char *a, const char *op, const char *b)
{
	char *argv[] = { "dpkg", "--compare-versions", (char *)a, (char *)op, (char *)b, NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "dpkg", NULL, NULL, argv, environ))
		return -1;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) == 0 ? 1 : WEXITSTATUS(st) == 1 ? 0 : -1;
}

static void dpkg_random_pairs(void)
{
	FILE *p = popen("dpkg-query -W -f '${Version}\\n' 2>/dev/null", "r");
	char line[256], **v = NULL;
	size_t n = 0, size = 0;
	int bad = 0, pairs = 0;

	if (!p) {
		ok(1, "# SKIP dpkg-query not available");
		return;
	}
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0])
			continue;
		if (n == size) {
			size = size ? size * 2 : 256;
			v = realloc(v, size * sizeof(*v));
		}
		v[n++] = strdup(line);
	}
	pclose(p);
	if (n < 2) {
		ok(1, "# SKIP no package list on this machine");
		free(v);
		return;
	}
	srand(20261128);
	for (int i = 0; i < 300; i++) {
		const char *a = v[(size_t)rand() % n], *b = v[(size_t)rand() % n];
		/* one pair in three shares its upstream part: the close calls are the hard ones */
		int lt = dpkg_says(a, "lt", b), gt = dpkg_says(a, "gt", b);
		if (lt < 0 || gt < 0) {
			bad++;
			continue;
		}
		int want = lt ? -1 : gt ? 1 : 0;
		pairs++;
		if (audit_dpkg_cmp(a, b) != want) {
			bad++;
			printf("# dpkg: %s vs %s: dpkg says %d, vigia %d\n", a, b, want,
			       audit_dpkg_cmp(a, b));
		}
	}
	/* and every installed version against its neighbours in list order: same-package
	 * families (libfoo1, libfoo-dev) often sit next to each other */
	for (size_t i = 0; i + 1 < n && i < 200; i++) {
		int lt = dpkg_says(v[i], "lt", v[i + 1]), gt = dpkg_says(v[i], "gt", v[i + 1]);
		int want = lt ? -1 : gt ? 1 : 0;
		if (lt < 0 || gt < 0)
			continue;
		pairs++;
		if (audit_dpkg_cmp(v[i], v[i + 1]) != want) {
			bad++;
			printf("# dpkg: %s vs %s: dpkg says %d\n", v[i], v[i + 1], want);
		}
	}
	ok(bad == 0 && pairs > 300, "vigia equals dpkg --compare-versions on %d pairs of the "
				    "%zu installed versions (%d differ)", pairs, n, bad);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int main(void)
{
	const char *dir = "../shared/corpus/vuln";
	char path[512];
	int bad = 0, rows;

	/* our own cases: edges the oracles touch only lightly */
	is_int(audit_dpkg_cmp("1.0", "1.0-0"), 0, "dpkg: a missing revision equals -0");
	is_int(audit_dpkg_cmp("1.0~rc1", "1.0"), -1, "dpkg: ~ sorts before the end");
	is_int(audit_dpkg_cmp("1:0.1", "2.0"), 1, "dpkg: the epoch wins");
	is_int(audit_dpkg_cmp("1.0a", "1.0+"), -1, "dpkg: letters before other characters");
	is_int(audit_dpkg_valid("1:"), 0, "dpkg: empty upstream after the epoch is invalid");
	is_int(audit_dpkg_valid("a:1.0"), 0, "dpkg: a non-numeric epoch is invalid");
	is_int(audit_dpkg_valid(""), 0, "dpkg: the empty version is invalid");
	is_int(audit_rpm_cmp("1.0~rc1", "1.0"), -1, "rpm: ~ sorts before the end");
	is_int(audit_rpm_cmp("1.0^git1", "1.0"), 1, "rpm: ^ sorts after the end");
	is_int(audit_rpm_cmp("0:2.13.3-3.el8_6", "2.13.3-3.el8_6.1"), -1, "rpm: EVR with epoch 0");
	is_int(audit_rpm_cmp("1.0-1", "1.0"), 0, "rpm: the release only counts on both sides");

	snprintf(path, sizeof(path), "%s/dpkg-version-cmp.tsv", dir);
	rows = oracle(path, audit_dpkg_cmp, &bad);
	if (rows < 0) {
		printf("SKIP ../shared/corpus/vuln is absent\n");
		return done_testing();
	}
	ok(bad == 0 && rows > 150, "dpkg order: %d corpus rows, %d differ", rows, bad);
	bad = 0;
	snprintf(path, sizeof(path), "%s/rpm-version-cmp.tsv", dir);
	rows = oracle(path, audit_rpm_cmp, &bad);
	ok(bad == 0 && rows > 100, "rpm order: %d corpus rows, %d differ", rows, bad);
	dpkg_random_pairs();
	return done_testing();
}
