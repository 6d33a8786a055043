/*
 * corpus_job.h - one file of a corpus run: audio to tokens (tokenize) or tokens to
 * audio (detokenize), with the CLI's reader and resampler and libhificodec's token
 * files, shared by `hificodec tokenize/detokenize` and the Python package (whose
 * Dask workers run exactly this, so their tokens equal the CLI's).
 *
 * Outputs are written atomically (a hidden ".NAME.part-*" file beside the output,
 * renamed over it when complete), their folders created as needed. A file whose
 * output is already complete is skipped: tokens that load and fit the model, or
 * an audio file that exists and is not empty. A failure leaves nothing behind.
 * Each call uses only its own encoder or decoder: one thread per job.
 */
#ifndef HFC_CORPUS_JOB_H
#define HFC_CORPUS_JOB_H

#include "hificodec.h"

#include <stdint.h>

enum hfc_corpus_outcome {
    HFC_CORPUS_DONE = 0,    /* output written */
    HFC_CORPUS_SKIPPED = 1, /* output already complete */
    HFC_CORPUS_FAILED = -1  /* error holds why; nothing written */
};

typedef struct hfc_corpus_result {
    int outcome;     /* enum hfc_corpus_outcome */
    char error[512]; /* FAILED: one line, without the file name */
    int64_t n_frames;
    double audio_seconds; /* DONE: audio at the model's rate */
    double read_seconds;  /* reading and decoding the input, resampling */
    double codec_seconds; /* encoding or decoding */
    double write_seconds;
} hfc_corpus_result;

typedef struct hfc_corpus_job_options {
    int token_format; /* tokenize: HFC_TOKENS_NPY or HFC_TOKENS_HFC */
    int overwrite;    /* 1: redo files whose output is complete */
    int as_float;     /* detokenize: 32-bit float samples */
    int force;        /* detokenize: a .hfc file of another model (same shape) */
} hfc_corpus_job_options;

/* Encodes the audio file source (any libsndfile format and rate, downmixed and
 * resampled to the model's) into a token file at output. */
void hfc_corpus_tokenize_file(hfc_encoder *encoder, const hfc_model *model, const char *source,
                              const char *output, const hfc_corpus_job_options *options,
                              hfc_corpus_result *result);

/* Decodes the token file source (.npy or .hfc made for this model) into an audio
 * file at output, in the format its extension names. */
void hfc_corpus_detokenize_file(hfc_decoder *decoder, const hfc_model *model, const char *source,
                                const char *output, const hfc_corpus_job_options *options,
                                hfc_corpus_result *result);

#endif
