#include "token_file.h"

#include "error_text.h"
#include "file_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hfc_cli_token_format_from_name(const char *name)
{
    if (strcmp(name, "hfc") == 0)
        return HFC_TOKENS_HFC;
    if (strcmp(name, "npy") == 0)
        return HFC_TOKENS_NPY;
    return HFC_TOKENS_AUTO;
}

int hfc_cli_token_format_from_path(const char *path)
{
    char extension[8];
    hfc_cli_file_extension(path, extension, sizeof extension);
    return hfc_cli_token_format_from_name(extension);
}

void hfc_cli_token_options(hfc_token_file_options *options, hfc_cli_error_sink *sink)
{
    hfc_token_file_options_init(options);
    options->log = hfc_cli_keep_error;
    options->log_user = sink;
}

int hfc_cli_tokens_read(const char *path, int codebook_size, hfc_cli_tokens *out, char *err,
                        size_t err_bytes)
{
    memset(out, 0, sizeof *out);
    hfc_cli_error_sink sink = {err, err_bytes};
    hfc_token_file_options options;
    hfc_cli_token_options(&options, &sink);
    options.codebook_size = codebook_size;
    int64_t n_frames;
    if (hfc_cli_is_stdio(path)) {
        uint8_t *data;
        size_t n_bytes;
        if (hfc_cli_file_read_all(path, &data, &n_bytes, err, err_bytes) != 0)
            return -1;
        n_frames = hfc_tokens_load_memory(data, n_bytes, &options, &out->header, &out->tokens);
        free(data);
    } else {
        n_frames = hfc_tokens_load_file(path, &options, &out->header, &out->tokens);
    }
    if (n_frames < 0)
        return -1;
    out->n_frames = n_frames;
    return 0;
}

void hfc_cli_tokens_free(hfc_cli_tokens *tokens)
{
    hfc_tokens_free(tokens->tokens);
    memset(tokens, 0, sizeof *tokens);
}

int hfc_cli_tokens_write(const char *path, int format, const hfc_token_header *header,
                         const hfc_token *tokens, int64_t n_frames, char *err, size_t err_bytes)
{
    hfc_cli_error_sink sink = {err, err_bytes};
    hfc_token_file_options options;
    hfc_cli_token_options(&options, &sink);
    if (!hfc_cli_is_stdio(path))
        return hfc_tokens_save_file(path, format, header, tokens, n_frames, &options) == HFC_OK
                   ? 0
                   : -1;
    int64_t n_bytes = hfc_tokens_saved_bytes(format, header, n_frames);
    uint8_t *data = n_bytes > 0 ? malloc((size_t)n_bytes) : NULL;
    if (data == NULL)
        return hfc_cli_fail(err, err_bytes, "cannot write %lld frames", (long long)n_frames);
    int result = -1;
    if (hfc_tokens_save_memory(format, header, tokens, n_frames, data, n_bytes, &options) >= 0)
        result = hfc_cli_file_write_all(path, data, (size_t)n_bytes, err, err_bytes);
    free(data);
    return result;
}
