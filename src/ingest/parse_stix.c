/*
 * parse_stix.c — STIX 2.1 in: a bundle (or one object, or an array of objects) becomes events.
 *
 * The whole document is one record.  Every object is first checked against the rules every
 * STIX 2.1 object obeys (a type, an id "<type>--<uuid>", spec_version "2.1", created and
 * modified timestamps with modified >= created for SDOs and SROs); an object that breaks them
 * is rejected with its index, id and the reason, and the others go on.  A document that is not
 * JSON, or a bundle without "type": "bundle", is rejected whole.
 *
 * What becomes events:
 *   indicator      each "<observable>:<property> = '<value>'" comparison of its pattern
 *                  (several joined by OR make several events) for ipv4-addr/ipv6-addr (an
 *                  address, or a network: source.network), domain-name, url, email-addr and
 *                  file hashes (MD5, SHA-1, SHA-256); other patterns (AND, MATCHES, other
 *                  objects) have no event form and are skipped (counted, not rejected)
 *   observed-data  its ipv4/ipv6/domain/url/email/file SCOs (object_refs in the bundle, or
 *                  the embedded "objects" of STIX 2.0), unless an indicator of the bundle
 *                  already gave that value
 * Each event gets classification.type from an "rsit:<class>=\"<type>\"" label (vigia's and
 * MISP's spelling of the Reference Security Incident Taxonomy), else from the indicator's
 * types or labels (phishing, c2, malware), else "undetermined"; tlp from the strictest TLP
 * marking among its object_marking_refs (TLP 2.0 and TLP 1.0 ids, or marking definitions of
 * the bundle); time.source from valid_from / first_observed; extra.stix_id, extra.pap (a
 * "PAP:X" statement marking), extra.source_file; and, when a relationship ties it to an
 * `incident` of the bundle, extra.shared_incident (its id) and extra.shared_incident_name,
 * which the built-in "shared" aggregation rule turns into one incident per STIX incident.
 * feed.provider and feed.name come from the report (vigia import --from PARTNER).  raw is the
 * STIX object.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "base/i18n.h"
#include "base/log.h"
#include "ingest/ingest.h"
#include "ingest/jsonscan.h"
#include "ingest/jsonwalk.h"
#include "ingest/stix_ids.h"

/* ---- marking ids ------------------------------------------------------------------------------ */

static const char *const tlp2[STIX_TLP_LEVELS] = {
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/* STIX 2.1 specification, section 7.2.1.4: TLP 1.0 white, green, amber, red */
static const char *const tlp1[4] = {
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
};
static const int tlp1_level[4] = { 0, 1, 2, 4 };
static const char *const tlp_names[STIX_TLP_LEVELS] = { "CLEAR", "GREEN", "AMBER",
							"AMBER+STRICT", "RED" };

const char *stix_tlp2_id(int level)
{
	return level >= 0 && level < STIX_TLP_LEVELS ? tlp2[level] : NULL;
}

int stix_tlp_level(const char *id)
{
	for (int i = 0; i < STIX_TLP_LEVELS; i++)
		if (!strcmp(id, tlp2[i]))
			return i;
	for (int i = 0; i < 4; i++)
		if (!strcmp(id, tlp1[i]))
			return tlp1_level[i];
	return -1;
}

/* ---- checks every STIX 2.1 object must pass --------------------------------------------------- */

static const char *const sco_types[] = {
	"artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message",
	"file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process",
	"software", "url", "user-account", "windows-registry-key", "x509-certificate", NULL
};

static const char *const sdo_sro_types[] = {
	"attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
	"indicator", "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
	"note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability",
	"relationship", "sighting", "language-content", "extension-definition", NULL
};

static int in(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

/* "2016-04-06T20:03:48.000Z": seconds as text "YYYYMMDDhhmmss" plus the fraction, padded, into
 * key (comparable with strcmp).  0 or -1 when it is not a STIX timestamp. */
static int ts_key(const char *s, char key[32])
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = 0, k = 0;

	if (!s)
		return -1;
	for (n = 0; shape[n]; n++) {
		if (shape[n] == 'd' ? !isdigit((unsigned char)s[n]) : s[n] != shape[n])
			return -1;
		if (shape[n] == 'd')
			key[k++] = s[n];
	}
	if (s[n] == '.') {
		size_t f = 0;
		n++;
		while (isdigit((unsigned char)s[n]) && f < 9)
			key[k++] = s[n++], f++;
		if (!f || isdigit((unsigned char)s[n]))
			return -1;
		while (f++ < 9)
			key[k++] = '0';
	} else {
		for (int f = 0; f < 9; f++)
			key[k++] = '0';
	}
	key[k] = 0;
	if (s[n] != 'Z' || s[n + 1])
		return -1;
	/* month 01-12, day 01-31, hour 00-23, minute and second 00-60 */
	int mo = (key[4] - '0') * 10 + key[5] - '0', d = (key[6] - '0') * 10 + key[7] - '0';
	int h = (key[8] - '0') * 10 + key[9] - '0', mi = (key[10] - '0') * 10 + key[11] - '0';
	int se = (key[12] - '0') * 10 + key[13] - '0';
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	return 0;
}

static int is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return s[36] == 0;
}

/*
 * What the checks and the index read of an object: from its jansson tree (view_of_json) or
 * from jsonscan's single pass over its text (view_of_scan).  A string member is its value, or
 * NULL when it is missing or not a string; has_* says whether the member is there at all.
 */
enum {
	F_TYPE, F_ID, F_SPEC_VERSION, F_CREATED, F_MODIFIED,
	F_VALID_FROM, F_VALID_UNTIL, F_FIRST_OBSERVED, F_LAST_OBSERVED, F_FIRST_SEEN, F_LAST_SEEN,
	F_PATTERN, F_SOURCE_REF, F_TARGET_REF, F_RELATIONSHIP_TYPE, F_SIGHTING_OF_REF, F_COUNT
};

static const char *const view_keys[F_COUNT] = {
	"type", "id", "spec_version", "created", "modified",
	"valid_from", "valid_until", "first_observed", "last_observed", "first_seen", "last_seen",
	"pattern", "source_ref", "target_ref", "relationship_type", "sighting_of_ref"
};

/* the members whose value is read (the others: only whether they are strings) */
#define VIEW_VALUES (((1u << F_PATTERN) - 1) | (1u << F_SOURCE_REF) | (1u << F_TARGET_REF) | \
		     (1u << F_SIGHTING_OF_REF))

struct view {
	int is_object;
	const char *str[F_COUNT]; /* borrowed */
	int has[F_COUNT];
};

static void view_of_json(struct view *v, const json_t *obj)
{
	v->is_object = json_is_object(obj);
	for (int i = 0; i < F_COUNT; i++) {
		const json_t *m = json_object_get(obj, view_keys[i]);
		v->has[i] = m != NULL;
		v->str[i] = json_string_value(m);
	}
}

/*
 * The view of the object text[0..n) without jansson, its strings decoded into scratch: 1, or
 * 0 when the scan is not sure of it (then jansson).
 * A sighting of an incident also goes to jansson (ties() reads its observed_data_refs).
 */
static int view_of_scan(struct view *v, const char *text, size_t n, struct buf *scratch)
{
	struct jsonscan_member m[F_COUNT];
	size_t need = 0, at = 0;

	if (!text || !jsonscan_object(text, n, view_keys, m, F_COUNT))
		return 0;
	for (int i = 0; i < F_COUNT; i++)
		if (m[i].kind == JSONSCAN_STRING && (VIEW_VALUES >> i & 1))
			need += m[i].len + 1;
	buf_reset(scratch);
	if (buf_reserve(scratch, need + 1) != V_OK)
		return 0;
	v->is_object = 1;
	for (int i = 0; i < F_COUNT; i++) {
		v->has[i] = m[i].kind != JSONSCAN_ABSENT;
		v->str[i] = NULL;
		if (m[i].kind != JSONSCAN_STRING)
			continue;
		if (!(VIEW_VALUES >> i & 1)) {
			v->str[i] = ""; /* a string, its value not needed */
			continue;
		}
		v->str[i] = scratch->data + at;
		at += jsonscan_unescape(m[i].val, m[i].len, scratch->data + at) + 1;
	}
	/* (decoded: an escape in either must not hide it) */
	if (v->str[F_TYPE] && !strcmp(v->str[F_TYPE], "sighting") && v->str[F_SIGHTING_OF_REF] &&
	    !strncmp(v->str[F_SIGHTING_OF_REF], "incident--", 10))
		return 0;
	return 1;
}

/* NULL when v is a well-formed STIX 2.1 object, else why not (static text, translated). */
static const char *check_object(const struct view *v, char *why, size_t whylen)
{
	const char *type, *id, *sv;
	char c[32], m[32];
	size_t tl;
	int sco;

	if (!v->is_object)
		return _("not a JSON object");
	type = v->str[F_TYPE];
	if (!type)
		return _("no \"type\" (or not a string)");
	tl = strlen(type);
	if (tl < 3 || tl > 250)
		return _("\"type\" must be 3 to 250 characters");
	for (size_t i = 0; i < tl; i++)
		if (!(islower((unsigned char)type[i]) || isdigit((unsigned char)type[i]) ||
		      type[i] == '-'))
			return _("\"type\" may hold only a-z, 0-9 and '-'");
	id = v->str[F_ID];
	if (!id)
		return _("no \"id\" (or not a string)");
	if (strncmp(id, type, tl) || strncmp(id + tl, "--", 2) || !is_uuid(id + tl + 2))
		return _("\"id\" is not \"<type>--<uuid>\"");
	/* a custom object without created/modified is an SCO; the specification's own SDOs and
	 * SROs always need both */
	sco = in(type, sco_types) || (!in(type, sdo_sro_types) && !v->has[F_CREATED] &&
				      !v->has[F_MODIFIED] && strcmp(type, "marking-definition"));
	sv = v->str[F_SPEC_VERSION];
	if (!sco && !sv)
		return _("no \"spec_version\"");
	if (sv && strcmp(sv, "2.1") && strcmp(sv, "2.0"))
		return _("\"spec_version\" is not 2.1");
	if (sco)
		return NULL;
	if (ts_key(v->str[F_CREATED], c))
		return _("\"created\" is missing or not a STIX timestamp");
	if (!strcmp(type, "marking-definition"))
		return NULL;
	if (ts_key(v->str[F_MODIFIED], m))
		return _("\"modified\" is missing or not a STIX timestamp");
	if (strcmp(m, c) < 0) {
		snprintf(why, whylen, _("\"modified\" (%s) is earlier than \"created\" (%s)"),
			 v->str[F_MODIFIED], v->str[F_CREATED]);
		return why;
	}
	for (int k = F_VALID_FROM; k <= F_LAST_SEEN; k++) {
		if (v->has[k] && ts_key(v->str[k], c)) {
			snprintf(why, whylen, _("\"%s\" is not a STIX timestamp"), view_keys[k]);
			return why;
		}
	}
	if (!strcmp(type, "indicator") && (!v->str[F_PATTERN] || !v->str[F_VALID_FROM]))
		return _("an indicator needs \"pattern\" and \"valid_from\"");
	if (!strcmp(type, "relationship") &&
	    (!v->str[F_SOURCE_REF] || !v->str[F_TARGET_REF] || !v->str[F_RELATIONSHIP_TYPE]))
		return _("a relationship needs relationship_type, source_ref and target_ref");
	return NULL;
}

/* ---- the document ----------------------------------------------------------------------------- */

/*
 * Strings (ids, "<field> <value>") remembered by a 128-bit keyed hash (SipHash-2-4, libsodium's
 * crypto_shorthash, under two fixed keys) with a number: 24 bytes an entry instead of a jansson
 * hash-table entry holding its own copy of the string (about 150 bytes), so the index of a
 * million-object bundle stays tens of megabytes.  Two different strings agree on both halves
 * with probability 2^-128.
 */
struct hent {
	uint64_t a, b;  /* the hash; a is never 0 (0: an empty entry) */
	uint64_t val;
};

struct hmap {
	struct hent *t;
	size_t cap, n;
};

/* The entry of s (add: made when missing, val 0), or NULL (missing; or OOM when adding). */
static struct hent *hmap_get(struct hmap *m, const char *s, int add)
{
	static const unsigned char k1[crypto_shorthash_KEYBYTES] = "vigia stix ids 1";
	static const unsigned char k2[crypto_shorthash_KEYBYTES] = "vigia stix ids 2";
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t a, b;
	size_t i, len = strlen(s);

	crypto_shorthash(h, (const unsigned char *)s, len, k1);
	memcpy(&a, h, sizeof(a));
	crypto_shorthash(h, (const unsigned char *)s, len, k2);
	memcpy(&b, h, sizeof(b));
	a |= 1;
	if (add && (m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 1024;
		struct hent *nt = calloc(ncap, sizeof(*nt));
		if (!nt)
			return NULL;
		for (size_t k = 0; k < m->cap; k++) {
			if (!m->t[k].a)
				continue;
			for (i = (size_t)m->t[k].b & (ncap - 1); nt[i].a; i = (i + 1) & (ncap - 1))
				;
			nt[i] = m->t[k];
		}
		free(m->t);
		m->t = nt;
		m->cap = ncap;
	}
	if (!m->cap)
		return NULL;
	for (i = (size_t)b & (m->cap - 1); m->t[i].a; i = (i + 1) & (m->cap - 1))
		if (m->t[i].a == a && m->t[i].b == b)
			return &m->t[i];
	if (!add)
		return NULL;
	m->n++;
	m->t[i] = (struct hent){ a, b, 0 };
	return &m->t[i];
}

/* Where a valid object's text is (its latest version's, when the bundle holds several). */
struct slot {
	size_t off, len;
	char mod[32];          /* its "modified" as ts_key() writes it, "" when it has none */
};

/* An object looked at again in a later pass: where its text is, its slot, and (relationships
 * and sightings about an incident) what it ties, owned: "r" source_ref target_ref, or "s"
 * sighting_of_ref observed_data_refs..., each string NUL-terminated, then an empty one. */
struct cand {
	size_t off, len, slot;
	char *tie;
};

struct cands {
	struct cand *v;
	size_t n, cap;
};

struct doc {
	struct ingest_ctx *ctx;
	const struct ingest_input *in; /* the document (borrowed) */
	size_t objs_at;        /* offset of the objects' '[' (or of the one object) */
	json_t *single;        /* owned: the document when it is one object, else NULL */
	size_t single_len;     /* its text's length, from objs_at */
	struct buf text;       /* the object being turned into events, read again (its raw) */
	struct buf sco;        /* an SCO it refers to, read again */
	struct hmap byid;      /* id -> index in slots + 1 (valid objects only) */
	struct slot *slots;
	size_t nslots, capslots;
	json_t *incidents;     /* incident id -> the incident object (its latest version) */
	json_t *marks;         /* marking-definition id -> level (integer) or "PAP:X" */
	struct hmap incident_of; /* object id -> index in inc_ids + 1 (relationships) */
	json_t *inc_ids;       /* the incident ids incident_of names (array) */
	json_t *inc_index;     /* incident id -> its index in inc_ids */
	struct hmap indicated; /* "<field> <value>" given by an indicator */
	struct cands rels, inds, obs; /* relationships and sightings; indicators; observed data */
	struct cmp *cmps;      /* MAX_COMPARISONS, for parse_pattern */
	struct buf strs;       /* the strings of the object being turned into events (scan) */
	struct buf val;        /* the value of an SCO it refers to (scan) */
	const char **ptrs;     /* the lists of struct info (labels, types, markings) */
	size_t nptrs, capptrs;
	unsigned skipped;      /* objects without an event form */
	int rc;
};

/* The level of a marking definition object of the bundle, or -1; *pap its PAP statement. */
static int marking_level(const json_t *md, const char **pap)
{
	const json_t *ext, *def;
	const char *v;

	*pap = NULL;
	if ((ext = json_object_get(json_object_get(md, "extensions"),
				   "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"))) {
		v = json_string_value(json_object_get(ext, "tlp_2_0"));
		for (int i = 0; v && i < STIX_TLP_LEVELS; i++)
			if (!strcasecmp(v, tlp_names[i]))
				return i;
	}
	def = json_object_get(md, "definition");
	if ((v = json_string_value(json_object_get(def, "tlp")))) {
		static const char *const l1[] = { "white", "green", "amber", "red" };
		for (int i = 0; i < 4; i++)
			if (!strcasecmp(v, l1[i]))
				return tlp1_level[i];
	}
	if ((v = json_string_value(json_object_get(def, "statement"))) &&
	    !strncasecmp(v, "PAP:", 4))
		*pap = v;
	return -1;
}

/*
 * What the events of an object are made of: from its tree (info_of_json) or from a scan of
 * its text (info_of_scan).  Strings are the members' values (NULL: missing or not a string);
 * each list is d->ptrs[at, at + n): the string elements of the array (non-strings left out,
 * as the jansson loops skipped them; empty when the member is not an array).
 */
struct range {
	size_t at, n;
};

struct info {
	const char *id, *pattern, *valid_from, *first_observed, *description;
	struct range labels, types, marks;
};

static int ptr_add(struct doc *d, const char *p)
{
	if (d->nptrs == d->capptrs) {
		size_t ncap = d->capptrs ? d->capptrs * 2 : 64;
		const char **np = realloc(d->ptrs, ncap * sizeof(*np));
		if (!np)
			return V_ERR_NOMEM;
		d->ptrs = np;
		d->capptrs = ncap;
	}
	d->ptrs[d->nptrs++] = p;
	return V_OK;
}

static int list_of_json(struct doc *d, const json_t *arr, struct range *r)
{
	const json_t *e;
	size_t i;

	r->at = d->nptrs;
	json_array_foreach(arr, i, e)
		if (json_is_string(e) && ptr_add(d, json_string_value(e)) != V_OK)
			return V_ERR_NOMEM;
	r->n = d->nptrs - r->at;
	return V_OK;
}

/* info of obj (its lists appended to d->ptrs).  V_OK or V_ERR_NOMEM. */
static int info_of_json(struct doc *d, struct info *f, const json_t *obj)
{
	f->id = json_string_value(json_object_get(obj, "id"));
	f->pattern = json_string_value(json_object_get(obj, "pattern"));
	f->valid_from = json_string_value(json_object_get(obj, "valid_from"));
	f->first_observed = json_string_value(json_object_get(obj, "first_observed"));
	f->description = json_string_value(json_object_get(obj, "description"));
	if (list_of_json(d, json_object_get(obj, "labels"), &f->labels) != V_OK ||
	    list_of_json(d, json_object_get(obj, "indicator_types"), &f->types) != V_OK ||
	    list_of_json(d, json_object_get(obj, "object_marking_refs"), &f->marks) != V_OK)
		return V_ERR_NOMEM;
	return V_OK;
}

enum { I_ID, I_PATTERN, I_VALID_FROM, I_FIRST_OBSERVED, I_DESCRIPTION, I_LABELS, I_TYPES,
       I_MARKS, I_COUNT };
static const char *const info_keys[I_COUNT] = {
	"id", "pattern", "valid_from", "first_observed", "description", "labels",
	"indicator_types", "object_marking_refs"
};

/* A string member into d->strs (room reserved), or NULL when it is not a string. */
static const char *scan_str(struct doc *d, const struct jsonscan_member *m)
{
	char *p;

	if (m->kind != JSONSCAN_STRING)
		return NULL;
	p = d->strs.data + d->strs.len;
	d->strs.len += jsonscan_unescape(m->val, m->len, p) + 1;
	return p;
}

/* The string elements of array member m (any other kind: none). */
static int list_of_scan(struct doc *d, const struct jsonscan_member *m, struct range *r)
{
	struct jsonscan_member el;
	const char *pos = m->val;

	r->at = d->nptrs;
	while (m->kind == JSONSCAN_ARRAY && jsonscan_array_next(&pos, m->val + m->len, &el))
		if (el.kind == JSONSCAN_STRING && ptr_add(d, scan_str(d, &el)) != V_OK)
			return V_ERR_NOMEM;
	r->n = d->nptrs - r->at;
	return V_OK;
}

/* info of the object text[0..n) by jsonscan: V_OK, V_SKIP when the scan is not sure (then
 * jansson), V_ERR_NOMEM. */
static int info_of_scan(struct doc *d, struct info *f, const char *text, size_t n)
{
	struct jsonscan_member m[I_COUNT];

	if (!jsonscan_object(text, n, info_keys, m, I_COUNT))
		return V_SKIP;
	buf_reset(&d->strs); /* every decoded string is shorter than its text */
	if (buf_reserve(&d->strs, n + 1) != V_OK)
		return V_ERR_NOMEM;
	f->id = scan_str(d, &m[I_ID]);
	f->pattern = scan_str(d, &m[I_PATTERN]);
	f->valid_from = scan_str(d, &m[I_VALID_FROM]);
	f->first_observed = scan_str(d, &m[I_FIRST_OBSERVED]);
	f->description = scan_str(d, &m[I_DESCRIPTION]);
	if (list_of_scan(d, &m[I_LABELS], &f->labels) != V_OK ||
	    list_of_scan(d, &m[I_TYPES], &f->types) != V_OK ||
	    list_of_scan(d, &m[I_MARKS], &f->marks) != V_OK)
		return V_ERR_NOMEM;
	return V_OK;
}

/* The strictest TLP of f's markings (-1: none) and its PAP statement. */
static int object_tlp(struct doc *d, const struct info *f, const char **pap)
{
	int best = -1;

	*pap = NULL;
	for (size_t i = 0; i < f->marks.n; i++) {
		const char *id = d->ptrs[f->marks.at + i];
		const json_t *m;
		int l;
		if ((l = stix_tlp_level(id)) < 0 && (m = json_object_get(d->marks, id))) {
			if (json_is_integer(m))
				l = (int)json_integer_value(m);
			else if (json_is_string(m))
				*pap = json_string_value(m);
		}
		if (l > best)
			best = l;
	}
	return best;
}

static const char *const rsit_keywords[][2] = {
	{ "phishing", "phishing" }, { "c2", "c2-server" }, { "command-and-control", "c2-server" },
	{ "botnet", "c2-server" },  { "malware", "malware-distribution" },
	{ "ransomware", "malware-distribution" }, { "spam", "spam" }, { "scanner", "scanner" },
	{ "ddos", "ddos" }, { NULL, NULL }
};

/* classification.type for f (and its incident's info inc, or NULL) into the current event. */
static void classify(struct doc *d, const struct info *f, const struct info *inc)
{
	const struct info *lists[2] = { f, inc };

	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; lists[k] && i < lists[k]->labels.n; i++) {
			const char *s = d->ptrs[lists[k]->labels.at + i], *q;
			char type[64];
			if (strncmp(s, "rsit:", 5) || !(q = strchr(s, '"')))
				continue;
			size_t n = strcspn(q + 1, "\"");
			if (n == 0 || n >= sizeof(type))
				continue;
			memcpy(type, q + 1, n);
			type[n] = 0;
			if (event_set_str(d->ctx->ev, "classification.type", type, 0, NULL) == V_OK)
				return;
		}
	}
	for (int k = 0; k < 2; k++) {
		for (int kk = 0; lists[k] && kk < 2; kk++) {
			const struct range *r = kk ? &lists[k]->types : &lists[k]->labels;
			for (size_t i = 0; i < r->n; i++) {
				const char *s = d->ptrs[r->at + i];
				for (int w = 0; rsit_keywords[w][0]; w++)
					if (strcasestr(s, rsit_keywords[w][0])) {
						ingest_add_str(d->ctx, "classification.type",
							       rsit_keywords[w][1], 0);
						return;
					}
			}
		}
	}
	ingest_add_str(d->ctx, "classification.type", "undetermined", 0);
}

/* One event for (field, value) of the object f, whose text is c's (its raw); its time.source
 * is time (valid_from or first_observed). */
static int emit(struct doc *d, const struct info *f, const struct cand *c, const char *field,
		const char *value, const char *time)
{
	struct ingest_ctx *ctx = d->ctx;
	const char *id = f->id;
	const struct hent *ie = hmap_get(&d->incident_of, id, 0);
	const char *incid = ie ? json_string_value(json_array_get(d->inc_ids, ie->val - 1)) : NULL;
	const json_t *inc = incid ? json_object_get(d->incidents, incid) : NULL;
	const char *pap = NULL, *s;
	struct info ii;
	size_t mark = d->nptrs;
	int tlp;

	if (inc && info_of_json(d, &ii, inc) != V_OK) {
		d->nptrs = mark;
		return V_ERR_NOMEM;
	}
	ingest_new_event(ctx);
	/* an invalid value marks the event failed: ingest_emit rejects it with the reason */
	ingest_add_str(ctx, field, value, 0);
	classify(d, f, inc ? &ii : NULL);
	tlp = object_tlp(d, f, &pap);
	if (tlp < 0 && inc)
		tlp = object_tlp(d, &ii, &pap);
	if (tlp >= 0)
		ingest_add_str(ctx, "tlp", tlp_names[tlp], 0);
	if (pap)
		ingest_add_str(ctx, "extra.pap", pap + 4, 0);
	if (time)
		ingest_add_str(ctx, "time.source", time, ING_IGNORE_INVALID);
	if (f->description)
		ingest_add_str(ctx, "event_description.text", f->description, ING_IGNORE_INVALID);
	ingest_add_str(ctx, "extra.stix_id", id, 0);
	if (ctx->file)
		ingest_add_str(ctx, "extra.source_file", ctx->file, ING_IGNORE_INVALID);
	if (incid) {
		ingest_add_str(ctx, "extra.shared_incident", incid, 0);
		if ((s = json_string_value(json_object_get(inc, "name"))))
			ingest_add_str(ctx, "extra.shared_incident_name", s, ING_IGNORE_INVALID);
	}
	d->nptrs = mark;
	return ingest_emit(ctx, d->text.data, c->len);
}

/* ---- patterns --------------------------------------------------------------------------------- */

static const struct {
	const char *lhs;
	const char *field;
} lhs_fields[] = {
	{ "ipv4-addr:value", "source.ip" },       { "ipv6-addr:value", "source.ip" },
	{ "domain-name:value", "source.fqdn" },   { "url:value", "source.url" },
	{ "email-addr:value", "source.account" },
	{ "file:hashes.MD5", "malware.hash.md5" }, { "file:hashes.'MD5'", "malware.hash.md5" },
	{ "file:hashes.'SHA-1'", "malware.hash.sha1" }, { "file:hashes.SHA1", "malware.hash.sha1" },
	{ "file:hashes.'SHA-256'", "malware.hash.sha256" },
	{ "file:hashes.SHA256", "malware.hash.sha256" }, { NULL, NULL }
};

#define MAX_COMPARISONS 64

struct cmp {
	const char *field;
	char value[1024];
};

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

/* "[a = 'x' OR b = 'y'] OR [c = 'z']" -> comparisons; -1 when the pattern is anything else. */
static int parse_pattern(const char *p, struct cmp *out, int max)
{
	int n = 0, open = 0;

	if (!p)
		return -1;
	for (;;) {
		skip_ws(&p);
		if (!open) {
			if (*p != '[')
				return -1;
			p++;
			open = 1;
			continue;
		}
		/* lhs */
		const char *start = p;
		while (*p && *p != ' ' && *p != '=' && *p != '\t')
			p++;
		size_t ll = (size_t)(p - start);
		const char *field = NULL;
		for (int i = 0; lhs_fields[i].lhs; i++)
			if (strlen(lhs_fields[i].lhs) == ll && !memcmp(lhs_fields[i].lhs, start, ll))
				field = lhs_fields[i].field;
		if (!field || n >= max)
			return -1;
		skip_ws(&p);
		if (*p != '=')
			return -1;
		p++;
		skip_ws(&p);
		if (*p != '\'')
			return -1;
		p++;
		size_t k = 0;
		while (*p && *p != '\'') {
			if (*p == '\\' && (p[1] == '\'' || p[1] == '\\'))
				p++;
			if (k + 1 >= sizeof(out[n].value))
				return -1;
			out[n].value[k++] = *p++;
		}
		if (*p != '\'')
			return -1;
		p++;
		out[n].value[k] = 0;
		out[n].field = field;
		n++;
		skip_ws(&p);
		if (*p == ']') {
			p++;
			open = 0;
			skip_ws(&p);
			if (!*p)
				return n;
		}
		if (strncmp(p, "OR", 2) || (p[2] != ' ' && p[2] != '[' && p[2] != '\t'))
			return -1;
		p += 2;
	}
}

/* The field of an SCO and its value, or NULL. */
static const char *sco_field(const json_t *sco, const char **value)
{
	const char *type = json_string_value(json_object_get(sco, "type"));
	const json_t *h;

	*value = json_string_value(json_object_get(sco, "value"));
	if (!type)
		return NULL;
	if (!strcmp(type, "ipv4-addr") || !strcmp(type, "ipv6-addr"))
		return *value ? "source.ip" : NULL;
	if (!strcmp(type, "domain-name"))
		return *value ? "source.fqdn" : NULL;
	if (!strcmp(type, "url"))
		return *value ? "source.url" : NULL;
	if (!strcmp(type, "email-addr"))
		return *value ? "source.account" : NULL;
	if (!strcmp(type, "file") && (h = json_object_get(sco, "hashes"))) {
		if ((*value = json_string_value(json_object_get(h, "SHA-256"))))
			return "malware.hash.sha256";
		if ((*value = json_string_value(json_object_get(h, "SHA-1"))))
			return "malware.hash.sha1";
		if ((*value = json_string_value(json_object_get(h, "MD5"))))
			return "malware.hash.md5";
	}
	return NULL;
}

static const char *net_field(const char *field, const char *value)
{
	return !strcmp(field, "source.ip") && strchr(value, '/') ? "source.network" : field;
}

static void indicator_events(struct doc *d, const struct info *f, const struct cand *cd)
{
	struct cmp *c = d->cmps;
	int n = parse_pattern(f->pattern, c, MAX_COMPARISONS);

	if (n <= 0) {
		d->skipped++;
		log_debug("%s: %s: pattern has no event form", d->ctx->file ? d->ctx->file : "-",
			  f->id);
	}
	for (int i = 0; i < n; i++) {
		const char *fl = net_field(c[i].field, c[i].value);
		char key[1100];
		snprintf(key, sizeof(key), "%s %s", fl, c[i].value);
		if (!hmap_get(&d->indicated, key, 1))
			d->rc = V_ERR_NOMEM;
		if (emit(d, f, cd, fl, c[i].value, f->valid_from) != V_OK)
			d->rc = V_ERR_PARSE;
	}
}

/* The object at [off, off + len) of the input, read again into b (its text stays there):
 * V_OK, or V_ERR_IO on a read error, V_ERR_NOMEM. */
static int reread_text(struct doc *d, struct buf *b, size_t off, size_t len)
{
	buf_reset(b);
	if (buf_reserve(b, len + 1) != V_OK)
		return V_ERR_NOMEM;
	if (ingest_input_read(d->in, off, b->data, len) != (ssize_t)len)
		return V_ERR_IO;
	b->len = len;
	b->data[len] = 0;
	return V_OK;
}

enum { S_TYPE, S_ID, S_VALUE, S_HASHES, S_COUNT };
static const char *const sco_keys[S_COUNT] = { "type", "id", "value", "hashes" };
static const char *const hash_keys[3] = { "SHA-256", "SHA-1", "MD5" };
static const char *const hash_fields[3] = { "malware.hash.sha256", "malware.hash.sha1",
					    "malware.hash.md5" };

/* A string member decoded into b (reset), or NULL when it is not a string. */
static const char *sco_str(struct buf *b, const struct jsonscan_member *m)
{
	if (m->kind != JSONSCAN_STRING)
		return NULL;
	buf_reset(b);
	if (buf_reserve(b, m->len + 1) != V_OK)
		return NULL;
	jsonscan_unescape(m->val, m->len, b->data);
	return b->data;
}

/* What sco_field() says of the SCO text[0..n) of valid id, by jsonscan: 1 (*field NULL when
 * it has no event form; *value in d->val), 0 when the scan is not sure (then jansson). */
static int sco_field_scan(struct doc *d, const char *id, const char *text, size_t n,
			  const char **field, const char **value)
{
	struct jsonscan_member m[S_COUNT], h[3];
	const char *t;
	char type[16];

	*field = *value = NULL;
	if (!jsonscan_object(text, n, sco_keys, m, S_COUNT))
		return 0;
	/* not that object after all (the file changed) */
	if (m[S_ID].kind != JSONSCAN_STRING || m[S_ID].escaped || m[S_ID].len != strlen(id) ||
	    memcmp(m[S_ID].val, id, m[S_ID].len))
		return m[S_ID].escaped ? 0 : 1;
	if (m[S_TYPE].kind != JSONSCAN_STRING || m[S_TYPE].len >= sizeof(type))
		return 1;
	jsonscan_unescape(m[S_TYPE].val, m[S_TYPE].len, type);
	t = type;
	if (!strcmp(t, "file")) {
		if (m[S_HASHES].kind != JSONSCAN_OBJECT)
			return 1;
		if (!jsonscan_object(m[S_HASHES].val, m[S_HASHES].len, hash_keys, h, 3))
			return 0;
		for (int i = 0; i < 3; i++)
			if ((*value = sco_str(&d->val, &h[i]))) {
				*field = hash_fields[i];
				return 1;
			}
		return 1;
	}
	if (!(*value = sco_str(&d->val, &m[S_VALUE])))
		return 1;
	if (!strcmp(t, "ipv4-addr") || !strcmp(t, "ipv6-addr"))
		*field = "source.ip";
	else if (!strcmp(t, "domain-name"))
		*field = "source.fqdn";
	else if (!strcmp(t, "url"))
		*field = "source.url";
	else if (!strcmp(t, "email-addr"))
		*field = "source.account";
	return 1;
}

/* The event form of the valid object id (an SCO): its field and *value (valid until the next
 * call), or NULL when there is none. */
static const char *sco_by_id(struct doc *d, const char *id, const char **value)
{
	const struct hent *k = id ? hmap_get(&d->byid, id, 0) : NULL;
	const struct slot *sl;
	const char *f;
	json_t *o;

	*value = NULL;
	if (!k)
		return NULL;
	sl = &d->slots[k->val - 1];
	if (reread_text(d, &d->sco, sl->off, sl->len) != V_OK)
		return NULL;
	if (sco_field_scan(d, id, d->sco.data, sl->len, &f, value))
		return f;
	o = json_loadb(d->sco.data, sl->len, 0, NULL);
	const char *oid = json_string_value(json_object_get(o, "id"));
	if (!o || !oid || strcmp(oid, id)) {
		json_decref(o); /* not that object after all (the file changed) */
		return NULL;
	}
	if ((f = sco_field(o, value))) {
		buf_reset(&d->val);
		if (buf_append(&d->val, *value, strlen(*value) + 1) != V_OK)
			f = NULL;
	}
	*value = f ? d->val.data : NULL;
	json_decref(o);
	return f;
}

static void observed_events(struct doc *d, const json_t *obj, const struct info *fo,
			    const struct cand *cd)
{
	const json_t *refs = json_object_get(obj, "object_refs"), *r, *embedded;
	const char *k;
	size_t i;
	int any = 0;

	/* STIX 2.1: references to SCOs of the bundle; 2.0: embedded "objects" */
	json_array_foreach(refs, i, r) {
		const char *value, *f = sco_by_id(d, json_string_value(r), &value);
		char key[1100];
		if (!f)
			continue;
		f = net_field(f, value);
		snprintf(key, sizeof(key), "%s %s", f, value);
		if (hmap_get(&d->indicated, key, 0))
			continue;
		any = 1;
		if (emit(d, fo, cd, f, value, fo->first_observed) != V_OK)
			d->rc = V_ERR_PARSE;
	}
	embedded = json_object_get(obj, "objects");
	json_object_foreach((json_t *)embedded, k, r) {
		const char *value, *f = json_is_object(r) ? sco_field(r, &value) : NULL;
		if (!f)
			continue;
		any = 1;
		if (emit(d, fo, cd, net_field(f, value), value, fo->first_observed) != V_OK)
			d->rc = V_ERR_PARSE;
	}
	if (!any)
		d->skipped++;
}

static int cand_add(struct cands *c, size_t off, size_t len, size_t slot, char *tie)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct cand *nv = realloc(c->v, ncap * sizeof(*nv));
		if (!nv)
			return V_ERR_NOMEM;
		c->v = nv;
		c->cap = ncap;
	}
	c->v[c->n++] = (struct cand){ off, len, slot, tie };
	return V_OK;
}

static void cands_free(struct cands *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].tie);
	free(c->v);
}

/* Is c the latest version of its object (the one its slot names)? */
static int latest(const struct doc *d, const struct cand *c)
{
	return d->slots[c->slot].off == c->off;
}

/* Reject the whole document: its text is not a STIX document (the reject file keeps the
 * part of it the walker had read, where the fault is). */
static int reject_doc(struct doc *d, const struct jsonwalk *w)
{
	d->ctx->rec = w->buf;
	d->ctx->rec_len = w->len;
	int rc = ingest_reject(d->ctx, NULL, _("not JSON: line %d: %s"), (int)w->line, w->why);
	d->ctx->rec = NULL;
	d->ctx->rec_len = 0;
	return rc;
}

/*
 * The top of the document: a bundle (its members read one by one, "objects" stepped over
 * and its position kept), one object (d->single), or an array of objects.  V_OK with
 * d->objs_at or d->single set, V_SKIP for an empty bundle, else the record was rejected.
 */
static int read_top(struct doc *d, struct jsonwalk *w)
{
	json_t *top, *v;
	size_t count = 0, off, n;
	const char *text;
	char key[256];
	int c = jsonwalk_peek(w), r, has_objects = 0;

	if (c == '[') {
		d->objs_at = jsonwalk_offset(w);
		if (jsonwalk_skip(w, &off, &n) != 0)
			return reject_doc(d, w);
		return V_OK;
	}
	if (c != '{') {
		if (!w->ioerr)
			jsonwalk_fail(w, "'[' or '{' expected");
		return reject_doc(d, w);
	}
	off = jsonwalk_offset(w);
	if (!(top = json_object()) || jsonwalk_enter(w, '{') != 0) {
		json_decref(top);
		return top ? reject_doc(d, w) : V_ERR_NOMEM;
	}
	while ((r = jsonwalk_next(w, '{', &count, key, sizeof(key))) == 1) {
		size_t voff, vn;
		if (json_object_get(top, key) || (has_objects && !strcmp(key, "objects"))) {
			r = jsonwalk_fail(w, "duplicate object key");
			break;
		}
		if (!strcmp(key, "objects")) {
			has_objects = 1;
			d->objs_at = jsonwalk_peek(w) == '[' ? jsonwalk_offset(w) : (size_t)-1;
			if (jsonwalk_skip(w, &voff, &vn) != 0) {
				r = -1;
				break;
			}
			continue;
		}
		if (jsonwalk_value(w, &v, &text, &voff, &vn) != 0) {
			r = -1;
			break;
		}
		json_object_set_new(top, key, v);
	}
	if (r != 0) {
		json_decref(top);
		return reject_doc(d, w);
	}
	const char *t = json_string_value(json_object_get(top, "type"));
	if (has_objects) {
		const char *bid = json_string_value(json_object_get(top, "id"));
		int bundle = t && !strcmp(t, "bundle");
		int named = bid && !strncmp(bid, "bundle--", 8) && is_uuid(bid + 8);
		json_decref(top);
		if (!bundle)
			return ingest_reject(d->ctx, "type", "%s",
					     _("a document with \"objects\" must be a bundle "
					       "(\"type\": \"bundle\")"));
		if (d->objs_at == (size_t)-1 || !named)
			return ingest_reject(d->ctx, "objects", "%s",
					     _("a bundle needs an id \"bundle--<uuid>\" and an "
					       "array \"objects\""));
		return V_OK;
	}
	if (t && !strcmp(t, "bundle")) {
		json_decref(top);
		return V_SKIP; /* an empty bundle: nothing to do */
	}
	if (!t) {
		json_decref(top);
		return ingest_reject(d->ctx, NULL, "%s",
				     _("not a STIX document (a bundle, an object or an array of "
				       "objects)"));
	}
	d->single = top;
	d->objs_at = off; /* the object's text */
	d->single_len = jsonwalk_offset(w) - off;
	return V_OK;
}

/* The next object: 1 (its text *text[0..*n) at *off, not yet consumed: jsonwalk_load or
 * jsonwalk_pass; or, for the one object of a document that is one, *o owned and *text NULL),
 * 0 at the end, -1 (w's reason). */
static int next_object(struct doc *d, struct jsonwalk *w, size_t *count, json_t **o,
		       const char **text, size_t *off, size_t *n)
{
	if (d->single) {
		if (*count)
			return 0;
		(*count)++;
		*o = json_incref(d->single);
		*text = NULL;
		*off = d->objs_at;
		*n = d->single_len;
		return 1;
	}
	int r = jsonwalk_next(w, '[', count, NULL, 0);
	*o = NULL;
	if (r != 1)
		return r;
	return jsonwalk_raw(w, text, off, n) == 0 ? 1 : -1;
}

/* What a relationship or a sighting (type t; its view v, and its tree o for a sighting of an
 * incident) may tie to an incident, as struct cand keeps it (*tie NULL when it names no
 * incident).  V_OK or V_ERR_NOMEM. */
static int ties(const json_t *o, const struct view *v, const char *t, char **tie)
{
	const char *refs[2];
	const json_t *list = NULL, *r;
	struct buf b;
	size_t k;
	int sighting = !strcmp(t, "sighting");

	*tie = NULL;
	if (sighting) {
		refs[0] = v->str[F_SIGHTING_OF_REF];
		refs[1] = NULL;
		if (!refs[0] || strncmp(refs[0], "incident--", 10))
			return V_OK;
		list = json_object_get(o, "observed_data_refs"); /* o: view_of_scan left it to jansson */
	} else {
		refs[0] = v->str[F_SOURCE_REF];
		refs[1] = v->str[F_TARGET_REF];
		if (!refs[0] || !refs[1] ||
		    (strncmp(refs[0], "incident--", 10) && strncmp(refs[1], "incident--", 10)))
			return V_OK;
	}
	buf_init(&b, 0);
	buf_append(&b, sighting ? "s" : "r", 2);
	for (int i = 0; i < 2 && refs[i]; i++)
		buf_append(&b, refs[i], strlen(refs[i]) + 1);
	json_array_foreach(list, k, r)
		if (json_is_string(r))
			buf_append(&b, json_string_value(r), json_string_length(r) + 1);
	if (buf_append(&b, "", 1) != V_OK) {
		buf_fini(&b);
		return V_ERR_NOMEM;
	}
	*tie = b.data;
	return V_OK;
}

/* Types whose tree pass 1 needs (marking levels, incidents kept). */
static int needs_tree(const char *type)
{
	return type && (!strcmp(type, "marking-definition") || !strcmp(type, "incident"));
}

/*
 * Pass 1: check every object, index the valid ones by id (the latest version of each),
 * collect markings, incidents, relationships and sightings; note where the indicators and the
 * observed data are.  Objects are read by jsonscan (their view from one pass over the text);
 * jansson reads those the scan is not sure of (it then gives the verdict: broken text rejects
 * the document with its reason, as before) and those whose tree is needed.  V_OK, or the
 * document was rejected.
 */
static int index_objects(struct doc *d, int *rc)
{
	struct ingest_ctx *ctx = d->ctx;
	struct jsonwalk w;
	struct buf scratch;
	size_t count = 0, off, n;
	const char *text;
	json_t *o;
	char why[256];
	int r;

	if (jsonwalk_open(&w, d->in, d->objs_at, ctx->opt.max_document,
			  JSON_REJECT_DUPLICATES) != 0)
		return V_ERR_NOMEM;
	if (!d->single && jsonwalk_enter(&w, '[') != 0) {
		r = reject_doc(d, &w);
		jsonwalk_fini(&w);
		return r;
	}
	buf_init(&scratch, ctx->opt.max_document + 1);
	while ((r = next_object(d, &w, &count, &o, &text, &off, &n)) == 1) {
		struct view v = { 0 };
		if (!o && (!view_of_scan(&v, text, n, &scratch) || needs_tree(v.str[F_TYPE]))) {
			if (jsonwalk_load(&w, n, &o) != 0) {
				r = -1;
				break;
			}
		} else if (!o) {
			jsonwalk_pass(&w, n);
		}
		if (o)
			view_of_json(&v, o);
		const char *bad = check_object(&v, why, sizeof(why));
		const char *id = v.str[F_ID];
		struct hent *k;
		size_t slot;
		char mod[32];
		if (bad) {
			const char *rec0 = ctx->rec;
			size_t rec_len0 = ctx->rec_len;
			char field[64];
			snprintf(field, sizeof(field), "objects[%zu]", count - 1);
			ctx->rec = text;
			ctx->rec_len = text ? n : 0;
			log_warn(_("%s: %s %s: %s (skipped)"), ctx->file ? ctx->file : "-", field,
				 id ? id : "", bad);
			ingest_reject(ctx, field, "%s%s%s", id ? id : "", id ? ": " : "", bad);
			ctx->rec = rec0;
			ctx->rec_len = rec_len0;
			*rc = V_ERR_PARSE;
			json_decref(o);
			continue;
		}
		if (ts_key(v.str[F_MODIFIED], mod))
			mod[0] = 0;
		if (!(k = hmap_get(&d->byid, id, 1))) {
			r = V_ERR_NOMEM;
			goto out;
		}
		if (k->val) {
			/* versions of one object: keep the latest */
			slot = (size_t)k->val - 1;
			if (!mod[0] || !d->slots[slot].mod[0] ||
			    strcmp(mod, d->slots[slot].mod) <= 0) {
				json_decref(o);
				continue;
			}
		} else {
			if (d->nslots == d->capslots) {
				size_t ncap = d->capslots ? d->capslots * 2 : 256;
				struct slot *ns = realloc(d->slots, ncap * sizeof(*ns));
				if (!ns) {
					r = V_ERR_NOMEM;
					goto out;
				}
				d->slots = ns;
				d->capslots = ncap;
			}
			slot = d->nslots++;
			k->val = slot + 1;
		}
		d->slots[slot].off = off;
		d->slots[slot].len = n;
		memcpy(d->slots[slot].mod, mod, sizeof(mod));
		const char *t = v.str[F_TYPE];
		if (!strcmp(t, "marking-definition")) {
			const char *pap;
			int l = marking_level(o, &pap);
			if (l >= 0)
				json_object_set_new(d->marks, id, json_integer(l));
			else if (pap)
				json_object_set_new(d->marks, id, json_string(pap));
		} else if (!strcmp(t, "incident")) {
			json_object_set(d->incidents, id, o);
		}
		if (!strcmp(t, "indicator"))
			r = cand_add(&d->inds, off, n, slot, NULL);
		else if (!strcmp(t, "observed-data"))
			r = cand_add(&d->obs, off, n, slot, NULL);
		else if (!strcmp(t, "relationship") || !strcmp(t, "sighting")) {
			char *tie = NULL;
			if ((r = ties(o, &v, t, &tie)) == V_OK && tie &&
			    (r = cand_add(&d->rels, off, n, slot, tie)) != V_OK)
				free(tie);
		}
		else
			r = V_OK;
		json_decref(o);
		o = NULL;
		if (r != V_OK)
			goto out;
	}
	r = r != 0 ? reject_doc(d, &w) : V_OK;
out:
	json_decref(o);
	buf_fini(&scratch);
	jsonwalk_fini(&w);
	return r;
}

/* Object id obj belongs to incident inc (a later tie of obj replaces this one). */
static void tie(struct doc *d, const char *obj, const char *inc)
{
	const json_t *k = json_object_get(d->inc_index, inc);
	size_t idx = k ? (size_t)json_integer_value(k) : json_array_size(d->inc_ids);
	struct hent *e;

	if (!k && (json_array_append_new(d->inc_ids, json_string(inc)) != 0 ||
		   json_object_set_new(d->inc_index, inc, json_integer((json_int_t)idx)) != 0)) {
		d->rc = V_ERR_NOMEM;
		return;
	}
	if (!(e = hmap_get(&d->incident_of, obj, 1))) {
		d->rc = V_ERR_NOMEM;
		return;
	}
	e->val = idx + 1;
}

/* Relationships and sightings tie objects to incidents. */
static void tie_incidents(struct doc *d)
{
	for (size_t i = 0; i < d->rels.n; i++) {
		const struct cand *c = &d->rels.v[i];
		const char *p = c->tie, *a, *b;
		if (!latest(d, c))
			continue;
		a = p + 2;
		b = a + strlen(a) + 1;
		if (*p == 's') {
			/* a sighting of an incident: the observed data it names belong to it */
			if (!json_object_get(d->incidents, a))
				continue;
			for (; *b; b += strlen(b) + 1)
				tie(d, b, a);
			continue;
		}
		/* a relationship: source_ref a, target_ref b */
		if (!strncmp(b, "incident--", 10) && json_object_get(d->incidents, b))
			tie(d, a, b);
		else if (!strncmp(a, "incident--", 10) && json_object_get(d->incidents, a))
			tie(d, b, a);
	}
}

/* Pass 2: the events of the indicators (read by jsonscan; by jansson when it is not sure),
 * then of the observed data the indicators did not already give; every other object only
 * counted. */
static int emit_events(struct doc *d)
{
	struct cands *lists[2] = { &d->inds, &d->obs };
	size_t kept = 0;

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < lists[k]->n; i++) {
			const struct cand *c = &lists[k]->v[i];
			struct info f;
			json_t *o = NULL;
			int r;
			if (!latest(d, c))
				continue;
			kept++;
			d->nptrs = 0;
			if ((r = reread_text(d, &d->text, c->off, c->len)) != V_OK)
				return r; /* it was read in pass 1: the file changed */
			r = k == 0 ? info_of_scan(d, &f, d->text.data, c->len) : V_SKIP;
			if (r == V_SKIP) {
				if (!(o = json_loadb(d->text.data, c->len, 0, NULL)))
					return V_ERR_IO; /* it parsed in pass 1: the file changed */
				r = info_of_json(d, &f, o);
			}
			if (r != V_OK) {
				json_decref(o);
				return r;
			}
			if (k == 0)
				indicator_events(d, &f, c);
			else
				observed_events(d, o, &f, c);
			json_decref(o);
		}
	d->skipped += (unsigned)(d->byid.n - kept);
	return V_OK;
}

static int stix_stream(struct ingest_ctx *ctx, const struct ingest_input *in)
{
	struct doc d = { .ctx = ctx, .in = in };
	struct jsonwalk w;
	int rc = V_OK, r;

	if (jsonwalk_open(&w, in, 0, ctx->opt.max_document, JSON_REJECT_DUPLICATES) != 0)
		return V_ERR_NOMEM;
	if ((r = read_top(&d, &w)) == V_OK && jsonwalk_peek(&w) >= 0) {
		jsonwalk_fail(&w, "end of file expected");
		r = reject_doc(&d, &w);
	}
	jsonwalk_fini(&w);
	if (r != V_OK) {
		json_decref(d.single);
		return r == V_SKIP ? V_OK : r;
	}
	buf_init(&d.text, ctx->opt.max_document + 1);
	buf_init(&d.sco, ctx->opt.max_document + 1);
	buf_init(&d.strs, ctx->opt.max_document + 1);
	buf_init(&d.val, ctx->opt.max_document + 1);
	d.incidents = json_object();
	d.marks = json_object();
	d.inc_ids = json_array();
	d.inc_index = json_object();
	d.cmps = malloc(MAX_COMPARISONS * sizeof(*d.cmps));
	if (!d.incidents || !d.marks || !d.inc_ids || !d.inc_index || !d.cmps)
		r = V_ERR_NOMEM;
	else if ((r = index_objects(&d, &rc)) == V_OK) {
		tie_incidents(&d);
		r = emit_events(&d);
	}
	if (d.skipped)
		log_debug("%s: %u STIX objects without an event form", ctx->file ? ctx->file : "-",
			  d.skipped);
	cands_free(&d.rels);
	cands_free(&d.inds);
	cands_free(&d.obs);
	free(d.slots);
	free(d.cmps);
	free(d.byid.t);
	free(d.incident_of.t);
	free(d.indicated.t);
	json_decref(d.incidents);
	json_decref(d.marks);
	json_decref(d.inc_ids);
	json_decref(d.inc_index);
	json_decref(d.single);
	buf_fini(&d.text);
	buf_fini(&d.sco);
	buf_fini(&d.strs);
	buf_fini(&d.val);
	free(d.ptrs);
	if (r != V_OK)
		return r;
	return rc != V_OK ? rc : d.rc;
}

const struct parser parser_stix = {
	.name = "stix",
	.aliases = (const char *const[]){ NULL },
	.description = N_("STIX 2.1 bundles: indicators and observed data become events"),
	.mode = PARSE_STREAM,
	.stream = stix_stream,
};
