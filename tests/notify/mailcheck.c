/*
 * mailcheck.c — read back an e-mail that vigia sent, with GMime (an independent MIME parser),
 * and describe it as one JSON object for the notification tests:
 *
 *   {"from": "...", "to": ["..."], "subject": "... (decoded)", "message_id": "...",
 *    "xarf": "PLAIN" | null, "signed": bool, "verified": bool,
 *    "text": "the text part, decoded",
 *    "attachments": [{"filename": "...", "content_type": "...", "file": "OUTDIR/..."}]}
 *
 * usage: mailcheck FILE.eml OUTDIR — each attachment is decoded into OUTDIR under its name.
 * A signed message (multipart/signed) is verified with GMime's OpenPGP context (GNUPGHOME).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <jansson.h>

struct walk {
	const char *outdir;
	json_t *atts;
	json_t *text;
};

static GByteArray *content_of(GMimePart *part, GMimeStream **mem)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);

	*mem = g_mime_stream_mem_new();
	if (w)
		g_mime_data_wrapper_write_to_stream(w, *mem);
	return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(*mem));
}

static void each(GMimeObject *parent, GMimeObject *obj, gpointer data)
{
	struct walk *w = data;
	GMimePart *part;
	GMimeStream *mem = NULL;
	GByteArray *ba;
	const char *fn;
	char *ct;

	(void)parent;
	if (!GMIME_IS_PART(obj))
		return;
	part = GMIME_PART(obj);
	ct = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(obj));
	fn = g_mime_part_get_filename(part);
	ba = content_of(part, &mem);
	if (!fn && !strcmp(ct, "text/plain") && !w->text) {
		w->text = json_stringn((const char *)ba->data, ba->len);
	} else if (fn && !strchr(fn, '/')) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", w->outdir, fn);
		if ((f = fopen(path, "wb"))) {
			fwrite(ba->data, 1, ba->len, f);
			fclose(f);
		}
		json_array_append_new(w->atts, json_pack("{ss ss ss}", "filename", fn,
							 "content_type", ct, "file", path));
	}
	g_object_unref(mem);
	g_free(ct);
}

int main(int argc, char **argv)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;
	GMimeObject *top;
	InternetAddressList *to;
	struct walk w;
	json_t *o, *tos;
	int signed_ = 0, verified = 0;
	char *out;

	if (argc != 3) {
		fprintf(stderr, "usage: mailcheck FILE.eml OUTDIR\n");
		return 2;
	}
	g_mime_init();
	if (!(s = g_mime_stream_fs_open(argv[1], O_RDONLY, 0, NULL))) {
		fprintf(stderr, "mailcheck: cannot open %s\n", argv[1]);
		return 1;
	}
	p = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(p, NULL);
	if (!m) {
		fprintf(stderr, "mailcheck: %s is not a message\n", argv[1]);
		return 1;
	}
	top = g_mime_message_get_mime_part(m);
	if (GMIME_IS_MULTIPART_SIGNED(top)) {
		GError *err = NULL;
		GMimeSignatureList *sigs;

		signed_ = 1;
		sigs = g_mime_multipart_signed_verify(GMIME_MULTIPART_SIGNED(top), GMIME_VERIFY_NONE,
						      &err);
		if (sigs && g_mime_signature_list_length(sigs) > 0) {
			GMimeSignature *sig = g_mime_signature_list_get_signature(sigs, 0);
			verified = (g_mime_signature_get_status(sig) & GMIME_SIGNATURE_STATUS_RED) == 0;
		}
		if (err)
			fprintf(stderr, "mailcheck: verify: %s\n", err->message);
		if (sigs)
			g_object_unref(sigs);
		g_clear_error(&err);
	}
	w.outdir = argv[2];
	w.atts = json_array();
	w.text = NULL;
	g_mime_message_foreach(m, each, &w);
	tos = json_array();
	to = g_mime_message_get_to(m);
	for (int i = 0; i < internet_address_list_length(to); i++) {
		InternetAddress *a = internet_address_list_get_address(to, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			json_array_append_new(tos, json_string(internet_address_mailbox_get_addr(
						      INTERNET_ADDRESS_MAILBOX(a))));
	}
	{
		InternetAddressList *from = g_mime_message_get_from(m);
		char *fs = internet_address_list_to_string(from, NULL, FALSE);
		const char *xarf = g_mime_object_get_header(GMIME_OBJECT(m), "X-XARF");
		o = json_pack("{ss so ss* ss* ss* sb sb so* so}", "from", fs ? fs : "", "to", tos,
			      "subject", g_mime_message_get_subject(m), "message_id",
			      g_mime_message_get_message_id(m), "xarf", xarf, "signed", signed_,
			      "verified", verified, "text", w.text ? w.text : json_null(),
			      "attachments", w.atts);
		g_free(fs);
	}
	out = json_dumps(o, JSON_INDENT(1));
	printf("%s\n", out);
	free(out);
	json_decref(o);
	g_object_unref(m);
	g_object_unref(p);
	g_object_unref(s);
	return 0;
}
