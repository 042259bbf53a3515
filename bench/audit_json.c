/*
 * audit_json.c — where the patch audit's load time goes (bench/audit.sh runs it after the end
 * to end run): on the same OSV file, the thread's CPU time of
 *
 *   1. reading the file into memory;
 *   2. jansson alone: every record of the array parsed into a tree and freed, the same
 *      json_loadb(JSON_DISABLE_EOF_CHECK) loop vulndb.c uses — the floor for any reader
 *      built on jansson;
 *   3. audit_db_add_osv(): the same parse plus vigia's normalisation (fields, range
 *      sorting; CVSS vectors are noted, and scored only for the advisories that match);
 *   4. audit_db_index(): the sort by package.
 *
 * Best of RUNS (default 3) for each.  usage: audit_json OSV.json [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit/audit.h"

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (d = malloc((size_t)n + 1)) && fread(d, 1, (size_t)n, f) == (size_t)n) {
		d[n] = 0;
		*len = (size_t)n;
	} else {
		free(d);
		d = NULL;
	}
	fclose(f);
	return d;
}

/* the vulndb.c loop without the normalisation: parse, free */
static size_t jansson_only(const char *data, size_t len)
{
	size_t i = 0, n = 0;
	json_error_t je;

	while (i < len && data[i] != '[')
		i++;
	i++;
	for (;;) {
		while (i < len && strchr(" \t\r\n,", data[i]))
			i++;
		if (i >= len || data[i] == ']')
			break;
		json_t *j = json_loadb(data + i, len - i, JSON_DISABLE_EOF_CHECK, &je);
		if (!j)
			break;
		i += je.position;
		json_decref(j);
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	double best[4] = {1e9, 1e9, 1e9, 1e9};
	size_t len = 0, recs = 0, advs = 0;

	if (runs < 1)
		runs = 1;
	if (argc < 2) {
		fprintf(stderr, "usage: audit_json OSV.json [RUNS]\n");
		return 2;
	}
	for (int r = 0; r < runs; r++) {
		double t0 = cpu_now(), t;
		char *data = slurp(argv[1], &len);
		struct audit_db db;
		struct verr e = {0};

		if (!data) {
			perror(argv[1]);
			return 1;
		}
		t = cpu_now() - t0;
		best[0] = t < best[0] ? t : best[0];
		t0 = cpu_now();
		recs = jansson_only(data, len);
		t = cpu_now() - t0;
		best[1] = t < best[1] ? t : best[1];
		memset(&db, 0, sizeof(db));
		t0 = cpu_now();
		audit_db_add_osv(&db, argv[1], data, len, NULL, NULL, &e);
		t = cpu_now() - t0;
		best[2] = t < best[2] ? t : best[2];
		t0 = cpu_now();
		audit_db_index(&db);
		t = cpu_now() - t0;
		best[3] = t < best[3] ? t : best[3];
		advs = db.n;
		audit_db_fini(&db);
		free(data);
	}
	printf("audit_json: %zu records (%.1f MB), %zu advisories; CPU s: read %.3f, jansson parse "
	       "only %.3f, audit_db_add_osv %.3f (normalisation %.3f), index %.3f\n",
	       recs, (double)len / 1e6, advs, best[0], best[1], best[2], best[2] - best[1],
	       best[3]);
	return 0;
}
