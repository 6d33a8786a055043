/*
 * output_file.h - an output file that only appears whole: written under a
 * temporary name in the same folder (".NAME.XXXXXX.part"), renamed over NAME when
 * complete, removed on failure and on SIGINT, SIGTERM, SIGHUP and SIGPIPE. A
 * SIGKILL leaves the temporary name behind, never a NAME that looks whole.
 * SIGXFSZ is ignored so that a file-size limit is a write error (EFBIG) that is
 * reported and cleaned up like a full disk (ENOSPC).
 *
 * "-" is stdout: written in place, nothing to rename. One output is registered
 * for the signal cleanup at a time per process (the commands write one file).
 */
#ifndef HFC_CLI_OUTPUT_FILE_H
#define HFC_CLI_OUTPUT_FILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct hfc_cli_output {
    const char *path;       /* borrowed: the final name, or "-" */
    char temp_path[4096];   /* "" for stdout */
    FILE *file;             /* the temporary file, or stdout */
    int is_stdout;
    int seekable;           /* 1: a regular file (also stdout redirected to one) */
} hfc_cli_output;

/* Creates the temporary file for path (or takes stdout for "-"). Returns 0, or -1
 * with one line in err. */
int hfc_cli_output_open(hfc_cli_output *output, const char *path, char *err, size_t err_bytes);

/* Flushes, closes and renames the temporary file over path (stdout: flushes).
 * Returns 0, or -1 with one line in err and the temporary file removed. */
int hfc_cli_output_commit(hfc_cli_output *output, char *err, size_t err_bytes);

/* Closes and removes the temporary file (stdout: flushes what it can). Safe on an
 * output never opened or already committed. */
void hfc_cli_output_abort(hfc_cli_output *output);

#endif
