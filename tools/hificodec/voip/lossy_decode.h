/*
 * lossy_decode.h - tokens through a simulated lossy network and back to audio:
 * the sender packs each frame into an RTP payload with the previous K frames as
 * redundancy (hfc_rtp_sender), the loss pattern drops packets, the receiver
 * (hfc_rtp_receiver, playing K frames behind so that redundant copies can come
 * in time) fills gaps from the copies, and the streaming decoder decodes what
 * arrived and conceals the rest (hfc_decoder_conceal). What `hificodec roundtrip
 * --loss` hears.
 */
#ifndef HFC_CLI_LOSSY_DECODE_H
#define HFC_CLI_LOSSY_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "hificodec.h"
#include "loss_options.h"

typedef struct hfc_cli_lossy_options {
    hfc_cli_loss_options loss;
    int n_redundant;              /* K, 0..4 */
    hfc_conceal_options conceal;
    int conceal_given;            /* --conceal was on the command line */
} hfc_cli_lossy_options;

typedef struct hfc_cli_lossy_stats {
    int64_t frames;               /* frames decoded, all told */
    int64_t packets_lost;         /* of `frames` packets sent */
    int64_t frames_recovered;     /* played from a redundant copy */
    int64_t frames_concealed;     /* missing at their turn */
    double conceal_seconds;       /* CPU time (thread) in hfc_decoder_conceal */
    double decode_seconds;        /* CPU time (thread) in hfc_decoder_push */
} hfc_cli_lossy_stats;

void hfc_cli_lossy_options_init(hfc_cli_lossy_options *options);

/* roundtrip's options: the loss options, then --redundancy K and --conceal METHOD;
 * ids first_id .. first_id + HFC_CLI_LOSSY_OPTION_COUNT - 1. */
#define HFC_CLI_LOSSY_OPTIONS(first_id)                                                        \
    HFC_CLI_LOSS_OPTIONS(first_id), {"redundancy", 0, 1, (first_id) + 3},                      \
        {"conceal", 0, 1, (first_id) + 4}
#define HFC_CLI_LOSSY_OPTION_COUNT 5

#define HFC_CLI_LOSSY_OPTIONS_HELP                                                             \
    HFC_CLI_LOSS_OPTIONS_HELP                                                                  \
    "      --redundancy K every packet also carries the K frames before its own\n"              \
    "                     (0..4, default 0; docs/RTP.md), and the receiver plays K\n"          \
    "                     frames behind to use them\n"                                         \
    "      --conceal M    how lost frames are concealed: repeat (default), extrapolate\n"      \
    "                     or silence (no concealment, for comparison)\n"

/* Applies option `which` (0 .. HFC_CLI_LOSSY_OPTION_COUNT - 1). Returns 0, or -1
 * after printing why. */
int hfc_cli_lossy_apply(hfc_cli_lossy_options *options, const char *command, int which,
                        const char *value);

/* After parsing: whether the lossy path is asked for (1: --loss or --redundancy
 * given, 0: not), or -1 after printing why the options do not fit together. */
int hfc_cli_lossy_wanted(const hfc_cli_lossy_options *options, const char *command);

/* The one line -v prints: loss, recovery, concealment, CPU per frame. */
void hfc_cli_lossy_report(const char *command, const hfc_cli_lossy_options *options,
                          const hfc_cli_lossy_stats *stats);

/* Decodes n_frames frames of tokens through the lossy link into pcm (capacity
 * n_frames * hop samples; exactly that many are written). Returns 0, or -1 with
 * one line in err. */
int hfc_cli_lossy_decode(const hfc_model *model, const hfc_cli_lossy_options *options,
                         const hfc_token *tokens, int64_t n_frames, float *pcm,
                         hfc_cli_lossy_stats *stats, char *err, size_t err_bytes);

#endif
