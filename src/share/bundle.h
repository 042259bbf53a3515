/*
 * bundle.h — signed offline bundles: STIX content and a manifest in one file, signed with
 * Ed25519 (libsodium), for teams that exchange files by e-mail or removable media.
 *
 * The file is one JSON object:
 *   {"vigia_bundle": 1,
 *    "manifest": "<JSON text>",     signed as these exact bytes (no canonical form needed)
 *    "signature": "<128 hex>",      Ed25519 over the manifest text
 *    "content": "<base64>"}         the STIX bundle
 * and the manifest holds bundle_id, from, from_identity, to, created, content_type,
 * content_sha256 (hex SHA-256 of the content bytes) and objects.  Importing checks, in this
 * order: the shape (refused: not a bundle, unsigned), the sender (a registered partner with
 * a public key: else unknown sender), the signature (else tampered or not from that sender),
 * the content's hash (else tampered), the addressee, and that the bundle id was never
 * accepted before (else replayed).
 *
 * The team's own signing key is a file holding the 64-byte libsodium secret key in hex,
 * created with mode 0600 and never overwritten; a key file others may read is refused.
 *
 * Ownership: struct bundle_opened owns its strings until bundle_opened_fini().
 */
#ifndef VIGIA_SHARE_BUNDLE_H
#define VIGIA_SHARE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#include "base/buf.h"
#include "base/err.h"

#define BUNDLE_MAX_BYTES ((size_t)512 << 20)

/* Create a new key pair at path (refuses an existing file: V_ERR_EXISTS).  OUT: pk_hex. */
int bundle_keygen(const char *path, char pk_hex[2 * crypto_sign_PUBLICKEYBYTES + 1],
		  struct verr *err);
/* Load the secret key (refuses a file group or others may read).  OUT: sk. */
int bundle_key_load(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		    struct verr *err);
/* The public key of a secret key, in hex. */
void bundle_public_hex(const unsigned char sk[crypto_sign_SECRETKEYBYTES],
		       char pk_hex[2 * crypto_sign_PUBLICKEYBYTES + 1]);

struct bundle_manifest {
	const char *bundle_id, *from, *from_identity, *to;
	int64_t created;
	size_t objects;
};

/* Seal content (a STIX bundle) into a signed bundle file's text, appended to out. */
int bundle_seal(const unsigned char sk[crypto_sign_SECRETKEYBYTES],
		const struct bundle_manifest *m, const char *content, size_t len, struct buf *out,
		struct verr *err);

struct bundle_opened {
	char *manifest;             /* the signed text */
	unsigned char sig[crypto_sign_BYTES];
	char *bundle_id, *from, *to, *created, *sha256;
	unsigned char *content;     /* decoded */
	size_t content_len;
};

/* Parse a bundle file (no signature check yet: its sender is needed to know the key).
 * V_OK; V_ERR_PARSE / V_ERR_INVALID with the reason (not a bundle, unsigned, ...). */
int bundle_open(const char *data, size_t len, struct bundle_opened *b, struct verr *err);
/* Check the signature against pk and the content against the manifest's hash.
 * V_OK or V_ERR_INVALID with the reason. */
int bundle_verify(const struct bundle_opened *b, const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
		  struct verr *err);
void bundle_opened_fini(struct bundle_opened *b);

#endif
