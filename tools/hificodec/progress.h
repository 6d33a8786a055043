/*
 * progress.h - one line of progress on stderr for a long run: percent done,
 * speed as a multiple of real time, time left. Only on a terminal, never with
 * --quiet, and only once a run has taken a second (short files stay silent).
 */
#ifndef HFC_CLI_PROGRESS_H
#define HFC_CLI_PROGRESS_H

typedef struct hfc_cli_progress {
    int enabled;
    int shown;
    const char *what;
    double total_seconds;   /* of audio; <= 0: unknown (no percent, no ETA) */
    double start, last;
} hfc_cli_progress;

void hfc_cli_progress_start(hfc_cli_progress *progress, const char *what, double total_seconds,
                            int quiet);

/* done_seconds: audio processed so far. Redraws at most four times a second. */
void hfc_cli_progress_update(hfc_cli_progress *progress, double done_seconds);

/* Erases the line. */
void hfc_cli_progress_end(hfc_cli_progress *progress);

#endif
