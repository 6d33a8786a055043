/* RTP payloads: one header byte (rtp_payload.h), then packed frames, oldest first.
 * Real-time safe: no allocation, lock, log or I/O. */
#include "rtp_payload.h"

#include <string.h>

#include "hificodec.h"
#include "tokens_hfc.h"

int hfc_rtp_payload_bytes(const hfc_token_header *header, int n_redundant, int n_frames)
{
    const int frame_bytes = hfc_token_frame_bytes(header);
    if (frame_bytes < 0 || n_redundant < 0 || n_redundant > HFC_RTP_MAX_REDUNDANT_FRAMES ||
        n_frames < 1 || n_frames > HFC_RTP_MAX_FRAMES_PER_PACKET)
        return HFC_ERR_INVALID_ARG;
    return HFC_RTP_PAYLOAD_HEADER_BYTES + (n_redundant + n_frames) * frame_bytes;
}

int hfc_rtp_payload_write(const hfc_token_header *header, const hfc_token *frames,
                          int n_redundant, int n_frames, uint8_t *out, size_t max_bytes)
{
    const int n_bytes = hfc_rtp_payload_bytes(header, n_redundant, n_frames);
    if (n_bytes < 0 || !frames || !out)
        return HFC_ERR_INVALID_ARG;
    if (max_bytes < (size_t)n_bytes)
        return HFC_ERR_BUFFER_TOO_SMALL;
    const int n_tokens = (n_redundant + n_frames) * header->n_codebooks;
    for (int i = 0; i < n_tokens; i++)
        if (frames[i] < 0 || frames[i] >= header->codebook_size)
            return HFC_ERR_BAD_TOKEN;
    const int frame_bytes = hfc_token_frame_bytes(header);
    out[0] = hfc_rtp_header_byte(n_redundant);
    for (int f = 0; f < n_redundant + n_frames; f++)
        hfc_token_frame_pack(header, frames + (size_t)f * header->n_codebooks,
                             out + HFC_RTP_PAYLOAD_HEADER_BYTES + f * frame_bytes,
                             (size_t)frame_bytes);
    return n_bytes;
}

int hfc_rtp_payload_parse(const hfc_token_header *header, const void *payload, size_t n_bytes,
                          hfc_rtp_payload *out)
{
    const int frame_bytes = hfc_token_frame_bytes(header);
    if (frame_bytes < 0 || (!payload && n_bytes > 0) || !out)
        return HFC_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (n_bytes < HFC_RTP_PAYLOAD_HEADER_BYTES)
        return HFC_ERR_TOO_SHORT;
    const uint8_t *bytes = payload;
    if (hfc_rtp_header_version(bytes[0]) != HFC_RTP_PAYLOAD_VERSION)
        return HFC_ERR_FORMAT;
    const size_t body = n_bytes - HFC_RTP_PAYLOAD_HEADER_BYTES;
    const int n_redundant = hfc_rtp_header_redundant(bytes[0]);
    if (body % (size_t)frame_bytes != 0)
        return HFC_ERR_FORMAT;
    const size_t n_all = body / (size_t)frame_bytes;
    if (n_all <= (size_t)n_redundant ||
        n_all - (size_t)n_redundant > HFC_RTP_MAX_FRAMES_PER_PACKET)
        return HFC_ERR_FORMAT;
    hfc_token scratch[HFC_TOKENS_MAX_CODEBOOKS];
    const uint8_t *frames = bytes + HFC_RTP_PAYLOAD_HEADER_BYTES;
    for (size_t f = 0; f < n_all; f++) {
        int st = hfc_token_frame_unpack(header, frames + f * (size_t)frame_bytes,
                                        (size_t)frame_bytes, scratch);
        if (st != HFC_OK)
            return st;
    }
    out->n_redundant = n_redundant;
    out->n_frames = (int)(n_all - (size_t)n_redundant);
    out->frame_bytes = frame_bytes;
    out->frames = frames;
    return HFC_OK;
}
