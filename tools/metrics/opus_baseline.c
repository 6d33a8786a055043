/*
 * opus_baseline.c - libopus round trip with the project's reference settings
 * (see opus_baseline.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <opus.h>

#include "opus_baseline.h"

/* Largest packet libopus produces for one frame (RFC 6716 sec. 3.2.1). */
#define MAX_PACKET_BYTES 1275

static int configure_encoder(OpusEncoder *enc, int bitrate_bps, int bandwidth)
{
    if (opus_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate_bps)) != OPUS_OK ||
        opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK)
        return HFC_ERR_INTERNAL;
    if (bandwidth == HFC_OPUS_BANDWIDTH_WIDE &&
        (opus_encoder_ctl(enc, OPUS_SET_MAX_BANDWIDTH(OPUS_BANDWIDTH_WIDEBAND)) != OPUS_OK ||
         opus_encoder_ctl(enc, OPUS_SET_BANDWIDTH(OPUS_BANDWIDTH_WIDEBAND)) != OPUS_OK))
        return HFC_ERR_INTERNAL;
    return HFC_OK;
}

static int bandwidth_hz(int opus_bandwidth)
{
    switch (opus_bandwidth) {
    case OPUS_BANDWIDTH_NARROWBAND: return 4000;
    case OPUS_BANDWIDTH_MEDIUMBAND: return 6000;
    case OPUS_BANDWIDTH_WIDEBAND: return 8000;
    case OPUS_BANDWIDTH_SUPERWIDEBAND: return 12000;
    case OPUS_BANDWIDTH_FULLBAND: return 20000;
    default: return 0;
    }
}

int hfc_opus_baseline_roundtrip(const float *in, int64_t n_samples, int rate_hz, int bitrate_bps,
                                float *out, hfc_opus_baseline_info *info)
{
    return hfc_opus_baseline_roundtrip_bandwidth(in, n_samples, rate_hz, bitrate_bps,
                                                 HFC_OPUS_BANDWIDTH_WIDE, out, info);
}

int hfc_opus_baseline_roundtrip_bandwidth(const float *in, int64_t n_samples, int rate_hz,
                                          int bitrate_bps, int bandwidth, float *out,
                                          hfc_opus_baseline_info *info)
{
    return hfc_opus_baseline_roundtrip_lossy(in, n_samples, rate_hz, bitrate_bps, bandwidth,
                                             NULL, NULL, out, info);
}

int hfc_opus_baseline_roundtrip_lossy(const float *in, int64_t n_samples, int rate_hz,
                                      int bitrate_bps, int bandwidth, hfc_opus_loss_fn lost,
                                      void *user, float *out, hfc_opus_baseline_info *info)
{
    if (info != NULL)
        memset(info, 0, sizeof(*info));
    if (in == NULL || out == NULL || n_samples <= 0 || bitrate_bps < 500 || bitrate_bps > 512000 ||
        (bandwidth != HFC_OPUS_BANDWIDTH_WIDE && bandwidth != HFC_OPUS_BANDWIDTH_AUTO))
        return HFC_ERR_INVALID_ARG;
    if (rate_hz != 8000 && rate_hz != 12000 && rate_hz != 16000 && rate_hz != 24000 &&
        rate_hz != 48000)
        return HFC_ERR_UNSUPPORTED;

    int err = OPUS_OK;
    OpusEncoder *enc = opus_encoder_create(rate_hz, 1, OPUS_APPLICATION_VOIP, &err);
    if (enc == NULL || err != OPUS_OK)
        return err == OPUS_ALLOC_FAIL ? HFC_ERR_NO_MEMORY : HFC_ERR_INTERNAL;
    OpusDecoder *dec = opus_decoder_create(rate_hz, 1, &err);
    if (dec == NULL || err != OPUS_OK) {
        opus_encoder_destroy(enc);
        return err == OPUS_ALLOC_FAIL ? HFC_ERR_NO_MEMORY : HFC_ERR_INTERNAL;
    }

    int status = configure_encoder(enc, bitrate_bps, bandwidth);
    opus_int32 lookahead = 0;
    if (status == HFC_OK && opus_encoder_ctl(enc, OPUS_GET_LOOKAHEAD(&lookahead)) != OPUS_OK)
        status = HFC_ERR_INTERNAL;

    const int frame = rate_hz / 1000 * HFC_OPUS_FRAME_MS;
    /* Enough whole frames to push the last input sample through the lookahead. */
    int64_t n_frames = (n_samples + lookahead + frame - 1) / frame;
    float *pcm = NULL, *decoded = NULL;
    if (status == HFC_OK) {
        pcm = calloc((size_t)frame, sizeof(*pcm));
        decoded = malloc((size_t)(n_frames * frame) * sizeof(*decoded));
        if (pcm == NULL || decoded == NULL)
            status = HFC_ERR_NO_MEMORY;
    }

    int64_t n_bytes = 0;
    unsigned char packet[MAX_PACKET_BYTES];
    for (int64_t f = 0; status == HFC_OK && f < n_frames; f++) {
        int64_t start = f * frame;
        int64_t n_copy = n_samples - start;
        if (n_copy > frame)
            n_copy = frame;
        if (n_copy < 0)
            n_copy = 0;
        if (n_copy > 0)
            memcpy(pcm, in + start, (size_t)n_copy * sizeof(*pcm));
        memset(pcm + n_copy, 0, (size_t)(frame - n_copy) * sizeof(*pcm));

        opus_int32 n_packet = opus_encode_float(enc, pcm, frame, packet, MAX_PACKET_BYTES);
        if (n_packet < 0) {
            status = HFC_ERR_INTERNAL;
            break;
        }
        n_bytes += n_packet;
        if (info != NULL && n_packet > 0)
            info->last_bandwidth_hz = bandwidth_hz(opus_packet_get_bandwidth(packet));
        const int is_lost = lost != NULL && lost(user);
        if (info != NULL)
            info->n_lost += is_lost;
        int n_decoded = is_lost ? opus_decode_float(dec, NULL, 0, decoded + start, frame, 0)
                                : opus_decode_float(dec, packet, n_packet, decoded + start,
                                                    frame, 0);
        if (n_decoded != frame)
            status = HFC_ERR_INTERNAL;
    }

    if (status == HFC_OK) {
        memcpy(out, decoded + lookahead, (size_t)n_samples * sizeof(*out));
        if (info != NULL) { /* last_bandwidth_hz is set in the loop */
            info->lookahead_samples = (int)lookahead;
            info->n_packets = n_frames;
            info->n_bytes = n_bytes;
            info->mean_bitrate_bps = (double)n_bytes * 8.0 /
                                     ((double)n_frames * HFC_OPUS_FRAME_MS / 1000.0);
        }
    }
    free(pcm);
    free(decoded);
    opus_encoder_destroy(enc);
    opus_decoder_destroy(dec);
    return status;
}
