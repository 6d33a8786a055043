/*
 * audio_output.h - mono audio written to a file or stdout as a decoder makes it,
 * in constant memory: any format hfc_cli_audio_write knows, with the same bytes
 * for a file (libsndfile writes it under a temporary name, output_file.h, and
 * fixes its header at the end; .npy gets its real shape).
 *
 * Stdout ("-") is a WAV whose header goes out first: with its real sizes when the
 * caller knows the length in advance (then the same bytes as a 16-bit file), else
 * with the 0xFFFFFFFF sizes of a stream of unknown length, which readers take to
 * mean "to the end" (and rewritten at the end when stdout is a regular file).
 */
#ifndef HFC_CLI_AUDIO_OUTPUT_H
#define HFC_CLI_AUDIO_OUTPUT_H

#include "output_file.h"

#include <sndfile.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hfc_cli_audio_output {
    hfc_cli_output output;
    SNDFILE *sndfile;       /* libsndfile formats */
    int kind;               /* internal: sndfile, npy or stdout WAV */
    int pcm16;              /* 16-bit samples (else float32) */
    int rate_hz;
    int64_t expected_samples; /* -1: unknown */
    int64_t n_samples;      /* written so far */
    long header_offset;
} hfc_cli_audio_output;

/* Opens path ("-": stdout WAV) for mono audio at rate_hz, 16-bit unless as_float
 * (hfc_cli_audio_check_writable has passed). expected_samples: the length when
 * known in advance, else -1. Returns 0, or -1 with one line in err. */
int hfc_cli_audio_output_open(hfc_cli_audio_output *out, const char *path, int rate_hz,
                              int as_float, int64_t expected_samples, char *err,
                              size_t err_bytes);

int hfc_cli_audio_output_write(hfc_cli_audio_output *out, const float *samples,
                               int64_t n_samples, char *err, size_t err_bytes);

/* Finishes and commits the file. Returns 0, or -1 with one line in err and
 * nothing left at path. */
int hfc_cli_audio_output_finish(hfc_cli_audio_output *out, char *err, size_t err_bytes);

void hfc_cli_audio_output_abort(hfc_cli_audio_output *out);

#endif
