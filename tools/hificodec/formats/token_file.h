/*
 * token_file.h - token files as the commands see them: libhificodec's .hfc and .npy
 * (hfc_tokens_load_* / hfc_tokens_save_*), chosen by extension or --format when
 * writing and by magic bytes when reading, with "-" meaning stdin/stdout and every
 * failure turned into one line of text.
 */
#ifndef HFC_CLI_TOKEN_FILE_H
#define HFC_CLI_TOKEN_FILE_H

#include "error_text.h"
#include "hificodec.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_cli_tokens {
    hfc_token *tokens;      /* frame-major, n_frames x header.n_codebooks; hfc_tokens_free */
    int64_t n_frames;       /* >= 1 */
    hfc_token_header header; /* format, and for .hfc what the file says about its model */
} hfc_cli_tokens;

/* "hfc" / "npy" (a --format value) to enum hfc_token_format; HFC_TOKENS_AUTO
 * otherwise. */
int hfc_cli_token_format_from_name(const char *name);

/* The format a path's extension names; HFC_TOKENS_AUTO for others and "-". */
int hfc_cli_token_format_from_path(const char *path);

/* Reads a token file (path "-" = stdin), recognising the format by its first bytes.
 * codebook_size bounds .npy tokens (a .hfc file carries its own). Returns 0, or -1
 * with one line in err. */
int hfc_cli_tokens_read(const char *path, int codebook_size, hfc_cli_tokens *out, char *err,
                        size_t err_bytes);

void hfc_cli_tokens_free(hfc_cli_tokens *tokens);

/* Token-file options whose log keeps the library's one-line reason for a failure
 * in *sink. */
void hfc_cli_token_options(hfc_token_file_options *options, hfc_cli_error_sink *sink);

/* Writes n_frames x header->n_codebooks tokens to path ("-" = stdout) in format
 * (HFC or NPY); header describes the model. A file is replaced atomically. Returns
 * 0, or -1 with one line in err. */
int hfc_cli_tokens_write(const char *path, int format, const hfc_token_header *header,
                         const hfc_token *tokens, int64_t n_frames, char *err, size_t err_bytes);

#endif
