#include "stream_token_sink.h"

#include "error_text.h"
#include "file_io.h"
#include "token_file.h"
#include "tokens_npy.h"

#include <errno.h>
#include <string.h>

static int write_bytes(hfc_token_sink *sink, const void *data, size_t n_bytes, char *err,
                       size_t err_bytes)
{
    if (fwrite(data, 1, n_bytes, sink->file) != n_bytes || fflush(sink->file) != 0)
        return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    return 0;
}

int hfc_token_sink_open(hfc_token_sink *sink, const char *path, int format,
                        const hfc_token_header *header, char *err, size_t err_bytes)
{
    memset(sink, 0, sizeof *sink);
    sink->format = format;
    sink->n_codebooks = header->n_codebooks;
    if (format == HFC_TOKENS_NPY)
        return hfc_npy_writer_open(&sink->npy, path, hfc_tokens_npy_descr(header->codebook_size),
                                   header->n_codebooks, err, err_bytes);
    hfc_token_header live = *header;
    live.n_frames = HFC_TOKENS_UNKNOWN_FRAMES;
    uint8_t bytes[HFC_TOKENS_HEADER_BYTES];
    if (hfc_tokens_hfc_header_write(&live, bytes, err, err_bytes) != 0)
        return -1;
    sink->is_stdout = hfc_cli_is_stdio(path);
    sink->file = sink->is_stdout ? stdout : fopen(path, "wb");
    if (sink->file == NULL)
        return hfc_cli_fail(err, err_bytes, "cannot create: %s", strerror(errno));
    sink->packer.bits_per_token = hfc_tokens_hfc_bits_for(header->codebook_size);
    sink->packer.n_codebooks = header->n_codebooks;
    return write_bytes(sink, bytes, sizeof bytes, err, err_bytes);
}

int hfc_token_sink_write(hfc_token_sink *sink, const hfc_token *tokens, int64_t n_frames,
                         char *err, size_t err_bytes)
{
    if (n_frames <= 0)
        return 0;
    sink->n_frames += n_frames;
    if (sink->format == HFC_TOKENS_NPY)
        return hfc_npy_writer_append_tokens(&sink->npy, tokens, n_frames, err, err_bytes);
    /* 256 codebooks of 16 bits is the largest frame the format allows. */
    uint8_t packed[HFC_TOKENS_MAX_CODEBOOKS * 2 + 1];
    for (int64_t frame = 0; frame < n_frames; frame++) {
        size_t n = hfc_tokens_hfc_pack_frame(&sink->packer, tokens + frame * sink->n_codebooks,
                                             packed);
        if (fwrite(packed, 1, n, sink->file) != n)
            return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    }
    if (fflush(sink->file) != 0)
        return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    return 0;
}

int hfc_token_sink_close(hfc_token_sink *sink, char *err, size_t err_bytes)
{
    if (sink->format == HFC_TOKENS_NPY)
        return hfc_npy_writer_close(&sink->npy, err, err_bytes);
    if (sink->file == NULL)
        return 0;
    uint8_t last;
    int result = 0;
    if (hfc_tokens_hfc_pack_finish(&sink->packer, &last) == 1)
        result = write_bytes(sink, &last, 1, err, err_bytes);
    if (sink->is_stdout) {
        if (fflush(stdout) != 0 && result == 0)
            result = hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    } else if (fclose(sink->file) != 0 && result == 0) {
        result = hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    }
    sink->file = NULL;
    return result;
}
