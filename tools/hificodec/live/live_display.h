/*
 * live_display.h - what `hificodec stream` shows while it runs: input level,
 * frames, tokens per second, bitrate, per-frame latencies (mean and p99), and
 * dropped or late frames with the overrun and underrun counts.
 *
 * On a terminal it redraws a few lines in place a few times a second; anywhere
 * else (a pipe, a log file) it prints one "stream: key=value ..." line a second,
 * easy to grep and parse. It writes to the stream it is given (stderr: stdout may
 * be carrying tokens) from the main thread only.
 */
#ifndef HFC_CLI_LIVE_DISPLAY_H
#define HFC_CLI_LIVE_DISPLAY_H

#include "stream_stats.h"

#include <stdint.h>
#include <stdio.h>

/* The figures at one moment, gathered by the stream engine. */
typedef struct hfc_live_snapshot {
    double audio_s;                  /* audio captured so far */
    int64_t frames;                  /* frames encoded */
    int n_codebooks;
    int bits_per_token;
    double level_dbfs;               /* RMS of the input since the last snapshot */
    int monitor;                     /* 1: playing back; the playback figures apply */
    hfc_latency_summary capture_to_tokens;  /* frame's last sample at the ADC -> tokens */
    hfc_latency_summary tokens_to_playback; /* tokens -> frame's first sample at the DAC */
    hfc_latency_summary end_to_end;         /* frame's first sample ADC -> DAC */
    int64_t dropped_in_frames;       /* input lost to capture overruns or the daemon */
    int64_t dropped_out_frames;      /* decoded audio that found playback full */
    int64_t late_frames;             /* tokens later than a frame plus the capture buffer */
    int64_t overruns;                /* capture callbacks that lost input */
    int64_t underruns;               /* times playback ran dry */
} hfc_live_snapshot;

typedef struct hfc_live_display {
    FILE *out;
    int tty;                         /* 1: redraw in place */
    int lines_drawn;                 /* on the terminal, to move back over */
    double interval_s;
    double last_draw_s;              /* -1: never */
    int64_t last_frames;
} hfc_live_display;

/* Chooses the terminal or the plain form by whether out is a terminal. */
void hfc_live_display_init(hfc_live_display *display, FILE *out);

/* 1 when a new draw is due at now_s (monotonic seconds). */
int hfc_live_display_due(const hfc_live_display *display, double now_s);

void hfc_live_display_draw(hfc_live_display *display, const hfc_live_snapshot *snapshot,
                           double now_s);

/* The last draw: the final figures, left on the screen or as the last line
 * (with state=end). */
void hfc_live_display_finish(hfc_live_display *display, const hfc_live_snapshot *snapshot,
                             double now_s);

#endif
