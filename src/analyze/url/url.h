/*
 * url.h — vigia's URL analyzer: canonicalization, Safe Browsing lookup expressions, WHATWG
 * host parsing, registrable domains, block/allow lists, heuristics and a lexical model.
 *
 * Three faces use it: `vigia url check` (src/cli/cmd_url.c), the pipeline stage that gives
 * events with a URL a verdict (src/pipeline/urlcheck.c) and, later, the mail analyzer.
 *
 *   url_canon.c    Safe Browsing canonicalization and lookup expressions (exact: the vectors
 *                  in ../shared/corpus/url are the test)
 *   url_host.c     the WHATWG URL Standard's host parser: IPv4 in every legal form, IPv6,
 *                  domain to ASCII through libidn2 (UTS #46)
 *   url_list.c     block and allow lists: host suffixes, URL prefix expressions, SHA-256
 *                  hashes and hash prefixes; an immutable table per list, swapped atomically
 *   url_check.c    the whole check: lists, heuristics (named reasons with weights, data under
 *                  data/url/), libpsl's registrable domain, ICU's spoof checker, the model
 *   url_model.c    the lexical model (logistic regression over hashed features, boosted
 *                  trees over dense features and its logit) and its training and
 *                  cross-validation
 *   url_trees.c    the boosted trees read once from libxgboost's JSON model into flat arrays
 *                  and walked for each URL (the same float margin as libxgboost, faster)
 *
 * Nothing here allocates per URL except what a caller asks to keep; no function exits or
 * aborts on any input.  docs/internals/url.md describes the design, docs/url-analysis.md the
 * model's evaluation.
 */
#ifndef VIGIA_ANALYZE_URL_H
#define VIGIA_ANALYZE_URL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"

#define URL_MAX_INPUT 8192                     /* longer inputs are cut here ("too_long") */
#define URL_CANON_MAX (3 * URL_MAX_INPUT + 64) /* every byte may become %XX */
#define URL_MAX_EXPR  42                       /* 7 hosts x 6 paths (Go client mode) */

/* ---- url_canon.c: Safe Browsing canonicalization ------------------------------------------ */

enum url_host_kind { URL_HOST_NONE = 0, URL_HOST_DOMAIN, URL_HOST_IPV4, URL_HOST_IPV6 };

/*
 * A URL canonicalized as Google Safe Browsing (v4/v5 "URLs and Hashing") defines it:
 * canon = scheme "://" host path ["?" query], every part a slice of canon.  Filled by
 * url_canon(); lives in caller storage (about 25 KiB: keep one and reuse it).
 */
struct url_canon {
	char canon[URL_CANON_MAX];
	size_t len;                /* bytes of canon (canon is also NUL-terminated) */
	size_t scheme_len;         /* canon[0..scheme_len) */
	size_t host_off, host_len; /* the canonical host ("[v6]" with brackets) */
	size_t path_off, path_len; /* from the first '/' up to '?' or the end */
	size_t query_off;          /* the byte after '?'; query runs to len */
	int has_query;             /* 1: there was a '?' (the query may be empty) */
	enum url_host_kind host_kind;
	int port;           /* explicit port, -1 when none (dropped from canon) */
	int has_userinfo;   /* user@ or user:pass@ before the host (dropped) */
	int truncated;      /* the input was longer than URL_MAX_INPUT and was cut */
	int idna;           /* the host was converted from Unicode to punycode */
	const char *reason; /* when url_canon fails: why (untranslated, N_()) */
};

/* Canonicalize in[0..len) (any bytes).  V_OK, or V_ERR_PARSE with c->reason set (no host,
 * not a hierarchical URL, ...).  c is always left consistent. */
int url_canon(const char *in, size_t len, struct url_canon *c);

/* Safe Browsing's IPv4 reading of a host (octal, hex, 1-4 parts, a trailing " junk" within 15
 * characters): the dotted-decimal form into out (16 bytes) and 1, or 0 when host is not one. */
int url_sb_ipv4(const char *host, size_t len, char out[16]);

/*
 * Lookup expressions.  URL_SB_SPEC: what the Safe Browsing documentation prescribes (the exact
 * host plus up to 4 suffixes formed from the last 5 labels); URL_SB_GOCLIENT: what Google's Go
 * reference client does (every suffix of at most 7 labels).  They differ only for hosts of 6 or
 * more labels; the spec's form is what vigia uses (docs/internals/url.md).
 */
enum url_sb_mode { URL_SB_SPEC = 0, URL_SB_GOCLIENT };

/* One expression: canon-relative slices host suffix + path prefix. */
struct url_expr {
	uint32_t host_off, host_len, path_off, path_len;
};
/* The host suffixes to look up (at most 7; IP hosts only themselves): offsets into c->canon
 * with the host's end as their end.  Returns the count. */
size_t url_lookup_hosts(const struct url_canon *c, enum url_sb_mode mode, uint32_t off[7]);
/* The path prefixes (at most 6): lengths from c->path_off.  Returns the count. */
size_t url_lookup_paths(const struct url_canon *c, uint32_t len[6]);
/* Every expression (host x path), at most URL_MAX_EXPR.  Returns the count. */
size_t url_expressions(const struct url_canon *c, enum url_sb_mode mode,
                       struct url_expr out[URL_MAX_EXPR]);
/* Write expression e of c into out (replacing its contents). */
int url_expr_text(const struct url_canon *c, const struct url_expr *e, struct buf *out);

/* ---- url_host.c: WHATWG host parser --------------------------------------------------------- */

/*
 * The URL Standard's host parser for special schemes (http, https, ws, wss, ftp, file):
 * percent-decode, domain to ASCII (UTS #46 via libidn2, CheckHyphens off, non-transitional),
 * forbidden code points, IPv4 (ends-in-a-number rule, octal/hex/short forms), IPv6 with its
 * serialization.  The serialized host goes into out.  V_OK, or V_ERR_PARSE with *reason set
 * (untranslated).  not_special: 1 for an opaque host (other schemes).
 */
int url_whatwg_host(const char *in, size_t len, int not_special, struct buf *out,
                    const char **reason);

/* IPv6 text (no brackets) to 8 pieces: 1, or 0 when it is not a valid address (WHATWG). */
int url_ipv6_parse(const char *in, size_t len, uint16_t pieces[8]);
/* WHATWG serialization (lower-case hex, longest run of two or more zeros as "::"); no
 * brackets.  out must hold 40 bytes.  Returns the length. */
size_t url_ipv6_format(const uint16_t pieces[8], char *out);

/* ---- url_list.c: block and allow lists ------------------------------------------------------ */

/*
 * A list of Safe Browsing expressions and SHA-256 hashes.  An entry is written as a URL or a
 * host ("evil.example", "http://evil.example/" match the host and every subdomain; a URL whose
 * path ends in '/' matches every URL under that prefix; any other URL matches that path with
 * any query), or as "sha256:" and 8 to 64 hex digits (a hash or hash prefix of an
 * expression).  Built once, then read-only: lookups on a sealed list need no lock.
 */
struct url_list;
struct url_list *url_list_new(void); /* NULL on OOM */
void url_list_free(struct url_list *l);
/* Add one entry; source (copied) and line name it in matches.  V_OK, V_SKIP (blank or '#'),
 * V_ERR_PARSE/V_ERR_INVALID with err naming source, line and reason, V_ERR_NOMEM. */
int url_list_add(struct url_list *l, const char *entry, size_t len, const char *source, long line,
                 struct verr *err);
/* Every line of a file.  Bad lines are counted in *bad (the first one described in err) and
 * do not stop the rest; V_OK unless the file cannot be read (V_ERR_IO). */
int url_list_load_file(struct url_list *l, const char *path, size_t *bad, struct verr *err);
/* Build the lookup table; after this the list is read-only.  V_OK or V_ERR_NOMEM. */
int url_list_seal(struct url_list *l);
size_t url_list_count(const struct url_list *l);
size_t url_list_bytes(const struct url_list *l); /* memory held */
/* Write the entries, one a line, in a form url_list_add reads back. */
void url_list_write(const struct url_list *l, FILE *f);

struct url_match {
	const char *entry;  /* the expression as stored ("evil.example/"), borrowed from the list */
	const char *source; /* file name or "store:<feed>", borrowed */
	long line;
	const char *kind; /* "host", "prefix", "url", "hash" (static) */
};
/* The entries of l that c's expressions hit, at most max into m.  Returns the count. */
size_t url_list_match(const struct url_list *l, const struct url_canon *c, struct url_match *m,
                      size_t max);

/*
 * A block list and an allow list published together, reference counted, and a holder that
 * swaps a new pair in atomically: a reload builds the new lists aside (as long as it takes)
 * and then only exchanges a pointer, so lookups never wait for a load.  A reader keeps the
 * pair it got until it releases it, however many reloads happen meanwhile.
 */
struct url_lists {
	struct url_list *block, *allow; /* owned; either may be NULL */
	uint64_t generation;            /* set by url_holder_set: 1, 2, ... */
	int refs;                       /* atomic */
};
/* Takes ownership of block and allow (freed with the pair).  NULL on OOM (and frees them). */
struct url_lists *url_lists_new(struct url_list *block, struct url_list *allow);
void url_lists_release(struct url_lists *ls);
struct url_holder;
struct url_holder *url_holder_new(void);
void url_holder_free(struct url_holder *h); /* releases the current pair */
/* Publish ls (ownership passes to the holder); the previous pair is released. */
void url_holder_set(struct url_holder *h, struct url_lists *ls);
/* The current pair with a reference the caller releases (url_lists_release), or NULL. */
struct url_lists *url_holder_get(struct url_holder *h);

/* ---- url_check.c: the verdict ------------------------------------------------------------ */

enum url_verdict { URL_CLEAN = 0, URL_SUSPICIOUS, URL_MALICIOUS, URL_UNKNOWN, URL_INVALID };
const char *url_verdict_name(enum url_verdict v); /* "clean", ...: static, not translated */

#define URL_MAX_REASONS 24
#define URL_MAX_MATCHES 8
/* Scores from which a URL is suspicious and malicious.  The heuristics alone (hand-set
 * weights) use 50 and 80.  A model's score is scaled, when it is trained, so that the lines
 * chosen on its validation folds fall at 65 and 80 (url_model_lines, docs/url-analysis.md). */
#define URL_SCORE_SUSPICIOUS_HEURISTIC 50
#define URL_SCORE_SUSPICIOUS_MODEL     65
#define URL_SCORE_MALICIOUS            80

/* One reason: a stable name (docs/url-analysis.md lists them), its weight in the heuristic
 * score, and a detail for the analyst ("paypal in a host of example.tk"). */
struct url_reason {
	const char *name; /* static */
	int weight;
	char detail[120];
};

struct url_model;

struct url_result {
	enum url_verdict verdict;
	int score;           /* 0..100 */
	int heuristic_score; /* sum of the reasons' weights, at most 100 */
	double model_p;      /* the model's probability of malicious; -1 without a model */
	struct url_reason reason[URL_MAX_REASONS];
	size_t nreasons;
	struct url_match match[URL_MAX_MATCHES]; /* block-list hits (or allow-list hits) */
	size_t nmatch;
	int allowed;             /* 1: matches are allow-list entries */
	char registrable[520];   /* eTLD+1 (libpsl), the IP for an IP host, "" */
	const char *invalid;     /* verdict invalid: why (untranslated) */
	struct url_canon c;      /* the canonical form and its parts */
	struct url_lists *lists; /* held while match[] points into it */
};
void url_result_init(struct url_result *r);
void url_result_fini(struct url_result *r); /* drops the list reference */

struct url_checker_options {
	const char *psl_path;     /* public suffix list (.dat or .dafsa); NULL: Debian's */
	const char *model_path;   /* NULL or "": no model (heuristics alone) */
	struct url_holder *lists; /* borrowed, may be NULL; outlives the checker */
};
/* The data files (embedded data/url/), libpsl, ICU's spoof checker and the model.  V_OK, or an
 * error in err (a file that cannot be read, a damaged model). */
struct url_checker;
int url_checker_new(const struct url_checker_options *o, struct url_checker **out,
                    struct verr *err);
void url_checker_free(struct url_checker *k);
int url_checker_has_model(const struct url_checker *k);

/* Check one URL (any bytes).  r is reused between calls (url_result_init once). */
void url_check(struct url_checker *k, const char *in, size_t len, struct url_result *r);

/* The heuristics alone, on r->c already canonicalized: fills r->reason, r->heuristic_score
 * and r->registrable.  (url_check calls it; training uses it for features.) */
void url_heuristics(struct url_checker *k, const char *in, size_t len, struct url_result *r);

/* ---- url_model.c: the lexical model ---------------------------------------------------------- */

#define URL_MODEL_BITS        20 /* 2^20 hashed feature buckets */
#define URL_MAX_FEATURES      1024
#define URL_MODEL_INNER_FOLDS 4 /* validation folds the verdict lines are chosen on */
#define URL_MODEL_BAG         3 /* SGD runs (shuffle seeds) averaged into one model */
/* The grid of hyper-parameters one pair is chosen from on validation folds: the weight of a
 * benign row of a popular site in training, and SGD's initial learning rate
 * (docs/url-analysis.md: the fourth pass moved both, from 1 or 3 and 0.2 or 0.05). */
#define URL_MODEL_POPULAR_WEIGHTS 30.0, 60.0
#define URL_MODEL_LEARNING_RATES  0.03, 0.02
/* The second stage (docs/url-analysis.md, fifth pass): gradient-boosted trees (libxgboost) over
 * URL_MODEL_DENSE dense features of a URL and the logistic regression's out-of-fold logit;
 * URL_BOOST_ROUNDS trees of depth URL_BOOST_DEPTH, learning rate URL_BOOST_ETA (chosen on
 * validation folds of the development part; the alternatives tried are in the doc). */
#define URL_MODEL_DENSE  50
#define URL_BOOST_ROUNDS 150
#define URL_BOOST_DEPTH  "6"
#define URL_BOOST_ETA    "0.1"
/* How the lines are chosen on validation scores (never on a test fold): suspicious at the
 * score with the best validation accuracy among those where the false-positive rate on
 * popular sites (rows of a source whose name starts with URL_POPULAR_SOURCE) is at most
 * URL_SELECT_POPULAR_FPR percent, a margin under the 1% target, and the precision at least
 * URL_SELECT_PRECISION; malicious at the lowest score from there with a precision of at least
 * URL_SELECT_PRECISION_MALICIOUS.  The grid point with the best validation accuracy wins. */
#define URL_POPULAR_SOURCE             "tranco"
#define URL_SELECT_POPULAR_FPR         0.75
#define URL_SELECT_PRECISION           97.0
#define URL_SELECT_PRECISION_MALICIOUS 99.0

/* Hashed features of a checked URL (after url_heuristics): host and path character n-grams,
 * tokens, the registrable domain, the TLD, the reasons, length classes.  Returns the count. */
size_t url_features(const char *in, size_t len, const struct url_result *r, uint32_t *f,
                    size_t max);
int url_model_load(const char *path, struct url_model **out, struct verr *err);
void url_model_free(struct url_model *m);
/* The verdict lines the model was trained with: scores from which a URL is suspicious and
 * malicious (1..100, suspicious <= malicious). */
void url_model_lines(const struct url_model *m, int *suspicious, int *malicious);
/* The model's estimate (0..1, the scaled score / 100) for a checked URL r whose hashed
 * features are f[0..n): the logistic regression's logit, then the boosted trees over r's dense
 * features and that logit (walked by url_trees.c). */
double url_model_predict(const struct url_model *m, const struct url_result *r, const uint32_t *f,
                         size_t n);
/* The row the trees see for a checked URL r with hashed features f[0..n): its dense features
 * and, last, the regression's logit; x has URL_MODEL_DENSE elements (OUT). */
void url_model_dense(const struct url_model *m, const struct url_result *r, const uint32_t *f,
                     size_t n, float *x);
/* Boosted trees (a libxgboost BoosterHandle) fitted to n rows of URL_MODEL_DENSE features x
 * with labels y and weights w (NULL: 1 each): log loss, histogram method, one thread, a fixed
 * seed, verbosity 0, then the npar (name, value) pairs of params, and rounds rounds.  NULL
 * when libxgboost fails (XGBGetLastError says why).  The caller frees it (XGBoosterFree). */
void *url_boost_fit(const float *x, const float *y, const float *w, size_t n,
                    const char *const (*params)[2], size_t npar, int rounds);

/* ---- url_trees.c: the boosted trees, walked ----------------------------------------------- */

struct url_trees;
/* The trees of a libxgboost model saved as JSON (json[0..len), borrowed), for rows of nfeat
 * features, into *out (caller frees with url_trees_free).  V_OK, or V_ERR_INVALID with the
 * reason in why[0..n) (translated): not JSON, a model the walker does not implement (another
 * objective or booster, several classes, categorical splits, another number of features) or
 * malformed trees. */
int url_trees_from_json(const char *json, size_t len, size_t nfeat, struct url_trees **out,
                        char *why, size_t n);
/* The raw margin (before the logistic) of row x[0..nfeat): NaN is a missing value.  The same
 * float, bit for bit, as libxgboost 1.7's XGBoosterPredictFromDense with missing=NaN. */
float url_trees_margin(const struct url_trees *t, const float *x);
void url_trees_free(struct url_trees *t);

struct url_train_options {
	const char *data; /* labeled TSV: label<TAB>url<TAB>source */
	const char *out;  /* model file to write; NULL: none (cross-validation only) */
	int folds; /* > 1: nested cross-validation by registrable domain, report per source */
	int epochs;
	FILE *report;            /* where the evaluation goes */
	int json;                /* report as JSON */
	const char *predictions; /* NULL, or a TSV of every row's held-out score (folds > 1) */
};
int url_model_train(struct url_checker *k, const struct url_train_options *o, struct verr *err);

/* ---- url_setup.c: lists from the settings ---------------------------------------------------- */

struct store;
/* Add the URLs (source.url, destination.url) of every phishing and malware-distribution event
 * in the store (URLhaus, OpenPhish, PhishTank... feeds) to l; their source is "store:<feed>",
 * their line the event id.  *added (may be NULL) counts them. */
int url_list_add_store(struct url_list *l, struct store *st, size_t *added, struct verr *err);
/* Block and allow lists from comma-separated sources (files, or "store" with st open), sealed
 * and paired.  Bad lines are counted in *bad and skipped.  OUT: *out (release it). */
int url_lists_build(const char *block, const char *allow, struct store *st, struct url_lists **out,
                    size_t *bad, struct verr *err);

#endif
