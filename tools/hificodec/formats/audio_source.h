/*
 * audio_source.h - audio read a piece at a time, in constant memory, giving the
 * same samples hfc_cli_audio_read gives for the whole file: mono (channels
 * averaged), resampled to the target rate by libsoxr's high-quality resampler
 * (streamed; the same output as its one-shot call), with the same checks (a
 * truncated file, NaN or infinite samples, no samples) reported at the end.
 *
 * A regular file (also stdin redirected from one) is read where it lies. A pipe is
 * read forward; libsndfile's look at the header is kept in memory, and its probes
 * past what has arrived read as the end of the file. Ogg from a pipe and .npy from
 * a pipe need the whole stream to open, so they are held whole (as before).
 *
 * Memory: a few chunks of CHUNK_SAMPLES, whatever the length.
 */
#ifndef HFC_CLI_AUDIO_SOURCE_H
#define HFC_CLI_AUDIO_SOURCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_cli_audio_source hfc_cli_audio_source;

/* Opens path ("-": stdin) for samples at target_rate_hz (> 0). NULL with one line
 * in err on failure. */
hfc_cli_audio_source *hfc_cli_audio_source_open(const char *path, int target_rate_hz, char *err,
                                                size_t err_bytes);

/* The next samples at the target rate: *samples points into the source's own
 * buffer, valid until the next call. Returns their count (> 0), 0 at the end of
 * good input, or -1 with one line in err (a decode error, a truncated file, NaN or
 * infinite samples, no samples at all). Once a NaN is seen no more samples are
 * returned; the count of them is reported at the end. */
int64_t hfc_cli_audio_source_read(hfc_cli_audio_source *source, const float **samples, char *err,
                                  size_t err_bytes);

/* The samples the whole input will give at the target rate when the input says
 * its length and needs no resampling; else -1. */
int64_t hfc_cli_audio_source_expected(const hfc_cli_audio_source *source);

/* The input's duration in seconds when known, else -1 (for progress). */
double hfc_cli_audio_source_seconds(const hfc_cli_audio_source *source);

void hfc_cli_audio_source_close(hfc_cli_audio_source *source);

#endif
