/*
 * tokens_hfc.h - the .hfc token bitstream (specified in docs/TOKENS.md), inside
 * libhificodec: the public calls of token_file.c and token_frame.c, and the CLI's
 * live writer and reader, use these.
 *
 * A 44-byte little-endian header (magic "HFCT", version, model id, sample rate,
 * hop, codebook size, codebooks, bits per token, frame count, CRC-32 of the rest),
 * then the tokens bit-packed MSB-first, frame after frame, with no padding between
 * frames and zero bits to a whole byte at the end of the stream. The frame count
 * may be HFC_TOKENS_UNKNOWN_FRAMES: the frames then run to the end of the file,
 * which lets a live encoder write to a pipe before it knows how long it will run.
 *
 * Every call returns 0 or a negative enum hfc_status with one line in err.
 */
#ifndef HFC_TOKENS_HFC_H
#define HFC_TOKENS_HFC_H

#include "hificodec.h"

#include <stddef.h>
#include <stdint.h>

#define HFC_TOKENS_HFC_VERSION 1

/* Limits the reader enforces (and the writer refuses to exceed). */
#define HFC_TOKENS_HFC_MIN_RATE_HZ 1000
#define HFC_TOKENS_HFC_MAX_RATE_HZ 192000
#define HFC_TOKENS_HFC_MAX_HOP 1000000
#define HFC_TOKENS_MAX_CODEBOOK_SIZE 65536
#define HFC_TOKENS_MAX_CODEBOOKS 256

/* ceil(log2(codebook_size)) for codebook_size >= 2: the bits one token takes. */
int hfc_tokens_hfc_bits_for(int codebook_size);

/* Checks the fields a .hfc header holds against the limits above (format is not
 * looked at). Returns 0 or HFC_ERR_INVALID_ARG with one line in err. */
int hfc_tokens_hfc_header_check(const hfc_token_header *header, char *err, size_t err_bytes);

/* Serialises a header into out. Returns 0 or HFC_ERR_INVALID_ARG (a field outside
 * the limits). */
int hfc_tokens_hfc_header_write(const hfc_token_header *header,
                                uint8_t out[HFC_TOKENS_HEADER_BYTES], char *err, size_t err_bytes);

/* Parses and validates a header from n_bytes at data: magic, version, CRC, every
 * field's range. Sets header->format to HFC_TOKENS_HFC. Returns 0, HFC_ERR_FORMAT
 * or HFC_ERR_UNSUPPORTED. */
int hfc_tokens_hfc_header_parse(const void *data, size_t n_bytes, hfc_token_header *header,
                                char *err, size_t err_bytes);

/* Streaming writer's bit packer. Zero-initialise, then set bits_per_token and
 * n_codebooks. Between calls fewer than 8 bits are pending. */
typedef struct hfc_tokens_hfc_packer {
    int bits_per_token;
    int n_codebooks;
    uint32_t pending_bits; /* right-aligned */
    int n_pending;
} hfc_tokens_hfc_packer;

/* The most bytes one hfc_tokens_hfc_pack_frame call writes. */
size_t hfc_tokens_hfc_frame_max_bytes(const hfc_tokens_hfc_packer *packer);

/* Packs one frame (n_codebooks tokens, each < 2^bits_per_token; the caller has
 * checked) and writes the whole bytes it completes to out. Returns their count. */
size_t hfc_tokens_hfc_pack_frame(hfc_tokens_hfc_packer *packer, const hfc_token *frame,
                                 uint8_t *out);

/* Ends the stream: writes the pending bits, zero-padded, as one byte (returns 1) or
 * nothing (returns 0). */
size_t hfc_tokens_hfc_pack_finish(hfc_tokens_hfc_packer *packer, uint8_t *out);

/* Reads n_tokens tokens of bits_per_token bits, MSB first, from in (at least
 * ceil(n_tokens * bits_per_token / 8) bytes) into out. Returns n_tokens, or -1 - i
 * where token i is not below codebook_size (out holds the tokens up to it). The
 * bits after the last token, up to the end of its byte, go to *padding: zero in a
 * well-formed stream. Allocates nothing; real-time safe. */
int64_t hfc_tokens_hfc_unpack(const uint8_t *in, int bits_per_token, int codebook_size,
                              hfc_token *out, int64_t n_tokens, uint32_t *padding);

/* Serialises a whole file (header with header->n_frames, which may be
 * HFC_TOKENS_UNKNOWN_FRAMES, then n_frames frames) into a malloc'd buffer *data of
 * *n_bytes that the caller frees. Every token must be in [0, codebook_size).
 * Returns 0, or a status (INVALID_ARG, BAD_TOKEN, NO_MEMORY) with *data NULL. */
int hfc_tokens_hfc_format(const hfc_token_header *header, const hfc_token *tokens, int64_t n_frames,
                          uint8_t **data, size_t *n_bytes, char *err, size_t err_bytes);

/* Parses a whole file from n_bytes at data (borrowed): the header, then the payload,
 * whose length must match the frame count exactly (an unknown count takes every
 * whole frame; a partial last frame or nonzero padding is an error). On success
 * returns 0, fills *header (as the file has it) and sets *tokens to a
 * malloc'd frame-major array of *n_frames (>= 1) frames that the caller frees; on
 * failure a status (FORMAT, UNSUPPORTED, BAD_TOKEN, NO_MEMORY) and *tokens NULL. */
int hfc_tokens_hfc_parse(const void *data, size_t n_bytes, hfc_token_header *header,
                         hfc_token **tokens, int64_t *n_frames, char *err, size_t err_bytes);

#endif
