/*
 * conf.h — one configuration format for the whole program.
 *
 * An INI-style file:   # comment
 *                      [section]
 *                      key = value
 * Every setting is declared once in conf.c's table (name, type, default, description); the
 * file, the environment of a command line flag (--section.key=VALUE or --set section.key=VALUE)
 * all go through conf_set(), which validates, so errors name the file, line and key.
 */
#ifndef VIGIA_BASE_CONF_H
#define VIGIA_BASE_CONF_H

#include <stddef.h>

#include "base/err.h"

enum conf_type { CONF_STRING, CONF_INT, CONF_BOOL, CONF_SIZE, CONF_ENUM, CONF_DURATION };

struct conf_setting {
	const char *name;        /* "section.key" */
	enum conf_type type;
	const char *dflt;        /* default, as text */
	const char *choices;     /* CONF_ENUM: "a|b|c" */
	const char *description; /* English; translated when shown */
};

extern const struct conf_setting conf_settings[]; /* NULL-name-terminated */

void conf_init(void);      /* defaults */
void conf_fini(void);
/* Set a value (validated).  src/line name where it came from, for the error. */
int conf_set(const char *name, const char *value, struct verr *err);
/* Read a file.  Returns V_OK, V_ERR_IO (cannot open) or V_ERR_USAGE with err file/line/key. */
int conf_load(const char *path, struct verr *err);
const char *conf_get(const char *name);          /* borrowed */
/* CONF_INT; CONF_SIZE in bytes; CONF_DURATION in seconds. */
long long conf_get_int(const char *name);
int conf_get_bool(const char *name);
/* Where the config file is: $VIGIA_CONFIG, else the first existing of the usual places. */
const char *conf_default_path(void);
/* Parse sizes: "1048576", "64k", "1M", "2G". */
int conf_parse_size(const char *s, long long *out);
/* Parse durations: "90" (seconds), "90s", "30m", "4h", "3d", "2w".  0 or -1 (malformed). */
int conf_parse_duration(const char *s, long long *out);

#endif
