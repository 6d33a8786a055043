#include "progress.h"

#include "cli_common.h"

#include <stdio.h>
#include <unistd.h>

void hfc_cli_progress_start(hfc_cli_progress *progress, const char *what, double total_seconds,
                            int quiet)
{
    progress->enabled = !quiet && isatty(STDERR_FILENO);
    progress->shown = 0;
    progress->what = what;
    progress->total_seconds = total_seconds;
    progress->start = progress->last = hfc_cli_seconds_now();
}

static void clock_text(double seconds, char *out, size_t n)
{
    long s = seconds > 0 ? (long)(seconds + 0.5) : 0;
    if (s >= 3600)
        snprintf(out, n, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, n, "%ld:%02ld", s / 60, s % 60);
}

void hfc_cli_progress_update(hfc_cli_progress *progress, double done_seconds)
{
    if (!progress->enabled)
        return;
    double now = hfc_cli_seconds_now();
    if (now - progress->start < 1.0 || now - progress->last < 0.25)
        return;
    progress->last = now;
    double speed = done_seconds / (now - progress->start);
    char done[32], left[32];
    clock_text(done_seconds, done, sizeof done);
    if (progress->total_seconds > 0 && speed > 0) {
        double fraction = done_seconds / progress->total_seconds;
        clock_text((progress->total_seconds - done_seconds) / speed, left, sizeof left);
        fprintf(stderr, "\rhificodec: %s: %3.0f%% %s, %.1fx real time, ETA %s   ",
                progress->what, 100.0 * (fraction < 1 ? fraction : 1), done, speed, left);
    } else {
        fprintf(stderr, "\rhificodec: %s: %s, %.1fx real time   ", progress->what, done, speed);
    }
    progress->shown = 1;
}

void hfc_cli_progress_end(hfc_cli_progress *progress)
{
    if (progress->shown)
        fprintf(stderr, "\r\033[K");
    progress->shown = 0;
}
