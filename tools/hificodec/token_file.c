#include "token_file.h"

#include "error_text.h"
#include "file_io.h"
#include "tokens_npy.h"

#include <stdlib.h>
#include <string.h>

int hfc_cli_token_format_from_name(const char *name)
{
    if (strcmp(name, "hfc") == 0)
        return HFC_CLI_TOKENS_HFC;
    if (strcmp(name, "npy") == 0)
        return HFC_CLI_TOKENS_NPY;
    return HFC_CLI_TOKENS_UNKNOWN;
}

int hfc_cli_token_format_from_path(const char *path)
{
    char extension[8];
    hfc_cli_file_extension(path, extension, sizeof extension);
    return hfc_cli_token_format_from_name(extension);
}

int hfc_cli_tokens_read(const char *path, int codebook_size, hfc_cli_tokens *out, char *err,
                        size_t err_bytes)
{
    memset(out, 0, sizeof *out);
    uint8_t *data;
    size_t n_bytes;
    if (hfc_cli_file_read_all(path, &data, &n_bytes, err, err_bytes) != 0)
        return -1;
    int result;
    if (n_bytes == 0) {
        result = hfc_cli_fail(err, err_bytes, "empty file");
    } else if (n_bytes >= 4 && memcmp(data, "HFCT", 4) == 0) {
        out->format = HFC_CLI_TOKENS_HFC;
        result = hfc_tokens_hfc_parse(data, n_bytes, &out->header, &out->tokens, &out->n_frames,
                                      err, err_bytes);
        out->n_codebooks = out->header.n_codebooks;
    } else if (n_bytes >= 6 && memcmp(data, "\x93NUMPY", 6) == 0) {
        out->format = HFC_CLI_TOKENS_NPY;
        result = hfc_tokens_npy_parse(data, n_bytes, codebook_size, &out->tokens, &out->n_frames,
                                      &out->n_codebooks, err, err_bytes);
    } else {
        result = hfc_cli_fail(err, err_bytes, "not a token file (neither .hfc nor .npy)");
    }
    free(data);
    if (result != 0)
        hfc_cli_tokens_free(out);
    return result;
}

void hfc_cli_tokens_free(hfc_cli_tokens *tokens)
{
    free(tokens->tokens);
    memset(tokens, 0, sizeof *tokens);
}

int hfc_cli_tokens_write(const char *path, int format, const hfc_tokens_hfc_header *header,
                         const hfc_token *tokens, int64_t n_frames, char *err, size_t err_bytes)
{
    uint8_t *data = NULL;
    size_t n_bytes = 0;
    int result;
    if (format == HFC_CLI_TOKENS_HFC) {
        hfc_tokens_hfc_header known = *header;
        known.n_frames = (uint64_t)n_frames;
        result = hfc_tokens_hfc_format(&known, tokens, n_frames, &data, &n_bytes, err, err_bytes);
    } else if (format == HFC_CLI_TOKENS_NPY) {
        result = hfc_tokens_npy_format(tokens, n_frames, header->n_codebooks,
                                       header->codebook_size, &data, &n_bytes, err, err_bytes);
    } else {
        result = hfc_cli_fail(err, err_bytes, "unknown token format");
    }
    if (result == 0)
        result = hfc_cli_file_write_all(path, data, n_bytes, err, err_bytes);
    free(data);
    return result;
}
