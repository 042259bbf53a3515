/*
 * test_event.c — the canonical event: set/get, overwrite rules, extra.*, JSON out and in.
 */
#include <string.h>

#include "event/event.h"
#include "tap.h"

int main(void)
{
	struct event *ev = event_new();
	struct verr e = { 0 };
	struct buf b;
	size_t n;
	enum vkind k;
	int rc;

	buf_init(&b, 0);
	ok(ev != NULL, "event_new");
	is_int(schema_lookup("source.ip", 9), F_SOURCE_IP, "schema_lookup finds source.ip");
	is_int(schema_lookup("source.ipx", 10), -1, "schema_lookup refuses unknown names");
	is_int(schema_lookup("extra.foo", 9), F_EXTRA_KEY, "extra.* keys");
	for (int i = 1; i < F__COUNT; i++)
		if (strcmp(schema_fields[i - 1].name, schema_fields[i].name) >= 0)
			ok(0, "schema table sorted at %s", schema_fields[i].name);

	is_int(event_set_str(ev, "source.ip", "2001:DB8::1", 0, &e), V_OK, "set source.ip");
	is_str(event_get(ev, "source.ip", &n, &k), "2001:db8::1", "IPv6 normalised");
	rc = event_set_str(ev, "source.ip", "192.0.2.1", 0, &e);
	is_int(rc, V_ERR_EXISTS, "no silent overwrite");
	is_int(event_set_str(ev, "source.ip", "192.0.2.1", EV_OVERWRITE, &e), V_OK, "overwrite");
	is_str(event_get(ev, "source.ip", NULL, NULL), "192.0.2.1", "overwritten value");
	rc = event_set_str(ev, "source.asn", "ASx", 0, &e);
	is_int(rc, V_ERR_INVALID, "invalid ASN refused");
	is_str(e.field, "source.asn", "error names the field");
	ok(e.reason[0] != 0, "error has a reason: %s", e.reason);
	is_int(event_set_str(ev, "no.such", "x", 0, &e), V_ERR_NOTFOUND, "unknown field refused");
	is_int(event_set_int(ev, "source.port", 443, 0, &e), V_OK, "int field");
	is_int(event_set_str(ev, "extra.tag", "a\"b", 0, &e), V_OK, "extra string");
	is_int(event_set_float(ev, "extra.score", 27.0, 0, &e), V_OK, "extra float");
	is_int(event_set_bool(ev, "extra.flag", 1, 0, &e), V_OK, "extra bool");
	is_int(event_set_str(ev, "classification.type", "phishing", 0, &e), V_OK, "type");
	event_derive_taxonomy(ev);
	is_str(event_get(ev, "classification.taxonomy", NULL, NULL), "fraud", "taxonomy derived");
	is_int(event_set_raw(ev, "line\n", 5), V_OK, "raw");
	is_str(event_get(ev, "raw", NULL, NULL), "bGluZQo=", "raw is base64");
	is_str(event_get(ev, "feed.name", NULL, NULL), NULL, "unset field is NULL");

	ok(event_to_json(ev, &b) == V_OK, "to JSON");
	is_str(buf_cstr(&b),
	       "{\"classification.taxonomy\":\"fraud\",\"classification.type\":\"phishing\","
	       "\"extra.tag\":\"a\\\"b\",\"extra.score\":27.0,\"extra.flag\":true,"
	       "\"raw\":\"bGluZQo=\",\"source.ip\":\"192.0.2.1\",\"source.port\":443}",
	       "JSON form");

	/* round trip through JSON */
	json_error_t je;
	json_t *j = json_loads(buf_cstr(&b), 0, &je);
	struct event *ev2 = event_new();
	is_int(event_from_json(ev2, j, 0, &e), V_OK, "from JSON");
	struct buf b2;
	buf_init(&b2, 0);
	event_to_json(ev2, &b2);
	is_str(buf_cstr(&b2), buf_cstr(&b), "JSON round trip is exact");
	json_decref(j);

	/* hierarchical IntelMQ form */
	j = json_loads("{\"source\":{\"ip\":\"192.0.2.9\",\"port\":\"80\"},\"__type\":\"Event\"}", 0, &je);
	event_clear(ev2);
	is_int(event_from_json(ev2, j, 0, &e), V_OK, "hierarchical JSON");
	is_str(event_get(ev2, "source.port", NULL, &k), "80", "port from text");
	is_int(k, VK_INT, "port is an integer");
	json_decref(j);

	/* clear keeps working storage */
	event_clear(ev);
	ok(!event_has(ev, "source.ip"), "clear empties");
	is_int(event_set_str(ev, "source.ip", "192.0.2.2", 0, &e), V_OK, "set after clear");

	/* the value-count cap */
	event_clear(ev);
	char key[32];
	for (int i = 0; i < EVENT_MAX_VALUES; i++) {
		snprintf(key, sizeof(key), "extra.k%d", i);
		event_set_int(ev, key, i, 0, &e);
	}
	is_int(event_set_int(ev, "extra.one_too_many", 1, 0, &e), V_ERR_LIMIT, "value cap");

	/* validations beyond the type (IntelMQ's constraints, port range) */
	event_clear(ev);
	is_int(event_set_str(ev, "source.geolocation.cc", "es", 0, &e), V_OK, "country code");
	is_str(event_get(ev, "source.geolocation.cc", NULL, NULL), "ES", "country code upper-cased");
	is_int(event_set_str(ev, "destination.geolocation.cc", "ESP", 0, &e), V_ERR_INVALID, "3-letter cc refused");
	is_int(event_set_str(ev, "source.port", "70000", 0, &e), V_ERR_INVALID, "port over 65535 refused");
	is_int(event_set_int(ev, "destination.port", -1, 0, &e), V_ERR_INVALID, "negative port refused");
	is_int(event_set_int(ev, "destination.port", 65535, 0, &e), V_OK, "port 65535");
	is_int(event_set_str(ev, "protocol.transport", "TCP", 0, &e), V_OK, "transport");
	is_str(event_get(ev, "protocol.transport", NULL, NULL), "tcp", "transport lower-cased");
	is_int(event_set_str(ev, "protocol.transport", "tcpx", EV_OVERWRITE, &e), V_ERR_INVALID, "unknown transport");
	is_int(event_set_str(ev, "malware.hash.md5", "d41d8cd98f00b204e9800998ecf8427e", 0, &e), V_OK, "md5");
	is_int(event_set_str(ev, "malware.hash.sha1", "caf\xc3\xa9", 0, &e), V_ERR_INVALID, "non-ASCII hash refused");
	is_int(event_set_str(ev, "misp.event_uuid", "5b0f1d9f-2d44-4f0e-9a1b-0a0b0c0d0e0f", 0, &e), V_OK, "uuid");
	is_int(event_set_str(ev, "misp.attribute_uuid", "not-a-uuid", 0, &e), V_ERR_INVALID, "bad uuid");

	/* invalid UTF-8 and NUL are refused */
	is_int(event_set(ev, "comment", "a\xff", 2, EV_OVERWRITE, &e), V_ERR_INVALID, "bad UTF-8");
	is_int(event_set(ev, "comment", "a\0b", 3, EV_OVERWRITE, &e), V_ERR_INVALID, "NUL byte");

	buf_fini(&b);
	buf_fini(&b2);
	event_free(ev);
	event_free(ev2);
	return done_testing();
}
