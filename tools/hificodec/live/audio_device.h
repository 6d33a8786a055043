/*
 * audio_device.h - live audio through PortAudio: finding devices, and a capture
 * and a playback stream whose callbacks only move samples through lock-free rings.
 *
 * Real time: the two callbacks in audio_device.c follow PortAudio's rules. They
 * copy samples between the device and an hfc_ring, write one timing mark per call
 * into a second ring, and count overruns and underruns in atomics. They never
 * allocate, lock, print or do I/O; every buffer is sized by *_open, before the
 * stream starts. The codec thread on the other side of the rings does the work.
 *
 * Mono: capture takes the device's first channel; playback writes the same
 * samples to both channels of a stereo device (so headphones hear both sides).
 *
 * Time: marks and hfc_audio_now() share CLOCK_MONOTONIC, in seconds, so the codec
 * thread can subtract a mark's time from its own clock readings.
 */
#ifndef HFC_CLI_AUDIO_DEVICE_H
#define HFC_CLI_AUDIO_DEVICE_H

#include "ring_buffer.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Seconds on the clock that marks use; safe to call from a real-time callback. */
double hfc_audio_now(void);

/* Starts PortAudio. The host libraries (ALSA, JACK) print their probing noise to
 * stderr; it is hidden unless verbose. Returns 0, or -1 with one line in err. */
int hfc_audio_init(int verbose, char *err, size_t err_bytes);
void hfc_audio_terminate(void);

/* Prints every device: index, input and output channels, default rate, host API,
 * name, and which are the defaults. */
void hfc_audio_list_devices(FILE *out);

enum hfc_audio_direction { HFC_AUDIO_INPUT = 0, HFC_AUDIO_OUTPUT = 1 };

/* The device `spec` names for direction: NULL for the default device, a PortAudio
 * index, an exact name, or a case-insensitive part of exactly one name. Returns
 * the index, or -1 with one line in err (no such device, several match, or it has
 * no channels that way). */
int hfc_audio_find_device(const char *spec, int direction, char *err, size_t err_bytes);

/* A device's name for messages; owned by PortAudio, valid until terminate. */
const char *hfc_audio_device_name(int device);

/* The rate a device runs at natively (PortAudio's default rate for it). */
int hfc_audio_device_rate_hz(int device);

/* One callback's worth of samples in a ring, and when they met the converter. */
typedef struct hfc_audio_mark {
    uint64_t index;         /* running ring index of the block's first sample */
    uint32_t n_samples;     /* samples of the block that went through the ring */
    double time_s;          /* capture: when the first was at the ADC; playback: when
                               it will be at the DAC (hfc_audio_now's clock) */
} hfc_audio_mark;

typedef struct hfc_capture {
    void *stream;               /* PaStream */
    int device;
    int rate_hz;
    double latency_s;           /* PortAudio's input latency of the open stream */
    hfc_ring samples;           /* float, mono, rate_hz; the codec thread reads */
    hfc_ring marks;             /* hfc_audio_mark per callback */
    atomic_llong dropped_samples; /* lost because the ring was full */
    atomic_llong overruns;      /* callbacks that lost samples, here or in the host */
} hfc_capture;

/* Opens device for mono float capture at rate_hz (0: the device's default rate)
 * with a ring of ring_seconds, in callbacks of block_seconds. Returns 0, or -1
 * with one line in err. */
int hfc_capture_open(hfc_capture *capture, int device, int rate_hz, double ring_seconds,
                     double block_seconds, char *err, size_t err_bytes);

typedef struct hfc_playback {
    void *stream;               /* PaStream */
    int device;
    int rate_hz;
    int n_channels;             /* 1, or 2 with the mono signal on both */
    double latency_s;           /* PortAudio's output latency of the open stream */
    hfc_ring samples;           /* float, mono, rate_hz; the codec thread writes */
    hfc_ring marks;             /* hfc_audio_mark per callback that played samples */
    size_t prime_samples;       /* play only once this many are queued, at the start
                                   and again after an underrun (a jitter buffer) */
    int priming;                /* the callback's own state */
    atomic_int draining;        /* set at the end: play what is left, no priming */
    atomic_llong underruns;     /* times it ran dry, here or in the host */
} hfc_playback;

/* Opens device for playback at rate_hz (0: the device's default rate) with a
 * ring of ring_seconds beyond a jitter buffer of prime_seconds. Returns 0, or -1
 * with one line in err. */
int hfc_playback_open(hfc_playback *playback, int device, int rate_hz, double ring_seconds,
                      double prime_seconds, char *err, size_t err_bytes);

/* Start and stop either stream (stream is the capture's or playback's). Stop
 * returns once the callbacks have ended. Start returns 0 or -1 with one line. */
int hfc_audio_stream_start(void *stream, char *err, size_t err_bytes);
void hfc_audio_stream_stop(void *stream);

/* Lets playback finish: plays what is queued without waiting to prime, and waits
 * (sleeping) until the ring is empty and the device has played it, or timeout_s. */
void hfc_playback_drain(hfc_playback *playback, double timeout_s);

void hfc_capture_close(hfc_capture *capture);
void hfc_playback_close(hfc_playback *playback);

#endif
