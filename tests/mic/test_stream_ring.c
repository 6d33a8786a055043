/* The pieces of the live path that need no audio device: the lock-free ring the
 * callbacks use (two threads, a counted sequence through a small ring, every
 * wrap-around and partial read and write), the sample clock that turns marks into
 * times, and the latency histogram. Randomised; prints its seed, takes one back
 * as argv[1]. */
#include "ring_buffer.h"
#include "stream_clock.h"
#include "stream_stats.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int failures;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            failures++;                                                                        \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                        \
            printf(__VA_ARGS__);                                                               \
            printf("\n");                                                                      \
        }                                                                                      \
    } while (0)

static uint64_t rng_state;

static uint32_t rng_next(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

enum { N_ITEMS = 500000 };

typedef struct producer_args {
    hfc_ring *ring;
    uint64_t seed;
} producer_args;

/* Writes 0, 1, 2, ... in random-sized pieces, spinning when the ring is full. */
static void *producer(void *user)
{
    producer_args *args = user;
    uint64_t state = args->seed;
    uint32_t next = 0;
    uint32_t piece[97];
    while (next < N_ITEMS) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        size_t n = 1 + (size_t)((state >> 33) % 97);
        if (n > N_ITEMS - next)
            n = N_ITEMS - next;
        for (size_t i = 0; i < n; i++)
            piece[i] = next + (uint32_t)i;
        size_t written = hfc_ring_write(args->ring, piece, n);
        next += (uint32_t)written;
        if (written == 0)
            sched_yield(); /* on a busy machine both threads may share a core */
    }
    return NULL;
}

static void test_ring_threads(uint64_t seed)
{
    hfc_ring ring;
    CHECK(hfc_ring_init(&ring, 100, sizeof(uint32_t)) == 0, "init");
    CHECK(ring.capacity == 128, "capacity rounds up to a power of two: %zu", ring.capacity);
    producer_args args = {&ring, seed ^ 0x9e3779b97f4a7c15ull};
    pthread_t thread;
    pthread_create(&thread, NULL, producer, &args);
    uint32_t expected = 0, piece[61];
    int order_ok = 1;
    while (expected < N_ITEMS) {
        size_t n = hfc_ring_read(&ring, piece, 1 + rng_next() % 61);
        for (size_t i = 0; i < n; i++)
            order_ok &= piece[i] == expected + (uint32_t)i;
        expected += (uint32_t)n;
        if (n == 0)
            sched_yield();
        CHECK(hfc_ring_readable(&ring) <= ring.capacity, "fill within capacity");
    }
    pthread_join(thread, NULL);
    CHECK(order_ok, "every item arrives once, in order");
    CHECK(hfc_ring_readable(&ring) == 0 && hfc_ring_read_index(&ring) == N_ITEMS,
          "all read: index %zu", hfc_ring_read_index(&ring));
    hfc_ring_free(&ring);
}

static void test_ring_limits(void)
{
    hfc_ring ring;
    CHECK(hfc_ring_init(&ring, 0, 4) != 0, "a ring of no items is refused");
    CHECK(hfc_ring_init(&ring, 8, sizeof(double)) == 0, "init");
    double in[12], out[12];
    for (int i = 0; i < 12; i++)
        in[i] = i + 0.5;
    CHECK(hfc_ring_write(&ring, in, 12) == 8, "a full ring takes what fits");
    CHECK(hfc_ring_writable(&ring) == 0 && hfc_ring_write(&ring, in, 1) == 0, "then nothing");
    CHECK(hfc_ring_read(&ring, out, 5) == 5 && out[4] == 4.5, "partial read");
    CHECK(hfc_ring_write(&ring, in + 8, 4) == 4, "writes wrap around the end");
    CHECK(hfc_ring_read(&ring, out, 12) == 7 && out[0] == 5.5 && out[6] == 11.5,
          "reads wrap around the end, in order");
    CHECK(hfc_ring_read(&ring, out, 1) == 0, "empty");
    CHECK(hfc_ring_write_index(&ring) == 12 && hfc_ring_read_index(&ring) == 12,
          "running indices count every item");
    hfc_ring_free(&ring);
}

static void test_clock_per_block(void)
{
    hfc_ring marks;
    hfc_ring_init(&marks, 1024, sizeof(hfc_audio_mark));
    hfc_sample_clock clock;
    hfc_sample_clock_init(&clock, 16000.0, HFC_CLOCK_PER_BLOCK);
    double time_s;
    CHECK(hfc_sample_clock_time(&clock, 0, &time_s) == HFC_CLOCK_NOT_YET, "no marks yet");
    /* Blocks of 320 samples every 20 ms, from t = 100 s; one more than the clock
     * keeps, so the first is forgotten. */
    for (int i = 0; i <= HFC_CLOCK_MARKS; i++) {
        hfc_audio_mark mark = {(uint64_t)i * 320, 320, 100.0 + i * 0.02};
        hfc_ring_write(&marks, &mark, 1);
        if (i % 100 == 0)
            hfc_sample_clock_pull(&clock, &marks);
    }
    hfc_sample_clock_pull(&clock, &marks);
    CHECK(hfc_sample_clock_time(&clock, 100, &time_s) == HFC_CLOCK_GONE, "forgotten block");
    CHECK(hfc_sample_clock_time(&clock, 320 * 7 + 160, &time_s) == HFC_CLOCK_FOUND &&
              fabs(time_s - (100.0 + 7 * 0.02 + 0.01)) < 1e-9,
          "inside a block: its time plus the offset (%.6f)", time_s);
    uint64_t end = (uint64_t)(HFC_CLOCK_MARKS + 1) * 320;
    CHECK(hfc_sample_clock_time(&clock, end - 1, &time_s) == HFC_CLOCK_FOUND, "last sample");
    CHECK(hfc_sample_clock_time(&clock, end, &time_s) == HFC_CLOCK_NOT_YET, "not played yet");
    hfc_ring_free(&marks);
}

/* A host that delivers 20 ms of capture as four 5 ms callbacks at once, each
 * stamped with the same late time: the line through the earliest stamps gives
 * every sample its true time. */
static void test_clock_continuous(void)
{
    hfc_ring marks;
    hfc_ring_init(&marks, 1024, sizeof(hfc_audio_mark));
    hfc_sample_clock clock;
    hfc_sample_clock_init(&clock, 48000.0, HFC_CLOCK_CONTINUOUS);
    for (int burst = 0; burst < 50; burst++) {
        double arrival = 10.0 + (burst + 1) * 0.02; /* the burst's last sample, at the ADC */
        for (int j = 0; j < 4; j++) {
            uint64_t index = (uint64_t)(burst * 4 + j) * 240;
            hfc_audio_mark mark = {index, 240, arrival - 0.005}; /* stamped "a block ago" */
            hfc_ring_write(&marks, &mark, 1);
        }
        hfc_sample_clock_pull(&clock, &marks);
    }
    double time_s;
    uint64_t index = 30 * 960 + 100;
    CHECK(hfc_sample_clock_time(&clock, index, &time_s) == HFC_CLOCK_FOUND &&
              fabs(time_s - (10.0 + index / 48000.0)) < 1e-9,
          "continuous: sample %llu at %.6f, expected %.6f", (unsigned long long)index, time_s,
          10.0 + index / 48000.0);
    CHECK(hfc_sample_clock_time(&clock, 50 * 960, &time_s) == HFC_CLOCK_NOT_YET,
          "continuous: not captured yet");
    hfc_ring_free(&marks);
}

static void test_latency(void)
{
    static hfc_latency_stats stats; /* 80 kB: not on the stack */
    hfc_latency_summary summary;
    hfc_latency_summarize(&stats, &summary);
    CHECK(summary.count == 0 && summary.mean_ms == 0 && summary.p99_ms == 0, "empty");
    for (int i = 1; i <= 1000; i++)
        hfc_latency_add(&stats, i * 1e-4); /* 0.1 .. 100 ms */
    hfc_latency_add(&stats, -0.5);         /* clamped to 0 */
    hfc_latency_add(&stats, 10.0);         /* past the last bin */
    hfc_latency_summarize(&stats, &summary);
    CHECK(summary.count == 1002, "count %lld", (long long)summary.count);
    double mean = (500.5 * 0.1 * 1000 + 10000.0) / 1002;
    CHECK(fabs(summary.mean_ms - mean) < 1e-6, "mean %.6f, expected %.6f", summary.mean_ms, mean);
    CHECK(summary.p99_ms >= 99.0 && summary.p99_ms <= 99.3, "p99 %.2f ms", summary.p99_ms);
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : (uint64_t)time(NULL);
    printf("seed %llu\n", (unsigned long long)seed);
    rng_state = seed;
    test_ring_limits();
    test_ring_threads(seed);
    test_clock_per_block();
    test_clock_continuous();
    test_latency();
    if (failures > 0) {
        printf("%d checks failed (seed %llu)\n", failures, (unsigned long long)seed);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
