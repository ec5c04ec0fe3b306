/* monotonic: the one steady clock (CLOCK_MONOTONIC) for timings, timeouts
 * and progress rates; never wall time, so a clock change moves nothing.
 *
 *   double t0 = monotonic_s();
 *   ... work ...
 *   double took = monotonic_s() - t0;
 */
#ifndef RIC_ENGINE_MONOTONIC_H
#define RIC_ENGINE_MONOTONIC_H

#include <stdint.h>

/* Seconds since an arbitrary start (nanosecond resolution). */
double monotonic_s(void);
/* Whole milliseconds since the same start. */
int64_t monotonic_ms(void);

#endif
