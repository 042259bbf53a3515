/*
 * ui_files.c — files in and out of `vigia serve`, for the web UI and for scripts alike, under
 * /api/v1 (the routes and their role needs are in route.c; the OpenAPI document in api.c):
 *
 *   GET  /api/v1/incidents/{id}/attachments          list: name, size, SHA-256, who, when
 *   GET  /api/v1/incidents/{id}/attachments/{sha256} the bytes, always as a download
 *   POST /api/v1/incidents/{id}/attachments?name=N   the raw body is the file (http.max_attachment)
 *   GET  /api/v1/constituency/export?format=csv|json the file `vigia constituency export` writes
 *   POST /api/v1/constituency/import?format=&replace=&apply=
 *                                                    check a file, count what it would change,
 *                                                    apply it when apply=1 (administrators)
 *   GET  /api/v1/reports/period?days=N&format=html|pdf         the period report (src/report)
 *   GET  /api/v1/incidents/{id}/report?for=P&format=html|pdf   the case report for partner P
 *
 * A downloaded attachment is hostile until proven otherwise: it goes out as
 * application/octet-stream with Content-Disposition: attachment (a file name cut down to safe
 * characters, the original in filename*), a sandboxing Content-Security-Policy and (server.c)
 * X-Content-Type-Options: nosniff, so a browser saves it and never renders or runs it.
 * Changes go through the layers the CLI uses (cases_attach, constituency_file_apply) and are
 * audited as "api:<account>" (Bearer) or "ui:<account>" (the UI's session cookie, whose CSRF
 * token route.c has checked).  Partner accounts reach none of these (route.c: they need READ).
 *
 * Reports set the process's message locale for their language (report_lang()), so rendering
 * is serialised under one lock and the locale put back after; the PDF renderer (cairo, pango)
 * is not thread-safe either.  PDFs are drawn into a temporary file, read back and removed.
 */
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/utf8.h"
#include "cases/cases.h"
#include "enrich/constituency.h"
#include "http/ui.h"
#include "report/report.h"
#include "share/policy.h"

#define IMPORT_ERRORS_MAX 200 /* bad rows named in one answer; the count says the rest */
#define FILENAME_MAX_SAFE 100

static void failed(struct http_response *rs, int rc, const struct verr *e)
{
	if (rc == V_ERR_NOTFOUND)
		http_error(rs, 0, 404, "not found", e->reason);
	else if (rc == V_ERR_INVALID || rc == V_ERR_PARSE || rc == V_ERR_USAGE)
		http_error(rs, 0, 400, "bad request", e->reason);
	else if (rc == V_ERR_EXISTS)
		http_error(rs, 0, 409, "conflict", e->reason);
	else {
		log_error("http: %s", e->reason);
		http_error(rs, 0, 500, "internal error", "the store could not be read or written");
	}
}

/* "ui:NAME" for the web UI's session, "api:NAME" for a token. */
static void actor(const struct http_request *rq, const struct http_call *c,
                  char out[STORE_NAME_MAX + 8])
{
	snprintf(out, STORE_NAME_MAX + 8, "%s:%s", rq->authorization ? "api" : "ui",
	         c->account->name);
}

/* Hand a malloc'd body to the response. */
static void send_body(struct http_response *rs, int status, const char *type, char *data,
                      size_t len)
{
	free(rs->body);
	rs->body = data ? data : strdup("");
	rs->body_len = data ? len : 0;
	rs->status = rs->body ? status : 500;
	rs->content_type = type;
}

/*
 * Content-Disposition for name (UTF-8, from a person): attachment; filename="ascii" with
 * everything but letters, digits, '.', '-' and '_' made '_' (no leading dot, at most
 * FILENAME_MAX_SAFE bytes), and filename*=UTF-8''... (RFC 8187) carrying the original's last
 * path component percent-encoded.  inline_: "inline" instead of "attachment".
 */
static void disposition(const char *name, int inline_, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char safe[FILENAME_MAX_SAFE + 1], enc[FILENAME_MAX_SAFE * 3 + 1];
	const char *base = name, *p;
	size_t i = 0, j = 0;

	for (p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	for (p = base; *p && i < FILENAME_MAX_SAFE; p++) {
		unsigned char ch = (unsigned char)*p;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		         (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || (ch == '.' && i > 0);

		safe[i++] = ok ? (char)ch : '_';
	}
	safe[i] = 0;
	if (!i || strspn(safe, "_") == i)
		snprintf(safe, sizeof(safe), "attachment");
	for (p = base; *p && j + 3 < sizeof(enc); p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("!#$&+-.^_`|~", ch)) {
			enc[j++] = (char)ch;
		} else {
			enc[j++] = '%';
			enc[j++] = hex[ch >> 4];
			enc[j++] = hex[ch & 15];
		}
	}
	enc[j] = 0;
	snprintf(out, n, "%s; filename=\"%s\"%s%s", inline_ ? "inline" : "attachment", safe,
	         j ? "; filename*=UTF-8''" : "", enc);
}

/* The headers of anything sent as a file to save: never rendered, never run. */
static void download_headers(struct http_response *rs, const char *name)
{
	char cd[FILENAME_MAX_SAFE * 4 + 80];

	disposition(name, 0, cd, sizeof(cd));
	http_header(rs, "Content-Disposition", cd);
	http_header(rs, "Content-Security-Policy", "default-src 'none'; sandbox");
	http_header(rs, "X-Frame-Options", "DENY");
}

static int incident_param(const struct http_request *rq, const struct http_call *c,
                          struct http_response *rs, int64_t *id)
{
	struct store_incident inc;
	struct verr e = {0};
	int rc;

	if (http_id_param(c, id)) {
		http_error(rs, 0, 404, "not found", "an incident id is a positive number");
		return -1;
	}
	if ((rc = store_incident_get(rq->st, *id, &inc, &e)) != V_OK) {
		failed(rs, rc, &e);
		return -1;
	}
	store_incident_free(&inc);
	return 0;
}

/* ---- attachments ------------------------------------------------------------------------- */

struct att_list {
	json_t *arr;
	const char *want; /* list: NULL; download: the hash looked for */
	char name[256];   /* download: the name it is attached under */
	int found;
};

static int att_cb(void *arg, const char *name, const char *sha, int64_t size, int64_t time)
{
	struct att_list *l = arg;

	if (l->want) {
		if (!l->found && !strcmp(sha, l->want)) {
			snprintf(l->name, sizeof(l->name), "%s", name);
			l->found = 1;
		}
		return 0;
	}
	return json_array_append_new(l->arr, json_pack("{s:s, s:s, s:I, s:I, s:n}", "name", name,
	                                               "sha256", sha, "size", (json_int_t)size,
	                                               "time", (json_int_t)time, "by")) == 0
	           ? 0
	           : V_ERR_NOMEM;
}

/* Who attached each: the incident's audit entries "attach" (name and hash in "after"). */
static int att_audit_cb(void *arg, const struct store_audit *a)
{
	json_t *arr = arg, *after, *at, *x;
	const char *name, *sha;
	size_t i;

	if (strcmp(a->action, "attach") || !a->after || !(after = json_loads(a->after, 0, NULL)))
		return 0;
	at = json_object_get(after, "attachment");
	name = json_string_value(json_object_get(at, "name"));
	sha = json_string_value(json_object_get(at, "sha256"));
	json_array_foreach(arr, i, x)
	{
		if (name && sha && json_is_null(json_object_get(x, "by")) &&
		    !strcmp(json_string_value(json_object_get(x, "name")), name) &&
		    !strcmp(json_string_value(json_object_get(x, "sha256")), sha)) {
			json_object_set_new(x, "by", json_string(a->actor));
			json_object_set_new(x, "audited", json_integer(a->time));
		}
	}
	json_decref(after);
	return 0;
}

void api_attachments(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs)
{
	struct att_list l = {0};
	struct verr e = {0};
	char object[40];
	int64_t id;
	int rc;

	if (incident_param(rq, c, rs, &id))
		return;
	if (!(l.arr = json_array())) {
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	snprintf(object, sizeof(object), "incident:%lld", (long long)id);
	if ((rc = store_attachments_list(rq->st, id, att_cb, &l, &e)) != V_OK ||
	    (rc = store_audit_list(rq->st, object, att_audit_cb, l.arr, &e)) != V_OK) {
		json_decref(l.arr);
		failed(rs, rc, &e);
		return;
	}
	http_json(rs, 200, HTTP_JSON,
	          json_pack("{s:I, s:o, s:I}", "incident", (json_int_t)id, "attachments", l.arr,
	                    "max_size", (json_int_t)conf_get_int("http.max_attachment")));
}

static int is_sha256_hex(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

void api_attachment_get(const struct http_request *rq, const struct http_call *c,
                        struct http_response *rs)
{
	struct att_list l = {0};
	struct verr e = {0};
	void *data = NULL;
	size_t len = 0;
	int64_t id;
	int rc;

	if (incident_param(rq, c, rs, &id))
		return;
	if (!is_sha256_hex(c->params[1])) {
		http_error(rs, 0, 404, "not found", "an attachment is named by its SHA-256 (hex)");
		return;
	}
	/* only a file attached to this incident: a hash alone opens nothing else */
	l.want = c->params[1];
	if ((rc = store_attachments_list(rq->st, id, att_cb, &l, &e)) != V_OK) {
		failed(rs, rc, &e);
		return;
	}
	if (!l.found) {
		http_error(rs, 0, 404, "not found", "no such attachment on this incident");
		return;
	}
	if ((rc = store_attachment_get(rq->st, l.want, &data, &len, &e)) != V_OK) {
		failed(rs, rc, &e);
		return;
	}
	send_body(rs, 200, "application/octet-stream", data, len);
	download_headers(rs, l.name);
}

void api_attachment_post(const struct http_request *rq, const struct http_call *c,
                         struct http_response *rs)
{
	char who[STORE_NAME_MAX + 8], sha[65];
	struct cases_ctx cx = {rq->st, who, rq->now};
	const char *name = http_arg(rq, "name"), *base;
	long long max = conf_get_int("http.max_attachment");
	struct verr e = {0};
	int64_t id;
	int rc;

	if (http_id_param(c, &id)) {
		http_error(rs, 0, 404, "not found", "an incident id is a positive number");
		return;
	}
	if (!name || !*name) {
		http_error(rs, 0, 400, "bad request", "name is the attachment's file name");
		return;
	}
	/* a browser may send a path: keep its last component */
	base = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	if (!*base) {
		http_error(rs, 0, 400, "bad request", "name is the attachment's file name");
		return;
	}
	if (max > 0 && rq->body_len > (size_t)max) {
		http_error(rs, 0, 413, "payload too large",
		           "the file is larger than http.max_attachment");
		return;
	}
	if (!utf8_valid(base, strlen(base), NULL)) {
		http_error(rs, 0, 400, "bad request", "name is not UTF-8 text");
		return;
	}
	actor(rq, c, who);
	rc = cases_attach(&cx, id, base, rq->body ? rq->body : "", rq->body_len, sha, &e);
	if (rc != V_OK) {
		failed(rs, rc, &e);
		return;
	}
	log_info("http: %s attached %s (%zu bytes, %s) to incident %lld", who, base, rq->body_len,
	         sha, (long long)id);
	http_json(rs, 201, HTTP_JSON,
	          json_pack("{s:I, s:s, s:s, s:I}", "incident", (json_int_t)id, "name", base,
	                    "sha256", sha, "size", (json_int_t)rq->body_len));
}

/* ---- the constituency as a file ------------------------------------------------------------ */

static int fmt_arg(const struct http_request *rq, enum constituency_fmt dflt,
                   enum constituency_fmt *fmt)
{
	const char *f = http_arg(rq, "format");

	*fmt = dflt;
	return f && *f && constituency_fmt_parse(f, fmt) != V_OK ? -1 : 0;
}

void api_constituency_export(const struct http_request *rq, const struct http_call *c,
                             struct http_response *rs)
{
	enum constituency_fmt fmt;
	struct verr e = {0};
	char *data = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	(void)c;
	if (fmt_arg(rq, CONSTITUENCY_FMT_CSV, &fmt)) {
		http_error(rs, 0, 400, "bad request", "format is csv or json");
		return;
	}
	if (!(f = open_memstream(&data, &len))) {
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	rc = constituency_export(rq->st, fmt, f, &e);
	if (fclose(f) != 0 && rc == V_OK)
		rc = verr_set(&e, V_ERR_NOMEM, "", "out of memory");
	if (rc != V_OK) {
		free(data);
		failed(rs, rc, &e);
		return;
	}
	send_body(rs, 200,
	          fmt == CONSTITUENCY_FMT_JSON ? HTTP_JSON : "text/csv; charset=utf-8", data, len);
	download_headers(rs, fmt == CONSTITUENCY_FMT_JSON ? "constituency.json"
	                                                  : "constituency.csv");
}

struct import_errors {
	json_t *arr;
	size_t n;
};

static json_t *error_json(const struct verr *e)
{
	return json_pack("{s:I, s:s, s:s}", "line", (json_int_t)e->line, "field", e->field,
	                 "reason", e->reason);
}

static int import_error_cb(void *arg, const struct verr *e)
{
	struct import_errors *x = arg;

	if (x->n++ < IMPORT_ERRORS_MAX)
		json_array_append_new(x->arr, error_json(e));
	return V_OK;
}

static int by_line(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "line")),
	           y = json_integer_value(json_object_get(*(json_t *const *)b, "line"));

	return x < y ? -1 : x > y;
}

/* The rows' errors in the order of their lines (the reader finds them in two passes). */
static json_t *sorted_errors(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = n ? calloc(n, sizeof(*v)) : NULL, *out;

	if (!v)
		return arr;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), by_line);
	if (!(out = json_array())) {
		for (size_t i = 0; i < n; i++)
			json_decref(v[i]);
		free(v);
		return arr;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	json_decref(arr);
	return out;
}

static json_t *counts_json(size_t added, size_t changed, size_t unchanged, size_t removed)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "added", (json_int_t)added, "changed",
	                 (json_int_t)changed, "unchanged", (json_int_t)unchanged, "removed",
	                 (json_int_t)removed);
}

void api_constituency_import(const struct http_request *rq, const struct http_call *c,
                             struct http_response *rs)
{
	struct import_errors x = {json_array(), 0};
	struct constituency_file *f = NULL;
	struct constituency_diff d;
	enum constituency_fmt fmt;
	struct verr e = {0};
	long long replace, apply;
	char who[STORE_NAME_MAX + 8], *text = NULL;
	size_t norgs = 0, ncerts = 0;
	json_t *out;
	int rc;

	if (!x.arr) {
		http_error(rs, 0, 500, "internal error", "out of memory");
		return;
	}
	if (fmt_arg(rq, CONSTITUENCY_FMT_AUTO, &fmt) ||
	    http_int_arg(rq, "replace", 0, 1, 0, &replace) ||
	    http_int_arg(rq, "apply", 0, 1, 0, &apply)) {
		json_decref(x.arr);
		http_error(rs, 0, 400, "bad request",
		           "format is csv or json; replace and apply 0 or 1");
		return;
	}
	/* the whole file is checked first; every bad CSV row is named with its line */
	rc = constituency_file_check_buffer("upload", rq->body ? rq->body : "", rq->body_len, fmt,
	                                    import_error_cb, &x, &f, &e);
	if (rc != V_OK) {
		if (rc == V_ERR_NOMEM) {
			json_decref(x.arr);
			http_error(rs, 0, 500, "internal error", "out of memory");
			return;
		}
		if (!x.n) /* one fault that is not a row's (JSON, header, conflict in the file) */
			json_array_append_new(x.arr, error_json(&e));
		http_json(rs, 422, HTTP_JSON,
		          json_pack("{s:{s:i, s:s, s:s}, s:b, s:I, s:o}", "error", "status", 422,
		                    "title", "unprocessable", "detail", e.reason, "valid", 0,
		                    "error_count", (json_int_t)(x.n ? x.n : 1), "errors",
		                    sorted_errors(x.arr)));
		return;
	}
	json_decref(x.arr);
	constituency_file_counts(f, &norgs, &ncerts);
	actor(rq, c, who);
	/* the diff, then the apply inside a transaction: its checks against the organisations
	 * outside the file run as for real, and without apply=1 it is rolled back */
	if ((rc = store_begin(rq->st, &e)) == V_OK) {
		json_t *after = json_pack("{s:s, s:I, s:I, s:b}", "file", "upload", "organisations",
		                          (json_int_t)norgs, "certs", (json_int_t)ncerts, "replace",
		                          (int)replace);

		text = after ? json_dumps(after, JSON_COMPACT) : NULL;
		json_decref(after);
		if (!text)
			rc = verr_set(&e, V_ERR_NOMEM, "", "out of memory");
		if (rc == V_OK)
			rc = constituency_file_diff(rq->st, f, (int)replace, &d, &e);
		if (rc == V_OK)
			rc = constituency_file_apply(rq->st, f, (int)replace, &e);
		if (rc == V_OK && apply)
			rc = store_audit_append(rq->st, who, "constituency",
			                        replace ? "replace" : "import", NULL, text, &e);
		if (rc == V_OK && apply)
			rc = store_commit(rq->st, &e);
		else
			store_rollback(rq->st);
	}
	free(text);
	constituency_file_free(f);
	if (rc == V_ERR_EXISTS || rc == V_ERR_INVALID) {
		http_json(rs, 422, HTTP_JSON,
		          json_pack("{s:{s:i, s:s, s:s}, s:b, s:I, s:[o]}", "error", "status", 422,
		                    "title", "unprocessable", "detail", e.reason, "valid", 0,
		                    "error_count", (json_int_t)1, "errors", error_json(&e)));
		return;
	}
	if (rc != V_OK) {
		failed(rs, rc, &e);
		return;
	}
	if (apply)
		log_info("http: %s imported a constituency (%zu organisations, %zu CERTs%s)", who,
		         norgs, ncerts, replace ? ", replacing the rest" : "");
	out = json_pack("{s:b, s:b, s:b, s:o, s:o}", "valid", 1, "applied", (int)apply, "replace",
	                (int)replace, "organisations",
	                counts_json(d.orgs_added, d.orgs_changed, d.orgs_unchanged, d.orgs_removed),
	                "certs",
	                counts_json(d.certs_added, d.certs_changed, d.certs_unchanged,
	                            d.certs_removed));
	http_json(rs, 200, HTTP_JSON, out);
}

/* ---- reports -------------------------------------------------------------------------------- */

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int report_pdf_drawn;

/* Under report_lock: the messages locale for lang; OUT: saved (the one to put back). */
static int report_enter(const char *lang, const char **chosen, char *saved, size_t n,
                        struct verr *e)
{
	const char *cur;

	pthread_mutex_lock(&report_lock);
	cur = setlocale(LC_MESSAGES, NULL);
	snprintf(saved, n, "%s", cur ? cur : "C");
	return report_lang(lang, chosen, e);
}

static void report_leave(const char *saved)
{
	setlocale(LC_MESSAGES, saved);
	pthread_mutex_unlock(&report_lock);
}

/* A PDF drawn by draw into a temporary file, read back into *data (malloc'd). */
static int pdf_to_memory(int (*draw)(const void *, const char *, struct verr *),
                         const void *what, char **data, size_t *len, struct verr *e)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	struct buf b;
	FILE *f;
	int fd, rc;

	*data = NULL;
	*len = 0;
	if (snprintf(path, sizeof(path), "%s/vigia-report-XXXXXX",
	             dir && *dir ? dir : "/tmp") >= (int)sizeof(path))
		return verr_set(e, V_ERR_IO, "", "TMPDIR is too long");
	if ((fd = mkstemp(path)) < 0)
		return verr_set(e, V_ERR_IO, "", "cannot make a temporary file: %s",
		                strerror(errno));
	close(fd);
	report_pdf_drawn = 1;
	if ((rc = draw(what, path, e)) == V_OK) {
		buf_init(&b, (size_t)256 << 20);
		if (!(f = fopen(path, "rb"))) {
			rc = verr_set(e, V_ERR_IO, "", "%s: %s", path, strerror(errno));
		} else {
			char chunk[65536];
			size_t got;

			while (rc == V_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
				rc = buf_append(&b, chunk, got);
			if (rc == V_OK && ferror(f))
				rc = verr_set(e, V_ERR_IO, "", "%s: %s", path, strerror(errno));
			fclose(f);
		}
		if (rc == V_OK) {
			*data = b.data;
			*len = b.len;
			b.data = NULL;
		}
		buf_fini(&b);
	}
	unlink(path);
	return rc;
}

struct period_draw {
	const struct report_period *p;
	const char *team;
};

static int draw_period(const void *arg, const char *path, struct verr *e)
{
	const struct period_draw *pd = arg;

	return report_period_pdf(pd->p, pd->team, path, e);
}

static int draw_case(const void *arg, const char *path, struct verr *e)
{
	return report_case_pdf(arg, path, e);
}

/* "html" (default) or "pdf"; -1 for anything else. */
static int pdf_arg(const struct http_request *rq)
{
	const char *f = http_arg(rq, "format");

	if (!f || !*f || !strcmp(f, "html"))
		return 0;
	return !strcmp(f, "pdf") ? 1 : -1;
}

/* The report in html (a buffer) or pdf: into the response, as a page or a download. */
static void send_report(struct http_response *rs, int pdf, struct buf *html, char *pdfdata,
                        size_t pdflen, const char *filename)
{
	char cd[FILENAME_MAX_SAFE * 4 + 80];

	if (pdf) {
		send_body(rs, 200, "application/pdf", pdfdata, pdflen);
		download_headers(rs, filename);
		return;
	}
	send_body(rs, 200, "text/html; charset=utf-8", html->data, html->len);
	html->data = NULL;
	/* our own document (data escaped by report_html.c), shown in its tab: its inline
	 * style and SVG charts only, no script, no network */
	disposition(filename, 1, cd, sizeof(cd));
	http_header(rs, "Content-Disposition", cd);
	http_header(rs, "Content-Security-Policy",
	            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox");
	http_header(rs, "X-Frame-Options", "DENY");
	http_header(rs, "Referrer-Policy", "no-referrer");
}

void api_report_period(const struct http_request *rq, const struct http_call *c,
                       struct http_response *rs)
{
	struct report_period p;
	struct verr e = {0};
	struct buf html;
	const char *lang = http_arg(rq, "lang"), *chosen;
	char saved[256], name[64], day[16], *pdfdata = NULL;
	size_t pdflen = 0;
	long long days;
	int pdf = pdf_arg(rq), rc;

	(void)c;
	if (pdf < 0 || http_int_arg(rq, "days", 1, REPORT_MAX_DAYS, 30, &days)) {
		http_error(rs, 0, 400, "bad request", "format is html or pdf; days is 1..1000");
		return;
	}
	if (!lang || !*lang)
		lang = ui_lang(rq);
	memset(&p, 0, sizeof(p));
	buf_init(&html, (size_t)256 << 20);
	if ((rc = report_enter(lang, &chosen, saved, sizeof(saved), &e)) == V_OK) {
		rc = report_period_load(rq->st, rq->now - days * 86400, rq->now, 10, 10, &p, &e);
		if (rc == V_OK && pdf) {
			struct period_draw pd = {&p, conf_get("share.team_name")};

			rc = pdf_to_memory(draw_period, &pd, &pdfdata, &pdflen, &e);
		} else if (rc == V_OK) {
			rc = report_period_html(&p, chosen, conf_get("share.team_name"), &html);
			if (rc != V_OK)
				verr_set(&e, rc, "", "the report could not be written");
		}
	}
	report_leave(saved);
	report_period_fini(&p);
	if (rc != V_OK) {
		buf_fini(&html);
		failed(rs, rc, &e);
		return;
	}
	report_day(rq->now, day);
	snprintf(name, sizeof(name), "vigia-report-%s-%lldd.%s", day, days, pdf ? "pdf" : "html");
	send_report(rs, pdf, &html, pdfdata, pdflen, name);
	buf_fini(&html);
}

void api_report_case(const struct http_request *rq, const struct http_call *c,
                     struct http_response *rs)
{
	const char *partner = http_arg(rq, "for"), *lang = http_arg(rq, "lang"), *chosen;
	struct policy_recipient r;
	struct store_partner *sp = NULL;
	struct report_case rc_;
	struct verr e = {0};
	struct buf html;
	enum tlp dflt;
	char saved[256], name[64], *pdfdata = NULL;
	size_t pdflen = 0;
	int64_t id;
	int pdf = pdf_arg(rq), rc;

	if (http_id_param(c, &id)) {
		http_error(rs, 0, 404, "not found", "an incident id is a positive number");
		return;
	}
	if (pdf < 0) {
		http_error(rs, 0, 400, "bad request", "format is html or pdf");
		return;
	}
	if (policy_tlp_parse(conf_get("share.default_tlp"), &dflt, &e) != V_OK)
		dflt = TLP_AMBER;
	memset(&r, 0, sizeof(r));
	if (partner && *partner) {
		if ((rc = store_partner_get(rq->st, partner, &sp, &e)) == V_OK)
			rc = policy_recipient_init(&r, sp, &e);
		store_partner_free(sp);
		if (rc != V_OK) {
			if (rc == V_ERR_NOTFOUND)
				http_error(rs, 0, 404, "not found", "no such partner");
			else
				failed(rs, rc, &e);
			return;
		}
	} else {
		policy_recipient_kind(&r, RK_INTERNAL); /* the team's own copy, as the CLI */
	}
	if (!lang || !*lang)
		lang = ui_lang(rq);
	memset(&rc_, 0, sizeof(rc_));
	buf_init(&html, (size_t)256 << 20);
	if ((rc = report_enter(lang, &chosen, saved, sizeof(saved), &e)) == V_OK) {
		rc = report_case_load(rq->st, id, &r, dflt, &rc_, &e);
		if (rc == V_OK && pdf) {
			rc = pdf_to_memory(draw_case, &rc_, &pdfdata, &pdflen, &e);
		} else if (rc == V_OK) {
			rc = report_case_html(&rc_, chosen, &html);
			if (rc != V_OK)
				verr_set(&e, rc, "", "the report could not be written");
		}
	}
	report_leave(saved);
	report_case_fini(&rc_);
	policy_recipient_fini(&r);
	if (rc == V_ERR_INVALID) { /* the policy withholds the whole incident from them */
		buf_fini(&html);
		http_error(rs, 0, 409, "conflict", e.reason);
		return;
	}
	if (rc != V_OK) {
		buf_fini(&html);
		failed(rs, rc, &e);
		return;
	}
	snprintf(name, sizeof(name), "vigia-incident-%lld.%s", (long long)id, pdf ? "pdf" : "html");
	send_report(rs, pdf, &html, pdfdata, pdflen, name);
	buf_fini(&html);
}

void ui_files_shutdown(void)
{
	pthread_mutex_lock(&report_lock);
	if (report_pdf_drawn)
		report_pdf_shutdown();
	report_pdf_drawn = 0;
	pthread_mutex_unlock(&report_lock);
}
