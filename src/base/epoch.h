/*
 * epoch.h — seconds since the epoch with a fraction, as IntelMQ's DateTime.from_timestamp
 * reads a float timestamp (JSON feeds give them as numbers: 1500000000.25).
 */
#ifndef VIGIA_BASE_EPOCH_H
#define VIGIA_BASE_EPOCH_H

#include "base/timeparse.h"

/*
 * d seconds since 1970-01-01 UTC into *out (OUT): the whole seconds below d, and the fraction
 * rounded to microseconds (a fraction that rounds to a whole second carries into it);
 * has_usec is set when the microseconds are not 0.  Returns 0, or -1 for NaN and for d
 * outside (-1e13, 1e13).
 */
int epoch_to_vtime(double d, struct vtime *out);

#endif
