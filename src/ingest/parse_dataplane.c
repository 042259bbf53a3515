/*
 * parse_dataplane.c — the DataPlane.org reports, compatible with IntelMQ's
 * intelmq.bots.parsers.dataplane.parser: "#" comments, then entries whose fields are
 * separated by "  |  " (a pipe with two spaces on each side, so that an AS name may hold a
 * pipe of its own):
 *
 *     ASN  |  ASname  |  saddr  |  utc  |  category
 *     ASN  |  ASname  |  saddr  |  firstseen  |  lastseen  |  proto41      (proto41 only)
 *
 * The category (last field) gives classification.type, protocol.application and a
 * description; an unknown category or a wrong field count rejects the line.  "NA" as ASN or
 * AS name means none; the AS name is its first word.  Lines are stripped, raw is the line.
 */
#include <string.h>

#include "base/i18n.h"
#include "base/pystr.h"
#include "ingest/ingest.h"

#define DATAPLANE_MAX_FIELDS 6

static const struct dataplane_category {
	const char *name;
	const char *type;
	const char *app;
	const char *text;
} dataplane_categories[] = {
	{ "dnsrd", "scanner", "dns",
	  "Address has been seen performing a DNS recursion desired query to a remote host. The "
	  "source report lists hosts that are suspicious of more than just port scanning. The host "
	  "may be DNS server cataloging or searching for hosts to use for DNS-based DDoS "
	  "amplification." },
	{ "dnsrdany", "scanner", "dns",
	  "Address has been seen performing a DNS recursion desired IN ANY query to a remote host. "
	  "The source report lists hosts that are suspicious of more than just port scanning. The "
	  "host may be DNS server cataloging or searching for hosts to use for DNS-based DDoS "
	  "amplification." },
	{ "dnsversion", "scanner", "dns",
	  "Address has been seen initiating a DNS CH TXT version.bind operation to a remote host. "
	  "The source report lists hosts that are suspicious of more than just port scanning. The "
	  "host may be DNS server cataloging or searching for vulnerable DNS servers." },
	{ "proto41", "proxy", "6to4",
	  "Address has been detected to offer open IPv6 over IPv4 tunneling. This could allow for "
	  "the host to be used a public proxy against IPv6 hosts." },
	{ "sipquery", "brute-force", "sip",
	  "Address has been seen initiating a SIP OPTIONS query to a remote host. The source "
	  "report lists hosts that are suspicious of more than just port scanning. The host may be "
	  "SIP server cataloging or conducting various forms of telephony abuse." },
	{ "sipinvitation", "brute-force", "sip",
	  "Address has been seen initiating a SIP INVITE operation to a remote host. The source "
	  "report lists hosts that are suspicious of more than just port scanning. The host may be "
	  "SIP client cataloging or conducting various forms of telephony abuse." },
	{ "sipregistration", "brute-force", "sip",
	  "Address has been seen initiating a SIP REGISTER operation to a remote host. The source "
	  "report lists hosts that are suspicious of more than just port scanning. The host may be "
	  "SIP client cataloging or conducting various forms of telephony abuse." },
	{ "smtpdata", "scanner", "smtp",
	  "Address has been seen initiating a SMTP DATA operation to a remote host. The source "
	  "report lists hosts that are suspicious of more than just port scanning. The host may be "
	  "SMTP server cataloging or conducting various forms of email abuse." },
	{ "smtpgreet", "scanner", "smtp",
	  "Address has been seen initiating a SMTP HELO/EHLO operation to a remote host. The "
	  "source report lists hosts that are suspicious of more than just port scanning. The host "
	  "may be SMTP server cataloging or conducting various forms of email abuse." },
	{ "sshclient", "scanner", "ssh",
	  "Address has been seen initiating an SSH connection to a remote host. The source report "
	  "lists hosts that are suspicious of more than just port scanning. The host may be SSH "
	  "server cataloging or conducting authentication attack attempts." },
	{ "sshpwauth", "brute-force", "ssh",
	  "Address has been seen attempting to remotely login to a host using SSH password "
	  "authentication. The source report lists hosts that are highly suspicious and are likely "
	  "conducting malicious SSH password authentication attacks." },
	{ "telnetlogin", "brute-force", "telnet",
	  "Address has been seen initiating a telnet connection to a remote host. The source "
	  "report lists hosts that are suspicious of more than just port scanning. The host may be "
	  "telnet server cataloging or conducting authentication attack attempts." },
	{ "vncrfb", "scanner", "vnc",
	  "Address has been seen initiating a VNC remote buffer session to a remote host. The "
	  "source report lists hosts that are suspicious of more than just port scanning. The host "
	  "may be VNC/RFB server cataloging or conducting authentication attack attempts." },
	{ NULL, NULL, NULL, NULL }
};

/* "YYYY-MM-DD HH:MM:SS" in UTC as IntelMQ hands it on: first space -> "T", "+00:00". */
static void add_utc(struct ingest_ctx *ctx, const char *key, const char *s, size_t n)
{
	const char *sp = memchr(s, ' ', n);

	buf_reset(&ctx->scratch);
	buf_append(&ctx->scratch, s, n);
	if (sp)
		ctx->scratch.data[sp - s] = 'T';
	buf_puts(&ctx->scratch, "+00:00");
	ingest_add(ctx, key, ctx->scratch.data, ctx->scratch.len, 0);
}

static int dataplane_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	const struct dataplane_category *c;
	const char *s = rec, *f[DATAPLANE_MAX_FIELDS + 1];
	size_t n = len, fl[DATAPLANE_MAX_FIELDS + 1], nf = 0, i = 0, want;

	pystr_strip(&s, &n);
	if (n == 0 || s[0] == '#')
		return V_OK;
	for (;;) {
		const char *sep = n - i >= 5 ? memmem(s + i, n - i, "  |  ", 5) : NULL;
		size_t e = sep ? (size_t)(sep - s) : n;
		if (nf == DATAPLANE_MAX_FIELDS + 1)
			return ingest_reject(ctx, NULL, _("more than %d fields"),
					     DATAPLANE_MAX_FIELDS);
		f[nf] = s + i;
		fl[nf] = e - i;
		pystr_strip(&f[nf], &fl[nf]);
		nf++;
		if (!sep)
			break;
		i = e + 5;
	}
	for (c = dataplane_categories; c->name; c++)
		if (strlen(c->name) == fl[nf - 1] && !memcmp(c->name, f[nf - 1], fl[nf - 1]))
			break;
	want = c->name && !strcmp(c->name, "proto41") ? 6 : 5;
	if (nf != want)
		return ingest_reject(ctx, NULL, _("%zu fields separated by '  |  ', expected %zu"),
				     nf, want);
	if (!c->name)
		return ingest_reject(ctx, NULL, _("unknown category '%.*s'"),
				     (int)(fl[nf - 1] > 40 ? 40 : fl[nf - 1]), f[nf - 1]);

	ingest_new_event(ctx);
	ingest_add_str(ctx, "classification.type", c->type, 0);
	ingest_add_str(ctx, "protocol.application", c->app, 0);
	ingest_add_str(ctx, "event_description.text", c->text, 0);
	if (!(fl[0] == 2 && !memcmp(f[0], "NA", 2)))
		ingest_add(ctx, "source.asn", f[0], fl[0], 0);
	if (!(fl[1] == 2 && !memcmp(f[1], "NA", 2))) {
		/* the first word */
		size_t w = 0;
		while (w < fl[1] && !pystr_isspace_ascii((unsigned char)f[1][w]))
			w++;
		if (w == 0)
			ingest_fail(ctx, "source.as_name", "%s", _("empty AS name"));
		else
			ingest_add(ctx, "source.as_name", f[1], w, 0);
	}
	ingest_add(ctx, "source.ip", f[2], fl[2], 0);
	if (want == 6) {
		add_utc(ctx, "extra.first_seen", f[3], fl[3]);
		add_utc(ctx, "time.source", f[4], fl[4]);
	} else {
		add_utc(ctx, "time.source", f[3], fl[3]);
	}
	return ingest_emit(ctx, s, n);
}

const struct parser parser_dataplane = {
	.name = "dataplane",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.dataplane.parser", NULL },
	.description = N_("DataPlane.org reports (SSH, SIP, DNS, SMTP, VNC, telnet sources)"),
	.mode = PARSE_LINES,
	.record = dataplane_record,
};
