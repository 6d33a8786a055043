/* hificodecd against bad and hostile clients, on raw sockets where the client
 * library would refuse to misbehave:
 *   a wrong protocol version, no HELLO, truncated, oversized and malformed
 *   messages, bad tokens, NaN samples, unknown streams, limits: each fails only
 *   the stream it names (or gets an ERROR on the connection), and the other
 *   streams and clients go on, bit-exact;
 *   a client killed mid-stream, one that never reads its replies, one that stays
 *   silent, and the drop policy;
 *   the uid allow-list and the CPU budget (admission control).
 * Usage: test_daemon_robust HIFICODECD CAUSAL_MODEL */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/protocol.h"
#include "daemon_harness.h"
#include "hificodec.h"
#include "test_util.h"

static const char *exe, *model_path;
static hfc_model *model;
static hfc_model_info info;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int send_raw(int fd, uint16_t type, uint16_t flags, uint32_t stream, uint32_t seq,
                    const void *body, size_t n_body)
{
    static uint8_t msg[HFC_PROTO_MAX_MESSAGE_BYTES + 1024];
    size_t n = hfc_proto_write_message(msg, type, flags, stream, seq, body, n_body);
    return send(fd, msg, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static int send_bytes(int fd, const void *bytes, size_t n)
{
    return send(fd, bytes, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* Reads messages until an ERROR about stream arrives; returns its code, or 1 when
 * the connection ended first, 0 on timeout. */
static int expect_error(int fd, uint32_t stream, char *text, size_t n_text)
{
    static uint8_t buf[HFC_PROTO_MAX_MESSAGE_BYTES];
    for (;;) {
        long n = hfcd_test_recv(fd, buf, sizeof buf, 10000);
        if (n < 0)
            return 0;
        if (n == 0)
            return 1;
        hfc_proto_header h;
        if (hfc_proto_parse_header(buf, (size_t)n, &h) != HFC_OK)
            return 0;
        if (h.type == HFC_MSG_ERROR && h.stream == stream) {
            hfc_proto_error e;
            if (hfc_proto_parse_error(buf + HFC_PROTO_HEADER_BYTES, h.body_bytes, &e) != HFC_OK)
                return 0;
            if (text)
                snprintf(text, n_text, "%s", e.text);
            return e.code;
        }
    }
}

/* Reads until the next message of type for stream; returns 1, or 0. */
static int expect_type(int fd, uint16_t type, uint32_t stream)
{
    uint8_t buf[HFC_PROTO_MAX_MESSAGE_BYTES];
    for (;;) {
        long n = hfcd_test_recv(fd, buf, sizeof buf, 10000);
        hfc_proto_header h;
        if (n <= 0 || hfc_proto_parse_header(buf, (size_t)n, &h) != HFC_OK)
            return 0;
        if (h.type == type && h.stream == stream)
            return 1;
    }
}

/* Whether the connection is closed by the daemon within timeout (reading on). */
static int ends(int fd, int timeout_ms)
{
    uint8_t buf[HFC_PROTO_MAX_MESSAGE_BYTES];
    double end = now_s() + timeout_ms / 1000.0;
    while (now_s() < end) {
        long n = hfcd_test_recv(fd, buf, sizeof buf, 100);
        if (n == 0)
            return 1;
    }
    return 0;
}

static void open_raw(int fd, uint32_t id, int direction, int format)
{
    hfc_proto_open o = {(uint8_t)direction, (uint8_t)format, HFC_PROTO_MODE_STREAM, 0, 0, 0};
    uint8_t body[HFC_PROTO_OPEN_BYTES];
    send_raw(fd, HFC_MSG_OPEN, 0, id, 100 + id, body, hfc_proto_write_open(body, &o));
    CHECK_MSG(expect_type(fd, HFC_MSG_OPEN_OK, id), "OPEN %u not answered", id);
}

/* One exact streaming push through a fresh client: the daemon still serves. */
static void check_still_serving(hfcd_test_daemon *d, const char *when)
{
    int st;
    hfc_client *client = hfc_client_create(d->socket_path, NULL, &st);
    CHECK_MSG(client, "%s: connect: %s", when, hfc_strerror(st));
    if (!client)
        return;
    int stream = hfc_client_open(client, NULL, NULL);
    CHECK_MSG(stream > 0, "%s: open: %s", when, hfc_strerror(stream));
    float pcm[960];
    for (int i = 0; i < 960; i++)
        pcm[i] = 0.3f * sinf(0.07f * (float)i);
    hfc_token want[16], got[16];
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    int64_t w = hfc_encoder_push(enc, pcm, 960, want, 4);
    int64_t g = hfc_client_encode_push(client, stream, pcm, 960, got, 4);
    CHECK_MSG(g == w && memcmp(want, got, (size_t)(g > 0 ? g : 0) * 4 * sizeof *got) == 0,
              "%s: push differs (%lld vs %lld frames)", when, (long long)g, (long long)w);
    hfc_encoder_destroy(enc);
    hfc_client_destroy(client);
}

static void check_handshake_errors(hfcd_test_daemon *d)
{
    int fd = hfcd_test_connect(d->socket_path);
    uint8_t body[HFC_PROTO_HELLO_BYTES + 8];
    hfc_proto_hello hello = {7, 9, "future"};
    send_raw(fd, HFC_MSG_HELLO, 0, 0, 1, body, hfc_proto_write_hello(body, &hello));
    char text[256] = "";
    CHECK(expect_error(fd, 0, text, sizeof text) == HFC_ERR_UNSUPPORTED);
    CHECK(strstr(text, "7..9") != NULL);
    CHECK(ends(fd, 2000));
    close(fd);

    fd = hfcd_test_connect(d->socket_path);
    hfc_proto_open o = {1, 2, 0, 0, 0, 0};
    send_raw(fd, HFC_MSG_OPEN, 0, 1, 1, body, hfc_proto_write_open(body, &o));
    CHECK(expect_error(fd, 0, NULL, 0) == HFC_ERR_PROTOCOL);
    CHECK(ends(fd, 2000));
    close(fd);
    printf("  wrong version and missing HELLO: ERROR, then closed\n");
}

static void check_malformed(hfcd_test_daemon *d)
{
    int fd = hfcd_test_connect(d->socket_path);
    CHECK(hfcd_test_hello(fd) == 0);
    open_raw(fd, 5, HFC_PROTO_DIR_ENCODE, HFC_PROTO_FORMAT_F32);
    open_raw(fd, 6, HFC_PROTO_DIR_DECODE, HFC_PROTO_FORMAT_S16);
    uint8_t bytes[64] = {0};
    char text[256];

    /* Connection-level: truncated header, wrong body length, unknown type, flags,
     * a daemon-only type, a second HELLO: ERROR on stream 0, connection lives. */
    CHECK(send_bytes(fd, bytes, 10) == 0 && expect_error(fd, 0, NULL, 0) == HFC_ERR_PROTOCOL);
    hfc_proto_header h = {HFC_MSG_STATS_REQUEST, 0, 0, 3, 100};
    hfc_proto_write_header(bytes, &h);
    CHECK(send_bytes(fd, bytes, 36) == 0 && expect_error(fd, 0, NULL, 0) == HFC_ERR_PROTOCOL);
    CHECK(send_raw(fd, 0x42, 0, 0, 4, NULL, 0) == 0 &&
          expect_error(fd, 0, NULL, 0) == HFC_ERR_PROTOCOL);
    CHECK(send_raw(fd, HFC_MSG_STATS_REQUEST, 1, 0, 5, NULL, 0) == 0 &&
          expect_error(fd, 0, NULL, 0) == HFC_ERR_PROTOCOL);
    CHECK(send_raw(fd, HFC_MSG_TOKENS_OUT, 0, 0, 6, bytes, 8) == 0 &&
          expect_error(fd, 0, NULL, 0) == HFC_ERR_PROTOCOL);
    hfc_proto_hello hello = {1, 1, ""};
    CHECK(send_raw(fd, HFC_MSG_HELLO, 0, 0, 7, bytes, hfc_proto_write_hello(bytes, &hello)) == 0 &&
          expect_error(fd, 0, NULL, 0) == HFC_ERR_STATE);
    CHECK(send_raw(fd, HFC_MSG_PCM_IN, 0, 99, 8, bytes, 8) == 0 &&
          expect_error(fd, 99, NULL, 0) == HFC_ERR_STATE);
    hfc_proto_open bad_open = {9, 2, 0, 0, 0, 0};
    CHECK(send_raw(fd, HFC_MSG_OPEN, 0, 7, 9, bytes, hfc_proto_write_open(bytes, &bad_open)) == 0 &&
          expect_error(fd, 7, NULL, 0) == HFC_ERR_PROTOCOL);

    /* Stream-level: each fails its stream only; stream 6 keeps decoding. */
    size_t big = (size_t)65536 + 100;
    uint8_t *huge = calloc(1, big);
    CHECK(send_raw(fd, HFC_MSG_PCM_IN, 0, 5, 10, huge, big - HFC_PROTO_HEADER_BYTES) == 0);
    CHECK(expect_error(fd, 5, text, sizeof text) == HFC_ERR_PROTOCOL && strstr(text, "exceeds"));
    free(huge);
    uint8_t tokens[8] = {1, 0, 2, 0, 3, 0, 4, 0};
    CHECK(send_raw(fd, HFC_MSG_TOKENS_IN, 0, 6, 11, tokens, 8) == 0 &&
          expect_type(fd, HFC_MSG_PCM_OUT, 6));

    open_raw(fd, 5, HFC_PROTO_DIR_ENCODE, HFC_PROTO_FORMAT_F32); /* the id is free again */
    CHECK(send_raw(fd, HFC_MSG_PCM_IN, 0, 5, 12, bytes, 3) == 0 &&
          expect_error(fd, 5, NULL, 0) == HFC_ERR_PROTOCOL);
    open_raw(fd, 5, HFC_PROTO_DIR_ENCODE, HFC_PROTO_FORMAT_F32);
    float nan_pcm[4] = {0, NAN, 0, 0};
    CHECK(send_raw(fd, HFC_MSG_PCM_IN, 0, 5, 13, nan_pcm, sizeof nan_pcm) == 0 &&
          expect_error(fd, 5, NULL, 0) == HFC_ERR_BAD_SAMPLE);
    open_raw(fd, 5, HFC_PROTO_DIR_ENCODE, HFC_PROTO_FORMAT_F32);
    CHECK(send_raw(fd, HFC_MSG_TOKENS_IN, 0, 5, 14, tokens, 8) == 0 &&
          expect_error(fd, 5, NULL, 0) == HFC_ERR_PROTOCOL);
    open_raw(fd, 5, HFC_PROTO_DIR_ENCODE, HFC_PROTO_FORMAT_F32);
    uint8_t flush[4] = {HFC_PROTO_DIR_DECODE, 0, 0, 0};
    CHECK(send_raw(fd, HFC_MSG_FLUSH, 0, 5, 15, flush, 4) == 0 &&
          expect_error(fd, 5, NULL, 0) == HFC_ERR_PROTOCOL);
    open_raw(fd, 5, HFC_PROTO_DIR_ENCODE, HFC_PROTO_FORMAT_F32);
    hfc_proto_open dup = {1, 2, 0, 0, 0, 0};
    CHECK(send_raw(fd, HFC_MSG_OPEN, 0, 5, 16, bytes, hfc_proto_write_open(bytes, &dup)) == 0 &&
          expect_error(fd, 5, NULL, 0) == HFC_ERR_STATE);

    uint8_t bad_tokens[8] = {0, 4, 0, 0, 0, 0, 0, 0}; /* 1024: out of range */
    CHECK(send_raw(fd, HFC_MSG_TOKENS_IN, 0, 6, 17, bad_tokens, 8) == 0 &&
          expect_error(fd, 6, NULL, 0) == HFC_ERR_BAD_TOKEN);
    open_raw(fd, 6, HFC_PROTO_DIR_DECODE, HFC_PROTO_FORMAT_S16);
    CHECK(send_raw(fd, HFC_MSG_TOKENS_IN, 0, 6, 18, tokens, 6) == 0 &&
          expect_error(fd, 6, NULL, 0) == HFC_ERR_PROTOCOL);

    /* Limits: streams per connection (4 here). */
    for (uint32_t id = 20; id < 24; id++)
        open_raw(fd, id, HFC_PROTO_DIR_BOTH, HFC_PROTO_FORMAT_F32);
    hfc_proto_open o = {3, 2, 0, 0, 0, 0};
    CHECK(send_raw(fd, HFC_MSG_OPEN, 0, 24, 19, bytes, hfc_proto_write_open(bytes, &o)) == 0);
    CHECK(expect_error(fd, 24, text, sizeof text) == HFC_ERR_REFUSED && strstr(text, "limit"));
    close(fd);
    check_still_serving(d, "after malformed messages");
    printf(
        "  truncated, oversized, malformed, bad tokens, NaN, limits: only their stream failed\n");
}

static int64_t stat_of(hfcd_test_daemon *d, int which)
{
    hfc_client *client = hfc_client_create(d->socket_path, NULL, NULL);
    hfc_client_stats stats;
    int st = client ? hfc_client_get_stats(client, 0, &stats) : HFC_ERR_IO;
    hfc_client_destroy(client);
    if (st != HFC_OK)
        return -1;
    return which == 0 ? stats.streams : stats.connections - 1; /* less the asking one */
}

/* Waits until the daemon reports `want` of streams (0) or connections (1). */
static int settles(hfcd_test_daemon *d, int which, int64_t want, int timeout_ms)
{
    double end = now_s() + timeout_ms / 1000.0;
    while (now_s() < end) {
        if (stat_of(d, which) == want)
            return 1;
        usleep(50000);
    }
    return 0;
}

static void check_killed_client(hfcd_test_daemon *d)
{
    pid_t child = fork();
    if (child == 0) {
        hfc_client *client = hfc_client_create(d->socket_path, NULL, NULL);
        int streams[3];
        for (int i = 0; i < 3; i++)
            streams[i] = hfc_client_open(client, NULL, NULL);
        float pcm[320] = {0};
        hfc_token tokens[4] = {1, 2, 3, 4};
        for (;;) { /* until killed; replies are read now and then */
            for (int i = 0; i < 3; i++) {
                hfc_client_send_pcm(client, streams[i], pcm, 320);
                hfc_client_send_tokens(client, streams[i], tokens, 1);
            }
            hfc_client_event ev;
            while (hfc_client_receive(client, &ev, 0) == HFC_OK)
                ;
        }
    }
    usleep(500000);
    CHECK(stat_of(d, 0) == 3);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    CHECK_MSG(settles(d, 0, 0, 5000), "the killed client's streams were not released");
    CHECK(settles(d, 1, 0, 5000));
    check_still_serving(d, "after a killed client");
    printf("  client killed mid-stream: its 3 streams released, daemon serving\n");
}

static void check_never_reads(hfcd_test_daemon *d)
{
    int fd = hfcd_test_connect(d->socket_path);
    CHECK(hfcd_test_hello(fd) == 0);
    open_raw(fd, 1, HFC_PROTO_DIR_BOTH, HFC_PROTO_FORMAT_F32);
    float pcm[1600] = {0};
    int sent = 0;
    for (; sent < 20000; sent++) { /* until the daemon pushes back */
        uint8_t msg[HFC_PROTO_HEADER_BYTES + sizeof pcm];
        size_t n =
            hfc_proto_write_message(msg, HFC_MSG_PCM_IN, 0, 1, (uint32_t)sent, pcm, sizeof pcm);
        if (send(fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)n)
            break;
    }
    CHECK_MSG(sent < 20000, "the daemon never pushed back");
    /* Meanwhile another client is served in real time. */
    hfc_client *client = hfc_client_create(d->socket_path, NULL, NULL);
    int stream = client ? hfc_client_open(client, NULL, NULL) : -1;
    double worst = 0;
    for (int i = 0; i < 50 && stream > 0; i++) {
        hfc_token tokens[8];
        double t0 = now_s();
        CHECK(hfc_client_encode_push(client, stream, pcm, 320, tokens, 8) == 1);
        double dt = now_s() - t0;
        worst = dt > worst ? dt : worst;
    }
    CHECK_MSG(worst < 0.5, "a push took %.0f ms next to a client that never reads", worst * 1e3);
    hfc_client_destroy(client);
    /* The stall timeout (1.5 s here) cuts the non-reader off: its socket ends. */
    double t0 = now_s();
    CHECK(settles(d, 1, 0, 6000));
    CHECK(ends(fd, 3000));
    close(fd);
    printf("  a client that never reads: pushed back after %d requests, others served "
           "(worst %.1f ms), cut off after %.1f s\n", sent, worst * 1e3, now_s() - t0);
}

static void check_silent(hfcd_test_daemon *d)
{
    int fd = hfcd_test_connect(d->socket_path); /* no HELLO */
    CHECK(ends(fd, 4000));
    close(fd);
    fd = hfcd_test_connect(d->socket_path);
    CHECK(hfcd_test_hello(fd) == 0);
    CHECK(expect_error(fd, 0, NULL, 0) == HFC_ERR_TIMEOUT); /* idle */
    CHECK(ends(fd, 2000));
    close(fd);
    printf("  silent clients: cut off by the hello and idle timeouts\n");
}

static void check_drop_policy(hfcd_test_daemon *d)
{
    hfc_client *client = hfc_client_create(d->socket_path, NULL, NULL);
    hfc_client_stream_options o;
    hfc_client_stream_options_init(&o);
    o.direction = HFC_CLIENT_ENCODE;
    o.drop_when_full = 1;
    o.queue_messages = 1;
    hfc_client_stream_info si;
    int stream = client ? hfc_client_open(client, &o, &si) : -1;
    CHECK(stream > 0 && si.queue_messages == 1);
    if (stream <= 0) {
        hfc_client_destroy(client);
        return;
    }
    int64_t n = si.max_samples_per_push;
    float *pcm = calloc((size_t)n, sizeof *pcm);
    const int count = 40;
    for (int i = 0; i < count; i++)
        CHECK(hfc_client_send_pcm(client, stream, pcm, n) >= 0);
    int tokens = 0, dropped = 0;
    for (int i = 0; i < count; i++) {
        hfc_client_event ev;
        if (hfc_client_receive(client, &ev, 10000) != HFC_OK)
            break;
        CHECK((int)ev.seq > 0 && ev.stream == stream);
        tokens += ev.type == HFC_CLIENT_EVENT_TOKENS;
        dropped += ev.type == HFC_CLIENT_EVENT_DROPPED;
    }
    CHECK_MSG(tokens + dropped == count, "%d replies + %d drops for %d requests", tokens, dropped,
              count);
    CHECK_MSG(dropped > 0, "nothing dropped with a queue of 1");
    hfc_client_stats stats;
    CHECK(hfc_client_get_stats(client, stream, &stats) == HFC_OK &&
          stats.stream_dropped == dropped);
    printf("  drop policy: %d of %d requests dropped with DROPPED, the rest answered\n", dropped,
           count);
    free(pcm);
    hfc_client_destroy(client);
}

static void check_allow_list(void)
{
    hfcd_test_daemon d;
    const char *extra[] = {"--allow-uid", "4242", "--allow-gid", "4243", NULL};
    if (hfcd_test_start(&d, exe, model_path, extra) != 0) {
        CHECK_MSG(0, "daemon with an allow-list did not start");
    } else {
        int st;
        hfc_client *client = hfc_client_create(d.socket_path, NULL, &st);
        CHECK_MSG(!client && st == HFC_ERR_REFUSED, "a uid outside the allow-list got %s",
                  hfc_strerror(st));
        hfc_client_destroy(client);
        CHECK(hfcd_test_stop(&d, SIGTERM, 10000) == 0);
        printf("  allow-list: uid %u refused\n", (unsigned)getuid());
    }
    hfcd_test_cleanup(&d);
}

static void check_admission(void)
{
    hfcd_test_daemon d;
    const char *extra[] = {"--cpu-budget", "0.01", "--threads", "1", NULL};
    if (hfcd_test_start(&d, exe, model_path, extra) != 0) {
        CHECK_MSG(0, "daemon with a small budget did not start");
        hfcd_test_cleanup(&d);
        return;
    }
    hfc_client *client = hfc_client_create(d.socket_path, NULL, NULL);
    hfc_client_stats stats;
    CHECK(client && hfc_client_get_stats(client, 0, &stats) == HFC_OK);
    /* The causal model needs a few percent of a CPU per duplex stream here: the
     * first streams fit a 1% budget only if the machine is very fast. */
    int opened = 0, st = HFC_OK;
    while (client && opened < 16 && (st = hfc_client_open(client, NULL, NULL)) > 0)
        opened++;
    CHECK_MSG(st == HFC_ERR_REFUSED, "stream %d: %s, not refused", opened + 1, hfc_strerror(st));
    hfc_client_stream_options o;
    hfc_client_stream_options_init(&o);
    o.mode = HFC_CLIENT_UTTERANCE;
    CHECK(client && hfc_client_open(client, &o, NULL) > 0); /* offline: no real-time cost */
    printf("  admission: budget %.3f CPU, stream cost %.3f ms/frame, refused after %d\n",
           stats.cpu_budget_permille / 1000.0,
           (stats.encode_us_per_frame + stats.decode_us_per_frame) / 1000.0, opened);
    hfc_client_destroy(client);
    CHECK(hfcd_test_stop(&d, SIGTERM, 10000) == 0);
    hfcd_test_cleanup(&d);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_daemon_robust HIFICODECD MODEL\n");
        return 2;
    }
    exe = argv[1];
    model_path = argv[2];
    hfc_test_seed();
    model = hfc_model_load_file(model_path, NULL, NULL);
    if (!model)
        return 1;
    hfc_model_get_info(model, &info);
    hfcd_test_daemon d;
    const char *extra[] = {"--max-streams-per-client", "4", "--idle-timeout-ms", "1500",
                           "--hello-timeout-ms", "1000", "--stall-timeout-ms", "1500",
                           "--cpu-budget", "0", NULL};
    if (hfcd_test_start(&d, exe, model_path, extra) != 0) {
        hfcd_test_cleanup(&d);
        return 1;
    }
    check_handshake_errors(&d);
    check_malformed(&d);
    check_killed_client(&d);
    check_never_reads(&d);
    check_silent(&d);
    check_drop_policy(&d);
    CHECK_MSG(hfcd_test_alive(&d), "the daemon died");
    CHECK_MSG(hfcd_test_stop(&d, SIGTERM, 20000) == 0, "the daemon did not exit cleanly");
    if (hfc_test_failures)
        hfcd_test_print_log(&d);
    hfcd_test_cleanup(&d);
    check_allow_list();
    check_admission();
    hfc_model_free(model);
    return hfc_test_finish("test_daemon_robust");
}
