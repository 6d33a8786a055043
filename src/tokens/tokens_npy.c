#include "tokens_npy.h"

#include "fail_text.h"
#include "npy_header.h"
#include "tokens_hfc.h"

#include <stdlib.h>
#include <string.h>

int hfc_tokens_npy_parse(const void *data, size_t n_bytes, int codebook_size, hfc_token **tokens,
                         int64_t *n_frames, int *n_codebooks, char *err, size_t err_bytes)
{
    *tokens = NULL;
    hfc_npy_header header;
    int status = hfc_npy_header_parse(data, n_bytes, &header, err, err_bytes);
    if (status != 0)
        return status;
    if ((header.kind != 'i' && header.kind != 'u') || header.item_bytes > 8)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "token arrays must hold integers (int16, int32, int64, uint16...)");
    if (header.n_dims != 2)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "token arrays must have shape [frames, codebooks], got %d dimensions",
                             header.n_dims);
    int64_t frames = header.dims[0], codebooks = header.dims[1];
    if (codebooks < 1 || codebooks > HFC_TOKENS_MAX_CODEBOOKS)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "token array has %lld codebooks, expected 1..%d", (long long)codebooks,
                             HFC_TOKENS_MAX_CODEBOOKS);
    if (frames < 1)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT, "token array has no frames");

    /* header.n_items fits in the file, so this allocation is bounded by its size. */
    hfc_token *out = malloc((size_t)header.n_items * sizeof *out);
    if (out == NULL)
        return hfc_fail_text(err, err_bytes, HFC_ERR_NO_MEMORY, "out of memory for %lld frames",
                             (long long)frames);
    const uint8_t *array_data = (const uint8_t *)data + header.data_offset;
    for (int64_t frame = 0; frame < frames; frame++) {
        for (int64_t k = 0; k < codebooks; k++) {
            uint64_t index = header.fortran_order ? (uint64_t)(k * frames + frame)
                                                  : (uint64_t)(frame * codebooks + k);
            int64_t value = hfc_npy_item_int(&header, array_data, index);
            if (value < 0 || value >= codebook_size) {
                free(out);
                return hfc_fail_text(err, err_bytes, HFC_ERR_BAD_TOKEN,
                                     "token %lld at frame %lld, codebook %lld is outside [0, %d)",
                                     (long long)value, (long long)frame, (long long)k,
                                     codebook_size);
            }
            out[frame * codebooks + k] = (hfc_token)value;
        }
    }
    *tokens = out;
    *n_frames = frames;
    *n_codebooks = (int)codebooks;
    return 0;
}

const char *hfc_tokens_npy_descr(int codebook_size)
{
    /* int16 keeps the files small and is what NumPy users expect; tokens of codebooks
     * larger than int16 can count need int32. */
    return codebook_size <= 32768 ? "<i2" : "<i4";
}

int64_t hfc_tokens_npy_file_bytes(int64_t n_frames, int n_codebooks, int codebook_size)
{
    const char *descr = hfc_tokens_npy_descr(codebook_size);
    uint8_t header[HFC_NPY_HEADER_MAX_BYTES];
    int64_t dims[2] = {n_frames, n_codebooks};
    return (int64_t)hfc_npy_header_write(descr, 2, dims, header) +
           n_frames * n_codebooks * (descr[2] - '0');
}

static void store_le(uint8_t *out, uint32_t value, int n_bytes)
{
    for (int i = 0; i < n_bytes; i++)
        out[i] = (uint8_t)(value >> (8 * i));
}

int hfc_tokens_npy_format(const hfc_token *tokens, int64_t n_frames, int n_codebooks,
                          int codebook_size, uint8_t **data, size_t *n_bytes, char *err,
                          size_t err_bytes)
{
    *data = NULL;
    if (n_frames < 1 || n_codebooks < 1 || n_codebooks > HFC_TOKENS_MAX_CODEBOOKS ||
        codebook_size < 2 || codebook_size > HFC_TOKENS_MAX_CODEBOOK_SIZE ||
        n_frames > INT64_MAX / 4 / n_codebooks)
        return hfc_fail_text(err, err_bytes, HFC_ERR_INVALID_ARG,
                             "cannot write %lld frames of %d tokens as .npy", (long long)n_frames,
                             n_codebooks);
    const char *descr = hfc_tokens_npy_descr(codebook_size);
    int item_bytes = descr[2] - '0';
    uint8_t header[HFC_NPY_HEADER_MAX_BYTES];
    int64_t dims[2] = {n_frames, n_codebooks};
    size_t header_bytes = hfc_npy_header_write(descr, 2, dims, header);
    uint64_t n_items = (uint64_t)n_frames * (uint64_t)n_codebooks;
    size_t total = header_bytes + (size_t)n_items * (size_t)item_bytes;
    uint8_t *out = malloc(total);
    if (out == NULL)
        return hfc_fail_text(err, err_bytes, HFC_ERR_NO_MEMORY, "out of memory for %lld frames",
                             (long long)n_frames);
    memcpy(out, header, header_bytes);
    for (uint64_t i = 0; i < n_items; i++) {
        if (tokens[i] < 0 || tokens[i] >= codebook_size) {
            free(out);
            return hfc_fail_text(err, err_bytes, HFC_ERR_BAD_TOKEN,
                                 "token %d at index %llu is outside [0, %d)", (int)tokens[i],
                                 (unsigned long long)i, codebook_size);
        }
        store_le(out + header_bytes + i * (uint64_t)item_bytes, (uint32_t)tokens[i], item_bytes);
    }
    *data = out;
    *n_bytes = total;
    return 0;
}
