#include "codec_chunked.h"

#include "audio_output.h"
#include "audio_source.h"
#include "file_io.h"
#include "progress.h"
#include "stream_hfc_reader.h"
#include "token_file.h"
#include "token_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Samples per encoder push and frames per decoder push: big enough that the
 * per-call overhead vanishes, small enough to stay in cache. */
enum { PUSH_SAMPLES = 16384, PUSH_FRAMES = 64 };

int hfc_cli_chunked_applies(const hfc_cli_codec *codec, const hfc_cli_common *common)
{
    return codec->model != NULL && codec->info.causal && common->chunk_ms <= 0 && !common->whole;
}

static void report_speed(const char *what, int64_t n_frames, int64_t n_samples, int rate_hz,
                         double seconds)
{
    double audio_seconds = (double)n_samples / rate_hz;
    fprintf(stderr, "hificodec: %s: %lld frames, %.2f s of audio in %.3f s (%.1fx realtime)\n",
            what, (long long)n_frames, audio_seconds, seconds,
            seconds > 0 ? audio_seconds / seconds : 0.0);
}

static void too_short(const hfc_model_info *info, int64_t n_samples)
{
    hfc_cli_print_error("encode",
                        "input is too short: %lld samples (%.1f ms) at %d Hz, one frame needs %d",
                        (long long)n_samples, 1000.0 * (double)n_samples / info->sample_rate_hz,
                        info->sample_rate_hz, info->hop_samples);
}

/* The streaming codec of one run: encoder and/or decoder with their scratch. */
typedef struct chunk_codec {
    hfc_encoder *encoder;
    hfc_decoder *decoder;
    hfc_token *tokens;
    int64_t token_capacity;     /* frames */
    float *pcm;
    int64_t pcm_capacity;       /* samples */
} chunk_codec;

static void chunk_codec_free(chunk_codec *c)
{
    hfc_encoder_destroy(c->encoder);
    hfc_decoder_destroy(c->decoder);
    free(c->tokens);
    free(c->pcm);
    memset(c, 0, sizeof *c);
}

static int chunk_codec_create(chunk_codec *c, const hfc_cli_codec *codec,
                              const hfc_cli_common *common, int want_encoder, int want_decoder)
{
    memset(c, 0, sizeof *c);
    const hfc_model_info *info = &codec->info;
    int status = HFC_OK;
    const int hop = info->hop_samples;
    c->token_capacity = PUSH_SAMPLES / hop + PUSH_FRAMES + 4;
    if (want_encoder) {
        hfc_encoder_options options;
        hfc_encoder_options_init(&options);
        options.n_threads = common->n_threads;
        options.lookahead_frames = common->lookahead_frames;
        c->encoder = hfc_encoder_create(codec->model, &options, &status);
        if (c->encoder != NULL)
            c->token_capacity += hfc_encoder_latency(c->encoder) / hop + 2;
    }
    if (status == HFC_OK && want_decoder) {
        hfc_decoder_options options;
        hfc_decoder_options_init(&options);
        options.n_threads = common->n_threads;
        options.lookahead_frames = common->lookahead_frames;
        c->decoder = hfc_decoder_create(codec->model, &options, &status);
        if (c->decoder != NULL)
            c->pcm_capacity =
                (c->token_capacity + PUSH_FRAMES) * hop + hfc_decoder_latency(c->decoder) + hop;
    }
    if (status == HFC_OK) {
        c->tokens = malloc((size_t)c->token_capacity * (size_t)info->n_codebooks *
                           sizeof *c->tokens);
        c->pcm = c->pcm_capacity > 0 ? malloc((size_t)c->pcm_capacity * sizeof *c->pcm) : NULL;
        if (c->tokens == NULL || (c->pcm_capacity > 0 && c->pcm == NULL))
            status = HFC_ERR_NO_MEMORY;
    }
    if (status != HFC_OK) {
        hfc_cli_print_error(want_encoder ? "encode" : "decode", "%s", hfc_strerror(status));
        chunk_codec_free(c);
        return -1;
    }
    return 0;
}

/* ---- encode -------------------------------------------------------------- */

typedef struct encode_run {
    const hfc_cli_codec *codec;
    const hfc_cli_common *common;
    hfc_cli_audio_source *source;
    chunk_codec cc;
    hfc_cli_progress progress;
    int64_t n_samples, n_frames;
    int failed_input;           /* the source failed: its message names the input */
    char err[HFC_CLI_ERROR_BYTES];
} encode_run;

/* Pulls the source through the encoder; each batch of tokens goes to sink(user).
 * Returns 0, or -1 with err set (failed_input says whose it is) or a printed
 * library error (err empty). */
typedef int (*token_sink_fn)(void *user, const hfc_token *tokens, int64_t n_frames, char *err,
                             size_t err_bytes);

static int encode_all(encode_run *run, token_sink_fn sink, void *user)
{
    const double rate = run->codec->info.sample_rate_hz;
    for (;;) {
        const float *samples;
        int64_t n = hfc_cli_audio_source_read(run->source, &samples, run->err, sizeof run->err);
        if (n < 0) {
            run->failed_input = 1;
            return -1;
        }
        if (n == 0)
            break;
        for (int64_t at = 0; at < n; at += PUSH_SAMPLES) {
            int64_t piece = n - at < PUSH_SAMPLES ? n - at : PUSH_SAMPLES;
            int64_t got = hfc_encoder_push(run->cc.encoder, samples + at, piece, run->cc.tokens,
                                           run->cc.token_capacity);
            if (got < 0) {
                snprintf(run->err, sizeof run->err, "%s", hfc_strerror((int)got));
                return -1;
            }
            if (got > 0 && sink(user, run->cc.tokens, got, run->err, sizeof run->err) != 0)
                return -1;
            run->n_frames += got;
        }
        run->n_samples += n;
        hfc_cli_progress_update(&run->progress, (double)run->n_samples / rate);
    }
    int64_t got = hfc_encoder_flush(run->cc.encoder, run->cc.tokens, run->cc.token_capacity);
    if (got < 0) {
        snprintf(run->err, sizeof run->err, "%s", hfc_strerror((int)got));
        return -1;
    }
    if (got > 0 && sink(user, run->cc.tokens, got, run->err, sizeof run->err) != 0)
        return -1;
    run->n_frames += got;
    return 0;
}

static int write_tokens(void *user, const hfc_token *tokens, int64_t n_frames, char *err,
                        size_t err_bytes)
{
    return hfc_cli_token_output_write(user, tokens, n_frames, err, err_bytes);
}

/* Opens the source and the encoder; *expected_frames from the input's stated
 * length, or -1. Returns 0, or -1 after printing why. */
static int encode_begin(encode_run *run, const hfc_cli_codec *codec, const hfc_cli_common *common,
                        const char *in_path, int want_decoder, int64_t *expected_frames)
{
    memset(run, 0, sizeof *run);
    run->codec = codec;
    run->common = common;
    run->source = hfc_cli_audio_source_open(in_path, codec->info.sample_rate_hz, run->err,
                                            sizeof run->err);
    if (run->source == NULL) {
        hfc_cli_print_error(hfc_cli_input_name(in_path), "%s", run->err);
        return -1;
    }
    int64_t expected = hfc_cli_audio_source_expected(run->source);
    *expected_frames = expected >= 0 ? hfc_model_frames_for_samples(codec->model, expected) : -1;
    if (*expected_frames == 0) {
        too_short(&codec->info, expected);
        hfc_cli_audio_source_close(run->source);
        return -1;
    }
    if (chunk_codec_create(&run->cc, codec, common, 1, want_decoder) != 0) {
        hfc_cli_audio_source_close(run->source);
        return -1;
    }
    return 0;
}

static void encode_end(encode_run *run)
{
    hfc_cli_progress_end(&run->progress);
    chunk_codec_free(&run->cc);
    hfc_cli_audio_source_close(run->source);
}

/* The one line for a failed run. */
static void print_run_error(const encode_run *run, const char *in_path, const char *out_path)
{
    if (run->n_frames == 0 && !run->failed_input && run->err[0] == '\0')
        return;
    hfc_cli_print_error(run->failed_input ? hfc_cli_input_name(in_path)
                                          : hfc_cli_output_name(out_path),
                        "%s", run->err);
}

/* How a run's output is completed (0, or -1 with run->err set and nothing left at
 * its path) or abandoned: the one thing encode and roundtrip end differently. */
typedef struct run_output {
    void *out;
    int (*finish)(void *out, encode_run *run);
    void (*abort)(void *out);
} run_output;

/* The end of an encode or roundtrip after encode_all gave result: the output
 * completed or removed, one line for a failure. Returns 0 or -1. */
static int encode_run_complete(encode_run *run, int result, const run_output *output,
                               const char *in_path, const char *out_path)
{
    if (result == 0 && run->n_frames == 0) {
        hfc_cli_progress_end(&run->progress);
        too_short(&run->codec->info, run->n_samples);
        output->abort(output->out);
        return -1;
    }
    if (result == 0)
        result = output->finish(output->out, run);
    else
        output->abort(output->out);
    hfc_cli_progress_end(&run->progress);
    if (result != 0)
        print_run_error(run, in_path, out_path);
    return result;
}

static int finish_tokens(void *out, encode_run *run)
{
    return hfc_cli_token_output_finish(out, run->err, sizeof run->err);
}

static void abort_tokens(void *out)
{
    hfc_cli_token_output_abort(out);
}

int hfc_cli_chunked_encode(const hfc_cli_codec *codec, const hfc_cli_common *common,
                           const char *in_path, const char *out_path, int format)
{
    encode_run run;
    int64_t expected_frames;
    if (encode_begin(&run, codec, common, in_path, 0, &expected_frames) != 0)
        return HFC_CLI_EXIT_FAILURE;
    hfc_token_header header;
    hfc_cli_header_for_codec(codec, &header);
    hfc_cli_token_output out;
    if (hfc_cli_token_output_open(&out, out_path, format, &header, expected_frames, run.err,
                                  sizeof run.err) != 0) {
        hfc_cli_print_error(hfc_cli_output_name(out_path), "%s", run.err);
        encode_end(&run);
        return HFC_CLI_EXIT_FAILURE;
    }
    hfc_cli_progress_start(&run.progress, "encode",
                           hfc_cli_audio_source_seconds(run.source), common->quiet);
    double start = hfc_cli_seconds_now();
    const run_output output = {&out, finish_tokens, abort_tokens};
    int result = encode_run_complete(&run, encode_all(&run, write_tokens, &out), &output,
                                     in_path, out_path);
    if (result == 0 && common->verbose)
        report_speed("encode", run.n_frames, run.n_samples, codec->info.sample_rate_hz,
                     hfc_cli_seconds_now() - start);
    encode_end(&run);
    return result == 0 ? HFC_CLI_EXIT_OK : HFC_CLI_EXIT_FAILURE;
}

/* ---- roundtrip ----------------------------------------------------------- */

typedef struct roundtrip_sink {
    chunk_codec *cc;
    hfc_cli_audio_output *out;
    int64_t n_out;
} roundtrip_sink;

static int decode_tokens_to(chunk_codec *cc, hfc_cli_audio_output *out, const hfc_token *tokens,
                            int64_t n_frames, int n_codebooks, char *err, size_t err_bytes)
{
    for (int64_t f = 0; f < n_frames; f += PUSH_FRAMES) {
        int64_t piece = n_frames - f < PUSH_FRAMES ? n_frames - f : PUSH_FRAMES;
        int64_t got = hfc_decoder_push(cc->decoder, tokens + f * n_codebooks, piece, cc->pcm,
                                       cc->pcm_capacity);
        if (got < 0) {
            snprintf(err, err_bytes, "%s", hfc_strerror((int)got));
            return -1;
        }
        if (got > 0 && hfc_cli_audio_output_write(out, cc->pcm, got, err, err_bytes) != 0)
            return -1;
    }
    return 0;
}

static int decode_flush_to(chunk_codec *cc, hfc_cli_audio_output *out, char *err,
                           size_t err_bytes)
{
    int64_t got = hfc_decoder_flush(cc->decoder, cc->pcm, cc->pcm_capacity);
    if (got < 0) {
        snprintf(err, err_bytes, "%s", hfc_strerror((int)got));
        return -1;
    }
    return got > 0 ? hfc_cli_audio_output_write(out, cc->pcm, got, err, err_bytes) : 0;
}

typedef struct roundtrip_ctx {
    encode_run *run;
    hfc_cli_audio_output *out;
} roundtrip_ctx;

static int roundtrip_tokens(void *user, const hfc_token *tokens, int64_t n_frames, char *err,
                            size_t err_bytes)
{
    roundtrip_ctx *ctx = user;
    const hfc_model_info *info = &ctx->run->codec->info;
    return decode_tokens_to(&ctx->run->cc, ctx->out, tokens, n_frames, info->n_codebooks, err,
                            err_bytes);
}

/* The decoder's held-back samples, then the file. */
static int finish_audio(void *out, encode_run *run)
{
    if (decode_flush_to(&run->cc, out, run->err, sizeof run->err) != 0) {
        hfc_cli_audio_output_abort(out);
        return -1;
    }
    return hfc_cli_audio_output_finish(out, run->err, sizeof run->err);
}

static void abort_audio(void *out)
{
    hfc_cli_audio_output_abort(out);
}

int hfc_cli_chunked_roundtrip(const hfc_cli_codec *codec, const hfc_cli_common *common,
                              const char *in_path, const char *out_path, int as_float)
{
    encode_run run;
    int64_t expected_frames;
    if (encode_begin(&run, codec, common, in_path, 1, &expected_frames) != 0)
        return HFC_CLI_EXIT_FAILURE;
    hfc_cli_audio_output out;
    const int hop = codec->info.hop_samples;
    if (hfc_cli_audio_output_open(&out, out_path, codec->info.sample_rate_hz, as_float,
                                  expected_frames >= 0 ? expected_frames * hop : -1, run.err,
                                  sizeof run.err) != 0) {
        hfc_cli_print_error(hfc_cli_output_name(out_path), "%s", run.err);
        encode_end(&run);
        return HFC_CLI_EXIT_FAILURE;
    }
    hfc_cli_progress_start(&run.progress, "roundtrip",
                           hfc_cli_audio_source_seconds(run.source), common->quiet);
    double start = hfc_cli_seconds_now();
    roundtrip_ctx ctx = {&run, &out};
    const run_output output = {&out, finish_audio, abort_audio};
    int result = encode_run_complete(&run, encode_all(&run, roundtrip_tokens, &ctx), &output,
                                     in_path, out_path);
    if (result == 0 && common->verbose) {
        /* One pass does both halves; each line reports the whole run's time. */
        double seconds = hfc_cli_seconds_now() - start;
        report_speed("encode", run.n_frames, run.n_samples, codec->info.sample_rate_hz, seconds);
        report_speed("decode", run.n_frames, run.n_frames * hop, codec->info.sample_rate_hz,
                     seconds);
    }
    encode_end(&run);
    return result == 0 ? HFC_CLI_EXIT_OK : HFC_CLI_EXIT_FAILURE;
}

/* ---- decode -------------------------------------------------------------- */

/* Whether path starts with the .hfc magic. For a pipe, the bytes looked at go into
 * the reader's buffer, so nothing is lost. */
static int open_hfc_if_hfc(hfc_hfc_reader *reader, const char *path, int *is_hfc, char *err,
                           size_t err_bytes)
{
    *is_hfc = 0;
    if (hfc_hfc_reader_open(reader, path, err, err_bytes) != 0)
        return -1;
    size_t n = 0;
    while (n < 4) {
        ssize_t got = read(reader->fd, reader->buffer + n, 4 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    reader->n_buffered = n;
    *is_hfc = n == 4 && memcmp(reader->buffer, "HFCT", 4) == 0;
    return 0;
}

/* The rest of a token file that is not .hfc, after the bytes the reader took. */
static int load_rest(hfc_hfc_reader *reader, int codebook_size, hfc_cli_tokens *tokens,
                     char *err, size_t err_bytes)
{
    memset(tokens, 0, sizeof *tokens);
    size_t capacity = 1 << 16, n = reader->n_buffered;
    uint8_t *data = malloc(capacity);
    if (data == NULL)
        return hfc_cli_fail(err, err_bytes, "out of memory");
    memcpy(data, reader->buffer, n);
    for (;;) {
        if (n == capacity) {
            uint8_t *grown = realloc(data, capacity * 2);
            if (grown == NULL) {
                free(data);
                return hfc_cli_fail(err, err_bytes, "out of memory reading the file");
            }
            data = grown;
            capacity *= 2;
        }
        ssize_t got = read(reader->fd, data + n, capacity - n);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    hfc_cli_error_sink sink = {err, err_bytes};
    hfc_token_file_options options;
    hfc_cli_token_options(&options, &sink);
    options.codebook_size = codebook_size;
    int64_t n_frames = n == 0 ? -1
                              : hfc_tokens_load_memory(data, n, &options, &tokens->header,
                                                       &tokens->tokens);
    free(data);
    if (n == 0)
        return hfc_cli_fail(err, err_bytes, "empty file");
    if (n_frames < 0)
        return -1;
    tokens->n_frames = n_frames;
    return 0;
}

int hfc_cli_chunked_decode(const hfc_cli_codec *codec, const hfc_cli_common *common,
                           const char *in_path, const char *out_path, int as_float, int force)
{
    const hfc_model_info *info = &codec->info;
    const char *in_name = hfc_cli_input_name(in_path);
    char err[HFC_CLI_ERROR_BYTES] = "";
    hfc_hfc_reader reader;
    int is_hfc = 0;
    hfc_cli_tokens whole;
    memset(&whole, 0, sizeof whole);
    /* A token file is small (0.4 KB a second): read whole, with the library's
     * checks, unless it is a .hfc coming down a pipe, which may never end. */
    struct stat st;
    const int from_pipe = hfc_cli_is_stdio(in_path) &&
                          !(fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode));
    memset(&reader, 0, sizeof reader);
    reader.fd = -1;
    int opened = from_pipe ? open_hfc_if_hfc(&reader, in_path, &is_hfc, err, sizeof err)
                           : hfc_cli_tokens_read(in_path, info->codebook_size, &whole, err,
                                                 sizeof err);
    if (opened != 0) {
        hfc_cli_print_error(in_name, "%s", err);
        return HFC_CLI_EXIT_FAILURE;
    }
    int result = 0;
    const hfc_token_header *header = &reader.header;
    if (is_hfc) {
        int got;
        while ((got = hfc_hfc_reader_header(&reader, err, sizeof err)) == HFC_HFC_READ_AGAIN)
            ;
        result = got == 0 ? 0 : -1;
    } else if (from_pipe) {
        result = load_rest(&reader, info->codebook_size, &whole, err, sizeof err);
        header = &whole.header;
    } else {
        header = &whole.header;
    }
    if (result != 0) {
        hfc_cli_print_error(in_name, "%s", err);
        hfc_hfc_reader_close(&reader);
        return HFC_CLI_EXIT_FAILURE;
    }
    if (hfc_cli_check_tokens_fit(header, info, in_name, common, force,
                                 "--force decodes it anyway") != 0) {
        hfc_hfc_reader_close(&reader);
        hfc_cli_tokens_free(&whole);
        return HFC_CLI_EXIT_FAILURE;
    }
    const int hop = info->hop_samples, nc = info->n_codebooks;
    const int64_t n_frames_known = is_hfc ? header->n_frames : whole.n_frames;
    chunk_codec cc;
    if (chunk_codec_create(&cc, codec, common, 0, 1) != 0) {
        hfc_hfc_reader_close(&reader);
        hfc_cli_tokens_free(&whole);
        return HFC_CLI_EXIT_FAILURE;
    }
    hfc_cli_audio_output out;
    if (hfc_cli_audio_output_open(&out, out_path, info->sample_rate_hz, as_float,
                                  n_frames_known >= 0 ? n_frames_known * hop : -1, err,
                                  sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_output_name(out_path), "%s", err);
        chunk_codec_free(&cc);
        hfc_hfc_reader_close(&reader);
        hfc_cli_tokens_free(&whole);
        return HFC_CLI_EXIT_FAILURE;
    }
    hfc_cli_progress progress;
    hfc_cli_progress_start(&progress, "decode",
                           n_frames_known >= 0 ? (double)n_frames_known * hop /
                                                     info->sample_rate_hz
                                               : -1,
                           common->quiet);
    double start = hfc_cli_seconds_now();
    int input_failed = 0;
    int64_t n_frames = 0;
    if (is_hfc) {
        for (;;) {
            int64_t got = hfc_hfc_reader_read(&reader, cc.tokens, PUSH_FRAMES, err, sizeof err);
            if (got == HFC_HFC_READ_AGAIN)
                continue;
            if (got == HFC_HFC_READ_END)
                break;
            if (got < 0) {
                result = -1;
                input_failed = 1;
                break;
            }
            if (decode_tokens_to(&cc, &out, cc.tokens, got, nc, err, sizeof err) != 0) {
                result = -1;
                break;
            }
            n_frames += got;
            hfc_cli_progress_update(&progress, (double)n_frames * hop / info->sample_rate_hz);
        }
    } else {
        for (int64_t f = 0; f < whole.n_frames && result == 0; f += PUSH_FRAMES) {
            int64_t piece = whole.n_frames - f < PUSH_FRAMES ? whole.n_frames - f : PUSH_FRAMES;
            result = decode_tokens_to(&cc, &out, whole.tokens + f * nc, piece, nc, err, sizeof err);
            n_frames += piece;
            hfc_cli_progress_update(&progress, (double)n_frames * hop / info->sample_rate_hz);
        }
    }
    if (result == 0 && n_frames == 0) {
        result = -1;
        input_failed = 1;
        snprintf(err, sizeof err, "no frames");
    }
    if (result == 0)
        result = decode_flush_to(&cc, &out, err, sizeof err);
    if (result == 0)
        result = hfc_cli_audio_output_finish(&out, err, sizeof err);
    else
        hfc_cli_audio_output_abort(&out);
    hfc_cli_progress_end(&progress);
    if (result != 0)
        hfc_cli_print_error(input_failed ? in_name : hfc_cli_output_name(out_path), "%s", err);
    else if (common->verbose)
        report_speed("decode", n_frames, n_frames * hop, info->sample_rate_hz,
                     hfc_cli_seconds_now() - start);
    chunk_codec_free(&cc);
    hfc_hfc_reader_close(&reader);
    hfc_cli_tokens_free(&whole);
    return result == 0 ? HFC_CLI_EXIT_OK : HFC_CLI_EXIT_FAILURE;
}
