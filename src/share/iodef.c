/*
 * iodef.c — a view as an IODEF v2 document (iodef.h), written with libxml2's xmlTextWriter.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <libxml/xmlwriter.h>

#include "base/i18n.h"
#include "share/iodef.h"

#define NS "urn:ietf:params:xml:ns:iodef-2.0"
#define DS "http://www.w3.org/2000/09/xmldsig#"

static const char *const restriction[TLP__COUNT] = { "white", "green", "amber", "ext-value",
						     "red" };

static void ts(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

struct xw {
	xmlTextWriterPtr w;
	int bad;
};

static void start(struct xw *x, const char *name)
{
	if (xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
		x->bad = 1;
}

static void start_ds(struct xw *x, const char *name)
{
	if (xmlTextWriterStartElementNS(x->w, BAD_CAST "ds", BAD_CAST name, NULL) < 0)
		x->bad = 1;
}

static void end(struct xw *x)
{
	if (xmlTextWriterEndElement(x->w) < 0)
		x->bad = 1;
}

static void attr(struct xw *x, const char *name, const char *value)
{
	if (xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value) < 0)
		x->bad = 1;
}

static void text_el(struct xw *x, const char *name, const char *text)
{
	if (xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST text) < 0)
		x->bad = 1;
}

static void restrict_attrs(struct xw *x, enum tlp t)
{
	attr(x, "restriction", restriction[t]);
	if (t == TLP_AMBER_STRICT)
		attr(x, "ext-restriction", "amber+strict");
}

static void additional(struct xw *x, const char *meaning, const char *value)
{
	start(x, "AdditionalData");
	attr(x, "dtype", "string");
	attr(x, "meaning", meaning);
	if (xmlTextWriterWriteString(x->w, BAD_CAST value) < 0)
		x->bad = 1;
	end(x);
}

/* A hash indicator as FileData/File/HashData/Hash. */
static void hash(struct xw *x, const struct share_indicator *ind)
{
	static const char *const alg[] = { "http://www.w3.org/2001/04/xmldsig-more#md5",
					   "http://www.w3.org/2000/09/xmldsig#sha1",
					   "http://www.w3.org/2001/04/xmlenc#sha256" };
	unsigned char bin[32];
	char b64[64];
	size_t n = 0;

	if (sodium_hex2bin(bin, sizeof(bin), ind->value, strlen(ind->value), NULL, &n, NULL) != 0)
		n = 0;
	sodium_bin2base64(b64, sizeof(b64), bin, n, sodium_base64_VARIANT_ORIGINAL);
	start(x, "FileData");
	start(x, "File");
	start(x, "HashData");
	attr(x, "scope", "file-contents");
	start(x, "Hash");
	start_ds(x, "DigestMethod");
	attr(x, "Algorithm", alg[ind->kind - SK_MD5]);
	end(x);
	start_ds(x, "DigestValue");
	if (xmlTextWriterWriteString(x->w, BAD_CAST b64) < 0)
		x->bad = 1;
	end(x);
	end(x);
	end(x);
	end(x);
	end(x);
}

static int is_ip(const struct share_indicator *ind)
{
	return ind->kind == SK_IPV4 || ind->kind == SK_IPV6;
}

static void incident(struct xw *x, const struct share_view *v, size_t i, char *now,
		     size_t *count)
{
	const struct share_incident *inc = &v->incidents[i];
	int victim_side = policy_victim_side(inc->classification_type, inc->taxonomy);
	char t[32], rsit[200], id[64];
	int any_ip = 0, any_other = 0;

	start(x, "Incident");
	attr(x, "purpose", "reporting");
	attr(x, "status", inc->state && (!strcmp(inc->state, "resolved") ||
					  !strcmp(inc->state, "closed")) ? "resolved"
				      : inc->state && strcmp(inc->state, "new") ? "in-progress"
									  : "new");
	restrict_attrs(x, inc->tlp);
	start(x, "IncidentID");
	attr(x, "name", v->team);
	if (xmlTextWriterWriteString(x->w, BAD_CAST inc->uuid) < 0)
		x->bad = 1;
	end(x);
	if (inc->first_seen > 0) {
		ts(inc->first_seen, t);
		text_el(x, "DetectTime", t);
	}
	text_el(x, "GenerationTime", now);
	text_el(x, "Description", inc->title ? inc->title : "incident");
	start(x, "Contact");
	attr(x, "type", "organization");
	attr(x, "role", "creator");
	text_el(x, "ContactName", v->team);
	end(x);
	for (size_t k = 0; k < v->nindicators; k++)
		if (v->indicators[k].incident == i) {
			if (is_ip(&v->indicators[k]))
				any_ip = 1;
			else
				any_other = 1;
		}
	if (any_ip) {
		start(x, "EventData");
		start(x, "Flow");
		for (size_t k = 0; k < v->nindicators; k++) {
			const struct share_indicator *ind = &v->indicators[k];
			if (ind->incident != i || !is_ip(ind))
				continue;
			start(x, "System");
			attr(x, "category", ind->side && ind->side == victim_side ? "target" : "source");
			start(x, "Node");
			start(x, "Address");
			attr(x, "category", ind->kind == SK_IPV4 ? "ipv4-addr" : "ipv6-addr");
			if (xmlTextWriterWriteString(x->w, BAD_CAST ind->value) < 0)
				x->bad = 1;
			end(x);
			end(x);
			end(x);
			(*count)++;
		}
		end(x);
		end(x);
	}
	if (any_other) {
		start(x, "IndicatorData");
		for (size_t k = 0; k < v->nindicators; k++) {
			const struct share_indicator *ind = &v->indicators[k];
			char u[37];
			if (ind->incident != i || is_ip(ind))
				continue;
			start(x, "Indicator");
			if (ind->tlp != inc->tlp)
				restrict_attrs(x, ind->tlp);
			share_uuid(u, inc->uuid, share_ind_kind_name(ind->kind), ind->value);
			snprintf(id, sizeof(id), "i-%s", u);
			start(x, "IndicatorID");
			attr(x, "name", v->team);
			attr(x, "version", "1");
			if (xmlTextWriterWriteString(x->w, BAD_CAST id) < 0)
				x->bad = 1;
			end(x);
			start(x, "Observable");
			switch (ind->kind) {
			case SK_URL:
				start(x, "Address");
				attr(x, "category", "site-uri");
				if (xmlTextWriterWriteString(x->w, BAD_CAST ind->value) < 0)
					x->bad = 1;
				end(x);
				break;
			case SK_DOMAIN:
				start(x, "DomainData");
				text_el(x, "Name", ind->value);
				end(x);
				break;
			case SK_EMAIL:
				start(x, "EmailData");
				text_el(x, "EmailFrom", ind->value);
				end(x);
				break;
			default:
				hash(x, ind);
				break;
			}
			end(x); /* Observable */
			end(x); /* Indicator */
			(*count)++;
		}
		end(x);
	}
	if (inc->taxonomy && inc->classification_type) {
		snprintf(rsit, sizeof(rsit), "rsit:%s=\"%s\"", inc->taxonomy,
			 inc->classification_type);
		additional(x, "rsit", rsit);
	}
	if (inc->has_pap) {
		snprintf(rsit, sizeof(rsit), "PAP:%s", policy_pap_name(inc->pap));
		additional(x, "pap", rsit);
	}
	end(x); /* Incident */
}

int iodef_write(const struct share_view *v, struct buf *out, size_t *indicators,
		struct verr *err)
{
	xmlBufferPtr xb = xmlBufferCreate();
	struct xw x = { 0 };
	char now[32];
	size_t count = 0;
	int rc = V_OK;

	if (!xb || !(x.w = xmlNewTextWriterMemory(xb, 0))) {
		if (xb)
			xmlBufferFree(xb);
		return verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
	}
	ts(v->created, now);
	xmlTextWriterSetIndent(x.w, 1);
	xmlTextWriterSetIndentString(x.w, BAD_CAST " ");
	if (xmlTextWriterStartDocument(x.w, NULL, "UTF-8", NULL) < 0)
		x.bad = 1;
	start(&x, "IODEF-Document");
	attr(&x, "version", "2.00");
	attr(&x, "xml:lang", "en");
	attr(&x, "xmlns", NS);
	attr(&x, "xmlns:ds", DS);
	for (size_t i = 0; i < v->nincidents; i++)
		incident(&x, v, i, now, &count);
	end(&x);
	if (xmlTextWriterEndDocument(x.w) < 0)
		x.bad = 1;
	xmlFreeTextWriter(x.w);
	if (x.bad)
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", _("the IODEF document could not be written"));
	else if ((rc = buf_append(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb))) != V_OK)
		verr_set(err, rc, "", "%s", vres_str(rc));
	xmlBufferFree(xb);
	if (indicators)
		*indicators = count;
	return rc;
}
