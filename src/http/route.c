/*
 * route.c — http_handle(): authentication, the route table, the role check, and the response
 * helpers every handler uses (http.h).
 *
 * The table is data: method, path pattern ("{}" matches one path segment of 1..127 bytes
 * without '/'), what the caller's role needs (auth.h), whether errors are TAXII's, and the
 * handler.  A path that matches no pattern is 404; one whose pattern matches under another
 * method is 405.  Credentials are checked before the route's need, so a client without them
 * learns nothing but 401.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "base/log.h"
#include "http/api_constituency.h"
#include "http/http_impl.h"
#include "http/taxii_write.h"
#include "http/ui.h"

struct route {
	const char *method, *pattern;
	enum http_need need;
	int taxii;
	http_handler_fn fn;
};

static const struct route routes[] = {
    {"GET", "/api/v1/openapi.json", HTTP_NEED_NONE, 0, api_openapi},
    {"GET", "/api/v1/whoami", HTTP_NEED_TAXII, 0, api_whoami},
    {"GET", "/api/v1/events", HTTP_NEED_READ, 0, api_events},
    {"GET", "/api/v1/incidents", HTTP_NEED_READ, 0, api_incidents},
    {"GET", "/api/v1/incidents/{}", HTTP_NEED_READ, 0, api_incident},
    {"PATCH", "/api/v1/incidents/{}", HTTP_NEED_WRITE, 0, api_incident_set},
    {"POST", "/api/v1/incidents/{}/notes", HTTP_NEED_WRITE, 0, api_incident_note},
    /* the constituency and notifications (api_constituency.c) */
    {"GET", "/api/v1/constituency/orgs", HTTP_NEED_READ, 0, api_orgs},
    {"GET", "/api/v1/constituency/orgs/{}", HTTP_NEED_READ, 0, api_org},
    {"PUT", "/api/v1/constituency/orgs/{}", HTTP_NEED_ADMIN, 0, api_org_put},
    {"DELETE", "/api/v1/constituency/orgs/{}", HTTP_NEED_ADMIN, 0, api_org_delete},
    {"GET", "/api/v1/constituency/certs", HTTP_NEED_READ, 0, api_certs},
    {"GET", "/api/v1/constituency/certs/{}", HTTP_NEED_READ, 0, api_cert},
    {"PUT", "/api/v1/constituency/certs/{}", HTTP_NEED_ADMIN, 0, api_cert_put},
    {"DELETE", "/api/v1/constituency/certs/{}", HTTP_NEED_ADMIN, 0, api_cert_delete},
    {"GET", "/api/v1/notifications", HTTP_NEED_READ, 0, api_notifications},
    {"GET", "/api/v1/incidents/{}/notifications/plan", HTTP_NEED_READ, 0,
     api_notification_plan},
    {"GET", "/api/v1/incidents/{}/export", HTTP_NEED_READ, 0, api_incident_export},
    /* files in and out: attachments, the constituency as a file, reports (ui_files.c) */
    {"GET", "/api/v1/incidents/{}/attachments", HTTP_NEED_READ, 0, api_attachments},
    {"GET", "/api/v1/incidents/{}/attachments/{}", HTTP_NEED_READ, 0, api_attachment_get},
    {"POST", "/api/v1/incidents/{}/attachments", HTTP_NEED_WRITE, 0, api_attachment_post},
    {"GET", "/api/v1/incidents/{}/report", HTTP_NEED_READ, 0, api_report_case},
    {"GET", "/api/v1/constituency/export", HTTP_NEED_READ, 0, api_constituency_export},
    {"POST", "/api/v1/constituency/import", HTTP_NEED_ADMIN, 0, api_constituency_import},
    {"GET", "/api/v1/reports/period", HTTP_NEED_READ, 0, api_report_period},
    {"GET", "/taxii2/", HTTP_NEED_TAXII, 1, taxii_discovery},
    {"GET", "/taxii2/cti/", HTTP_NEED_TAXII, 1, taxii_api_root},
    {"GET", "/taxii2/cti/collections/", HTTP_NEED_TAXII, 1, taxii_collections},
    {"GET", "/taxii2/cti/collections/{}/", HTTP_NEED_TAXII, 1, taxii_collection},
    {"GET", "/taxii2/cti/collections/{}/objects/", HTTP_NEED_TAXII, 1, taxii_objects},
    {"GET", "/taxii2/cti/collections/{}/manifest/", HTTP_NEED_TAXII, 1, taxii_manifest},
    {"GET", "/taxii2/cti/collections/{}/objects/{}/", HTTP_NEED_TAXII, 1, taxii_object},
    /* the write side and the rest of TAXII 2.1 (taxii_write.c) */
    {"POST", "/taxii2/cti/collections/{}/objects/", HTTP_NEED_TAXII, 1, taxii_objects_post},
    {"DELETE", "/taxii2/cti/collections/{}/objects/{}/", HTTP_NEED_WRITE, 1, taxii_object_delete},
    {"GET", "/taxii2/cti/collections/{}/objects/{}/versions/", HTTP_NEED_TAXII, 1,
     taxii_versions},
    {"GET", "/taxii2/cti/status/{}/", HTTP_NEED_TAXII, 1, taxii_status},
    /* the web UI (ui.h): the page, its assets, sign-in, and the endpoints only it needs */
    {"GET", "/ui/", HTTP_NEED_NONE, 0, ui_page},
    {"GET", "/ui/{}", HTTP_NEED_NONE, 0, ui_asset},
    {"POST", "/ui/login", HTTP_NEED_NONE, 0, ui_login},
    {"POST", "/ui/logout", HTTP_NEED_NONE, 0, ui_logout},
    {"GET", "/ui/api/lang", HTTP_NEED_NONE, 0, ui_api_lang},
    {"POST", "/ui/api/lang", HTTP_NEED_NONE, 0, ui_api_lang},
    {"GET", "/ui/api/session", HTTP_NEED_TAXII, 0, ui_api_session},
    {"POST", "/ui/api/password", HTTP_NEED_TAXII, 0, ui_api_password},
    {"GET", "/ui/api/incidents", HTTP_NEED_READ, 0, ui_api_queue},
    {"GET", "/ui/api/incidents/{}", HTTP_NEED_READ, 0, ui_api_incident},
    {"GET", "/ui/api/incidents/{}/export", HTTP_NEED_READ, 0, ui_api_export},
    {"POST", "/ui/api/bulk", HTTP_NEED_WRITE, 0, ui_api_bulk},
    {"POST", "/ui/api/merge", HTTP_NEED_WRITE, 0, ui_api_merge},
    {"GET", "/ui/api/partners", HTTP_NEED_READ, 0, ui_api_partners},
    {"GET", "/ui/api/orgs", HTTP_NEED_READ, 0, ui_api_orgs},
    {"GET", "/ui/api/dashboard", HTTP_NEED_READ, 0, ui_api_dashboard},
    {"GET", "/ui/api/url", HTTP_NEED_READ, 0, ui_api_url},
};

/* Does path match pattern?  OUT: the placeholders' values into c->params. */
static int match(const char *pattern, const char *path, struct http_call *c)
{
	c->nparams = 0;
	while (*pattern && *path) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t n = strcspn(path, "/");

			if (n == 0 || n >= sizeof(c->params[0]) || c->nparams >= HTTP_MAX_PARAMS)
				return 0;
			memcpy(c->params[c->nparams], path, n);
			c->params[c->nparams++][n] = 0;
			path += n;
			pattern += 2;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return !*pattern && !*path;
}

const char *http_arg(const struct http_request *rq, const char *key)
{
	for (size_t i = 0; i < rq->nargs; i++)
		if (!strcmp(rq->args[i].key, key))
			return rq->args[i].value;
	return NULL;
}

void http_header(struct http_response *rs, const char *name, const char *value)
{
	if (rs->nheaders >= HTTP_MAX_HEADERS)
		return;
	rs->header_names[rs->nheaders] = strdup(name);
	rs->header_values[rs->nheaders] = strdup(value);
	if (!rs->header_names[rs->nheaders] || !rs->header_values[rs->nheaders]) {
		free(rs->header_names[rs->nheaders]);
		free(rs->header_values[rs->nheaders]);
		return;
	}
	rs->nheaders++;
}

void http_json(struct http_response *rs, int status, const char *content_type, void *json)
{
	json_t *j = json;

	free(rs->body);
	rs->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!rs->body) {
		rs->status = 500;
		rs->content_type = HTTP_JSON;
		rs->body = strdup("{\"error\":{\"status\":500,\"title\":\"out of memory\"}}");
		rs->body_len = rs->body ? strlen(rs->body) : 0;
		return;
	}
	rs->status = status;
	rs->content_type = content_type;
	rs->body_len = strlen(rs->body);
}

void http_body_buf(struct http_response *rs, int status, const char *content_type,
                   struct buf *body)
{
	free(rs->body);
	rs->body = body->data; /* handed over: the response frees it */
	rs->body_len = body->len;
	rs->status = status;
	rs->content_type = content_type;
	body->data = NULL;
	body->len = body->size = 0;
}

void http_error(struct http_response *rs, int taxii, int status, const char *title,
                const char *detail)
{
	char code[8];

	snprintf(code, sizeof(code), "%d", status);
	if (taxii)
		http_json(rs, status, HTTP_TAXII,
		          json_pack("{s:s, s:s*, s:s}", "title", title, "description", detail,
		                    "http_status", code));
	else
		http_json(rs, status, HTTP_JSON,
		          json_pack("{s:{s:i, s:s, s:s*}}", "error", "status", status, "title",
		                    title, "detail", detail));
}

void http_response_fini(struct http_response *rs)
{
	free(rs->body);
	for (size_t i = 0; i < rs->nheaders; i++) {
		free(rs->header_names[i]);
		free(rs->header_values[i]);
	}
	memset(rs, 0, sizeof(*rs));
}

void http_handle(const struct http_request *rq, struct http_response *rs)
{
	const struct route *r = NULL;
	struct store_account acct;
	char pwhash[STORE_PWHASH_MAX];
	struct ui_session sess;
	struct http_call c = {0};
	struct verr e = {0};
	int method_seen = 0, taxii;
	enum http_role role;
	int rc;

	memset(rs, 0, sizeof(*rs));
	taxii = rq->path && !strncmp(rq->path, "/taxii2/", 8);
	if (!rq->path || !rq->method || rq->path[0] != '/') {
		http_error(rs, taxii, 400, "bad request", "the request has no path");
		return;
	}
	if (rq->too_many_args) {
		http_error(rs, taxii, 400, "bad request", "too many query parameters");
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct http_call t = {0};

		if (!match(routes[i].pattern, rq->path, &t))
			continue;
		if (strcmp(routes[i].method, rq->method)) {
			method_seen = 1;
			continue;
		}
		r = &routes[i];
		c = t;
		break;
	}
	if (r && r->need == HTTP_NEED_NONE) {
		r->fn(rq, &c, rs);
		return;
	}
	if (!rq->authorization && rq->cookie &&
	    ui_session_from_cookie(rq->cookie, rq->now, &sess) == V_OK) {
		/* the web UI's session cookie (ui.h): it ends when the password changes or the
		 * token it signed in with is revoked; changes need its CSRF token as well */
		rc = store_account_password_get(rq->st, sess.name, &acct, pwhash, &e);
		if (rc == V_OK && !ui_session_current(&sess, pwhash))
			rc = verr_set(&e, V_ERR_NOTFOUND, "", "the session of %s began before its "
			              "password changed", sess.name);
		if (rc == V_OK && sess.token)
			rc = store_token_live(rq->st, sess.token, sess.name, &e);
		sodium_memzero(pwhash, sizeof(pwhash));
		if (rc == V_OK && strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD") &&
		    !ui_csrf_ok(sess.value, rq->csrf)) {
			http_error(rs, taxii, 403, "forbidden",
			           "the CSRF token is missing or wrong");
			return;
		}
	} else {
		rc = http_authenticate(rq->st, rq->authorization, &acct, &rs->token_id, &e);
	}
	if (rc == V_ERR_NOTFOUND) {
		http_error(rs, taxii, 401, "unauthorized", "valid credentials are required");
		if (strncmp(rq->path, "/ui/", 4)) /* a browser would ask for a password itself */
			http_header(rs, "WWW-Authenticate",
			            "Bearer realm=\"vigia\", Basic realm=\"vigia\"");
		log_debug("http: %s %s: 401: %s", rq->method, rq->path, e.reason);
		return;
	}
	if (rc != V_OK) {
		log_error("http: %s", e.reason);
		http_error(rs, taxii, 500, "internal error", "the store could not be read");
		return;
	}
	snprintf(rs->account, sizeof(rs->account), "%s", acct.name);
	if (!r) {
		http_error(rs, taxii, method_seen ? 405 : 404,
		           method_seen ? "method not allowed" : "not found", rq->path);
		return;
	}
	if (http_role_parse(acct.role, &role, &e) != V_OK || !http_role_allows(role, r->need)) {
		http_error(rs, r->taxii, 403, "forbidden", "this account's role may not do that");
		return;
	}
	c.account = &acct;
	c.role = role;
	r->fn(rq, &c, rs);
}
