/*
 * misp.c — a view as MISP events and as a MISP feed directory (misp.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "base/i18n.h"
#include "share/misp.h"

static const char *const tlp_tags[TLP__COUNT] = { "tlp:clear", "tlp:green", "tlp:amber",
						  "tlp:amber+strict", "tlp:red" };
static const char *const distribution[TLP__COUNT] = { "3", "2", "1", "1", "0" };

/* Classes whose reported address is a server victims connect to (MISP ip-dst). */
static int server_class(const char *type)
{
	static const char *const servers[] = { "phishing", "c2-server", "malware-distribution",
						"malware-configuration", "dga-domain", "sinkhole",
						NULL };
	for (int i = 0; type && servers[i]; i++)
		if (!strcmp(type, servers[i]))
			return 1;
	return 0;
}

static json_t *tag(const char *name)
{
	return json_pack("{s:s}", "name", name);
}

static void num_text(json_t *o, const char *key, long long v)
{
	char t[32];

	snprintf(t, sizeof(t), "%lld", v);
	json_object_set_new(o, key, json_string(t));
}

static void date_text(int64_t t, char out[16])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		snprintf(out, 16, "1970-01-01");
}

static json_t *attribute(const struct share_view *v, const struct share_incident *inc,
			 const struct share_indicator *ind)
{
	const char *type, *category = "Network activity";
	int victim_side = policy_victim_side(inc->classification_type, inc->taxonomy);
	int victim = ind->side && ind->side == victim_side;
	char uuid[37];
	json_t *a, *tags;

	(void)v;
	switch (ind->kind) {
	case SK_IPV4:
	case SK_IPV6:
		if (victim)
			type = ind->side == 's' ? "ip-src" : "ip-dst";
		else
			type = server_class(inc->classification_type) || ind->side == 'd' ? "ip-dst"
											: "ip-src";
		break;
	case SK_DOMAIN: type = "domain"; break;
	case SK_URL: type = "url"; break;
	case SK_EMAIL: type = "email-src"; category = "Payload delivery"; break;
	case SK_MD5: type = "md5"; category = "Payload delivery"; break;
	case SK_SHA1: type = "sha1"; category = "Payload delivery"; break;
	default: type = "sha256"; category = "Payload delivery"; break;
	}
	share_uuid(uuid, inc->uuid, share_ind_kind_name(ind->kind), ind->value);
	a = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "uuid", uuid, "type", type,
		      "category", category, "to_ids", !victim, "value", ind->value,
		      "distribution", "5", "comment", victim ? "compromised (victim) system" : "");
	if (!a)
		return NULL;
	num_text(a, "timestamp", ind->last_seen > 0 ? ind->last_seen : v->created);
	tags = json_array();
	if (ind->tlp != inc->tlp)
		json_array_append_new(tags, tag(tlp_tags[ind->tlp]));
	json_object_set_new(a, "Tag", tags);
	return a;
}

/* One incident as {"Event": {...}}.  OUT: *nattr += its attributes. */
static json_t *event(const struct share_view *v, size_t i, size_t *nattr)
{
	const struct share_incident *inc = &v->incidents[i];
	json_t *e, *tags, *attrs;
	char date[16], orguuid[37], rsit[200], pap[16];
	int analysis = 0;

	date_text(inc->first_seen > 0 ? inc->first_seen : v->created, date);
	share_uuid(orguuid, v->team, "identity", NULL);
	if (inc->state && (!strcmp(inc->state, "in-progress") || !strcmp(inc->state, "waiting")))
		analysis = 1;
	else if (inc->state && (!strcmp(inc->state, "resolved") || !strcmp(inc->state, "closed")))
		analysis = 2;
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:s}}", "uuid", inc->uuid, "info",
		      inc->title ? inc->title : "incident", "date", date, "distribution",
		      distribution[inc->tlp], "analysis", analysis == 2 ? "2" : analysis ? "1" : "0",
		      "published", 0, "Orgc", "name", v->team, "uuid", orguuid);
	if (!e)
		return NULL;
	num_text(e, "threat_level_id",
		 inc->priority >= 1 && inc->priority <= 4 ? inc->priority : 4);
	num_text(e, "timestamp", inc->updated > 0 ? inc->updated : v->created);
	tags = json_array();
	json_array_append_new(tags, tag(tlp_tags[inc->tlp]));
	if (inc->taxonomy && inc->classification_type) {
		snprintf(rsit, sizeof(rsit), "rsit:%s=\"%s\"", inc->taxonomy,
			 inc->classification_type);
		json_array_append_new(tags, tag(rsit));
	}
	if (inc->has_pap) {
		snprintf(pap, sizeof(pap), "PAP:%s", policy_pap_name(inc->pap));
		json_array_append_new(tags, tag(pap));
	}
	json_object_set_new(e, "Tag", tags);
	attrs = json_array();
	for (size_t k = 0; k < v->nindicators; k++)
		if (v->indicators[k].incident == i) {
			json_array_append_new(attrs, attribute(v, inc, &v->indicators[k]));
			(*nattr)++;
		}
	json_object_set_new(e, "Attribute", attrs);
	return json_pack("{s:o}", "Event", e);
}

static int nomem(struct verr *err)
{
	return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
}

int misp_write(const struct share_view *v, struct buf *out, size_t *attributes,
	       struct verr *err)
{
	json_t *doc, *arr = json_array();
	size_t nattr = 0;
	char *text;
	int rc;

	if (!arr)
		return nomem(err);
	for (size_t i = 0; i < v->nincidents; i++) {
		json_t *e = event(v, i, &nattr);
		if (!e || json_array_append_new(arr, e)) {
			json_decref(arr);
			return nomem(err);
		}
	}
	if (json_array_size(arr) == 1) {
		doc = json_incref(json_array_get(arr, 0));
		json_decref(arr);
	} else {
		doc = json_pack("{s:o}", "response", arr);
	}
	text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text)
		return nomem(err);
	if ((rc = buf_puts(out, text)) == V_OK)
		rc = buf_putc(out, '\n');
	free(text);
	if (attributes)
		*attributes = nattr;
	return rc == V_OK ? V_OK : verr_set(err, rc, "", "%s", vres_str(rc));
}

/* Write text to dir/name through a temporary file and a rename. */
static int put_file(const char *dir, const char *name, const char *text, struct verr *err)
{
	char path[4096], tmp[4200];
	size_t n = strlen(text);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (!(f = fopen(tmp, "w")))
		return verr_set(err, V_ERR_IO, "", _("cannot write %s: %s"), tmp, strerror(errno));
	if (fwrite(text, 1, n, f) != n || fclose(f) != 0) {
		unlink(tmp);
		return verr_set(err, V_ERR_IO, "", _("cannot write %s: %s"), tmp, strerror(errno));
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return verr_set(err, V_ERR_IO, "", _("cannot write %s: %s"), path, strerror(errno));
	}
	return V_OK;
}

/* hashes.csv: "<md5 hex of the value>,<event uuid>" per attribute value (each part of a
 * composite "a|b" value on its own), as MISP's feed generator writes it. */
static int hash_lines(json_t *e, const char *uuid, struct buf *out)
{
	json_t *attrs = json_object_get(e, "Attribute"), *a;
	size_t i;
	int rc = V_OK;

	json_array_foreach(attrs, i, a) {
		const char *val = json_string_value(json_object_get(a, "value"));
		const char *type = json_string_value(json_object_get(a, "type"));
		int composite = type && strchr(type, '|');
		while (val && rc == V_OK) {
			const char *bar = composite ? strchr(val, '|') : NULL;
			size_t n = bar ? (size_t)(bar - val) : strlen(val);
			unsigned char h[EVP_MAX_MD_SIZE];
			unsigned int hl = 0;
			char hex[2 * EVP_MAX_MD_SIZE + 1];
			if (EVP_Digest(val, n, h, &hl, EVP_md5(), NULL) != 1)
				return V_ERR_NOMEM;
			sodium_bin2hex(hex, sizeof(hex), h, hl);
			rc = buf_printf(out, "%s,%s\n", hex, uuid);
			val = bar ? bar + 1 : NULL;
		}
	}
	return rc;
}

int misp_write_feed(const struct share_view *v, const char *dir, size_t *attributes,
		    struct verr *err)
{
	struct buf hashes;
	json_t *manifest = json_object();
	size_t nattr = 0;
	int rc = V_OK;
	char *text = NULL;

	buf_init(&hashes, 0);
	if (!manifest)
		return nomem(err);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		json_decref(manifest);
		return verr_set(err, V_ERR_IO, "", _("cannot create %s: %s"), dir, strerror(errno));
	}
	for (size_t i = 0; i < v->nincidents && rc == V_OK; i++) {
		json_t *wrap = event(v, i, &nattr), *e, *entry;
		unsigned char h[crypto_hash_sha256_BYTES];
		char hex[2 * sizeof(h) + 1], name[64];
		if (!wrap || !(text = json_dumps(wrap, JSON_INDENT(1) | JSON_PRESERVE_ORDER))) {
			json_decref(wrap);
			rc = nomem(err);
			break;
		}
		crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(name, sizeof(name), "%s.json", v->incidents[i].uuid);
		rc = put_file(dir, name, text, err);
		free(text);
		e = json_object_get(wrap, "Event");
		entry = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:s}", "info",
				  json_object_get(e, "info"), "Orgc", json_object_get(e, "Orgc"),
				  "analysis", json_object_get(e, "analysis"), "timestamp",
				  json_object_get(e, "timestamp"), "date", json_object_get(e, "date"),
				  "threat_level_id", json_object_get(e, "threat_level_id"), "Tag",
				  json_object_get(e, "Tag"), "integrity:sha256", hex);
		if (!entry || json_object_set_new(manifest, v->incidents[i].uuid, entry) ||
		    (rc == V_OK && hash_lines(e, v->incidents[i].uuid, &hashes) != V_OK))
			rc = nomem(err);
		json_decref(wrap);
	}
	if (rc == V_OK) {
		if (!(text = json_dumps(manifest, JSON_INDENT(1) | JSON_PRESERVE_ORDER)))
			rc = nomem(err);
		else
			rc = put_file(dir, "manifest.json", text, err);
		free(text);
	}
	if (rc == V_OK)
		rc = put_file(dir, "hashes.csv", buf_cstr(&hashes), err);
	buf_fini(&hashes);
	json_decref(manifest);
	if (attributes)
		*attributes = nattr;
	return rc;
}
