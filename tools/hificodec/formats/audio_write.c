/* hfc_cli_audio_write: the format from the extension, encoded in memory, then written
 * to the file or stdout in one piece. */
#include "audio_io.h"

#include "error_text.h"
#include "file_io.h"
#include "npy_header.h"
#include "sndfile_memory.h"

#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

typedef struct audio_format {
    const char *extension;
    int major;              /* SF_FORMAT_* container */
    int lossy_subtype;      /* the codec for lossy containers; 0 for PCM containers */
    int holds_float;        /* 1: can store 32-bit float samples */
} audio_format;

static const audio_format audio_formats[] = {
    {"wav", SF_FORMAT_WAV, 0, 1},   {"flac", SF_FORMAT_FLAC, 0, 0},
    {"aiff", SF_FORMAT_AIFF, 0, 1}, {"aif", SF_FORMAT_AIFF, 0, 1},
    {"au", SF_FORMAT_AU, 0, 1},     {"caf", SF_FORMAT_CAF, 0, 1},
    {"w64", SF_FORMAT_W64, 0, 1},   {"rf64", SF_FORMAT_RF64, 0, 1},
    {"ogg", SF_FORMAT_OGG, SF_FORMAT_VORBIS, 0}, {"opus", SF_FORMAT_OGG, SF_FORMAT_OPUS, 0},
};

static const audio_format *find_format(const char *extension)
{
    for (size_t i = 0; i < sizeof audio_formats / sizeof audio_formats[0]; i++) {
        if (strcmp(audio_formats[i].extension, extension) == 0)
            return &audio_formats[i];
    }
    return NULL;
}

static int write_npy(const char *path, const float *samples, int64_t n_samples, char *err,
                     size_t err_bytes)
{
    uint8_t header[HFC_NPY_HEADER_MAX_BYTES];
    size_t header_bytes = hfc_npy_header_write("<f4", 1, &n_samples, header);
    size_t total = header_bytes + (size_t)n_samples * 4;
    uint8_t *data = malloc(total);
    if (data == NULL)
        return hfc_cli_fail(err, err_bytes, "out of memory");
    memcpy(data, header, header_bytes);
    for (int64_t i = 0; i < n_samples; i++) {
        uint32_t bits;
        memcpy(&bits, &samples[i], sizeof bits);
        for (int byte = 0; byte < 4; byte++)
            data[header_bytes + (size_t)i * 4 + (size_t)byte] = (uint8_t)(bits >> (8 * byte));
    }
    int result = hfc_cli_file_write_all(path, data, total, err, err_bytes);
    free(data);
    return result;
}

short hfc_cli_float_to_pcm16(float sample)
{
    float scaled = sample * 32768.0f;
    if (!(scaled > -32768.0f)) /* also NaN */
        return -32768;
    if (scaled > 32767.0f)
        return 32767;
    return (short)lrintf(scaled);
}

static int encode_sndfile(hfc_sndfile_memory *memory, const audio_format *format,
                          const float *samples, int64_t n_samples, int rate_hz, int as_float,
                          char *err, size_t err_bytes)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate_hz;
    info.channels = 1;
    int subtype = format->lossy_subtype != 0 ? format->lossy_subtype
                  : as_float                 ? SF_FORMAT_FLOAT
                                             : SF_FORMAT_PCM_16;
    info.format = format->major | subtype;
    if (!sf_format_check(&info))
        return hfc_cli_fail(err, err_bytes, "libsndfile cannot write .%s at %d Hz",
                            format->extension, rate_hz);
    SNDFILE *file = sf_open_virtual(hfc_sndfile_memory_io(), SFM_WRITE, &info, memory);
    if (file == NULL)
        return hfc_cli_fail(err, err_bytes, "cannot encode .%s: %s", format->extension,
                            sf_strerror(NULL));
    enum { CHUNK = 4096 };
    short pcm[CHUNK];
    int ok = 1;
    for (int64_t start = 0; ok && start < n_samples; start += CHUNK) {
        sf_count_t n = n_samples - start < CHUNK ? (sf_count_t)(n_samples - start) : CHUNK;
        if (subtype == SF_FORMAT_PCM_16) {
            for (sf_count_t i = 0; i < n; i++)
                pcm[i] = hfc_cli_float_to_pcm16(samples[start + i]);
            ok = sf_write_short(file, pcm, n) == n;
        } else {
            ok = sf_write_float(file, samples + start, n) == n;
        }
    }
    int result = ok ? 0
                    : hfc_cli_fail(err, err_bytes, "cannot encode .%s: %s", format->extension,
                                   memory->out_of_memory ? "out of memory" : sf_strerror(file));
    if (sf_close(file) != 0 && result == 0)
        result = hfc_cli_fail(err, err_bytes, "cannot finish .%s", format->extension);
    return result;
}

/* Resolves path's format; *format stays NULL for .npy. */
static int resolve_format(const char *path, int as_float, const audio_format **format, char *err,
                          size_t err_bytes)
{
    *format = NULL;
    char extension[16];
    hfc_cli_file_extension(path, extension, sizeof extension);
    if (hfc_cli_is_stdio(path))
        strcpy(extension, "wav");
    if (strcmp(extension, "npy") == 0)
        return 0;
    if (extension[0] == '\0')
        return hfc_cli_fail(err, err_bytes,
                            "cannot tell the audio format without an extension (.wav, .flac, ...)");
    *format = find_format(extension);
    if (*format == NULL)
        return hfc_cli_fail(err, err_bytes,
                            "unknown audio format '.%s' (use .wav, .flac, .ogg, .opus, .aiff, .au, "
                            ".caf, .w64, .rf64 or .npy)",
                            extension);
    if (as_float && (*format)->lossy_subtype == 0 && !(*format)->holds_float)
        return hfc_cli_fail(err, err_bytes, ".%s cannot hold float samples; drop --float",
                            (*format)->extension);
    return 0;
}

int hfc_cli_audio_check_writable(const char *path, int as_float, char *err, size_t err_bytes)
{
    const audio_format *format;
    return resolve_format(path, as_float, &format, err, err_bytes);
}

int hfc_cli_audio_write(const char *path, const float *samples, int64_t n_samples, int rate_hz,
                        int as_float, char *err, size_t err_bytes)
{
    const audio_format *format;
    if (resolve_format(path, as_float, &format, err, err_bytes) != 0)
        return -1;
    if (format == NULL)
        return write_npy(path, samples, n_samples, err, err_bytes);
    hfc_sndfile_memory memory = {.writable = 1};
    int result = encode_sndfile(&memory, format, samples, n_samples, rate_hz, as_float, err,
                                err_bytes);
    if (result == 0)
        result = hfc_cli_file_write_all(path, memory.data, (size_t)memory.n_bytes, err, err_bytes);
    free(memory.data);
    return result;
}
