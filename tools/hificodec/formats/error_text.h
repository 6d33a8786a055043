/*
 * error_text.h - the one-line error messages the CLI's parsers hand back.
 *
 * Every parser and reader here returns 0 or -1 and, on -1, leaves one line of text
 * (no newline) in a caller's buffer, so the caller decides how and whether to print
 * it. A NULL buffer or zero capacity is allowed: the message is then dropped.
 */
#ifndef HFC_CLI_ERROR_TEXT_H
#define HFC_CLI_ERROR_TEXT_H

#include <stddef.h>

#if defined(__GNUC__)
#define HFC_CLI_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define HFC_CLI_PRINTF(fmt_index, first_arg)
#endif

/* Formats into err (capacity err_bytes, always terminated, truncated if needed) and
 * returns -1, so that callers can write `return hfc_cli_fail(err, n, "...")`. */
int hfc_cli_fail(char *err, size_t err_bytes, const char *fmt, ...) HFC_CLI_PRINTF(3, 4);

/* Where hfc_cli_keep_error puts a library call's reason: a caller's buffer. */
typedef struct hfc_cli_error_sink {
    char *text;
    size_t n_bytes;
} hfc_cli_error_sink;

/* An hfc_log_fn (user: an hfc_cli_error_sink) that keeps the line a library call
 * logs at HFC_LOG_ERROR: the one-line reason for its failure. */
void hfc_cli_keep_error(void *user, int level, const char *msg);

#endif
