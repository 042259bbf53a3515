/*
 * url_trees.c — the URL model's boosted trees, walked by vigia: read once from libxgboost's
 * JSON model (XGBoosterSaveModelToBuffer, format "json", parsed by jansson) into flat node
 * arrays, then summed for each URL the way libxgboost 1.7's CPU predictor does, so that the
 * margin is the same float, bit for bit.
 *
 * libxgboost trains and loads the trees (url_model.c); this file only predicts, because one
 * row a call costs the library about 109,000 instructions of per-call set-up (the benchmark is
 * named above url_trees_margin).  It takes only what it implements: one output of the
 * objective binary:logistic, a "gbtree" booster, numerical splits over exactly the number of
 * features the caller expects; any other model is refused with the reason.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/url/url.h"
#include "base/i18n.h"

/* A node: a split (feature, condition, both children, which child a missing value takes) or a
 * leaf (left < 0, value). Children are indices into the whole node array. */
struct tnode {
	float value; /* split: go left when x[feature] < value; leaf: the leaf's value */
	uint32_t feature;
	int32_t left, right, missing; /* missing: the default child (left or right) */
};

struct url_trees {
	float base; /* the base margin every sum starts from */
	size_t ntrees, nnodes;
	uint32_t *root;      /* the root of tree i in nodes */
	struct tnode *nodes; /* every tree's nodes, tree after tree */
};

/* The most nodes a model may have in all: far more than 150 trees of depth 6 (19,050). */
#define TREES_MAX_NODES ((size_t)1 << 22)

void url_trees_free(struct url_trees *t)
{
	if (!t)
		return;
	free(t->root);
	free(t->nodes);
	free(t);
}

/* The string member `key` of object o parsed as a number into *v: libxgboost writes its
 * parameters as strings ("50", "5E-1").  0 when missing or not a number. */
static int param_num(json_t *o, const char *key, double *v)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *end;
	if (!s || !*s)
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	return !*end && !errno;
}

/* Element i of a JSON array of numbers (integer or real) as a double; NAN when not a number. */
static double num_at(json_t *a, size_t i)
{
	json_t *v = json_array_get(a, i);
	if (json_is_integer(v))
		return (double)json_integer_value(v);
	if (json_is_real(v))
		return json_real_value(v);
	if (json_is_boolean(v))
		return json_is_true(v);
	return NAN;
}

/* The base margin: learner_model_param.base_score is a probability; libxgboost 1.7 turns it
 * into a margin for binary:logistic as -logf(1.0f / base_score - 1.0f), in float (its
 * LogisticRegression::ProbToMargin), and starts every row's sum there. */
static int base_margin(json_t *lp, float *base, char *why, size_t n)
{
	const char *s = json_string_value(json_object_get(lp, "base_score"));
	char *end;
	if (!s)
		goto bad;
	errno = 0;
	float b = strtof(s, &end);
	if (*end || errno || !(b > 0.0f && b < 1.0f))
		goto bad;
	*base = -logf(1.0f / b - 1.0f);
	return 1;
bad:
	snprintf(why, n, "%s", _("base_score is not a probability"));
	return 0;
}

/* What the learner says, checked against what the walker implements: binary:logistic, one
 * output, a gbtree booster, nfeat features. */
static int check_learner(json_t *l, size_t nfeat, float *base, char *why, size_t n)
{
	json_t *lp = json_object_get(l, "learner_model_param");
	const char *obj =
	    json_string_value(json_object_get(json_object_get(l, "objective"), "name"));
	const char *gb =
	    json_string_value(json_object_get(json_object_get(l, "gradient_booster"), "name"));
	double v = NAN;

	if (!obj || strcmp(obj, "binary:logistic")) {
		snprintf(why, n, _("objective %s, not binary:logistic"), obj ? obj : "?");
		return 0;
	}
	if ((param_num(lp, "num_class", &v) && v > 1) ||
	    (param_num(lp, "num_target", &v) && v != 1)) {
		snprintf(why, n, "%s", _("more than one class or target"));
		return 0;
	}
	if (!gb || strcmp(gb, "gbtree")) {
		snprintf(why, n, _("booster %s, not gbtree"), gb ? gb : "?");
		return 0;
	}
	if (!param_num(lp, "num_feature", &v) || v != (double)nfeat) {
		snprintf(why, n, _("trees over %.0f features, not %zu"), v, nfeat);
		return 0;
	}
	return base_margin(lp, base, why, n);
}

/* The arrays of one tree that the walker needs, each of num_nodes elements. */
struct tree_json {
	json_t *left, *right, *feat, *cond, *dleft, *type;
	size_t n;
};

static int tree_arrays(json_t *tree, struct tree_json *a, char *why, size_t n)
{
	double nn;
	json_t *cats = json_object_get(tree, "categories");
	a->left = json_object_get(tree, "left_children");
	a->right = json_object_get(tree, "right_children");
	a->feat = json_object_get(tree, "split_indices");
	a->cond = json_object_get(tree, "split_conditions");
	a->dleft = json_object_get(tree, "default_left");
	a->type = json_object_get(tree, "split_type");
	if (!param_num(json_object_get(tree, "tree_param"), "num_nodes", &nn) || nn < 1 ||
	    nn > (double)TREES_MAX_NODES)
		goto bad;
	a->n = (size_t)nn;
	if (json_array_size(a->left) != a->n || json_array_size(a->right) != a->n ||
	    json_array_size(a->feat) != a->n || json_array_size(a->cond) != a->n ||
	    json_array_size(a->dleft) != a->n)
		goto bad;
	if (a->type && !json_is_array(a->type))
		goto bad;
	if (json_array_size(cats) > 0)
		goto categorical;
	for (size_t i = 0; i < json_array_size(a->type); i++)
		if (num_at(a->type, i) != 0)
			goto categorical;
	return 1;
categorical:
	snprintf(why, n, "%s", _("categorical splits"));
	return 0;
bad:
	snprintf(why, n, "%s", _("a tree's arrays are missing or of different lengths"));
	return 0;
}

/*
 * d as the float libxgboost meant into *f; 0 when that cannot be known.  libxgboost writes each
 * float as its shortest decimal, jansson reads that as the nearest double and a cast rounds it
 * to a float: right every time except when the double lands exactly halfway between two floats
 * (the decimal was on one side, the cast picks the even one), which is refused, never guessed.
 */
static int float_of(double d, float *f)
{
	*f = (float)d;
	if ((double)*f == d || !isfinite(d))
		return 1;
	float o = nextafterf(*f, d > (double)*f ? INFINITY : -INFINITY);
	return ((double)*f + (double)o) / 2 != d; /* exact: adjacent floats in a double */
}

/* One tree's nodes into t->nodes from index `at`.  A split's children must come after it (so
 * every walk ends) and inside the tree, its feature below nfeat. */
static int tree_nodes(struct url_trees *t, size_t at, const struct tree_json *a, size_t nfeat,
                      char *why, size_t n)
{
	for (size_t i = 0; i < a->n; i++) {
		struct tnode *d = &t->nodes[at + i];
		double l = num_at(a->left, i), r = num_at(a->right, i), f = num_at(a->feat, i),
		       c = num_at(a->cond, i), dl = num_at(a->dleft, i);
		if (isnan(c) || isnan(dl))
			goto bad;
		if (!float_of(c, &d->value)) {
			snprintf(why, n, "%s", _("a value halfway between two floats"));
			return 0;
		}
		if (l == -1) {
			d->left = d->right = d->missing = -1;
			d->feature = 0;
			continue;
		}
		if (!(l > (double)i && l < (double)a->n && r > (double)i && r < (double)a->n &&
		      l == floor(l) && r == floor(r) && f >= 0 && f < (double)nfeat &&
		      f == floor(f)))
			goto bad;
		d->feature = (uint32_t)f;
		d->left = (int32_t)(at + (size_t)l);
		d->right = (int32_t)(at + (size_t)r);
		d->missing = dl != 0 ? d->left : d->right;
	}
	return 1;
bad:
	snprintf(why, n, "%s", _("a node out of range"));
	return 0;
}

static int build(json_t *root, size_t nfeat, struct url_trees *t, char *why, size_t n)
{
	json_t *l = json_object_get(root, "learner");
	json_t *model = json_object_get(json_object_get(l, "gradient_booster"), "model");
	json_t *trees = json_object_get(model, "trees"),
	       *info = json_object_get(model, "tree_info");
	struct tree_json a;

	if (!check_learner(l, nfeat, &t->base, why, n))
		return 0;
	t->ntrees = json_array_size(trees);
	if (t->ntrees == 0 || json_array_size(info) != t->ntrees) {
		snprintf(why, n, "%s", _("no trees"));
		return 0;
	}
	for (size_t i = 0; i < t->ntrees; i++) {
		if (num_at(info, i) != 0) {
			snprintf(why, n, "%s", _("more than one class or target"));
			return 0;
		}
		if (!tree_arrays(json_array_get(trees, i), &a, why, n))
			return 0;
		t->nnodes += a.n;
		if (t->nnodes > TREES_MAX_NODES) {
			snprintf(why, n, "%s", _("too many nodes"));
			return 0;
		}
	}
	t->root = malloc(t->ntrees * sizeof *t->root);
	t->nodes = malloc(t->nnodes * sizeof *t->nodes);
	if (!t->root || !t->nodes) {
		snprintf(why, n, "%s", _("out of memory"));
		return 0;
	}
	size_t at = 0;
	for (size_t i = 0; i < t->ntrees; i++) {
		(void)tree_arrays(json_array_get(trees, i), &a, why, n); /* checked above */
		if (!tree_nodes(t, at, &a, nfeat, why, n))
			return 0;
		t->root[i] = (uint32_t)at;
		at += a.n;
	}
	return 1;
}

int url_trees_from_json(const char *json, size_t len, size_t nfeat, struct url_trees **out,
                        char *why, size_t n)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, 0, &je);
	struct url_trees *t = calloc(1, sizeof *t);
	int ok = 0;

	*out = NULL;
	if (!root)
		snprintf(why, n, _("not JSON (%s)"), je.text);
	else if (!t)
		snprintf(why, n, "%s", _("out of memory"));
	else
		ok = build(root, nfeat, t, why, n);
	json_decref(root);
	if (!ok) {
		url_trees_free(t);
		return V_ERR_INVALID;
	}
	*out = t;
	return V_OK;
}

/*
 * The margin of one row x: the base margin plus, tree after tree, the value of the leaf x
 * reaches; at a split a missing value (NaN) takes the default child, else x < condition goes
 * left.  The sum is a float added to in tree order: libxgboost 1.7's CPU predictor
 * (PredictByAllTrees: preds[row] += PredValueByOneTree(...), from the base score), so the
 * margin is the same bits as XGBoosterPredictFromDense's (tests/unit/test_url_trees.c checks it
 * with memcmp on thousands of rows).
 *
 * Hand-written although libxgboost predicts, because a benchmark showed it must be: with
 * XGBoosterPredictFromDense, url_model_predict cost 124,080 instructions a URL, 109,229 of them
 * in the library (nearly all per-call set-up: parsing its JSON configuration and array
 * interface, a proxy matrix, for a walk of ~1,000 comparisons); with this walker it costs
 * 20,400, of which this function 13,157, and the whole url_check went from 179,533 to 75,778
 * instructions a URL (2026-11-29, the same model trained on labeled-dev.tsv), from 33,956 to
 * 70,277 URLs/s on one core.  Measured with
 *     valgrind --tool=callgrind build/bench/url_bench 1000 20000 1 MODEL
 *     taskset -c 0 build/bench/url_bench 1000000 1000000 1 MODEL
 * (docs/benchmarks.md, "URL model, sixth pass").
 */
float url_trees_margin(const struct url_trees *t, const float *x)
{
	float sum = t->base;
	for (size_t i = 0; i < t->ntrees; i++) {
		const struct tnode *d = &t->nodes[t->root[i]];
		while (d->left >= 0) {
			float v = x[d->feature];
			d = &t->nodes[isnan(v) ? d->missing : v < d->value ? d->left : d->right];
		}
		sum += d->value;
	}
	return sum;
}
