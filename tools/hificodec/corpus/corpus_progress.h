/*
 * corpus_progress.h - the progress line of `hificodec tokenize` and `detokenize`:
 * files done, share of the corpus (by bytes), hours of audio, speed as a multiple
 * of real time, ETA and failures.
 *
 * On a terminal the line is redrawn in place five times a second; anywhere else
 * (a Slurm log, a pipe) it is printed as a plain line every 30 s. Only the main
 * thread draws; workers that print an error clear the line first.
 */
#ifndef HFC_CORPUS_PROGRESS_H
#define HFC_CORPUS_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct hfc_corpus_counts {
    size_t n_finished; /* done, skipped or failed */
    size_t n_failed;
    int64_t bytes_finished; /* input bytes of the finished files */
    double audio_seconds;   /* audio of the files done (not skipped) */
} hfc_corpus_counts;

typedef struct hfc_corpus_progress {
    FILE *out;
    const char *command; /* "tokenize" */
    int enabled;
    int tty;
    int drawn; /* a line is on the terminal */
    double start_s, last_draw_s, interval_s;
    size_t n_files;
    int64_t n_bytes;
} hfc_corpus_progress;

void hfc_corpus_progress_init(hfc_corpus_progress *progress, FILE *out, const char *command,
                              int enabled, size_t n_files, int64_t n_bytes, double start_s);

/* Draws the line when one is due at now_s (or always, with force). */
void hfc_corpus_progress_draw(hfc_corpus_progress *progress, const hfc_corpus_counts *counts,
                              double now_s, int force);

/* Removes the line from the terminal, before another line is printed. */
void hfc_corpus_progress_clear(hfc_corpus_progress *progress);

#endif
