/*
 * store_copy.c — store_copy(): every table of one store into another, row by row through the
 * backends' rows_read and row_write (store_impl.h), so that an installation moves from SQLite
 * to PostgreSQL (and back) with its ids, its audit chain and its queue as they were.
 *
 * The tables are listed here in an order where every row a row refers to is copied before it
 * (batches before events, incidents before their notes...).  schema_version is not copied:
 * the destination was migrated to the same version when it was opened.
 */
#include <string.h>

#include "base/i18n.h"
#include "store/store_impl.h"

#define COLS(...) (const char *const[]){ __VA_ARGS__ }, \
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)

static const struct store_table tables[] = {
	{ "batches", COLS("id", "feed", "source", "started", "finished", "records", "events",
			  "duplicates", "rejected", "input"), 0, "id" },
	{ "events", COLS("id", "batch", "fingerprint", "first_seen", "last_seen", "repeats",
			 "time", "source_ip", "destination_ip", "classification_type", "taxonomy",
			 "feed", "source_fqdn_rev", "destination_fqdn_rev", "source_url", "json"),
	  (1u << 7) | (1u << 8), "id" },
	{ "incidents", COLS("id", "rule", "key", "state", "resolution", "owner", "priority",
			    "impact", "tlp", "pap", "classification_type", "taxonomy",
			    "organisation", "title", "first_seen", "last_seen", "event_count",
			    "created", "updated", "deadline", "merged_into", "country",
			    "asn", "network"), 0, "id" },
	{ "incident_events", COLS("incident", "event", "seen"), 0, "incident, event" },
	{ "notes", COLS("id", "incident", "author", "time", "text"), 0, "id" },
	{ "contents", COLS("sha256", "size", "data"), 1u << 2, "sha256" },
	{ "attachments", COLS("id", "incident", "name", "sha256", "time"), 0, "id" },
	{ "links", COLS("a", "b", "kind", "why", "time"), 0, "a, b, kind" },
	{ "indicators", COLS("id", "kind", "value", "common", "why"), 0, "id" },
	{ "postings", COLS("indicator", "incident"), 0, "indicator, incident" },
	{ "audit", COLS("id", "time", "actor", "object", "action", "before", "after",
			"prev_hash", "hash"), 0, "id" },
	{ "audit_head", COLS("one", "last_id", "hash"), 0, "one" },
	{ "orgs", COLS("id", "name", "do_not_notify", "notes", "updated"), 0, "id" },
	{ "org_networks", COLS("org", "cidr", "lo", "hi", "do_not_notify"), (1u << 2) | (1u << 3),
	  NULL },
	{ "org_asns", COLS("org", "asn"), 0, NULL },
	{ "org_domains", COLS("org", "domain"), 0, NULL },
	{ "partner_certs", COLS("cc", "name", "notes", "updated"), 0, "cc" },
	{ "contacts", COLS("org", "cert", "email", "name", "lang", "format", "fingerprint"), 0,
	  NULL },
	{ "partners", COLS("id", "name", "kind", "tlp_max", "collections", "orgs", "pseudonymise",
			   "pseudo_key", "sign_key", "identity", "contact", "notes", "created",
			   "updated"), 0, "id" },
	{ "bundles_accepted", COLS("bundle_id", "partner", "accepted"), 0, "bundle_id" },
	{ "notices", COLS("id", "incident", "version", "recipient", "name", "kind", "address",
			  "lang", "format", "template", "interval", "akey", "rule", "why",
			  "created", "due", "next_try", "state", "attempts", "message_id", "error"),
	  0, "id" },
	{ "notify_ledger", COLS("id", "time", "recipient", "incident", "version", "template",
				"message_id", "reply"), 0, "id" },
	{ "accounts", COLS("id", "name", "role", "partner", "created", "password", "lang"), 0,
	  "id" },
	{ "api_tokens", COLS("id", "account", "hash", "label", "created", "revoked"), 0, "id" },
	{ "taxii_cursors", COLS("source", "collection", "added_after", "updated"), 0,
	  "source, collection" },
	{ "taxii_objects", COLS("seq", "collection", "id", "type", "version", "spec_version",
				"date_added", "tlp", "account", "latest", "earliest", "object"),
	  0, "seq" },
	/* not "id" first: the PostgreSQL copy moves identity columns named id or seq on */
	{ "taxii_status", COLS("collection", "id", "account", "status", "request_timestamp",
			       "total", "success", "failure", "pending", "detail"), 0, "id" },
};

struct copy {
	struct store *to;
	const struct store_table *t;
	struct store_copy_stats *stats;
	struct verr *err;
};

static int put_row(void *arg, const struct store_cell *cells)
{
	struct copy *c = arg;
	int rc = c->to->ops->row_write(c->to, c->t, cells, c->err);

	if (rc == V_OK)
		c->stats->rows++;
	return rc;
}

int store_copy(struct store *from, struct store *to, struct store_copy_stats *stats,
	       struct verr *err)
{
	struct store_info in;
	struct copy c = { .to = to, .stats = stats, .err = err };
	int rc;

	memset(stats, 0, sizeof(*stats));
	if (from == to || !strcmp(store_path(from), store_path(to)))
		return verr_set(err, V_ERR_USAGE, "", "%s",
				_("a store cannot be copied into itself"));
	if ((rc = store_info(to, &in, err)) != V_OK)
		return rc;
	if (in.events || in.incidents || in.batches || in.audit_entries || in.indicators)
		return verr_set(err, V_ERR_EXISTS, "",
				_("store %s is not empty (%lld events, %lld incidents): a copy "
				  "goes into an empty store"), store_path(to),
				(long long)in.events, (long long)in.incidents);
	if ((rc = store_begin(to, err)) != V_OK)
		return rc;
	for (size_t i = 0; rc == V_OK && i < sizeof(tables) / sizeof(tables[0]); i++) {
		int64_t before = stats->rows;
		c.t = &tables[i];
		rc = from->ops->rows_read(from, c.t, put_row, &c, err);
		if (!strcmp(c.t->name, "events"))
			stats->events = stats->rows - before;
		else if (!strcmp(c.t->name, "incidents"))
			stats->incidents = stats->rows - before;
		else if (!strcmp(c.t->name, "audit"))
			stats->audit_entries = stats->rows - before;
	}
	if (rc == V_OK)
		rc = to->ops->copy_done(to, tables, sizeof(tables) / sizeof(tables[0]), err);
	if (rc == V_OK)
		rc = store_commit(to, err);
	if (rc != V_OK)
		store_rollback(to);
	return rc;
}
