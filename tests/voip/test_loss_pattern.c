/* The CLI's loss patterns (tools/hificodec/voip/loss_pattern.c): over a million
 * packets the loss rate and the mean burst length are what was asked for, bursts
 * of 1 are isolated, a seed replays its pattern and another seed does not, and
 * impossible parameters are refused. */
#include <math.h>

#include "loss_pattern.h"
#include "test_util.h"

/* Loss rate and mean burst length of n packets. */
static void measure(double loss, double burst, uint64_t seed, int64_t n, double *rate,
                    double *mean_burst, int64_t *longest_run)
{
    hfc_loss_pattern p;
    CHECK(hfc_loss_pattern_init(&p, loss, burst, seed) == 0);
    int64_t lost = 0, bursts = 0, run = 0;
    *longest_run = 0;
    for (int64_t i = 0; i < n; i++) {
        if (hfc_loss_pattern_next(&p)) {
            lost++;
            bursts += run == 0;
            run++;
            *longest_run = run > *longest_run ? run : *longest_run;
        } else {
            run = 0;
        }
    }
    CHECK(p.n_packets == n && p.n_lost == lost);
    *rate = (double)lost / (double)n;
    *mean_burst = bursts > 0 ? (double)lost / (double)bursts : 0.0;
}

int main(void)
{
    const int64_t n = 1000000;
    const double cases[][2] = {{0.05, 0}, {0.10, 0}, {0.20, 0}, {0.10, 3}, {0.20, 2},
                               {0.10, 1}, {0.01, 5}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const double loss = cases[i][0], burst = cases[i][1];
        double rate, mean_burst;
        int64_t longest;
        measure(loss, burst, 42 + i, n, &rate, &mean_burst, &longest);
        /* Tolerances: a few standard errors of a million (correlated) draws. */
        CHECK_MSG(fabs(rate - loss) < 0.006, "loss %g burst %g: rate %g", loss, burst, rate);
        const double want_burst = burst > 0 ? burst : 1.0 / (1.0 - loss);
        CHECK_MSG(fabs(mean_burst - want_burst) < 0.05 * want_burst,
                  "loss %g burst %g: mean burst %g, want %g", loss, burst, mean_burst, want_burst);
        if (burst == 1)
            CHECK_MSG(longest == 1, "bursts of 1 had a run of %lld", (long long)longest);
        printf("loss %.2f burst %g: rate %.4f, mean burst %.3f, longest %lld\n", loss, burst,
               rate, mean_burst, (long long)longest);
    }

    hfc_loss_pattern a, b, c;
    hfc_loss_pattern_init(&a, 0.1, 3, 7);
    hfc_loss_pattern_init(&b, 0.1, 3, 7);
    hfc_loss_pattern_init(&c, 0.1, 3, 8);
    int same = 1, differs = 0;
    for (int i = 0; i < 10000; i++) {
        int x = hfc_loss_pattern_next(&a), y = hfc_loss_pattern_next(&b);
        same &= x == y;
        differs |= x != hfc_loss_pattern_next(&c);
    }
    CHECK(same && differs);

    hfc_loss_pattern none;
    CHECK(hfc_loss_pattern_init(&none, 0.0, 0, 1) == 0);
    int any = 0;
    for (int i = 0; i < 10000; i++)
        any |= hfc_loss_pattern_next(&none);
    CHECK(!any);
    CHECK(hfc_loss_pattern_init(&none, 1.0, 0, 1) == -1);
    CHECK(hfc_loss_pattern_init(&none, -0.1, 0, 1) == -1);
    CHECK(hfc_loss_pattern_init(&none, 0.1, 0.5, 1) == -1);
    CHECK(hfc_loss_pattern_init(&none, 0.6, 1, 1) == -1); /* bursts of 1 reach 50% at most */
    CHECK(hfc_loss_pattern_init(&none, 0.5, 1, 1) == 0);
    CHECK(hfc_loss_pattern_init(&none, NAN, 0, 1) == -1);
    return hfc_test_finish("test_loss_pattern");
}
