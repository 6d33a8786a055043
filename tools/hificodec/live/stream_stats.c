#include "stream_stats.h"

void hfc_latency_add(hfc_latency_stats *stats, double seconds)
{
    double ms = seconds > 0.0 ? seconds * 1000.0 : 0.0;
    double bin = ms / HFC_LATENCY_BIN_MS;
    stats->bins[bin < HFC_LATENCY_BINS - 1 ? (int)bin : HFC_LATENCY_BINS - 1]++;
    stats->count++;
    stats->sum_ms += ms;
}

void hfc_latency_summarize(const hfc_latency_stats *stats, hfc_latency_summary *summary)
{
    summary->count = stats->count;
    summary->mean_ms = stats->count > 0 ? stats->sum_ms / (double)stats->count : 0.0;
    summary->p99_ms = 0.0;
    /* The smallest bin that has at least 99% of the values at or below it; its
     * upper edge, so that the figure never understates. */
    int64_t needed = stats->count - stats->count / 100;
    int64_t seen = 0;
    for (int i = 0; i < HFC_LATENCY_BINS && stats->count > 0; i++) {
        seen += stats->bins[i];
        if (seen >= needed) {
            summary->p99_ms = (i + 1) * HFC_LATENCY_BIN_MS;
            break;
        }
    }
}
