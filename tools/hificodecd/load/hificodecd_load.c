/* hificodecd-load: how many real-time full-duplex streams a running hificodecd
 * holds, and at what latency.
 *
 * Each simulated call is one client connection with one duplex stream (f32 at the
 * model's rate). Every 20 ms frame it sends the frame's PCM (hop samples) and one
 * frame of tokens, as a softphone does with its microphone and the far end's
 * packets; the frame is done when both replies are back. Frames are scheduled on a
 * fixed 20 ms grid, staggered across streams; a frame is late when it completes
 * more than one frame time after its scheduled send. Latency is measured from the
 * scheduled send, so a late client counts against the daemon too (the honest
 * side). The daemon's RSS comes from /proc via the peer pid of the socket.
 *
 *   hificodecd-load --socket PATH [--streams N] [--seconds S] [--warmup S]
 *   hificodecd-load --socket PATH --ramp FIRST,STEP,LAST [--seconds S]
 *       finds the most streams with no late frame
 *   --split: each call opens an encode-only and a decode-only stream instead of
 *       one duplex stream, so its two directions run on two workers at once
 *   hificodecd-load --inprocess MODEL [--seconds S]
 *       the same per-frame work in this process, one stream: the baseline the
 *       daemon's overhead is measured against
 *   hificodecd-load (--socket PATH | --inprocess MODEL) --roundtrips N [--seconds S]
 *       N concurrent utterance round trips of S seconds of audio (roundtrips.c)
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hificodec.h"
#include "roundtrips.h"

#define MAX_IN_FLIGHT 32 /* frames a call may have out; more: the daemon has fallen over */

typedef struct call {
    hfc_client *client;
    int encoder, decoder;            /* stream ids: one duplex stream, or two with --split */
    int64_t next_ns;                 /* scheduled send of the next frame */
    int64_t sent_ns[MAX_IN_FLIGHT];  /* scheduled sends of the frames in flight, oldest first */
    int head, n_in_flight;
    int encoded, decoded;            /* replies in each direction for frames in flight */
    int failed;
    hfc_token tokens[64];            /* the far end's frame: our own last tokens */
} call;

typedef struct result {
    int streams;
    int64_t frames;  /* answered and measured */
    int64_t late;    /* answered after the frame time, or never */
    double p50_us, p99_us, max_us;
    double rss_idle_kb, rss_kb;
    hfc_client_stats stats;  /* the daemon's, at the end */
} result;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until(int64_t t_ns)
{
    struct timespec ts = {(time_t)(t_ns / 1000000000), (long)(t_ns % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void percentiles(double *lat, int64_t n, result *r)
{
    if (n == 0)
        return;
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    r->p50_us = lat[(n - 1) / 2];
    r->p99_us = lat[(int64_t)ceil(0.99 * (double)n) - 1];
    r->max_us = lat[n - 1];
}

static double rss_kb(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %lf", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static int daemon_pid(hfc_client *client)
{
    struct ucred peer = {0, 0, 0};
    socklen_t n = sizeof peer;
    getsockopt(hfc_client_fd(client), SOL_SOCKET, SO_PEERCRED, &peer, &n);
    return peer.pid;
}

/* Takes the call's replies. Each direction answers in order, so a frame is
 * complete once both directions have answered it. Records the latency of frames
 * scheduled from measure_from on. */
static void take_replies(call *c, int nc, int64_t frame_ns, int64_t measure_from, double *lat,
                         int64_t max_lat, result *r)
{
    hfc_client_event ev;
    while (hfc_client_receive(c->client, &ev, 0) == HFC_OK) {
        if (ev.type == HFC_CLIENT_EVENT_ERROR || ev.type == HFC_CLIENT_EVENT_DROPPED) {
            fprintf(stderr, "hificodecd-load: stream: %s\n", ev.text ? ev.text : "dropped");
            c->failed = 1;
            return;
        }
        if (ev.type == HFC_CLIENT_EVENT_TOKENS && ev.n > 0)
            memcpy(c->tokens, ev.tokens, (size_t)nc * sizeof *c->tokens);
        if (ev.more)
            continue;
        c->encoded += ev.type == HFC_CLIENT_EVENT_TOKENS;
        c->decoded += ev.type == HFC_CLIENT_EVENT_PCM;
        while (c->n_in_flight > 0 && c->encoded > 0 && c->decoded > 0) {
            int64_t sent = c->sent_ns[c->head];
            c->head = (c->head + 1) % MAX_IN_FLIGHT;
            c->n_in_flight--;
            c->encoded--;
            c->decoded--;
            if (sent < measure_from || r->frames >= max_lat)
                continue;
            double us = (double)(now_ns() - sent) / 1000.0;
            lat[r->frames++] = us;
            r->late += us > (double)frame_ns / 1000.0;
        }
    }
}

/* Opens the call's stream(s): one duplex stream, or with split an encoder and a
 * decoder stream, which the daemon runs on different workers at once. */
static int open_call(call *c, int split)
{
    hfc_client_stream_options o;
    hfc_client_stream_options_init(&o);
    if (!split) {
        c->encoder = c->decoder = hfc_client_open(c->client, &o, NULL);
        return c->encoder;
    }
    o.direction = HFC_CLIENT_ENCODE;
    c->encoder = hfc_client_open(c->client, &o, NULL);
    o.direction = HFC_CLIENT_DECODE;
    c->decoder = c->encoder > 0 ? hfc_client_open(c->client, &o, NULL) : c->encoder;
    return c->decoder;
}

static int run_daemon(const char *socket_path, int n, int split, double seconds, double warmup,
                      result *r)
{
    memset(r, 0, sizeof *r);
    r->streams = n;
    call *calls = calloc((size_t)n, sizeof *calls);
    hfc_client_options co;
    hfc_client_options_init(&co);
    co.name = "hificodecd-load";
    co.timeout_ms = 5000;
    int pid = 0, ep = epoll_create1(0), ok = 1;
    hfc_client_info info = {0};
    for (int i = 0; i < n && ok; i++) {
        int st;
        calls[i].client = hfc_client_create(socket_path, &co, &st);
        if (!calls[i].client) {
            fprintf(stderr, "hificodecd-load: connect: %s\n", hfc_strerror(st));
            ok = 0;
            break;
        }
        if (i == 0) {
            hfc_client_get_info(calls[0].client, &info);
            pid = daemon_pid(calls[0].client);
            r->rss_idle_kb = rss_kb(pid);
        }
        int st_open = open_call(&calls[i], split);
        if (st_open <= 0) {
            fprintf(stderr, "hificodecd-load: call %d: %s\n", i + 1, hfc_strerror(st_open));
            ok = 0;
            break;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &calls[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, hfc_client_fd(calls[i].client), &ev);
    }
    const int hop = ok ? info.hop_samples : 1, nc = info.n_codebooks;
    const int64_t frame_ns = ok ? (int64_t)(1e9 * hop / info.sample_rate_hz) : 1;
    int64_t max_lat = (int64_t)((seconds + 1) * 1e9 / (double)frame_ns) * n;
    double *lat = malloc((size_t)max_lat * sizeof *lat);
    float *pcm = malloc((size_t)hop * sizeof *pcm);
    for (int i = 0; i < hop; i++)
        pcm[i] = 0.2f * sinf(0.06f * (float)i);
    int64_t start = now_ns() + 100000000, measure_from = start + (int64_t)(warmup * 1e9);
    int64_t end = measure_from + (int64_t)(seconds * 1e9);
    for (int i = 0; i < n; i++)
        calls[i].next_ns = start + frame_ns * i / n; /* staggered, as real calls are */
    while (ok) {
        int64_t t = now_ns(), next_due = INT64_MAX;
        int in_flight = 0;
        for (int i = 0; i < n && ok; i++) {
            call *c = &calls[i];
            while (c->next_ns <= t && c->next_ns < end) { /* catch up when behind */
                if (c->n_in_flight == MAX_IN_FLIGHT || c->failed) {
                    fprintf(stderr, "hificodecd-load: %d streams: the daemon fell behind\n", n);
                    ok = 0;
                    break;
                }
                pcm[(c->next_ns / frame_ns) % hop] += 1e-4f; /* never the same frame twice */
                if (hfc_client_send_pcm(c->client, c->encoder, pcm, hop) < 0 ||
                    hfc_client_send_tokens(c->client, c->decoder, c->tokens, 1) < 0) {
                    ok = 0;
                    break;
                }
                c->sent_ns[(c->head + c->n_in_flight++) % MAX_IN_FLIGHT] = c->next_ns;
                c->next_ns += frame_ns;
            }
            if (c->next_ns < end && c->next_ns < next_due)
                next_due = c->next_ns;
            in_flight += c->n_in_flight;
        }
        if (!ok || (next_due == INT64_MAX && in_flight == 0))
            break;
        if (next_due == INT64_MAX && t > end + 2000000000LL) {
            r->late += in_flight; /* never answered */
            break;
        }
        int64_t wait = next_due == INT64_MAX ? 100000000 : next_due - now_ns();
        struct timespec timeout = {0, wait > 0 ? (long)wait : 0};
        struct epoll_event events[64];
        int got = epoll_pwait2(ep, events, 64, &timeout, NULL);
        for (int k = 0; k < got; k++)
            take_replies(events[k].data.ptr, nc, frame_ns, measure_from, lat, max_lat, r);
    }
    r->rss_kb = pid ? rss_kb(pid) : 0;
    if (calls[0].client)
        hfc_client_get_stats(calls[0].client, 0, &r->stats);
    percentiles(lat, r->frames, r);
    for (int i = 0; i < n; i++)
        hfc_client_destroy(calls[i].client);
    close(ep);
    free(lat);
    free(pcm);
    free(calls);
    return ok ? 0 : -1;
}

/* The same frame work in this process: encoder push and decoder push, one stream,
 * paced like a call. */
static int run_inprocess(const char *model_path, double seconds, result *r)
{
    memset(r, 0, sizeof *r);
    r->streams = 1;
    int st;
    hfc_model *model = hfc_model_load_file(model_path, NULL, &st);
    if (!model) {
        fprintf(stderr, "hificodecd-load: %s: %s\n", model_path, hfc_strerror(st));
        return -1;
    }
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    const int hop = info.hop_samples;
    int64_t frame_ns = (int64_t)(1e9 * hop / info.sample_rate_hz);
    int64_t n_frames = (int64_t)(seconds * 1e9 / (double)frame_ns);
    double *lat = malloc((size_t)n_frames * sizeof *lat);
    float *pcm = malloc((size_t)hop * sizeof *pcm), *out = malloc((size_t)hop * 4 * sizeof *out);
    hfc_token tokens[128] = {0};
    for (int i = 0; i < hop; i++)
        pcm[i] = 0.2f * sinf(0.06f * (float)i);
    int64_t t = now_ns();
    for (int64_t f = -50; f < n_frames; f++) { /* 50 frames of warm-up */
        t += frame_ns;
        sleep_until(t);
        hfc_encoder_push(enc, pcm, hop, tokens, 2);
        hfc_decoder_push(dec, tokens, 1, out, hop * 4);
        double us = (double)(now_ns() - t) / 1000.0; /* from the schedule, as for the daemon */
        if (f >= 0) {
            lat[f] = us;
            r->late += us > (double)frame_ns / 1000.0;
        }
    }
    r->frames = n_frames;
    percentiles(lat, n_frames, r);
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    hfc_model_free(model);
    free(lat);
    free(pcm);
    free(out);
    return 0;
}

static void print_header(void)
{
    printf("%8s %8s %6s %10s %10s %10s %10s %12s\n", "streams", "frames", "late", "p50_ms",
           "p99_ms", "max_ms", "rss_MiB", "rss/stream_KiB");
}

static void print_result(const result *r, const char *label)
{
    double per_stream = r->streams ? (r->rss_kb - r->rss_idle_kb) / r->streams : 0;
    printf("%8d %8lld %6lld %10.3f %10.3f %10.3f %10.1f %12.0f %s", r->streams,
           (long long)r->frames, (long long)r->late, r->p50_us / 1000, r->p99_us / 1000,
           r->max_us / 1000, r->rss_kb / 1024, per_stream, label);
    if (r->stats.workers) /* the daemon's view: time from receipt to reply, all requests */
        printf(" (in daemon p50 %.3f p99 %.3f ms; CPU per frame encode %lld + decode %lld us)",
               r->stats.latency_p50_us / 1000.0, r->stats.latency_p99_us / 1000.0,
               (long long)r->stats.encode_us_per_frame, (long long)r->stats.decode_us_per_frame);
    printf("\n");
    fflush(stdout);
}

static void usage(void)
{
    fprintf(stderr, "usage: hificodecd-load --socket PATH [--streams N | --ramp FIRST,STEP,LAST]\n"
                    "                       [--seconds S] [--warmup S] [--split]\n"
                    "       hificodecd-load --inprocess MODEL [--seconds S]\n"
                    "       hificodecd-load (--socket PATH | --inprocess MODEL) --roundtrips N\n"
                    "                       [--seconds S]\n");
}

int main(int argc, char **argv)
{
    const char *socket_path = NULL, *model = NULL;
    int streams = 1, first = 0, step = 0, last = 0, split = 0, roundtrips = 0;
    double seconds = 10, warmup = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--split") == 0) {
            split = 1;
            continue;
        }
        if (!v) {
            usage();
            return 2;
        }
        if (strcmp(a, "--socket") == 0)
            socket_path = v;
        else if (strcmp(a, "--inprocess") == 0)
            model = v;
        else if (strcmp(a, "--streams") == 0)
            streams = atoi(v);
        else if (strcmp(a, "--seconds") == 0)
            seconds = atof(v);
        else if (strcmp(a, "--roundtrips") == 0)
            roundtrips = atoi(v);
        else if (strcmp(a, "--warmup") == 0)
            warmup = atof(v);
        else if (strcmp(a, "--ramp") == 0 && sscanf(v, "%d,%d,%d", &first, &step, &last) == 3)
            ;
        else {
            usage();
            return 2;
        }
        i++;
    }
    if (roundtrips > 0)
        return hfcl_run_roundtrips(socket_path, model, roundtrips, seconds) == 0 ? 0 : 1;
    result r;
    print_header();
    if (model) {
        if (run_inprocess(model, seconds, &r) != 0)
            return 1;
        print_result(&r, "in-process");
        return 0;
    }
    if (!socket_path || streams < 1) {
        usage();
        return 2;
    }
    if (!step) {
        int st = run_daemon(socket_path, streams, split, seconds, warmup, &r);
        print_result(&r, st == 0 ? "daemon" : "daemon (failed)");
        return st == 0 ? 0 : 1;
    }
    /* Ramp: the most streams with every frame on time. */
    int held = 0;
    for (int n = first; n <= last; n += step) {
        int st = run_daemon(socket_path, n, split, seconds, warmup, &r);
        print_result(&r, st == 0 && r.late == 0 ? "held" : "not held");
        if (st != 0 || r.late > 0)
            break;
        held = n;
    }
    printf("held in real time: %d streams\n", held);
    return 0;
}
