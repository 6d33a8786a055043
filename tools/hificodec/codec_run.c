#include "codec_run.h"
#include "codec_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report_speed(const char *what, int64_t n_frames, int64_t n_samples, int rate_hz,
                         double seconds)
{
    double audio_seconds = (double)n_samples / rate_hz;
    fprintf(stderr, "hificodec: %s: %lld frames, %.2f s of audio in %.3f s (%.1fx realtime)\n",
            what, (long long)n_frames, audio_seconds, seconds,
            seconds > 0 ? audio_seconds / seconds : 0.0);
}

/* --daemon is wired once the client library lands; until then it must not be
 * silently ignored. */
static int refuse_daemon(const hfc_cli_common *common, const char *what)
{
    if (common->daemon_socket == NULL)
        return 0;
    hfc_cli_print_error(what, "--daemon is not supported by this build");
    return -1;
}

int hfc_cli_run_encode(const hfc_model *model, const hfc_cli_common *common,
                       const hfc_cli_audio *audio, hfc_token **tokens, int64_t *n_frames)
{
    *tokens = NULL;
    if (refuse_daemon(common, "encode") != 0)
        return -1;
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    int64_t frames = hfc_model_frames_for_samples(model, audio->n_samples);
    if (frames <= 0) {
        hfc_cli_print_error("encode",
                            "input is too short: %lld samples (%.1f ms) at %d Hz, one frame "
                            "needs %d",
                            (long long)audio->n_samples,
                            1000.0 * (double)audio->n_samples / info.sample_rate_hz,
                            info.sample_rate_hz, info.hop_samples);
        return -1;
    }
    hfc_encoder_options options;
    hfc_encoder_options_init(&options);
    options.n_threads = common->n_threads;
    options.lookahead_frames = common->lookahead_frames;
    int status = HFC_OK;
    hfc_encoder *encoder = hfc_encoder_create(model, &options, &status);
    if (encoder == NULL) {
        hfc_cli_print_error("encode", "cannot create the encoder: %s", hfc_strerror(status));
        return -1;
    }
    hfc_token *out = malloc((size_t)frames * (size_t)info.n_codebooks * sizeof *out);
    if (out == NULL) {
        hfc_encoder_destroy(encoder);
        hfc_cli_print_error("encode", "out of memory for %lld frames", (long long)frames);
        return -1;
    }
    double start = hfc_cli_seconds_now();
    int64_t n_done =
        common->chunk_ms > 0
            ? hfc_cli_stream_encode(encoder, &info, audio->samples, audio->n_samples,
                                    (int64_t)common->chunk_ms * info.sample_rate_hz / 1000, out,
                                    frames)
            : hfc_encoder_encode(encoder, audio->samples, audio->n_samples, out, frames);
    double seconds = hfc_cli_seconds_now() - start;
    hfc_encoder_destroy(encoder);
    if (n_done < 0) {
        free(out);
        hfc_cli_print_error("encode", "%s", hfc_strerror((int)n_done));
        return -1;
    }
    if (common->verbose)
        report_speed("encode", n_done, audio->n_samples, info.sample_rate_hz, seconds);
    *tokens = out;
    *n_frames = n_done;
    return 0;
}

int hfc_cli_run_decode(const hfc_model *model, const hfc_cli_common *common,
                       const hfc_token *tokens, int64_t n_frames, float **pcm, int64_t *n_samples)
{
    *pcm = NULL;
    if (refuse_daemon(common, "decode") != 0)
        return -1;
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    int64_t capacity = hfc_model_samples_for_frames(model, n_frames);
    hfc_decoder_options options;
    hfc_decoder_options_init(&options);
    options.n_threads = common->n_threads;
    options.lookahead_frames = common->lookahead_frames;
    int status = HFC_OK;
    hfc_decoder *decoder = hfc_decoder_create(model, &options, &status);
    if (decoder == NULL) {
        hfc_cli_print_error("decode", "cannot create the decoder: %s", hfc_strerror(status));
        return -1;
    }
    float *out = capacity > 0 ? malloc((size_t)capacity * sizeof *out) : NULL;
    if (out == NULL) {
        hfc_decoder_destroy(decoder);
        hfc_cli_print_error("decode", "out of memory for %lld frames", (long long)n_frames);
        return -1;
    }
    double start = hfc_cli_seconds_now();
    int64_t chunk_frames = (int64_t)common->chunk_ms * info.sample_rate_hz / 1000 / info.hop_samples;
    int64_t n_done = common->chunk_ms > 0
                         ? hfc_cli_stream_decode(decoder, &info, tokens, n_frames,
                                                 chunk_frames > 0 ? chunk_frames : 1, out, capacity)
                         : hfc_decoder_decode(decoder, tokens, n_frames, out, capacity);
    double seconds = hfc_cli_seconds_now() - start;
    hfc_decoder_destroy(decoder);
    if (n_done < 0) {
        free(out);
        hfc_cli_print_error("decode", "%s", hfc_strerror((int)n_done));
        return -1;
    }
    if (common->verbose)
        report_speed("decode", n_frames, n_done, info.sample_rate_hz, seconds);
    *pcm = out;
    *n_samples = n_done;
    return 0;
}

void hfc_cli_header_for_model(const hfc_model *model, hfc_tokens_hfc_header *header)
{
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    header->model_id = info.model_id;
    header->sample_rate_hz = info.sample_rate_hz;
    header->hop_samples = info.hop_samples;
    header->codebook_size = info.codebook_size;
    header->n_codebooks = info.n_codebooks;
    header->bits_per_token = hfc_tokens_hfc_bits_for(info.codebook_size);
    header->n_frames = HFC_TOKENS_HFC_UNKNOWN_FRAMES;
}
