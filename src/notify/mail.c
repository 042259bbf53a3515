/*
 * mail.c — the notification as an RFC 5322 / MIME message (notify.h "the message").
 *
 *   multipart/mixed
 *     text/plain; charset=UTF-8      the rendered template (base64)
 *     text/csv, application/json...  the attachments (base64)
 *
 * Signed (notify.sign_key): the same entity inside multipart/signed with a detached,
 * ASCII-armoured OpenPGP signature made by GPGME (RFC 3156).  Every line ends with CRLF, as
 * SMTP and the signature want.  Header values that are not ASCII are RFC 2047 encoded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpgme.h>
#include <sodium.h>

#include "base/i18n.h"
#include "notify/notify.h"

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == '\r' || *s == '\n')
			return 0;
	return 1;
}

/* Base64 of data, in lines of 76 characters. */
static int put_base64(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	char line[80];
	int rc = V_OK;

	for (size_t i = 0; rc == V_OK && i < len; i += 57) {
		size_t n = len - i < 57 ? len - i : 57;
		sodium_bin2base64(line, sizeof(line), p + i, n, sodium_base64_VARIANT_ORIGINAL);
		rc = buf_puts(out, line);
		if (rc == V_OK)
			rc = buf_puts(out, "\r\n");
	}
	return rc;
}

/* A header value: as it is when ASCII, else RFC 2047 encoded words (B), split between UTF-8
 * characters so that no word exceeds 75 characters; control characters become spaces. */
static int put_header(struct buf *out, const char *name, const char *value)
{
	int rc = buf_printf(out, "%s: ", name);
	size_t len = strlen(value), i = 0;

	if (rc != V_OK)
		return rc;
	if (ascii(value))
		return buf_printf(out, "%s\r\n", value);
	while (rc == V_OK && i < len) {
		size_t n = len - i < 45 ? len - i : 45;
		char word[128], clean[48];

		while (n < len - i && n > 0 && ((unsigned char)value[i + n] & 0xc0) == 0x80)
			n--; /* do not split a character */
		for (size_t k = 0; k < n; k++)
			clean[k] = (value[i + k] == '\r' || value[i + k] == '\n') ? ' ' : value[i + k];
		sodium_bin2base64(word, sizeof(word), (const unsigned char *)clean, n,
				  sodium_base64_VARIANT_ORIGINAL);
		rc = buf_printf(out, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", word);
		i += n;
	}
	return rc == V_OK ? buf_puts(out, "\r\n") : rc;
}

/* A text with bare LF line ends into CRLF ones (lines copied whole). */
static int put_crlf(struct buf *out, const char *s)
{
	int rc = V_OK;

	while (rc == V_OK && *s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (nl && n > 0 && s[n - 1] == '\r')
			n--; /* already CRLF */
		rc = buf_append(out, s, n);
		if (rc == V_OK && nl)
			rc = buf_append(out, "\r\n", 2);
		s = nl ? nl + 1 : s + n;
	}
	return rc;
}

static void boundary(const char *message_id, const char *what, char out[64])
{
	unsigned char h[12];
	char hex[25];

	crypto_generichash(h, sizeof(h), (const unsigned char *)message_id, strlen(message_id),
			   (const unsigned char *)what, strlen(what));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, 64, "=_vigia_%s_%s", what, hex);
}

/* The multipart/mixed entity: its Content-Type header and its body. */
static int put_mixed(struct buf *out, const char *message_id, const char *body,
		     const struct notify_part *parts, size_t nparts)
{
	char b[64];
	int rc;
	struct buf text;

	boundary(message_id, "mixed", b);
	rc = buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
			     "This is a message in MIME format.\r\n"
			     "--%s\r\n"
			     "Content-Type: text/plain; charset=UTF-8\r\n"
			     "Content-Transfer-Encoding: base64\r\n\r\n", b, b);
	buf_init(&text, 0);
	if (rc == V_OK)
		rc = put_crlf(&text, body);
	if (rc == V_OK)
		rc = put_base64(out, text.data ? text.data : "", text.len);
	buf_fini(&text);
	for (size_t i = 0; rc == V_OK && i < nparts; i++) {
		rc = buf_printf(out, "--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
				     "Content-Disposition: attachment; filename=\"%s\"\r\n"
				     "Content-Transfer-Encoding: base64\r\n\r\n", b,
				parts[i].content_type, parts[i].filename, parts[i].filename);
		if (rc == V_OK)
			rc = put_base64(out, parts[i].data, parts[i].len);
	}
	if (rc == V_OK)
		rc = buf_printf(out, "--%s--\r\n", b);
	return rc;
}

/* A detached, armoured signature of data by the key with fingerprint fpr. */
static int sign(const char *fpr, const char *data, size_t len, struct buf *sig, char micalg[32],
		struct verr *err)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_data_t in = NULL, outd = NULL;
	gpgme_sign_result_t res;
	gpgme_error_t ge;
	char *s = NULL;
	size_t n = 0;
	int rc = V_OK;

	gpgme_check_version(NULL);
	if ((ge = gpgme_new(&ctx)) || (ge = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP)))
		goto bad;
	gpgme_set_armor(ctx, 1);
	if ((ge = gpgme_get_key(ctx, fpr, &key, 1)))
		goto bad;
	if ((ge = gpgme_signers_add(ctx, key)) ||
	    (ge = gpgme_data_new_from_mem(&in, data, len, 0)) || (ge = gpgme_data_new(&outd)) ||
	    (ge = gpgme_op_sign(ctx, in, outd, GPGME_SIG_MODE_DETACH)))
		goto bad;
	res = gpgme_op_sign_result(ctx);
	snprintf(micalg, 32, "pgp-%s",
		 res && res->signatures ? gpgme_hash_algo_name(res->signatures->hash_algo)
					: "sha256");
	for (char *p = micalg; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	s = gpgme_data_release_and_get_mem(outd, &n);
	outd = NULL;
	rc = s ? buf_append(sig, s, n) : V_ERR_NOMEM;
	gpgme_free(s);
	goto out;
bad:
	rc = verr_set(err, V_ERR_INVALID, "notify.sign_key",
		      _("cannot sign with OpenPGP key %s: %s"), fpr, gpgme_strerror(ge));
out:
	gpgme_data_release(in);
	gpgme_data_release(outd);
	gpgme_key_unref(key);
	gpgme_release(ctx);
	return rc;
}

int notify_mail_build(struct buf *out, const char *from, const char *to, const char *subject,
		      const char *message_id, int64_t date, const char *body,
		      const struct notify_part *parts, size_t nparts, const char *sign_key,
		      struct verr *err)
{
	char when[64];
	struct tm tm;
	time_t t = (time_t)date;
	int rc, xarf = 0;

	for (size_t i = 0; i < nparts; i++)
		xarf |= strstr(parts[i].filename, "xarf") != NULL;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	rc = put_header(out, "From", from);
	if (rc == V_OK)
		rc = put_header(out, "To", to);
	if (rc == V_OK)
		rc = put_header(out, "Subject", subject);
	if (rc == V_OK)
		rc = buf_printf(out, "Date: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
				     "Auto-Submitted: auto-generated\r\n%s", when, message_id,
				xarf ? "X-XARF: PLAIN\r\n" : "");
	if (rc == V_OK && (!sign_key || !sign_key[0])) {
		rc = put_mixed(out, message_id, body, parts, nparts);
	} else if (rc == V_OK) {
		struct buf inner, sig;
		char b[64], micalg[32];

		buf_init(&inner, 0);
		buf_init(&sig, 0);
		rc = put_mixed(&inner, message_id, body, parts, nparts);
		if (rc == V_OK)
			rc = sign(sign_key, inner.data, inner.len, &sig, micalg, err);
		boundary(message_id, "signed", b);
		if (rc == V_OK)
			rc = buf_printf(out, "Content-Type: multipart/signed; micalg=%s; "
					     "protocol=\"application/pgp-signature\"; "
					     "boundary=\"%s\"\r\n\r\n"
					     "This is an OpenPGP/MIME signed message (RFC 3156).\r\n"
					     "--%s\r\n", micalg, b, b);
		if (rc == V_OK)
			rc = buf_append(out, inner.data, inner.len);
		if (rc == V_OK)
			rc = buf_printf(out, "\r\n--%s\r\nContent-Type: application/pgp-signature; "
					     "name=\"signature.asc\"\r\n"
					     "Content-Description: OpenPGP digital signature\r\n\r\n",
					b);
		if (rc == V_OK)
			rc = put_crlf(out, sig.data ? sig.data : "");
		if (rc == V_OK)
			rc = buf_printf(out, "\r\n--%s--\r\n", b);
		buf_fini(&inner);
		buf_fini(&sig);
	}
	if (rc != V_OK && !err->reason[0])
		verr_set(err, rc, "", _("cannot build the message %s"), message_id);
	return rc;
}
