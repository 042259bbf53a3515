/*
 * pystr.h — Python's str white space, strip() and int() on UTF-8 text.
 *
 * IntelMQ's parsers are Python: they strip lines and fields with str.strip() and read numbers
 * with int(), and vigia must cut the same text.  Python's str.isspace() knows more than C's
 * isspace(): the ASCII separators 0x1c..0x1f and, outside ASCII, U+0085, U+00A0, U+1680,
 * U+2000..U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.  Some parsers strip only the
 * ASCII part of that set (they were written so; see each parser), hence the two strips.
 *
 * Text is (pointer, length), not NUL-terminated, and borrowed: nothing here allocates or
 * copies.  Input is valid UTF-8 (the driver checks every record).
 */
#ifndef VIGIA_BASE_PYSTR_H
#define VIGIA_BASE_PYSTR_H

#include <stddef.h>

/* Whether the byte c is one of the ASCII characters str.isspace() accepts: "\t\n\v\f\r",
 * 0x1c..0x1f and " ".  Any byte >= 0x80 is not. */
static inline int pystr_isspace_ascii(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Length in bytes (1 to 3) of the Python white-space character that starts s[0..n), or 0
 * when s does not start with one (or n is 0). */
size_t pystr_space_len(const char *s, size_t n);

/* str.strip() without arguments: moves *s forward and shortens *n (IN/OUT) so that no Python
 * white space (ASCII or not) is left at either end.  The text itself is not touched. */
void pystr_strip(const char **s, size_t *n);

/* The same, for the ASCII white space of pystr_isspace_ascii() only: U+00A0 and the other
 * non-ASCII spaces stay. */
void pystr_strip_ascii(const char **s, size_t *n);

/*
 * Python's int(text) within 64 bits: an optional sign, ASCII decimal digits with single "_"
 * between digits, white space around.  Returns 0 and sets *out (OUT), or -1 when the text is
 * no such number or lies outside [LLONG_MIN, LLONG_MAX].
 * The white space is that of pystr_strip_ascii(), as the event layer's integer sanitiser
 * has it, which is not quite CPython's: int() skips " \t\n\v\f\r" and the non-ASCII spaces
 * (U+00A0, U+3000, ...) but not 0x1c..0x1f.
 */
int pystr_int(const char *s, size_t n, long long *out);

#endif
