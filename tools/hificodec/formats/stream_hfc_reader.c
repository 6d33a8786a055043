#include "stream_hfc_reader.h"

#include "error_text.h"
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

/* Fills the buffer with what the file or pipe has, waiting a little for it.
 * Returns the bytes added, 0 at the end, HFC_HFC_READ_ERROR, or
 * HFC_HFC_READ_AGAIN when nothing came in the wait or a signal came. */
static long fill(hfc_hfc_reader *reader, char *err, size_t err_bytes)
{
    struct pollfd waiting = {.fd = reader->fd, .events = POLLIN};
    int ready = poll(&waiting, 1, HFC_HFC_READ_WAIT_MS);
    if (ready == 0 || (ready < 0 && errno == EINTR))
        return HFC_HFC_READ_AGAIN;
    if (reader->position > 0) {
        memmove(reader->buffer, reader->buffer + reader->position,
                reader->n_buffered - reader->position);
        reader->n_buffered -= reader->position;
        reader->position = 0;
    }
    ssize_t n = read(reader->fd, reader->buffer + reader->n_buffered,
                     sizeof reader->buffer - reader->n_buffered);
    if (n < 0 && errno == EINTR)
        return HFC_HFC_READ_AGAIN;
    if (n < 0)
        return hfc_cli_fail(err, err_bytes, "read error: %s", strerror(errno));
    reader->n_buffered += (size_t)n;
    return (long)n;
}

int hfc_hfc_reader_open(hfc_hfc_reader *reader, const char *path, char *err, size_t err_bytes)
{
    memset(reader, 0, sizeof *reader);
    reader->fd = hfc_cli_is_stdio(path) ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    reader->owns_fd = !hfc_cli_is_stdio(path);
    if (reader->fd < 0)
        return hfc_cli_fail(err, err_bytes, "cannot open: %s", strerror(errno));
    return 0;
}

int hfc_hfc_reader_header(hfc_hfc_reader *reader, char *err, size_t err_bytes)
{
    while (reader->n_buffered < HFC_TOKENS_HEADER_BYTES) {
        long n = fill(reader, err, err_bytes);
        if (n < 0)
            return (int)n;
        if (n == 0)
            break;
    }
    if (hfc_tokens_hfc_header_parse(reader->buffer, reader->n_buffered, &reader->header, err,
                                    err_bytes) != 0)
        return -1;
    reader->position = HFC_TOKENS_HEADER_BYTES;
    reader->bits_per_token = hfc_tokens_hfc_bits_for(reader->header.codebook_size);
    reader->frame_bits = reader->header.n_codebooks * reader->bits_per_token;
    return 0;
}

/* Bits that could be read now: the ones taken plus the buffer's. */
static int64_t bits_available(const hfc_hfc_reader *reader)
{
    return reader->n_bits + 8 * (int64_t)(reader->n_buffered - reader->position);
}

/* Takes one token of the stream's width, MSB first; the caller has checked that
 * the bits are there. */
static hfc_token take_token(hfc_hfc_reader *reader)
{
    int width = reader->bits_per_token;
    while (reader->n_bits < width) {
        reader->bits = (reader->bits << 8) | reader->buffer[reader->position++];
        reader->n_bits += 8;
    }
    reader->n_bits -= width;
    return (hfc_token)((reader->bits >> reader->n_bits) & ((1u << width) - 1));
}

/* At the end of the stream: the frame count, else only zero padding left. */
static int64_t check_end(const hfc_hfc_reader *reader, char *err, size_t err_bytes)
{
    int64_t expected = reader->header.n_frames;
    if (expected != HFC_TOKENS_UNKNOWN_FRAMES && reader->n_frames != expected)
        return hfc_cli_fail(err, err_bytes, "truncated payload: %lld of %lld frames",
                            (long long)reader->n_frames, (long long)expected);
    int64_t left = bits_available(reader);
    uint64_t left_value = reader->bits & ((1ull << reader->n_bits) - 1);
    if (left >= 8 && expected != HFC_TOKENS_UNKNOWN_FRAMES)
        return hfc_cli_fail(err, err_bytes, "trailing data after %lld frames", (long long)expected);
    if (left >= 8 || (reader->n_bits > 0 && left_value != 0))
        return hfc_cli_fail(err, err_bytes, "a partial frame at the end (%lld bits)",
                            (long long)left);
    if (reader->n_frames == 0)
        return hfc_cli_fail(err, err_bytes, "no frames");
    return HFC_HFC_READ_END;
}

int64_t hfc_hfc_reader_read(hfc_hfc_reader *reader, hfc_token *tokens, int64_t max_frames,
                            char *err, size_t err_bytes)
{
    int64_t expected = reader->header.n_frames;
    for (;;) {
        int64_t n_frames = 0;
        while (n_frames < max_frames && bits_available(reader) >= reader->frame_bits &&
               (expected == HFC_TOKENS_UNKNOWN_FRAMES || reader->n_frames < expected)) {
            hfc_token *frame = tokens + n_frames * reader->header.n_codebooks;
            for (int k = 0; k < reader->header.n_codebooks; k++) {
                frame[k] = take_token(reader);
                if (frame[k] >= reader->header.codebook_size)
                    return hfc_cli_fail(err, err_bytes,
                                        "token %d at frame %lld, codebook %d is outside [0, %d)",
                                        (int)frame[k], (long long)reader->n_frames, k,
                                        reader->header.codebook_size);
            }
            reader->n_frames++;
            n_frames++;
        }
        if (n_frames > 0)
            return n_frames;
        long n = fill(reader, err, err_bytes);
        if (n < 0)
            return n;
        if (n == 0)
            return check_end(reader, err, err_bytes);
    }
}

void hfc_hfc_reader_close(hfc_hfc_reader *reader)
{
    if (reader->owns_fd && reader->fd >= 0)
        close(reader->fd);
    reader->fd = -1;
}
