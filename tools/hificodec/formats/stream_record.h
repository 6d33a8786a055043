/*
 * stream_record.h - decoded audio written live to a file: any container `decode`
 * writes (.wav, .flac, .ogg, ...; 16-bit PCM where the format has a choice), or
 * .npy float32. libsndfile rewrites the header after every write, so the file
 * is a valid recording of everything so far whatever stops the stream.
 */
#ifndef HFC_CLI_STREAM_RECORD_H
#define HFC_CLI_STREAM_RECORD_H

#include "stream_npy.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_record {
    void *sndfile;          /* SNDFILE; NULL for .npy or when closed */
    hfc_npy_writer npy;
    int is_npy;
    int pcm16;              /* 1: written as 16-bit integers, as `decode` does */
    int64_t n_samples;
} hfc_record;

/* Checks, before a stream starts, that path can be recorded to: a known audio
 * extension, and a file rather than "-". Returns 0, or -1 with one line in err. */
int hfc_record_check(const char *path, char *err, size_t err_bytes);

/* Creates path for mono audio at rate_hz. Returns 0, or -1 with one line in err. */
int hfc_record_open(hfc_record *record, const char *path, int rate_hz, char *err,
                    size_t err_bytes);

/* Appends n_samples. Returns 0, or -1 with one line in err. */
int hfc_record_write(hfc_record *record, const float *samples, int64_t n_samples, char *err,
                     size_t err_bytes);

/* Finishes and closes; never opened is a no-op. Returns 0, or -1. */
int hfc_record_close(hfc_record *record, char *err, size_t err_bytes);

#endif
