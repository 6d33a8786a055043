/*
 * fuzz_audio.c - fuzz target for the CLI's audio input: libsndfile (every format it
 * reads) through the memory I/O of sndfile_memory.c, the .npy reader, the downmix,
 * the resampler, and the checks (truncated WAV, NaN) -- two ways, which must agree:
 * the whole-file reader (hfc_cli_audio_read_memory) and the constant-memory reader
 * (audio_source.c) over the same bytes as a regular file and as a pipe. Where the
 * whole-file reader and the regular file both succeed they must give the same
 * samples, and one must not fail where the other succeeds; a pipe may not know a
 * length that a file states, so it only has to give the same samples when it
 * succeeds. Output past FUZZ_MAX_SAMPLES is not compared, and the whole-file reader
 * is not run on it (bounded work per input).
 */
#include "audio_io.h"
#include "audio_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The model rate; inputs at other rates go through the resampler. */
#define FUZZ_RATE_HZ 16000
/* Longer output is not compared (keeps each input fast): 65 s at the model rate. */
#define FUZZ_MAX_SAMPLES (1 << 20)

/* tools/fuzz-all closes the target's stderr (-close_fd_mask=2): the decoders' notes
 * on damaged input, mpg123's above all, made 0.6 MB of log a second. Failures go to
 * a copy taken before that (libFuzzer calls this before it reads its flags). */
static int report_fd = STDERR_FILENO;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    int fd = dup(STDERR_FILENO);
    if (fd >= 0)
        report_fd = fd;
    return 0;
}

static void fail(const char *what)
{
    dprintf(report_fd, "fuzz_audio: %s\n", what);
    abort();
}

/* The chunked reader's samples, one buffer per way of reading (the file and the
 * pipe), allocated once: growing a buffer per input copied up to 4 MB per chunk
 * read and made most of the target's time (allocator and page faults). */
typedef struct chunked_buffer {
    float *samples; /* FUZZ_MAX_SAMPLES */
} chunked_buffer;

/* All samples of the chunked reader over path into buffer->samples; returns the
 * samples or NULL on failure. */
static const float *read_chunked(const char *path, chunked_buffer *buffer, int64_t *n_out,
                                 int *too_long)
{
    char err[512];
    *n_out = 0;
    *too_long = 0;
    if (buffer->samples == NULL) {
        buffer->samples = malloc((size_t)FUZZ_MAX_SAMPLES * sizeof *buffer->samples);
        if (buffer->samples == NULL)
            fail("out of memory");
    }
    hfc_cli_audio_source *source = hfc_cli_audio_source_open(path, FUZZ_RATE_HZ, err, sizeof err);
    if (source == NULL) {
        if (strchr(err, '\n') != NULL || err[0] == '\0')
            fail("open failed without one line of error");
        return NULL;
    }
    int64_t n_all = 0;
    int failed = 0;
    for (;;) {
        const float *samples;
        int64_t n = hfc_cli_audio_source_read(source, &samples, err, sizeof err);
        if (n < 0) {
            if (strchr(err, '\n') != NULL || err[0] == '\0')
                fail("read failed without one line of error");
            failed = 1;
            break;
        }
        if (n == 0)
            break;
        if (n_all + n > FUZZ_MAX_SAMPLES) {
            *too_long = 1;
            break;
        }
        memcpy(buffer->samples + n_all, samples, (size_t)n * sizeof *samples);
        n_all += n;
    }
    hfc_cli_audio_source_close(source);
    if (failed)
        return NULL;
    *n_out = n_all;
    return buffer->samples;
}

static int same(const float *a, int64_t n_a, const float *b, int64_t n_b)
{
    return n_a == n_b && memcmp(a, b, (size_t)n_a * sizeof *a) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    /* The same bytes as a regular file, first: its reader stops at FUZZ_MAX_SAMPLES,
     * and beyond that nothing is compared, so the whole-file reader is run only
     * below it. (Run on everything, a header claiming a rate of a few Hz had the
     * whole-file reader resample to millions of samples, through libsoxr's one-shot
     * call, whose output buffer grows by a copy per piece under ASan: most of the
     * time of such inputs.) */
    int fd = memfd_create("fuzz_audio", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        fail("memfd");
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    static chunked_buffer file_buffer, pipe_buffer;
    int64_t n_file;
    int too_long;
    const float *file = read_chunked(path, &file_buffer, &n_file, &too_long);
    close(fd);

    hfc_cli_audio whole;
    int whole_ok = 0;
    if (!too_long) {
        whole_ok = hfc_cli_audio_read_memory(data, size, FUZZ_RATE_HZ, &whole, err,
                                             sizeof err) == 0;
        if (!whole_ok && (strchr(err, '\n') != NULL || err[0] == '\0'))
            fail("whole-file read failed without one line of error");
    }
    if (!too_long && whole_ok && whole.n_samples <= FUZZ_MAX_SAMPLES) {
        if (file == NULL)
            fail("the chunked reader failed where the whole-file reader succeeded");
        if (!same(whole.samples, whole.n_samples, file, n_file))
            fail("the chunked reader gave other samples than the whole-file reader");
    }
    if (!too_long && !whole_ok && file != NULL)
        fail("the chunked reader succeeded where the whole-file reader failed");

    /* And as a pipe on stdin, when it fits the pipe's buffer. */
    int pipe_fds[2];
    if (size <= 60000 && pipe(pipe_fds) == 0) {
        int saved_stdin = dup(STDIN_FILENO);
        if (write(pipe_fds[1], data, size) == (ssize_t)size) {
            close(pipe_fds[1]);
            dup2(pipe_fds[0], STDIN_FILENO);
            close(pipe_fds[0]);
            int64_t n_pipe;
            int pipe_too_long;
            const float *piped = read_chunked("-", &pipe_buffer, &n_pipe, &pipe_too_long);
            if (piped != NULL && !pipe_too_long && file != NULL && !too_long &&
                !same(file, n_file, piped, n_pipe))
                fail("the pipe gave other samples than the file");
        } else {
            close(pipe_fds[0]);
            close(pipe_fds[1]);
        }
        dup2(saved_stdin, STDIN_FILENO);
        close(saved_stdin);
    }
    if (whole_ok)
        hfc_cli_audio_free(&whole);
    return 0;
}
