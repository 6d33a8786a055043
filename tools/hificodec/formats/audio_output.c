#include "audio_output.h"

#include "audio_io.h"
#include "error_text.h"
#include "file_io.h"
#include "npy_header.h"

#include <errno.h>
#include <string.h>

enum { KIND_SNDFILE, KIND_NPY, KIND_STDOUT_WAV };

/* The extensions audio_write.c knows, with their libsndfile container and codec. */
static int sndfile_format(const char *extension, int as_float)
{
    static const struct {
        const char *extension;
        int major, lossy;
    } formats[] = {
        {"wav", SF_FORMAT_WAV, 0},   {"flac", SF_FORMAT_FLAC, 0}, {"aiff", SF_FORMAT_AIFF, 0},
        {"aif", SF_FORMAT_AIFF, 0},  {"au", SF_FORMAT_AU, 0},     {"caf", SF_FORMAT_CAF, 0},
        {"w64", SF_FORMAT_W64, 0},   {"rf64", SF_FORMAT_RF64, 0},
        {"ogg", SF_FORMAT_OGG, SF_FORMAT_VORBIS}, {"opus", SF_FORMAT_OGG, SF_FORMAT_OPUS},
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(formats[i].extension, extension) == 0)
            return formats[i].major | (formats[i].lossy ? formats[i].lossy
                                       : as_float        ? SF_FORMAT_FLOAT
                                                         : SF_FORMAT_PCM_16);
    }
    return 0;
}

static void store_u32(uint8_t *out, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(value >> (8 * i));
}

static int put(hfc_cli_audio_output *out, const void *data, size_t n_bytes, char *err,
               size_t err_bytes)
{
    if (fwrite(data, 1, n_bytes, out->output.file) != n_bytes)
        return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    return 0;
}

/* The canonical 44-byte WAV header libsndfile writes for mono 16-bit PCM (format
 * 1) or float (format 3), for n_samples (< 0: unknown, sizes 0xFFFFFFFF). */
static int put_wav_header(hfc_cli_audio_output *out, int64_t n_samples, char *err,
                          size_t err_bytes)
{
    const uint32_t item_bytes = out->pcm16 ? 2 : 4;
    const int64_t data_bytes = n_samples < 0 ? -1 : n_samples * (int64_t)item_bytes;
    const int known = data_bytes >= 0 && data_bytes <= 0xFFFFFFFFll - 36;
    uint8_t h[44];
    memcpy(h, "RIFF", 4);
    store_u32(h + 4, known ? (uint32_t)(36 + data_bytes) : 0xFFFFFFFFu);
    memcpy(h + 8, "WAVEfmt ", 8);
    store_u32(h + 16, 16);
    h[20] = out->pcm16 ? 1 : 3;
    h[21] = 0;
    h[22] = 1; /* channels */
    h[23] = 0;
    store_u32(h + 24, (uint32_t)out->rate_hz);
    store_u32(h + 28, (uint32_t)out->rate_hz * item_bytes);
    h[32] = (uint8_t)item_bytes;
    h[33] = 0;
    h[34] = (uint8_t)(8 * item_bytes);
    h[35] = 0;
    memcpy(h + 36, "data", 4);
    store_u32(h + 40, known ? (uint32_t)data_bytes : 0xFFFFFFFFu);
    return put(out, h, sizeof h, err, err_bytes);
}

static int put_npy_header(hfc_cli_audio_output *out, int64_t n_samples, char *err,
                          size_t err_bytes)
{
    uint8_t bytes[HFC_NPY_HEADER_MAX_BYTES];
    int64_t dims[1] = {n_samples};
    size_t n = hfc_npy_header_write("<f4", 1, dims, bytes);
    if (n != 128) /* any count up to 19 digits: rewriting never moves the data */
        return hfc_cli_fail(err, err_bytes, "cannot write a .npy header");
    return put(out, bytes, n, err, err_bytes);
}

int hfc_cli_audio_output_open(hfc_cli_audio_output *out, const char *path, int rate_hz,
                              int as_float, int64_t expected_samples, char *err,
                              size_t err_bytes)
{
    memset(out, 0, sizeof *out);
    out->rate_hz = rate_hz;
    out->expected_samples = expected_samples;
    char extension[16];
    hfc_cli_file_extension(path, extension, sizeof extension);
    int format = 0;
    if (hfc_cli_is_stdio(path)) {
        out->kind = KIND_STDOUT_WAV;
    } else if (strcmp(extension, "npy") == 0) {
        out->kind = KIND_NPY;
    } else {
        out->kind = KIND_SNDFILE;
        format = sndfile_format(extension, as_float);
        if (format == 0)
            return hfc_cli_fail(err, err_bytes, "unknown audio format '.%s'", extension);
    }
    out->pcm16 = out->kind != KIND_NPY && !as_float;
    if (hfc_cli_output_open(&out->output, path, err, err_bytes) != 0)
        return -1;
    out->header_offset = out->output.seekable ? ftell(out->output.file) : -1;
    int result = 0;
    if (out->kind == KIND_STDOUT_WAV) {
        result = put_wav_header(out, expected_samples, err, err_bytes);
    } else if (out->kind == KIND_NPY) {
        result = put_npy_header(out, 0, err, err_bytes);
    } else {
        SF_INFO info;
        memset(&info, 0, sizeof info);
        info.samplerate = rate_hz;
        info.channels = 1;
        info.format = format;
        if (!sf_format_check(&info)) {
            result = hfc_cli_fail(err, err_bytes, "libsndfile cannot write .%s at %d Hz",
                                  extension, rate_hz);
        } else {
            out->sndfile = sf_open_fd(fileno(out->output.file), SFM_WRITE, &info, 0);
            if (out->sndfile == NULL)
                result = hfc_cli_fail(err, err_bytes, "cannot encode .%s: %s", extension,
                                      sf_strerror(NULL));
            else
                out->pcm16 = (format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16;
        }
    }
    if (result != 0)
        hfc_cli_output_abort(&out->output);
    return result;
}

int hfc_cli_audio_output_write(hfc_cli_audio_output *out, const float *samples,
                               int64_t n_samples, char *err, size_t err_bytes)
{
    enum { CHUNK = 4096 };
    for (int64_t start = 0; start < n_samples; start += CHUNK) {
        const int64_t n = n_samples - start < CHUNK ? n_samples - start : CHUNK;
        const float *in = samples + start;
        if (out->kind == KIND_SNDFILE) {
            sf_count_t done;
            if (out->pcm16) {
                short pcm[CHUNK];
                for (int64_t i = 0; i < n; i++)
                    pcm[i] = hfc_cli_float_to_pcm16(in[i]);
                done = sf_write_short(out->sndfile, pcm, n);
            } else {
                done = sf_write_float(out->sndfile, in, n);
            }
            if (done != n)
                return hfc_cli_fail(err, err_bytes, "write error: %s",
                                    errno != 0 ? strerror(errno) : sf_strerror(out->sndfile));
        } else {
            uint8_t bytes[CHUNK * 4];
            size_t n_bytes = 0;
            for (int64_t i = 0; i < n; i++) {
                if (out->pcm16) {
                    uint16_t v = (uint16_t)hfc_cli_float_to_pcm16(in[i]);
                    bytes[n_bytes++] = (uint8_t)v;
                    bytes[n_bytes++] = (uint8_t)(v >> 8);
                } else {
                    uint32_t v;
                    memcpy(&v, &in[i], sizeof v);
                    store_u32(bytes + n_bytes, v);
                    n_bytes += 4;
                }
            }
            if (put(out, bytes, n_bytes, err, err_bytes) != 0)
                return -1;
        }
    }
    out->n_samples += n_samples;
    if (out->output.is_stdout && fflush(stdout) != 0)
        return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
    return 0;
}

int hfc_cli_audio_output_finish(hfc_cli_audio_output *out, char *err, size_t err_bytes)
{
    int result = 0;
    if (out->kind == KIND_SNDFILE) {
        errno = 0;
        int closed = sf_close(out->sndfile);
        out->sndfile = NULL;
        if (closed != 0)
            result = hfc_cli_fail(err, err_bytes, "write error: %s",
                                  errno != 0 ? strerror(errno) : sf_error_number(closed));
    } else if (out->kind == KIND_STDOUT_WAV && !out->output.seekable &&
               out->expected_samples >= 0 && out->expected_samples != out->n_samples) {
        result = hfc_cli_fail(err, err_bytes,
                              "wrote %lld samples after announcing %lld in the WAV header",
                              (long long)out->n_samples, (long long)out->expected_samples);
    } else if (out->output.seekable &&
               (out->kind == KIND_NPY || out->expected_samples != out->n_samples)) {
        FILE *file = out->output.file;
        long end = ftell(file);
        if (fseek(file, out->header_offset, SEEK_SET) != 0)
            result = hfc_cli_fail(err, err_bytes, "cannot seek: %s", strerror(errno));
        else if (out->kind == KIND_NPY)
            result = put_npy_header(out, out->n_samples, err, err_bytes);
        else
            result = put_wav_header(out, out->n_samples, err, err_bytes);
        if (result == 0 && fseek(file, end, SEEK_SET) != 0)
            result = hfc_cli_fail(err, err_bytes, "cannot seek: %s", strerror(errno));
    }
    if (result != 0) {
        hfc_cli_output_abort(&out->output);
        return -1;
    }
    return hfc_cli_output_commit(&out->output, err, err_bytes);
}

void hfc_cli_audio_output_abort(hfc_cli_audio_output *out)
{
    if (out->sndfile != NULL)
        sf_close(out->sndfile);
    out->sndfile = NULL;
    hfc_cli_output_abort(&out->output);
}
