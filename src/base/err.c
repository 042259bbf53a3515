/*
 * err.c — result codes and error records.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/i18n.h"

int verr_set(struct verr *e, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	return code;
}

void verr_clear(struct verr *e)
{
	if (!e)
		return;
	e->field[0] = 0;
	e->reason[0] = 0;
}

const char *vres_str(int code)
{
	switch (code) {
	case V_OK: return _("success");
	case V_ERR_NOMEM: return _("out of memory");
	case V_ERR_IO: return _("input/output error");
	case V_ERR_INVALID: return _("invalid value");
	case V_ERR_PARSE: return _("parse error");
	case V_ERR_LIMIT: return _("size limit exceeded");
	case V_ERR_EXISTS: return _("already set");
	case V_ERR_NOTFOUND: return _("not found");
	case V_ERR_USAGE: return _("usage error");
	case V_SKIP: return _("skipped");
	}
	return _("unknown error");
}
