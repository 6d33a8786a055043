#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int hfc_test_failures = 0;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

int hfc_test_finish(const char *name)
{
    if (hfc_test_failures)
        fprintf(stderr, "%s: %d check(s) failed\n", name, hfc_test_failures);
    else
        printf("%s: all checks passed\n", name);
    return hfc_test_failures ? 1 : 0;
}

uint64_t hfc_test_seed(void)
{
    const char *env = getenv("HFC_TEST_SEED");
    uint64_t seed = env && *env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
    printf("seed: %llu (set HFC_TEST_SEED to repeat)\n", (unsigned long long)seed);
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
    return seed;
}

uint64_t hfc_test_rand_u64(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

float hfc_test_rand_uniform(float lo, float hi)
{
    return lo + (hi - lo) * (float)((hfc_test_rand_u64() >> 40) / (double)(1ull << 24));
}

float hfc_test_rand_normal(void)
{
    double u1 = ((hfc_test_rand_u64() >> 11) + 1.0) / 9007199254740993.0;
    double u2 = (hfc_test_rand_u64() >> 11) / 9007199254740992.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

uint8_t *hfc_test_read_file(const char *path, size_t *n_bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        *n_bytes = (size_t)n;
    return buf;
}

int hfc_test_write_file(const char *path, const void *data, size_t n_bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t written = fwrite(data, 1, n_bytes, f);
    return fclose(f) == 0 && written == n_bytes ? 0 : -1;
}

/* Parses the dict header of a trusted test fixture: descr, fortran_order, shape. */
static uint8_t *npy_load(const char *path, int64_t dims[2], char *descr, size_t *offset)
{
    size_t n = 0;
    uint8_t *buf = hfc_test_read_file(path, &n);
    if (!buf || n < 10 || memcmp(buf, "\x93NUMPY", 6) != 0) {
        free(buf);
        return NULL;
    }
    size_t header_len = buf[8] | (size_t)buf[9] << 8;
    size_t start = 10;
    if (buf[6] >= 2) {
        header_len = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        start = 12;
    }
    char header[4096];
    if (header_len >= sizeof header || start + header_len > n) {
        free(buf);
        return NULL;
    }
    memcpy(header, buf + start, header_len);
    header[header_len] = 0;
    const char *d = strstr(header, "'descr': '");
    const char *s = strstr(header, "'shape': (");
    if (!d || !s || strstr(header, "'fortran_order': True")) {
        free(buf);
        return NULL;
    }
    sscanf(d + 10, "%7[^']", descr);
    dims[0] = dims[1] = 1;
    char *end;
    dims[0] = strtoll(s + 10, &end, 10);
    if (*end == ',' && end[1] == ' ' && end[2] != ')')
        dims[1] = strtoll(end + 2, &end, 10);
    *offset = start + header_len;
    return buf;
}

float *hfc_test_npy_load_f32(const char *path, int64_t dims[2])
{
    char descr[8] = {0};
    size_t off;
    uint8_t *buf = npy_load(path, dims, descr, &off);
    if (!buf)
        return NULL;
    size_t count = (size_t)(dims[0] * dims[1]);
    float *out = malloc(count * sizeof *out + 1);
    if (out && strcmp(descr, "<f4") == 0)
        memcpy(out, buf + off, count * sizeof *out);
    else if (out && strcmp(descr, "<f8") == 0)
        for (size_t i = 0; i < count; i++) {
            double v;
            memcpy(&v, buf + off + 8 * i, 8);
            out[i] = (float)v;
        }
    else {
        free(out);
        out = NULL;
    }
    free(buf);
    return out;
}

int32_t *hfc_test_npy_load_i32(const char *path, int64_t dims[2])
{
    char descr[8] = {0};
    size_t off;
    uint8_t *buf = npy_load(path, dims, descr, &off);
    if (!buf)
        return NULL;
    size_t count = (size_t)(dims[0] * dims[1]);
    int32_t *out = malloc(count * sizeof *out + 1);
    if (out && strcmp(descr, "<i4") == 0)
        memcpy(out, buf + off, count * sizeof *out);
    else if (out && strcmp(descr, "<i8") == 0)
        for (size_t i = 0; i < count; i++) {
            int64_t v;
            memcpy(&v, buf + off + 8 * i, 8);
            out[i] = (int32_t)v;
        }
    else {
        free(out);
        out = NULL;
    }
    free(buf);
    return out;
}
