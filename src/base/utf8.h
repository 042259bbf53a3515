/*
 * utf8.h — UTF-8 validation (hostile input: overlongs, surrogates and > U+10FFFF are invalid).
 */
#ifndef VIGIA_BASE_UTF8_H
#define VIGIA_BASE_UTF8_H

#include <stddef.h>

/* Returns 1 if s[0..n) is valid UTF-8; else 0 and *bad (if not NULL) = offset of the first bad byte. */
int utf8_valid(const char *s, size_t n, size_t *bad);

/* Returns 1 if every byte of s[0..n) is ASCII and none is NUL (so valid UTF-8 without a NUL):
 * one quick pass for the usual record or value; on 0 the caller checks in detail. */
int utf8_plain_ascii(const char *s, size_t n);

#endif
