/*
 * test_indidx.c — the correlation stage's index of indicator values (src/pipeline/indidx.h):
 * found by (kind, value) whatever the flags, two values with one hash made ambiguous, growth
 * past many values, the memory bound, and a key drawn per index.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/indidx.h"
#include "tap.h"

int main(void)
{
	struct indidx x, y;
	struct indidx_slot *s;
	char v[64];
	uint64_t t, t2;
	int found = 0, right = 0;

	is_int(indidx_init(&x, 64u << 20), 0, "an index of 64 MiB at most");
	t = indidx_tag(&x, "ip", "192.0.2.1", 9);
	ok(t >> 63 && !(t & INDIDX_FLAGS), "a tag: top bit set, no flags");
	ok(indidx_tag(&x, "domain", "192.0.2.1", 9) != t, "another kind, another tag");
	ok(indidx_find(&x, t) == NULL, "an empty index holds nothing");
	s = indidx_add(&x, t, 7, 3, INDIDX_COMMON);
	ok(s && s->id == 7 && s->first == 3 && (s->tag & INDIDX_COMMON), "added with its flags");
	s->tag |= INDIDX_CHECKED;
	ok(indidx_find(&x, t) == s, "found whatever its flags");
	s = indidx_add(&x, t, 8, 4, 0);
	ok(s && s->id == 0, "the same tag again: ambiguous (id 0), the store decides");
	for (int i = 0; i < 200000; i++) {
		snprintf(v, sizeof(v), "http://h%d.example.net/%d", i % 977, i);
		if (!indidx_add(&x, indidx_tag(&x, "url", v, strlen(v)), (uint32_t)i + 10, 1, 0))
			break;
	}
	is_int(x.count, 200001, "200,000 values more");
	ok(indidx_bytes(&x) <= 200001 * 30 && indidx_bytes(&x) >= 200001 * 16,
	   "20 to 30 bytes a value (%zu bytes)", indidx_bytes(&x));
	for (int i = 0; i < 200000; i += 7) {
		snprintf(v, sizeof(v), "http://h%d.example.net/%d", i % 977, i);
		s = indidx_find(&x, indidx_tag(&x, "url", v, strlen(v)));
		found += s != NULL;
		right += s && s->id == (uint32_t)i + 10;
	}
	ok(found == 28572 && right == found, "each found with its id (%d of 28572)", right);
	snprintf(v, sizeof(v), "http://h1.example.net/200001");
	ok(indidx_find(&x, indidx_tag(&x, "url", v, strlen(v))) == NULL, "an absent one is not");
	indidx_clear(&x);
	ok(x.count == 0 && indidx_find(&x, t) == NULL, "cleared");

	is_int(indidx_init(&y, 1), 0, "an index of the least size");
	t2 = indidx_tag(&y, "ip", "192.0.2.1", 9);
	ok(t2 != t, "its own key: other tags for the same value");
	int n = 0;
	for (; n < 5000; n++) {
		snprintf(v, sizeof(v), "198.51.100.%d/%d", n % 256, n);
		if (!indidx_add(&y, indidx_tag(&y, "network", v, strlen(v)), 1, 1, 0))
			break;
	}
	ok(n < 1024 && n > 800, "the bound holds: full at %d values of 1024 slots", n);

	/* saved and mapped again: the same values, ids, firsts and key; CHECKED not kept */
	{
		char path[] = "/tmp/vigia-test-indidx-XXXXXX";
		struct indidx z, w;
		struct indidx_file_mark m = { "00112233445566778899aabbccddeeff", 42, 77, 99 }, m2;
		struct verr e = { 0 };
		int fd = mkstemp(path), same = 0;
		close(fd);
		indidx_init(&z, 64u << 20);
		for (int i = 0; i < 50000; i++) {
			snprintf(v, sizeof(v), "203.0.113.%d/%d", i % 256, i);
			s = indidx_add(&z, indidx_tag(&z, "network", v, strlen(v)), (uint32_t)i + 1,
				       (uint32_t)i / 3, i % 5 ? 0 : INDIDX_COMMON | INDIDX_CHECKED);
		}
		is_int(indidx_save(&z, path, &m, &e), V_OK, "saved (%s)", e.reason);
		is_int(indidx_init(&w, 64u << 20), 0, "a second index");
		is_int(indidx_load(&w, path, &m2, &e), V_OK, "mapped back (%s)", e.reason);
		ok(!strcmp(m2.store_id, m.store_id) && m2.gen == 42 && m2.max_id == 77 &&
			   m2.max_tag == 99, "with its mark");
		ok(w.count == z.count && w.map != NULL, "as many values (%zu), mapped", w.count);
		for (int i = 0; i < 50000; i++) {
			snprintf(v, sizeof(v), "203.0.113.%d/%d", i % 256, i);
			s = indidx_find(&w, indidx_tag(&w, "network", v, strlen(v)));
			same += s && s->id == (uint32_t)i + 1 && s->first == (uint32_t)i / 3 &&
				!!(s->tag & INDIDX_COMMON) == !(i % 5) &&
				!(s->tag & INDIDX_CHECKED);
		}
		is_int(same, 50000, "each with its id, first and common flag; none checked");
		for (int i = 0; i < 40000; i++) {
			snprintf(v, sizeof(v), "new%d", i);
			if (!indidx_add(&w, indidx_tag(&w, "url", v, strlen(v)), 1, 1, 0))
				break;
		}
		ok(w.count == 90000 && w.map == NULL, "grows out of the mapping (%zu)", w.count);
		indidx_clear(&w);
		ok(w.count == 0, "cleared");
		indidx_fini(&w);
		indidx_init(&w, 1 << 16);
		ok(indidx_load(&w, path, &m2, &e) == V_ERR_INVALID && strstr(e.reason, "slots"),
		   "refused by a smaller index: %s", e.reason);
		indidx_fini(&w);
		ok(truncate(path, 1000) == 0, "cut short");
		indidx_init(&w, 64u << 20);
		ok(indidx_load(&w, path, &m2, &e) == V_ERR_INVALID && w.count == 0,
		   "a truncated file is refused: %s", e.reason);
		unlink(path);
		ok(indidx_load(&w, path, &m2, &e) == V_ERR_NOTFOUND, "no file: not found");
		snprintf(path, sizeof(path), "/nonexistent-dir/x");
		ok(indidx_save(&z, path, &m, &e) == V_ERR_IO && strstr(e.reason, path),
		   "a file that cannot be written: an error naming it (%s)", e.reason);
		indidx_fini(&w);
		indidx_fini(&z);
	}
	indidx_fini(&x);
	indidx_fini(&y);
	indidx_fini(&y);
	return done_testing();
}
