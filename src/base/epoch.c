/*
 * epoch.c — seconds since the epoch with a fraction to struct vtime (see epoch.h).
 */
#include <math.h>

#include "base/epoch.h"

int epoch_to_vtime(double d, struct vtime *out)
{
	double sec;
	long long us;

	if (!(d > -1e13 && d < 1e13))
		return -1;
	sec = floor(d);
	us = llround((d - sec) * 1e6);
	if (us >= 1000000) {
		sec += 1;
		us -= 1000000;
	}
	out->sec = (int64_t)sec;
	out->usec = (int32_t)us;
	out->has_usec = us != 0;
	return 0;
}
