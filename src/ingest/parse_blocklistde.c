/*
 * parse_blocklistde.c — the blocklist.de lists, compatible with IntelMQ's
 * intelmq.bots.parsers.blocklistde.parser: plain text, one IP address a line.
 *
 * The list (and so the classification, service and description) is the file name at the end
 * of feed.url's path: ".../lists/ssh.txt" -> ids-alert on ssh.  An unknown list, or no
 * feed.url at all (IntelMQ refuses such a report), gives classification.type "blacklist".
 * Each non-blank line, stripped, becomes one event with source.ip and raw = the line.
 */
#include <string.h>

#include "base/i18n.h"
#include "base/pystr.h"
#include "ingest/ingest.h"

static const struct blocklistde_list {
	const char *file;
	const char *type; /* classification.type */
	const char *app;  /* protocol.application, or NULL */
	const char *text; /* event_description.text, or NULL */
} blocklistde_lists[] = {
	{ "all.txt", "blacklist", NULL, NULL },
	{ "ssh.txt", "ids-alert", "ssh", "IP reported as having run attacks on the service SSH" },
	{ "mail.txt", "ids-alert", "smtp",
	  "IP reported as having run attacks on the service Mail, Postfix" },
	{ "apache.txt", "ids-alert", "http",
	  "IP reported as having run attacks on the service Apache, Apache-DDoS, RFI-Attacks" },
	{ "imap.txt", "ids-alert", "imap",
	  "IP reported as having run attacks on the service IMAP, SASL, POP3" },
	{ "ftp.txt", "ids-alert", "ftp", "IP reported as having run attacks on the service FTP" },
	{ "sip.txt", "ids-alert", "sip",
	  "IP reported as having run attacks on the service SIP, VOIP, Asterisk" },
	{ "bots.txt", "spam", NULL,
	  "IP reported as having spammed on IRC, open forums, wikis or registration forms." },
	{ "strongips.txt", "blacklist", NULL,
	  "IP reported as having run attacks in last 2 months" },
	{ "ircbot.txt", "infected-system", "irc", NULL },
	{ "bruteforcelogin.txt", "brute-force", NULL,
	  "IP reported as having run attacks on Joomlas, Wordpress and other Web-Logins with "
	  "Brute-Force Logins" },
	{ NULL, NULL, NULL, NULL }
};

static const struct blocklistde_list blocklistde_default = { "", "blacklist", NULL, NULL };

/* The last path segment of a URL, as posixpath.basename(urlparse(url).path). */
static void url_basename(const char *url, const char **name, size_t *len)
{
	const char *p = url, *end, *c;

	/* scheme: letters, digits, "+-." before ":" */
	for (c = url; *c && (((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z') ||
			     (*c >= '0' && *c <= '9') || *c == '+' || *c == '-' || *c == '.'); c++)
		;
	if (c > url && *c == ':')
		p = c + 1;
	if (p[0] == '/' && p[1] == '/') /* netloc */
		for (p += 2; *p && *p != '/' && *p != '?' && *p != '#'; p++)
			;
	end = p + strcspn(p, "?#");
	/* ";params" of the last segment are not part of the path */
	c = end;
	while (c > p && c[-1] != '/')
		c--;
	const char *semi = memchr(c, ';', (size_t)(end - c));
	if (semi)
		end = semi;
	*name = c;
	*len = (size_t)(end - c);
}

static int blocklistde_init(struct ingest_ctx *ctx, struct verr *err)
{
	const char *url = ingest_report_str(ctx, "feed.url"), *name;
	size_t n;

	(void)err;
	ctx->state = (void *)&blocklistde_default;
	if (!url)
		return V_OK;
	url_basename(url, &name, &n);
	for (const struct blocklistde_list *l = blocklistde_lists; l->file; l++)
		if (strlen(l->file) == n && !memcmp(l->file, name, n))
			ctx->state = (void *)l;
	return V_OK;
}

static int blocklistde_record(struct ingest_ctx *ctx, const char *rec, size_t len)
{
	const struct blocklistde_list *l = ctx->state;

	pystr_strip(&rec, &len);
	if (len == 0)
		return V_OK; /* a blank line */
	ingest_new_event(ctx);
	ingest_add(ctx, "source.ip", rec, len, 0);
	ingest_add_str(ctx, "classification.type", l->type, 0);
	if (l->app)
		ingest_add_str(ctx, "protocol.application", l->app, 0);
	if (l->text)
		ingest_add_str(ctx, "event_description.text", l->text, 0);
	return ingest_emit(ctx, rec, len);
}

const struct parser parser_blocklistde = {
	.name = "blocklistde",
	.aliases = (const char *const[]){ "intelmq.bots.parsers.blocklistde.parser", NULL },
	.description = N_("blocklist.de lists (one IP address a line; the list from feed.url)"),
	.mode = PARSE_LINES,
	.init = blocklistde_init,
	.record = blocklistde_record,
};
