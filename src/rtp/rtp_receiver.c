/* hfc_rtp_receiver: a fixed-size jitter buffer of frames in a ring.
 *
 * Slot play_slot holds the frame at play_timestamp, the next to play; slot
 * (play_slot + k) % capacity the frame k hops later. A frame's own packet fills
 * its slot; a redundant copy only an empty one, so a frame is never replaced.
 * Timestamps are compared as signed 32-bit differences from the play position,
 * which survives the RTP timestamp's wrap (and tells late from early for ±2^31
 * samples, 37 hours at 16 kHz). Real-time safe after create. */
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"

enum { SLOT_EMPTY = 0, SLOT_PRIMARY = 1, SLOT_REDUNDANT = 2 };

#define MAX_CAPACITY 10000

struct hfc_rtp_receiver {
    hfc_token_header header;
    int capacity;
    hfc_token *tokens;       /* capacity frames */
    uint8_t *state;          /* SLOT_* per slot */
    int started;
    uint32_t play_timestamp;
    int play_slot;
    int ahead;               /* slots from play_slot to the newest stored, + 1 */
    hfc_rtp_receiver_stats stats;
};

void hfc_rtp_receiver_options_init(hfc_rtp_receiver_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof *options);
    options->capacity_frames = 64;
}

hfc_rtp_receiver *hfc_rtp_receiver_create(const hfc_token_header *header,
                                          const hfc_rtp_receiver_options *options, int *status)
{
    hfc_rtp_receiver_options o;
    hfc_rtp_receiver_options_init(&o);
    if (options)
        o = *options;
    int st = HFC_OK;
    hfc_rtp_receiver *r = NULL;
    if (hfc_token_frame_bytes(header) < 0 || header->hop_samples < 1 ||
        o.capacity_frames < 1 || o.capacity_frames > MAX_CAPACITY)
        st = HFC_ERR_INVALID_ARG;
    else if (!(r = calloc(1, sizeof *r)) ||
             !(r->tokens = malloc((size_t)o.capacity_frames * (size_t)header->n_codebooks *
                                  sizeof *r->tokens)) ||
             !(r->state = calloc((size_t)o.capacity_frames, 1)))
        st = HFC_ERR_NO_MEMORY;
    if (st != HFC_OK) {
        hfc_rtp_receiver_destroy(r);
        r = NULL;
    } else {
        r->header = *header;
        r->capacity = o.capacity_frames;
        hfc_rtp_receiver_reset(r);
    }
    if (status)
        *status = st;
    return r;
}

void hfc_rtp_receiver_destroy(hfc_rtp_receiver *receiver)
{
    if (!receiver)
        return;
    free(receiver->tokens);
    free(receiver->state);
    free(receiver);
}

static void clear_slots(hfc_rtp_receiver *r)
{
    memset(r->state, SLOT_EMPTY, (size_t)r->capacity);
    r->play_slot = 0;
    r->ahead = 0;
}

void hfc_rtp_receiver_reset(hfc_rtp_receiver *receiver)
{
    if (!receiver)
        return;
    clear_slots(receiver);
    receiver->started = 0;
    receiver->play_timestamp = 0;
    memset(&receiver->stats, 0, sizeof receiver->stats);
}

int hfc_rtp_receiver_start(hfc_rtp_receiver *receiver, uint32_t timestamp)
{
    if (!receiver)
        return HFC_ERR_INVALID_ARG;
    clear_slots(receiver);
    receiver->started = 1;
    receiver->play_timestamp = timestamp;
    return HFC_OK;
}

int hfc_rtp_receiver_put(hfc_rtp_receiver *receiver, uint32_t timestamp, const void *payload,
                         size_t n_bytes)
{
    if (!receiver)
        return HFC_ERR_INVALID_ARG;
    hfc_rtp_receiver *r = receiver;
    hfc_rtp_payload p;
    int st = hfc_rtp_payload_parse(&r->header, payload, n_bytes, &p);
    const uint32_t hop = (uint32_t)r->header.hop_samples;
    const uint32_t first = timestamp - (uint32_t)p.n_redundant * hop;
    if (st == HFC_OK && r->started && (int32_t)(first - r->play_timestamp) % (int32_t)hop != 0)
        st = HFC_ERR_FORMAT; /* off the grid of the frames so far */
    if (st != HFC_OK) {
        r->stats.malformed++;
        return st;
    }
    r->stats.packets++;
    const int n_all = p.n_redundant + p.n_frames;
    /* Where the last frame falls: too far ahead restarts play at this payload. */
    const int32_t last = (int32_t)(first + (uint32_t)(n_all - 1) * hop - r->play_timestamp);
    if (!r->started || (last >= 0 && last / (int32_t)hop >= r->capacity)) {
        r->stats.restarts += r->started;
        hfc_rtp_receiver_start(r, first);
    }
    const int nc = r->header.n_codebooks;
    int stored = 0;
    for (int i = 0; i < n_all; i++) {
        const int redundant = i < p.n_redundant;
        const int32_t d = (int32_t)(first + (uint32_t)i * hop - r->play_timestamp);
        if (d < 0) {
            r->stats.late += !redundant;
            continue;
        }
        const int k = (int)(d / (int32_t)hop);
        const int slot = (r->play_slot + k) % r->capacity;
        if (r->state[slot] != SLOT_EMPTY) {
            r->stats.duplicates++;
            continue;
        }
        /* Cannot fail: the parse checked every frame. */
        hfc_token_frame_unpack(&r->header, p.frames + (size_t)i * (size_t)p.frame_bytes,
                               (size_t)p.frame_bytes, r->tokens + (size_t)slot * (size_t)nc);
        r->state[slot] = redundant ? SLOT_REDUNDANT : SLOT_PRIMARY;
        if (redundant)
            r->stats.frames_redundant++;
        else
            r->stats.frames_primary++;
        if (k + 1 > r->ahead)
            r->ahead = k + 1;
        stored++;
    }
    return stored;
}

int hfc_rtp_receiver_get(hfc_rtp_receiver *receiver, hfc_token *frame, uint32_t *timestamp)
{
    if (!receiver || !frame)
        return HFC_ERR_INVALID_ARG;
    hfc_rtp_receiver *r = receiver;
    if (!r->started)
        return HFC_ERR_STATE;
    const int slot = r->play_slot;
    const int nc = r->header.n_codebooks;
    int got = 0;
    if (r->state[slot] != SLOT_EMPTY) {
        memcpy(frame, r->tokens + (size_t)slot * (size_t)nc, (size_t)nc * sizeof *frame);
        r->stats.played++;
        r->stats.played_redundant += r->state[slot] == SLOT_REDUNDANT;
        got = 1;
    } else {
        r->stats.missing++;
    }
    if (timestamp)
        *timestamp = r->play_timestamp;
    r->state[slot] = SLOT_EMPTY;
    r->play_slot = (slot + 1) % r->capacity;
    r->play_timestamp += (uint32_t)r->header.hop_samples;
    if (r->ahead > 0)
        r->ahead--;
    return got;
}

int hfc_rtp_receiver_buffered_frames(const hfc_rtp_receiver *receiver)
{
    return receiver ? receiver->ahead : 0;
}

int hfc_rtp_receiver_get_stats(const hfc_rtp_receiver *receiver, hfc_rtp_receiver_stats *stats)
{
    if (!receiver || !stats)
        return HFC_ERR_INVALID_ARG;
    *stats = receiver->stats;
    return HFC_OK;
}
