/*
 * token_file.h - token files as the commands see them: .hfc or .npy, chosen by
 * extension or --format when writing and by magic bytes when reading, "-" being
 * stdin/stdout.
 */
#ifndef HFC_CLI_TOKEN_FILE_H
#define HFC_CLI_TOKEN_FILE_H

#include "hificodec.h"
#include "tokens_hfc.h"

#include <stddef.h>
#include <stdint.h>

enum hfc_cli_token_format {
    HFC_CLI_TOKENS_UNKNOWN = 0,
    HFC_CLI_TOKENS_HFC = 1,
    HFC_CLI_TOKENS_NPY = 2
};

typedef struct hfc_cli_tokens {
    hfc_token *tokens;      /* frame-major, n_frames x n_codebooks; malloc'd */
    int64_t n_frames;       /* >= 1 */
    int n_codebooks;
    int format;             /* enum hfc_cli_token_format it was read from */
    hfc_tokens_hfc_header header; /* .hfc only: what the file says about its model */
} hfc_cli_tokens;

/* "hfc" / "npy" (a --format value) to the enum; HFC_CLI_TOKENS_UNKNOWN otherwise. */
int hfc_cli_token_format_from_name(const char *name);

/* The format a path's extension names; HFC_CLI_TOKENS_UNKNOWN for others and "-". */
int hfc_cli_token_format_from_path(const char *path);

/* Reads a token file (path "-" = stdin), recognising the format by its first bytes.
 * codebook_size bounds .npy tokens (a .hfc file carries its own). Returns 0, or -1
 * with one line in err. */
int hfc_cli_tokens_read(const char *path, int codebook_size, hfc_cli_tokens *out, char *err,
                        size_t err_bytes);

void hfc_cli_tokens_free(hfc_cli_tokens *tokens);

/* Writes n_frames x header->n_codebooks tokens to path ("-" = stdout) in format;
 * header describes the model (its n_frames field is ignored: the count is known).
 * Returns 0, or -1 with one line in err. */
int hfc_cli_tokens_write(const char *path, int format, const hfc_tokens_hfc_header *header,
                         const hfc_token *tokens, int64_t n_frames, char *err, size_t err_bytes);

#endif
