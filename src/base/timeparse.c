/*
 * timeparse.c — timestamps in the shapes feeds use, normalised to UTC.
 *
 * time_parse() is a tokenising parser in the spirit of dateutil's (which IntelMQ uses with
 * fuzzy=True): it finds a date (Y-M-D, Y/M/D, M/D/Y, D.M.Y, D Mon Y, Mon D Y, YYYYMMDD), a
 * time (H:M[:S[.f]] with AM/PM) and a zone (Z, UTC, GMT, ±HH[:MM], ±HHMM) in any order, and
 * ignores words it does not know.  Without a zone the time is UTC.  It does not allocate.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/timeparse.h"

int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil */
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t yy = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int days_in_month(int64_t y, unsigned m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

size_t time_format(const struct vtime *t, char *out)
{
	int64_t days = t->sec / 86400, rem = t->sec % 86400, y;
	unsigned m, d;
	int n;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999 && t->usec >= 0 && t->usec <= 999999) {
		/* the usual case without snprintf (16% of the URLhaus benchmark: bench/) */
		unsigned hh = (unsigned)(rem / 3600), mi = (unsigned)(rem / 60 % 60);
		unsigned ss = (unsigned)(rem % 60);
		unsigned yy = (unsigned)y;
		char *o = out;
		*o++ = (char)('0' + yy / 1000);
		*o++ = (char)('0' + yy / 100 % 10);
		*o++ = (char)('0' + yy / 10 % 10);
		*o++ = (char)('0' + yy % 10);
		*o++ = '-';
		*o++ = (char)('0' + m / 10);
		*o++ = (char)('0' + m % 10);
		*o++ = '-';
		*o++ = (char)('0' + d / 10);
		*o++ = (char)('0' + d % 10);
		*o++ = 'T';
		*o++ = (char)('0' + hh / 10);
		*o++ = (char)('0' + hh % 10);
		*o++ = ':';
		*o++ = (char)('0' + mi / 10);
		*o++ = (char)('0' + mi % 10);
		*o++ = ':';
		*o++ = (char)('0' + ss / 10);
		*o++ = (char)('0' + ss % 10);
		if (t->has_usec && t->usec) {
			unsigned us = (unsigned)t->usec;
			*o++ = '.';
			for (int k = 5; k >= 0; k--) {
				o[k] = (char)('0' + us % 10);
				us /= 10;
			}
			o += 6;
		}
		memcpy(o, "+00:00", 7);
		return (size_t)(o + 6 - out);
	}
	if (t->has_usec && t->usec)
		n = snprintf(out, 40, "%04lld-%02u-%02uT%02d:%02d:%02d.%06d+00:00", (long long)y, m, d,
			     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)t->usec);
	else
		n = snprintf(out, 40, "%04lld-%02u-%02uT%02d:%02d:%02d+00:00", (long long)y, m, d,
			     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return n < 0 ? 0 : (size_t)n;
}

static int month_from_name(const char *s, size_t n)
{
	static const char *names[] = { "jan", "feb", "mar", "apr", "may", "jun",
				       "jul", "aug", "sep", "oct", "nov", "dec" };
	static const char *full[] = { "january", "february", "march", "april", "may", "june",
				      "july", "august", "september", "october", "november",
				      "december" };
	if (n < 3)
		return 0;
	for (int i = 0; i < 12; i++) {
		if (n == 3 && !strncasecmp(s, names[i], 3))
			return i + 1;
		if (n == strlen(full[i]) && !strncasecmp(s, full[i], n))
			return i + 1;
		if (n == 4 && i == 8 && !strncasecmp(s, "sept", 4))
			return 9;
	}
	return 0;
}

static int is_weekday(const char *s, size_t n)
{
	static const char *w[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	static const char *wf[] = { "monday", "tuesday", "wednesday", "thursday", "friday",
				    "saturday", "sunday" };
	for (int i = 0; i < 7; i++) {
		if (n == 3 && !strncasecmp(s, w[i], 3))
			return 1;
		if (n == strlen(wf[i]) && !strncasecmp(s, wf[i], n))
			return 1;
	}
	if ((n == 4 && !strncasecmp(s, "tues", 4)) || (n == 5 && !strncasecmp(s, "thurs", 5)))
		return 1;
	return 0;
}

struct tp {
	int64_t year;
	int mon, day;
	int hour, min, sec, usec, has_usec;
	int has_date, has_time, has_year;
	int has_tz, tz_off; /* seconds east of UTC */
	int ampm;           /* 0 none, 1 am, 2 pm */
};

static int digits(const char *s, size_t n, size_t i, size_t *end)
{
	size_t j = i;
	while (j < n && isdigit((unsigned char)s[j]))
		j++;
	*end = j;
	return (int)(j - i);
}

static long num(const char *s, size_t a, size_t b)
{
	long v = 0;
	for (size_t i = a; i < b && i < a + 12; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Parse "HH:MM[:SS[.ffffff]]" at s[i]; return index after it, or 0. */
static size_t parse_hms(const char *s, size_t n, size_t i, struct tp *t)
{
	size_t e1, e2, e3;
	int l1 = digits(s, n, i, &e1);
	if (l1 < 1 || l1 > 2 || e1 >= n || s[e1] != ':')
		return 0;
	int l2 = digits(s, n, e1 + 1, &e2);
	if (l2 != 2)
		return 0;
	t->hour = (int)num(s, i, e1);
	t->min = (int)num(s, e1 + 1, e2);
	t->sec = 0;
	if (e2 < n && s[e2] == ':') {
		int l3 = digits(s, n, e2 + 1, &e3);
		if (l3 != 2)
			return 0;
		t->sec = (int)num(s, e2 + 1, e3);
		e2 = e3;
		if (e2 + 1 < n && (s[e2] == '.' || s[e2] == ',') && isdigit((unsigned char)s[e2 + 1])) {
			size_t e4;
			int l4 = digits(s, n, e2 + 1, &e4);
			long us = 0;
			for (int k = 0; k < 6; k++)
				us = us * 10 + (k < l4 ? s[e2 + 1 + k] - '0' : 0);
			t->usec = (int)us;
			t->has_usec = 1;
			e2 = e4;
		}
	}
	t->has_time = 1;
	return e2;
}

/* Zone offset "+HH", "+HHMM", "+HH:MM" at s[i] (sign included); returns index after or 0. */
static size_t parse_offset(const char *s, size_t n, size_t i, struct tp *t)
{
	int sign = s[i] == '-' ? -1 : 1;
	size_t e;
	int l = digits(s, n, i + 1, &e);
	int hh, mm = 0;
	if (l == 4) {
		hh = (int)num(s, i + 1, i + 3);
		mm = (int)num(s, i + 3, i + 5);
	} else if (l == 2 || l == 1) {
		hh = (int)num(s, i + 1, e);
		if (e + 2 < n && s[e] == ':' && isdigit((unsigned char)s[e + 1]) &&
		    isdigit((unsigned char)s[e + 2])) {
			mm = (int)num(s, e + 1, e + 3);
			e += 3;
		}
	} else {
		return 0;
	}
	if (hh > 23 || mm > 59)
		return 0;
	t->has_tz = 1;
	t->tz_off = sign * (hh * 3600 + mm * 60);
	return e;
}

static int finish(struct tp *t, struct vtime *out)
{
	if (!t->has_date)
		return -1;
	if (t->ampm == 2 && t->hour < 12)
		t->hour += 12;
	else if (t->ampm == 1 && t->hour == 12)
		t->hour = 0;
	if (t->mon < 1 || t->mon > 12 || t->day < 1 || t->year < 1 || t->year > 9999 ||
	    t->day > days_in_month(t->year, (unsigned)t->mon) || t->hour > 23 || t->min > 59 ||
	    t->sec > 60)
		return -1;
	if (t->sec == 60)
		t->sec = 59; /* leap second: Python refuses; keep the record */
	int64_t days = time_days_from_civil(t->year, (unsigned)t->mon, (unsigned)t->day);
	out->sec = days * 86400 + t->hour * 3600 + t->min * 60 + t->sec - t->tz_off;
	out->usec = t->usec;
	out->has_usec = t->has_usec && t->usec;
	return 0;
}

static int set_ymd(struct tp *t, long y, long m, long d)
{
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	t->year = y;
	t->mon = (int)m;
	t->day = (int)d;
	t->has_date = t->has_year = 1;
	return 0;
}

/*
 * "YYYY-MM-DD HH:MM:SS" (or with "T"), optionally with "Z" or "±HH:MM": what most feeds send,
 * read at fixed positions (the tokenising parser below was 4% of the URLhaus benchmark, bench/).
 * Returns 0 with out set, or -1 when s has any other shape or value, and the general parser
 * decides: where this one succeeds the general one gives the same result.
 */
/* s[0..19) is "dddd-dd-ddTdd:dd:dd" (or with a space for the T when space): digits and
 * separators where the shape says */
static int iso_shape(const char *s, int space)
{
	static const unsigned char dpos[] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18 };

	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && !(space && s[10] == ' ')) ||
	    s[13] != ':' || s[16] != ':')
		return 0;
	for (size_t i = 0; i < sizeof(dpos); i++)
		if (s[dpos[i]] < '0' || s[dpos[i]] > '9')
			return 0;
	return 1;
}

static int parse_iso_fast(const char *s, size_t n, struct vtime *out)
{
	struct tp t;

	if ((n != 19 && n != 20 && n != 25) || !iso_shape(s, 1))
		return -1;
	memset(&t, 0, sizeof(t));
	if (n == 20) {
		if (s[19] != 'Z' && s[19] != 'z')
			return -1;
	} else if (n == 25) {
		if ((s[19] != '+' && s[19] != '-') || !isdigit((unsigned char)s[20]) ||
		    !isdigit((unsigned char)s[21]) || s[22] != ':' ||
		    !isdigit((unsigned char)s[23]) || !isdigit((unsigned char)s[24]))
			return -1;
		int hh = (int)num(s, 20, 22), mm = (int)num(s, 23, 25);
		if (hh > 23 || mm > 59)
			return -1;
		t.has_tz = 1;
		t.tz_off = (s[19] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	}
	if (set_ymd(&t, num(s, 0, 4), num(s, 5, 7), num(s, 8, 10)) != 0)
		return -1;
	t.hour = (int)num(s, 11, 13);
	t.min = (int)num(s, 14, 16);
	t.sec = (int)num(s, 17, 19);
	t.has_time = 1;
	return finish(&t, out);
}

int time_is_canonical(const char *s, size_t n)
{
	if (n != 25 || !iso_shape(s, 0) || memcmp(s + 19, "+00:00", 6))
		return 0;
	long y = num(s, 0, 4), mo = num(s, 5, 7), d = num(s, 8, 10);
	/* as finish() checks; a leap second (60) is not canonical: it becomes 59 */
	return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, (unsigned)mo) &&
	       num(s, 11, 13) <= 23 && num(s, 14, 16) <= 59 && num(s, 17, 19) <= 59;
}

int time_parse(const char *s, size_t n, struct vtime *out)
{
	struct tp t;
	size_t i = 0;
	long pending_day = -1; /* a lone 1–2 digit number seen before/after a month name */
	int name_month = 0;

	if (parse_iso_fast(s, n, out) == 0)
		return 0;
	memset(&t, 0, sizeof(t));
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (isdigit(c)) {
			size_t e;
			int l = digits(s, n, i, &e);
			char sep = e < n ? s[e] : 0;
			/* time? */
			if (l <= 2 && sep == ':' && !t.has_time) {
				size_t after = parse_hms(s, n, i, &t);
				if (after) {
					i = after;
					continue;
				}
			}
			/* a date with separators: Y-M-D, Y/M/D, Y.M.D, M/D/Y, D.M.Y, D-M-Y */
			if (!t.has_date && (sep == '-' || sep == '/' || sep == '.') && e + 1 < n &&
			    isdigit((unsigned char)s[e + 1])) {
				size_t e2, e3;
				int l2 = digits(s, n, e + 1, &e2);
				if (e2 + 1 < n && s[e2] == sep && isdigit((unsigned char)s[e2 + 1])) {
					int l3 = digits(s, n, e2 + 1, &e3);
					long a = num(s, i, e), b = num(s, e + 1, e2), cc = num(s, e2 + 1, e3);
					int ok = -1;
					if (l == 4 && l2 <= 2 && l3 <= 2)
						ok = set_ymd(&t, a, b, cc);
					else if (l <= 2 && l2 <= 2 && l3 == 4) {
						if (sep == '.' || a > 12) /* D.M.Y or unambiguous D/M/Y */
							ok = set_ymd(&t, cc, b, a);
						else
							ok = set_ymd(&t, cc, a, b); /* M/D/Y as dateutil */
					}
					if (ok == 0) {
						i = e3;
						continue;
					}
				}
				(void)l2;
			}
			/* D/Mon/YYYY[:HH:MM:SS] (common log format) or D-Mon-YYYY */
			if (!t.has_date && l <= 2 && (sep == '/' || sep == '-' || sep == ' ') && e + 4 < n &&
			    isalpha((unsigned char)s[e + 1])) {
				size_t w = e + 1;
				while (w < n && isalpha((unsigned char)s[w]))
					w++;
				int mo = month_from_name(s + e + 1, w - e - 1);
				if (mo && w < n && (s[w] == sep) && w + 1 < n &&
				    isdigit((unsigned char)s[w + 1])) {
					size_t e3;
					int l3 = digits(s, n, w + 1, &e3);
					if (l3 == 4 && set_ymd(&t, num(s, w + 1, e3), mo, num(s, i, e)) == 0) {
						i = e3;
						if (i < n && s[i] == ':' && parse_hms(s, n, i + 1, &t))
							i = parse_hms(s, n, i + 1, &t);
						continue;
					}
				}
			}
			/* compact YYYYMMDD[THHMMSS] */
			if (!t.has_date && (l == 8 || l == 14)) {
				long y = num(s, i, i + 4), m = num(s, i + 4, i + 6), d = num(s, i + 6, i + 8);
				if (set_ymd(&t, y, m, d) == 0) {
					if (l == 14) {
						t.hour = (int)num(s, i + 8, i + 10);
						t.min = (int)num(s, i + 10, i + 12);
						t.sec = (int)num(s, i + 12, i + 14);
						t.has_time = 1;
					} else if (e + 7 <= n && s[e] == 'T') {
						size_t e5;
						if (digits(s, n, e + 1, &e5) == 6) {
							t.hour = (int)num(s, e + 1, e + 3);
							t.min = (int)num(s, e + 3, e + 5);
							t.sec = (int)num(s, e + 5, e + 7);
							t.has_time = 1;
							e = e5;
						}
					}
					i = e;
					continue;
				}
			}
			/* lone numbers: year (4 digits) or day (1–2) around a month name */
			if (l == 4 && !t.has_year) {
				t.year = num(s, i, e);
				t.has_year = 1;
			} else if (l <= 2 && pending_day < 0 && !t.has_date) {
				pending_day = num(s, i, e);
			} else if (l <= 2 && name_month && t.day == 0) {
				pending_day = num(s, i, e);
			}
			i = e;
			/* ordinal suffixes: 1st 2nd 3rd 4th */
			if (i + 1 < n && isalpha((unsigned char)s[i]) && isalpha((unsigned char)s[i + 1]) &&
			    (i + 2 >= n || !isalpha((unsigned char)s[i + 2])))
				i += 2;
			continue;
		}
		if (isalpha(c)) {
			size_t w = i;
			while (w < n && isalpha((unsigned char)s[w]))
				w++;
			size_t len = w - i;
			int mo;
			if (len == 1 && (c == 'T' || c == 't') && t.has_date) {
				/* ISO separator */
			} else if (len == 1 && (c == 'Z' || c == 'z') && t.has_time) {
				t.has_tz = 1;
				t.tz_off = 0;
			} else if ((len == 3 && (!strncasecmp(s + i, "UTC", 3) || !strncasecmp(s + i, "GMT", 3))) ||
				   (len == 2 && !strncasecmp(s + i, "UT", 2))) {
				t.has_tz = 1;
				t.tz_off = 0;
				if (w < n && (s[w] == '+' || s[w] == '-')) {
					size_t e = parse_offset(s, n, w, &t);
					if (e) {
						/* "GMT+3" in POSIX means 3 west; dateutil reads it as east */
						w = e;
					}
				}
			} else if (len == 2 && (!strncasecmp(s + i, "AM", 2) || !strncasecmp(s + i, "PM", 2))) {
				t.ampm = (s[i] == 'a' || s[i] == 'A') ? 1 : 2;
			} else if ((mo = month_from_name(s + i, len)) != 0 && !name_month) {
				name_month = mo;
			} else if (is_weekday(s + i, len)) {
				/* ignored */
			}
			i = w;
			continue;
		}
		if ((c == '+' || c == '-') && t.has_time && !t.has_tz && i + 1 < n &&
		    isdigit((unsigned char)s[i + 1])) {
			size_t e = parse_offset(s, n, i, &t);
			if (e) {
				i = e;
				continue;
			}
		}
		i++;
	}
	if (!t.has_date && name_month && t.has_year && pending_day > 0) {
		if (set_ymd(&t, t.year, name_month, pending_day) != 0)
			return -1;
	}
	return finish(&t, out);
}

int time_parse_format(const char *s, size_t n, const char *fmt, struct vtime *out)
{
	char tmp[256];
	struct tm tm;
	const char *end;
	long gmtoff;

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = 1;
	tm.tm_gmtoff = 0;
	end = strptime(tmp, fmt, &tm);
	if (!end || *end)
		return -1;
	gmtoff = tm.tm_gmtoff;
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > days_in_month(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1))
		return -1;
	out->sec = time_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
					(unsigned)tm.tm_mday) * 86400 +
		   tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - gmtoff;
	out->usec = 0;
	out->has_usec = 0;
	return 0;
}

static int parse_uint(const char *s, size_t n, int64_t *v, size_t *end)
{
	size_t i = 0;
	int64_t x = 0;
	while (i < n && isdigit((unsigned char)s[i])) {
		if (x > (INT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (s[i] - '0');
		i++;
	}
	if (i == 0)
		return -1;
	*v = x;
	*end = i;
	return 0;
}

int time_parse_epoch(const char *s, size_t n, struct vtime *out)
{
	int64_t v;
	size_t e;
	int neg = 0;

	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n && *s == '-') {
		neg = 1;
		s++;
		n--;
	}
	if (parse_uint(s, n, &v, &e) != 0 || v > 253402300799LL)
		return -1;
	out->sec = neg ? -v : v;
	out->usec = 0;
	out->has_usec = 0;
	if (e < n && s[e] == '.') {
		size_t k;
		long us = 0;
		for (k = 0; k < 6; k++)
			us = us * 10 + ((e + 1 + k < n && isdigit((unsigned char)s[e + 1 + k])) ? s[e + 1 + k] - '0' : 0);
		for (k = e + 1; k < n; k++)
			if (!isdigit((unsigned char)s[k]))
				return -1;
		out->usec = (int32_t)us;
		out->has_usec = us != 0;
		return 0;
	}
	return e == n ? 0 : -1;
}

int time_parse_epoch_millis(const char *s, size_t n, struct vtime *out)
{
	int64_t v;
	size_t e;

	if (parse_uint(s, n, &v, &e) != 0 || e != n)
		return -1;
	switch (n) {
	case 10: break;
	case 12: v /= 100; break;
	case 13: v /= 1000; break;
	default: return -1;
	}
	out->sec = v;
	out->usec = 0;
	out->has_usec = 0;
	return 0;
}

int time_parse_windows_nt(const char *s, size_t n, struct vtime *out)
{
	int64_t v;
	size_t e;

	if (parse_uint(s, n, &v, &e) != 0 || e != n)
		return -1;
	/* 1601-01-01 is 11644473600 s before the Unix epoch */
	out->sec = v / 10000000 - 11644473600LL;
	out->usec = (int32_t)((v % 10000000) / 10);
	out->has_usec = out->usec != 0;
	return 0;
}
