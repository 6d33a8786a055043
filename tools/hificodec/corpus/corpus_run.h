/*
 * corpus_run.h - a corpus run of `hificodec tokenize` or `detokenize` on this
 * machine: n_jobs worker threads, each with its own encoder or decoder on the
 * shared model, take the files largest first (so the run does not end waiting on
 * one long file), report each failure as it happens and go on, while the main
 * thread draws the progress line. Ctrl-C or SIGTERM (a Slurm time limit) stops
 * the workers after their current file; what is finished stays finished and a
 * rerun picks up the rest.
 */
#ifndef HFC_CORPUS_RUN_H
#define HFC_CORPUS_RUN_H

#include "corpus_job.h"
#include "corpus_list.h"
#include "hificodec.h"

#include <stddef.h>

typedef struct hfc_corpus_run_options {
    const char *command; /* "tokenize" or "detokenize", for messages */
    int tokenize;        /* 1: audio -> tokens; 0: tokens -> audio */
    int n_jobs;          /* worker threads, >= 1 */
    int n_threads;       /* threads per file (the encoder's or decoder's), >= 1 */
    int quiet;           /* errors only: no progress line, no summary */
    int verbose;         /* a line per file */
    int progress;        /* draw the progress line */
    hfc_corpus_job_options job;
} hfc_corpus_run_options;

typedef struct hfc_corpus_summary {
    size_t n_files, n_done, n_skipped, n_failed;
    double audio_seconds; /* of the files done */
    double wall_seconds;
    double read_seconds, codec_seconds, write_seconds; /* summed over the workers */
    int interrupted; /* stopped by a signal before every file was taken */
} hfc_corpus_summary;

/* Runs the list. Returns 0 when it ran (failures of single files are counted in
 * the summary, not returned), or -1 after printing why the run could not start. */
int hfc_corpus_run(const hfc_model *model, const hfc_corpus_list *list,
                   const hfc_corpus_run_options *options, hfc_corpus_summary *summary);

/* Prints the closing summary (files, hours of audio, failures, throughput, the
 * share of worker time spent reading) to stderr. */
void hfc_corpus_summary_print(const hfc_corpus_summary *summary,
                              const hfc_corpus_run_options *options);

#endif
