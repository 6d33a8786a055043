/* Small helpers shared by the C tests: checks that count failures instead of
 * aborting (so one run reports everything), a seeded RNG whose seed is printed and
 * can be forced with HFC_TEST_SEED, file loading and a minimal .npy reader. */
#ifndef HFC_TEST_UTIL_H
#define HFC_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern int hfc_test_failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
            hfc_test_failures++;                                                       \
        }                                                                              \
    } while (0)

#define CHECK_MSG(cond, ...)                                                           \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
            hfc_test_failures++;                                                       \
        }                                                                              \
    } while (0)

/* Exit status for the end of main: 0 if all checks passed, else 1. */
int hfc_test_finish(const char *name);

/* Meson's "skipped" exit status. */
#define HFC_TEST_SKIP 77

/* Seeded xorshift RNG. hfc_test_seed() reads HFC_TEST_SEED or picks one from the
 * clock, prints it, and seeds the generator. */
uint64_t hfc_test_seed(void);
uint64_t hfc_test_rand_u64(void);
float hfc_test_rand_uniform(float lo, float hi);
float hfc_test_rand_normal(void);

/* Reads a whole file into malloc'd memory; NULL on failure. */
uint8_t *hfc_test_read_file(const char *path, size_t *n_bytes);
int hfc_test_write_file(const char *path, const void *data, size_t n_bytes);

/* .npy: float32, int32 or int64 arrays of up to 2 dims, C order, little endian.
 * Returns malloc'd data converted to the requested type (float or int32); shape in
 * dims[0..1] (dims[1] = 1 for 1-D). NULL on failure. */
float *hfc_test_npy_load_f32(const char *path, int64_t dims[2]);
int32_t *hfc_test_npy_load_i32(const char *path, int64_t dims[2]);

#endif
