/*
 * err.h — result codes and the small error record every parser fills.
 *
 * Library code never exits on bad input: it returns a result code and, where a person will
 * want to know why, fills a struct verr naming the file, line, field and reason.
 */
#ifndef VIGIA_BASE_ERR_H
#define VIGIA_BASE_ERR_H

#include <stddef.h>

enum vres {
	V_OK = 0,
	V_ERR_NOMEM,   /* allocation failed */
	V_ERR_IO,      /* read/write failed */
	V_ERR_INVALID, /* a value failed validation */
	V_ERR_PARSE,   /* a record could not be parsed */
	V_ERR_LIMIT,   /* a size cap was hit (input is hostile) */
	V_ERR_EXISTS,  /* key already set and overwrite not allowed */
	V_ERR_NOTFOUND,
	V_ERR_USAGE,   /* bad arguments or configuration */
	V_SKIP         /* not an error: value ignored (empty, "-", "N/A") or record has no event */
};

/* A person-readable error. All strings are copied into reason/field; file is borrowed. */
struct verr {
	const char *file; /* borrowed; may be NULL */
	long line;        /* 1-based; 0 when not known */
	char field[64];   /* field or key at fault; "" when not known */
	char reason[256]; /* why, in words (already translated) */
};

/* Fill e (may be NULL) and return code. printf-style reason. */
int verr_set(struct verr *e, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void verr_clear(struct verr *e);
const char *vres_str(int code); /* static string, translated */

#endif
