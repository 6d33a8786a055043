/*
 * fuzz_rtp.c - fuzz target for the RTP payload parser and the receiver
 * (hfc_rtp_payload_parse, hfc_rtp_receiver_put / _get).
 *
 * The first 4 bytes are the packet's RTP timestamp (little endian), the rest its
 * payload. A payload that parses must write back byte for byte (reserved header
 * bits aside: the writer sends them as zero), and the receiver fed the same input
 * several times, at neighbouring timestamps, must hand out only frames that parse.
 * Built as a plain test, main() (tests/common/fuzz_replay.c) replays the corpus;
 * with libFuzzer:
 *
 *   clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude \
 *     -Isrc -Isrc/tokens tests/voip/fuzz_rtp.c src/rtp/rtp_*.c src/tokens/token_frame.c \
 *     src/tokens/tokens_hfc.c src/tokens/crc32.c src/tokens/fail_text.c -o fuzz_rtp
 *   ./fuzz_rtp -max_total_time=300 tests/voip/corpus
 */
#include "hificodec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_rtp: %s\n", what);
    abort(); /* what libFuzzer reports as a crash, with the input saved */
}

static hfc_token_header default_header(void)
{
    hfc_token_header h;
    memset(&h, 0, sizeof h);
    h.sample_rate_hz = 16000;
    h.hop_samples = 320;
    h.codebook_size = 1024;
    h.n_codebooks = 4;
    h.n_frames = HFC_TOKENS_UNKNOWN_FRAMES;
    return h;
}

static void check_parse(const hfc_token_header *h, const uint8_t *payload, size_t n_bytes)
{
    hfc_rtp_payload p;
    if (hfc_rtp_payload_parse(h, payload, n_bytes, &p) != HFC_OK)
        return;
    const int n_all = p.n_redundant + p.n_frames;
    if (p.n_frames < 1 || p.n_frames > HFC_RTP_MAX_FRAMES_PER_PACKET || p.frames != payload + 1 ||
        (size_t)(1 + n_all * p.frame_bytes) != n_bytes)
        fail("a parsed payload's fields do not match its bytes");
    hfc_token *tokens = malloc((size_t)n_all * (size_t)h->n_codebooks * sizeof *tokens);
    uint8_t *again = malloc(n_bytes);
    if (!tokens || !again)
        fail("out of memory");
    for (int f = 0; f < n_all; f++)
        if (hfc_token_frame_unpack(h, p.frames + f * p.frame_bytes, (size_t)p.frame_bytes,
                                   tokens + f * h->n_codebooks) != HFC_OK)
            fail("a frame of a parsed payload does not unpack");
    if (hfc_rtp_payload_write(h, tokens, p.n_redundant, p.n_frames, again, n_bytes) !=
        (int)n_bytes)
        fail("a parsed payload does not write back");
    if ((again[0] ^ payload[0]) & ~7u || memcmp(again + 1, payload + 1, n_bytes - 1) != 0)
        fail("a parsed payload writes back different bytes");
    free(tokens);
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    const hfc_token_header h = default_header();
    const uint32_t timestamp = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
                               (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
    const uint8_t *payload = data + 4;
    const size_t n_bytes = size - 4;
    check_parse(&h, payload, n_bytes);

    hfc_rtp_receiver_options ro;
    hfc_rtp_receiver_options_init(&ro);
    ro.capacity_frames = 16;
    hfc_rtp_receiver *r = hfc_rtp_receiver_create(&h, &ro, NULL);
    if (!r)
        fail("receiver create failed");
    const uint32_t offsets[] = {0, 320, 640, 0xFFFFFEC0u, 320u * 40u, 1};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        int stored = hfc_rtp_receiver_put(r, timestamp + offsets[i], payload, n_bytes);
        if (stored > HFC_RTP_MAX_REDUNDANT_FRAMES + HFC_RTP_MAX_FRAMES_PER_PACKET)
            fail("a payload stored more frames than it can hold");
        hfc_token frame[4];
        uint8_t packed[8];
        int got = hfc_rtp_receiver_get(r, frame, NULL);
        if (got == 1 && hfc_token_frame_pack(&h, frame, packed, sizeof packed) != 5)
            fail("the receiver handed out a frame that does not pack");
        if (hfc_rtp_receiver_buffered_frames(r) > ro.capacity_frames)
            fail("more frames buffered than the capacity");
    }
    hfc_rtp_receiver_destroy(r);
    return 0;
}
