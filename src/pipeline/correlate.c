/*
 * correlate.c — incidents that share an indicator are linked.
 *
 * The indicators of an event: its source/destination addresses ("ip"), networks ("network"),
 * URLs ("url"), host names ("domain"), malware hashes ("md5", "sha1", "sha256") and e-mail
 * addresses in source/destination.account ("email").  Each (kind, value) is one indicator in
 * the store; a posting says an incident has it, stored once per pair and without a cap.  When
 * a posting is new and the indicator already had another incident, the new incident is
 * linked to the first incident that had it (kind "correlated", why "<kind> <value>"): a star
 * around the first, so n incidents sharing a value cost n links, not n².
 *
 * A network the enrichment stage filled (it has extra.enrichment.<field>: src/enrich/enrich.h)
 * is not an indicator: it is the range the address belongs to, often a whole provider's, and
 * would link every incident of that provider.  Networks the feed reported are.
 *
 * A value on a warning list is marked common in the store with the list's name, keeps its
 * postings (so an incident shows it, marked) but links nothing.  A value the store already
 * marks common stays common.
 *
 * Incremental: only the new event's indicators are looked at, never the old incidents.
 * The indicator of each value and the postings written are cached (up to COR_CACHE_MAX
 * entries each, then the cache starts again), across commits; a rollback empties them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/enrich.h"
#include "pipeline/pipeline.h"
#include "pipeline/smap.h"

#define COR_CACHE_MAX (1u << 20)
#define COR_VALUE_MAX 4096

static const struct {
	int field;
	const char *kind;
} indicator_fields[] = {
	{ F_SOURCE_IP, "ip" },
	{ F_DESTINATION_IP, "ip" },
	{ F_SOURCE_NETWORK, "network" },
	{ F_DESTINATION_NETWORK, "network" },
	{ F_SOURCE_URL, "url" },
	{ F_DESTINATION_URL, "url" },
	{ F_SOURCE_FQDN, "domain" },
	{ F_DESTINATION_FQDN, "domain" },
	{ F_MALWARE_HASH_MD5, "md5" },
	{ F_MALWARE_HASH_SHA1, "sha1" },
	{ F_MALWARE_HASH_SHA256, "sha256" },
	{ F_SOURCE_ACCOUNT, "email" },
	{ F_DESTINATION_ACCOUNT, "email" },
};
#define NFIELDS (sizeof(indicator_fields) / sizeof(indicator_fields[0]))

struct correlate {
	const struct wlists *wl; /* borrowed */
	struct smap ind;         /* kind NUL value -> a: indicator id, b: common */
	struct smap post;        /* indicator id, incident id -> (present) */
	struct buf key;
	char value[COR_VALUE_MAX + 1];
};

/* Did the enrichment stage fill indicator field i (its provenance key is there)? */
static int enriched(const struct event *ev, size_t i)
{
	char key[128];

	snprintf(key, sizeof(key), ENRICH_PROVENANCE_PREFIX "%s",
		 schema_fields[indicator_fields[i].field].name);
	return event_has(ev, key);
}

struct correlate *correlate_new(const struct wlists *wl)
{
	struct correlate *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->wl = wl;
	smap_init(&c->ind, COR_CACHE_MAX);
	smap_init(&c->post, COR_CACHE_MAX);
	buf_init(&c->key, 0);
	return c;
}

void correlate_free(struct correlate *c)
{
	if (!c)
		return;
	smap_fini(&c->ind);
	smap_fini(&c->post);
	buf_fini(&c->key);
	free(c);
}

/* What a commit made durable stays true (indicators and postings are never removed, and
 * only this stage marks an indicator common): the caches are kept across commits and
 * dropped only with a rollback, which may have undone some of their entries. */
void correlate_sync(struct correlate *c, int committed)
{
	if (committed)
		return;
	smap_clear(&c->ind);
	smap_clear(&c->post);
}

/* The indicator's value as the store keeps it: hashes and e-mail addresses lower-cased (an
 * e-mail address needs an '@' with something on both sides), the rest as the event has it
 * (already canonical).  0 when the value is not an indicator of that kind. */
static size_t normalise(const char *kind, const char *v, size_t len, char *out)
{
	if (len == 0 || len > COR_VALUE_MAX)
		return 0;
	if (!strcmp(kind, "email")) {
		const char *at = memchr(v, '@', len);
		if (!at || at == v || at == v + len - 1)
			return 0;
	}
	if (kind[0] == 'm' || kind[0] == 's' || kind[0] == 'e') { /* md5, sha*, email */
		for (size_t i = 0; i < len; i++)
			out[i] = (char)tolower((unsigned char)v[i]);
	} else
		memcpy(out, v, len);
	out[len] = 0;
	return len;
}

struct first_other {
	int64_t self, other;
};

static int first_other_cb(void *arg, int64_t id)
{
	struct first_other *fo = arg;

	if (id == fo->self)
		return 0;
	fo->other = id;
	return 1; /* stop */
}

static int one_indicator(struct correlate *c, struct store *st, struct pipe_event *pe,
			 const char *kind, const char *value, size_t len, struct verr *err)
{
	struct smap_slot *slot;
	int64_t id, pk[2];
	int common = 0, added, is_new, rc;

	buf_reset(&c->key);
	buf_puts(&c->key, kind);
	buf_putc(&c->key, 0);
	buf_append(&c->key, value, len);
	slot = smap_get(&c->ind, c->key.data, c->key.len);
	if (slot) {
		id = slot->a;
		common = (int)slot->b;
	} else {
		if ((rc = store_indicator_get(st, kind, value, &id, &common, err)) != V_OK)
			return rc;
		if (!common) {
			const char *why = wlists_match(c->wl, kind, value, len);
			if (why) {
				if ((rc = store_indicator_set_common(st, id, why, err)) != V_OK)
					return rc;
				common = 1;
			}
		}
		slot = smap_put(&c->ind, c->key.data, c->key.len, &added);
		if (slot) {
			slot->a = id;
			slot->b = common;
		}
	}
	if (common)
		pe->common++;
	pk[0] = id;
	pk[1] = pe->incident;
	if (smap_get(&c->post, pk, sizeof(pk)))
		return V_OK;
	if ((rc = store_posting_add(st, id, pe->incident, &is_new, err)) != V_OK)
		return rc;
	smap_put(&c->post, pk, sizeof(pk), &added);
	if (!is_new || common)
		return V_OK;
	struct first_other fo = { pe->incident, 0 };
	rc = store_postings_of(st, id, first_other_cb, &fo, err);
	if (rc != V_OK && rc != 1)
		return rc;
	if (!fo.other)
		return V_OK;
	buf_reset(&c->key);
	buf_puts(&c->key, kind);
	buf_putc(&c->key, ' ');
	buf_append(&c->key, value, len);
	rc = store_link_add(st, fo.other, pe->incident, "correlated", buf_cstr(&c->key), err);
	if (rc != V_OK)
		return rc;
	pe->links++;
	return V_OK;
}

int correlate_event(struct correlate *c, struct store *st, struct pipe_event *pe,
		    struct verr *err)
{
	int rc;

	pe->links = 0;
	pe->common = 0;
	if (!pe->incident)
		return V_OK;
	for (size_t i = 0; i < NFIELDS; i++) {
		size_t len;
		const char *v = event_get_id(pe->ev, indicator_fields[i].field, &len);
		if (!v)
			continue;
		if (!strcmp(indicator_fields[i].kind, "network") && enriched(pe->ev, i))
			continue;
		len = normalise(indicator_fields[i].kind, v, len, c->value);
		if (!len)
			continue;
		rc = one_indicator(c, st, pe, indicator_fields[i].kind, c->value, len, err);
		if (rc != V_OK)
			return rc;
	}
	return V_OK;
}
