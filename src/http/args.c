/*
 * args.c — reading what a request carries, shared by every handler file of src/http (api.c,
 * api_constituency.c, ui.c, ui_api.c): a bounded decimal query argument, the numeric id of a
 * route's placeholder, and a JSON object body.  Each answers the same way wherever it is used,
 * and a handler that finds a bad value sends the error itself (except http_json_body, which
 * sends it: a body is refused the same way everywhere).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_impl.h"

int http_int_arg(const struct http_request *rq, const char *key, long long lo, long long hi,
		 long long dflt, long long *out)
{
	const char *s = http_arg(rq, key);
	char *end;

	*out = dflt;
	if (!s)
		return 0;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || end == s || *end || *out < lo || *out > hi ? -1 : 0;
}

int http_id_param(const struct http_call *c, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(c->params[0], &end, 10);
	if (errno || end == c->params[0] || *end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

json_t *http_json_body(const struct http_request *rq, struct http_response *rs)
{
	json_t *j;

	if (!rq->content_type || strncmp(rq->content_type, HTTP_JSON, strlen(HTTP_JSON))) {
		http_error(rs, 0, 415, "unsupported media type", "send application/json");
		return NULL;
	}
	j = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		http_error(rs, 0, 400, "bad request", "the body is not a JSON object");
		return NULL;
	}
	return j;
}
