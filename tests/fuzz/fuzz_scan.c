/*
 * fuzz_scan.c — libFuzzer target for the malware scanner's front end: the archive reader
 * (zip, tar, gzip, bzip2, xz through libarchive, nested), its limits and the hashing, with no
 * signature engine loaded (the engines are libyara's and libclamav's own fuzzing business).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/malware/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_result(void *arg, const struct scan_result *r)
{
	size_t *n = arg;

	/* touch what a caller reads */
	*n += strlen(r->object) + r->nmatch + (r->skipped ? strlen(r->skipped) : 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_config c;
	struct scanner *s = NULL;
	struct verr e = { 0 };
	size_t n = 0;

	memset(&c, 0, sizeof(c));
	c.max_depth = 3;
	c.max_file = 1 << 20;
	c.max_member = 1 << 20;
	c.max_expanded = 4 << 20;
	c.max_members = 64;
	if (scanner_new(&c, &s, &e) != V_OK)
		abort();
	scanner_scan_mem(s, "input", data, size, on_result, &n, &e);
	scanner_free(s);
	return 0;
}
