#include "file_io.h"

#include "error_text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hfc_cli_is_stdio(const char *path)
{
    return strcmp(path, "-") == 0;
}

const char *hfc_cli_input_name(const char *path)
{
    return hfc_cli_is_stdio(path) ? "stdin" : path;
}

const char *hfc_cli_output_name(const char *path)
{
    return hfc_cli_is_stdio(path) ? "stdout" : path;
}

int hfc_cli_file_read_all(const char *path, uint8_t **data, size_t *n_bytes, char *err,
                          size_t err_bytes)
{
    *data = NULL;
    *n_bytes = 0;
    int use_stdin = hfc_cli_is_stdio(path);
    FILE *file = use_stdin ? stdin : fopen(path, "rb");
    if (file == NULL)
        return hfc_cli_fail(err, err_bytes, "cannot open: %s", strerror(errno));
    size_t capacity = 1 << 16, n_read = 0;
    uint8_t *buffer = malloc(capacity);
    int failed = buffer == NULL;
    while (!failed) {
        if (n_read == capacity) {
            uint8_t *grown = capacity > SIZE_MAX / 2 ? NULL : realloc(buffer, capacity * 2);
            if (grown == NULL) {
                failed = 1;
                break;
            }
            buffer = grown;
            capacity *= 2;
        }
        size_t n = fread(buffer + n_read, 1, capacity - n_read, file);
        n_read += n;
        if (n == 0)
            break;
    }
    int read_error = ferror(file) ? errno : 0;
    if (!use_stdin)
        fclose(file);
    if (failed || read_error != 0) {
        free(buffer);
        return failed ? hfc_cli_fail(err, err_bytes, "out of memory reading the file")
                      : hfc_cli_fail(err, err_bytes, "read error: %s", strerror(read_error));
    }
    *data = buffer;
    *n_bytes = n_read;
    return 0;
}

int hfc_cli_file_write_all(const char *path, const void *data, size_t n_bytes, char *err,
                           size_t err_bytes)
{
    int use_stdout = hfc_cli_is_stdio(path);
    FILE *file = use_stdout ? stdout : fopen(path, "wb");
    if (file == NULL)
        return hfc_cli_fail(err, err_bytes, "cannot create: %s", strerror(errno));
    int ok = fwrite(data, 1, n_bytes, file) == n_bytes;
    /* fclose/fflush report the errors of buffered writes, e.g. a full disk. */
    ok = (use_stdout ? fflush(file) : fclose(file)) == 0 && ok;
    if (!ok)
        return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    return 0;
}

void hfc_cli_file_extension(const char *path, char *out, size_t out_bytes)
{
    out[0] = '\0';
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash) || strlen(dot + 1) >= out_bytes)
        return;
    size_t i = 0;
    for (const char *ch = dot + 1; *ch != '\0'; ch++)
        out[i++] = (char)tolower((unsigned char)*ch);
    out[i] = '\0';
}
