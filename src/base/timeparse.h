/*
 * timeparse.h — timestamps in the many shapes feeds use, normalised to IntelMQ's form
 * "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00" (UTC).
 */
#ifndef VIGIA_BASE_TIMEPARSE_H
#define VIGIA_BASE_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

struct vtime {
	int64_t sec;  /* seconds since the epoch, UTC */
	int32_t usec; /* microseconds, 0..999999 */
	int has_usec; /* print the fraction (it was given) */
};

/*
 * Parse a free-form timestamp: ISO 8601 / RFC 3339 ("T" or space, optional fraction, "Z" or
 * ±HH[:MM] or a zone name UTC/GMT), RFC 2822 ("Tue, 13 Feb 2019 10:00:00 +0100"), common log
 * formats ("13/Feb/2019:10:00:00 +0000"), "YYYY-MM-DD" (midnight), month names.
 * Without a zone the time is taken as UTC. Returns 0 on success, -1 if no time is found.
 */
int time_parse(const char *s, size_t n, struct vtime *out);

/* Parse with a strptime(3) format (IntelMQ's from_format); zone %z honoured, else UTC. */
int time_parse_format(const char *s, size_t n, const char *fmt, struct vtime *out);

/* Seconds (or with fraction) since the epoch; "1549983600", "1549983600.5". */
int time_parse_epoch(const char *s, size_t n, struct vtime *out);

/* Epoch in milliseconds as IntelMQ's epoch_millis does (10, 12 or 13 digits). */
int time_parse_epoch_millis(const char *s, size_t n, struct vtime *out);

/* Windows NT time: 100 ns ticks since 1601-01-01 UTC. */
int time_parse_windows_nt(const char *s, size_t n, struct vtime *out);

/* 1 when s is already in the canonical form (UTC, no fraction) with valid values: then
 * time_format(time_parse(s)) is s itself. */
int time_is_canonical(const char *s, size_t n);

/* Format as "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00" into out (at least 40 bytes); returns length. */
size_t time_format(const struct vtime *t, char *out);

/* Days since 1970-01-01 for a civil date (proleptic Gregorian). */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
