/* hfc_cli_audio_read: decode (libsndfile or .npy), downmix, resample (libsoxr). */
#include "audio_io.h"

#include "error_text.h"
#include "file_io.h"
#include "npy_header.h"
#include "sndfile_memory.h"

#include <math.h>
#include <sndfile.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

/* .npy audio carries no rate; this is the rate assumed when the caller keeps it. */
#define NPY_DEFAULT_RATE_HZ 16000

void hfc_cli_audio_free(hfc_cli_audio *audio)
{
    free(audio->samples);
    memset(audio, 0, sizeof *audio);
}

static int is_npy(const uint8_t *data, size_t n_bytes)
{
    return n_bytes >= 6 && memcmp(data, "\x93NUMPY", 6) == 0;
}

static int read_npy(const uint8_t *data, size_t n_bytes, int rate_hz, hfc_cli_audio *out,
                    char *err, size_t err_bytes)
{
    hfc_npy_header header;
    if (hfc_npy_header_parse(data, n_bytes, &header, err, err_bytes) != 0)
        return -1;
    int supported = (header.kind == 'f' && (header.item_bytes == 4 || header.item_bytes == 8)) ||
                    (header.kind == 'i' && header.item_bytes == 2);
    if (!supported)
        return hfc_cli_fail(err, err_bytes, "audio .npy must be float32, float64 or int16");
    if (header.n_dims != 1)
        return hfc_cli_fail(err, err_bytes, "audio .npy must be 1-D, got %d dimensions",
                            header.n_dims);
    if (header.n_items == 0)
        return hfc_cli_fail(err, err_bytes, "no audio samples");
    float *samples = malloc((size_t)header.n_items * sizeof *samples);
    if (samples == NULL)
        return hfc_cli_fail(err, err_bytes, "out of memory for %llu samples",
                            (unsigned long long)header.n_items);
    const uint8_t *array_data = data + header.data_offset;
    double scale = header.kind == 'i' ? 1.0 / 32768.0 : 1.0;
    for (uint64_t i = 0; i < header.n_items; i++)
        samples[i] = (float)(hfc_npy_item_float(&header, array_data, i) * scale);
    out->samples = samples;
    out->n_samples = (int64_t)header.n_items;
    out->rate_hz = rate_hz > 0 ? rate_hz : NPY_DEFAULT_RATE_HZ;
    return 0;
}

/* Decodes with libsndfile and averages the channels. Reads until the decoder stops
 * rather than trusting the header's frame count, then compares the two, so that a
 * truncated file is an error rather than silently shorter audio. */
static int read_sndfile(uint8_t *data, size_t n_bytes, hfc_cli_audio *out, char *err,
                        size_t err_bytes)
{
    hfc_sndfile_memory memory = {.data = data, .n_bytes = (sf_count_t)n_bytes};
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *file = sf_open_virtual(hfc_sndfile_memory_io(), SFM_READ, &info, &memory);
    if (file == NULL)
        return hfc_cli_fail(err, err_bytes, "cannot decode audio: %s", sf_strerror(NULL));
    if (info.channels < 1 || info.samplerate < 1) {
        sf_close(file);
        return hfc_cli_fail(err, err_bytes, "audio has %d channels at %d Hz", info.channels,
                            info.samplerate);
    }
    enum { CHUNK_FRAMES = 4096 }; /* audio_source.c's READ_FRAMES: see there */
    float *chunk = malloc((size_t)CHUNK_FRAMES * (size_t)info.channels * sizeof *chunk);
    size_t capacity = 0;
    int64_t n_frames = 0;
    float *mono = NULL;
    int failed = chunk == NULL;
    int decode_error = SF_ERR_NO_ERROR;
    while (!failed) {
        sf_count_t n_read = sf_readf_float(file, chunk, CHUNK_FRAMES);
        /* libsndfile clears its error at each call: each call's counts, as in
         * audio_source.c, whatever the read size. */
        decode_error = sf_error(file);
        if (n_read <= 0 || decode_error != SF_ERR_NO_ERROR)
            break;
        if ((size_t)(n_frames + n_read) > capacity) {
            size_t grown_capacity = capacity > 0 ? capacity * 2 : 1 << 16;
            float *grown = realloc(mono, grown_capacity * sizeof *grown);
            if (grown == NULL) {
                failed = 1;
                break;
            }
            mono = grown;
            capacity = grown_capacity;
        }
        for (sf_count_t frame = 0; frame < n_read; frame++) {
            float sum = 0.0f;
            for (int channel = 0; channel < info.channels; channel++)
                sum += chunk[frame * info.channels + channel];
            mono[n_frames + frame] = sum / (float)info.channels;
        }
        n_frames += n_read;
    }
    free(chunk);
    const char *decode_message = sf_strerror(file);
    int result = 0;
    if (failed)
        result = hfc_cli_fail(err, err_bytes, "out of memory decoding audio");
    else if (decode_error != SF_ERR_NO_ERROR)
        result = hfc_cli_fail(err, err_bytes, "cannot decode audio: %s", decode_message);
    else if (n_frames < info.frames && info.frames != SF_COUNT_MAX)
        result = hfc_cli_fail(err, err_bytes, "truncated audio: decoded %lld of %lld frames",
                              (long long)n_frames, (long long)info.frames);
    else if (n_frames == 0)
        result = hfc_cli_fail(err, err_bytes, "no audio samples");
    sf_close(file);
    if (result != 0) {
        free(mono);
        return result;
    }
    out->samples = mono;
    out->n_samples = n_frames;
    out->rate_hz = info.samplerate;
    return 0;
}

static uint32_t load_u32le(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
           (uint32_t)bytes[3] << 24;
}

/* libsndfile quietly shortens a WAV whose data chunk runs past the end of the file,
 * so a cut-off download would encode as if it were whole. Its declared size says
 * otherwise; 0 and 0xFFFFFFFF are what streaming writers put there when they cannot
 * know the length, and are allowed. */
int hfc_cli_wav_check_complete(const uint8_t *data, size_t n_have, size_t n_bytes, char *err,
                               size_t err_bytes)
{
    if (n_have < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WAVE", 4) != 0)
        return 0;
    size_t position = 12;
    while (position <= n_have && n_have - position >= 8 && n_bytes - position >= 8) {
        uint32_t chunk_bytes = load_u32le(data + position + 4);
        size_t available = n_bytes - position - 8;
        if (memcmp(data + position, "data", 4) == 0) {
            if (chunk_bytes != 0 && chunk_bytes != 0xFFFFFFFFu && chunk_bytes > available)
                return hfc_cli_fail(err, err_bytes,
                                    "truncated WAV: %u bytes of samples declared, %zu present",
                                    chunk_bytes, available);
            return 0;
        }
        if (chunk_bytes > available)
            return 0; /* malformed before the data chunk: libsndfile says how */
        position += 8 + (size_t)chunk_bytes + (chunk_bytes & 1);
        if (position > n_bytes)
            return 0;
    }
    return 0;
}

static int check_finite(const hfc_cli_audio *audio, char *err, size_t err_bytes)
{
    int64_t n_bad = 0, first_bad = -1;
    for (int64_t i = 0; i < audio->n_samples; i++) {
        if (!isfinite(audio->samples[i])) {
            if (n_bad++ == 0)
                first_bad = i;
        }
    }
    if (n_bad > 0)
        return hfc_cli_fail(err, err_bytes,
                            "audio has %lld NaN or infinite samples (the first at sample %lld)",
                            (long long)n_bad, (long long)first_bad);
    return 0;
}

int hfc_cli_audio_resample(hfc_cli_audio *audio, int target_rate_hz, char *err, size_t err_bytes)
{
    if (audio->rate_hz == target_rate_hz)
        return 0;
    double ratio = (double)target_rate_hz / audio->rate_hz;
    /* soxr_oneshot emits round(n * ratio) samples; one more is room for rounding. */
    size_t capacity = (size_t)ceil((double)audio->n_samples * ratio) + 1;
    float *resampled = malloc(capacity * sizeof *resampled);
    if (resampled == NULL)
        return hfc_cli_fail(err, err_bytes, "out of memory resampling");
    soxr_io_spec_t io_spec = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
    size_t n_done = 0;
    soxr_error_t error = soxr_oneshot(audio->rate_hz, target_rate_hz, 1, audio->samples,
                                      (size_t)audio->n_samples, NULL, resampled, capacity,
                                      &n_done, &io_spec, &quality, NULL);
    if (error != NULL) {
        free(resampled);
        return hfc_cli_fail(err, err_bytes, "cannot resample %d Hz to %d Hz: %s", audio->rate_hz,
                            target_rate_hz, error);
    }
    free(audio->samples);
    audio->samples = resampled;
    audio->n_samples = (int64_t)n_done;
    audio->rate_hz = target_rate_hz;
    return 0;
}

int hfc_cli_audio_read(const char *path, int target_rate_hz, hfc_cli_audio *out, char *err,
                       size_t err_bytes)
{
    memset(out, 0, sizeof *out);
    uint8_t *data;
    size_t n_bytes;
    if (hfc_cli_file_read_all(path, &data, &n_bytes, err, err_bytes) != 0)
        return -1;
    int result = hfc_cli_audio_read_memory(data, n_bytes, target_rate_hz, out, err, err_bytes);
    free(data);
    return result;
}

int hfc_cli_audio_read_memory(const uint8_t *data, size_t n_bytes, int target_rate_hz,
                              hfc_cli_audio *out, char *err, size_t err_bytes)
{
    memset(out, 0, sizeof *out);
    int result;
    if (n_bytes == 0)
        result = hfc_cli_fail(err, err_bytes, "empty file");
    else if (is_npy(data, n_bytes))
        result = read_npy(data, n_bytes, target_rate_hz, out, err, err_bytes);
    else if (hfc_cli_wav_check_complete(data, n_bytes, n_bytes, err, err_bytes) != 0)
        result = -1;
    else
        result = read_sndfile((uint8_t *)data, n_bytes, out, err, err_bytes);
    if (result == 0)
        result = check_finite(out, err, err_bytes);
    if (result == 0 && target_rate_hz > 0 && out->rate_hz != target_rate_hz)
        result = hfc_cli_audio_resample(out, target_rate_hz, err, err_bytes);
    if (result == 0 && out->n_samples == 0)
        result = hfc_cli_fail(err, err_bytes, "no audio samples left after resampling");
    if (result != 0)
        hfc_cli_audio_free(out);
    return result;
}
