#include "codec_stream.h"

#include <stdlib.h>
#include <string.h>

/* Appends n items of item_bytes from src to dst[*count], within capacity. */
static int append(void *dst, int64_t *count, int64_t capacity, const void *src, int64_t n,
                  size_t item_bytes)
{
    if (n > capacity - *count)
        return HFC_ERR_BUFFER_TOO_SMALL;
    memcpy((char *)dst + (size_t)*count * item_bytes, src, (size_t)n * item_bytes);
    *count += n;
    return HFC_OK;
}

int64_t hfc_cli_stream_encode(hfc_encoder *encoder, const hfc_model_info *info, const float *pcm,
                              int64_t n_samples, int64_t chunk_samples, hfc_token *tokens,
                              int64_t max_frames)
{
    const int hop = info->hop_samples, nc = info->n_codebooks;
    const size_t frame_bytes = (size_t)nc * sizeof *tokens;
    int64_t push_frames = chunk_samples / hop + 1;
    int64_t flush_frames = hfc_encoder_latency(encoder) / hop + 2;
    int64_t scratch_frames = push_frames > flush_frames ? push_frames : flush_frames;
    hfc_token *scratch = malloc((size_t)scratch_frames * frame_bytes);
    if (!scratch)
        return HFC_ERR_NO_MEMORY;
    int64_t frames = 0, got = 0;
    for (int64_t pos = 0; pos < n_samples && got >= 0; pos += chunk_samples) {
        int64_t chunk = n_samples - pos < chunk_samples ? n_samples - pos : chunk_samples;
        got = hfc_encoder_push(encoder, pcm + pos, chunk, scratch, push_frames);
        if (got > 0)
            got = append(tokens, &frames, max_frames, scratch, got, frame_bytes) == HFC_OK
                      ? got
                      : HFC_ERR_BUFFER_TOO_SMALL;
    }
    if (got >= 0) {
        got = hfc_encoder_flush(encoder, scratch, flush_frames);
        if (got > 0 && append(tokens, &frames, max_frames, scratch, got, frame_bytes) != HFC_OK)
            got = HFC_ERR_BUFFER_TOO_SMALL;
    }
    free(scratch);
    return got < 0 ? got : frames;
}

int64_t hfc_cli_stream_decode(hfc_decoder *decoder, const hfc_model_info *info,
                              const hfc_token *tokens, int64_t n_frames, int64_t chunk_frames,
                              float *pcm, int64_t max_samples)
{
    const int hop = info->hop_samples, nc = info->n_codebooks;
    int64_t scratch_samples = chunk_frames * hop + hfc_decoder_latency(decoder) + hop;
    float *scratch = malloc((size_t)scratch_samples * sizeof *scratch);
    if (!scratch)
        return HFC_ERR_NO_MEMORY;
    int64_t samples = 0, got = 0;
    for (int64_t f = 0; f < n_frames && got >= 0; f += chunk_frames) {
        int64_t chunk = n_frames - f < chunk_frames ? n_frames - f : chunk_frames;
        got = hfc_decoder_push(decoder, tokens + f * nc, chunk, scratch, chunk * hop);
        if (got > 0 && append(pcm, &samples, max_samples, scratch, got, sizeof *pcm) != HFC_OK)
            got = HFC_ERR_BUFFER_TOO_SMALL;
    }
    if (got >= 0) {
        got = hfc_decoder_flush(decoder, scratch, scratch_samples);
        if (got > 0 && append(pcm, &samples, max_samples, scratch, got, sizeof *pcm) != HFC_OK)
            got = HFC_ERR_BUFFER_TOO_SMALL;
    }
    free(scratch);
    return got < 0 ? got : samples;
}
