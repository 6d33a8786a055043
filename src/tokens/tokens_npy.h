/*
 * tokens_npy.h - token arrays as NumPy .npy files, inside libhificodec.
 *
 * The array has shape [n_frames, n_codebooks] (the layout of AcademiCodec's codes
 * and of hfc_encoder_encode's output). Written as C-order little-endian int16
 * ('<i2'), or int32 when the codebook has more than 32768 entries, with a version
 * 1.0 header. Read from any integer dtype of 1 to 8 bytes in either byte order and
 * either memory order, with every token checked against the codebook size.
 */
#ifndef HFC_TOKENS_NPY_H
#define HFC_TOKENS_NPY_H

#include "hificodec.h"

#include <stddef.h>
#include <stdint.h>

/* The dtype tokens of codebook_size entries are written as: "<i2", or "<i4" above
 * 32768 entries. */
const char *hfc_tokens_npy_descr(int codebook_size);

/* The size of the file hfc_tokens_npy_format writes (arguments already checked). */
int64_t hfc_tokens_npy_file_bytes(int64_t n_frames, int n_codebooks, int codebook_size);

/* Parses a .npy token array from the n_bytes at data (borrowed). Each token must lie
 * in [0, codebook_size). On success returns 0 and sets *tokens to a malloc'd
 * frame-major array of *n_frames x *n_codebooks tokens (at least one frame) that the
 * caller frees; on failure returns a status (FORMAT, BAD_TOKEN, NO_MEMORY) with one
 * line in err and *tokens NULL. */
int hfc_tokens_npy_parse(const void *data, size_t n_bytes, int codebook_size, hfc_token **tokens,
                         int64_t *n_frames, int *n_codebooks, char *err, size_t err_bytes);

/* Serialises n_frames x n_codebooks tokens (each in [0, codebook_size)) as a .npy
 * file into a malloc'd buffer *data of *n_bytes that the caller frees. Returns 0, or
 * a status (INVALID_ARG, BAD_TOKEN, NO_MEMORY) with one line in err. */
int hfc_tokens_npy_format(const hfc_token *tokens, int64_t n_frames, int n_codebooks,
                          int codebook_size, uint8_t **data, size_t *n_bytes, char *err,
                          size_t err_bytes);

#endif
