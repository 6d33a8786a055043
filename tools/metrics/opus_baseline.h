/*
 * opus_baseline.h - the Opus reference codec that hificodec is measured against:
 * a round trip through libopus with fixed, speech-tuned settings. Used by
 * `hificodec opus` and the metrics tests. Not part of libhificodec's API.
 *
 * Settings (the project's published Opus reference rows use exactly these):
 *   mono, 20 ms frames, OPUS_APPLICATION_VOIP, OPUS_SIGNAL_VOICE, bandwidth and
 *   maximum bandwidth forced to OPUS_BANDWIDTH_WIDEBAND (8 kHz audio band),
 *   everything else libopus's default (VBR on, unconstrained; complexity;
 *   no in-band FEC; no DTX). The decoder runs at the same rate without loss.
 *
 * Return values follow hificodec.h: HFC_OK or a negative enum hfc_status.
 * Pointers are borrowed for the call. Thread-safe (each call has its own
 * encoder and decoder); allocates, so not for real-time threads.
 */
#ifndef HFC_OPUS_BASELINE_H
#define HFC_OPUS_BASELINE_H

#include <stdint.h>

#include "hificodec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HFC_OPUS_FRAME_MS 20

typedef struct hfc_opus_baseline_info {
    int lookahead_samples;     /* encoder delay removed from the output (OPUS_GET_LOOKAHEAD) */
    int64_t n_packets;         /* 20 ms packets coded */
    int64_t n_bytes;           /* total payload bytes of those packets */
    double mean_bitrate_bps;   /* n_bytes * 8 / (n_packets * 0.020) */
    int last_bandwidth_hz;     /* audio bandwidth of the last packet: 4000 (narrowband),
                                  6000, 8000 (wideband), 12000 or 20000 */
    int64_t n_lost;            /* packets lost (hfc_opus_baseline_roundtrip_lossy) */
} hfc_opus_baseline_info;

/*
 * Encodes n_samples of in (rate_hz: 8000, 12000, 16000, 24000 or 48000) at
 * bitrate_bps (500 .. 512000) and decodes the packets into out (n_samples,
 * caller-allocated; may not alias in). The input is zero-padded at the end by
 * the encoder lookahead plus up to one frame, and the first lookahead_samples
 * decoded samples are dropped, so out[i] is time-aligned with in[i] and has the
 * same length. info may be NULL. Returns HFC_OK, HFC_ERR_INVALID_ARG,
 * HFC_ERR_UNSUPPORTED (rate), HFC_ERR_NO_MEMORY or HFC_ERR_INTERNAL (a libopus
 * call failed).
 */
int hfc_opus_baseline_roundtrip(const float *in, int64_t n_samples, int rate_hz, int bitrate_bps,
                                float *out, hfc_opus_baseline_info *info);

/* Bandwidth choices for hfc_opus_baseline_roundtrip_bandwidth. */
enum hfc_opus_bandwidth {
    HFC_OPUS_BANDWIDTH_WIDE = 0, /* forced wideband: the reference rows */
    HFC_OPUS_BANDWIDTH_AUTO = 1  /* libopus's own choice, as an application that sets
                                    nothing gets: narrowband at 6 kbit/s, for example */
};

/* As hfc_opus_baseline_roundtrip, with the bandwidth chosen (an enum
 * hfc_opus_bandwidth; anything else is HFC_ERR_INVALID_ARG). info, when given,
 * also reports the bandwidth of the last packet. */
int hfc_opus_baseline_roundtrip_bandwidth(const float *in, int64_t n_samples, int rate_hz,
                                          int bitrate_bps, int bandwidth, float *out,
                                          hfc_opus_baseline_info *info);

/* Packet loss: called once per packet, in order; returns 1 when that packet is
 * lost. */
typedef int (*hfc_opus_loss_fn)(void *user);

/* As hfc_opus_baseline_roundtrip_bandwidth, with packets lost as lost(user) says
 * (NULL: none). A lost packet is decoded as libopus conceals it: opus_decode_float
 * with a NULL packet for the frame's duration (its own packet-loss concealment;
 * no in-band FEC). info->n_lost counts them. */
int hfc_opus_baseline_roundtrip_lossy(const float *in, int64_t n_samples, int rate_hz,
                                      int bitrate_bps, int bandwidth, hfc_opus_loss_fn lost,
                                      void *user, float *out, hfc_opus_baseline_info *info);

#ifdef __cplusplus
}
#endif

#endif /* HFC_OPUS_BASELINE_H */
