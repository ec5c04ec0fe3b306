/* monotonic: the one steady clock (CLOCK_MONOTONIC) for timings, timeouts
 * and progress rates; never wall time, so a clock change moves nothing.
 *
 *   double t0 = monotonic_s();
 *   ... work ...
 *   double took = monotonic_s() - t0;
 *   double c0 = monotonic_cpu_s();             // the same in CPU time
 */
#ifndef RIC_ENGINE_MONOTONIC_H
#define RIC_ENGINE_MONOTONIC_H

#include <stdint.h>

/* Seconds since an arbitrary start (nanosecond resolution). */
double monotonic_s(void);
/* Whole milliseconds since the same start. */
int64_t monotonic_ms(void);
/* CPU seconds the whole process (every thread) has used: on a machine
 * shared with other work, a phase's cost apart from the waits for a core. */
double monotonic_cpu_s(void);

#endif
