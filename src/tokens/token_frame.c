/* One frame's tokens packed to bytes and back, as in a .hfc payload: what a packet
 * format (RTP) carries. Real-time safe: no allocation, lock, log or I/O. */
#include "tokens_hfc.h"

static int valid_geometry(const hfc_token_header *header)
{
    return header && header->codebook_size >= 2 &&
           header->codebook_size <= HFC_TOKENS_MAX_CODEBOOK_SIZE && header->n_codebooks >= 1 &&
           header->n_codebooks <= HFC_TOKENS_MAX_CODEBOOKS;
}

int hfc_token_frame_bytes(const hfc_token_header *header)
{
    if (!valid_geometry(header))
        return HFC_ERR_INVALID_ARG;
    return (header->n_codebooks * hfc_tokens_hfc_bits_for(header->codebook_size) + 7) / 8;
}

int hfc_token_frame_pack(const hfc_token_header *header, const hfc_token *frame, uint8_t *out,
                         size_t max_bytes)
{
    int n_bytes = hfc_token_frame_bytes(header);
    if (n_bytes < 0 || !frame || !out)
        return HFC_ERR_INVALID_ARG;
    if (max_bytes < (size_t)n_bytes)
        return HFC_ERR_BUFFER_TOO_SMALL;
    for (int k = 0; k < header->n_codebooks; k++)
        if (frame[k] < 0 || frame[k] >= header->codebook_size)
            return HFC_ERR_BAD_TOKEN;
    /* A fresh packer per frame: the frame starts on a byte and its last byte is
     * padded, which for whole-byte frames (the default model's 40 bits) is exactly
     * the stream's layout. */
    hfc_tokens_hfc_packer packer = {0};
    packer.bits_per_token = hfc_tokens_hfc_bits_for(header->codebook_size);
    packer.n_codebooks = header->n_codebooks;
    size_t n = hfc_tokens_hfc_pack_frame(&packer, frame, out);
    n += hfc_tokens_hfc_pack_finish(&packer, out + n);
    return (int)n;
}

int hfc_token_frame_unpack(const hfc_token_header *header, const uint8_t *in, size_t n_bytes,
                           hfc_token *frame)
{
    int frame_bytes = hfc_token_frame_bytes(header);
    if (frame_bytes < 0 || !in || !frame)
        return HFC_ERR_INVALID_ARG;
    if (n_bytes < (size_t)frame_bytes)
        return HFC_ERR_TOO_SHORT;
    uint32_t padding;
    if (hfc_tokens_hfc_unpack(in, hfc_tokens_hfc_bits_for(header->codebook_size),
                              header->codebook_size, frame, header->n_codebooks, &padding) < 0)
        return HFC_ERR_BAD_TOKEN;
    return padding == 0 ? HFC_OK : HFC_ERR_FORMAT;
}
