/*
 * stream_hfc_reader.h - a .hfc token stream read frame by frame as it arrives,
 * from a file or a pipe (stdin): what `hificodec play -` needs to play tokens
 * while another process is still writing them. It checks what the whole-file
 * parser checks (src/tokens/tokens_hfc.h, docs/TOKENS.md), as far as the stream has got: the
 * header, every token's range, and at the end the frame count or the padding.
 */
#ifndef HFC_CLI_STREAM_HFC_READER_H
#define HFC_CLI_STREAM_HFC_READER_H

#include "hificodec.h"
#include "tokens_hfc.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_hfc_reader {
    int fd;
    int owns_fd;                    /* 0 for stdin */
    hfc_token_header header;
    int bits_per_token;
    int frame_bits;
    uint8_t buffer[4096];
    size_t n_buffered;              /* bytes in buffer */
    size_t position;                /* next unread byte of buffer */
    uint64_t bits;                  /* unread bits taken from the buffer, right-aligned */
    int n_bits;
    int64_t n_frames;               /* frames returned so far */
} hfc_hfc_reader;

/* What the calls return besides a frame count. A pipe is waited on for at most
 * HFC_HFC_READ_WAIT_MS per call, so that a caller can check for Ctrl-C between
 * calls whichever thread the signal went to. */
enum { HFC_HFC_READ_END = 0, HFC_HFC_READ_ERROR = -1, HFC_HFC_READ_AGAIN = -2 };
#define HFC_HFC_READ_WAIT_MS 100

/* Opens path ("-": stdin). Returns 0, or -1 with one line in err. */
int hfc_hfc_reader_open(hfc_hfc_reader *reader, const char *path, char *err, size_t err_bytes);

/* Reads and checks the header. Returns 0, HFC_HFC_READ_AGAIN while it has not
 * all come, or HFC_HFC_READ_ERROR with one line in err. */
int hfc_hfc_reader_header(hfc_hfc_reader *reader, char *err, size_t err_bytes);

/* Reads up to max_frames whole frames into tokens (frame-major). Returns the
 * count, HFC_HFC_READ_END at a proper end of the stream, HFC_HFC_READ_AGAIN
 * when no whole frame came in the wait or a signal came (call again), or
 * HFC_HFC_READ_ERROR with one line in err (a truncated or malformed stream, a
 * token out of range, a read error). */
int64_t hfc_hfc_reader_read(hfc_hfc_reader *reader, hfc_token *tokens, int64_t max_frames,
                            char *err, size_t err_bytes);

void hfc_hfc_reader_close(hfc_hfc_reader *reader);

#endif
