/*
 * fuzz_bundle.c — libFuzzer target for the signed-bundle reader (src/share/bundle.c): any
 * bytes through bundle_open() and, when they parse, bundle_verify() against a fixed key.
 * Nothing an attacker sends may crash the import before the signature has been checked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "share/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char pk[crypto_sign_PUBLICKEYBYTES] = { 1, 2, 3 };
	struct bundle_opened b;
	struct verr e = { 0 };

	if (sodium_init() < 0)
		return 0;
	if (bundle_open((const char *)data, size, &b, &e) == V_OK) {
		bundle_verify(&b, pk, &e);
		bundle_opened_fini(&b);
	}
	return 0;
}
