/*
 * fuzz_enrich.c — libFuzzer target for the enrichment (src/enrich/enrich.c): a hostile event
 * (IntelMQ JSON, read by event_from_json) enriched against a small index built once from
 * tests/data/enrich/ (or $FUZZ_ENRICH_DATA) and a constituency made here.  The first byte of
 * the input picks the overwrite set (a bit per field, both sides).  Whatever the event holds
 * (odd addresses, long URLs, names that are no domain, values already filled, a full event),
 * enrichment must neither crash nor produce an event that does not serialise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "enrich/enrich.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct enrich *en; /* for the whole run (reachable at exit: not a leak) */
static int ready;

static void setup(void)
{
	const char *dir = getenv("FUZZ_ENRICH_DATA");
	char asn[4096], cc[4096], idx[64] = "/tmp/vigia-fuzz-enrich-XXXXXX";
	struct ipdb_builder *b = NULL;
	struct verr e = { 0 };
	int fd;
	static const struct store_network nets[] = { { "192.0.2.0/24", 0 }, { "2001:db8::/32", 1 } };
	static const int64_t asns[] = { 64501 };
	static const char *const doms[] = { "proveedor.example" };
	static const struct store_contact contacts[] = { { "noc@proveedor.example", NULL, NULL,
							   NULL, NULL } };
	struct store_org org = { .name = "Prov", .nnetworks = 2, .networks = nets, .nasns = 1,
				 .asns = asns, .ndomains = 1, .domains = doms, .ncontacts = 1,
				 .contacts = contacts };
	struct store_cert cert = { .cc = "DE", .name = "CERT-Bund", .ncontacts = 1,
				   .contacts = contacts };
	struct ipdb *db = NULL;
	struct constituency *cons;

	ready = 1;
	conf_init();
	if (!dir || !*dir)
		dir = "tests/data/enrich";
	snprintf(asn, sizeof(asn), "%s/asn.csv", dir);
	snprintf(cc, sizeof(cc), "%s/country.csv", dir);
	if ((fd = mkstemp(idx)) >= 0)
		close(fd);
	if (fd >= 0 && ipdb_builder_new(0, NULL, NULL, &b) == V_OK &&
	    ipdb_builder_add(b, asn, NULL, &e) == V_OK && ipdb_builder_add(b, cc, NULL, &e) == V_OK &&
	    ipdb_builder_write(b, idx, NULL, &e) == V_OK)
		ipdb_open(idx, 0, &db, &e);
	ipdb_builder_free(b);
	if (fd >= 0)
		unlink(idx); /* the mapping stays */
	if (!db)
		fprintf(stderr, "fuzz_enrich: no index (%s): addresses go unattributed\n", e.reason);
	cons = constituency_new();
	if (cons && (constituency_add_org(cons, &org, &e) != V_OK ||
		     constituency_add_cert(cons, &cert, &e) != V_OK ||
		     constituency_index(cons, &e) != V_OK)) {
		constituency_free(cons);
		cons = NULL;
	}
	enrich_new(db, cons, NULL, &en, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct enrich_overwrite ow = { 0 };
	struct event *ev, *scratch;
	const struct event *out;
	struct verr e = { 0 };
	json_error_t je;
	json_t *j;
	struct buf b;

	if (!ready)
		setup();
	if (size < 1 || !en)
		return 0;
	for (int f = 0; f < ENRICH__FIELDS; f++)
		ow.on[0][f] = ow.on[1][f] = (data[0] >> f) & 1;
	if (!(j = json_loadb((const char *)data + 1, size - 1, 0, &je)))
		return 0;
	ev = event_new();
	scratch = event_new();
	buf_init(&b, 1 << 22);
	enrich_set_overwrite(en, &ow);
	if (ev && scratch && event_from_json(ev, j, 0, &e) == V_OK &&
	    enrich_event(en, ev, scratch, &out, NULL, &e) == V_OK && event_to_json(out, &b) != V_OK)
		abort(); /* an enriched event always serialises */
	buf_fini(&b);
	event_free(ev);
	event_free(scratch);
	json_decref(j);
	return 0;
}
