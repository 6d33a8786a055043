#include "stream_npy.h"

#include "error_text.h"
#include "file_io.h"
#include "npy_header.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* Every header this writer makes, for any count up to 19 digits, pads to this. */
enum { FIXED_HEADER_BYTES = 128 };

static size_t format_header(const hfc_npy_writer *writer, uint8_t out[HFC_NPY_HEADER_MAX_BYTES])
{
    int64_t dims[2] = {writer->n_rows, writer->n_columns};
    return hfc_npy_header_write(writer->descr, writer->n_columns > 0 ? 2 : 1, dims, out);
}

int hfc_npy_writer_open(hfc_npy_writer *writer, const char *path, const char *descr,
                        int n_columns, char *err, size_t err_bytes)
{
    memset(writer, 0, sizeof *writer);
    if (hfc_cli_is_stdio(path))
        return hfc_cli_fail(err, err_bytes,
                            ".npy states its length in its header, so it cannot be written "
                            "live to stdout; use .hfc or a file");
    snprintf(writer->descr, sizeof writer->descr, "%s", descr);
    writer->item_bytes = descr[2] - '0'; /* "<i2", "<i4", "<f4": the size is the digit */
    writer->n_columns = n_columns;
    FILE *file = fopen(path, "wb");
    if (file == NULL)
        return hfc_cli_fail(err, err_bytes, "cannot create: %s", strerror(errno));
    struct stat info;
    if (fstat(fileno(file), &info) != 0 || !S_ISREG(info.st_mode)) {
        fclose(file);
        return hfc_cli_fail(err, err_bytes,
                            ".npy needs a regular file to rewrite its header at the end");
    }
    uint8_t header[HFC_NPY_HEADER_MAX_BYTES];
    writer->header_bytes = format_header(writer, header);
    if (writer->header_bytes != FIXED_HEADER_BYTES ||
        fwrite(header, 1, writer->header_bytes, file) != writer->header_bytes ||
        fflush(file) != 0) {
        fclose(file);
        return hfc_cli_fail(err, err_bytes, "cannot write the header: %s", strerror(errno));
    }
    writer->file = file;
    return 0;
}

static void store_le(uint8_t *out, uint32_t value, int n_bytes)
{
    for (int i = 0; i < n_bytes; i++)
        out[i] = (uint8_t)(value >> (8 * i));
}

/* Items go out through a small buffer, converted to little-endian on the way. */
static int append_items(hfc_npy_writer *writer, const hfc_token *tokens, const float *samples,
                        int64_t n_rows, char *err, size_t err_bytes)
{
    int64_t n_items = n_rows * (writer->n_columns > 0 ? writer->n_columns : 1);
    uint8_t buffer[4096];
    size_t per_buffer = sizeof buffer / (size_t)writer->item_bytes;
    for (int64_t start = 0; start < n_items; start += (int64_t)per_buffer) {
        size_t n = n_items - start < (int64_t)per_buffer ? (size_t)(n_items - start) : per_buffer;
        for (size_t i = 0; i < n; i++) {
            uint32_t bits;
            if (tokens != NULL) {
                bits = (uint32_t)tokens[start + (int64_t)i];
            } else {
                memcpy(&bits, &samples[start + (int64_t)i], sizeof bits);
            }
            store_le(buffer + i * (size_t)writer->item_bytes, bits, writer->item_bytes);
        }
        if (fwrite(buffer, (size_t)writer->item_bytes, n, writer->file) != n)
            return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    }
    if (fflush(writer->file) != 0)
        return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    writer->n_rows += n_rows;
    return 0;
}

int hfc_npy_writer_append_tokens(hfc_npy_writer *writer, const hfc_token *tokens, int64_t n_rows,
                                 char *err, size_t err_bytes)
{
    return append_items(writer, tokens, NULL, n_rows, err, err_bytes);
}

int hfc_npy_writer_append_floats(hfc_npy_writer *writer, const float *samples, int64_t n_rows,
                                 char *err, size_t err_bytes)
{
    return append_items(writer, NULL, samples, n_rows, err, err_bytes);
}

int hfc_npy_writer_close(hfc_npy_writer *writer, char *err, size_t err_bytes)
{
    if (writer->file == NULL)
        return 0;
    uint8_t header[HFC_NPY_HEADER_MAX_BYTES];
    size_t header_bytes = format_header(writer, header);
    int failed = header_bytes != writer->header_bytes || fseek(writer->file, 0, SEEK_SET) != 0 ||
                 fwrite(header, 1, header_bytes, writer->file) != header_bytes;
    int saved_errno = errno;
    if (fclose(writer->file) != 0 && !failed) {
        failed = 1;
        saved_errno = errno;
    }
    writer->file = NULL;
    if (failed)
        return hfc_cli_fail(err, err_bytes, "cannot finish the .npy header: %s",
                            strerror(saved_errno));
    return 0;
}
