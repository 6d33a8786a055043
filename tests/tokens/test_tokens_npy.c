/* Unit tests of .npy token files and the NumPy header parser
 * (src/tokens/tokens_npy.c, npy_header.c). */
#include "npy_header.h"
#include "test_util.h"
#include "tokens_npy.h"

#include <string.h>

#define ERR_BYTES 256

/* Builds a .npy file by hand: version, the dict text (padded like NumPy), then
 * n_data bytes. Hand-built so the tests cover headers our writer never makes. */
static uint8_t *build_npy(int major, const char *dict, const void *payload, size_t n_data,
                          size_t *n_bytes)
{
    size_t preamble = major == 1 ? 10 : 12;
    size_t dict_chars = strlen(dict);
    size_t header = (preamble + dict_chars + 1 + 63) / 64 * 64;
    size_t dict_bytes = header - preamble;
    uint8_t *file = malloc(header + n_data + 1);
    memcpy(file, "\x93NUMPY", 6);
    file[6] = (uint8_t)major;
    file[7] = 0;
    for (size_t i = 0; i < preamble - 8; i++)
        file[8 + i] = (uint8_t)(dict_bytes >> (8 * i));
    memcpy(file + preamble, dict, dict_chars);
    memset(file + preamble + dict_chars, ' ', dict_bytes - dict_chars - 1);
    file[header - 1] = '\n';
    if (n_data > 0)
        memcpy(file + header, payload, n_data);
    *n_bytes = header + n_data;
    return file;
}

static int parse(const uint8_t *data, size_t n_bytes, int codebook_size, hfc_token **tokens,
                 int64_t *n_frames, int *n_codebooks, char *err)
{
    return hfc_tokens_npy_parse(data, n_bytes, codebook_size, tokens, n_frames, n_codebooks, err,
                                ERR_BYTES);
}

static void expect_error(const uint8_t *data, size_t n_bytes, int codebook_size,
                         const char *must_mention)
{
    hfc_token *tokens = (hfc_token *)&codebook_size; /* must come back NULL */
    int64_t n_frames;
    int n_codebooks;
    char err[ERR_BYTES] = "";
    int result = parse(data, n_bytes, codebook_size, &tokens, &n_frames, &n_codebooks, err);
    CHECK_MSG(result < 0, err);
    CHECK(tokens == NULL);
    CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
    if (must_mention != NULL)
        CHECK_MSG(strstr(err, must_mention) != NULL, err);
    if (result == 0)
        free(tokens);
}

static void expect_dict_error(const char *dict, const void *payload, size_t n_data,
                              const char *must_mention)
{
    size_t n_bytes;
    uint8_t *file = build_npy(1, dict, payload, n_data, &n_bytes);
    expect_error(file, n_bytes, 1024, must_mention);
    free(file);
}

static void test_round_trips(void)
{
    static const struct {
        int n_codebooks;
        int codebook_size;
    } geometries[] = {{4, 1024}, {1, 2}, {8, 65536}, {256, 32768}, {3, 32769}};
    for (size_t g = 0; g < sizeof geometries / sizeof geometries[0]; g++) {
        int n_codebooks = geometries[g].n_codebooks, codebook_size = geometries[g].codebook_size;
        int64_t n_frames = 1 + test_random_below(300);
        size_t n_tokens = (size_t)(n_frames * n_codebooks);
        hfc_token *tokens = malloc(n_tokens * sizeof *tokens);
        for (size_t i = 0; i < n_tokens; i++)
            tokens[i] = i % 7 == 0 ? codebook_size - 1
                                   : (hfc_token)test_random_below(codebook_size);
        uint8_t *data;
        size_t n_bytes;
        char err[ERR_BYTES] = "";
        CHECK_MSG(hfc_tokens_npy_format(tokens, n_frames, n_codebooks, codebook_size, &data,
                                        &n_bytes, err, sizeof err) == 0,
                  err);
        /* int16 while it can hold every token, int32 beyond. */
        const char *descr = codebook_size <= 32768 ? "'<i2'" : "'<i4'";
        CHECK(memmem(data, 64, descr, 5) != NULL);
        hfc_npy_header header;
        CHECK(hfc_npy_header_parse(data, n_bytes, &header, err, sizeof err) == 0);
        CHECK(header.data_offset % 64 == 0 && data[header.data_offset - 1] == '\n');

        hfc_token *read_back;
        int64_t read_frames;
        int read_codebooks;
        CHECK_MSG(parse(data, n_bytes, codebook_size, &read_back, &read_frames, &read_codebooks,
                        err) == 0,
                  err);
        CHECK(read_frames == n_frames && read_codebooks == n_codebooks);
        if (read_frames == n_frames && read_codebooks == n_codebooks)
            CHECK(memcmp(read_back, tokens, n_tokens * sizeof *tokens) == 0);
        free(read_back);
        free(data);
        free(tokens);
    }
}

/* Headers NumPy (old and new) and other writers produce, all meaning the same
 * 2 x 2 array [[1, 2], [3, 1023]]. */
static void test_accepted_variants(void)
{
    static const uint8_t le16[] = {1, 0, 2, 0, 3, 0, 0xFF, 3};
    static const uint8_t be16[] = {0, 1, 0, 2, 0, 3, 3, 0xFF};
    static const uint8_t le16_fortran[] = {1, 0, 3, 0, 2, 0, 0xFF, 3};
    static const uint8_t le32[] = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xFF, 3, 0, 0};
    static const uint8_t le64[] = {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
                                   3, 0, 0, 0, 0, 0, 0, 0, 0xFF, 3, 0, 0, 0, 0, 0, 0};
    static const struct {
        int major;
        const char *dict;
        const uint8_t *payload;
        size_t n_data;
    } cases[] = {
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2), }", le16, 8},
        {1, "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 2), }", le16, 8},
        {1, "{'descr': '>i2', 'fortran_order': False, 'shape': (2, 2), }", be16, 8},
        {1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", le32, 16},
        {1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", le64, 32},
        {1, "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 2), }", le16_fortran, 8},
        {1, "{'shape': (2L, 2L), 'fortran_order': False, 'descr': '<i2'}", le16, 8},
        {1, "{\"descr\":\"<i2\",\"fortran_order\":False,\"shape\":(2,2)}", le16, 8},
        {2, "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2), }", le16, 8},
        {3, "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2,), }", le16, 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n_bytes;
        uint8_t *file = build_npy(cases[i].major, cases[i].dict, cases[i].payload, cases[i].n_data,
                                  &n_bytes);
        hfc_token *tokens;
        int64_t n_frames;
        int n_codebooks;
        char err[ERR_BYTES] = "";
        int result = parse(file, n_bytes, 1024, &tokens, &n_frames, &n_codebooks, err);
        CHECK_MSG(result == 0, cases[i].dict);
        if (result == 0) {
            CHECK_MSG(n_frames == 2 && n_codebooks == 2, cases[i].dict);
            CHECK_MSG(tokens[0] == 1 && tokens[1] == 2 && tokens[2] == 3 && tokens[3] == 1023,
                      cases[i].dict);
            free(tokens);
        }
        free(file);
    }
}

static void test_rejected_headers(void)
{
    static const uint8_t four[8] = {0};
    /* Dtypes and shapes that are no token array. */
    expect_dict_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", four, 8,
                      "integers");
    expect_dict_error("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 4), }", four, 8,
                      "integers");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (4,), }", four, 8,
                      "shape");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 2, 2), }", four, 8,
                      "shape");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (), }", four, 2, "shape");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (4, 0), }", four, 0,
                      "codebooks");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (0, 4), }", four, 0,
                      "no frames");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 300), }", NULL, 0,
                      NULL);
    expect_dict_error("{'descr': '<U10', 'fortran_order': False, 'shape': (1, 1), }", four, 8,
                      "dtype");
    expect_dict_error("{'descr': [('a', '<i2')], 'fortran_order': False, 'shape': (1,), }", four,
                      2, NULL);
    /* Huge shapes: overflow in the product, absurd digits, more than the file holds. */
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (4611686018427387904, "
                      "4611686018427387904), }",
                      four, 8, "absurdly large");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': "
                      "(99999999999999999999999999, 4), }",
                      four, 8, "absurdly large");
    expect_dict_error("{'descr': '<i8', 'fortran_order': False, 'shape': (2305843009213693952, "
                      "4), }",
                      four, 8, "truncated");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1000000, 4), }", four,
                      8, "truncated");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 2), }", four, 8,
                      "unexpected bytes");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, "
                      "1), }",
                      four, 2, "dimensions");
    /* Syntax. */
    expect_dict_error("{'descr': '<i2', 'shape': (1, 4), }", four, 8, "missing");
    expect_dict_error("{'descr': '<i2', 'descr': '<i2', 'fortran_order': False, 'shape': (1, 4)}",
                      four, 8, "unexpected key");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 4), 'x': 1}", four, 8,
                      "unexpected key");
    expect_dict_error("{'descr': '<i2', 'fortran_order': Nope, 'shape': (1, 4)}", four, 8,
                      "True or False");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1, -4)}", four, 8,
                      "dimension");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1 4)}", four, 8,
                      "expected");
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 4)} x", four, 8,
                      "after the dict");
    expect_dict_error("{'descr': '<i2, 'fortran_order': False, 'shape': (1, 4)}", four, 8, NULL);
    expect_dict_error("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 4)", four, 8, NULL);
    expect_dict_error("{'descr': '<i\\x32', 'fortran_order': False, 'shape': (1, 4)}", four, 8,
                      NULL);
    expect_dict_error("", four, 8, NULL);
}

static void test_rejected_files(void)
{
    const hfc_token tokens[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    uint8_t *file;
    size_t n_bytes;
    char err[ERR_BYTES];
    CHECK(hfc_tokens_npy_format(tokens, 2, 4, 1024, &file, &n_bytes, err, sizeof err) == 0);

    /* Every truncation, of the header and of the data. */
    for (size_t cut = 0; cut < n_bytes; cut++)
        expect_error(file, cut, 1024, cut < 6 ? "magic" : "truncated");
    uint8_t *copy = malloc(n_bytes);
    memcpy(copy, file, n_bytes);
    copy[0] = 0x92;
    expect_error(copy, n_bytes, 1024, "magic");
    memcpy(copy, file, n_bytes);
    copy[6] = 4;
    expect_error(copy, n_bytes, 1024, "version");
    memcpy(copy, file, n_bytes);
    copy[8] = 0xFF; /* header length beyond the file */
    copy[9] = 0xFF;
    expect_error(copy, n_bytes, 1024, "truncated");

    /* Tokens outside [0, codebook_size): the file is fine, the codebook smaller. */
    expect_error(file, n_bytes, 7, "outside");
    memcpy(copy, file, n_bytes);
    copy[n_bytes - 1] = 0xFF; /* the last int16 becomes negative */
    expect_error(copy, n_bytes, 1024, "outside");
    free(copy);
    free(file);

    /* uint64 values beyond INT64_MAX must not wrap into range. */
    static const uint8_t huge[8] = {1, 0, 0, 0, 0, 0, 0, 0x80};
    expect_dict_error("{'descr': '<u8', 'fortran_order': False, 'shape': (1, 1), }", huge, 8,
                      "outside");

    /* The writer refuses what the reader would. */
    const hfc_token bad[2] = {0, 1024};
    CHECK(hfc_tokens_npy_format(bad, 1, 2, 1024, &file, &n_bytes, err, sizeof err) < 0);
    CHECK(file == NULL);
    CHECK(hfc_tokens_npy_format(tokens, 0, 4, 1024, &file, &n_bytes, err, sizeof err) < 0);
}

static void test_header_writer(void)
{
    uint8_t out[HFC_NPY_HEADER_MAX_BYTES];
    const int64_t dims[HFC_NPY_MAX_DIMS] = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX,
                                            INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    size_t n_bytes = hfc_npy_header_write("<f4", HFC_NPY_MAX_DIMS, dims, out);
    CHECK(n_bytes > 0 && n_bytes % 64 == 0 && out[n_bytes - 1] == '\n');
    const int64_t one[1] = {5};
    n_bytes = hfc_npy_header_write("<f4", 1, one, out);
    CHECK(n_bytes == 128 && memmem(out, n_bytes, "'shape': (5,), }", 16) != NULL);
    CHECK(hfc_npy_header_write("<f4", 0, one, out) == 0);
    const int64_t negative[1] = {-1};
    CHECK(hfc_npy_header_write("<f4", 1, negative, out) == 0);
}

int main(int argc, char **argv)
{
    test_seed_init(argc, argv);
    test_round_trips();
    test_accepted_variants();
    test_rejected_headers();
    test_rejected_files();
    test_header_writer();
    return test_finish("test_tokens_npy");
}
