/*
 * audio_io.h - the CLI's audio files: any format libsndfile reads, NumPy .npy
 * arrays, and stdin/stdout as "-".
 *
 * Reading returns mono float samples at the rate asked for: channels are averaged
 * and the audio is resampled with libsoxr's high-quality setting. Writing takes
 * mono float samples and picks the format from the file's extension.
 */
#ifndef HFC_CLI_AUDIO_IO_H
#define HFC_CLI_AUDIO_IO_H

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_cli_audio {
    float *samples;         /* mono, nominally [-1, 1]; malloc'd, freed by hfc_cli_audio_free */
    int64_t n_samples;
    int rate_hz;
} hfc_cli_audio;

/* Reads any libsndfile format (path "-" = stdin), downmixes to mono by averaging,
 * and resamples with libsoxr (high quality) to target_rate_hz (0 = keep the native
 * rate). Also reads .npy float32/float64/int16 1-D arrays (recognised by their
 * magic, from a file or stdin) as samples at target_rate_hz (or 16000 if 0); int16
 * is scaled by 1/32768. Empty audio and NaN or infinite samples are errors. Returns 0,
 * or -1 with a one-line message in err and *out zeroed. */
int hfc_cli_audio_read(const char *path, int target_rate_hz, hfc_cli_audio *out, char *err,
                       size_t err_bytes);

/* hfc_cli_audio_read of a file already in memory (data borrowed, never written). */
int hfc_cli_audio_read_memory(const uint8_t *data, size_t n_bytes, int target_rate_hz,
                              hfc_cli_audio *out, char *err, size_t err_bytes);

/* Resamples audio in place to target_rate_hz with libsoxr's high-quality one-shot
 * resampler (what hfc_cli_audio_read does; the Python package's encode too), a
 * no-op at the same rate. Returns 0, or -1 with one line in err and audio as it
 * was. */
int hfc_cli_audio_resample(hfc_cli_audio *audio, int target_rate_hz, char *err,
                           size_t err_bytes);

/* libsndfile quietly shortens a WAV whose data chunk runs past the end of the file;
 * this says "truncated WAV" instead. data holds the first n_have of the file's
 * n_bytes (the chunk headers up to "data" must be among them to be checked).
 * Returns 0 (also for other formats), or -1 with one line in err. */
int hfc_cli_wav_check_complete(const uint8_t *data, size_t n_have, size_t n_bytes, char *err,
                               size_t err_bytes);

/* Frees out->samples and zeroes *audio. */
void hfc_cli_audio_free(hfc_cli_audio *audio);

/* Writes mono audio chosen by extension: .wav/.flac/.ogg/.opus/.aiff/.aif/.au/.caf/
 * .w64/.rf64 via libsndfile, 16-bit PCM by default (scaled by 32768, rounded,
 * clipped to [-32768, 32767], so a 16-bit input file round-trips exactly) or 32-bit
 * float when as_float (not for FLAC, which holds integers only; .ogg and .opus are
 * lossy and ignore it); .npy writes a float32 1-D array; "-" = stdout as WAV.
 * Returns 0, or -1 with a one-line message in err. */
int hfc_cli_audio_write(const char *path, const float *samples, int64_t n_samples, int rate_hz,
                        int as_float, char *err, size_t err_bytes);

/* Checks, before any work is done, that hfc_cli_audio_write can write path with
 * as_float: a known extension, and float only where the format holds it. Returns 0,
 * or -1 with a one-line message in err. */
int hfc_cli_audio_check_writable(const char *path, int as_float, char *err, size_t err_bytes);

/* A float sample as the 16-bit files above hold it: scaled by 32768 (mirroring
 * libsndfile's 1/32768 when it reads them; libsndfile itself would write with
 * 32767), rounded, clipped, NaN to -32768. Live recordings use it too, so a
 * recording equals decoding the same tokens to a file. */
short hfc_cli_float_to_pcm16(float sample);

#endif
