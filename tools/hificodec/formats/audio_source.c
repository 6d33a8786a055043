#include "audio_source.h"

#include "audio_io.h"
#include "error_text.h"
#include "file_io.h"
#include "npy_header.h"
#include "sndfile_memory.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

enum {
    CHUNK_FRAMES = 8192,        /* source frames per read */
    /* Frames asked of libsndfile per call, as audio_read.c asks: its decoders'
     * results can depend on the request (its MPEG reader drops a call's frames when
     * mpg123 gives up within it), and the two readers must agree. */
    READ_FRAMES = 4096,
    PREFIX_BYTES = 1 << 16,     /* what is looked at before choosing a reader */
};

/* A pipe claims this length, so that libsndfile believes a WAV's declared size. */
#define PIPE_CLAIMED_BYTES ((sf_count_t)1 << 62)
/* See vio_tell: a header parse asks for its position a few times per chunk, and
 * reads or seeks between chunks. */
#define TELLS_WITHOUT_MOVING 100000

/* The input as libsndfile's virtual I/O sees it. A regular file is read at any
 * offset. A pipe keeps what it reads while `keeping` (libsndfile's parse of the
 * header); after that it reads forward only, and a read beyond what has been
 * consumed from the pipe returns nothing instead of consuming it (libsndfile's
 * probes past the data of a WAV, which it then seeks back from). */
typedef struct byte_input {
    int fd;
    int owns_fd;
    int regular;
    sf_count_t base;            /* regular: where the input starts in the file */
    sf_count_t n_bytes;         /* regular: its length */
    uint8_t *kept;              /* pipe: bytes [0, n_kept) */
    size_t n_kept, kept_capacity;
    int keeping;
    sf_count_t consumed;        /* pipe: bytes read from the fd */
    sf_count_t position;
    int read_error;
    sf_count_t empty_reads;     /* pipe: reads that asked for bytes and got none */
    long tells_in_a_row;        /* vio_tell calls since the last read or seek */
} byte_input;

struct hfc_cli_audio_source {
    byte_input input;
    hfc_sndfile_memory memory;  /* a pipe held whole */
    int held_whole;
    int is_npy;
    SNDFILE *sndfile;
    SF_INFO info;
    int frame_by_frame;         /* a pipe in a codec that decodes past its end: see decode_chunk */
    int past_data;              /* frame_by_frame found the pipe's end */
    int64_t declared_end;       /* a streamed pipe's WAV or AU: see declared_data_end */
    hfc_npy_header npy;
    uint64_t npy_next;
    uint8_t *npy_bytes;         /* one chunk of raw items */
    int source_rate_hz, target_rate_hz;
    int64_t chunk_frames;       /* source frames per read: fewer when upsampling a lot */
    soxr_t resampler;
    int flushed;
    float *frames;              /* READ_FRAMES x channels */
    float *staged;              /* READ_FRAMES: their mono mix, handed out chunk_frames at a time */
    int64_t n_staged, staged_next;
    float *mono;                /* CHUNK_FRAMES */
    float *resampled;
    size_t resampled_capacity;
    int64_t n_source;           /* mono samples decoded */
    int64_t n_bad, first_bad;
    int64_t n_out;
    int ended;
};

static ssize_t read_fd(int fd, void *data, size_t n_bytes)
{
    size_t got = 0;
    while (got < n_bytes) {
        ssize_t n = read(fd, (uint8_t *)data + got, n_bytes - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return got > 0 ? (ssize_t)got : -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static int keep(byte_input *in, const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    if (in->n_kept + n > in->kept_capacity) {
        size_t capacity = in->kept_capacity > 0 ? in->kept_capacity : PREFIX_BYTES;
        while (capacity < in->n_kept + n)
            capacity *= 2;
        uint8_t *grown = realloc(in->kept, capacity);
        if (grown == NULL)
            return -1;
        in->kept = grown;
        in->kept_capacity = capacity;
    }
    memcpy(in->kept + in->n_kept, data, n);
    in->n_kept += n;
    return 0;
}

/* Reads n bytes at the current position. */
static sf_count_t input_read(byte_input *in, void *out, sf_count_t n)
{
    if (n <= 0)
        return 0;
    if (in->regular) {
        if (in->position >= in->n_bytes)
            return 0;
        if (n > in->n_bytes - in->position)
            n = in->n_bytes - in->position;
        ssize_t got;
        do
            got = pread(in->fd, out, (size_t)n, (off_t)(in->base + in->position));
        while (got < 0 && errno == EINTR);
        if (got < 0) {
            in->read_error = errno;
            return 0;
        }
        in->position += got;
        return got;
    }
    sf_count_t done = 0;
    if (in->position < (sf_count_t)in->n_kept) {
        sf_count_t from_kept = (sf_count_t)in->n_kept - in->position;
        if (from_kept > n)
            from_kept = n;
        memcpy(out, in->kept + in->position, (size_t)from_kept);
        in->position += from_kept;
        done = from_kept;
    }
    if (done < n && in->position == in->consumed) {
        ssize_t got = read_fd(in->fd, (uint8_t *)out + done, (size_t)(n - done));
        if (got < 0) {
            in->read_error = errno;
            got = 0;
        }
        if (in->keeping && keep(in, (uint8_t *)out + done, (size_t)got) != 0) {
            in->read_error = ENOMEM;
            got = 0;
        }
        in->consumed += got;
        in->position += got;
        done += got;
    }
    if (done == 0)
        in->empty_reads++;
    return done;
}

static sf_count_t vio_filelen(void *user)
{
    byte_input *in = user;
    return in->regular ? in->n_bytes : PIPE_CLAIMED_BYTES;
}

static sf_count_t vio_seek(sf_count_t offset, int whence, void *user)
{
    byte_input *in = user;
    sf_count_t target = whence == SEEK_SET   ? offset
                        : whence == SEEK_CUR ? in->position + offset
                                             : vio_filelen(user) + offset;
    in->tells_in_a_row = 0;
    if (target < 0)
        return -1;
    /* A pipe cannot go back to what it has read and dropped. */
    if (!in->regular && target < in->consumed && target >= (sf_count_t)in->n_kept)
        return -1;
    in->position = target;
    return target;
}

static sf_count_t vio_read(void *out, sf_count_t n, void *user)
{
    ((byte_input *)user)->tells_in_a_row = 0;
    return input_read(user, out, n);
}

static sf_count_t vio_write(const void *data, sf_count_t n, void *user)
{
    (void)data;
    (void)n;
    (void)user;
    return 0;
}

static sf_count_t vio_tell(void *user)
{
    byte_input *in = user;
    /* libsndfile's WAV parser loops over chunks until the position reaches the
     * length. A chunk size of -8 (0xFFFFFFF8) makes it jump back onto the same chunk
     * in its header buffer, with no read or seek, storing one more chunk each time:
     * bounded by a file's length, endless under a pipe's claimed one (13 GB in a
     * minute; found by fuzz_audio). A parser that asks where it is this many times
     * without moving is told it has reached the end. */
    if (!in->regular && ++in->tells_in_a_row > TELLS_WITHOUT_MOVING)
        return PIPE_CLAIMED_BYTES;
    return in->position;
}

static SF_VIRTUAL_IO input_io = {vio_filelen, vio_seek, vio_read, vio_write, vio_tell};

static int open_input(byte_input *in, const char *path, char *err, size_t err_bytes)
{
    memset(in, 0, sizeof *in);
    if (hfc_cli_is_stdio(path)) {
        in->fd = STDIN_FILENO;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0)
            return hfc_cli_fail(err, err_bytes, "cannot open: %s", strerror(errno));
        in->owns_fd = 1;
    }
    struct stat st;
    if (fstat(in->fd, &st) != 0)
        return hfc_cli_fail(err, err_bytes, "cannot open: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return hfc_cli_fail(err, err_bytes, "read error: %s", strerror(EISDIR));
    if (S_ISREG(st.st_mode)) {
        off_t at = lseek(in->fd, 0, SEEK_CUR);
        in->regular = at >= 0;
        in->base = at > 0 ? at : 0;
        in->n_bytes = (sf_count_t)st.st_size - in->base;
    }
    in->keeping = !in->regular;
    return 0;
}

/* A pipe held whole from here: the rest is read after what was kept. */
static int hold_whole(hfc_cli_audio_source *s, char *err, size_t err_bytes)
{
    byte_input *in = &s->input;
    uint8_t buffer[1 << 16];
    for (;;) {
        ssize_t got = read_fd(in->fd, buffer, sizeof buffer);
        if (got < 0)
            return hfc_cli_fail(err, err_bytes, "read error: %s", strerror(errno));
        if (got == 0)
            break;
        if (keep(in, buffer, (size_t)got) != 0)
            return hfc_cli_fail(err, err_bytes, "out of memory reading the file");
    }
    s->held_whole = 1;
    s->memory.data = in->kept;
    s->memory.n_bytes = (sf_count_t)in->n_kept;
    return 0;
}

static uint32_t load_u32le(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
           (uint32_t)bytes[3] << 24;
}

static uint32_t load_u32be(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

/* Where a WAV's or AU's samples end by its header: 0 when that is not known (a
 * writer that could not know its length, as into a pipe, writes 0 or 0xFFFFFFFF
 * in a WAV and 0xFFFFFFFF in an AU; or the header does not fit the prefix), -1
 * for other formats. */
static int64_t declared_data_end(const uint8_t *data, size_t n)
{
    if (n >= 12 && (memcmp(data, ".snd", 4) == 0 || memcmp(data, "dns.", 4) == 0)) {
        const int big = data[0] == '.';
        uint32_t offset = big ? load_u32be(data + 4) : load_u32le(data + 4);
        uint32_t size = big ? load_u32be(data + 8) : load_u32le(data + 8);
        return size == 0xFFFFFFFFu ? 0 : (int64_t)offset + size;
    }
    if (n < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WAVE", 4) != 0)
        return -1;
    for (size_t position = 12; position + 8 <= n;) {
        uint32_t size = load_u32le(data + position + 4);
        if (memcmp(data + position, "data", 4) == 0)
            return size == 0 || size == 0xFFFFFFFFu ? 0 : (int64_t)position + 8 + size;
        position += 8 + (size_t)size + (size & 1);
    }
    return 0; /* the header did not fit the prefix: do not second-guess the count */
}

static int open_npy(hfc_cli_audio_source *s, const uint8_t *prefix, size_t n_prefix,
                    size_t n_bytes, char *err, size_t err_bytes)
{
    if (n_prefix < 12)
        return hfc_cli_fail(err, err_bytes, "truncated .npy header");
    size_t header_bytes = prefix[6] == 1 ? 10 + (size_t)(prefix[8] | prefix[9] << 8)
                                         : 12 + (size_t)load_u32le(prefix + 8);
    if (header_bytes > n_prefix && n_prefix < n_bytes)
        return hfc_cli_fail(err, err_bytes, ".npy header too large");
    /* The parser reads only the header; n_bytes lets it check the data's length. */
    if (hfc_npy_header_parse(prefix, n_bytes, &s->npy, err, err_bytes) != 0)
        return -1;
    const hfc_npy_header *h = &s->npy;
    int supported = (h->kind == 'f' && (h->item_bytes == 4 || h->item_bytes == 8)) ||
                    (h->kind == 'i' && h->item_bytes == 2);
    if (!supported)
        return hfc_cli_fail(err, err_bytes, "audio .npy must be float32, float64 or int16");
    if (h->n_dims != 1)
        return hfc_cli_fail(err, err_bytes, "audio .npy must be 1-D, got %d dimensions",
                            h->n_dims);
    if (h->n_items == 0)
        return hfc_cli_fail(err, err_bytes, "no audio samples");
    s->npy_bytes = malloc((size_t)CHUNK_FRAMES * (size_t)h->item_bytes);
    if (s->npy_bytes == NULL)
        return hfc_cli_fail(err, err_bytes, "out of memory");
    s->is_npy = 1;
    s->source_rate_hz = s->target_rate_hz;
    s->input.position = (sf_count_t)h->data_offset;
    return 0;
}

/* libsndfile's block codecs read a block at a time and, on a short read, decode
 * zeros instead of stopping: they go on to the header's declared length. A file's
 * length bounds that; a pipe claims PIPE_CLAIMED_BYTES, and a damaged or streaming
 * header of a few gigabytes then meant hours of decoding silence. */
static int decodes_past_end(int format)
{
    switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_IMA_ADPCM:
    case SF_FORMAT_MS_ADPCM:
    case SF_FORMAT_GSM610:
    case SF_FORMAT_VOX_ADPCM:
    case SF_FORMAT_G721_32:
    case SF_FORMAT_G723_24:
    case SF_FORMAT_G723_40:
    case SF_FORMAT_NMS_ADPCM_16:
    case SF_FORMAT_NMS_ADPCM_24:
    case SF_FORMAT_NMS_ADPCM_32:
        return 1;
    default:
        return 0;
    }
}

static int open_sndfile(hfc_cli_audio_source *s, char *err, size_t err_bytes)
{
    memset(&s->info, 0, sizeof s->info);
    s->input.position = 0;
    if (s->held_whole)
        s->sndfile = sf_open_virtual(hfc_sndfile_memory_io(), SFM_READ, &s->info, &s->memory);
    else
        s->sndfile = sf_open_virtual(&input_io, SFM_READ, &s->info, &s->input);
    if (s->sndfile == NULL)
        return hfc_cli_fail(err, err_bytes, "cannot decode audio: %s", sf_strerror(NULL));
    if (s->info.channels < 1 || s->info.samplerate < 1)
        return hfc_cli_fail(err, err_bytes, "audio has %d channels at %d Hz", s->info.channels,
                            s->info.samplerate);
    s->source_rate_hz = s->info.samplerate;
    s->frame_by_frame = !s->input.regular && !s->held_whole && decodes_past_end(s->info.format);
    s->frames = malloc((size_t)READ_FRAMES * (size_t)s->info.channels * sizeof *s->frames);
    s->staged = malloc((size_t)READ_FRAMES * sizeof *s->staged);
    if (s->frames == NULL || s->staged == NULL)
        return hfc_cli_fail(err, err_bytes, "out of memory");
    return 0;
}

hfc_cli_audio_source *hfc_cli_audio_source_open(const char *path, int target_rate_hz, char *err,
                                                size_t err_bytes)
{
    hfc_cli_audio_source *s = calloc(1, sizeof *s);
    if (s == NULL) {
        hfc_cli_fail(err, err_bytes, "out of memory");
        return NULL;
    }
    s->target_rate_hz = target_rate_hz;
    s->chunk_frames = CHUNK_FRAMES;
    s->input.fd = -1;
    int result = open_input(&s->input, path, err, err_bytes);
    uint8_t *prefix = NULL;
    size_t n_prefix = 0;
    if (result == 0) {
        prefix = malloc(PREFIX_BYTES);
        if (prefix == NULL)
            result = hfc_cli_fail(err, err_bytes, "out of memory");
    }
    if (result == 0) {
        n_prefix = (size_t)input_read(&s->input, prefix, PREFIX_BYTES);
        if (s->input.read_error != 0)
            result = hfc_cli_fail(err, err_bytes, "read error: %s", strerror(s->input.read_error));
        else if (n_prefix == 0)
            result = hfc_cli_fail(err, err_bytes, "empty file");
    }
    const int npy = result == 0 && n_prefix >= 6 && memcmp(prefix, "\x93NUMPY", 6) == 0;
    /* A pipe that ended within the prefix is all here, and is read as a file of
     * its length: libsndfile's header parse depends on the length, which a pipe
     * claims is PIPE_CLAIMED_BYTES (fuzz_audio: a WAV with two data chunks decoded
     * other bytes from a pipe than from the file). */
    if (result == 0 && !s->input.regular && (npy || n_prefix < PREFIX_BYTES))
        result = hold_whole(s, err, err_bytes);
    if (result == 0 && npy) {
        const uint8_t *data = s->held_whole ? s->input.kept : prefix;
        size_t n_have = s->held_whole ? s->input.n_kept : n_prefix;
        size_t n_bytes = s->held_whole ? s->input.n_kept : (size_t)s->input.n_bytes;
        result = open_npy(s, data, n_have, n_bytes, err, err_bytes);
    } else if (result == 0) {
        if (s->input.regular)
            result = hfc_cli_wav_check_complete(prefix, n_prefix, (size_t)s->input.n_bytes, err,
                                                err_bytes);
        else if (s->held_whole)
            result = hfc_cli_wav_check_complete(s->input.kept, s->input.n_kept, s->input.n_kept,
                                                err, err_bytes);
        else {
            s->declared_end = declared_data_end(prefix, n_prefix);
        }
        if (result == 0) {
            result = open_sndfile(s, err, err_bytes);
            /* Ogg needs its end to open: from a pipe, it is held whole. */
            if (result != 0 && !s->input.regular && !s->held_whole) {
                if (s->sndfile != NULL)
                    sf_close(s->sndfile);
                s->sndfile = NULL;
                result = hold_whole(s, err, err_bytes);
                if (result == 0)
                    result = hfc_cli_wav_check_complete(s->input.kept, s->input.n_kept,
                                                        s->input.n_kept, err, err_bytes);
                if (result == 0)
                    result = open_sndfile(s, err, err_bytes);
            }
        }
    }
    free(prefix);
    s->input.keeping = 0;
    if (result == 0) {
        s->mono = malloc((size_t)CHUNK_FRAMES * sizeof *s->mono);
        if (s->mono == NULL)
            result = hfc_cli_fail(err, err_bytes, "out of memory");
    }
    if (result == 0 && s->source_rate_hz != target_rate_hz) {
        soxr_error_t error = NULL;
        soxr_io_spec_t io_spec = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
        soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
        s->resampler =
            soxr_create(s->source_rate_hz, target_rate_hz, 1, &error, &io_spec, &quality, NULL);
        /* An absurd rate (a damaged header saying 1 Hz) must not make one read's output
         * absurd: the source is read in fewer frames instead. */
        double ratio = (double)target_rate_hz / s->source_rate_hz;
        if (ratio > 1)
            s->chunk_frames = (int64_t)fmax(1, floor(CHUNK_FRAMES / ratio));
        s->resampled_capacity = 4 * (size_t)ceil((double)s->chunk_frames * ratio) + 4096;
        s->resampled = malloc(s->resampled_capacity * sizeof *s->resampled);
        if (error != NULL)
            result = hfc_cli_fail(err, err_bytes, "cannot resample %d Hz to %d Hz: %s",
                                  s->source_rate_hz, target_rate_hz, error);
        else if (s->resampled == NULL)
            result = hfc_cli_fail(err, err_bytes, "out of memory");
    }
    if (result != 0) {
        hfc_cli_audio_source_close(s);
        return NULL;
    }
    return s;
}

/* A pipe read as it comes whose WAV or AU header gives a streaming placeholder for
 * its data size: its frame count means nothing. */
static int pipe_size_unknown(const hfc_cli_audio_source *s)
{
    return !s->input.regular && !s->held_whole && s->declared_end == 0;
}

/* Up to READ_FRAMES frames from libsndfile, mixed to mono into s->staged. Returns
 * the count, 0 at the end, -1 on error. */
static int64_t read_frames(hfc_cli_audio_source *s, char *err, size_t err_bytes)
{
    const int channels = s->info.channels;
    sf_count_t n;
    /* libsndfile clears its error at each call, so each call's is looked at: an
     * error in a call that still gave frames (mpg123 giving up its resync) was seen
     * or missed depending on the read size (fuzz_audio: the chunked and the
     * whole-file reader disagreed). */
    int decode_error = SF_ERR_NO_ERROR;
    if (s->frame_by_frame) {
        /* A block is read at its first frame, so reading one frame at a time finds
         * the first frame whose read found the pipe empty: that frame and all after
         * it are past the data, and the stream ends there, as a PCM one would.
         * (60 s of IMA ADPCM or GSM 6.10 encode as fast from a pipe as from a file.) */
        for (n = 0; n < READ_FRAMES && !s->past_data; n++) {
            const sf_count_t empty_before = s->input.empty_reads;
            const sf_count_t got = sf_readf_float(s->sndfile, s->frames + n * channels, 1);
            decode_error = sf_error(s->sndfile);
            /* MS ADPCM returns nothing for the empty block, then its previous
             * block's samples again: the first empty read ends the stream. */
            if (s->input.empty_reads != empty_before) {
                s->past_data = 1;
                break;
            }
            if (got != 1 || decode_error != SF_ERR_NO_ERROR)
                break;
        }
    } else {
        n = sf_readf_float(s->sndfile, s->frames, READ_FRAMES);
        decode_error = sf_error(s->sndfile);
    }
    if (decode_error != SF_ERR_NO_ERROR)
        return hfc_cli_fail(err, err_bytes, "cannot decode audio: %s", sf_strerror(s->sndfile));
    if (n <= 0) {
        if (s->input.read_error != 0)
            return hfc_cli_fail(err, err_bytes, "read error: %s", strerror(s->input.read_error));
        return 0;
    }
    for (sf_count_t frame = 0; frame < n; frame++) {
        float sum = 0.0f;
        for (int channel = 0; channel < channels; channel++)
            sum += s->frames[frame * channels + channel];
        s->staged[frame] = sum / (float)channels;
    }
    return n;
}

/* Up to chunk_frames (npy: CHUNK_FRAMES) mono samples at the source rate into
 * s->mono. Returns the count, 0 at the end, -1 on error. */
static int64_t decode_chunk(hfc_cli_audio_source *s, char *err, size_t err_bytes)
{
    if (s->is_npy) {
        const hfc_npy_header *h = &s->npy;
        uint64_t left = h->n_items - s->npy_next;
        int64_t n = left < CHUNK_FRAMES ? (int64_t)left : CHUNK_FRAMES;
        if (n == 0)
            return 0;
        sf_count_t want = n * h->item_bytes;
        sf_count_t got;
        if (s->held_whole) {
            memcpy(s->npy_bytes, s->input.kept + h->data_offset + s->npy_next * h->item_bytes,
                   (size_t)want);
            got = want;
        } else {
            got = input_read(&s->input, s->npy_bytes, want);
        }
        if (got != want)
            return hfc_cli_fail(err, err_bytes, s->input.read_error != 0 ? "read error: %s"
                                                                        : "truncated .npy data%s",
                                s->input.read_error != 0 ? strerror(s->input.read_error) : "");
        double scale = h->kind == 'i' ? 1.0 / 32768.0 : 1.0;
        for (int64_t i = 0; i < n; i++)
            s->mono[i] = (float)(hfc_npy_item_float(h, s->npy_bytes, (uint64_t)i) * scale);
        s->npy_next += (uint64_t)n;
        return n;
    }
    if (s->staged_next == s->n_staged) {
        const int64_t n = read_frames(s, err, err_bytes);
        if (n <= 0)
            return n;
        s->n_staged = n;
        s->staged_next = 0;
    }
    int64_t n = s->n_staged - s->staged_next;
    if (n > s->chunk_frames)
        n = s->chunk_frames;
    memcpy(s->mono, s->staged + s->staged_next, (size_t)n * sizeof *s->mono);
    s->staged_next += n;
    return n;
}

/* The checks the whole-file reader makes once it has all the samples. */
static int end_checks(hfc_cli_audio_source *s, char *err, size_t err_bytes)
{
    if (!s->is_npy && s->frame_by_frame && s->declared_end > 0) {
        /* Those codecs' frame count is not to be trusted from a pipe (libsndfile's
         * for G.72x in AU is billions), the header's byte count is. */
        if (s->input.consumed < s->declared_end)
            return hfc_cli_fail(err, err_bytes, "truncated audio: %lld of %lld bytes",
                                (long long)s->input.consumed, (long long)s->declared_end);
    } else if (!s->is_npy) {
        const sf_count_t declared = s->info.frames;
        const int trust = s->input.regular || s->held_whole || !pipe_size_unknown(s);
        if (trust && declared != SF_COUNT_MAX && s->n_source < declared &&
            declared < PIPE_CLAIMED_BYTES / 8) {
            if (!s->input.regular && !s->held_whole &&
                (s->info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV)
                return hfc_cli_fail(err, err_bytes, "truncated WAV: decoded %lld of %lld frames",
                                    (long long)s->n_source, (long long)declared);
            return hfc_cli_fail(err, err_bytes, "truncated audio: decoded %lld of %lld frames",
                                (long long)s->n_source, (long long)declared);
        }
    }
    if (!s->is_npy && s->n_source == 0)
        return hfc_cli_fail(err, err_bytes, "no audio samples");
    if (s->n_bad > 0)
        return hfc_cli_fail(err, err_bytes,
                            "audio has %lld NaN or infinite samples (the first at sample %lld)",
                            (long long)s->n_bad, (long long)s->first_bad);
    if (s->n_out == 0)
        return hfc_cli_fail(err, err_bytes, "no audio samples left after resampling");
    return 0;
}

int64_t hfc_cli_audio_source_read(hfc_cli_audio_source *s, const float **samples, char *err,
                                  size_t err_bytes)
{
    *samples = NULL;
    for (;;) {
        if (s->ended)
            return end_checks(s, err, err_bytes);
        int64_t n = decode_chunk(s, err, err_bytes);
        if (n < 0)
            return -1;
        for (int64_t i = 0; i < n; i++) {
            if (!isfinite(s->mono[i]) && s->n_bad++ == 0)
                s->first_bad = s->n_source + i;
        }
        s->n_source += n;
        if (s->n_bad > 0) {
            if (n == 0)
                s->ended = 1;
            continue; /* no more samples go out; the count is reported at the end */
        }
        if (s->resampler == NULL) {
            if (n == 0) {
                s->ended = 1;
                continue;
            }
            s->n_out += n;
            *samples = s->mono;
            return n;
        }
        /* At the end, soxr drains what its filters still hold (the one-shot call's
         * flush): a NULL input, repeated until it gives nothing. */
        size_t n_done = 0;
        soxr_error_t error = NULL;
        if (n == 0) {
            error = soxr_process(s->resampler, NULL, 0, NULL, s->resampled,
                                 s->resampled_capacity, &n_done);
        } else {
            for (size_t in_used = 0; error == NULL && in_used < (size_t)n;) {
                size_t in_done = 0, out_done = 0;
                if (n_done == s->resampled_capacity) {
                    error = "output buffer full";
                    break;
                }
                error = soxr_process(s->resampler, s->mono + in_used, (size_t)n - in_used,
                                     &in_done, s->resampled + n_done,
                                     s->resampled_capacity - n_done, &out_done);
                in_used += in_done;
                n_done += out_done;
            }
        }
        if (error != NULL)
            return hfc_cli_fail(err, err_bytes, "cannot resample: %s", error);
        if (n == 0 && n_done == 0) {
            s->ended = 1;
            continue;
        }
        if (n_done > 0) {
            s->n_out += (int64_t)n_done;
            *samples = s->resampled;
            return (int64_t)n_done;
        }
    }
}

int64_t hfc_cli_audio_source_expected(const hfc_cli_audio_source *s)
{
    if (s->source_rate_hz != s->target_rate_hz)
        return -1;
    if (s->is_npy)
        return (int64_t)s->npy.n_items;
    if (s->input.regular || s->held_whole)
        return s->info.frames > 0 && s->info.frames != SF_COUNT_MAX ? s->info.frames : -1;
    if (pipe_size_unknown(s) || s->frame_by_frame || s->info.frames <= 0 ||
        s->info.frames >= PIPE_CLAIMED_BYTES / 8)
        return -1;
    return s->info.frames;
}

double hfc_cli_audio_source_seconds(const hfc_cli_audio_source *s)
{
    if (s->is_npy)
        return (double)s->npy.n_items / s->source_rate_hz;
    if (!(s->input.regular || s->held_whole) &&
        (pipe_size_unknown(s) || s->frame_by_frame || s->info.frames >= PIPE_CLAIMED_BYTES / 8))
        return -1;
    return s->info.frames > 0 && s->info.frames != SF_COUNT_MAX
               ? (double)s->info.frames / s->source_rate_hz
               : -1;
}

void hfc_cli_audio_source_close(hfc_cli_audio_source *s)
{
    if (s == NULL)
        return;
    if (s->sndfile != NULL)
        sf_close(s->sndfile);
    soxr_delete(s->resampler);
    if (s->input.owns_fd)
        close(s->input.fd);
    free(s->input.kept);
    free(s->npy_bytes);
    free(s->frames);
    free(s->staged);
    free(s->mono);
    free(s->resampled);
    free(s);
}
