#include "stream_clock.h"

#include <string.h>

void hfc_sample_clock_init(hfc_sample_clock *clock, double rate_hz, int mode)
{
    memset(clock, 0, sizeof *clock);
    clock->rate_hz = rate_hz;
    clock->mode = mode;
}

static const hfc_audio_mark *mark_at(const hfc_sample_clock *clock, int i)
{
    return &clock->marks[(clock->first + i) % HFC_CLOCK_MARKS];
}

void hfc_sample_clock_pull(hfc_sample_clock *clock, hfc_ring *ring)
{
    hfc_audio_mark mark;
    int pulled = 0;
    while (hfc_ring_read(ring, &mark, 1) == 1) {
        if (clock->count == HFC_CLOCK_MARKS) {
            clock->first = (clock->first + 1) % HFC_CLOCK_MARKS;
            clock->count--;
        }
        clock->marks[(clock->first + clock->count) % HFC_CLOCK_MARKS] = mark;
        clock->count++;
        pulled = 1;
    }
    if (!pulled || clock->mode != HFC_CLOCK_CONTINUOUS)
        return;
    /* Over the last second of marks only: the line then follows a slow drift
     * between the device's clock and ours, and forgets an odd stamp (a stream's
     * first blocks) within a second. */
    const hfc_audio_mark *newest = mark_at(clock, clock->count - 1);
    for (int i = clock->count - 1; i >= 0; i--) {
        const hfc_audio_mark *kept = mark_at(clock, i);
        if (kept->time_s < newest->time_s - HFC_CLOCK_WINDOW_S)
            break;
        double origin = kept->time_s - (double)kept->index / clock->rate_hz;
        if (kept == newest || origin < clock->origin_s)
            clock->origin_s = origin;
    }
}

int hfc_sample_clock_time(const hfc_sample_clock *clock, uint64_t index, double *time_s)
{
    if (clock->count == 0)
        return HFC_CLOCK_NOT_YET;
    const hfc_audio_mark *newest = mark_at(clock, clock->count - 1);
    if (index >= newest->index + newest->n_samples)
        return HFC_CLOCK_NOT_YET;
    if (index < mark_at(clock, 0)->index)
        return HFC_CLOCK_GONE;
    if (clock->mode == HFC_CLOCK_CONTINUOUS) {
        *time_s = clock->origin_s + (double)index / clock->rate_hz;
        return HFC_CLOCK_FOUND;
    }
    /* Newest first: the samples asked about are nearly always recent. */
    for (int i = clock->count - 1; i >= 0; i--) {
        const hfc_audio_mark *mark = mark_at(clock, i);
        if (index >= mark->index && index < mark->index + mark->n_samples) {
            *time_s = mark->time_s + (double)(index - mark->index) / clock->rate_hz;
            return HFC_CLOCK_FOUND;
        }
        if (index >= mark->index + mark->n_samples)
            return HFC_CLOCK_GONE; /* between blocks: a block whose mark was lost */
    }
    return HFC_CLOCK_GONE;
}
