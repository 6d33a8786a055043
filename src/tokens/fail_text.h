/*
 * fail_text.h - the token parsers' one-line reasons.
 *
 * The parsers and writers of src/tokens/ return 0 or a negative enum hfc_status
 * and leave one line (no newline) in a caller's buffer saying exactly what was
 * wrong; the public calls (token_file.c) pass that line to the log callback. A NULL
 * buffer or zero capacity drops the message.
 */
#ifndef HFC_TOKENS_FAIL_TEXT_H
#define HFC_TOKENS_FAIL_TEXT_H

#include <stddef.h>

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
/* Formats into err (always terminated, truncated if needed) and returns status. */
int hfc_fail_text(char *err, size_t err_bytes, int status, const char *fmt, ...);

#endif
