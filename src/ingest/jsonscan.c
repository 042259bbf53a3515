/*
 * jsonscan.c — one JSON object's top-level members in one pass, sure only where jansson would
 * agree (jsonscan.h).  A recursive descent over the text with a small stack of the open
 * objects' keys for duplicates; every doubt answers 0 ("not sure"), never an error.
 */
#include <string.h>

#include "ingest/jsonscan.h"

struct scan {
	const unsigned char *p, *end;
	int depth;
	size_t nk;                        /* keys of the open objects */
	const unsigned char *ks[JSONSCAN_KEYS];
	size_t kl[JSONSCAN_KEYS];
};

static int is_delim(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}';
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hexval(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* One well-formed UTF-8 sequence of 2 to 4 bytes at p (jansson's utf8_check_full: no overlong
 * form, no surrogate, nothing above U+10FFFF): its length, or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0; /* overlong */
	else if (c == 0xED)
		hi = 0x9F; /* surrogates */
	else if (c == 0xF0)
		lo = 0x90; /* overlong */
	else if (c == 0xF4)
		hi = 0x8F; /* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

/* A string, s->p after its opening quote: s->p moves past the closing one.  1, or 0. */
static int scan_string(struct scan *s, int *escaped)
{
	const unsigned char *p = s->p, *end = s->end;

	*escaped = 0;
	while (p < end) {
		unsigned c = *p;
		if (c == '"') {
			s->p = p + 1;
			return 1;
		}
		if (c < 0x20)
			return 0; /* a control character: jansson refuses it */
		if (c == '\\') {
			*escaped = 1;
			if (end - p < 2)
				return 0;
			c = p[1];
			if (c == 'u') {
				int v = 0;
				if (end - p < 6)
					return 0;
				for (int i = 2; i < 6; i++) {
					int h = hexval(p[i]);
					if (h < 0)
						return 0;
					v = v * 16 + h;
				}
				/* NUL and surrogates (pairs or not): jansson decides */
				if (v == 0 || (v >= 0xD800 && v <= 0xDFFF))
					return 0;
				p += 6;
				continue;
			}
			if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' &&
			    c != 'r' && c != 't')
				return 0;
			p += 2;
			continue;
		}
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t n = utf8_len(p, end);
		if (!n)
			return 0;
		p += n;
	}
	return 0;
}

/* A number at s->p.  Sure only of integers of at most 18 digits (strtoll cannot overflow)
 * and of fractions without an exponent short enough that strtod cannot overflow. */
static int scan_number(struct scan *s)
{
	const unsigned char *p = s->p, *end = s->end, *start;
	int frac = 0;

	if (p < end && *p == '-')
		p++;
	start = p;
	if (p >= end)
		return 0;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return 0;
	}
	if (p < end && *p == '.') {
		frac = 1;
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return 0;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E'))
		return 0; /* an exponent: jansson decides whether it overflows */
	if (p < end && *p >= '0' && *p <= '9')
		return 0; /* "01" */
	if ((!frac && p - start > 18) || (frac && p - start > 300))
		return 0;
	s->p = p;
	return 1;
}

static int scan_value(struct scan *s, struct jsonscan_member *m);

/* Is key [k, k + n) already a key of the innermost object (from its first, at from)?  Adds
 * it.  1 (added), 0 (a duplicate, or too many keys: not sure). */
static int add_key(struct scan *s, size_t from, const unsigned char *k, size_t n)
{
	for (size_t i = from; i < s->nk; i++)
		if (s->kl[i] == n && !memcmp(s->ks[i], k, n))
			return 0;
	if (s->nk == JSONSCAN_KEYS)
		return 0;
	s->ks[s->nk] = k;
	s->kl[s->nk++] = n;
	return 1;
}

/* After a member or an element: 1 when another follows (past the ','), 0 when close ends the
 * container (past it), -1 when neither does (not JSON). */
static int next_item(struct scan *s, char close)
{
	skip_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == close) {
		s->p++;
		return 0;
	}
	if (*s->p != ',')
		return -1;
	s->p++;
	skip_ws(s);
	return 1;
}

/* An object at s->p ('{'); the top one (wanted != NULL) records the wanted members. */
static int scan_object(struct scan *s, const char *const *wanted, struct jsonscan_member *out,
		       size_t nwanted)
{
	size_t from = s->nk;

	if (++s->depth > JSONSCAN_DEPTH)
		return 0;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		s->depth--;
		return 1;
	}
	for (;;) {
		const unsigned char *k;
		size_t kn;
		int esc, more;
		struct jsonscan_member m;
		if (s->p >= s->end || *s->p != '"')
			return 0;
		k = ++s->p;
		if (!scan_string(s, &esc) || esc)
			return 0; /* an escaped key: jansson compares it decoded */
		kn = (size_t)(s->p - 1 - k);
		if (!add_key(s, from, k, kn))
			return 0;
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return 0;
		s->p++;
		skip_ws(s);
		if (!scan_value(s, &m))
			return 0;
		for (size_t i = 0; wanted && i < nwanted; i++)
			if (wanted[i][0] == (char)k[0] && strlen(wanted[i]) == kn &&
			    !memcmp(wanted[i], k, kn)) {
				out[i] = m;
				break;
			}
		if ((more = next_item(s, '}')) < 0)
			return 0;
		if (!more)
			break;
	}
	s->nk = from;
	s->depth--;
	return 1;
}

static int scan_array(struct scan *s)
{
	struct jsonscan_member m;
	int more;

	if (++s->depth > JSONSCAN_DEPTH)
		return 0;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		s->depth--;
		return 1;
	}
	for (;;) {
		if (!scan_value(s, &m))
			return 0;
		if ((more = next_item(s, ']')) < 0)
			return 0;
		if (!more)
			break;
	}
	s->depth--;
	return 1;
}

static int literal(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
		return 0;
	s->p += n;
	return 1;
}

/* A value at s->p (no whitespace before it): *m what it is. */
static int scan_value(struct scan *s, struct jsonscan_member *m)
{
	const unsigned char *start = s->p;
	int ok;

	m->escaped = 0;
	if (s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '"':
		s->p++;
		if (!scan_string(s, &m->escaped))
			return 0;
		m->kind = JSONSCAN_STRING;
		m->val = (const char *)start + 1;
		m->len = (size_t)(s->p - start) - 2;
		return 1;
	case '{':
		m->kind = JSONSCAN_OBJECT;
		ok = scan_object(s, NULL, NULL, 0);
		break;
	case '[':
		m->kind = JSONSCAN_ARRAY;
		ok = scan_array(s);
		break;
	case 't':
		m->kind = JSONSCAN_TRUE;
		ok = literal(s, "true", 4);
		break;
	case 'f':
		m->kind = JSONSCAN_FALSE;
		ok = literal(s, "false", 5);
		break;
	case 'n':
		m->kind = JSONSCAN_NULL;
		ok = literal(s, "null", 4);
		break;
	default:
		m->kind = JSONSCAN_NUMBER;
		ok = scan_number(s);
		break;
	}
	if (!ok)
		return 0;
	/* a literal or a number runs into whatever follows: it must be a delimiter */
	if (s->p < s->end && m->kind != JSONSCAN_OBJECT && m->kind != JSONSCAN_ARRAY &&
	    !is_delim(*s->p))
		return 0;
	m->val = (const char *)start;
	m->len = (size_t)(s->p - start);
	return 1;
}

int jsonscan_object(const char *text, size_t n, const char *const *keys,
		    struct jsonscan_member *out, size_t nkeys)
{
	struct scan s;

	s.p = (const unsigned char *)text;
	s.end = s.p + n;
	s.depth = 0;
	s.nk = 0;
	memset(out, 0, nkeys * sizeof(*out));
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return 0;
	if (!scan_object(&s, keys, out, nkeys))
		return 0;
	skip_ws(&s);
	return s.p == s.end;
}

/* Past the value at p, in text the scan accepted. */
static const char *skip_value(const char *p, const char *end)
{
	int depth = 0, instr = 0;

	if (*p != '{' && *p != '[' && *p != '"') {
		while (p < end && !is_delim(*p))
			p++;
		return p;
	}
	for (; p < end; p++) {
		if (instr) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				instr = 0;
			if (!instr && !depth)
				return p + 1;
			continue;
		}
		if (*p == '"')
			instr = 1;
		else if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
	}
	return p;
}

int jsonscan_array_next(const char **pos, const char *end, struct jsonscan_member *el)
{
	const char *p = *pos, *q;

	if (p < end && *p == '[')
		p++;
	while (p < end && (*p == ',' || (is_delim(*p) && *p != ']' && *p != '}')))
		p++;
	if (p >= end || *p == ']') {
		*pos = p;
		return 0;
	}
	q = skip_value(p, end);
	el->escaped = 0;
	switch (*p) {
	case '"':
		el->kind = JSONSCAN_STRING;
		el->val = p + 1;
		el->len = (size_t)(q - p) - 2;
		el->escaped = memchr(el->val, '\\', el->len) != NULL;
		break;
	case '{':
		el->kind = JSONSCAN_OBJECT;
		break;
	case '[':
		el->kind = JSONSCAN_ARRAY;
		break;
	case 't':
		el->kind = JSONSCAN_TRUE;
		break;
	case 'f':
		el->kind = JSONSCAN_FALSE;
		break;
	case 'n':
		el->kind = JSONSCAN_NULL;
		break;
	default:
		el->kind = JSONSCAN_NUMBER;
		break;
	}
	if (el->kind != JSONSCAN_STRING) {
		el->val = p;
		el->len = (size_t)(q - p);
	}
	*pos = q;
	return 1;
}

size_t jsonscan_unescape(const char *val, size_t len, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		char c = val[i];
		if (c != '\\' || i + 1 >= len) {
			out[k++] = c;
			continue;
		}
		c = val[++i];
		switch (c) {
		case 'b': out[k++] = '\b'; break;
		case 'f': out[k++] = '\f'; break;
		case 'n': out[k++] = '\n'; break;
		case 'r': out[k++] = '\r'; break;
		case 't': out[k++] = '\t'; break;
		case 'u': {
			unsigned v = 0;
			for (int j = 1; j <= 4 && i + (size_t)j < len; j++)
				v = v * 16 + (unsigned)hexval((unsigned char)val[i + (size_t)j]);
			i += 4;
			/* the scan let through neither NUL nor a surrogate: one to three bytes */
			if (v < 0x80) {
				out[k++] = (char)v;
			} else if (v < 0x800) {
				out[k++] = (char)(0xC0 | v >> 6);
				out[k++] = (char)(0x80 | (v & 0x3F));
			} else {
				out[k++] = (char)(0xE0 | v >> 12);
				out[k++] = (char)(0x80 | ((v >> 6) & 0x3F));
				out[k++] = (char)(0x80 | (v & 0x3F));
			}
			break;
		}
		default: out[k++] = c; break; /* '"', '\\', '/' */
		}
	}
	out[k] = 0;
	return k;
}
