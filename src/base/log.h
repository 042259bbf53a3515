/*
 * log.h — levelled logging to stderr, for people (text) or machines (--log-format json).
 */
#ifndef VIGIA_BASE_LOG_H
#define VIGIA_BASE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT, LOG_JSON };

void log_setup(enum log_level min, enum log_format fmt);
int log_level_parse(const char *s, enum log_level *out); /* V_OK or V_ERR_USAGE */
int log_format_parse(const char *s, enum log_format *out);
enum log_level log_min_level(void);
void vlog(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) vlog(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) vlog(LOG_INFO, __VA_ARGS__)
#define log_warn(...) vlog(LOG_WARN, __VA_ARGS__)
#define log_error(...) vlog(LOG_ERROR, __VA_ARGS__)

#endif
