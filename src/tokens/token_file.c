/* The public token-file calls: load and save whole .hfc and .npy files, in memory
 * or on disk. Saving is atomic (a hidden temporary file renamed over the target),
 * so a killed writer leaves either the old file or the new one, never a part. */
#include "fail_text.h"
#include "log.h"
#include "tokens_hfc.h"
#include "tokens_npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Room for any reason the parsers give. */
#define ERR_BYTES 512

void hfc_token_file_options_init(hfc_token_file_options *options)
{
    if (options)
        memset(options, 0, sizeof *options);
}

/* Sends a failure's one line to the caller's log and returns its status. */
static int report(const hfc_token_file_options *options, int status, const char *err)
{
    hfc_logger logger = {options ? options->log : NULL, options ? options->log_user : NULL};
    if (status < 0)
        hfc_logf(&logger, HFC_LOG_ERROR, "%s", err[0] ? err : hfc_strerror(status));
    return status;
}

static int npy_bound(const hfc_token_file_options *options)
{
    return options && options->codebook_size > 0 ? options->codebook_size
                                                 : HFC_TOKENS_MAX_CODEBOOK_SIZE;
}

int64_t hfc_tokens_load_memory(const void *data, size_t n_bytes,
                               const hfc_token_file_options *options, hfc_token_header *header,
                               hfc_token **tokens)
{
    if (tokens)
        *tokens = NULL;
    if ((!data && n_bytes > 0) || !header || !tokens)
        return HFC_ERR_INVALID_ARG;
    memset(header, 0, sizeof *header);
    char err[ERR_BYTES] = "";
    int64_t n_frames = 0;
    int status;
    const uint8_t *bytes = data;
    if (n_bytes == 0) {
        status = hfc_fail_text(err, sizeof err, HFC_ERR_FORMAT, "empty file");
    } else if (n_bytes >= 4 && memcmp(bytes, "HFCT", 4) == 0) {
        status = hfc_tokens_hfc_parse(data, n_bytes, header, tokens, &n_frames, err, sizeof err);
    } else if (n_bytes >= 6 && memcmp(bytes, "\x93NUMPY", 6) == 0) {
        int bound = npy_bound(options);
        status = hfc_tokens_npy_parse(data, n_bytes, bound, tokens, &n_frames, &header->n_codebooks,
                                      err, sizeof err);
        header->format = HFC_TOKENS_NPY;
        header->codebook_size = bound;
    } else {
        status = hfc_fail_text(err, sizeof err, HFC_ERR_FORMAT,
                               "not a token file (neither .hfc nor .npy)");
    }
    if (status != 0) {
        memset(header, 0, sizeof *header);
        return report(options, status, err);
    }
    header->n_frames = n_frames;
    return n_frames;
}

/* Reads all of a file; *data is malloc'd (never NULL on success). */
static int read_all(const char *path, uint8_t **data, size_t *n_bytes, char *err, size_t err_bytes)
{
    *data = NULL;
    *n_bytes = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hfc_fail_text(err, err_bytes, HFC_ERR_IO, "cannot open: %s", strerror(errno));
    struct stat st;
    size_t capacity = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 1 << 16;
    uint8_t *buffer = malloc(capacity);
    size_t n_read = 0;
    int status = buffer ? 0 : HFC_ERR_NO_MEMORY;
    while (status == 0) {
        if (n_read == capacity) {
            uint8_t *grown = capacity > SIZE_MAX / 2 ? NULL : realloc(buffer, capacity * 2);
            if (!grown) {
                status = HFC_ERR_NO_MEMORY;
                break;
            }
            buffer = grown;
            capacity *= 2;
        }
        ssize_t n = read(fd, buffer + n_read, capacity - n_read);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            status = hfc_fail_text(err, err_bytes, HFC_ERR_IO, "read error: %s", strerror(errno));
        else if (n == 0)
            break;
        else
            n_read += (size_t)n;
    }
    close(fd);
    if (status == HFC_ERR_NO_MEMORY)
        hfc_fail_text(err, err_bytes, status, "out of memory reading the file");
    if (status != 0) {
        free(buffer);
        return status;
    }
    *data = buffer;
    *n_bytes = n_read;
    return 0;
}

int64_t hfc_tokens_load_file(const char *path, const hfc_token_file_options *options,
                             hfc_token_header *header, hfc_token **tokens)
{
    if (tokens)
        *tokens = NULL;
    if (!path || !header || !tokens)
        return HFC_ERR_INVALID_ARG;
    memset(header, 0, sizeof *header);
    char err[ERR_BYTES] = "";
    uint8_t *data;
    size_t n_bytes;
    int status = read_all(path, &data, &n_bytes, err, sizeof err);
    if (status != 0)
        return report(options, status, err);
    int64_t n_frames = hfc_tokens_load_memory(data, n_bytes, options, header, tokens);
    free(data);
    return n_frames;
}

void hfc_tokens_free(hfc_token *tokens)
{
    free(tokens);
}

/* The whole file in a malloc'd buffer. format must be HFC or NPY. */
static int serialise(int format, const hfc_token_header *header, const hfc_token *tokens,
                     int64_t n_frames, uint8_t **data, size_t *n_bytes, char *err, size_t err_bytes)
{
    *data = NULL;
    if (n_frames < 1)
        return hfc_fail_text(err, err_bytes, HFC_ERR_INVALID_ARG,
                             "a token file needs at least one frame");
    if (format == HFC_TOKENS_HFC) {
        hfc_token_header known = *header;
        known.n_frames = n_frames;
        return hfc_tokens_hfc_format(&known, tokens, n_frames, data, n_bytes, err, err_bytes);
    }
    if (format == HFC_TOKENS_NPY)
        return hfc_tokens_npy_format(tokens, n_frames, header->n_codebooks, header->codebook_size,
                                     data, n_bytes, err, err_bytes);
    return hfc_fail_text(err, err_bytes, HFC_ERR_INVALID_ARG, "unknown token format %d", format);
}

int64_t hfc_tokens_saved_bytes(int format, const hfc_token_header *header, int64_t n_frames)
{
    if (!header || n_frames < 1 || header->n_codebooks < 1 ||
        header->n_codebooks > HFC_TOKENS_MAX_CODEBOOKS || header->codebook_size < 2 ||
        header->codebook_size > HFC_TOKENS_MAX_CODEBOOK_SIZE ||
        n_frames > INT64_MAX / 64 / header->n_codebooks)
        return HFC_ERR_INVALID_ARG;
    int64_t n_tokens = n_frames * header->n_codebooks;
    if (format == HFC_TOKENS_HFC)
        return HFC_TOKENS_HEADER_BYTES +
               (n_tokens * hfc_tokens_hfc_bits_for(header->codebook_size) + 7) / 8;
    if (format == HFC_TOKENS_NPY)
        return hfc_tokens_npy_file_bytes(n_frames, header->n_codebooks, header->codebook_size);
    return HFC_ERR_INVALID_ARG;
}

int64_t hfc_tokens_save_memory(int format, const hfc_token_header *header, const hfc_token *tokens,
                               int64_t n_frames, void *out, int64_t max_bytes,
                               const hfc_token_file_options *options)
{
    if (!header || !tokens || (!out && max_bytes > 0))
        return HFC_ERR_INVALID_ARG;
    char err[ERR_BYTES] = "";
    uint8_t *data;
    size_t n_bytes;
    int status = serialise(format, header, tokens, n_frames, &data, &n_bytes, err, sizeof err);
    if (status != 0)
        return report(options, status, err);
    if ((uint64_t)max_bytes < n_bytes) {
        free(data);
        hfc_fail_text(err, sizeof err, HFC_ERR_BUFFER_TOO_SMALL,
                      "the file takes %zu bytes, the buffer holds %lld", n_bytes,
                      (long long)max_bytes);
        return report(options, HFC_ERR_BUFFER_TOO_SMALL, err);
    }
    memcpy(out, data, n_bytes);
    free(data);
    return (int64_t)n_bytes;
}

/* The format path's extension names: .hfc or .npy (any case), else AUTO. */
static int format_from_extension(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return HFC_TOKENS_AUTO;
    if (strcasecmp(dot, ".hfc") == 0)
        return HFC_TOKENS_HFC;
    if (strcasecmp(dot, ".npy") == 0)
        return HFC_TOKENS_NPY;
    return HFC_TOKENS_AUTO;
}

/* Creates a new hidden file beside path, ".NAME.part-<pid>-<n>", with mode 0666
 * less the umask, as the real file would get. Returns the descriptor or -1. */
static int create_temporary(const char *path, char *temp, size_t temp_bytes)
{
    static atomic_uint counter;
    const char *slash = strrchr(path, '/');
    int dir_chars = slash ? (int)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned n = atomic_fetch_add(&counter, 1u);
        int written = snprintf(temp, temp_bytes, "%.*s.%s.part-%ld-%u", dir_chars, path, base,
                               (long)getpid(), n);
        if (written < 0 || (size_t)written >= temp_bytes) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

static int write_fully(int fd, const uint8_t *data, size_t n_bytes)
{
    while (n_bytes > 0) {
        ssize_t n = write(fd, data, n_bytes);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        n_bytes -= (size_t)n;
    }
    return 0;
}

static int write_atomically(const char *path, const uint8_t *data, size_t n_bytes, char *err,
                            size_t err_bytes)
{
    char temp[4096];
    int fd = create_temporary(path, temp, sizeof temp);
    if (fd < 0)
        return hfc_fail_text(err, err_bytes, HFC_ERR_IO, "cannot create: %s", strerror(errno));
    int ok = write_fully(fd, data, n_bytes) == 0;
    int saved_errno = errno;
    /* close reports errors of writes the kernel deferred (NFS, a full quota). */
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved_errno = errno;
    }
    if (ok && rename(temp, path) != 0) {
        ok = 0;
        saved_errno = errno;
    }
    if (!ok) {
        unlink(temp);
        return hfc_fail_text(err, err_bytes, HFC_ERR_IO, "write error: %s", strerror(saved_errno));
    }
    return 0;
}

int hfc_tokens_save_file(const char *path, int format, const hfc_token_header *header,
                         const hfc_token *tokens, int64_t n_frames,
                         const hfc_token_file_options *options)
{
    if (!path || !header || !tokens)
        return HFC_ERR_INVALID_ARG;
    char err[ERR_BYTES] = "";
    if (format == HFC_TOKENS_AUTO)
        format = format_from_extension(path);
    if (format == HFC_TOKENS_AUTO) {
        hfc_fail_text(err, sizeof err, HFC_ERR_INVALID_ARG,
                      "cannot tell the token format: name the file .hfc or .npy");
        return report(options, HFC_ERR_INVALID_ARG, err);
    }
    uint8_t *data;
    size_t n_bytes;
    int status = serialise(format, header, tokens, n_frames, &data, &n_bytes, err, sizeof err);
    if (status == 0) {
        status = write_atomically(path, data, n_bytes, err, sizeof err);
        free(data);
    }
    return report(options, status, err);
}
