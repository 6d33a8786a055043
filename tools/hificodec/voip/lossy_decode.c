#include "lossy_decode.h"

#include "cli_common.h"
#include "error_text.h"
#include "loss_pattern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void hfc_cli_lossy_options_init(hfc_cli_lossy_options *options)
{
    memset(options, 0, sizeof *options);
    hfc_cli_loss_options_init(&options->loss);
    hfc_conceal_options_init(&options->conceal);
}

static const char *const method_names[] = {"repeat", "extrapolate", "silence"};

int hfc_cli_lossy_apply(hfc_cli_lossy_options *options, const char *command, int which,
                        const char *value)
{
    if (which < HFC_CLI_LOSS_OPTION_COUNT)
        return hfc_cli_loss_apply(&options->loss, command, which, value);
    if (which == HFC_CLI_LOSS_OPTION_COUNT)
        return hfc_cli_parse_int(command, "--redundancy", value, 0, 4, &options->n_redundant);
    for (int m = 0; m < (int)(sizeof method_names / sizeof method_names[0]); m++)
        if (strcmp(value, method_names[m]) == 0) {
            options->conceal.method = m;
            options->conceal_given = 1;
            return 0;
        }
    hfc_cli_print_error(command, "--conceal wants repeat, extrapolate or silence, got '%s'",
                        value);
    return -1;
}

int hfc_cli_lossy_wanted(const hfc_cli_lossy_options *options, const char *command)
{
    if (hfc_cli_loss_check(&options->loss, command) != 0)
        return -1;
    if (!options->loss.enabled && options->conceal_given) {
        hfc_cli_print_error(command, "--conceal needs --loss");
        return -1;
    }
    return options->loss.enabled || options->n_redundant > 0;
}

void hfc_cli_lossy_report(const char *command, const hfc_cli_lossy_options *options,
                          const hfc_cli_lossy_stats *stats)
{
    char loss[64];
    hfc_cli_loss_describe(&options->loss, loss, sizeof loss);
    const int64_t decoded = stats->frames - stats->frames_concealed;
    fprintf(stderr,
            "hificodec: %s: loss %s, seed %llu: %lld packets, %lld lost (%.2f%%); "
            "redundancy %d: %lld frames recovered, %lld concealed (%s); CPU per frame: "
            "%.3f ms concealed, %.3f ms decoded\n",
            command, loss, (unsigned long long)options->loss.seed, (long long)stats->frames,
            (long long)stats->packets_lost,
            stats->frames > 0 ? 100.0 * (double)stats->packets_lost / (double)stats->frames : 0.0,
            options->n_redundant, (long long)stats->frames_recovered,
            (long long)stats->frames_concealed, method_names[options->conceal.method],
            stats->frames_concealed > 0
                ? 1e3 * stats->conceal_seconds / (double)stats->frames_concealed
                : 0.0,
            decoded > 0 ? 1e3 * stats->decode_seconds / (double)decoded : 0.0);
}

static double thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The receiver's frame whose turn it is: decoded when it came, concealed when not. */
static int play_next(hfc_rtp_receiver *receiver, hfc_decoder *decoder, hfc_token *frame,
                     float *pcm, int hop, hfc_cli_lossy_stats *stats)
{
    int got = hfc_rtp_receiver_get(receiver, frame, NULL);
    if (got < 0)
        return got;
    double start = thread_seconds();
    int64_t n = got ? hfc_decoder_push(decoder, frame, 1, pcm, hop)
                    : hfc_decoder_conceal(decoder, 1, pcm, hop);
    double seconds = thread_seconds() - start;
    if (got)
        stats->decode_seconds += seconds;
    else
        stats->conceal_seconds += seconds;
    stats->frames_concealed += !got;
    return n == hop ? HFC_OK : (n < 0 ? (int)n : HFC_ERR_INTERNAL);
}

int hfc_cli_lossy_decode(const hfc_model *model, const hfc_cli_lossy_options *options,
                         const hfc_token *tokens, int64_t n_frames, float *pcm,
                         hfc_cli_lossy_stats *stats, char *err, size_t err_bytes)
{
    memset(stats, 0, sizeof *stats);
    hfc_token_header header;
    hfc_token_header_for_model(model, &header);
    const int hop = header.hop_samples, nc = header.n_codebooks, k = options->n_redundant;
    hfc_rtp_sender_options so;
    hfc_rtp_sender_options_init(&so);
    so.n_redundant = k;
    /* An RTP stream starts at a random timestamp; this one wraps 2^32 early on. */
    so.first_timestamp = 0xFFFFFFFFu - 40u * (uint32_t)hop + 1u;
    hfc_rtp_receiver_options ro;
    hfc_rtp_receiver_options_init(&ro);
    int status = HFC_OK;
    hfc_rtp_sender *sender = hfc_rtp_sender_create(&header, &so, &status);
    hfc_rtp_receiver *receiver = sender ? hfc_rtp_receiver_create(&header, &ro, &status) : NULL;
    hfc_decoder *decoder = receiver ? hfc_decoder_create(model, NULL, &status) : NULL;
    int max_bytes = sender ? hfc_rtp_sender_max_payload_bytes(sender) : 0;
    uint8_t *payload = max_bytes > 0 ? malloc((size_t)max_bytes) : NULL;
    hfc_token *frame = malloc((size_t)nc * sizeof *frame);
    if (decoder && (!payload || !frame))
        status = HFC_ERR_NO_MEMORY;
    if (status == HFC_OK)
        status = hfc_decoder_set_conceal_options(decoder, &options->conceal);
    if (status == HFC_OK) /* play from frame 0 even when its packets are all lost */
        status = hfc_rtp_receiver_start(receiver, so.first_timestamp);

    hfc_loss_pattern pattern;
    hfc_cli_loss_pattern(&options->loss, &pattern);
    for (int64_t f = 0; f < n_frames && status == HFC_OK; f++) {
        uint32_t timestamp = 0;
        int n = hfc_rtp_sender_push(sender, tokens + f * nc, payload, (size_t)max_bytes,
                                    &timestamp);
        if (n < 0) {
            status = n;
            break;
        }
        if (!hfc_loss_pattern_next(&pattern) && n > 0) {
            n = hfc_rtp_receiver_put(receiver, timestamp, payload, (size_t)n);
            status = n < 0 ? n : HFC_OK;
        }
        if (status == HFC_OK && f >= k) /* play K frames behind the newest packet */
            status = play_next(receiver, decoder, frame, pcm + (f - k) * hop, hop, stats);
    }
    /* The stream ends: the last K frames play without the packets that would
     * have repeated them. */
    for (int64_t f = n_frames - k; f < n_frames && status == HFC_OK; f++)
        if (f >= 0)
            status = play_next(receiver, decoder, frame, pcm + f * hop, hop, stats);

    if (status == HFC_OK) {
        hfc_rtp_receiver_stats rs;
        hfc_rtp_receiver_get_stats(receiver, &rs);
        stats->frames = n_frames;
        stats->packets_lost = pattern.n_lost;
        stats->frames_recovered = rs.played_redundant;
    } else {
        hfc_cli_fail(err, err_bytes, "lossy decode: %s", hfc_strerror(status));
    }
    free(frame);
    free(payload);
    hfc_decoder_destroy(decoder);
    hfc_rtp_receiver_destroy(receiver);
    hfc_rtp_sender_destroy(sender);
    return status == HFC_OK ? 0 : -1;
}
