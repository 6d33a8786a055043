/* hfc_rtp_sender: frames in, payloads out, each repeating the frames before it.
 *
 * The frames live in one window, [history: up to n_redundant frames][pending: up
 * to frames_per_packet frames], so a payload's frames are always contiguous and
 * oldest first, as the format lays them out. */
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"

struct hfc_rtp_sender {
    hfc_token_header header;
    hfc_rtp_sender_options options;
    hfc_token *window;   /* (n_redundant + frames_per_packet) frames */
    int n_history;       /* redundant frames available, 0..n_redundant, at the
                            window's end of the history part */
    int n_pending;       /* frames of the packet being filled */
    uint32_t next_timestamp; /* of the next frame pushed */
};

void hfc_rtp_sender_options_init(hfc_rtp_sender_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof *options);
    options->frames_per_packet = 1;
}

hfc_rtp_sender *hfc_rtp_sender_create(const hfc_token_header *header,
                                      const hfc_rtp_sender_options *options, int *status)
{
    hfc_rtp_sender_options o;
    hfc_rtp_sender_options_init(&o);
    if (options)
        o = *options;
    int st = HFC_OK;
    hfc_rtp_sender *s = NULL;
    if (hfc_token_frame_bytes(header) < 0 || header->hop_samples < 1 || o.n_redundant < 0 ||
        o.n_redundant > HFC_RTP_MAX_REDUNDANT_FRAMES || o.frames_per_packet < 1 ||
        o.frames_per_packet > HFC_RTP_MAX_FRAMES_PER_PACKET)
        st = HFC_ERR_INVALID_ARG;
    else if (!(s = calloc(1, sizeof *s)) ||
             !(s->window = malloc((size_t)(o.n_redundant + o.frames_per_packet) *
                                  (size_t)header->n_codebooks * sizeof *s->window)))
        st = HFC_ERR_NO_MEMORY;
    if (st != HFC_OK) {
        if (s)
            free(s);
        s = NULL;
    } else {
        s->header = *header;
        s->options = o;
        hfc_rtp_sender_reset(s);
    }
    if (status)
        *status = st;
    return s;
}

void hfc_rtp_sender_destroy(hfc_rtp_sender *sender)
{
    if (!sender)
        return;
    free(sender->window);
    free(sender);
}

void hfc_rtp_sender_reset(hfc_rtp_sender *sender)
{
    if (!sender)
        return;
    sender->n_history = 0;
    sender->n_pending = 0;
    sender->next_timestamp = sender->options.first_timestamp;
}

int hfc_rtp_sender_max_payload_bytes(const hfc_rtp_sender *sender)
{
    if (!sender)
        return HFC_ERR_INVALID_ARG;
    return hfc_rtp_payload_bytes(&sender->header, sender->options.n_redundant,
                                 sender->options.frames_per_packet);
}

/* Writes the packet of the pending frames, then keeps the last n_redundant frames
 * of the window as the next packet's history. */
static int emit(hfc_rtp_sender *s, uint8_t *out, size_t max_bytes, uint32_t *timestamp)
{
    const int nc = s->header.n_codebooks, k = s->options.n_redundant;
    const hfc_token *first = s->window + (size_t)(k - s->n_history) * nc;
    int n = hfc_rtp_payload_write(&s->header, first, s->n_history, s->n_pending, out, max_bytes);
    if (n < 0)
        return n;
    if (timestamp)
        *timestamp = s->next_timestamp - (uint32_t)s->n_pending * (uint32_t)s->header.hop_samples;
    const int n_frames = s->n_history + s->n_pending;
    const int keep = n_frames < k ? n_frames : k;
    memmove(s->window + (size_t)(k - keep) * nc, s->window + (size_t)(k + s->n_pending - keep) * nc,
            (size_t)keep * (size_t)nc * sizeof *s->window);
    s->n_history = keep;
    s->n_pending = 0;
    return n;
}

int hfc_rtp_sender_push(hfc_rtp_sender *sender, const hfc_token *frame, uint8_t *out,
                        size_t max_bytes, uint32_t *timestamp)
{
    if (!sender || !frame || (!out && max_bytes > 0))
        return HFC_ERR_INVALID_ARG;
    const int nc = sender->header.n_codebooks;
    for (int i = 0; i < nc; i++)
        if (frame[i] < 0 || frame[i] >= sender->header.codebook_size)
            return HFC_ERR_BAD_TOKEN;
    const int completes = sender->n_pending + 1 == sender->options.frames_per_packet;
    if (completes && max_bytes < (size_t)hfc_rtp_payload_bytes(&sender->header, sender->n_history,
                                                              sender->n_pending + 1))
        return HFC_ERR_BUFFER_TOO_SMALL;
    memcpy(sender->window + (size_t)(sender->options.n_redundant + sender->n_pending) * nc, frame,
           (size_t)nc * sizeof *frame);
    sender->n_pending++;
    sender->next_timestamp += (uint32_t)sender->header.hop_samples;
    return completes ? emit(sender, out, max_bytes, timestamp) : 0;
}

int hfc_rtp_sender_flush(hfc_rtp_sender *sender, uint8_t *out, size_t max_bytes,
                         uint32_t *timestamp)
{
    if (!sender || (!out && max_bytes > 0))
        return HFC_ERR_INVALID_ARG;
    return sender->n_pending > 0 ? emit(sender, out, max_bytes, timestamp) : 0;
}
