/*
 * test_epoch.c — float seconds since the epoch to a time (epoch.c), as IntelMQ's
 * DateTime.from_timestamp: the fraction rounded to microseconds, carried into the seconds,
 * times before 1970, the range.
 */
#include <math.h>

#include "base/epoch.h"
#include "tap.h"

static const char *text(double d)
{
	static char out[48];
	struct vtime t;

	if (epoch_to_vtime(d, &t) != 0)
		return "(none)";
	time_format(&t, out);
	return out;
}

int main(void)
{
	is_str(text(1500000000), "2017-07-14T02:40:00+00:00", "whole seconds");
	is_str(text(1500000000.25), "2017-07-14T02:40:00.250000+00:00", "a fraction");
	is_str(text(1500000000.9999999), "2017-07-14T02:40:01+00:00", "rounded into the next one");
	is_str(text(0.0000004), "1970-01-01T00:00:00+00:00", "below a microsecond: none");
	is_str(text(0.0000006), "1970-01-01T00:00:00.000001+00:00", "rounded up to one");
	is_str(text(-1.5), "1969-12-31T23:59:58.500000+00:00", "before 1970: the second below");
	is_str(text(253402300799.0), "9999-12-31T23:59:59+00:00", "the last second of 9999");
	is_str(text(1e13), "(none)", "out of range");
	is_str(text(-1e13), "(none)", "out of range, negative");
	is_str(text(NAN), "(none)", "NaN");
	is_str(text(INFINITY), "(none)", "infinity");
	return done_testing();
}
