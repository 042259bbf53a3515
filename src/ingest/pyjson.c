/*
 * pyjson.c — JSON values as IntelMQ's Python sees them: json.dumps() text and truthiness
 * (see pyjson.h for the exact format).  The JSON feed parsers use it to rebuild IntelMQ's raw
 * for one element of a document.
 */
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "ingest/pyjson.h"

/* Append the escape \uxxxx (lower-case hex, as Python writes it). */
static int put_u16(struct buf *out, unsigned long u)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', hex[(u >> 12) & 15], hex[(u >> 8) & 15], hex[(u >> 4) & 15],
		      hex[u & 15] };

	return buf_append(out, e, sizeof(e));
}

/* A string literal with ensure_ascii. */
static int dump_str(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;
	int rc = buf_putc(out, '"');

	while (rc == V_OK && i < n) {
		unsigned char c = (unsigned char)s[i];
		unsigned long cp;
		size_t j, len;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			/* a run of printable ASCII goes out as it is */
			for (j = i + 1; j < n; j++) {
				unsigned char d = (unsigned char)s[j];
				if (d < 0x20 || d >= 0x7f || d == '"' || d == '\\')
					break;
			}
			rc = buf_append(out, s + i, j - i);
			i = j;
			continue;
		}
		if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' ||
		    c == '\f') {
			static const char from[] = "\"\\\n\r\t\b\f", to[] = "\"\\nrtbf";
			char e[2] = { '\\', to[strchr(from, c) - from] };
			rc = buf_append(out, e, 2);
			i++;
			continue;
		}
		/* one UTF-8 sequence (jansson hands out valid UTF-8; stay in bounds anyway) */
		len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
		cp = c < 0x80 ? c : c & (0x7f >> len);
		if (len > n - i)
			len = n - i;
		for (j = 1; j < len; j++)
			cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3f);
		i += len;
		if (cp > 0xffff) {
			/* a surrogate pair, as Python's ensure_ascii writes it */
			cp -= 0x10000;
			rc = put_u16(out, 0xd800 | (cp >> 10));
			if (rc == V_OK)
				rc = put_u16(out, 0xdc00 | (cp & 0x3ff));
		} else {
			rc = put_u16(out, cp);
		}
	}
	return rc == V_OK ? buf_putc(out, '"') : rc;
}

/* Code-point order of keys: the byte order of their UTF-8. */
static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int dump_object(struct buf *out, const json_t *v, unsigned flags)
{
	size_t n = json_object_size(v), k = 0, i;
	const char **keys;
	const char *key;
	json_t *sub;
	int rc;

	if (n == 0)
		return buf_puts(out, "{}");
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return V_ERR_NOMEM;
	json_object_foreach((json_t *)v, key, sub)
		keys[k++] = key;
	if (flags & PYJSON_SORT_KEYS)
		qsort(keys, k, sizeof(*keys), key_cmp);
	rc = buf_putc(out, '{');
	for (i = 0; i < k && rc == V_OK; i++) {
		if (i)
			rc = buf_puts(out, ", ");
		if (rc == V_OK)
			rc = dump_str(out, keys[i], strlen(keys[i]));
		if (rc == V_OK)
			rc = buf_puts(out, ": ");
		if (rc == V_OK)
			rc = pyjson_dump(out, json_object_get(v, keys[i]), flags);
	}
	free(keys);
	return rc == V_OK ? buf_putc(out, '}') : rc;
}

int pyjson_dump(struct buf *out, const json_t *v, unsigned flags)
{
	char num[48];
	size_t i;
	int rc;

	if (flags & PYJSON_IN_LIST) {
		flags &= ~(unsigned)PYJSON_IN_LIST;
		rc = buf_putc(out, '[');
		if (rc == V_OK)
			rc = pyjson_dump(out, v, flags);
		return rc == V_OK ? buf_putc(out, ']') : rc;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return dump_object(out, v, flags);
	case JSON_ARRAY:
		rc = buf_putc(out, '[');
		for (i = 0; i < json_array_size(v) && rc == V_OK; i++) {
			if (i)
				rc = buf_puts(out, ", ");
			if (rc == V_OK)
				rc = pyjson_dump(out, json_array_get(v, i), flags);
		}
		return rc == V_OK ? buf_putc(out, ']') : rc;
	case JSON_STRING:
		return dump_str(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return buf_append(out, num, value_format_float(json_real_value(v), num));
	case JSON_TRUE:
		return buf_puts(out, "true");
	case JSON_FALSE:
		return buf_puts(out, "false");
	case JSON_NULL:
		return buf_puts(out, "null");
	}
	return V_ERR_INVALID;
}

int pyjson_truthy(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0;
	case JSON_TRUE: return 1;
	case JSON_OBJECT: return json_object_size(v) > 0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	default: return 0;
	}
}
