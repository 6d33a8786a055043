#include "token_output.h"

#include "error_text.h"
#include "npy_header.h"
#include "token_file.h"
#include "tokens_npy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int put(hfc_cli_token_output *out, const void *data, size_t n_bytes, char *err,
               size_t err_bytes)
{
    if (fwrite(data, 1, n_bytes, out->output.file) != n_bytes)
        return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    return 0;
}

/* The header for n_frames (HFC_TOKENS_UNKNOWN_FRAMES allowed for .hfc). Every .npy
 * token header is 128 bytes for any count, so rewriting it never moves the data. */
static int put_header(hfc_cli_token_output *out, int64_t n_frames, char *err, size_t err_bytes)
{
    if (out->format == HFC_TOKENS_HFC) {
        hfc_token_header header = out->header;
        header.n_frames = n_frames;
        uint8_t bytes[HFC_TOKENS_HEADER_BYTES];
        if (hfc_tokens_hfc_header_write(&header, bytes, err, err_bytes) != 0)
            return -1;
        return put(out, bytes, sizeof bytes, err, err_bytes);
    }
    uint8_t bytes[HFC_NPY_HEADER_MAX_BYTES];
    int64_t dims[2] = {n_frames < 0 ? 0 : n_frames, out->header.n_codebooks};
    size_t n = hfc_npy_header_write(hfc_tokens_npy_descr(out->header.codebook_size), 2, dims,
                                    bytes);
    if (n != 128)
        return hfc_cli_fail(err, err_bytes, "cannot write a .npy header for %lld frames",
                            (long long)n_frames);
    return put(out, bytes, n, err, err_bytes);
}

int hfc_cli_token_output_open(hfc_cli_token_output *out, const char *path, int format,
                              const hfc_token_header *header, int64_t expected_frames,
                              char *err, size_t err_bytes)
{
    memset(out, 0, sizeof *out);
    out->format = format;
    out->header = *header;
    out->header.n_frames = expected_frames >= 0 ? expected_frames : HFC_TOKENS_UNKNOWN_FRAMES;
    out->packer.bits_per_token = hfc_tokens_hfc_bits_for(header->codebook_size);
    out->packer.n_codebooks = header->n_codebooks;
    out->item_bytes = strcmp(hfc_tokens_npy_descr(header->codebook_size), "<i2") == 0 ? 2 : 4;
    if (hfc_cli_output_open(&out->output, path, err, err_bytes) != 0)
        return -1;
    out->header_offset = out->output.seekable ? ftell(out->output.file) : -1;
    if (format == HFC_TOKENS_NPY && !out->output.seekable && expected_frames < 0)
        return 0; /* held until the count is known */
    if (put_header(out, out->header.n_frames, err, err_bytes) != 0) {
        hfc_cli_output_abort(&out->output);
        return -1;
    }
    return 0;
}

static int hold(hfc_cli_token_output *out, const hfc_token *tokens, int64_t n_frames, char *err,
                size_t err_bytes)
{
    const int nc = out->header.n_codebooks;
    if (out->n_frames + n_frames > out->n_held_capacity) {
        int64_t capacity = out->n_held_capacity > 0 ? out->n_held_capacity * 2 : 4096;
        while (capacity < out->n_frames + n_frames)
            capacity *= 2;
        hfc_token *grown = realloc(out->held, (size_t)capacity * (size_t)nc * sizeof *grown);
        if (grown == NULL)
            return hfc_cli_fail(err, err_bytes, "out of memory holding %lld frames",
                                (long long)capacity);
        out->held = grown;
        out->n_held_capacity = capacity;
    }
    memcpy(out->held + out->n_frames * nc, tokens, (size_t)n_frames * (size_t)nc * sizeof *tokens);
    return 0;
}

int hfc_cli_token_output_write(hfc_cli_token_output *out, const hfc_token *tokens,
                               int64_t n_frames, char *err, size_t err_bytes)
{
    const int nc = out->header.n_codebooks;
    for (int64_t i = 0; i < n_frames * nc; i++) {
        if (tokens[i] < 0 || tokens[i] >= out->header.codebook_size)
            return hfc_cli_fail(err, err_bytes, "token %d out of range", (int)tokens[i]);
    }
    int result = 0;
    if (out->format == HFC_TOKENS_NPY && out->header_offset < 0 &&
        out->header.n_frames == HFC_TOKENS_UNKNOWN_FRAMES) {
        result = hold(out, tokens, n_frames, err, err_bytes);
    } else if (out->format == HFC_TOKENS_HFC) {
        uint8_t packed[HFC_TOKENS_MAX_CODEBOOKS * 2 + 1];
        for (int64_t f = 0; f < n_frames && result == 0; f++) {
            size_t n = hfc_tokens_hfc_pack_frame(&out->packer, tokens + f * nc, packed);
            result = put(out, packed, n, err, err_bytes);
        }
    } else {
        uint8_t row[HFC_TOKENS_MAX_CODEBOOKS * 4];
        for (int64_t f = 0; f < n_frames && result == 0; f++) {
            for (int k = 0; k < nc; k++) {
                uint32_t v = (uint32_t)tokens[f * nc + k];
                for (int b = 0; b < out->item_bytes; b++)
                    row[k * out->item_bytes + b] = (uint8_t)(v >> (8 * b));
            }
            result = put(out, row, (size_t)nc * (size_t)out->item_bytes, err, err_bytes);
        }
    }
    if (result == 0 && out->output.is_stdout && fflush(stdout) != 0)
        result = hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    if (result == 0)
        out->n_frames += n_frames;
    return result;
}

int hfc_cli_token_output_finish(hfc_cli_token_output *out, char *err, size_t err_bytes)
{
    int result = 0;
    if (out->format == HFC_TOKENS_HFC) {
        uint8_t last;
        if (hfc_tokens_hfc_pack_finish(&out->packer, &last) == 1)
            result = put(out, &last, 1, err, err_bytes);
    }
    const int64_t told = out->header.n_frames;
    if (result == 0 && out->held != NULL) {
        out->header.n_frames = out->n_frames;
        result = put_header(out, out->n_frames, err, err_bytes);
        out->header_offset = 0; /* the rows go through the counted path below */
        int64_t n = out->n_frames;
        out->n_frames = 0;
        out->header.n_frames = n;
        if (result == 0)
            result = hfc_cli_token_output_write(out, out->held, n, err, err_bytes);
    } else if (result == 0 && told >= 0 && told != out->n_frames) {
        if (!out->output.seekable)
            result = hfc_cli_fail(err, err_bytes,
                                  "wrote %lld frames after announcing %lld in the header",
                                  (long long)out->n_frames, (long long)told);
    }
    if (result == 0 && out->output.seekable && told != out->n_frames && out->held == NULL) {
        FILE *file = out->output.file;
        long end = ftell(file);
        result = fseek(file, out->header_offset, SEEK_SET) == 0
                     ? put_header(out, out->n_frames, err, err_bytes)
                     : hfc_cli_fail(err, err_bytes, "cannot seek: %s", strerror(errno));
        if (result == 0 && fseek(file, end, SEEK_SET) != 0)
            result = hfc_cli_fail(err, err_bytes, "cannot seek: %s", strerror(errno));
    }
    free(out->held);
    out->held = NULL;
    if (result != 0) {
        hfc_cli_output_abort(&out->output);
        return -1;
    }
    return hfc_cli_output_commit(&out->output, err, err_bytes);
}

void hfc_cli_token_output_abort(hfc_cli_token_output *out)
{
    free(out->held);
    out->held = NULL;
    hfc_cli_output_abort(&out->output);
}
