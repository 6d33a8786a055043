/*
 * loss_pattern.h - which packets a simulated network loses: independent random
 * losses, or bursts from a two-state Gilbert-Elliott chain. Seeded and
 * deterministic, so two codecs (`hificodec roundtrip` and `hificodec opus`) lose
 * exactly the same packets when given the same loss, burst and seed.
 *
 * Gilbert-Elliott here is its classic special case (Gilbert's model): the good
 * state loses nothing, the bad state loses every packet. From good the chain
 * goes bad with probability p, from bad it goes good with probability r, so a
 * burst lasts 1/r packets on average and the long-run loss rate is p / (p + r).
 * Given a loss rate L and a mean burst B: r = 1/B, p = L r / (1 - L), which needs
 * L <= B / (B + 1). B = 1 gives isolated losses: never two in a row.
 */
#ifndef HFC_CLI_LOSS_PATTERN_H
#define HFC_CLI_LOSS_PATTERN_H

#include <stdint.h>

typedef struct hfc_loss_pattern {
    double loss;          /* long-run fraction of packets lost, [0, 1) */
    double burst;         /* mean burst length in packets; 0: independent losses */
    double p_good_to_bad, p_bad_to_good;
    uint64_t rng;         /* splitmix64 state */
    int bad;              /* Gilbert state: 1 while in a burst */
    int64_t n_packets, n_lost;
} hfc_loss_pattern;

/* loss in [0, 1); burst 0 (independent) or >= 1 with loss <= burst / (burst + 1).
 * Returns 0, or -1 for values out of range. */
int hfc_loss_pattern_init(hfc_loss_pattern *pattern, double loss, double burst, uint64_t seed);

/* Whether the next packet is lost (1) or arrives (0). */
int hfc_loss_pattern_next(hfc_loss_pattern *pattern);

#endif
