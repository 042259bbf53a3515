/*
 * buf.h — growable byte buffers with a hard size cap.
 *
 * Input is hostile: every buffer has a cap (default BUF_DEFAULT_CAP) and refuses to grow
 * past it with V_ERR_LIMIT instead of eating the machine's memory.
 */
#ifndef VIGIA_BASE_BUF_H
#define VIGIA_BASE_BUF_H

#include <stddef.h>
#include <stdarg.h>

#define BUF_DEFAULT_CAP ((size_t)256 << 20) /* 256 MiB */

struct buf {
	char *data;  /* owned; always NUL-terminated when len > 0 or after buf_cstr() */
	size_t len;  /* bytes used, excluding the terminating NUL */
	size_t size; /* bytes allocated */
	size_t cap;  /* hard limit on len; 0 means BUF_DEFAULT_CAP */
};

void buf_init(struct buf *b, size_t cap);
void buf_fini(struct buf *b);                 /* frees data; b may be reused after buf_init */
static inline void buf_reset(struct buf *b) { b->len = 0; if (b->data) b->data[0] = 0; }
int buf_reserve(struct buf *b, size_t extra);  /* V_OK, V_ERR_NOMEM, V_ERR_LIMIT */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_putc(struct buf *b, char c);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
const char *buf_cstr(struct buf *b);           /* borrowed; "" for an empty buffer */

/* Append s as a JSON string literal (with quotes): \" \\ \b \f \n \r \t, \u00xx for the other
 * control characters, every other byte as it is.  Invalid UTF-8 must not reach here. */
int buf_json_str(struct buf *b, const char *s, size_t n);
/* The same with \u00XX in upper-case hex, as jansson's json_dumps writes it. */
int buf_json_str_upper(struct buf *b, const char *s, size_t n);

#endif
