/*
 * stream_stats.h - latency distributions of a live stream: a histogram of 0.1 ms
 * bins up to 2 s gives the mean and the 99th percentile over the whole run in
 * fixed memory, with no sorting and no allocation after init.
 */
#ifndef HFC_CLI_STREAM_STATS_H
#define HFC_CLI_STREAM_STATS_H

#include <stdint.h>

#define HFC_LATENCY_BIN_MS 0.1
#define HFC_LATENCY_BINS 20000

typedef struct hfc_latency_stats {
    uint32_t bins[HFC_LATENCY_BINS];  /* the last bin also counts everything longer */
    int64_t count;
    double sum_ms;
} hfc_latency_stats;

/* Adds one latency; negative values (clock estimates from a host that reports
 * times loosely) count as 0. */
void hfc_latency_add(hfc_latency_stats *stats, double seconds);

/* What the display shows: samples, mean and 99th percentile in ms (0 when empty). */
typedef struct hfc_latency_summary {
    int64_t count;
    double mean_ms;
    double p99_ms;
} hfc_latency_summary;

void hfc_latency_summarize(const hfc_latency_stats *stats, hfc_latency_summary *summary);

#endif
