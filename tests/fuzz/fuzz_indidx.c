/*
 * fuzz_indidx.c — libFuzzer target for the saved indicator index (src/pipeline/indidx.c): the
 * input is written to a file and read back with indidx_load, as correlate.c reads
 * "<db>.indidx"; what loads is then looked up and added to, as the correlation stage does.
 * Nothing may crash or hang, whatever the file holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/indidx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct indidx x;
	struct indidx_file_mark m;
	struct verr e = { 0 };
	FILE *f;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/vigia-fuzz-indidx-%ld", (long)getpid());
	}
	if (!(f = fopen(path, "wb")))
		return 0;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	if (indidx_init(&x, 1 << 22) != 0)
		return 0;
	if (indidx_load(&x, path, &m, &e) == V_OK) {
		for (unsigned i = 0; i < 64; i++) {
			char v[16];
			snprintf(v, sizeof(v), "10.0.0.%u", i);
			uint64_t tag = indidx_tag(&x, "ip", v, strlen(v));
			if (!indidx_find(&x, tag) && !indidx_add(&x, tag, i + 1, 0, 0))
				break;
		}
		indidx_clear(&x);
	}
	indidx_fini(&x);
	unlink(path);
	return 0;
}
