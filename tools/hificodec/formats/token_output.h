/*
 * token_output.h - tokens written to a file or stdout as an encoder makes them,
 * in constant memory, with the bytes hfc_tokens_save_file would write for the
 * whole array.
 *
 * The frame count goes into the header (.hfc) or the shape (.npy). A file is
 * written under a temporary name (output_file.h) and its header is rewritten with
 * the real count when it is committed. Stdout cannot be rewritten, so there the
 * header carries expected_frames when the caller knows it in advance; otherwise a
 * .hfc goes out in its live form (frame count "unknown", docs/TOKENS.md) and a
 * .npy is held in memory until the end (2 bytes per token: 0.4 KB per second of
 * the default model), the one case whose memory grows with the length.
 */
#ifndef HFC_CLI_TOKEN_OUTPUT_H
#define HFC_CLI_TOKEN_OUTPUT_H

#include "hificodec.h"
#include "output_file.h"
#include "tokens_hfc.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_cli_token_output {
    hfc_cli_output output;
    int format;                     /* HFC_TOKENS_HFC or HFC_TOKENS_NPY */
    hfc_token_header header;        /* the model; n_frames as written in the header */
    hfc_tokens_hfc_packer packer;
    int item_bytes;                 /* .npy: 2 or 4 */
    int64_t n_frames;               /* written so far */
    long header_offset;             /* where the header starts in a seekable output */
    hfc_token *held;                /* .npy to a pipe of unknown length */
    int64_t n_held_capacity;
} hfc_cli_token_output;

/* Opens path ("-": stdout) in format for the model header describes;
 * expected_frames is the count when known in advance, else -1. Returns 0, or -1
 * with one line in err. */
int hfc_cli_token_output_open(hfc_cli_token_output *out, const char *path, int format,
                              const hfc_token_header *header, int64_t expected_frames,
                              char *err, size_t err_bytes);

/* Appends n_frames frames. flush_now pushes them out of stdio's buffer (a live
 * pipe). Returns 0, or -1 with one line in err. */
int hfc_cli_token_output_write(hfc_cli_token_output *out, const hfc_token *tokens,
                               int64_t n_frames, char *err, size_t err_bytes);

/* Finishes the file (the real count into the header) and commits it. A count that
 * differs from an expected one already sent is an error. Returns 0, or -1 with one
 * line in err and nothing left at path. */
int hfc_cli_token_output_finish(hfc_cli_token_output *out, char *err, size_t err_bytes);

/* Removes what was written (a file; stdout is only flushed). */
void hfc_cli_token_output_abort(hfc_cli_token_output *out);

#endif
