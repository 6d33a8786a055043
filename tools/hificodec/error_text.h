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

#endif
