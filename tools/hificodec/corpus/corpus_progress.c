#include "corpus_progress.h"

#include <unistd.h>

void hfc_corpus_progress_init(hfc_corpus_progress *progress, FILE *out, const char *command,
                              int enabled, size_t n_files, int64_t n_bytes, double start_s)
{
    progress->out = out;
    progress->command = command;
    progress->enabled = enabled;
    progress->tty = isatty(fileno(out));
    progress->drawn = 0;
    progress->start_s = start_s;
    progress->last_draw_s = start_s;
    progress->interval_s = progress->tty ? 0.2 : 30.0;
    progress->n_files = n_files;
    progress->n_bytes = n_bytes;
}

static void format_duration(char *out, size_t out_bytes, double seconds)
{
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, out_bytes, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, out_bytes, "%ld:%02ld", s / 60, s % 60);
}

void hfc_corpus_progress_draw(hfc_corpus_progress *progress, const hfc_corpus_counts *counts,
                              double now_s, int force)
{
    if (!progress->enabled || (!force && now_s - progress->last_draw_s < progress->interval_s))
        return;
    progress->last_draw_s = now_s;
    double elapsed = now_s - progress->start_s;
    /* Bytes measure the work better than files: corpora mix 1 s and 1 h files. */
    double share = progress->n_bytes > 0   ? (double)counts->bytes_finished / progress->n_bytes
                   : progress->n_files > 0 ? (double)counts->n_finished / progress->n_files
                                           : 1.0;
    char eta[32] = "?";
    if (share > 0.0 && elapsed > 0.0)
        format_duration(eta, sizeof eta, elapsed * (1.0 - share) / share);
    char bar[21];
    int filled = (int)(share * 20.0);
    for (int i = 0; i < 20; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[20] = '\0';
    char line[256];
    snprintf(line, sizeof line,
             "%s [%s] %zu/%zu files %3.0f%% | %.2f h audio | %.1fx real time | ETA %s | %zu "
             "failed",
             progress->command, bar, counts->n_finished, progress->n_files, 100.0 * share,
             counts->audio_seconds / 3600.0, elapsed > 0.0 ? counts->audio_seconds / elapsed : 0.0,
             eta, counts->n_failed);
    if (progress->tty) {
        fprintf(progress->out, "\r\033[K%s", line);
        progress->drawn = 1;
    } else {
        fprintf(progress->out, "hificodec: %s\n", line);
    }
    fflush(progress->out);
}

void hfc_corpus_progress_clear(hfc_corpus_progress *progress)
{
    if (progress->tty && progress->drawn) {
        fputs("\r\033[K", progress->out);
        progress->drawn = 0;
    }
}
