/* Fuzz target for the hificodecd wire protocol's parsers (src/client/protocol.c),
 * which the daemon runs on every message a client sends and the client library on
 * every message the daemon sends. Any input must parse or be rejected without a
 * fault (ASan/UBSan in CI), and whatever parses must write back to the same bytes
 * (the writers are canonical), so a parser cannot silently accept more than the
 * protocol says.
 *
 * Built two ways: with -fsanitize=fuzzer for real fuzzing (clang; meson builds it
 * as fuzz_protocol_libfuzzer when clang is there), and linked with
 * tests/common/fuzz_replay.c, which replays a corpus folder: how CI runs it. New finds worth keeping go into tests/fuzz/corpus/ (make_corpus.py
 * writes the seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_protocol: %s\n", what);
    abort(); /* what libFuzzer reports as a crash, with the input saved */
}

static void same(const uint8_t *a, const uint8_t *b, size_t n, const char *what)
{
    if (memcmp(a, b, n) != 0)
        fail(what);
}

/* Every body parser on the body, whatever the header says: the daemon picks the
 * parser by type, but a parser must be safe on any bytes. */
static void bodies(const uint8_t *body, size_t n)
{
    uint8_t out[HFC_PROTO_HELLO_BYTES + HFC_PROTO_MAX_NAME_BYTES + HFC_PROTO_ERROR_MAX_BYTES +
                HFC_PROTO_STATS_BYTES + 64];
    hfc_proto_hello hello;
    if (hfc_proto_parse_hello(body, n, &hello) == HFC_OK) {
        if (hfc_proto_write_hello(out, &hello) != n)
            fail("HELLO write-back length");
        same(out, body, n, "HELLO write-back");
        int v = hfc_proto_negotiate(&hello);
        if (v && (v < hello.min_version || v > hello.max_version || v > HFC_PROTO_VERSION_MAX))
            fail("negotiated a version outside both ranges");
    }
    hfc_proto_hello_ok hello_ok;
    if (hfc_proto_parse_hello_ok(body, n, &hello_ok) == HFC_OK) {
        if (hfc_proto_write_hello_ok(out, &hello_ok) != n)
            fail("HELLO_OK write-back length");
        same(out, body, n, "HELLO_OK write-back");
    }
    hfc_proto_open open;
    if (hfc_proto_parse_open(body, n, &open) == HFC_OK) {
        hfc_proto_write_open(out, &open);
        same(out, body, n, "OPEN write-back");
        if (!hfc_proto_bytes_per_sample(open.sample_format))
            fail("OPEN accepted an unknown sample format");
    }
    hfc_proto_open_ok open_ok;
    if (hfc_proto_parse_open_ok(body, n, &open_ok) == HFC_OK) {
        hfc_proto_write_open_ok(out, &open_ok);
        same(out, body, n, "OPEN_OK write-back");
    }
    uint32_t directions;
    if (hfc_proto_parse_flush(body, n, &directions) == HFC_OK) {
        hfc_proto_write_flush(out, directions);
        same(out, body, n, "FLUSH write-back");
    }
    hfc_proto_error error;
    if (hfc_proto_parse_error(body, n, &error) == HFC_OK) {
        if (strlen(error.text) != n - 4 || hfc_proto_write_error(out, error.code, error.text) != n)
            fail("ERROR text length");
        same(out, body, n, "ERROR write-back");
    }
    uint64_t stats[HFC_STAT_COUNT];
    if (hfc_proto_parse_stats(body, n, stats) == HFC_OK) {
        hfc_proto_write_stats(out, stats);
        same(out, body, HFC_PROTO_STATS_BYTES, "STATS write-back");
    }
    uint64_t position;
    if (hfc_proto_parse_position(body, n, &position) == HFC_OK && n < HFC_PROTO_POSITION_BYTES)
        fail("position read from a short body");
    uint32_t count;
    for (int format = 0; format <= 3; format++) {
        if (hfc_proto_check_pcm(n, format, 1u << 20, &count) == HFC_OK &&
            (size_t)count * (size_t)hfc_proto_bytes_per_sample(format) != n)
            fail("PCM count disagrees with the size");
    }
    static const uint32_t shapes[][2] = {{4, 1024}, {1, 2}, {8, 65536}, {3, 1000}, {128, 7}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        if (hfc_proto_check_tokens(body, n, shapes[i][0], shapes[i][1], 1u << 20, &count) != HFC_OK)
            continue;
        if ((size_t)count * shapes[i][0] * 2 != n)
            fail("token frame count disagrees with the size");
        size_t n_tokens = n / 2;
        hfc_token *tokens = malloc((n_tokens ? n_tokens : 1) * sizeof *tokens);
        uint8_t *again = malloc(n ? n : 1);
        hfc_proto_read_tokens(body, n_tokens, tokens);
        for (size_t t = 0; t < n_tokens; t++)
            if (tokens[t] < 0 || (uint32_t)tokens[t] >= shapes[i][1])
                fail("a token out of range passed the check");
        hfc_proto_write_tokens(again, tokens, n_tokens);
        same(again, body, n, "tokens write-back");
        free(tokens);
        free(again);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hfc_proto_header h;
    uint32_t stream, seq;
    hfc_proto_peek_ids(data, size, &stream, &seq);
    if (hfc_proto_parse_header(data, size, &h) == HFC_OK) {
        uint8_t again[HFC_PROTO_HEADER_BYTES];
        hfc_proto_write_header(again, &h);
        same(again, data, HFC_PROTO_HEADER_BYTES, "header write-back");
        if (h.stream != stream || h.seq != seq)
            fail("peek_ids disagrees with the header");
        hfc_proto_check_direction(&h, 0);
        hfc_proto_check_direction(&h, 1);
        bodies(data + HFC_PROTO_HEADER_BYTES, h.body_bytes);
    } else {
        bodies(data, size); /* the bodies' parsers get raw bytes too */
    }
    return 0;
}
