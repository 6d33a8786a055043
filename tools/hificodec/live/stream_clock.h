/*
 * stream_clock.h - when did (or will) a given sample meet the converter? The
 * codec thread keeps the recent timing marks an audio callback wrote (one per
 * block: the block's first running ring index and its ADC or DAC time) and
 * answers for any sample inside one of those blocks. This is how per-frame
 * latencies are measured without the callback doing more than copying.
 *
 * Two ways to answer, chosen at init:
 *   HFC_CLOCK_CONTINUOUS  capture: the samples in the ring were taken one after
 *     the other at the device's rate, so their times lie on one line,
 *     t(index) = origin + index / rate. A block's mark can only be late (a host
 *     that delivers several blocks at once stamps them all with about the same
 *     time), never early, so the origin is the earliest that the marks of the
 *     last second imply.
 *   HFC_CLOCK_PER_BLOCK   playback: underruns put silence between blocks, so
 *     each block's own mark times its samples.
 */
#ifndef HFC_CLI_STREAM_CLOCK_H
#define HFC_CLI_STREAM_CLOCK_H

#include "audio_device.h"
#include "ring_buffer.h"

#include <stdint.h>

/* Marks kept: seconds of blocks, far longer than a frame waits. */
#define HFC_CLOCK_MARKS 512

/* CONTINUOUS: the marks of the last this many seconds set the line. */
#define HFC_CLOCK_WINDOW_S 1.0

enum hfc_clock_mode { HFC_CLOCK_CONTINUOUS = 0, HFC_CLOCK_PER_BLOCK = 1 };

typedef struct hfc_sample_clock {
    hfc_audio_mark marks[HFC_CLOCK_MARKS]; /* a FIFO, oldest first from `first` */
    int first;
    int count;
    double rate_hz;
    int mode;                   /* enum hfc_clock_mode */
    double origin_s;            /* CONTINUOUS: the time of index 0 */
} hfc_sample_clock;

void hfc_sample_clock_init(hfc_sample_clock *clock, double rate_hz, int mode);

/* Moves every mark waiting in ring (a callback's marks ring) in, forgetting the
 * oldest when full. Consumer side of the ring. */
void hfc_sample_clock_pull(hfc_sample_clock *clock, hfc_ring *ring);

enum { HFC_CLOCK_FOUND = 0, HFC_CLOCK_NOT_YET = 1, HFC_CLOCK_GONE = 2 };

/* The time of the sample with running ring index `index`: HFC_CLOCK_FOUND and
 * *time_s, HFC_CLOCK_NOT_YET when no block holds it yet, or HFC_CLOCK_GONE when
 * it is older than every kept mark (or, per block, was in no block: a block
 * whose mark was lost). */
int hfc_sample_clock_time(const hfc_sample_clock *clock, uint64_t index, double *time_s);

#endif
