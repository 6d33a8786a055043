#include "latency.h"

#include <math.h>

void hfcd_latency_init(hfcd_latency *h)
{
    for (int i = 0; i < HFCD_LATENCY_BUCKETS; i++)
        atomic_init(&h->counts[i], 0);
}

/* Bucket b holds [2^(b/8), 2^((b+1)/8)) microseconds. */
static int bucket_of(int64_t ns)
{
    double us = (double)ns / 1000.0;
    if (us < 1.0)
        return 0;
    int b = (int)(8.0 * log2(us));
    return b < HFCD_LATENCY_BUCKETS ? b : HFCD_LATENCY_BUCKETS - 1;
}

void hfcd_latency_add(hfcd_latency *h, int64_t ns)
{
    atomic_fetch_add_explicit(&h->counts[bucket_of(ns)], 1, memory_order_relaxed);
}

uint64_t hfcd_latency_percentile_us(hfcd_latency *h, double p)
{
    uint64_t counts[HFCD_LATENCY_BUCKETS], total = 0;
    for (int i = 0; i < HFCD_LATENCY_BUCKETS; i++)
        total += counts[i] = atomic_load_explicit(&h->counts[i], memory_order_relaxed);
    if (total == 0)
        return 0;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)total), seen = 0;
    for (int i = 0; i < HFCD_LATENCY_BUCKETS; i++) {
        seen += counts[i];
        if (seen >= rank) /* report the bucket's upper edge: never optimistic */
            return (uint64_t)ceil(exp2((i + 1) / 8.0));
    }
    return (uint64_t)ceil(exp2(HFCD_LATENCY_BUCKETS / 8.0));
}
