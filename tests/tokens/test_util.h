/*
 * test_util.h - the little the token tests share: a seeded generator whose seed is
 * printed and can be given back (argv[1] or HFC_TEST_SEED), and check macros that
 * count failures instead of stopping at the first.
 */
#ifndef HFC_TEST_UTIL_H
#define HFC_TEST_UTIL_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int test_failures;

#define CHECK(condition)                                                                       \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition);      \
            test_failures++;                                                                   \
        }                                                                                      \
    } while (0)

/* CHECK with the parser's message shown on failure. */
#define CHECK_MSG(condition, message)                                                          \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s (%s)\n", __FILE__, __LINE__, #condition,  \
                    message);                                                                  \
            test_failures++;                                                                   \
        }                                                                                      \
    } while (0)

static uint64_t test_rng_state;

/* splitmix64: tiny, and the same sequence on every platform for a given seed. */
static inline uint64_t test_random(void)
{
    uint64_t z = (test_rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [0, bound) for bound >= 1 (the modulo bias is irrelevant here). */
static inline int64_t test_random_below(int64_t bound)
{
    return (int64_t)(test_random() % (uint64_t)bound);
}

static inline void test_seed_init(int argc, char **argv)
{
    const char *given = argc > 1 ? argv[1] : getenv("HFC_TEST_SEED");
    uint64_t seed = given != NULL ? strtoull(given, NULL, 0) : (uint64_t)time(NULL);
    test_rng_state = seed;
    printf("seed: %" PRIu64 " (rerun with this seed as argv[1] or HFC_TEST_SEED)\n", seed);
}

static inline int test_finish(const char *name)
{
    if (test_failures > 0) {
        fprintf(stderr, "%s: %d checks failed\n", name, test_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif
