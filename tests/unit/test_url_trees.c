/*
 * test_url_trees.c — the walker of the URL model's boosted trees (url_trees.c) gives the same
 * margin as libxgboost, bit for bit: a model trained by url_model_train on URLs generated here
 * (a few hundred, labeled by how they are made), its trees loaded by libxgboost and by the
 * walker, then thousands of rows compared with memcmp: the dense features of real URLs, the
 * same with missing values, random rows built around the trees' own split conditions (equal,
 * one float above and below), and a second booster trained here with missing values and
 * another base_score.  Models the walker does not implement are refused with a reason.
 */
#include <inttypes.h>
#include <math.h>
#include <unistd.h>

#include <jansson.h>
#include <xgboost/c_api.h>

#include "analyze/url/url.h"
#include "tap.h"

#define NROWS 400  /* the training fixture */
#define NREAL 2000 /* URLs whose features are compared (the fixture's and unseen ones) */
#define NRAND 4000 /* random rows */

static uint64_t seed = 0x7e57;

static uint32_t rnd(uint32_t n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(seed >> 33) % n;
}

static const char *pick(const char *const *a, size_t n)
{
	return a[rnd((uint32_t)n)];
}
#define PICK(a) pick(a, sizeof a / sizeof *a)

/* URL i: benign ones look like sites' pages, malicious ones like phishing and malware links
 * (brand words, free hosting, odd TLDs, IP hosts, executables).  *y gets the label. */
static void make_url(char *u, size_t n, int *y)
{
	static const char *const words[] = {"news",  "shop",  "weather", "garden",
	                                    "music", "bank",  "travel",  "school",
	                                    "city",  "sport", "photo",   "library"},
	                         *const tlds[] = {"com", "org", "net", "es", "de", "co.uk", "fr"},
	                         *const bad_tlds[] = {"tk", "xyz", "top", "ml", "online", "ru"},
	                         *const brands[] = {"paypal", "apple", "microsoft", "netflix",
	                                            "amazon"},
	                         *const paths[] = {"",
	                                           "about",
	                                           "contact/",
	                                           "index.html",
	                                           "2024/05/story",
	                                           "products?id=12",
	                                           "search?q=chairs&page=2"},
	                         *const bad_paths[] = {
	                             "verify/account.php",           "login/update.html",
	                             "secure/signin?session=8f3a9c", "invoice.exe",
	                             "wp-admin/confirm/index.php",   "dl/setup.apk"};
	*y = (int)rnd(2);
	if (!*y) {
		snprintf(u, n, "https://%s%s%s%u.%s/%s", rnd(2) ? "www." : "", PICK(words),
		         PICK(words), rnd(50), PICK(tlds), PICK(paths));
		return;
	}
	switch (rnd(4)) {
	case 0:
		snprintf(u, n, "http://%s-%s.%s%u.%s/%s", PICK(brands), PICK(words), PICK(words),
		         rnd(900), PICK(bad_tlds), PICK(bad_paths));
		break;
	case 1:
		snprintf(u, n, "http://%u.%u.%u.%u/%s", 11 + rnd(200), rnd(256), rnd(256), rnd(256),
		         PICK(bad_paths));
		break;
	case 2:
		snprintf(u, n, "https://%s%u.weebly.com/%s/%s", PICK(brands), rnd(9999),
		         PICK(words), PICK(bad_paths));
		break;
	default:
		snprintf(u, n, "http://www.%s.%s.secure-%s%u.%s/%s", PICK(brands), PICK(tlds),
		         PICK(words), rnd(99), PICK(bad_tlds), PICK(bad_paths));
	}
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The trees of a model file (url_model.c: after the 28-byte header and the 2^URL_MODEL_BITS
 * float weights, a uint32 length and libxgboost's UBJSON) loaded by libxgboost. */
static BoosterHandle booster_of(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *t = NULL;
	BoosterHandle b = NULL;
	long size;
	size_t at = 28 + 4 * ((size_t)1 << URL_MODEL_BITS);

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < (long)at + 4 ||
	    fseek(f, 0, SEEK_SET))
		goto out;
	t = malloc((size_t)size);
	if (!t || fread(t, 1, (size_t)size, f) != (size_t)size)
		goto out;
	if (XGBoosterCreate(NULL, 0, &b) ||
	    XGBoosterLoadModelFromBuffer(b, t + at + 4, get32(t + at)) ||
	    XGBoosterSetParam(b, "nthread", "1")) {
		XGBoosterFree(b);
		b = NULL;
	}
out:
	if (f)
		fclose(f);
	free(t);
	return b;
}

/* The booster's model as JSON (a copy: caller frees). */
static char *json_of(BoosterHandle b, size_t *len)
{
	bst_ulong n = 0;
	const char *s = NULL;
	if (XGBoosterSaveModelToBuffer(b, "{\"format\":\"json\"}", &n, &s))
		return NULL;
	char *c = malloc((size_t)n + 1);
	if (c) {
		memcpy(c, s, (size_t)n);
		c[n] = 0;
	}
	*len = (size_t)n;
	return c;
}

/* libxgboost's margin for one row (NaN is missing), as url_model.c used to ask it. */
static int xgb_margin(BoosterHandle b, const float *x, size_t nf, float *out)
{
	char arr[160];
	const bst_ulong *shape;
	bst_ulong dim;
	const float *o;
	snprintf(arr, sizeof arr,
	         "{\"data\":[%" PRIuPTR
	         ",true],\"shape\":[1,%zu],\"typestr\":\"<f4\",\"version\":3}",
	         (uintptr_t)x, nf);
	if (XGBoosterPredictFromDense(b, arr,
	                              "{\"type\":1,\"training\":false,\"iteration_begin\":0,"
	                              "\"iteration_end\":0,\"strict_shape\":false,\"cache_id\":0,"
	                              "\"missing\":NaN}",
	                              NULL, &shape, &dim, &o))
		return 0;
	*out = o[0];
	return 1;
}

/* Rows compared so far and the first that differed. */
static size_t compared, differ;
static float first_x[URL_MODEL_DENSE], first_w, first_l;

static void compare(BoosterHandle b, const struct url_trees *t, const float *x)
{
	float l = NAN, w = url_trees_margin(t, x);
	if (!xgb_margin(b, x, URL_MODEL_DENSE, &l) || memcmp(&l, &w, sizeof w)) {
		if (!differ++) {
			memcpy(first_x, x, sizeof first_x);
			first_w = w;
			first_l = l;
		}
	}
	compared++;
}

static void report(const char *what)
{
	if (!ok(differ == 0 && compared > 0,
	        "%s: %zu rows, the walker's margin == libxgboost's, bit "
	        "for bit",
	        what, compared))
		printf("#   %zu differ; first: walker %.9g, libxgboost %.9g\n", differ,
		       (double)first_w, (double)first_l);
	compared = differ = 0;
}

/* Every split condition of feature j in the model's JSON, into c (at most max); the count. */
static size_t conditions(json_t *root, size_t j, float *c, size_t max)
{
	json_t *trees = json_object_get(
	    json_object_get(json_object_get(json_object_get(root, "learner"), "gradient_booster"),
	                    "model"),
	    "trees");
	size_t k = 0, i, n;
	json_t *tree;
	json_array_foreach(trees, i, tree)
	{
		json_t *left = json_object_get(tree, "left_children"),
		       *feat = json_object_get(tree, "split_indices"),
		       *cond = json_object_get(tree, "split_conditions");
		for (n = 0; n < json_array_size(left) && k < max; n++)
			if (json_integer_value(json_array_get(left, n)) != -1 &&
			    (size_t)json_integer_value(json_array_get(feat, n)) == j)
				c[k++] = (float)json_number_value(json_array_get(cond, n));
	}
	return k;
}

/* The split conditions of each feature of a model. */
struct conds {
	float c[URL_MODEL_DENSE][2048];
	size_t n[URL_MODEL_DENSE];
};

static void conds_of(json_t *root, struct conds *c)
{
	for (size_t j = 0; j < URL_MODEL_DENSE; j++)
		c->n[j] = conditions(root, j, c->c[j], sizeof c->c[j] / sizeof *c->c[j]);
}

/* A random row: each feature a split condition of the trees (equal, or one float either
 * side), a random value, 0, NaN or an infinity. */
static void random_row(const struct conds *c, float *x)
{
	for (size_t j = 0; j < URL_MODEL_DENSE; j++) {
		size_t k = c->n[j];
		uint32_t r = rnd(10);
		float v = k ? c->c[j][rnd((uint32_t)k)] : 1;
		x[j] = r < 3    ? v
		       : r == 3 ? nextafterf(v, INFINITY)
		       : r == 4 ? nextafterf(v, -INFINITY)
		       : r == 5 ? (float)rnd(20000) / 100.0f - 20.0f
		       : r == 6 ? 0
		       : r == 7 ? NAN
		       : r == 8 ? (rnd(2) ? INFINITY : -INFINITY)
		                : (float)rnd(3);
	}
}

/* The walker of json with one change made by edit(root), for nfeat features: V_OK or not; the
 * reason in why. */
static int walk_edited(const char *json, size_t nfeat, void (*edit)(json_t *), char *why, size_t n)
{
	json_t *root = json_loads(json, 0, NULL);
	struct url_trees *t = NULL;
	if (!root)
		return -1;
	if (edit)
		edit(root);
	char *s = json_dumps(root, JSON_COMPACT);
	int rc = url_trees_from_json(s, strlen(s), nfeat, &t, why, n);
	url_trees_free(t);
	free(s);
	json_decref(root);
	return rc;
}

static json_t *learner(json_t *root)
{
	return json_object_get(root, "learner");
}

static json_t *tree0(json_t *root)
{
	return json_array_get(
	    json_object_get(
	        json_object_get(json_object_get(learner(root), "gradient_booster"), "model"),
	        "trees"),
	    0);
}

static void edit_categorical(json_t *root)
{
	json_t *t = tree0(root);
	json_array_set_new(json_object_get(t, "split_type"), 0, json_integer(1));
	json_object_set_new(t, "categories", json_pack("[i,i]", 1, 3));
	json_object_set_new(t, "categories_nodes", json_pack("[i]", 0));
	json_object_set_new(t, "categories_segments", json_pack("[i]", 0));
	json_object_set_new(t, "categories_sizes", json_pack("[i]", 2));
}

static void edit_features(json_t *root)
{
	json_object_set_new(json_object_get(learner(root), "learner_model_param"), "num_feature",
	                    json_string("49"));
}

static void edit_objective(json_t *root)
{
	json_object_set_new(json_object_get(learner(root), "objective"), "name",
	                    json_string("multi:softprob"));
	json_object_set_new(json_object_get(learner(root), "learner_model_param"), "num_class",
	                    json_string("3"));
}

static void edit_dart(json_t *root)
{
	json_object_set_new(json_object_get(learner(root), "gradient_booster"), "name",
	                    json_string("dart"));
}

static void edit_cycle(json_t *root)
{
	json_array_set_new(json_object_get(tree0(root), "left_children"), 0, json_integer(0));
}

static void edit_feature_index(json_t *root)
{
	json_array_set_new(json_object_get(tree0(root), "split_indices"), 0, json_integer(50));
}

static void edit_short_array(json_t *root)
{
	json_array_remove(json_object_get(tree0(root), "split_conditions"), 0);
}

static void edit_midpoint(json_t *root)
{
	/* 1 + 2^-24: halfway between the floats 1 and 1 + 2^-23 */
	json_array_set_new(json_object_get(tree0(root), "split_conditions"), 0,
	                   json_real(1.0 + ldexp(1.0, -24)));
}

static void edit_float(json_t *root)
{
	/* 1 + 2^-23 + 2^-40: not a float, but on one side of every midpoint */
	json_array_set_new(json_object_get(tree0(root), "split_conditions"), 0,
	                   json_real(1.0 + ldexp(1.0, -23) + ldexp(1.0, -40)));
}

static void refusals(const char *json)
{
	char why[200];
	is_int(walk_edited(json, URL_MODEL_DENSE, NULL, why, sizeof why), V_OK,
	       "the model's own JSON, re-encoded by jansson, is taken");
	is_int(walk_edited(json, URL_MODEL_DENSE, edit_categorical, why, sizeof why), V_ERR_INVALID,
	       "a categorical split is refused");
	ok(strstr(why, "categorical") != NULL, "... and named (%s)", why);
	is_int(walk_edited(json, URL_MODEL_DENSE, edit_features, why, sizeof why), V_ERR_INVALID,
	       "trees over 49 features are refused");
	ok(strstr(why, "49") && strstr(why, "50"), "... and named (%s)", why);
	is_int(walk_edited(json, URL_MODEL_DENSE - 1, NULL, why, sizeof why), V_ERR_INVALID,
	       "trees of 50 features where 49 are expected are refused");
	is_int(walk_edited(json, URL_MODEL_DENSE, edit_objective, why, sizeof why), V_ERR_INVALID,
	       "multi-class (multi:softprob) is refused");
	ok(strstr(why, "multi:softprob") != NULL, "... and named (%s)", why);
	is_int(walk_edited(json, URL_MODEL_DENSE, edit_dart, why, sizeof why), V_ERR_INVALID,
	       "a dart booster is refused");
	is_int(walk_edited(json, URL_MODEL_DENSE, edit_cycle, why, sizeof why), V_ERR_INVALID,
	       "a node that is its own child is refused");
	is_int(walk_edited(json, URL_MODEL_DENSE, edit_feature_index, why, sizeof why),
	       V_ERR_INVALID, "a split on feature 50 of 50 is refused");
	is_int(walk_edited(json, URL_MODEL_DENSE, edit_short_array, why, sizeof why), V_ERR_INVALID,
	       "a tree whose arrays differ in length is refused");
	is_int(walk_edited(json, URL_MODEL_DENSE, edit_midpoint, why, sizeof why), V_ERR_INVALID,
	       "a value exactly halfway between two floats is refused (its float is not known)");
	is_int(walk_edited(json, URL_MODEL_DENSE, edit_float, why, sizeof why), V_OK,
	       "a value between two floats but off their midpoint is taken (rounded)");
	struct url_trees *t = NULL;
	is_int(url_trees_from_json("{\"learner\":", 11, URL_MODEL_DENSE, &t, why, sizeof why),
	       V_ERR_INVALID, "text that is not JSON is refused");
	ok(t == NULL, "... and nothing is returned");
}

/* A second booster over the dense rows x[0..n) with missing values in them and base_score
 * 0.3: missing values learn a default direction, and the base margin is not 0. */
static BoosterHandle booster_with_missing(float *x, const float *y, size_t n)
{
	static const char *const p[][2] = {{"max_depth", "5"}, {"base_score", "0.3"}};

	for (size_t i = 0; i < n * URL_MODEL_DENSE; i++)
		if (rnd(5) == 0)
			x[i] = NAN;
	return url_boost_fit(x, y, NULL, n, p, sizeof p / sizeof *p, 30);
}

int main(void)
{
	char dir[] = "/tmp/vigia-trees-XXXXXX", tsv[64], path[64], u[256];
	struct verr e = {0};
	struct url_checker_options o = {0};
	struct url_checker *K = NULL;
	struct url_model *m = NULL;
	struct url_trees *t = NULL, *t2 = NULL;
	struct url_result *r = malloc(sizeof *r);
	float *x = malloc(NREAL * URL_MODEL_DENSE * sizeof *x), *y = malloc(NREAL * sizeof *y);
	char why[200];
	size_t jlen = 0;

	if (!mkdtemp(dir) || !r || !x || !y || url_checker_new(&o, &K, &e) != V_OK) {
		printf("not ok 1 - set-up: %s\n", e.reason);
		return 1;
	}
	url_result_init(r);
	snprintf(tsv, sizeof tsv, "%s/train.tsv", dir);
	snprintf(path, sizeof path, "%s/model", dir);
	FILE *f = fopen(tsv, "w");
	for (int i = 0; i < NROWS && f; i++) {
		int lab;
		make_url(u, sizeof u, &lab);
		fprintf(f, "%s\t%s\t%s\n", lab ? "malicious" : "benign", u,
		        lab ? "gen-bad" : "gen");
	}
	if (f)
		fclose(f);
	struct url_train_options to = {.data = tsv, .out = path, .epochs = 6};
	is_int(url_model_train(K, &to, &e), V_OK, "a model trained on %d generated URLs", NROWS);
	is_int(url_model_load(path, &m, &e), V_OK, "and loaded (its trees read by the walker)");
	BoosterHandle b = booster_of(path);
	char *json = b ? json_of(b, &jlen) : NULL;
	json_t *root = json ? json_loads(json, 0, NULL) : NULL;
	ok(b && json && root, "libxgboost loads the same trees and saves them as JSON");
	if (!m || !root)
		return done_testing();
	is_int(url_trees_from_json(json, jlen, URL_MODEL_DENSE, &t, why, sizeof why), V_OK,
	       "the walker reads that JSON");

	/* real URLs: the training fixture again (same seed) and as many more unseen */
	seed = 0x7e57;
	for (size_t i = 0; i < NREAL; i++) {
		uint32_t fs[URL_MAX_FEATURES];
		int lab;
		make_url(u, sizeof u, &lab);
		url_check(K, u, strlen(u), r);
		size_t nf = url_features(u, strlen(u), r, fs, URL_MAX_FEATURES);
		url_model_dense(m, r, fs, nf, x + i * URL_MODEL_DENSE);
		y[i] = (float)lab;
		compare(b, t, x + i * URL_MODEL_DENSE);
	}
	report("the dense features of real URLs");
	for (size_t i = 0; i < NREAL; i++) {
		float row[URL_MODEL_DENSE];
		memcpy(row, x + i * URL_MODEL_DENSE, sizeof row);
		for (uint32_t k = 1 + rnd(4); k--;)
			row[rnd(URL_MODEL_DENSE)] = NAN;
		compare(b, t, row);
	}
	float none[URL_MODEL_DENSE];
	for (size_t j = 0; j < URL_MODEL_DENSE; j++)
		none[j] = NAN;
	compare(b, t, none);
	report("real URLs with missing values (and a row of nothing but)");
	static struct conds cs;
	conds_of(root, &cs);
	for (size_t i = 0; i < NRAND; i++) {
		float row[URL_MODEL_DENSE];
		random_row(&cs, row);
		compare(b, t, row);
	}
	report("random rows on, just above and just below the split conditions");

	BoosterHandle b2 = booster_with_missing(x, y, NREAL);
	size_t j2len = 0;
	char *json2 = b2 ? json_of(b2, &j2len) : NULL;
	json_t *root2 = json2 ? json_loads(json2, 0, NULL) : NULL;
	ok(root2 &&
	       url_trees_from_json(json2, j2len, URL_MODEL_DENSE, &t2, why, sizeof why) == V_OK,
	   "a booster trained on rows with missing values, base_score 0.3, is read");
	if (t2) {
		const char *bs = json_string_value(json_object_get(
		    json_object_get(learner(root2), "learner_model_param"), "base_score"));
		ok(bs && strtof(bs, NULL) != 0.5f, "... its base_score is not 0.5 (%s)", bs);
		for (size_t i = 0; i < NREAL; i++)
			compare(b2, t2, x + i * URL_MODEL_DENSE);
		conds_of(root2, &cs);
		for (size_t i = 0; i < NRAND; i++) {
			float row[URL_MODEL_DENSE];
			random_row(&cs, row);
			compare(b2, t2, row);
		}
		compare(b2, t2, none);
		report("the second booster: its training rows (missing values) and random rows");
	}
	refusals(json);

	url_trees_free(t);
	url_trees_free(t2);
	json_decref(root);
	json_decref(root2);
	free(json);
	free(json2);
	XGBoosterFree(b);
	if (b2)
		XGBoosterFree(b2);
	url_model_free(m);
	url_result_fini(r);
	free(r);
	free(x);
	free(y);
	url_checker_free(K);
	unlink(tsv);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
