#include "live_display.h"

#include "error_text.h"

#include <math.h>
#include <stdarg.h>
#include <unistd.h>

void hfc_live_display_init(hfc_live_display *display, FILE *out)
{
    display->out = out;
    display->tty = isatty(fileno(out));
    display->lines_drawn = 0;
    display->interval_s = display->tty ? 0.25 : 1.0;
    display->last_draw_s = -1.0;
    display->last_frames = 0;
}

int hfc_live_display_due(const hfc_live_display *display, double now_s)
{
    return display->last_draw_s < 0 || now_s - display->last_draw_s >= display->interval_s;
}

/* Frames a second over the time since the last draw. */
static double frame_rate(hfc_live_display *display, const hfc_live_snapshot *snapshot,
                         double now_s)
{
    double seconds = display->last_draw_s < 0 ? 0.0 : now_s - display->last_draw_s;
    double rate = seconds > 0 ? (double)(snapshot->frames - display->last_frames) / seconds : 0.0;
    display->last_frames = snapshot->frames;
    display->last_draw_s = now_s;
    return rate;
}

/* A 20-character meter from -60 to 0 dBFS. */
static void level_bar(double dbfs, char bar[21])
{
    int filled = isfinite(dbfs) ? (int)lround((dbfs + 60.0) / 3.0) : 0;
    for (int i = 0; i < 20; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[20] = '\0';
}

/* One line of the terminal block: cleared first, so a shorter line leaves no
 * remains of a longer one. Every line stays within 80 columns: a wrapped line
 * would break moving back up over the block. */
static void terminal_line(hfc_live_display *display, const char *fmt, ...) HFC_CLI_PRINTF(2, 3);

static void terminal_line(hfc_live_display *display, const char *fmt, ...)
{
    fputs("\r\033[K", display->out);
    va_list args;
    va_start(args, fmt);
    vfprintf(display->out, fmt, args);
    va_end(args);
    fputc('\n', display->out);
    display->lines_drawn++;
}

static void draw_terminal(hfc_live_display *display, const hfc_live_snapshot *s, double fps)
{
    double tokens_per_s = fps * s->n_codebooks;
    char bar[21];
    level_bar(s->level_dbfs, bar);
    if (display->lines_drawn > 0)
        fprintf(display->out, "\033[%dA", display->lines_drawn); /* back to the first line */
    display->lines_drawn = 0;
    terminal_line(display, "input     [%s] %6.1f dBFS %9.1f s %9lld frames", bar,
                  isfinite(s->level_dbfs) ? s->level_dbfs : -99.9, s->audio_s,
                  (long long)s->frames);
    terminal_line(display, "rate      %6.1f tokens/s   %5.2f kbit/s", tokens_per_s,
                  tokens_per_s * s->bits_per_token / 1000.0);
    terminal_line(display, "latency   capture->tokens  %7.1f ms   p99 %7.1f ms",
                  s->capture_to_tokens.mean_ms, s->capture_to_tokens.p99_ms);
    if (s->monitor) {
        terminal_line(display, "          tokens->playback %7.1f ms   p99 %7.1f ms",
                      s->tokens_to_playback.mean_ms, s->tokens_to_playback.p99_ms);
        terminal_line(display, "          end-to-end       %7.1f ms   p99 %7.1f ms",
                      s->end_to_end.mean_ms, s->end_to_end.p99_ms);
    }
    terminal_line(display, "frames    dropped %lld in, %lld out   late %lld",
                  (long long)s->dropped_in_frames, (long long)s->dropped_out_frames,
                  (long long)s->late_frames);
    terminal_line(display, "buffers   overruns %lld   underruns %lld", (long long)s->overruns,
                  (long long)s->underruns);
    fflush(display->out);
}

static void draw_plain(hfc_live_display *display, const hfc_live_snapshot *s, double fps,
                       const char *state)
{
    FILE *out = display->out;
    double tokens_per_s = fps * s->n_codebooks;
    fprintf(out, "hificodec: stream: state=%s audio_s=%.2f frames=%lld tokens_per_s=%.1f bitrate_bps=%.0f "
                 "level_dbfs=%.1f c2t_mean_ms=%.2f c2t_p99_ms=%.2f",
            state, s->audio_s, (long long)s->frames, tokens_per_s,
            tokens_per_s * s->bits_per_token, isfinite(s->level_dbfs) ? s->level_dbfs : -99.9,
            s->capture_to_tokens.mean_ms, s->capture_to_tokens.p99_ms);
    if (s->monitor)
        fprintf(out, " t2p_mean_ms=%.2f t2p_p99_ms=%.2f e2e_mean_ms=%.2f e2e_p99_ms=%.2f",
                s->tokens_to_playback.mean_ms, s->tokens_to_playback.p99_ms,
                s->end_to_end.mean_ms, s->end_to_end.p99_ms);
    fprintf(out, " dropped_in=%lld dropped_out=%lld late=%lld overruns=%lld underruns=%lld\n",
            (long long)s->dropped_in_frames, (long long)s->dropped_out_frames,
            (long long)s->late_frames, (long long)s->overruns, (long long)s->underruns);
    fflush(out);
}

void hfc_live_display_draw(hfc_live_display *display, const hfc_live_snapshot *snapshot,
                           double now_s)
{
    double fps = frame_rate(display, snapshot, now_s);
    if (display->tty)
        draw_terminal(display, snapshot, fps);
    else
        draw_plain(display, snapshot, fps, "live");
}

void hfc_live_display_finish(hfc_live_display *display, const hfc_live_snapshot *snapshot,
                             double now_s)
{
    /* The rates at the end are the run's averages, not the last moment's. */
    double fps = snapshot->audio_s > 0 ? (double)snapshot->frames / snapshot->audio_s : 0.0;
    display->last_draw_s = now_s;
    display->last_frames = snapshot->frames;
    if (display->tty)
        draw_terminal(display, snapshot, fps);
    else
        draw_plain(display, snapshot, fps, "end");
}
