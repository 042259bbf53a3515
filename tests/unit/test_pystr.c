/*
 * test_pystr.c — Python's str white space, strip() and int() on UTF-8 (pystr.c).  Every
 * expectation is what CPython 3 gives: " \u00a0x\u3000".strip() == "x", int(" -7 ") == -7,
 * int("1__0") raises, ...
 */
#include <string.h>

#include "base/pystr.h"
#include "tap.h"

/* pystr_strip() (or pystr_strip_ascii()) of a C string, as a C string (static). */
static const char *strip(const char *s, int ascii)
{
	static char out[256];
	size_t n = strlen(s);

	if (ascii)
		pystr_strip_ascii(&s, &n);
	else
		pystr_strip(&s, &n);
	memcpy(out, s, n);
	out[n] = 0;
	return out;
}

/* pystr_int() of a C string: its value, or -424242 for "not a number". */
static long long to_int(const char *s)
{
	long long v;

	return pystr_int(s, strlen(s), &v) == 0 ? v : -424242;
}

int main(void)
{
	/* every white-space character of str.isspace() */
	static const char *const spaces[] = {
		" ", "\t", "\n", "\v", "\f", "\r", "\x1c", "\x1d", "\x1e", "\x1f",
		"\xc2\x85",         /* U+0085 NEL */
		"\xc2\xa0",         /* U+00A0 NO-BREAK SPACE */
		"\xe1\x9a\x80",     /* U+1680 OGHAM SPACE MARK */
		"\xe2\x80\x80",     /* U+2000 */
		"\xe2\x80\x8a",     /* U+200A HAIR SPACE */
		"\xe2\x80\xa8",     /* U+2028 LINE SEPARATOR */
		"\xe2\x80\xa9",     /* U+2029 PARAGRAPH SEPARATOR */
		"\xe2\x80\xaf",     /* U+202F NARROW NO-BREAK SPACE */
		"\xe2\x81\x9f",     /* U+205F MEDIUM MATHEMATICAL SPACE */
		"\xe3\x80\x80",     /* U+3000 IDEOGRAPHIC SPACE */
	};
	/* look alike, but not white space to Python */
	static const char *const others[] = {
		"x", "\x1b", "\x7f", "\x85", "\xa0",
		"\xc2\xa1",         /* U+00A1 */
		"\xc4\x85",         /* U+0105: ends in 0x85 */
		"\xe2\x80\x8b",     /* U+200B ZERO WIDTH SPACE */
		"\xe2\x80\xa0",     /* U+2020: ends in "\x80\xa0" */
		"\xe2\x81\xa0",     /* U+2060 WORD JOINER */
		"\xef\xbb\xbf",     /* U+FEFF BOM */
	};

	for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
		size_t n = strlen(spaces[i]);
		is_int(pystr_space_len(spaces[i], n), n, "space %zu is %zu bytes", i, n);
		is_int(pystr_isspace_ascii((unsigned char)spaces[i][0]), n == 1,
		       "space %zu: ASCII white space only if one byte", i);
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		is_int(pystr_space_len(others[i], strlen(others[i])), 0, "not a space: %zu", i);
		is_int(pystr_isspace_ascii((unsigned char)others[i][0]), 0, "not ASCII space: %zu",
		       i);
	}
	is_int(pystr_space_len("\xc2\xa0", 1), 0, "a cut sequence is no space");
	is_int(pystr_space_len("\xe3\x80\x80", 2), 0, "a cut 3-byte sequence is no space");
	is_int(pystr_space_len("", 0), 0, "empty text");

	/* str.strip() */
	is_str(strip("  x  ", 0), "x", "ASCII around");
	is_str(strip("\xc2\xa0\xe3\x80\x80 x y\t\xe2\x80\xa8\xc2\x85", 0), "x y",
	       "Unicode spaces around, inner space kept");
	is_str(strip("\x1c\x1d\x1e\x1fx\v\f", 0), "x", "separators 0x1c..0x1f and \\v \\f");
	is_str(strip("\xe2\x80\x8bx\xe2\x80\x8b", 0), "\xe2\x80\x8bx\xe2\x80\x8b",
	       "zero width space stays");
	is_str(strip("x\xc4\x85", 0), "x\xc4\x85", "a letter ending in byte 0x85 stays");
	is_str(strip("x\xe2\x80\xa0", 0), "x\xe2\x80\xa0", "a dagger ending in 0x80 0xa0 stays");
	is_str(strip("\xe3\x80\x80\xe3\x80\x80", 0), "", "only spaces: empty");
	is_str(strip("", 0), "", "empty stays empty");
	is_str(strip("\xc2\xa0x\xc2\xa0", 0), "x", "no-break space both ends");

	/* the ASCII-only strip keeps non-ASCII spaces */
	is_str(strip("\x1c\v x \f\x1f\r\n", 1), "x", "ASCII strip");
	is_str(strip("\xc2\xa0x\xe3\x80\x80", 1), "\xc2\xa0x\xe3\x80\x80", "U+00A0, U+3000 stay");
	is_str(strip(" \xc2\xa0 ", 1), "\xc2\xa0", "only the ASCII around goes");
	is_str(strip(" \t ", 1), "", "only spaces: empty");

	/* int() */
	is_int(to_int("42"), 42, "digits");
	is_int(to_int(" -7 "), -7, "sign and blanks");
	is_int(to_int("+1_000"), 1000, "plus and underscore");
	is_int(to_int("\f 0012\v"), 12, "leading zeros, blanks around");
	is_int(to_int("9223372036854775807"), 9223372036854775807LL, "LLONG_MAX");
	is_int(to_int("-9223372036854775808"), -9223372036854775807LL - 1, "LLONG_MIN");
	is_int(to_int("9223372036854775808"), -424242, "LLONG_MAX + 1 refused");
	is_int(to_int("-9223372036854775809"), -424242, "LLONG_MIN - 1 refused");
	is_int(to_int("99999999999999999999999"), -424242, "far beyond 64 bits refused");
	is_int(to_int("1__0"), -424242, "double underscore refused");
	is_int(to_int("_1"), -424242, "leading underscore refused");
	is_int(to_int("1_"), -424242, "trailing underscore refused");
	is_int(to_int(""), -424242, "empty refused");
	is_int(to_int("-"), -424242, "sign alone refused");
	is_int(to_int("+-1"), -424242, "two signs refused");
	is_int(to_int("1.0"), -424242, "a float refused");
	is_int(to_int("0x10"), -424242, "hex refused");
	is_int(to_int("1 2"), -424242, "inner blank refused");
	/* where pystr_int() is not CPython's int(), pinned (see pystr.h): CPython skips U+00A0
	 * (12) and refuses 0x1c */
	is_int(to_int("\xc2\xa0" "12"), -424242, "non-ASCII space not stripped");
	is_int(to_int("\x1c" "12"), 12, "separator 0x1c stripped");
	return done_testing();
}
