#include "stream_codec.h"

#include "error_text.h"

#include <stdio.h>
#include <string.h>

/* Pushes of this many samples or frames keep the buffers of the layers above
 * small and bounded; a live stream pushes far less at a time. */
enum { LOCAL_MAX_PUSH_SAMPLES = 16384, LOCAL_MAX_PUSH_FRAMES = 64 };

/* How long a daemon call may wait: a live stream has long failed by then. */
enum { DAEMON_TIMEOUT_MS = 5000 };

int hfc_stream_codec_open_local(hfc_stream_codec *codec, const hfc_model *model,
                                int lookahead_frames, char *err, size_t err_bytes)
{
    memset(codec, 0, sizeof *codec);
    hfc_encoder_options encoder_options;
    hfc_encoder_options_init(&encoder_options);
    encoder_options.lookahead_frames = lookahead_frames;
    hfc_decoder_options decoder_options;
    hfc_decoder_options_init(&decoder_options);
    decoder_options.lookahead_frames = lookahead_frames;
    int status = HFC_OK;
    codec->encoder = hfc_encoder_create(model, &encoder_options, &status);
    if (codec->encoder != NULL)
        codec->decoder = hfc_decoder_create(model, &decoder_options, &status);
    if (codec->decoder == NULL) {
        hfc_stream_codec_close(codec);
        return hfc_cli_fail(err, err_bytes, "cannot create the codec: %s", hfc_strerror(status));
    }
    hfc_model_info model_info;
    hfc_model_get_info(model, &model_info);
    hfc_stream_codec_info *info = &codec->info;
    info->sample_rate_hz = model_info.sample_rate_hz;
    info->hop_samples = model_info.hop_samples;
    info->n_codebooks = model_info.n_codebooks;
    info->codebook_size = model_info.codebook_size;
    info->causal = model_info.causal;
    info->model_id = model_info.model_id;
    info->encoder_latency_samples = hfc_encoder_latency(codec->encoder);
    info->decoder_latency_samples = hfc_decoder_latency(codec->decoder);
    info->max_push_samples = LOCAL_MAX_PUSH_SAMPLES;
    info->max_push_frames = LOCAL_MAX_PUSH_FRAMES;
    return 0;
}

/* The client reports the daemon's reasons through its log; the newest is kept
 * for the one-line error. */
static void keep_daemon_text(void *user, int level, const char *msg)
{
    hfc_stream_codec *codec = user;
    if (level == HFC_LOG_ERROR)
        snprintf(codec->daemon_text, sizeof codec->daemon_text, "%s", msg);
}

int hfc_stream_codec_open_daemon(hfc_stream_codec *codec, const char *socket_path, char *err,
                                 size_t err_bytes)
{
    memset(codec, 0, sizeof *codec);
    codec->socket_path = socket_path;
    hfc_client_options options;
    hfc_client_options_init(&options);
    options.timeout_ms = DAEMON_TIMEOUT_MS;
    options.name = "hificodec stream";
    options.log = keep_daemon_text;
    options.log_user = codec;
    int status = HFC_OK;
    codec->client = hfc_client_create(socket_path, &options, &status);
    if (codec->client == NULL) {
        hfc_stream_codec_explain(codec, status, err, err_bytes);
        return -1;
    }
    hfc_client_stream_options stream_options;
    hfc_client_stream_options_init(&stream_options);
    stream_options.direction = HFC_CLIENT_DUPLEX;
    stream_options.sample_format = HFC_SAMPLE_F32;
    hfc_client_stream_info stream_info;
    codec->stream = hfc_client_open(codec->client, &stream_options, &stream_info);
    if (codec->stream < 0) {
        hfc_stream_codec_explain(codec, codec->stream, err, err_bytes);
        hfc_stream_codec_close(codec);
        return -1;
    }
    hfc_stream_codec_info *info = &codec->info;
    info->sample_rate_hz = stream_info.model_sample_rate_hz;
    info->hop_samples = stream_info.hop_samples;
    info->n_codebooks = stream_info.n_codebooks;
    info->codebook_size = stream_info.codebook_size;
    info->causal = stream_info.causal;
    info->model_id = stream_info.model_id;
    info->encoder_latency_samples = stream_info.encoder_latency_samples;
    info->decoder_latency_samples = stream_info.decoder_latency_samples;
    info->max_push_samples = stream_info.max_samples_per_push;
    info->max_push_frames = stream_info.max_frames_per_push;
    return 0;
}

int64_t hfc_stream_codec_encode(hfc_stream_codec *codec, const float *pcm, int64_t n_samples,
                                hfc_token *tokens, int64_t max_frames)
{
    if (codec->client != NULL)
        return hfc_client_encode_push(codec->client, codec->stream, pcm, n_samples, tokens,
                                      max_frames);
    return hfc_encoder_push(codec->encoder, pcm, n_samples, tokens, max_frames);
}

int64_t hfc_stream_codec_encode_flush(hfc_stream_codec *codec, hfc_token *tokens,
                                      int64_t max_frames)
{
    if (codec->client != NULL)
        return hfc_client_encode_flush(codec->client, codec->stream, tokens, max_frames);
    return hfc_encoder_flush(codec->encoder, tokens, max_frames);
}

int64_t hfc_stream_codec_decode(hfc_stream_codec *codec, const hfc_token *tokens,
                                int64_t n_frames, float *pcm, int64_t max_samples)
{
    if (codec->client != NULL)
        return hfc_client_decode_push(codec->client, codec->stream, tokens, n_frames, pcm,
                                      max_samples);
    return hfc_decoder_push(codec->decoder, tokens, n_frames, pcm, max_samples);
}

int64_t hfc_stream_codec_decode_flush(hfc_stream_codec *codec, float *pcm, int64_t max_samples)
{
    if (codec->client != NULL)
        return hfc_client_decode_flush(codec->client, codec->stream, pcm, max_samples);
    return hfc_decoder_flush(codec->decoder, pcm, max_samples);
}

void hfc_stream_codec_explain(const hfc_stream_codec *codec, int status, char *err,
                              size_t err_bytes)
{
    if (codec->socket_path == NULL) {
        hfc_cli_fail(err, err_bytes, "%s", hfc_strerror(status));
        return;
    }
    const char *hint = status == HFC_ERR_CLOSED || status == HFC_ERR_IO
                           ? " (is hificodecd running?)"
                           : "";
    if (codec->daemon_text[0] != '\0')
        hfc_cli_fail(err, err_bytes, "%s: %s%s", hfc_strerror(status), codec->daemon_text, hint);
    else
        hfc_cli_fail(err, err_bytes, "%s%s", hfc_strerror(status), hint);
}

void hfc_stream_codec_name(const hfc_stream_codec *codec, char *out, size_t out_bytes)
{
    if (codec->socket_path != NULL)
        snprintf(out, out_bytes, "daemon %s", codec->socket_path);
    else
        snprintf(out, out_bytes, "codec");
}

void hfc_stream_codec_close(hfc_stream_codec *codec)
{
    if (codec->client != NULL)
        hfc_client_destroy(codec->client); /* the daemon discards the stream */
    hfc_encoder_destroy(codec->encoder);
    hfc_decoder_destroy(codec->decoder);
    codec->client = NULL;
    codec->encoder = NULL;
    codec->decoder = NULL;
}
