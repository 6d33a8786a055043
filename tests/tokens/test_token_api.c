/* Unit tests of the public token-file calls of libhificodec (include/hificodec.h:
 * hfc_tokens_load_* / save_*, hfc_token_header_*, hfc_token_frame_*): the worked
 * example of docs/TOKENS.md through the public API, frame packing for every
 * geometry class, files replaced atomically and never half-written, and a one-line
 * reason in the log for every failure. */
#include "hificodec.h"
#include "test_util.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The last line the library logged, and how many. */
typedef struct log_capture {
    char line[512];
    int n_lines;
} log_capture;

static void capture_log(void *user, int level, const char *msg)
{
    log_capture *capture = user;
    CHECK(level == HFC_LOG_ERROR);
    CHECK(strchr(msg, '\n') == NULL && msg[0] != '\0');
    snprintf(capture->line, sizeof capture->line, "%s", msg);
    capture->n_lines++;
}

static hfc_token_file_options logging_options(log_capture *capture)
{
    memset(capture, 0, sizeof *capture);
    hfc_token_file_options options;
    hfc_token_file_options_init(&options);
    options.log = capture_log;
    options.log_user = capture;
    return options;
}

static hfc_token_header default_header(void)
{
    hfc_token_header header;
    memset(&header, 0, sizeof header);
    header.model_id = 0x0123456789ABCDEFu;
    header.sample_rate_hz = 16000;
    header.hop_samples = 320;
    header.codebook_size = 1024;
    header.n_codebooks = 4;
    header.n_frames = HFC_TOKENS_UNKNOWN_FRAMES;
    return header;
}

/* docs/TOKENS.md's worked example: the whole file, and each 5-byte frame alone. */
static void test_worked_example(void)
{
    static const uint8_t expected[54] = {
        'H',  'F',  'C',  'T',  1,    0,    0,    0,    0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45,
        0x23, 0x01, 0x80, 0x3E, 0,    0,    0x40, 0x01, 0,    0,    0x00, 0x04, 0,    0,
        4,    0,    10,   0,    2,    0,    0,    0,    0,    0,    0,    0,    0x0B, 0x4A,
        0x00, 0xEE, 0x00, 0x40, 0x20, 0x0F, 0xFF, 0x00, 0x20, 0x0F, 0xFC, 0x00};
    const hfc_token tokens[8] = {1, 2, 3, 1023, 0, 512, 1023, 0};
    hfc_token_header header = default_header();
    CHECK(hfc_tokens_saved_bytes(HFC_TOKENS_HFC, &header, 2) == 54);
    uint8_t file[64];
    CHECK(hfc_tokens_save_memory(HFC_TOKENS_HFC, &header, tokens, 2, file, sizeof file, NULL) ==
          54);
    CHECK(memcmp(file, expected, 54) == 0);
    CHECK(hfc_tokens_save_memory(HFC_TOKENS_HFC, &header, tokens, 2, file, 53, NULL) ==
          HFC_ERR_BUFFER_TOO_SMALL);

    CHECK(hfc_token_frame_bytes(&header) == 5);
    for (int f = 0; f < 2; f++) {
        uint8_t packed[8];
        CHECK(hfc_token_frame_pack(&header, tokens + 4 * f, packed, sizeof packed) == 5);
        CHECK(memcmp(packed, expected + 44 + 5 * f, 5) == 0);
        hfc_token back[4];
        CHECK(hfc_token_frame_unpack(&header, expected + 44 + 5 * f, 5, back) == HFC_OK);
        CHECK(memcmp(back, tokens + 4 * f, sizeof back) == 0);
    }

    hfc_token_header parsed;
    CHECK(hfc_token_header_parse(expected, sizeof expected, &parsed) == HFC_OK);
    CHECK(parsed.format == HFC_TOKENS_HFC && parsed.n_frames == 2);
    CHECK(parsed.model_id == header.model_id && parsed.n_codebooks == 4);
    uint8_t head[HFC_TOKENS_HEADER_BYTES];
    header.n_frames = 2;
    CHECK(hfc_token_header_write(&header, head) == HFC_OK);
    CHECK(memcmp(head, expected, sizeof head) == 0);
    header.sample_rate_hz = 5;
    CHECK(hfc_token_header_write(&header, head) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_token_header_parse(expected, 43, &parsed) == HFC_ERR_FORMAT);
}

/* Frames of every bit-width class, padded to whole bytes; the errors that a packet
 * receiver meets. */
static void test_frames(void)
{
    static const struct {
        int n_codebooks, codebook_size, frame_bytes;
    } shapes[] = {{4, 1024, 5}, {3, 1000, 4}, {1, 2, 1}, {8, 65536, 16}, {5, 3, 2}, {7, 511, 8}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        hfc_token_header header = default_header();
        header.n_codebooks = shapes[s].n_codebooks;
        header.codebook_size = shapes[s].codebook_size;
        CHECK(hfc_token_frame_bytes(&header) == shapes[s].frame_bytes);
        for (int trial = 0; trial < 200; trial++) {
            hfc_token frame[8], back[8];
            for (int k = 0; k < header.n_codebooks; k++)
                frame[k] = trial == 0   ? 0
                           : trial == 1 ? header.codebook_size - 1
                                        : (hfc_token)test_random_below(header.codebook_size);
            uint8_t packed[16];
            CHECK(hfc_token_frame_pack(&header, frame, packed, sizeof packed) ==
                  shapes[s].frame_bytes);
            CHECK(hfc_token_frame_unpack(&header, packed, sizeof packed, back) == HFC_OK);
            CHECK(memcmp(frame, back, (size_t)header.n_codebooks * sizeof *frame) == 0);
        }
    }

    hfc_token_header header = default_header();
    hfc_token frame[4] = {0, 1, 2, 3};
    uint8_t packed[5];
    CHECK(hfc_token_frame_pack(&header, frame, packed, 4) == HFC_ERR_BUFFER_TOO_SMALL);
    frame[2] = 1024;
    CHECK(hfc_token_frame_pack(&header, frame, packed, 5) == HFC_ERR_BAD_TOKEN);
    frame[2] = -1;
    CHECK(hfc_token_frame_pack(&header, frame, packed, 5) == HFC_ERR_BAD_TOKEN);
    CHECK(hfc_token_frame_unpack(&header, packed, 4, frame) == HFC_ERR_TOO_SHORT);
    header.codebook_size = 1;
    CHECK(hfc_token_frame_bytes(&header) == HFC_ERR_INVALID_ARG);

    /* 1000 entries in 10 bits: 1023 fits the bits but not the codebook. */
    header = default_header();
    header.codebook_size = 1000;
    const uint8_t all_ones[5] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    CHECK(hfc_token_frame_unpack(&header, all_ones, 5, frame) == HFC_ERR_BAD_TOKEN);
    /* 3 x 10 bits in 4 bytes: the 2 padding bits must be zero. */
    header.n_codebooks = 3;
    const uint8_t padded[4] = {0x00, 0x00, 0x00, 0x01};
    CHECK(hfc_token_frame_unpack(&header, padded, 4, frame) == HFC_ERR_FORMAT);
}

static char test_dir[] = "/tmp/hfc-token-api-XXXXXX";

static void join(char *out, size_t out_bytes, const char *name)
{
    snprintf(out, out_bytes, "%s/%s", test_dir, name);
}

/* Files in test_dir whose names contain part (the temporary files of a save). */
static int count_files_with(const char *part)
{
    DIR *dir = opendir(test_dir);
    int n = 0;
    struct dirent *entry;
    while (dir && (entry = readdir(dir)) != NULL)
        n += strstr(entry->d_name, part) != NULL;
    if (dir)
        closedir(dir);
    return n;
}

static void test_files(void)
{
    enum { N_FRAMES = 250 };
    hfc_token tokens[N_FRAMES * 4];
    for (int i = 0; i < N_FRAMES * 4; i++)
        tokens[i] = (hfc_token)test_random_below(1024);
    hfc_token_header header = default_header();
    const char *names[2] = {"a.hfc", "b.NPY"};
    const int formats[2] = {HFC_TOKENS_HFC, HFC_TOKENS_NPY};
    for (int i = 0; i < 2; i++) {
        char path[256];
        join(path, sizeof path, names[i]);
        log_capture log;
        hfc_token_file_options options = logging_options(&log);
        CHECK(hfc_tokens_save_file(path, HFC_TOKENS_AUTO, &header, tokens, N_FRAMES, &options) ==
              HFC_OK);
        struct stat st;
        CHECK(stat(path, &st) == 0 &&
              st.st_size == hfc_tokens_saved_bytes(formats[i], &header, N_FRAMES));
        hfc_token_header read;
        hfc_token *back = NULL;
        options.codebook_size = 1024;
        CHECK(hfc_tokens_load_file(path, &options, &read, &back) == N_FRAMES);
        CHECK(read.format == formats[i] && read.n_frames == N_FRAMES && read.n_codebooks == 4);
        CHECK(read.codebook_size == 1024);
        CHECK(read.model_id == (formats[i] == HFC_TOKENS_HFC ? header.model_id : 0));
        CHECK(back && memcmp(back, tokens, sizeof tokens) == 0);
        hfc_tokens_free(back);
        CHECK(log.n_lines == 0);

        /* A failed save (a token out of range) leaves the old file whole. */
        tokens[7] = 1024;
        CHECK(hfc_tokens_save_file(path, HFC_TOKENS_AUTO, &header, tokens, N_FRAMES, &options) ==
              HFC_ERR_BAD_TOKEN);
        CHECK(log.n_lines == 1 && strstr(log.line, "1024") != NULL);
        tokens[7] = 5;
        CHECK(hfc_tokens_load_file(path, &options, &read, &back) == N_FRAMES);
        hfc_tokens_free(back);
        /* A save over an existing file replaces it. */
        CHECK(hfc_tokens_save_file(path, HFC_TOKENS_AUTO, &header, tokens, 1, &options) == HFC_OK);
        CHECK(hfc_tokens_load_file(path, &options, &read, &back) == 1);
        hfc_tokens_free(back);
    }
    CHECK(count_files_with(".part-") == 0);

    log_capture log;
    hfc_token_file_options options = logging_options(&log);
    char path[256];
    join(path, sizeof path, "no-such-dir/x.npy");
    CHECK(hfc_tokens_save_file(path, HFC_TOKENS_AUTO, &header, tokens, 3, &options) == HFC_ERR_IO);
    CHECK(log.n_lines == 1 && strstr(log.line, "cannot create") != NULL);
    join(path, sizeof path, "x.txt");
    CHECK(hfc_tokens_save_file(path, HFC_TOKENS_AUTO, &header, tokens, 3, &options) ==
          HFC_ERR_INVALID_ARG);
    CHECK(access(path, F_OK) != 0);
    CHECK(hfc_tokens_save_file(path, HFC_TOKENS_NPY, &header, tokens, 0, &options) ==
          HFC_ERR_INVALID_ARG);

    hfc_token_header read;
    hfc_token *back = (hfc_token *)&read;
    join(path, sizeof path, "missing.hfc");
    CHECK(hfc_tokens_load_file(path, &options, &read, &back) == HFC_ERR_IO && back == NULL);
    CHECK(strstr(log.line, "cannot open") != NULL);
    CHECK(count_files_with(".part-") == 0);
}

static void expect_load_error(const void *data, size_t n_bytes, int codebook_size, int status,
                              const char *must_mention)
{
    log_capture log;
    hfc_token_file_options options = logging_options(&log);
    options.codebook_size = codebook_size;
    hfc_token_header header;
    hfc_token *tokens = (hfc_token *)&header;
    CHECK_MSG(hfc_tokens_load_memory(data, n_bytes, &options, &header, &tokens) == status,
              log.line);
    CHECK(tokens == NULL && log.n_lines == 1);
    CHECK_MSG(strstr(log.line, must_mention) != NULL, log.line);
}

static void test_load_errors(void)
{
    hfc_token_header header = default_header();
    hfc_token tokens[12] = {0, 1, 2, 1023, 4, 5, 6, 7, 8, 9, 10, 11};
    uint8_t hfc[64], npy[256];
    int64_t hfc_bytes = hfc_tokens_save_memory(HFC_TOKENS_HFC, &header, tokens, 3, hfc, 64, NULL);
    int64_t npy_bytes = hfc_tokens_save_memory(HFC_TOKENS_NPY, &header, tokens, 3, npy, 256, NULL);
    CHECK(hfc_bytes == 44 + 15 && npy_bytes == 128 + 24);
    expect_load_error(hfc, (size_t)hfc_bytes - 1, 0, HFC_ERR_FORMAT, "truncated");
    expect_load_error(npy, (size_t)npy_bytes - 1, 0, HFC_ERR_FORMAT, "truncated");
    expect_load_error(npy, (size_t)npy_bytes, 1000, HFC_ERR_BAD_TOKEN, "1023");
    expect_load_error("", 0, 0, HFC_ERR_FORMAT, "empty");
    expect_load_error("RIFF....WAVE", 12, 0, HFC_ERR_FORMAT, "not a token file");
    hfc[4] = 9; /* version */
    expect_load_error(hfc, (size_t)hfc_bytes, 0, HFC_ERR_UNSUPPORTED, "version");
}

static void test_header_check(void)
{
    hfc_model_info info;
    memset(&info, 0, sizeof info);
    info.sample_rate_hz = 16000;
    info.hop_samples = 320;
    info.n_codebooks = 4;
    info.codebook_size = 1024;
    info.model_id = 0x0123456789ABCDEFu;
    log_capture log;
    hfc_token_file_options options = logging_options(&log);

    hfc_token_header header = default_header();
    header.format = HFC_TOKENS_HFC;
    CHECK(hfc_token_header_check(&header, &info, 0, &options) == HFC_OK);
    header.model_id = 7;
    CHECK(hfc_token_header_check(&header, &info, 0, &options) == HFC_ERR_MODEL_MISMATCH);
    CHECK(strstr(log.line, "0000000000000007") != NULL);
    CHECK(hfc_token_header_check(&header, &info, 1, &options) == HFC_OK);
    header.hop_samples = 640;
    CHECK(hfc_token_header_check(&header, &info, 1, &options) == HFC_ERR_MODEL_MISMATCH);
    CHECK(strstr(log.line, "hop 640") != NULL);

    /* .npy records no model: only the shape and the bound its reader used count. */
    header = default_header();
    header.format = HFC_TOKENS_NPY;
    header.model_id = 0;
    header.sample_rate_hz = header.hop_samples = 0;
    CHECK(hfc_token_header_check(&header, &info, 0, &options) == HFC_OK);
    header.n_codebooks = 8;
    CHECK(hfc_token_header_check(&header, &info, 0, &options) == HFC_ERR_MODEL_MISMATCH);
    header.n_codebooks = 4;
    header.codebook_size = 65536;
    CHECK(hfc_token_header_check(&header, &info, 0, &options) == HFC_ERR_MODEL_MISMATCH);
}

int main(int argc, char **argv)
{
    test_seed_init(argc, argv);
    if (mkdtemp(test_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_worked_example();
    test_frames();
    test_files();
    test_load_errors();
    test_header_check();
    /* Everything written went to known names; remove them and the directory. */
    const char *names[] = {"a.hfc", "b.NPY"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[256];
        join(path, sizeof path, names[i]);
        unlink(path);
    }
    CHECK(rmdir(test_dir) == 0);
    return test_finish("test_token_api");
}
