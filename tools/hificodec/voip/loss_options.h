/*
 * loss_options.h - the packet-loss options that `hificodec roundtrip` and
 * `hificodec opus` share (--loss, --burst, --loss-seed), so that both lose the
 * same packets (loss_pattern.h) and tools/eval-corpus can compare them.
 */
#ifndef HFC_CLI_LOSS_OPTIONS_H
#define HFC_CLI_LOSS_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "loss_pattern.h"

typedef struct hfc_cli_loss_options {
    int enabled;     /* --loss was given */
    double loss;     /* fraction, [0, 1) */
    double burst;    /* 0: independent losses; >= 1: Gilbert-Elliott mean burst */
    uint64_t seed;
} hfc_cli_loss_options;

/* Table entries, ids first_id .. first_id + 2, for a command's option table. */
#define HFC_CLI_LOSS_OPTIONS(first_id)                                                         \
    {"loss", 0, 1, (first_id)}, {"burst", 0, 1, (first_id) + 1},                                \
        {"loss-seed", 0, 1, (first_id) + 2}
#define HFC_CLI_LOSS_OPTION_COUNT 3

#define HFC_CLI_LOSS_OPTIONS_HELP                                                              \
    "      --loss P       lose P percent of the 20 ms packets (0 <= P < 100; '10'\n"             \
    "                     and '10%' are the same), independently at random unless\n"          \
    "                     --burst is given\n"                                                  \
    "      --burst B      losses come in bursts of B packets on average (B >= 1, a\n"          \
    "                     Gilbert-Elliott chain; 1: isolated losses, never two in\n"           \
    "                     a row); needs P <= 100 B / (B + 1)\n"                                \
    "      --loss-seed S  seed of the loss pattern (default 1): the same P, B and S\n"         \
    "                     lose the same packets in every command\n"

void hfc_cli_loss_options_init(hfc_cli_loss_options *options);

/* Applies option `which` (0: --loss, 1: --burst, 2: --loss-seed) with its value.
 * Returns 0, or -1 after printing why. */
int hfc_cli_loss_apply(hfc_cli_loss_options *options, const char *command, int which,
                       const char *value);

/* After parsing: --burst without --loss, or a loss the burst length cannot
 * reach, print why and return -1; else 0. */
int hfc_cli_loss_check(const hfc_cli_loss_options *options, const char *command);

/* The pattern the options describe (checked: cannot fail). */
void hfc_cli_loss_pattern(const hfc_cli_loss_options *options, hfc_loss_pattern *pattern);

/* "10% random" or "10% in bursts of 3", for messages. */
void hfc_cli_loss_describe(const hfc_cli_loss_options *options, char *out, size_t out_bytes);

#endif
