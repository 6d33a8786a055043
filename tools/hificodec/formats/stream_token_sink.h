/*
 * stream_token_sink.h - tokens written live, frame by frame, as a stream makes
 * them: .hfc with an unknown frame count (docs/TOKENS.md) to a file or stdout, or .npy
 * to a file (stream_npy.h). Every write is flushed, so a reader of a pipe gets
 * each frame at once and a .hfc file is whole after every frame, whatever stops
 * the stream.
 */
#ifndef HFC_CLI_STREAM_TOKEN_SINK_H
#define HFC_CLI_STREAM_TOKEN_SINK_H

#include "hificodec.h"
#include "stream_npy.h"
#include "tokens_hfc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct hfc_token_sink {
    int format;                     /* enum hfc_token_format */
    FILE *file;                     /* .hfc: the file or stdout */
    int is_stdout;
    hfc_tokens_hfc_packer packer;   /* .hfc */
    hfc_npy_writer npy;             /* .npy */
    int n_codebooks;
    int64_t n_frames;
} hfc_token_sink;

/* Opens path ("-": stdout, .hfc only) in format (enum hfc_token_format) for
 * the model header describes (its n_frames is ignored: the count is unknown).
 * Returns 0, or -1 with one line in err. */
int hfc_token_sink_open(hfc_token_sink *sink, const char *path, int format,
                        const hfc_token_header *header, char *err, size_t err_bytes);

/* Appends n_frames frames and flushes. Returns 0, or -1 with one line in err. */
int hfc_token_sink_write(hfc_token_sink *sink, const hfc_token *tokens, int64_t n_frames,
                         char *err, size_t err_bytes);

/* Ends the stream (.hfc: the final padding byte; .npy: the real shape) and
 * closes the file (not stdout, which is flushed). A sink never opened is a no-op.
 * Returns 0, or -1 with one line in err. */
int hfc_token_sink_close(hfc_token_sink *sink, char *err, size_t err_bytes);

#endif
