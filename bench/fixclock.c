/*
 * fixclock.c — an LD_PRELOAD shim that stops the wall clock at FIXCLOCK (unix seconds), so two
 * builds' exports (whose times and ids come from the clock) can be compared byte for byte by
 * bench/share-compare.sh.  Monotonic clocks are left alone.  Not part of vigia.
 *
 *     cc -shared -fPIC -O2 -o fixclock.so bench/fixclock.c -ldl
 *     FIXCLOCK=1790000000 LD_PRELOAD=./fixclock.so vigia export ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static time_t fixed(void)
{
	const char *s = getenv("FIXCLOCK");

	return s ? (time_t)strtoll(s, NULL, 10) : (time_t)1790000000;
}

time_t time(time_t *t)
{
	time_t v = fixed();

	if (t)
		*t = v;
	return v;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	(void)tz;
	tv->tv_sec = fixed();
	tv->tv_usec = 0;
	return 0;
}

int clock_gettime(clockid_t c, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);

	if (c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE) {
		ts->tv_sec = fixed();
		ts->tv_nsec = 0;
		return 0;
	}
	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	return real ? real(c, ts) : -1;
}
