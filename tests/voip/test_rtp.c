/* The RTP payload format and its sender and receiver (hfc_rtp_*, docs/RTP.md):
 * the worked example of the document byte for byte, every malformed payload
 * rejected, a sender's packets through a receiver in and out of order, with
 * duplicates, across the 32-bit timestamp wrap, and redundancy recovering every
 * frame of an isolated-loss pattern and what it can of bursts. Randomised parts
 * print their seed (HFC_TEST_SEED replays one). */
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"
#include "test_util.h"

static hfc_token_header default_header(void)
{
    hfc_token_header h;
    memset(&h, 0, sizeof h);
    h.model_id = 0x1899c35096ac1e01u;
    h.sample_rate_hz = 16000;
    h.hop_samples = 320;
    h.codebook_size = 1024;
    h.n_codebooks = 4;
    h.n_frames = HFC_TOKENS_UNKNOWN_FRAMES;
    return h;
}

/* docs/RTP.md, "Example": one redundant frame, then two frames. */
static void test_worked_example(void)
{
    const hfc_token_header h = default_header();
    const hfc_token frames[12] = {1, 2, 3, 1023, 0, 512, 1023, 0, 1023, 1023, 1023, 1023};
    static const uint8_t expected[16] = {0x08, 0x00, 0x40, 0x20, 0x0F, 0xFF, 0x00, 0x20, 0x0F,
                                         0xFC, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    uint8_t out[32];
    CHECK(hfc_rtp_payload_bytes(&h, 1, 2) == 16);
    CHECK(hfc_rtp_payload_write(&h, frames, 1, 2, out, sizeof out) == 16);
    CHECK(memcmp(out, expected, 16) == 0);
    CHECK(hfc_rtp_payload_write(&h, frames, 1, 2, out, 15) == HFC_ERR_BUFFER_TOO_SMALL);

    hfc_rtp_payload p;
    CHECK(hfc_rtp_payload_parse(&h, expected, 16, &p) == HFC_OK);
    CHECK(p.n_redundant == 1 && p.n_frames == 2 && p.frame_bytes == 5);
    CHECK(p.frames == expected + 1);
    hfc_token back[4];
    for (int f = 0; f < 3; f++) {
        CHECK(hfc_token_frame_unpack(&h, p.frames + 5 * f, 5, back) == HFC_OK);
        CHECK(memcmp(back, frames + 4 * f, sizeof back) == 0);
    }
}

static void test_malformed(void)
{
    const hfc_token_header h = default_header();
    const hfc_token frames[8] = {5, 6, 7, 8, 9, 10, 11, 12};
    uint8_t good[16], bad[16];
    CHECK(hfc_rtp_payload_write(&h, frames, 0, 2, good, sizeof good) == 11);
    hfc_rtp_payload p;
    CHECK(hfc_rtp_payload_parse(&h, good, 0, &p) == HFC_ERR_TOO_SHORT);
    CHECK(hfc_rtp_payload_parse(&h, NULL, 5, &p) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_rtp_payload_parse(&h, good, 11, NULL) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_rtp_payload_parse(&h, good, 1, &p) == HFC_ERR_FORMAT);   /* no frame */
    CHECK(hfc_rtp_payload_parse(&h, good, 10, &p) == HFC_ERR_FORMAT);  /* partial frame */
    memcpy(bad, good, 11);
    bad[0] = 0x40; /* version 1 */
    CHECK(hfc_rtp_payload_parse(&h, bad, 11, &p) == HFC_ERR_FORMAT);
    bad[0] = 0x10; /* two redundant frames of two */
    CHECK(hfc_rtp_payload_parse(&h, bad, 11, &p) == HFC_ERR_FORMAT);
    bad[0] = 0x01; /* reserved bits are ignored */
    CHECK(hfc_rtp_payload_parse(&h, bad, 11, &p) == HFC_OK && p.n_frames == 2);
    /* A 6-bit codebook leaves padding bits in a frame: they must be zero. */
    hfc_token_header small = h;
    small.codebook_size = 64;
    small.n_codebooks = 3; /* 18 bits in 3 bytes: 6 padding bits */
    const hfc_token t3[3] = {63, 0, 63};
    CHECK(hfc_rtp_payload_write(&small, t3, 0, 1, bad, sizeof bad) == 4);
    CHECK(hfc_rtp_payload_parse(&small, bad, 4, &p) == HFC_OK);
    bad[3] |= 1;
    CHECK(hfc_rtp_payload_parse(&small, bad, 4, &p) == HFC_ERR_FORMAT);
    /* Writers refuse what readers would. */
    const hfc_token out_of_range[4] = {0, 1024, 0, 0};
    CHECK(hfc_rtp_payload_write(&h, out_of_range, 0, 1, bad, sizeof bad) == HFC_ERR_BAD_TOKEN);
    CHECK(hfc_rtp_payload_write(&h, frames, 8, 1, bad, sizeof bad) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_rtp_payload_write(&h, frames, 0, 0, bad, sizeof bad) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_rtp_payload_bytes(&h, 0, HFC_RTP_MAX_FRAMES_PER_PACKET + 1) == HFC_ERR_INVALID_ARG);
}

/* A stream of random frames, the packets a sender makes of it. */
typedef struct packet {
    uint32_t timestamp;
    int n_bytes;
    uint8_t bytes[64];
} packet;

static int make_packets(const hfc_token_header *h, int n_redundant, int per_packet,
                        uint32_t first_timestamp, const hfc_token *frames, int n_frames,
                        packet *out)
{
    hfc_rtp_sender_options so;
    hfc_rtp_sender_options_init(&so);
    so.n_redundant = n_redundant;
    so.frames_per_packet = per_packet;
    so.first_timestamp = first_timestamp;
    int st = 0;
    hfc_rtp_sender *s = hfc_rtp_sender_create(h, &so, &st);
    CHECK(s && st == HFC_OK);
    CHECK(hfc_rtp_sender_max_payload_bytes(s) == 1 + 5 * (n_redundant + per_packet));
    int n_packets = 0;
    for (int f = 0; f < n_frames; f++) {
        packet *p = &out[n_packets];
        p->n_bytes = hfc_rtp_sender_push(s, frames + 4 * f, p->bytes, sizeof p->bytes,
                                         &p->timestamp);
        CHECK(p->n_bytes >= 0);
        n_packets += p->n_bytes > 0;
    }
    packet *p = &out[n_packets];
    p->n_bytes = hfc_rtp_sender_flush(s, p->bytes, sizeof p->bytes, &p->timestamp);
    n_packets += p->n_bytes > 0;
    CHECK(hfc_rtp_sender_flush(s, p->bytes, sizeof p->bytes, &p->timestamp) == 0);
    hfc_rtp_sender_destroy(s);
    return n_packets;
}

/* Plays n_frames from a receiver holding what came; counts frames played exactly,
 * missing ones, and wrong ones (a frame that is not the sent one: a bug). */
static void play_all(hfc_rtp_receiver *r, const hfc_token *frames, int n_frames, int *exact,
                     int *missing, int *wrong)
{
    *exact = *missing = *wrong = 0;
    for (int f = 0; f < n_frames; f++) {
        hfc_token got[4];
        int st = hfc_rtp_receiver_get(r, got, NULL);
        CHECK(st >= 0);
        if (st == 0)
            (*missing)++;
        else if (memcmp(got, frames + 4 * f, sizeof got) == 0)
            (*exact)++;
        else
            (*wrong)++;
    }
}

static hfc_token *random_frames(int n_frames)
{
    hfc_token *f = malloc((size_t)n_frames * 4 * sizeof *f);
    for (int i = 0; i < 4 * n_frames; i++)
        f[i] = (hfc_token)(hfc_test_rand_u64() % 1024);
    return f;
}

/* Every packet in a random order (within the buffer), some twice, across the
 * timestamp wrap: every frame comes out exact, in order. */
static void test_reorder_and_wrap(void)
{
    const hfc_token_header h = default_header();
    const int n_frames = 200;
    hfc_token *frames = random_frames(n_frames);
    packet *packets = malloc(sizeof(packet) * (size_t)(n_frames + 2));
    for (int per = 1; per <= 3; per++) {
        const uint32_t first = 0xFFFFFFFFu - 50u * 320u + 1u;
        const int n_packets = make_packets(&h, 2, per, first, frames, n_frames, packets);
        CHECK(n_packets == (n_frames + per - 1) / per);
        CHECK(packets[0].timestamp == first);
        /* Shuffle neighbours: each packet moves at most 3 places. */
        int *order = malloc(sizeof(int) * (size_t)n_packets);
        for (int i = 0; i < n_packets; i++)
            order[i] = i;
        for (int i = 1; i < n_packets; i++) {
            int j = i - (int)(hfc_test_rand_u64() % 4);
            if (j < 1) /* the first packet sets the play position: keep it first */
                j = 1;
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        hfc_rtp_receiver_options ro;
        hfc_rtp_receiver_options_init(&ro);
        ro.capacity_frames = 4 * n_frames;
        hfc_rtp_receiver *r = hfc_rtp_receiver_create(&h, &ro, NULL);
        for (int i = 0; i < n_packets; i++) {
            const packet *p = &packets[order[i]];
            CHECK(hfc_rtp_receiver_put(r, p->timestamp, p->bytes, (size_t)p->n_bytes) >= 0);
            if (i % 5 == 0) /* a duplicate stores nothing */
                CHECK(hfc_rtp_receiver_put(r, p->timestamp, p->bytes, (size_t)p->n_bytes) == 0);
        }
        CHECK(hfc_rtp_receiver_buffered_frames(r) == n_frames);
        int exact, missing, wrong;
        play_all(r, frames, n_frames, &exact, &missing, &wrong);
        CHECK_MSG(exact == n_frames && missing == 0 && wrong == 0,
                  "%d frames a packet: %d exact, %d missing, %d wrong", per, exact, missing, wrong);
        hfc_rtp_receiver_stats st;
        CHECK(hfc_rtp_receiver_get_stats(r, &st) == HFC_OK);
        /* Reordered, a frame may come first as the next packet's copy. */
        CHECK(st.played == n_frames && st.missing == 0 &&
              st.frames_primary + st.frames_redundant == n_frames);
        CHECK(st.duplicates > 0 && st.malformed == 0);
        hfc_rtp_receiver_destroy(r);
        free(order);
    }
    free(packets);
    free(frames);
}

/* Isolated losses (never two packets in a row) with K >= 1: every frame comes
 * back exact. Bursts of B with K >= B: every frame too. */
static void test_redundancy_recovers(void)
{
    const hfc_token_header h = default_header();
    const int n_frames = 1000;
    hfc_token *frames = random_frames(n_frames);
    packet *packets = malloc(sizeof(packet) * (size_t)(n_frames + 2));
    for (int k = 0; k <= 4; k++) {
        const int n_packets = make_packets(&h, k, 1, 1234, frames, n_frames, packets);
        for (int burst = 1; burst <= 3; burst++) {
            hfc_rtp_receiver *r = hfc_rtp_receiver_create(&h, NULL, NULL);
            CHECK(hfc_rtp_receiver_start(r, 1234) == HFC_OK);
            int n_lost = 0, exact = 0, missing = 0, wrong = 0;
            /* Real-time order: packet f arrives, then frame f - k plays. */
            /* Bursts of exactly `burst` packets, at least one packet apart. */
            int remaining = 0, gap = 0;
            for (int f = 0; f < n_packets; f++) {
                int lose = 0;
                if (remaining > 0)
                    lose = 1, remaining--;
                else if (gap)
                    gap = 0;
                else if (f > 0 && hfc_test_rand_u64() % 10 == 0)
                    lose = 1, remaining = burst - 1;
                gap |= lose && remaining == 0;
                if (lose)
                    n_lost++;
                else
                    CHECK(hfc_rtp_receiver_put(r, packets[f].timestamp, packets[f].bytes,
                                               (size_t)packets[f].n_bytes) >= 0);
                if (f >= k) {
                    int e, m, w;
                    play_all(r, frames + 4 * (f - k), 1, &e, &m, &w);
                    exact += e, missing += m, wrong += w;
                }
            }
            for (int f = n_frames - k; f < n_frames; f++) {
                int e, m, w;
                play_all(r, frames + 4 * f, 1, &e, &m, &w);
                exact += e, missing += m, wrong += w;
            }
            CHECK(wrong == 0 && exact + missing == n_frames);
            /* Losses at the very end have no later packet to repeat them. */
            if (k >= burst)
                CHECK_MSG(missing <= burst, "K=%d, bursts of %d: %d of %d lost missing", k, burst,
                          missing, n_lost);
            else
                CHECK(n_lost == 0 || missing > 0);
            if (k == 0)
                CHECK(missing == n_lost);
            printf("K=%d, bursts of %d: %d packets lost, %d frames missing\n", k, burst, n_lost,
                   missing);
            hfc_rtp_receiver_destroy(r);
        }
    }
    free(packets);
    free(frames);
}

/* Bad payloads and timestamps are counted and store nothing; a late frame is
 * dropped; a payload far ahead restarts the play position. */
static void test_receiver_edges(void)
{
    const hfc_token_header h = default_header();
    hfc_rtp_receiver_options ro;
    hfc_rtp_receiver_options_init(&ro);
    ro.capacity_frames = 8;
    hfc_rtp_receiver *r = hfc_rtp_receiver_create(&h, &ro, NULL);
    hfc_token got[4];
    CHECK(hfc_rtp_receiver_get(r, got, NULL) == HFC_ERR_STATE);
    const hfc_token frame[4] = {1, 2, 3, 4};
    uint8_t payload[8];
    CHECK(hfc_rtp_payload_write(&h, frame, 0, 1, payload, sizeof payload) == 6);
    CHECK(hfc_rtp_receiver_put(r, 1000, payload, 6) == 1);
    CHECK(hfc_rtp_receiver_put(r, 1001, payload, 6) == HFC_ERR_FORMAT); /* off the grid */
    CHECK(hfc_rtp_receiver_put(r, 1320, payload, 5) == HFC_ERR_FORMAT);
    uint32_t ts = 0;
    CHECK(hfc_rtp_receiver_get(r, got, &ts) == 1 && ts == 1000);
    CHECK(hfc_rtp_receiver_put(r, 1000, payload, 6) == 0); /* late */
    CHECK(hfc_rtp_receiver_get(r, got, &ts) == 0 && ts == 1320);
    CHECK(hfc_rtp_receiver_put(r, 1000 + 320 * 100, payload, 6) == 1); /* far ahead */
    CHECK(hfc_rtp_receiver_get(r, got, &ts) == 1 && ts == 1000 + 320 * 100);
    hfc_rtp_receiver_stats st;
    hfc_rtp_receiver_get_stats(r, &st);
    CHECK(st.malformed == 2 && st.late == 1 && st.restarts == 1 && st.missing == 1);
    CHECK(st.played == 2 && st.packets == 3);

    int status = 0;
    ro.capacity_frames = 0;
    CHECK(hfc_rtp_receiver_create(&h, &ro, &status) == NULL && status == HFC_ERR_INVALID_ARG);
    hfc_rtp_sender_options so;
    hfc_rtp_sender_options_init(&so);
    so.n_redundant = HFC_RTP_MAX_REDUNDANT_FRAMES + 1;
    CHECK(hfc_rtp_sender_create(&h, &so, &status) == NULL && status == HFC_ERR_INVALID_ARG);
    hfc_token_header broken = h;
    broken.n_codebooks = 0;
    CHECK(hfc_rtp_receiver_create(&broken, NULL, &status) == NULL);
    CHECK(hfc_rtp_receiver_put(NULL, 0, payload, 6) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_rtp_receiver_get(r, NULL, NULL) == HFC_ERR_INVALID_ARG);
    hfc_rtp_receiver_reset(r);
    CHECK(hfc_rtp_receiver_get(r, got, NULL) == HFC_ERR_STATE);
    hfc_rtp_receiver_destroy(r);

    hfc_rtp_sender *s = hfc_rtp_sender_create(&h, NULL, NULL);
    const hfc_token bad[4] = {0, 0, 0, 4096};
    CHECK(hfc_rtp_sender_push(s, bad, payload, sizeof payload, &ts) == HFC_ERR_BAD_TOKEN);
    CHECK(hfc_rtp_sender_push(s, frame, payload, 5, &ts) == HFC_ERR_BUFFER_TOO_SMALL);
    CHECK(hfc_rtp_sender_push(s, frame, payload, sizeof payload, &ts) == 6 && ts == 0);
    hfc_rtp_sender_destroy(s);
}

int main(void)
{
    hfc_test_seed();
    test_worked_example();
    test_malformed();
    test_reorder_and_wrap();
    test_redundancy_recovers();
    test_receiver_edges();
    return hfc_test_finish("test_rtp");
}
