/*
 * file_io.h - whole-file reads and writes, with "-" meaning stdin / stdout.
 *
 * The token formats are parsed from memory, so their files are read whole; pipes
 * cannot seek, so stdin is read whole too.
 */
#ifndef HFC_CLI_FILE_IO_H
#define HFC_CLI_FILE_IO_H

#include <stddef.h>
#include <stdint.h>

/* Reads all of path ("-" = stdin) into a malloc'd buffer *data of *n_bytes that the
 * caller frees (never NULL on success, also for an empty file). Returns 0, or -1
 * with one line in err. */
int hfc_cli_file_read_all(const char *path, uint8_t **data, size_t *n_bytes, char *err,
                          size_t err_bytes);

/* Writes n_bytes to path ("-" = stdout), replacing the file. Returns 0, or -1 with
 * one line in err. */
int hfc_cli_file_write_all(const char *path, const void *data, size_t n_bytes, char *err,
                           size_t err_bytes);

/* 1 when path is "-", the stdin/stdout placeholder. */
int hfc_cli_is_stdio(const char *path);

/* How messages name a path: "stdin" / "stdout" for "-", else the path itself. */
const char *hfc_cli_input_name(const char *path);
const char *hfc_cli_output_name(const char *path);

/* The extension of path after its last '.', lower-cased into out (capacity
 * out_bytes); "" when there is none or it does not fit. */
void hfc_cli_file_extension(const char *path, char *out, size_t out_bytes);

#endif
