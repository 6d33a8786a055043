#include "stream_record.h"

#include "audio_io.h"
#include "error_text.h"
#include "file_io.h"

#include <sndfile.h>
#include <string.h>

/* The containers hfc_cli_audio_check_writable accepts, as libsndfile formats. */
static const struct {
    const char *extension;
    int format;
} containers[] = {
    {"wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16},   {"flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
    {"aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16}, {"aif", SF_FORMAT_AIFF | SF_FORMAT_PCM_16},
    {"au", SF_FORMAT_AU | SF_FORMAT_PCM_16},     {"caf", SF_FORMAT_CAF | SF_FORMAT_PCM_16},
    {"w64", SF_FORMAT_W64 | SF_FORMAT_PCM_16},   {"rf64", SF_FORMAT_RF64 | SF_FORMAT_PCM_16},
    {"ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS},   {"opus", SF_FORMAT_OGG | SF_FORMAT_OPUS},
};

static int container_format(const char *path)
{
    char extension[16];
    hfc_cli_file_extension(path, extension, sizeof extension);
    for (size_t i = 0; i < sizeof containers / sizeof containers[0]; i++) {
        if (strcmp(containers[i].extension, extension) == 0)
            return containers[i].format;
    }
    return 0;
}

static int is_npy(const char *path)
{
    char extension[16];
    hfc_cli_file_extension(path, extension, sizeof extension);
    return strcmp(extension, "npy") == 0;
}

int hfc_record_check(const char *path, char *err, size_t err_bytes)
{
    if (hfc_cli_is_stdio(path))
        return hfc_cli_fail(err, err_bytes, "a recording needs a file name, not stdout");
    if (hfc_cli_audio_check_writable(path, 0, err, err_bytes) != 0)
        return -1;
    if (!is_npy(path) && container_format(path) == 0)
        return hfc_cli_fail(err, err_bytes, "cannot record to this format live");
    return 0;
}

int hfc_record_open(hfc_record *record, const char *path, int rate_hz, char *err,
                    size_t err_bytes)
{
    memset(record, 0, sizeof *record);
    if (is_npy(path)) {
        record->is_npy = 1;
        return hfc_npy_writer_open(&record->npy, path, "<f4", 0, err, err_bytes);
    }
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate_hz;
    info.channels = 1;
    info.format = container_format(path);
    SNDFILE *file = sf_open(path, SFM_WRITE, &info);
    if (file == NULL)
        return hfc_cli_fail(err, err_bytes, "cannot create: %s", sf_strerror(NULL));
    /* Keep the header's lengths current after every write. */
    sf_command(file, SFC_SET_UPDATE_HEADER_AUTO, NULL, SF_TRUE);
    record->sndfile = file;
    record->pcm16 = (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16;
    return 0;
}

static int write_pcm16(hfc_record *record, const float *samples, int64_t n_samples)
{
    short pcm[1024];
    for (int64_t start = 0; start < n_samples; start += 1024) {
        sf_count_t n = n_samples - start < 1024 ? (sf_count_t)(n_samples - start) : 1024;
        for (sf_count_t i = 0; i < n; i++)
            pcm[i] = hfc_cli_float_to_pcm16(samples[start + i]);
        if (sf_writef_short(record->sndfile, pcm, n) != n)
            return -1;
    }
    return 0;
}

int hfc_record_write(hfc_record *record, const float *samples, int64_t n_samples, char *err,
                     size_t err_bytes)
{
    if (n_samples <= 0)
        return 0;
    record->n_samples += n_samples;
    if (record->is_npy)
        return hfc_npy_writer_append_floats(&record->npy, samples, n_samples, err, err_bytes);
    int failed = record->pcm16 ? write_pcm16(record, samples, n_samples)
                               : sf_writef_float(record->sndfile, samples, n_samples) != n_samples;
    if (failed)
        return hfc_cli_fail(err, err_bytes, "write error: %s", sf_strerror(record->sndfile));
    return 0;
}

int hfc_record_close(hfc_record *record, char *err, size_t err_bytes)
{
    if (record->is_npy)
        return hfc_npy_writer_close(&record->npy, err, err_bytes);
    if (record->sndfile == NULL)
        return 0;
    int result = sf_close(record->sndfile) == 0
                     ? 0
                     : hfc_cli_fail(err, err_bytes, "cannot finish the file");
    record->sndfile = NULL;
    return result;
}
