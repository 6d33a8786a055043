/*
 * stream_codec.h - the codec a live stream runs: in-process (hfc_encoder /
 * hfc_decoder over a loaded model) or in the hificodecd daemon (one duplex
 * hfc_client stream at the model's rate, float samples). Both give the same
 * tokens and samples for the same pushes, so everything above this file is the
 * same for --local and --daemon.
 *
 * Used by one thread at a time. The local calls are real-time safe; the daemon
 * calls do socket I/O and wait up to a few seconds for an answer.
 */
#ifndef HFC_CLI_STREAM_CODEC_H
#define HFC_CLI_STREAM_CODEC_H

#include "hificodec.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_stream_codec_info {
    int sample_rate_hz;
    int hop_samples;
    int n_codebooks;
    int codebook_size;
    int causal;
    uint64_t model_id;
    int encoder_latency_samples;    /* hfc_encoder_latency: frame plus look-ahead */
    int decoder_latency_samples;
    int max_push_samples;           /* most samples one encode call takes */
    int max_push_frames;            /* most frames one decode call takes */
} hfc_stream_codec_info;

typedef struct hfc_stream_codec {
    hfc_encoder *encoder;           /* local */
    hfc_decoder *decoder;
    hfc_client *client;             /* daemon */
    int stream;
    const char *socket_path;        /* borrowed from the command line */
    char daemon_text[256];          /* the daemon's last error text */
    hfc_stream_codec_info info;
} hfc_stream_codec;

/* In-process over model (borrowed; must outlive the codec), with the streaming
 * look-ahead for non-causal models (-1: all they need). */
int hfc_stream_codec_open_local(hfc_stream_codec *codec, const hfc_model *model,
                                int lookahead_frames, char *err, size_t err_bytes);

/* Through the daemon listening on socket_path (borrowed; must outlive the codec). */
int hfc_stream_codec_open_daemon(hfc_stream_codec *codec, const char *socket_path, char *err,
                                 size_t err_bytes);

/* As hfc_encoder_push / _flush and hfc_decoder_push / _flush: counts or a
 * negative hfc_status. encode takes at most max_push_samples, decode at most
 * max_push_frames. */
int64_t hfc_stream_codec_encode(hfc_stream_codec *codec, const float *pcm, int64_t n_samples,
                                hfc_token *tokens, int64_t max_frames);
int64_t hfc_stream_codec_encode_flush(hfc_stream_codec *codec, hfc_token *tokens,
                                      int64_t max_frames);
int64_t hfc_stream_codec_decode(hfc_stream_codec *codec, const hfc_token *tokens,
                                int64_t n_frames, float *pcm, int64_t max_samples);
int64_t hfc_stream_codec_decode_flush(hfc_stream_codec *codec, float *pcm, int64_t max_samples);

/* One line for a status the calls above returned: what failed and why, with the
 * daemon's own words when it gave some. */
void hfc_stream_codec_explain(const hfc_stream_codec *codec, int status, char *err,
                              size_t err_bytes);

/* What the messages call the codec: "codec" or "daemon SOCKET". */
void hfc_stream_codec_name(const hfc_stream_codec *codec, char *out, size_t out_bytes);

void hfc_stream_codec_close(hfc_stream_codec *codec);

#endif
