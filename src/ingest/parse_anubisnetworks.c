/*
 * parse_anubisnetworks.c — AnubisNetworks (Bitsight) Cyberfeed stream, compatible with
 * IntelMQ's intelmq.bots.parsers.anubisnetworks.parser.
 *
 * The feed is a stream of JSON objects, one per sinkhole hit: the 2016 format (_ts,
 * trojanfamily, env{remote_addr,...}, _geo_env_remote_addr) and the 2020 one (src, dst, malw,
 * comm{http,dns}, tracking, _geo_src_ip, _geo_comm_http_host, ...).  Every object is one
 * event.  Objects are read line by line: one object per line (what the stream collector
 * stores) or an object spread over several lines (a pretty-printed message); raw is the
 * object's text (the line, or its lines each ending in "\n").
 *
 * Parameters:
 *   use_malware_familiy_as_classification_identifier   (default true; IntelMQ's spelling)
 *       malw.family becomes classification.identifier; when false it is kept as
 *       extra.malware.family unless it equals malw.variant.
 *
 * feed.url loses its "?key=..." part (the API key).  A field of the data the parser does not
 * know rejects the object, as IntelMQ does, so that a change of the format is noticed.
 * Events of the provider's internal test malware "TestSinkholingLoss" are dropped.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/timeparse.h"
#include "ingest/ingest.h"
#include "ingest/jsonrec.h"

struct anubis_state {
	int family_as_identifier;
	struct jsonrec obj; /* the object being read */
	struct buf key;     /* scratch for field names */
};

static void anubis_fini(struct ingest_ctx *ctx)
{
	struct anubis_state *st = ctx->state;

	if (!st)
		return;
	jsonrec_fini(&st->obj);
	buf_fini(&st->key);
	free(st);
	ctx->state = NULL;
}

static int anubis_init(struct ingest_ctx *ctx, struct verr *err)
{
	struct anubis_state *st = calloc(1, sizeof(*st));

	(void)err;
	if (!st)
		return V_ERR_NOMEM;
	ctx->state = st;
	jsonrec_init(&st->obj);
	buf_init(&st->key, 4096);
	st->family_as_identifier =
		ingest_param_bool(ctx, "use_malware_familiy_as_classification_identifier", 1);
	return V_OK;
}

/* ---- field helpers ------------------------------------------------------------------------ */

static const char *key2(struct anubis_state *st, const char *a, const char *b)
{
	buf_reset(&st->key);
	buf_puts(&st->key, a);
	buf_puts(&st->key, b);
	return buf_cstr(&st->key);
}

/* IntelMQ's event[key] = value with a fallback to extra.<key> for names outside the schema. */
static void add_fallback(struct ingest_ctx *ctx, struct anubis_state *st, const char *key,
			 const json_t *v)
{
	int f = schema_lookup(key, strlen(key));

	if (f < 0)
		key = key2(st, "extra.", key);
	ingest_add_json(ctx, key, v, ING_OVERWRITE);
}

static int unknown_field(struct ingest_ctx *ctx, const char *where, const char *k)
{
	char name[128];

	snprintf(name, sizeof(name), "%s%s", where, k);
	ingest_fail(ctx, name, _("unknown field '%s%s' in the data"), where, k);
	return -1;
}

/* A string or an integer as Python's "%s" prints it; -1 for anything else. */
static int append_text(struct buf *b, const json_t *v)
{
	int rc;

	if (json_is_string(v))
		rc = buf_append(b, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		rc = buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		return -1;
	return rc == V_OK ? 0 : -1;
}

/* The geolocation block of an address (_geo_src_ip, _geo_comm_http_host, ...). */
static void parse_geo(struct ingest_ctx *ctx, struct anubis_state *st, const json_t *geo,
		      const char *ns, const char *where)
{
	const char *k;
	json_t *v;
	char name[256];

	if (!json_is_object(geo)) {
		ingest_fail(ctx, where, _("'%s' is not an object"), where);
		return;
	}
	json_object_foreach((json_t *)geo, k, v) {
		const char *sub = NULL;
		if (!strcmp(k, "ip") || !strcmp(k, "path"))
			continue;
		if (!strcmp(k, "netmask")) {
			/* "<ip>/<netmask>" */
			json_t *net;
			buf_reset(&ctx->scratch);
			if (append_text(&ctx->scratch, json_object_get(geo, "ip")) != 0 ||
			    buf_putc(&ctx->scratch, '/') != V_OK ||
			    append_text(&ctx->scratch, v) != 0) {
				ingest_fail(ctx, where, _("'%s' has no usable ip and netmask"), where);
				return;
			}
			net = json_stringn(ctx->scratch.data, ctx->scratch.len);
			snprintf(name, sizeof(name), "%s.network", ns);
			if (net)
				add_fallback(ctx, st, name, net);
			json_decref(net);
			continue;
		}
		if (!strcmp(k, "country_code"))
			sub = "geolocation.cc";
		else if (!strcmp(k, "country_name"))
			sub = "geolocation.country";
		else if (!strcmp(k, "asn"))
			sub = "asn";
		else if (!strcmp(k, "asn_name"))
			sub = "as_name";
		else if (!strcmp(k, "region_code") || !strcmp(k, "postal_code") ||
			 !strcmp(k, "region") || !strcmp(k, "city") || !strcmp(k, "latitude") ||
			 !strcmp(k, "longitude") || !strcmp(k, "dma_code") ||
			 !strcmp(k, "area_code") || !strcmp(k, "metro_code")) {
			snprintf(name, sizeof(name), "%s.geolocation.%s", ns, k);
			add_fallback(ctx, st, name, v);
			continue;
		} else {
			unknown_field(ctx, where, k);
			return;
		}
		snprintf(name, sizeof(name), "%s.%s", ns, sub);
		add_fallback(ctx, st, name, v);
	}
}

/* int(value) of Python for _ts: an integer, a float (truncated) or a string of digits. */
static int to_epoch(const json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d > -1e15 && d < 1e15))
			return -1;
		*out = (long long)d;
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			return -1;
		*out = strtoll(s, &end, 10);
		while (isspace((unsigned char)*end))
			end++;
		return *end ? -1 : 0;
	}
	return -1;
}

static void parse_env(struct ingest_ctx *ctx, struct anubis_state *st, const json_t *env)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)env, k, v) {
		if (!strcmp(k, "remote_addr"))
			ingest_add_json(ctx, "source.ip", v, 0);
		else if (!strcmp(k, "remote_port"))
			ingest_add_json(ctx, "source.port", v, 0);
		else if (!strcmp(k, "server_addr"))
			ingest_add_json(ctx, "destination.ip", v, 0);
		else if (!strcmp(k, "server_port"))
			ingest_add_json(ctx, "destination.port", v, 0);
		else if (!strcmp(k, "server_name"))
			ingest_add_json(ctx, "destination.fqdn", v, ING_IGNORE_INVALID);
		else if (!strcmp(k, "request_method") || !strcmp(k, "cookies") ||
			 !strcmp(k, "path_info") || !strcmp(k, "http_referer"))
			ingest_add_json(ctx, key2(st, "extra.", k), v, ING_OVERWRITE);
		else if (unknown_field(ctx, "env.", k))
			return;
	}
}

static void parse_malw(struct ingest_ctx *ctx, struct anubis_state *st, const json_t *malw)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)malw, k, v) {
		if (!strcmp(k, "severity")) {
			ingest_add_json(ctx, "extra.malware.severity", v, 0);
		} else if (!strcmp(k, "family")) {
			if (st->family_as_identifier)
				ingest_add_json(ctx, "classification.identifier", v, 0);
			else if (!json_equal(v, json_object_get(malw, "variant")))
				ingest_add_json(ctx, "extra.malware.family", v, 0);
		} else if (!strcmp(k, "variant")) {
			ingest_add_json(ctx, "malware.name", v, 0);
		} else if (!strcmp(k, "categories")) {
			ingest_add_json(ctx, "extra.malware.categories", v, 0);
		} else if (!strcmp(k, "request_method") || !strcmp(k, "cookies") ||
			   !strcmp(k, "path_info") || !strcmp(k, "http_referer")) {
			ingest_add_json(ctx, key2(st, "extra.", k), v, ING_OVERWRITE);
		} else if (unknown_field(ctx, "malw.", k)) {
			return;
		}
	}
}

static void parse_http(struct ingest_ctx *ctx, struct anubis_state *st, const json_t *comm,
		       const json_t *http, const json_t *report)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)http, k, v) {
		if (!strcmp(k, "method")) {
			ingest_add_json(ctx, "extra.request_method", v, 0);
		} else if (!strcmp(k, "host")) {
			/* a name goes to destination.fqdn; an address other than dst.ip to extra */
			int rc = ingest_add_json(ctx, "destination.fqdn", v, ING_IGNORE_INVALID);
			const json_t *dst = json_object_get(report, "dst");
			if (rc == V_ERR_INVALID && !json_equal(v, json_object_get(dst, "ip")))
				ingest_add_json(ctx, "extra.communication.http_host", v, 0);
		} else if (!strcmp(k, "path")) {
			ingest_add_json(ctx, "destination.urlpath", v, 0);
		} else if (!strcmp(k, "user_agent")) {
			ingest_add_json(ctx, "extra.user_agent", v, 0);
		} else if (!strcmp(k, "more_headers")) {
			ingest_add_json(ctx, "extra.communication.headers", v, 0);
		} else if (!strcmp(k, "cookies") || !strcmp(k, "unverified_domain") ||
			   !strcmp(k, "x_forwarded_for")) {
			ingest_add_json(ctx, key2(st, "extra.communication.", k), v, 0);
		} else if (unknown_field(ctx, "comm.http.", k)) {
			return;
		}
	}
	/* destination.url from comm.proto, comm.http.host and comm.http.path when all exist */
	const json_t *proto = json_object_get(comm, "proto");
	const json_t *host = json_object_get(http, "host");
	const json_t *path = json_object_get(http, "path");
	if (json_is_string(proto) && json_is_string(host) && json_is_string(path)) {
		buf_reset(&ctx->scratch);
		buf_puts(&ctx->scratch, json_string_value(proto));
		buf_puts(&ctx->scratch, "://");
		buf_puts(&ctx->scratch, json_string_value(host));
		buf_puts(&ctx->scratch, json_string_value(path));
		ingest_add(ctx, "destination.url", ctx->scratch.data, ctx->scratch.len, 0);
	}
}

static void parse_comm(struct ingest_ctx *ctx, struct anubis_state *st, const json_t *comm,
		       const json_t *report)
{
	const char *k, *kk;
	json_t *v, *vv;

	json_object_foreach((json_t *)comm, k, v) {
		if (!strcmp(k, "proto")) {
			ingest_add_json(ctx, "protocol.application", v, ING_OVERWRITE);
		} else if (!strcmp(k, "method")) {
			ingest_add_json(ctx, "extra.communication.type", v, 0);
		} else if (!strcmp(k, "http") && json_is_object(v)) {
			parse_http(ctx, st, comm, v, report);
		} else if (!strcmp(k, "dns") && json_is_object(v)) {
			json_object_foreach(v, kk, vv) {
				if (!strcmp(kk, "name"))
					ingest_add_json(ctx, "destination.fqdn", vv, 0);
				else if (!strcmp(kk, "qtype"))
					ingest_add_json(ctx, "extra.dns_query_type", vv,
							ING_OVERWRITE);
				else if (unknown_field(ctx, "comm.dns.", kk))
					return;
			}
		} else if (!strcmp(k, "categories")) {
			ingest_add_json(ctx, "extra.malware.categories", v, 0);
		} else if (!strcmp(k, "request_method") || !strcmp(k, "cookies") ||
			   !strcmp(k, "path_info") || !strcmp(k, "http_referer")) {
			ingest_add_json(ctx, key2(st, "extra.", k), v, ING_OVERWRITE);
		} else if (unknown_field(ctx, "comm.", k)) {
			return;
		}
	}
}

static void parse_tracking(struct ingest_ctx *ctx, const json_t *tr)
{
	static const char *const map[][2] = {
		{ "id", "extra.tracking.id" }, { "last_ip", "extra.tracking.last.ip" },
		{ "first", "extra.first_seen" }, { "seen", "extra.last_seen" },
		{ "changes", "extra.tracking.changes" }, { "checkins", "extra.tracking.checkins" },
		{ "days", "extra.days_seen" }, { "same_ip", "extra.tracking.same_ip" },
		{ "tr", "extra.tracking.tr" }, { NULL, NULL }
	};
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)tr, k, v) {
		int i;
		for (i = 0; map[i][0] && strcmp(map[i][0], k); i++)
			;
		if (!map[i][0]) {
			unknown_field(ctx, "tracking.", k);
			return;
		}
		ingest_add_json(ctx, map[i][1], v, 0);
	}
}

/* The 2016 format's geolocation of env.remote_addr. */
static void parse_geo_env(struct ingest_ctx *ctx, const json_t *geo)
{
	static const char *const map[][2] = {
		{ "country_code", "source.geolocation.cc" },
		{ "country_name", "source.geolocation.country" },
		{ "region", "source.geolocation.region" }, { "city", "source.geolocation.city" },
		{ "asn_name", "source.as_name" }, { "asn", "source.asn" },
		{ "longitude", "source.geolocation.longitude" },
		{ "latitude", "source.geolocation.latitude" }, { NULL, NULL }
	};
	const json_t *ip = json_object_get(geo, "ip"), *mask = json_object_get(geo, "netmask");

	for (int i = 0; map[i][0]; i++) {
		const json_t *v = json_object_get(geo, map[i][0]);
		if (v)
			ingest_add_json(ctx, map[i][1], v, ING_OVERWRITE);
	}
	if (ip && mask) {
		buf_reset(&ctx->scratch);
		if (append_text(&ctx->scratch, ip) != 0 || buf_putc(&ctx->scratch, '/') != V_OK ||
		    append_text(&ctx->scratch, mask) != 0)
			ingest_fail(ctx, "_geo_env_remote_addr",
				    _("'%s' has no usable ip and netmask"), "_geo_env_remote_addr");
		else
			ingest_add(ctx, "source.network", ctx->scratch.data, ctx->scratch.len, 0);
	}
}

/* "_geo_comm_http_x_forwarded_for_#1" -> "extra.communication.http.x_forwarded_for_1":
 * characters a key may not hold are dropped. */
static const char *xff_namespace(struct anubis_state *st, const char *k)
{
	buf_reset(&st->key);
	buf_puts(&st->key, "extra.communication.http.");
	for (const char *p = k + strlen("_geo_comm_http_"); *p; p++)
		if (isalnum((unsigned char)*p) || *p == '_')
			buf_putc(&st->key, (char)tolower((unsigned char)*p));
	return buf_cstr(&st->key);
}

static void check_path(struct ingest_ctx *ctx, const json_t *geo, const char *want,
		       const char *where)
{
	const json_t *p = json_object_get(geo, "path");
	if (!json_is_string(p) || strcmp(json_string_value(p), want))
		ingest_fail(ctx, where, _("'%s' has an unexpected path"), where);
}

static int anubis_object(struct ingest_ctx *ctx, const json_t *obj, const char *raw, size_t rawlen)
{
	struct anubis_state *st = ctx->state;
	const char *k, *url;
	json_t *v;
	char ns[256];

	ingest_new_event(ctx);
	url = ingest_report_str(ctx, "feed.url");
	if (url) {
		const char *q = strstr(url, "?key=");
		size_t n = q ? (size_t)(q - url) : strlen(url);
		ingest_add(ctx, "feed.url", url, n, ING_OVERWRITE);
	}
	ingest_add_str(ctx, "classification.type", "infected-system", 0);
	ingest_add_str(ctx, "event_description.text", "Sinkhole attempted connection", 0);

	json_object_foreach((json_t *)obj, k, v) {
		if (!strcmp(k, "_ts")) {
			long long t;
			struct vtime vt = { 0, 0, 0 };
			char tb[48];
			if (to_epoch(v, &t) != 0) {
				ingest_fail(ctx, "_ts", _("not a timestamp"));
				break;
			}
			vt.sec = t;
			time_format(&vt, tb);
			ingest_add_str(ctx, "time.source", tb, 0);
		} else if (!strcmp(k, "trojanfamily")) {
			ingest_add_json(ctx, "malware.name", v, 0);
		} else if (!strcmp(k, "env") && json_is_object(v)) {
			parse_env(ctx, st, v);
		} else if ((!strcmp(k, "src") || !strcmp(k, "dst")) && json_is_object(v)) {
			const char *id = k[0] == 's' ? "source" : "destination";
			const char *kk;
			json_t *vv;
			json_object_foreach(v, kk, vv) {
				if (!strcmp(kk, "ip") || !strcmp(kk, "port")) {
					snprintf(ns, sizeof(ns), "%s.%s", id, kk);
					ingest_add_json(ctx, ns, vv, 0);
				} else if (unknown_field(ctx, k[0] == 's' ? "src." : "dst.", kk)) {
					break;
				}
			}
		} else if (!strcmp(k, "_geo_env_remote_addr") && json_is_object(v)) {
			parse_geo_env(ctx, v);
		} else if (!strcmp(k, "qtype")) {
			ingest_add_json(ctx, "extra.dns_query_type", v, ING_OVERWRITE);
		} else if (!strcmp(k, "app_proto")) {
			ingest_add_json(ctx, "protocol.application", v, ING_OVERWRITE);
		} else if (!strcmp(k, "malw") && json_is_object(v)) {
			parse_malw(ctx, st, v);
		} else if (!strcmp(k, "comm") && json_is_object(v)) {
			parse_comm(ctx, st, v, obj);
		} else if (!strcmp(k, "tracking") && json_is_object(v)) {
			parse_tracking(ctx, v);
		} else if (!strcmp(k, "_geo_src_ip")) {
			parse_geo(ctx, st, v, "source", k);
		} else if (!strcmp(k, "_geo_tracking_last_ip")) {
			parse_geo(ctx, st, v, "tracking.last", k);
			check_path(ctx, v, "tracking.last_ip", k);
		} else if (!strcmp(k, "_geo_comm_http_host")) {
			parse_geo(ctx, st, v, "communication.http.host", k);
			check_path(ctx, v, "comm.http.host", k);
		} else if (!strncmp(k, "_geo_comm_http_x_forwarded_for_", 31)) {
			snprintf(ns, sizeof(ns), "%s", xff_namespace(st, k));
			parse_geo(ctx, st, v, ns, k);
		} else if (!strcmp(k, "_origin") || !strcmp(k, "_provider") ||
			   !strcmp(k, "pattern_verified")) {
			ingest_add_json(ctx, key2(st, "extra.", k), v, ING_OVERWRITE);
		} else if (!strcmp(k, "metadata") && json_is_object(v)) {
			const char *kk;
			json_t *vv;
			json_object_foreach(v, kk, vv)
				ingest_add_json(ctx, key2(st, "extra.metadata.", kk), vv,
						ING_OVERWRITE);
		} else {
			unknown_field(ctx, "", k);
			break;
		}
	}

	/* the provider's internal test events are not part of the feed */
	size_t n;
	const char *mw = event_get_id(ctx->ev, F_MALWARE_NAME, &n);
	if (mw && n == 18 && !memcmp(mw, "testsinkholingloss", 18))
		return V_OK;
	return ingest_emit(ctx, raw, rawlen);
}

/* ---- objects over lines ------------------------------------------------------------------- */

/* One complete object: its text (the current record) is raw. */
static int anubis_text(struct ingest_ctx *ctx, const char *text, size_t len)
{
	json_t *obj;
	int rc = jsonrec_load_object(ctx, text, len, 0, &obj);

	if (rc == V_OK)
		rc = anubis_object(ctx, obj, text, len);
	json_decref(obj);
	return rc;
}

static int anubis_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	struct anubis_state *st = ctx->state;

	return jsonrec_line(&st->obj, ctx, rec, len, anubis_text);
}

static int anubis_finish(struct ingest_ctx *ctx)
{
	struct anubis_state *st = ctx->state;

	return jsonrec_finish(&st->obj, ctx);
}

const struct parser parser_anubisnetworks = {
	.name = "anubisnetworks",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.anubisnetworks.parser", NULL },
	.description = N_("AnubisNetworks (Bitsight) Cyberfeed stream of sinkhole hits (JSON)"),
	.mode = PARSE_LINES,
	.init = anubis_init,
	.record = anubis_record,
	.finish = anubis_finish,
	.fini = anubis_fini,
};
