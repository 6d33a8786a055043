#include "corpus_job.h"

#include "audio_source.h"

#include "audio_io.h"
#include "error_text.h"
#include "token_file.h"

#include <errno.h>
#include <glob.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static void fail(hfc_corpus_result *result, const char *what, const char *why)
{
    result->outcome = HFC_CORPUS_FAILED;
    /* The path first, cut short if need be, so the reason always fits. */
    snprintf(result->error, sizeof result->error, "%.200s%s%.300s", what, what[0] ? ": " : "", why);
}

/* Creates the folders above path, like mkdir -p; concurrent jobs may race to
 * create the same folder, which is fine. Returns 0, or -1 with errno set. */
static int make_parents(const char *path)
{
    char buffer[4096];
    if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *slash = strchr(buffer + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(buffer, 0777) != 0 && errno != EEXIST)
            return -1;
        *slash = '/';
    }
    return 0;
}

/* A killed run leaves its ".NAME.part-*" file behind; the next run that writes
 * NAME removes it (shards never share outputs, so it is no other run's). */
static void remove_stale_parts(const char *output)
{
    const char *slash = strrchr(output, '/');
    int dir_chars = slash ? (int)(slash - output + 1) : 0;
    char pattern[4096];
    if (snprintf(pattern, sizeof pattern, "%.*s.%s.part-*", dir_chars, output,
                 output + dir_chars) >= (int)sizeof pattern)
        return;
    glob_t found;
    if (glob(pattern, GLOB_NOSORT, NULL, &found) == 0) {
        for (size_t i = 0; i < found.gl_pathc; i++)
            unlink(found.gl_pathv[i]);
    }
    globfree(&found);
}

/* Tokens already at output, complete and made for this model. */
static int tokens_complete(const char *output, const hfc_model *model)
{
    if (access(output, F_OK) != 0)
        return 0;
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    hfc_token_file_options options;
    hfc_token_file_options_init(&options);
    options.codebook_size = info.codebook_size;
    hfc_token_header header;
    hfc_token *tokens;
    int complete = hfc_tokens_load_file(output, &options, &header, &tokens) > 0 &&
                   hfc_token_header_check(&header, &info, 0, NULL) == HFC_OK;
    hfc_tokens_free(tokens);
    return complete;
}

/* A causal model's file through the streaming encoder, read a piece at a time
 * (audio_source.h): the audio is never held whole, only the tokens (0.4 KB a second
 * of the default model), and they are hfc_encoder_encode's. Returns the frames in
 * the malloc'd *tokens (also 0: too short), or -1 with one line in err. */
static int64_t encode_streaming(hfc_encoder *encoder, const hfc_model_info *info,
                                const char *source, hfc_token **tokens, int64_t *n_samples,
                                char *err, size_t err_bytes)
{
    enum { PIECE = 16384 };
    *tokens = NULL;
    *n_samples = 0;
    hfc_cli_audio_source *input = hfc_cli_audio_source_open(source, info->sample_rate_hz, err,
                                                            err_bytes);
    if (input == NULL)
        return -1;
    const int hop = info->hop_samples, nc = info->n_codebooks;
    const int64_t room = PIECE / hop + hfc_encoder_latency(encoder) / hop + 4;
    int64_t n_frames = 0, capacity = 0, got = 0;
    hfc_encoder_reset(encoder);
    for (int at_end = 0; got >= 0 && !at_end;) {
        const float *samples;
        int64_t n = hfc_cli_audio_source_read(input, &samples, err, err_bytes);
        if (n < 0) {
            got = -1;
            break;
        }
        at_end = n == 0;
        for (int64_t at = 0; got >= 0 && (at < n || (at_end && at == 0)); at += PIECE) {
            if (n_frames + room > capacity) {
                int64_t grown_capacity = capacity > 0 ? capacity * 2 : 4096;
                while (grown_capacity < n_frames + room)
                    grown_capacity *= 2;
                hfc_token *grown =
                    realloc(*tokens, (size_t)(grown_capacity * nc) * sizeof *grown);
                if (grown == NULL) {
                    got = hfc_cli_fail(err, err_bytes, "out of memory");
                    break;
                }
                *tokens = grown;
                capacity = grown_capacity;
            }
            int64_t piece = n - at < PIECE ? n - at : PIECE;
            got = at_end ? hfc_encoder_flush(encoder, *tokens + n_frames * nc, capacity - n_frames)
                         : hfc_encoder_push(encoder, samples + at, piece,
                                            *tokens + n_frames * nc, capacity - n_frames);
            if (got < 0)
                snprintf(err, err_bytes, "%s", hfc_strerror((int)got));
            else
                n_frames += got;
        }
        *n_samples += n;
    }
    hfc_encoder_reset(encoder);
    hfc_cli_audio_source_close(input);
    if (got < 0) {
        free(*tokens);
        *tokens = NULL;
        return -1;
    }
    return n_frames;
}

void hfc_corpus_tokenize_file(hfc_encoder *encoder, const hfc_model *model, const char *source,
                              const char *output, const hfc_corpus_job_options *options,
                              hfc_corpus_result *result)
{
    memset(result, 0, sizeof *result);
    if (!options->overwrite && tokens_complete(output, model)) {
        result->outcome = HFC_CORPUS_SKIPPED;
        return;
    }
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    char err[512];
    double start = seconds_now();
    hfc_cli_audio audio;
    memset(&audio, 0, sizeof audio);
    hfc_token *tokens = NULL;
    int64_t got, n_samples;
    double read_end;
    if (info.causal) {
        /* Reading and encoding interleave here: their times go to the codec. */
        read_end = start;
        got = encode_streaming(encoder, &info, source, &tokens, &n_samples, err, sizeof err);
        if (got < 0) {
            fail(result, "", err);
            return;
        }
        if (got == 0)
            got = HFC_ERR_TOO_SHORT;
    } else {
        if (hfc_cli_audio_read(source, info.sample_rate_hz, &audio, err, sizeof err) != 0) {
            fail(result, "", err);
            return;
        }
        read_end = seconds_now();
        n_samples = audio.n_samples;
        int64_t n_frames = hfc_model_frames_for_samples(model, audio.n_samples);
        tokens =
            n_frames > 0 ? malloc((size_t)(n_frames * info.n_codebooks) * sizeof *tokens) : NULL;
        got = n_frames <= 0 ? HFC_ERR_TOO_SHORT
              : tokens
                  ? hfc_encoder_encode(encoder, audio.samples, audio.n_samples, tokens, n_frames)
                  : HFC_ERR_NO_MEMORY;
    }
    double encode_end = seconds_now();
    if (got < 0) {
        if (got == HFC_ERR_TOO_SHORT)
            snprintf(err, sizeof err, "too short: %.1f ms of audio, one frame needs %.1f ms",
                     1000.0 * (double)n_samples / info.sample_rate_hz,
                     1000.0 * info.hop_samples / info.sample_rate_hz);
        fail(result, "encode", got == HFC_ERR_TOO_SHORT ? err : hfc_strerror((int)got));
    } else {
        hfc_token_header header;
        hfc_token_header_for_model(model, &header);
        hfc_cli_error_sink sink = {err, sizeof err};
        hfc_token_file_options file_options;
        hfc_cli_token_options(&file_options, &sink);
        remove_stale_parts(output);
        if (make_parents(output) != 0)
            fail(result, output, strerror(errno));
        else if (hfc_tokens_save_file(output, options->token_format, &header, tokens, got,
                                      &file_options) != HFC_OK)
            fail(result, output, err);
        else
            result->outcome = HFC_CORPUS_DONE;
    }
    result->n_frames = got > 0 ? got : 0;
    if (result->outcome == HFC_CORPUS_DONE)
        result->audio_seconds = (double)n_samples / info.sample_rate_hz;
    result->read_seconds = read_end - start;
    result->codec_seconds = encode_end - read_end;
    result->write_seconds = seconds_now() - encode_end;
    free(tokens);
    hfc_cli_audio_free(&audio);
}

/* Writes audio to a hidden sibling of output with the same extension (so the
 * writer picks the same format), then renames it over output. */
static int write_audio_atomically(const char *output, const float *pcm, int64_t n_samples,
                                  int rate_hz, int as_float, char *err, size_t err_bytes)
{
    static atomic_uint counter;
    const char *slash = strrchr(output, '/');
    int dir_chars = slash ? (int)(slash - output + 1) : 0;
    const char *dot = strrchr(output + dir_chars, '.');
    char temp[4096];
    if (snprintf(temp, sizeof temp, "%.*s.%s.part-%ld-%u%s", dir_chars, output, output + dir_chars,
                 (long)getpid(), atomic_fetch_add(&counter, 1u),
                 dot ? dot : "") >= (int)sizeof temp)
        return hfc_cli_fail(err, err_bytes, "path too long");
    if (hfc_cli_audio_write(temp, pcm, n_samples, rate_hz, as_float, err, err_bytes) != 0) {
        unlink(temp);
        return -1;
    }
    if (rename(temp, output) != 0) {
        int saved = errno;
        unlink(temp);
        return hfc_cli_fail(err, err_bytes, "cannot rename into place: %s", strerror(saved));
    }
    return 0;
}

void hfc_corpus_detokenize_file(hfc_decoder *decoder, const hfc_model *model, const char *source,
                                const char *output, const hfc_corpus_job_options *options,
                                hfc_corpus_result *result)
{
    memset(result, 0, sizeof *result);
    struct stat st;
    if (!options->overwrite && stat(output, &st) == 0 && st.st_size > 0) {
        result->outcome = HFC_CORPUS_SKIPPED;
        return;
    }
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    char err[512] = "";
    hfc_cli_error_sink sink = {err, sizeof err};
    hfc_token_file_options file_options;
    hfc_cli_token_options(&file_options, &sink);
    file_options.codebook_size = info.codebook_size;
    double start = seconds_now();
    hfc_token_header header;
    hfc_token *tokens;
    int64_t n_frames = hfc_tokens_load_file(source, &file_options, &header, &tokens);
    if (n_frames < 0) {
        fail(result, "", err);
        return;
    }
    if (hfc_token_header_check(&header, &info, options->force, &file_options) != HFC_OK) {
        fail(result, "", err);
        hfc_tokens_free(tokens);
        return;
    }
    double read_end = seconds_now();
    int64_t n_samples = n_frames * info.hop_samples;
    float *pcm = malloc((size_t)n_samples * sizeof *pcm);
    int64_t got =
        pcm ? hfc_decoder_decode(decoder, tokens, n_frames, pcm, n_samples) : HFC_ERR_NO_MEMORY;
    double decode_end = seconds_now();
    if (got < 0) {
        fail(result, "decode", hfc_strerror((int)got));
    } else {
        remove_stale_parts(output);
        if (make_parents(output) != 0)
            fail(result, output, strerror(errno));
        else if (write_audio_atomically(output, pcm, got, info.sample_rate_hz, options->as_float,
                                        err, sizeof err) != 0)
            fail(result, output, err);
        else
            result->outcome = HFC_CORPUS_DONE;
    }
    result->n_frames = n_frames;
    if (result->outcome == HFC_CORPUS_DONE)
        result->audio_seconds = (double)got / info.sample_rate_hz;
    result->read_seconds = read_end - start;
    result->codec_seconds = decode_end - read_end;
    result->write_seconds = seconds_now() - decode_end;
    free(pcm);
    hfc_tokens_free(tokens);
}
