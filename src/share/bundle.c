/*
 * bundle.c — signed offline bundles (bundle.h): keys, sealing, opening and verifying.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "base/i18n.h"
#include "share/bundle.h"

int bundle_keygen(const char *path, char pk_hex[2 * crypto_sign_PUBLICKEYBYTES + 1],
		  struct verr *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char hex[2 * crypto_sign_SECRETKEYBYTES + 2];
	int fd, rc = V_OK;
	size_t n;

	if (sodium_init() < 0)
		return verr_set(err, V_ERR_IO, "", "%s", _("libsodium cannot start"));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return verr_set(err, errno == EEXIST ? V_ERR_EXISTS : V_ERR_IO, "",
				errno == EEXIST ? _("%s exists: a signing key is never overwritten "
						    "(remove it first if you mean to replace it)")
						: _("cannot create %s: %s"),
				path, strerror(errno));
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(hex, sizeof(hex) - 1, sk, sizeof(sk));
	n = strlen(hex);
	hex[n++] = '\n';
	if (write(fd, hex, n) != (ssize_t)n || fsync(fd) != 0)
		rc = verr_set(err, V_ERR_IO, "", _("cannot write %s: %s"), path, strerror(errno));
	if (close(fd) != 0 && rc == V_OK)
		rc = verr_set(err, V_ERR_IO, "", _("cannot write %s: %s"), path, strerror(errno));
	if (rc != V_OK)
		unlink(path);
	sodium_bin2hex(pk_hex, 2 * crypto_sign_PUBLICKEYBYTES + 1, pk, sizeof(pk));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

int bundle_key_load(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		    struct verr *err)
{
	char hex[2 * crypto_sign_SECRETKEYBYTES + 8];
	struct stat s;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return verr_set(err, errno == ENOENT ? V_ERR_NOTFOUND : V_ERR_IO, "",
				errno == ENOENT ? _("no signing key at %s (create one with 'vigia "
						    "bundle keygen')")
						: _("cannot read %s: %s"),
				path, strerror(errno));
	if (fstat(fd, &s) != 0 || (s.st_mode & 077)) {
		close(fd);
		return verr_set(err, V_ERR_USAGE, "",
				_("signing key %s may be read by others (mode %o): make it 0600"),
				path, (unsigned)(s.st_mode & 0777));
	}
	n = read(fd, hex, sizeof(hex) - 1);
	close(fd);
	if (n < 2 * crypto_sign_SECRETKEYBYTES)
		return verr_set(err, V_ERR_INVALID, "", _("%s is not a vigia signing key"), path);
	hex[n] = 0;
	if (sodium_hex2bin(sk, crypto_sign_SECRETKEYBYTES, hex, 2 * crypto_sign_SECRETKEYBYTES,
			   NULL, &got, NULL) != 0 || got != crypto_sign_SECRETKEYBYTES) {
		sodium_memzero(hex, sizeof(hex));
		return verr_set(err, V_ERR_INVALID, "", _("%s is not a vigia signing key"), path);
	}
	sodium_memzero(hex, sizeof(hex));
	return V_OK;
}

void bundle_public_hex(const unsigned char sk[crypto_sign_SECRETKEYBYTES],
		       char pk_hex[2 * crypto_sign_PUBLICKEYBYTES + 1])
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];

	crypto_sign_ed25519_sk_to_pk(pk, sk);
	sodium_bin2hex(pk_hex, 2 * crypto_sign_PUBLICKEYBYTES + 1, pk, sizeof(pk));
}

static void iso(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

int bundle_seal(const unsigned char sk[crypto_sign_SECRETKEYBYTES],
		const struct bundle_manifest *m, const char *content, size_t len, struct buf *out,
		struct verr *err)
{
	unsigned char h[crypto_hash_sha256_BYTES], sig[crypto_sign_BYTES];
	char hhex[2 * sizeof(h) + 1], shex[2 * sizeof(sig) + 1], when[32];
	json_t *man = json_object(), *file = json_object();
	char *mtext = NULL, *b64 = NULL, *ftext = NULL;
	size_t b64len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	int rc = V_OK;

	crypto_hash_sha256(h, (const unsigned char *)content, len);
	sodium_bin2hex(hhex, sizeof(hhex), h, sizeof(h));
	iso(m->created, when);
	if (!man || !file ||
	    json_object_set_new(man, "bundle_id", json_string(m->bundle_id)) ||
	    json_object_set_new(man, "from", json_string(m->from)) ||
	    (m->from_identity &&
	     json_object_set_new(man, "from_identity", json_string(m->from_identity))) ||
	    json_object_set_new(man, "to", json_string(m->to)) ||
	    json_object_set_new(man, "created", json_string(when)) ||
	    json_object_set_new(man, "content_type",
				json_string("application/stix+json;version=2.1")) ||
	    json_object_set_new(man, "content_sha256", json_string(hhex)) ||
	    json_object_set_new(man, "objects", json_integer((json_int_t)m->objects)) ||
	    !(mtext = json_dumps(man, JSON_COMPACT | JSON_SORT_KEYS)) ||
	    !(b64 = malloc(b64len))) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	crypto_sign_detached(sig, NULL, (const unsigned char *)mtext, strlen(mtext), sk);
	sodium_bin2hex(shex, sizeof(shex), sig, sizeof(sig));
	sodium_bin2base64(b64, b64len, (const unsigned char *)content, len,
			  sodium_base64_VARIANT_ORIGINAL);
	if (json_object_set_new(file, "vigia_bundle", json_integer(1)) ||
	    json_object_set_new(file, "manifest", json_string(mtext)) ||
	    json_object_set_new(file, "signature", json_string(shex)) ||
	    json_object_set_new(file, "content", json_string(b64)) ||
	    !(ftext = json_dumps(file, JSON_INDENT(1) | JSON_PRESERVE_ORDER))) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	if ((rc = buf_puts(out, ftext)) == V_OK)
		rc = buf_putc(out, '\n');
	if (rc != V_OK)
		verr_set(err, rc, "", "%s", vres_str(rc));
out:
	json_decref(man);
	json_decref(file);
	free(mtext);
	free(b64);
	free(ftext);
	return rc;
}

void bundle_opened_fini(struct bundle_opened *b)
{
	if (!b)
		return;
	free(b->manifest);
	free(b->bundle_id);
	free(b->from);
	free(b->to);
	free(b->created);
	free(b->sha256);
	free(b->content);
	memset(b, 0, sizeof(*b));
}

static int dup_field(const json_t *o, const char *key, char **out, struct verr *err)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (!v || !*v || strlen(v) > 300)
		return verr_set(err, V_ERR_INVALID, key,
				_("the manifest lacks \"%s\" (or it is not a short string)"), key);
	if (!(*out = strdup(v)))
		return verr_set(err, V_ERR_NOMEM, key, "%s", vres_str(V_ERR_NOMEM));
	return V_OK;
}

int bundle_open(const char *data, size_t len, struct bundle_opened *b, struct verr *err)
{
	json_error_t je;
	json_t *file = NULL, *man = NULL;
	const char *mtext, *sig, *content;
	size_t got = 0, clen;
	int rc = V_OK;

	memset(b, 0, sizeof(*b));
	if (len > BUNDLE_MAX_BYTES)
		return verr_set(err, V_ERR_LIMIT, "", _("larger than %zu bytes"), BUNDLE_MAX_BYTES);
	file = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(file) || json_integer_value(json_object_get(file, "vigia_bundle")) != 1) {
		json_decref(file);
		return verr_set(err, V_ERR_PARSE, "", "%s",
				_("not a vigia signed bundle (no \"vigia_bundle\": 1)"));
	}
	mtext = json_string_value(json_object_get(file, "manifest"));
	sig = json_string_value(json_object_get(file, "signature"));
	content = json_string_value(json_object_get(file, "content"));
	if (!mtext || !content) {
		rc = verr_set(err, V_ERR_INVALID, "", "%s", _("the bundle has no manifest or content"));
		goto out;
	}
	if (!sig || !*sig) {
		rc = verr_set(err, V_ERR_INVALID, "signature", "%s",
			      _("the bundle is unsigned: refused"));
		goto out;
	}
	if (strlen(sig) != 2 * crypto_sign_BYTES ||
	    sodium_hex2bin(b->sig, sizeof(b->sig), sig, strlen(sig), NULL, &got, NULL) != 0 ||
	    got != sizeof(b->sig)) {
		rc = verr_set(err, V_ERR_INVALID, "signature", "%s",
			      _("the signature is not an Ed25519 signature in hex"));
		goto out;
	}
	if (!(b->manifest = strdup(mtext))) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	man = json_loads(mtext, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(man)) {
		rc = verr_set(err, V_ERR_INVALID, "manifest", "%s",
			      _("the manifest is not a JSON object"));
		goto out;
	}
	if ((rc = dup_field(man, "bundle_id", &b->bundle_id, err)) != V_OK ||
	    (rc = dup_field(man, "from", &b->from, err)) != V_OK ||
	    (rc = dup_field(man, "to", &b->to, err)) != V_OK ||
	    (rc = dup_field(man, "created", &b->created, err)) != V_OK ||
	    (rc = dup_field(man, "content_sha256", &b->sha256, err)) != V_OK)
		goto out;
	clen = strlen(content);
	if (!(b->content = malloc(clen / 4 * 3 + 3))) {
		rc = verr_set(err, V_ERR_NOMEM, "", "%s", vres_str(V_ERR_NOMEM));
		goto out;
	}
	if (sodium_base642bin(b->content, clen / 4 * 3 + 3, content, clen, NULL, &b->content_len,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		rc = verr_set(err, V_ERR_INVALID, "content", "%s",
			      _("the content is not base64"));
		goto out;
	}
out:
	json_decref(man);
	json_decref(file);
	if (rc != V_OK)
		bundle_opened_fini(b);
	return rc;
}

int bundle_verify(const struct bundle_opened *b, const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
		  struct verr *err)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hhex[2 * sizeof(h) + 1];

	if (crypto_sign_verify_detached(b->sig, (const unsigned char *)b->manifest,
					strlen(b->manifest), pk) != 0)
		return verr_set(err, V_ERR_INVALID, "signature",
				_("the signature does not verify with %s's key: the manifest was "
				  "changed or another key signed it"), b->from);
	crypto_hash_sha256(h, b->content, b->content_len);
	sodium_bin2hex(hhex, sizeof(hhex), h, sizeof(h));
	if (strcmp(hhex, b->sha256))
		return verr_set(err, V_ERR_INVALID, "content", "%s",
				_("the content does not match the signed manifest (tampered)"));
	return V_OK;
}
