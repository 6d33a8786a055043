/*
 * codec_stream.h - a whole file through the streaming API in fixed chunks, as a
 * live client would push it: the --chunk-ms mode of encode, decode and roundtrip,
 * so users and tests can compare streaming with offline.
 */
#ifndef HFC_CLI_CODEC_STREAM_H
#define HFC_CLI_CODEC_STREAM_H

#include "hificodec.h"

/* Pushes n_samples in chunks of chunk_samples (>= 1), then flushes. Returns the
 * frames written to tokens (capacity max_frames) or a negative hfc_status. */
int64_t hfc_cli_stream_encode(hfc_encoder *encoder, const hfc_model_info *info, const float *pcm,
                              int64_t n_samples, int64_t chunk_samples, hfc_token *tokens,
                              int64_t max_frames);

/* Pushes n_frames in chunks of chunk_frames (>= 1), then flushes. Returns the
 * samples written to pcm (capacity max_samples) or a negative hfc_status. */
int64_t hfc_cli_stream_decode(hfc_decoder *decoder, const hfc_model_info *info,
                              const hfc_token *tokens, int64_t n_frames, int64_t chunk_frames,
                              float *pcm, int64_t max_samples);

#endif
