/* A latency histogram the workers fill without locks: log-spaced buckets (8 per
 * octave, about 9% wide) of atomic counters, from 1 microsecond to about 70
 * seconds. Percentiles come out to within a bucket. */
#ifndef HFCD_LATENCY_H
#define HFCD_LATENCY_H

#include <stdatomic.h>
#include <stdint.h>

#define HFCD_LATENCY_BUCKETS (8 * 26)

typedef struct hfcd_latency {
    _Atomic uint64_t counts[HFCD_LATENCY_BUCKETS];
} hfcd_latency;

void hfcd_latency_init(hfcd_latency *h);

/* Any thread; real-time safe (one relaxed atomic add). */
void hfcd_latency_add(hfcd_latency *h, int64_t ns);

/* The p-th percentile (0 < p < 100) in microseconds; 0 when empty. */
uint64_t hfcd_latency_percentile_us(hfcd_latency *h, double p);

#endif
