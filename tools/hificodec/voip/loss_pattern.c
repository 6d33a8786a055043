#include "loss_pattern.h"

#include <string.h>

/* splitmix64 (Steele, Lea, Flood 2014): a full-period generator whose output
 * passes BigCrush; tiny, and the same on every platform. */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 bits. */
static double next_unit(uint64_t *state)
{
    return (double)(next_u64(state) >> 11) * (1.0 / 9007199254740992.0);
}

int hfc_loss_pattern_init(hfc_loss_pattern *pattern, double loss, double burst, uint64_t seed)
{
    memset(pattern, 0, sizeof *pattern);
    if (!(loss >= 0.0 && loss < 1.0) || !(burst == 0.0 || burst >= 1.0))
        return -1;
    if (burst > 0.0 && loss > burst / (burst + 1.0))
        return -1;
    pattern->loss = loss;
    pattern->burst = burst;
    pattern->rng = seed;
    if (burst > 0.0) {
        pattern->p_bad_to_good = 1.0 / burst;
        pattern->p_good_to_bad = loss * pattern->p_bad_to_good / (1.0 - loss);
        /* Start in the chain's stationary distribution: bad with probability loss. */
        pattern->bad = next_unit(&pattern->rng) < loss;
    }
    return 0;
}

int hfc_loss_pattern_next(hfc_loss_pattern *pattern)
{
    int lost;
    if (pattern->burst > 0.0) {
        lost = pattern->bad;
        double u = next_unit(&pattern->rng);
        pattern->bad = pattern->bad ? u >= pattern->p_bad_to_good : u < pattern->p_good_to_bad;
    } else {
        lost = next_unit(&pattern->rng) < pattern->loss;
    }
    pattern->n_packets++;
    pattern->n_lost += lost;
    return lost;
}
