/*
 * stream_npy.h - a .npy array written as it grows: tokens [frames, codebooks] or
 * audio [samples], appended live.
 *
 * A .npy header states the shape, which a live stream only knows at the end, so
 * the header is written first with a count of 0 and rewritten with the real count
 * when the writer closes. The header is padded to 128 bytes for any count, so the
 * rewrite never moves the data. That needs a file that can seek: a pipe or stdout
 * is refused at open. Until the close the file reads as an empty array.
 */
#ifndef HFC_CLI_STREAM_NPY_H
#define HFC_CLI_STREAM_NPY_H

#include "hificodec.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct hfc_npy_writer {
    FILE *file;
    char descr[8];          /* "<i2", "<i4" or "<f4" */
    int item_bytes;
    int n_columns;          /* 0: a 1-D array */
    int64_t n_rows;
    size_t header_bytes;
} hfc_npy_writer;

/* Creates path (a regular file; "-" is refused) for items of descr ("<i2", "<i4",
 * "<f4") in rows of n_columns (0: 1-D). Returns 0, or -1 with one line in err. */
int hfc_npy_writer_open(hfc_npy_writer *writer, const char *path, const char *descr,
                        int n_columns, char *err, size_t err_bytes);

/* Appends n_rows rows of tokens (integer descr) or samples (float descr), as
 * little-endian items, and flushes them to the file. Returns 0, or -1. */
int hfc_npy_writer_append_tokens(hfc_npy_writer *writer, const hfc_token *tokens, int64_t n_rows,
                                 char *err, size_t err_bytes);
int hfc_npy_writer_append_floats(hfc_npy_writer *writer, const float *samples, int64_t n_rows,
                                 char *err, size_t err_bytes);

/* Writes the final shape into the header and closes the file. Returns 0, or -1
 * with one line in err. A writer never opened (file NULL) is a no-op. */
int hfc_npy_writer_close(hfc_npy_writer *writer, char *err, size_t err_bytes);

#endif
