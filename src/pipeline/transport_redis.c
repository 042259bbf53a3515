/*
 * transport_redis.c — Redis Streams through hiredis: the worker's input and output.
 *
 * Every call is one command or one pipelined group of commands on a blocking connection
 * (redisAppendCommandArgv, then one redisGetReply per command), with binary-safe arguments.
 * The protocol (consumer groups, acknowledgement after the output is durable, claims of a dead
 * worker's messages) is described in transport.h and docs/internals/transport.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis.h>
#include <jansson.h>

#include "base/i18n.h"
#include "pipeline/transport.h"

struct rstream {
	redisContext *c;
	char url[512];
	char key[256];
	char server[300];   /* "host:port": two streams on one server share transactions */
};

/* ---- batches --------------------------------------------------------------------------------- */

void rbatch_init(struct rbatch *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->cursor, sizeof(b->cursor), "0-0");
}

void rbatch_reset(struct rbatch *b)
{
	if (b->reply)
		freeReplyObject(b->reply);
	b->reply = NULL;
	b->n = 0;
}

void rbatch_fini(struct rbatch *b)
{
	rbatch_reset(b);
	free(b->m);
	b->m = NULL;
	b->cap = 0;
}

/* Append the entries of an XREADGROUP/XAUTOCLAIM entry list: [[id, [f, v, ...]], ...]. */
static int batch_entries(struct rbatch *b, const redisReply *list)
{
	if (!list || list->type != REDIS_REPLY_ARRAY)
		return V_OK;
	for (size_t i = 0; i < list->elements; i++) {
		const redisReply *e = list->element[i], *f;
		struct rmsg *m;
		if (!e || e->type != REDIS_REPLY_ARRAY || e->elements < 1 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		if (b->n == b->cap) {
			size_t nc = b->cap ? b->cap * 2 : 64;
			struct rmsg *nm = realloc(b->m, nc * sizeof(*nm));
			if (!nm)
				return V_ERR_NOMEM;
			b->m = nm;
			b->cap = nc;
		}
		m = &b->m[b->n++];
		memset(m, 0, sizeof(*m));
		m->id = e->element[0]->str;
		f = e->elements > 1 ? e->element[1] : NULL;
		if (!f || f->type != REDIS_REPLY_ARRAY) /* deleted meanwhile: no fields */
			continue;
		for (size_t k = 0; k + 1 < f->elements; k += 2) {
			const redisReply *name = f->element[k], *val = f->element[k + 1];
			if (name->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_STRING ||
			    name->len != 1)
				continue;
			if (name->str[0] == 'e') {
				m->event = val->str;
				m->event_len = val->len;
			} else if (name->str[0] == 'm') {
				m->meta = val->str;
				m->meta_len = val->len;
			}
		}
	}
	return V_OK;
}

/* ---- connection ------------------------------------------------------------------------------ */

static int conn_err(struct rstream *rs, struct verr *err)
{
	return verr_set(err, V_ERR_IO, "", _("Redis %s: %s"), rs->url,
			rs->c && rs->c->errstr[0] ? rs->c->errstr : _("no reply"));
}

/* One command; *out gets the reply (caller frees), which is checked for an error reply. */
static int cmd(struct rstream *rs, int argc, const char **argv, const size_t *len,
	       redisReply **out, struct verr *err)
{
	redisReply *r = redisCommandArgv(rs->c, argc, argv, len);

	*out = NULL;
	if (!r)
		return conn_err(rs, err);
	if (r->type == REDIS_REPLY_ERROR) {
		int rc = verr_set(err, V_ERR_IO, argv[0], _("Redis %s: %s"), rs->url, r->str);
		freeReplyObject(r);
		return rc;
	}
	*out = r;
	return V_OK;
}

int rstream_open(const char *url, struct rstream **out, struct verr *err)
{
	struct rstream *rs;
	const char *p, *slash, *colon;
	char host[256];
	long port = 6379;
	struct timeval tv = { 5, 0 };

	*out = NULL;
	if (strncmp(url, "redis://", 8) || !(slash = strchr(p = url + 8, '/')) || !slash[1] ||
	    slash == p || strlen(slash + 1) >= sizeof(rs->key) || strlen(url) >= sizeof(rs->url))
		return verr_set(err, V_ERR_USAGE, "", _("%s: not a stream URL "
							"(redis://HOST[:PORT]/STREAM)"), url);
	colon = memchr(p, ':', (size_t)(slash - p));
	if ((size_t)((colon ? colon : slash) - p) >= sizeof(host))
		return verr_set(err, V_ERR_USAGE, "", _("%s: host name too long"), url);
	snprintf(host, sizeof(host), "%.*s", (int)((colon ? colon : slash) - p), p);
	if (colon) {
		char *end;
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || end != slash || port < 1 || port > 65535)
			return verr_set(err, V_ERR_USAGE, "", _("%s: bad port"), url);
	}
	if (!(rs = calloc(1, sizeof(*rs))))
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	snprintf(rs->url, sizeof(rs->url), "%s", url);
	snprintf(rs->key, sizeof(rs->key), "%s", slash + 1);
	snprintf(rs->server, sizeof(rs->server), "%s:%ld", host, port);
	rs->c = redisConnectWithTimeout(host, (int)port, tv);
	if (!rs->c || rs->c->err) {
		int rc = conn_err(rs, err);
		rstream_close(rs);
		return rc;
	}
	*out = rs;
	return V_OK;
}

void rstream_close(struct rstream *rs)
{
	if (!rs)
		return;
	if (rs->c)
		redisFree(rs->c);
	free(rs);
}

const char *rstream_name(const struct rstream *rs)
{
	return rs->key;
}

const char *rstream_url(const struct rstream *rs)
{
	return rs->url;
}

/* ---- commands -------------------------------------------------------------------------------- */

int rstream_group(struct rstream *rs, const char *group, struct verr *err)
{
	const char *argv[] = { "XGROUP", "CREATE", rs->key, group, "0", "MKSTREAM" };
	redisReply *r = redisCommandArgv(rs->c, 6, argv, NULL);
	int rc = V_OK;

	if (!r)
		return conn_err(rs, err);
	if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9))
		rc = verr_set(err, V_ERR_IO, "XGROUP", _("Redis %s: %s"), rs->url, r->str);
	freeReplyObject(r);
	return rc;
}

int rstream_len(struct rstream *rs, long long *len, struct verr *err)
{
	const char *argv[] = { "XLEN", rs->key };
	redisReply *r;
	int rc = cmd(rs, 2, argv, NULL, &r, err);

	if (rc != V_OK)
		return rc;
	*len = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	return V_OK;
}

/* Read the replies of n pipelined commands; the first error is reported, all are read. */
static int pipeline_replies(struct rstream *rs, size_t n, const char *what, struct verr *err)
{
	int rc = V_OK;

	for (size_t i = 0; i < n; i++) {
		void *vr = NULL;
		redisReply *r;
		if (redisGetReply(rs->c, &vr) != REDIS_OK || !vr)
			return conn_err(rs, err);
		r = vr;
		if (r->type == REDIS_REPLY_ERROR && rc == V_OK)
			rc = verr_set(err, V_ERR_IO, what, _("Redis %s: %s"), rs->url, r->str);
		freeReplyObject(r);
	}
	return rc;
}

/* Queue the XADDs of n messages on c (key: the stream); how many commands. */
static int append_add(redisContext *c, const char *key, size_t n, const char *const *json,
		      const size_t *json_len, const char *const *meta, size_t *cmds)
{
	for (size_t i = 0; i < n; i++) {
		const char *argv[7] = { "XADD", key, "*", "e", json[i], "m", meta ? meta[i] : "" };
		size_t len[7] = { 4, strlen(key), 1, 1, json_len[i], 1,
				  meta && meta[i] ? strlen(meta[i]) : 0 };
		int argc = meta && meta[i] ? 7 : 5;
		if (redisAppendCommandArgv(c, argc, argv, len) != REDIS_OK)
			return -1;
		(*cmds)++;
	}
	return 0;
}

/* Queue XACK and XDEL of the batch's messages (chunks of 512 ids). */
static int append_ack(redisContext *c, const char *key, const char *group,
		      const struct rbatch *b, size_t *cmds)
{
	const char *argv[3 + 512];
	size_t sent = 0;

	while (sent < b->n) {
		size_t k = b->n - sent > 512 ? 512 : b->n - sent;
		for (size_t i = 0; i < k; i++)
			argv[3 + i] = b->m[sent + i].id;
		argv[0] = "XACK";
		argv[1] = key;
		argv[2] = group;
		if (redisAppendCommandArgv(c, (int)(3 + k), argv, NULL) != REDIS_OK)
			return -1;
		argv[0] = "XDEL";
		argv[2] = argv[3 + k - 1]; /* XDEL KEY ID...: the last id moves to the front */
		if (redisAppendCommandArgv(c, (int)(2 + k), argv, NULL) != REDIS_OK)
			return -1;
		*cmds += 2;
		sent += k;
	}
	return 0;
}

int rstream_add(struct rstream *rs, size_t n, const char *const *json, const size_t *json_len,
		const char *const *meta, struct verr *err)
{
	size_t cmds = 0;

	if (append_add(rs->c, rs->key, n, json, json_len, meta, &cmds) != 0)
		return conn_err(rs, err);
	return pipeline_replies(rs, cmds, "XADD", err);
}

int rstream_forward(struct rstream *in, const char *group, const struct rbatch *b,
		    struct rstream *out, size_t n, const char *const *json,
		    const size_t *json_len, const char *const *meta, struct verr *err)
{
	size_t cmds = 0;
	int rc;

	if (out && strcmp(in->server, out->server)) {
		/* two servers: append, then acknowledge (a crash between: delivered again) */
		if ((rc = rstream_add(out, n, json, json_len, meta, err)) != V_OK)
			return rc;
		return rstream_ack(in, group, b, err);
	}
	/* one server: MULTI/EXEC makes the output and the acknowledgement one step */
	if (redisAppendCommand(in->c, "MULTI") != REDIS_OK ||
	    (out && append_add(in->c, out->key, n, json, json_len, meta, &cmds) != 0) ||
	    append_ack(in->c, in->key, group, b, &cmds) != 0 ||
	    redisAppendCommand(in->c, "EXEC") != REDIS_OK)
		return conn_err(in, err);
	if ((rc = pipeline_replies(in, cmds + 1, "MULTI", err)) != V_OK) {
		pipeline_replies(in, 1, "EXEC", NULL);
		return rc;
	}
	{
		void *vr = NULL;
		redisReply *r;
		if (redisGetReply(in->c, &vr) != REDIS_OK || !vr)
			return conn_err(in, err);
		r = vr;
		if (r->type != REDIS_REPLY_ARRAY)
			rc = verr_set(err, V_ERR_IO, "EXEC", _("Redis %s: %s"), in->url,
				      r->type == REDIS_REPLY_ERROR ? r->str :
								     _("transaction failed"));
		for (size_t i = 0; rc == V_OK && i < r->elements; i++)
			if (r->element[i]->type == REDIS_REPLY_ERROR)
				rc = verr_set(err, V_ERR_IO, "EXEC", _("Redis %s: %s"), in->url,
					      r->element[i]->str);
		freeReplyObject(r);
	}
	return rc;
}

int rstream_read(struct rstream *rs, const char *group, const char *consumer, size_t count,
		 int block_ms, struct rbatch *b, struct verr *err)
{
	char cnt[24], blk[24];
	const char *argv[] = { "XREADGROUP", "GROUP", group, consumer, "COUNT", cnt, "BLOCK", blk,
			       "STREAMS", rs->key, ">" };
	redisReply *r;
	int rc;

	rbatch_reset(b);
	snprintf(cnt, sizeof(cnt), "%zu", count ? count : 1);
	snprintf(blk, sizeof(blk), "%d", block_ms > 0 ? block_ms : 1);
	if ((rc = cmd(rs, 11, argv, NULL, &r, err)) != V_OK)
		return rc;
	b->reply = r;
	/* nil on timeout; else [[stream, [entries]]] */
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements >= 2)
		rc = batch_entries(b, r->element[0]->element[1]);
	if (rc != V_OK)
		return verr_set(err, rc, "", "%s", vres_str(rc));
	return V_OK;
}

int rstream_claim(struct rstream *rs, const char *group, const char *consumer,
		  long long min_idle_ms, size_t count, struct rbatch *b, struct verr *err)
{
	char idle[24], cnt[24];
	const char *argv[] = { "XAUTOCLAIM", rs->key, group, consumer, idle, b->cursor, "COUNT",
			       cnt };
	redisReply *r;
	int rc;

	rbatch_reset(b);
	snprintf(idle, sizeof(idle), "%lld", min_idle_ms);
	snprintf(cnt, sizeof(cnt), "%zu", count ? count : 1);
	if ((rc = cmd(rs, 8, argv, NULL, &r, err)) != V_OK)
		return rc;
	b->reply = r;
	/* [next cursor, [entries], [deleted ids] (Redis 7)] */
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2) {
		if (r->element[0]->type == REDIS_REPLY_STRING)
			snprintf(b->cursor, sizeof(b->cursor), "%s", r->element[0]->str);
		rc = batch_entries(b, r->element[1]);
	}
	if (rc != V_OK)
		return verr_set(err, rc, "", "%s", vres_str(rc));
	return V_OK;
}

int rstream_ack(struct rstream *rs, const char *group, const struct rbatch *b, struct verr *err)
{
	size_t cmds = 0;

	if (append_ack(rs->c, rs->key, group, b, &cmds) != 0)
		return conn_err(rs, err);
	return pipeline_replies(rs, cmds, "XACK", err);
}

int rstream_report(struct rstream *rs, const char *consumer, const char *line,
		   struct verr *err)
{
	const char *argv[] = { "HSET", "vigia:workers", consumer, line };
	redisReply *r;
	int rc = cmd(rs, 4, argv, NULL, &r, err);

	if (rc == V_OK)
		freeReplyObject(r);
	return rc;
}

/* The integer value of key in a flat [k, v, k, v...] reply; -1 when absent or nil. */
static long long map_int(const redisReply *m, const char *key)
{
	for (size_t i = 0; m && m->type == REDIS_REPLY_ARRAY && i + 1 < m->elements; i += 2) {
		const redisReply *k = m->element[i], *v = m->element[i + 1];
		if (k->type != REDIS_REPLY_STRING || strcmp(k->str, key))
			continue;
		if (v->type == REDIS_REPLY_INTEGER)
			return v->integer;
		if (v->type == REDIS_REPLY_STRING)
			return strtoll(v->str, NULL, 10);
		return -1;
	}
	return -1;
}

static const char *map_str(const redisReply *m, const char *key)
{
	for (size_t i = 0; m && m->type == REDIS_REPLY_ARRAY && i + 1 < m->elements; i += 2) {
		const redisReply *k = m->element[i], *v = m->element[i + 1];
		if (k->type == REDIS_REPLY_STRING && !strcmp(k->str, key) &&
		    v->type == REDIS_REPLY_STRING)
			return v->str;
	}
	return "";
}

int rstream_info(struct rstream *rs, long long *len, struct rgroup_info *g, size_t max,
		 size_t *n, struct verr *err)
{
	const char *argv[] = { "XINFO", "GROUPS", rs->key };
	redisReply *r;
	int rc;

	*n = 0;
	if ((rc = rstream_len(rs, len, err)) != V_OK)
		return rc;
	if (*len == 0) { /* absent or empty: XINFO fails on an absent key */
		const char *ex[] = { "EXISTS", rs->key };
		if ((rc = cmd(rs, 2, ex, NULL, &r, err)) != V_OK)
			return rc;
		int exists = r->type == REDIS_REPLY_INTEGER && r->integer > 0;
		freeReplyObject(r);
		if (!exists)
			return V_OK;
	}
	if ((rc = cmd(rs, 3, argv, NULL, &r, err)) != V_OK)
		return rc;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements && *n < max; i++) {
		const redisReply *m = r->element[i];
		struct rgroup_info *gi = &g[(*n)++];
		snprintf(gi->name, sizeof(gi->name), "%s", map_str(m, "name"));
		gi->pending = map_int(m, "pending");
		gi->lag = map_int(m, "lag");
		gi->consumers = map_int(m, "consumers");
	}
	freeReplyObject(r);
	return V_OK;
}

int rstream_workers(struct rstream *rs, void (*fn)(void *arg, const char *consumer,
						   const char *line), void *arg,
		    struct verr *err)
{
	const char *argv[] = { "HGETALL", "vigia:workers" };
	redisReply *r;
	int rc = cmd(rs, 2, argv, NULL, &r, err);

	if (rc != V_OK)
		return rc;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i + 1]->type == REDIS_REPLY_STRING)
			fn(arg, r->element[i]->str, r->element[i + 1]->str);
	freeReplyObject(r);
	return V_OK;
}

int rstream_memory(struct rstream *rs, long long *bytes, struct verr *err)
{
	const char *argv[] = { "INFO", "memory" };
	redisReply *r;
	const char *p;
	int rc = cmd(rs, 2, argv, NULL, &r, err);

	if (rc != V_OK)
		return rc;
	*bytes = -1;
	if (r->type == REDIS_REPLY_STRING && (p = strstr(r->str, "used_memory:")))
		*bytes = strtoll(p + 12, NULL, 10);
	freeReplyObject(r);
	return V_OK;
}

/* ---- what a message carries besides its event ------------------------------------------------ */

int pipe_meta_encode(const struct pipe_event *pe, struct buf *out)
{
	return buf_printf(out, "v1 %llu %d %lld %u %lld %d %lld %d",
			  (unsigned long long)pe->fingerprint, pe->maybe_repeat,
			  (long long)pe->window_start, pe->enriched, (long long)pe->event_id,
			  pe->repeat, (long long)pe->incident, pe->incident_created);
}

int pipe_meta_decode(struct pipe_event *pe, const char *s, size_t len)
{
	char text[256], *p, *end;
	long long v[8];
	unsigned long long fp;

	if (len < 3 || len >= sizeof(text) || memcmp(s, "v1 ", 3))
		return V_ERR_INVALID;
	memcpy(text, s, len);
	text[len] = 0;
	p = text + 3;
	errno = 0;
	if (*p < '0' || *p > '9')
		return V_ERR_INVALID;
	fp = strtoull(p, &end, 10);
	if (end == p || *end != ' ' || errno)
		return V_ERR_INVALID;
	for (int i = 1; i < 8; i++) {
		p = end + 1;
		if ((*p < '0' || *p > '9') && *p != '-')
			return V_ERR_INVALID;
		v[i] = strtoll(p, &end, 10);
		if (end == p || (*end != ' ' && *end) || errno || (i < 7 && !*end))
			return V_ERR_INVALID;
	}
	if (*end || v[4] < 0 || v[6] < 0 || v[3] < 0 || v[3] > 0xffffffffLL)
		return V_ERR_INVALID;
	pe->fingerprint = fp;
	pe->maybe_repeat = v[1] != 0;
	pe->window_start = v[2];
	pe->enriched = (unsigned)v[3];
	pe->event_id = v[4];
	pe->repeat = v[5] != 0;
	pe->incident = v[6];
	pe->incident_created = v[7] != 0;
	return V_OK;
}

int pipe_message_decode(struct event *ev, struct pipe_event *pe, const char *json,
			size_t json_len, const char *meta, size_t meta_len, int64_t batch,
			int64_t now, struct verr *err)
{
	json_error_t je;
	json_t *obj;
	int rc;

	event_clear(ev);
	if (!json)
		return verr_set(err, V_ERR_PARSE, "e", "%s", _("no event (field \"e\")"));
	if (!(obj = json_loadb(json, json_len, 0, &je)))
		return verr_set(err, V_ERR_PARSE, "e", "%s", je.text);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return verr_set(err, V_ERR_PARSE, "e", "%s", _("not a JSON object"));
	}
	rc = event_from_json(ev, obj, 0, err);
	json_decref(obj);
	if (rc != V_OK)
		return rc;
	pipe_event_init(pe, ev, batch, now);
	if (meta && meta_len && pipe_meta_decode(pe, meta, meta_len) != V_OK)
		return verr_set(err, V_ERR_INVALID, "m", _("unreadable stage data \"%.*s\""),
				(int)(meta_len > 80 ? 80 : meta_len), meta);
	return V_OK;
}
