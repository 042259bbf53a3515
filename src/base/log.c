/*
 * log.c — levelled logging to stderr.  Text for people ("vigia: warning: ..."), or one JSON
 * object per line with --log-format json for log collectors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/i18n.h"
#include "base/log.h"

static enum log_level g_min = LOG_INFO;
static enum log_format g_fmt = LOG_TEXT;

void log_setup(enum log_level min, enum log_format fmt)
{
	g_min = min;
	g_fmt = fmt;
}

enum log_level log_min_level(void)
{
	return g_min;
}

int log_level_parse(const char *s, enum log_level *out)
{
	static const char *names[] = { "debug", "info", "warning", "error" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]) || (i == 2 && !strcmp(s, "warn"))) {
			*out = (enum log_level)i;
			return V_OK;
		}
	return V_ERR_USAGE;
}

int log_format_parse(const char *s, enum log_format *out)
{
	if (!strcmp(s, "text"))
		*out = LOG_TEXT;
	else if (!strcmp(s, "json"))
		*out = LOG_JSON;
	else
		return V_ERR_USAGE;
	return V_OK;
}

void vlog(enum log_level lvl, const char *fmt, ...)
{
	static const char *json_names[] = { "debug", "info", "warning", "error" };
	char msg[2048];
	va_list ap;

	if (lvl < g_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (g_fmt == LOG_JSON) {
		struct buf b;
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		buf_init(&b, 1 << 16);
		buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", ts, json_names[lvl]);
		buf_json_str(&b, msg, strlen(msg));
		buf_puts(&b, "}\n");
		fputs(buf_cstr(&b), stderr);
		buf_fini(&b);
		return;
	}
	const char *tag = "";
	switch (lvl) {
	case LOG_DEBUG: tag = _("debug: "); break;
	case LOG_INFO: tag = ""; break;
	case LOG_WARN: tag = _("warning: "); break;
	case LOG_ERROR: tag = _("error: "); break;
	}
	fprintf(stderr, "vigia: %s%s\n", tag, msg);
}
