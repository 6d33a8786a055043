/* Unit tests of the .hfc token bitstream (src/tokens/tokens_hfc.c, docs/TOKENS.md). */
#include "crc32.h"
#include "test_util.h"
#include "tokens_hfc.h"

#include <string.h>

#define ERR_BYTES 256

/* Geometries covering every bit width class: byte-aligned frames (4 x 10 bits),
 * odd widths that straddle bytes, 1-bit and 16-bit tokens, and many codebooks. */
static const struct {
    int n_codebooks;
    int codebook_size;
} geometries[] = {{4, 1024}, {1, 2}, {3, 1000}, {8, 65536}, {5, 3},
                  {128, 17}, {2, 32768}, {1, 1025}, {7, 511}, {256, 65535}};
enum { N_GEOMETRIES = sizeof geometries / sizeof geometries[0] };

static hfc_token_header make_header(int n_codebooks, int codebook_size, int64_t n_frames)
{
    hfc_token_header header = {0};
    header.model_id = test_random();
    header.sample_rate_hz = 16000;
    header.hop_samples = 320;
    header.codebook_size = codebook_size;
    header.n_codebooks = n_codebooks;
    header.n_frames = n_frames;
    return header;
}

static hfc_token *random_tokens(int64_t n_frames, int n_codebooks, int codebook_size)
{
    hfc_token *tokens = malloc((size_t)(n_frames * n_codebooks) * sizeof *tokens);
    for (int64_t i = 0; i < n_frames * n_codebooks; i++) {
        /* Mix in the extremes, where packing bugs show. */
        int64_t pick = test_random_below(8);
        tokens[i] = pick == 0   ? 0
                    : pick == 1 ? codebook_size - 1
                                : (hfc_token)test_random_below(codebook_size);
    }
    return tokens;
}

/* Rewrites the CRC after a deliberate header edit, so the edit itself is tested. */
static void reseal(uint8_t *file)
{
    uint32_t crc = hfc_crc32(file, 40);
    for (int i = 0; i < 4; i++)
        file[40 + i] = (uint8_t)(crc >> (8 * i));
}

static void store_u64(uint8_t *out, uint64_t value)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(value >> (8 * i));
}

/* Parses and expects failure; checks nothing leaked out on the way. */
static void expect_parse_error(const uint8_t *data, size_t n_bytes, const char *must_mention)
{
    hfc_token_header header;
    hfc_token *tokens = (hfc_token *)&header; /* must come back NULL */
    int64_t n_frames = -1;
    char err[ERR_BYTES] = "";
    int result = hfc_tokens_hfc_parse(data, n_bytes, &header, &tokens, &n_frames, err, sizeof err);
    CHECK_MSG(result < 0, err);
    CHECK(tokens == NULL);
    CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
    if (must_mention != NULL)
        CHECK_MSG(strstr(err, must_mention) != NULL, err);
    free(result == 0 ? tokens : NULL);
}

static void test_bits_and_crc(void)
{
    CHECK(hfc_tokens_hfc_bits_for(2) == 1);
    CHECK(hfc_tokens_hfc_bits_for(3) == 2);
    CHECK(hfc_tokens_hfc_bits_for(1024) == 10);
    CHECK(hfc_tokens_hfc_bits_for(1025) == 11);
    CHECK(hfc_tokens_hfc_bits_for(65536) == 16);
    CHECK(hfc_crc32("123456789", 9) == 0xCBF43926u);
    CHECK(hfc_crc32("", 0) == 0);
}

/* The documented layout, byte for byte: TOKENS.md's worked example. */
static void test_known_bytes(void)
{
    hfc_token_header header = {0};
    header.model_id = 0x0123456789ABCDEFu;
    header.sample_rate_hz = 16000;
    header.hop_samples = 320;
    header.codebook_size = 1024;
    header.n_codebooks = 4;
    header.n_frames = 2;
    const hfc_token tokens[8] = {1, 2, 3, 1023, 0, 512, 1023, 0};
    uint8_t *data;
    size_t n_bytes;
    char err[ERR_BYTES] = "";
    CHECK_MSG(hfc_tokens_hfc_format(&header, tokens, 2, &data, &n_bytes, err, sizeof err) == 0,
              err);
    static const uint8_t expected[54] = {
        'H', 'F', 'C', 'T', 1, 0, 0, 0,                   /* magic, version 1, flags 0 */
        0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01,   /* model id */
        0x80, 0x3E, 0, 0, 0x40, 0x01, 0, 0,               /* 16000 Hz, hop 320 */
        0x00, 0x04, 0, 0, 4, 0, 10, 0,                    /* 1024 entries, 4 codebooks, 10 bits */
        2, 0, 0, 0, 0, 0, 0, 0,                           /* 2 frames */
        0x0B, 0x4A, 0x00, 0xEE,                           /* CRC-32 of bytes 0..39 */
        /* 0000000001 0000000010 0000000011 1111111111, then
         * 0000000000 1000000000 1111111111 0000000000 */
        0x00, 0x40, 0x20, 0x0F, 0xFF, 0x00, 0x20, 0x0F, 0xFC, 0x00};
    CHECK(n_bytes == sizeof expected);
    if (n_bytes == sizeof expected) {
        for (size_t i = 0; i < n_bytes; i++) {
            if (data[i] != expected[i]) {
                fprintf(stderr, "byte %zu is %02x, expected %02x\n", i, data[i], expected[i]);
                test_failures++;
            }
        }
    }
    free(data);
}

static void test_round_trips(void)
{
    for (int g = 0; g < N_GEOMETRIES; g++) {
        for (int unknown = 0; unknown <= 1; unknown++) {
            int n_codebooks = geometries[g].n_codebooks;
            int codebook_size = geometries[g].codebook_size;
            int bits = hfc_tokens_hfc_bits_for(codebook_size);
            if (unknown && n_codebooks * bits < 8)
                continue; /* an unknown count needs frames of 8 bits or more */
            int64_t n_frames = 1 + test_random_below(200);
            hfc_token_header header = make_header(n_codebooks, codebook_size,
                                                  unknown ? HFC_TOKENS_UNKNOWN_FRAMES : n_frames);
            hfc_token *tokens = random_tokens(n_frames, n_codebooks, codebook_size);
            uint8_t *data;
            size_t n_bytes;
            char err[ERR_BYTES] = "";
            CHECK_MSG(hfc_tokens_hfc_format(&header, tokens, n_frames, &data, &n_bytes, err,
                                            sizeof err) == 0,
                      err);
            CHECK(n_bytes == 44 + (size_t)((n_frames * n_codebooks * bits + 7) / 8));

            hfc_token_header parsed;
            hfc_token *read_back;
            int64_t read_frames;
            CHECK_MSG(hfc_tokens_hfc_parse(data, n_bytes, &parsed, &read_back, &read_frames, err,
                                           sizeof err) == 0,
                      err);
            CHECK(read_frames == n_frames);
            CHECK(parsed.model_id == header.model_id && parsed.n_frames == header.n_frames);
            CHECK(parsed.codebook_size == codebook_size && parsed.n_codebooks == n_codebooks);
            CHECK(parsed.format == HFC_TOKENS_HFC);
            if (read_frames == n_frames)
                CHECK(memcmp(read_back, tokens,
                             (size_t)(n_frames * n_codebooks) * sizeof *tokens) == 0);
            free(read_back);
            free(data);
            free(tokens);
        }
    }
}

/* A live writer: header with an unknown count, then frame by frame through the
 * packer. The bytes must equal the one-shot writer's. */
static void test_streaming_packer(void)
{
    for (int g = 0; g < N_GEOMETRIES; g++) {
        int n_codebooks = geometries[g].n_codebooks, codebook_size = geometries[g].codebook_size;
        if (n_codebooks * hfc_tokens_hfc_bits_for(codebook_size) < 8)
            continue;
        int64_t n_frames = 1 + test_random_below(50);
        hfc_token_header header =
            make_header(n_codebooks, codebook_size, HFC_TOKENS_UNKNOWN_FRAMES);
        hfc_token *tokens = random_tokens(n_frames, n_codebooks, codebook_size);
        uint8_t *one_shot;
        size_t one_shot_bytes;
        char err[ERR_BYTES] = "";
        CHECK(hfc_tokens_hfc_format(&header, tokens, n_frames, &one_shot, &one_shot_bytes, err,
                                    sizeof err) == 0);
        uint8_t *stream = malloc(one_shot_bytes + 16);
        CHECK(hfc_tokens_hfc_header_write(&header, stream, err, sizeof err) == 0);
        size_t n_stream = HFC_TOKENS_HEADER_BYTES;
        hfc_tokens_hfc_packer packer = {0};
        packer.bits_per_token = hfc_tokens_hfc_bits_for(codebook_size);
        packer.n_codebooks = n_codebooks;
        for (int64_t f = 0; f < n_frames; f++) {
            size_t written = hfc_tokens_hfc_pack_frame(&packer, tokens + f * n_codebooks,
                                                       stream + n_stream);
            CHECK(written <= hfc_tokens_hfc_frame_max_bytes(&packer));
            n_stream += written;
        }
        n_stream += hfc_tokens_hfc_pack_finish(&packer, stream + n_stream);
        CHECK(n_stream == one_shot_bytes && memcmp(stream, one_shot, n_stream) == 0);
        free(stream);
        free(one_shot);
        free(tokens);
    }
}

/* A valid 4 x 1024 file of n_frames frames to corrupt. */
static uint8_t *valid_file(int64_t n_frames, int64_t count_field, size_t *n_bytes)
{
    hfc_token_header header = make_header(4, 1024, count_field);
    hfc_token *tokens = random_tokens(n_frames, 4, 1024);
    uint8_t *data;
    char err[ERR_BYTES];
    if (hfc_tokens_hfc_format(&header, tokens, n_frames, &data, n_bytes, err, sizeof err) != 0)
        abort();
    free(tokens);
    return data;
}

static void test_header_corruption(void)
{
    size_t n_bytes;
    uint8_t *file = valid_file(10, 10, &n_bytes);
    uint8_t *copy = malloc(n_bytes);

    /* Every single-bit flip in the header is caught (magic, version or CRC). */
    for (int byte = 0; byte < HFC_TOKENS_HEADER_BYTES; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, file, n_bytes);
            copy[byte] ^= (uint8_t)(1u << bit);
            expect_parse_error(copy, n_bytes, NULL);
        }
    }
    memcpy(copy, file, n_bytes);
    copy[0] = 'X';
    expect_parse_error(copy, n_bytes, "magic");
    memcpy(copy, file, n_bytes);
    copy[4] = 2;
    reseal(copy);
    expect_parse_error(copy, n_bytes, "version");
    memcpy(copy, file, n_bytes);
    copy[9] ^= 0x10; /* model id, CRC left stale */
    expect_parse_error(copy, n_bytes, "corrupt");

    /* Fields out of range, CRC made valid so the range checks are what fire. */
    static const struct {
        int offset;
        int n_bytes;
        uint64_t value;
        const char *mention;
    } edits[] = {
        {6, 2, 1, "flags"},           {31, 1, 1, "flags"},
        {16, 4, 0, "sample rate"},    {16, 4, 999, "sample rate"},
        {16, 4, 192001, "sample rate"}, {16, 4, 0xFFFFFFFF, "sample rate"},
        {20, 4, 0, "hop"},            {20, 4, 1000001, "hop"},
        {24, 4, 1, "codebook size"},  {24, 4, 65537, "codebook size"},
        {24, 4, 0xFFFFFFFF, "codebook size"},
        {28, 2, 0, "codebooks"},      {28, 2, 257, "codebooks"},
        {30, 1, 11, "bits"},          {30, 1, 9, "bits"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        memcpy(copy, file, n_bytes);
        for (int b = 0; b < edits[i].n_bytes; b++)
            copy[edits[i].offset + b] = (uint8_t)(edits[i].value >> (8 * b));
        reseal(copy);
        expect_parse_error(copy, n_bytes, edits[i].mention);
    }

    /* Every truncation of the header. */
    for (size_t cut = 0; cut < HFC_TOKENS_HEADER_BYTES; cut++)
        expect_parse_error(file, cut, cut < 4 ? "magic" : "truncated");
    free(copy);
    free(file);
}

static void test_payload_corruption(void)
{
    size_t n_bytes;
    uint8_t *file = valid_file(10, 10, &n_bytes);
    uint8_t *copy = malloc(n_bytes + 1);

    for (size_t cut = HFC_TOKENS_HEADER_BYTES; cut < n_bytes; cut++)
        expect_parse_error(file, cut, "truncated");
    memcpy(copy, file, n_bytes);
    copy[n_bytes] = 0;
    expect_parse_error(copy, n_bytes + 1, "unexpected bytes");

    /* Absurd counts must fail on the length check, never reach an allocation. */
    const uint64_t absurd[] = {(uint64_t)1 << 63, UINT64_MAX - 1, (uint64_t)1 << 40, 11, 0};
    for (size_t i = 0; i < sizeof absurd / sizeof absurd[0]; i++) {
        memcpy(copy, file, n_bytes);
        store_u64(copy + 32, absurd[i]);
        reseal(copy);
        expect_parse_error(copy, n_bytes, NULL);
    }

    /* Tokens the header's codebook cannot hold: 1024 entries written, 1000 claimed. */
    hfc_token_header header = make_header(4, 1024, 1);
    const hfc_token high[4] = {5, 999, 1000, 1};
    uint8_t *data;
    size_t data_bytes;
    char err[ERR_BYTES];
    CHECK(hfc_tokens_hfc_format(&header, high, 1, &data, &data_bytes, err, sizeof err) == 0);
    data[24] = 0xE8; /* 1000 = 0x03E8 */
    data[25] = 0x03;
    reseal(data);
    expect_parse_error(data, data_bytes, "outside");
    free(data);

    /* The writer refuses out-of-range tokens too. */
    const hfc_token negative[4] = {0, -1, 0, 0};
    CHECK(hfc_tokens_hfc_format(&header, negative, 1, &data, &data_bytes, err, sizeof err) < 0);
    CHECK(data == NULL);
    const hfc_token too_big[4] = {0, 0, 1024, 0};
    CHECK(hfc_tokens_hfc_format(&header, too_big, 1, &data, &data_bytes, err, sizeof err) < 0);
    header.n_frames = 2; /* count disagrees with the tokens given */
    CHECK(hfc_tokens_hfc_format(&header, high, 1, &data, &data_bytes, err, sizeof err) < 0);
    free(copy);
    free(file);
}

static void test_unknown_count(void)
{
    size_t n_bytes;
    uint8_t *file = valid_file(10, HFC_TOKENS_UNKNOWN_FRAMES, &n_bytes);
    /* 40-bit frames: every cut that is not on a frame boundary is a partial frame. */
    for (size_t cut = HFC_TOKENS_HEADER_BYTES + 1; cut < n_bytes; cut++) {
        size_t payload = cut - HFC_TOKENS_HEADER_BYTES;
        if (payload % 5 != 0) {
            expect_parse_error(file, cut, "partial");
        } else {
            hfc_token_header header;
            hfc_token *tokens;
            int64_t n_frames;
            char err[ERR_BYTES] = "";
            CHECK_MSG(hfc_tokens_hfc_parse(file, cut, &header, &tokens, &n_frames, err,
                                           sizeof err) == 0,
                      err);
            CHECK(n_frames == (int64_t)(payload / 5));
            free(tokens);
        }
    }
    expect_parse_error(file, HFC_TOKENS_HEADER_BYTES, "no frames");
    free(file);

    /* 3 x 10 bits = 30 bits: one frame takes 4 bytes with 2 padding bits, which
     * must be zero. */
    hfc_token_header header = make_header(3, 1024, HFC_TOKENS_UNKNOWN_FRAMES);
    const hfc_token tokens[3] = {1023, 1023, 1023};
    uint8_t *data;
    size_t data_bytes;
    char err[ERR_BYTES];
    CHECK(hfc_tokens_hfc_format(&header, tokens, 1, &data, &data_bytes, err, sizeof err) == 0);
    CHECK(data_bytes == 48 && data[47] == 0xFC);
    data[47] |= 0x01;
    expect_parse_error(data, data_bytes, "padding");
    free(data);
}

/* Frames under 8 bits cannot have an unknown count: the padding at the end could
 * hold a whole frame. Writer and reader both refuse. */
static void test_unknown_count_needs_byte_frames(void)
{
    hfc_token_header header = make_header(1, 2, HFC_TOKENS_UNKNOWN_FRAMES);
    const hfc_token tokens[3] = {1, 0, 1};
    uint8_t *data;
    size_t n_bytes;
    char err[ERR_BYTES];
    uint8_t head[HFC_TOKENS_HEADER_BYTES];
    CHECK(hfc_tokens_hfc_header_write(&header, head, err, sizeof err) < 0);
    CHECK(hfc_tokens_hfc_format(&header, tokens, 3, &data, &n_bytes, err, sizeof err) < 0);
    header.n_frames = 3;
    CHECK(hfc_tokens_hfc_format(&header, tokens, 3, &data, &n_bytes, err, sizeof err) == 0);
    CHECK(n_bytes == 45 && data[44] == 0xA0);
    store_u64(data + 32, HFC_TOKENS_UNKNOWN_FRAMES);
    reseal(data);
    expect_parse_error(data, n_bytes, "8 bits");
    free(data);
}

int main(int argc, char **argv)
{
    test_seed_init(argc, argv);
    test_bits_and_crc();
    test_known_bytes();
    test_round_trips();
    test_streaming_packer();
    test_header_corruption();
    test_payload_corruption();
    test_unknown_count();
    test_unknown_count_needs_byte_frames();
    return test_finish("test_tokens_hfc");
}
