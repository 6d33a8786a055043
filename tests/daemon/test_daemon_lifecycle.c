/* hificodecd's life as a systemd service, checked on a real NOTIFY_SOCKET:
 *   SIGHUP reloads the model file: RELOADING=1 then READY=1; an open stream goes on
 *   with its model, bit-exact, while new streams and clients get the new one;
 *   the watchdog gets WATCHDOG=1 when $WATCHDOG_USEC asks for it;
 *   SIGTERM sends STOPPING=1, removes the socket, refuses new streams, lets open
 *   ones finish, and exits 0 once they are closed; streams still open at the drain
 *   deadline get an ERROR and the daemon exits 0 all the same;
 *   settings come from a config file (and a bad one stops the start, with exit 2).
 * Usage: test_daemon_lifecycle HIFICODECD CAUSAL_MODEL OTHER_MODEL */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "hificodec.h"
#include "test_util.h"

static hfc_model *model;
static hfc_encoder *reference;
static int64_t position;

static int copy_file(const char *from, const char *to)
{
    size_t n;
    uint8_t *bytes = hfc_test_read_file(from, &n);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp", to);
    int st = bytes && hfc_test_write_file(tmp, bytes, n) == 0 && rename(tmp, to) == 0 ? 0 : -1;
    free(bytes);
    return st;
}

/* Pushes the next 100 ms of a tone; checks the tokens against the in-process
 * encoder that has seen the same samples. */
static void push_exact(hfc_client *client, int stream, const char *when)
{
    float pcm[1600];
    for (int i = 0; i < 1600; i++)
        pcm[i] = 0.3f * sinf(0.05f * (float)(position + i));
    position += 1600;
    hfc_token want[64], got[64];
    int64_t w = hfc_encoder_push(reference, pcm, 1600, want, 16);
    int64_t g = hfc_client_encode_push(client, stream, pcm, 1600, got, 16);
    CHECK_MSG(g == w && g > 0 && memcmp(want, got, (size_t)g * 4 * sizeof *got) == 0,
              "%s: %lld frames vs %lld in-process, or different tokens", when, (long long)g,
              (long long)w);
}

static void forget_notices(hfcd_test_daemon *d)
{
    d->n_notices = 0;
    d->notices[0] = '\0';
}

static void check_reload_and_drain(const char *exe, const char *model_path, const char *other)
{
    hfcd_test_daemon d;
    if (hfcd_test_prepare(&d) != 0)
        return;
    char live_model[256];
    snprintf(live_model, sizeof live_model, "%s/model.safetensors", d.dir);
    CHECK(copy_file(model_path, live_model) == 0);
    char *argv[] = {(char *)exe, "--config", "/dev/null", "--model", live_model, "--socket",
                    d.socket_path, "--log-level", "debug", NULL};
    char *env[] = {"WATCHDOG_USEC=400000", NULL};
    CHECK(hfcd_test_spawn(&d, argv, env) == 0);
    if (hfcd_test_wait_notice(&d, "READY=1", 60000) != 0) {
        CHECK_MSG(0, "no READY=1");
        hfcd_test_print_log(&d);
        hfcd_test_cleanup(&d);
        return;
    }
    hfc_model *next = hfc_model_load_file(other, NULL, NULL);
    hfc_model_info old_info, new_info;
    hfc_model_get_info(model, &old_info);
    hfc_model_get_info(next, &new_info);
    hfc_model_free(next);

    hfc_client *a = hfc_client_create(d.socket_path, NULL, NULL);
    CHECK(a != NULL);
    int sa = a ? hfc_client_open(a, NULL, NULL) : -1;
    CHECK(sa > 0);
    push_exact(a, sa, "before the reload");
    CHECK_MSG(hfcd_test_wait_notice(&d, "WATCHDOG=1", 3000) == 0, "no WATCHDOG=1");

    /* Reload: the file changes under the daemon, then SIGHUP. */
    CHECK(copy_file(other, live_model) == 0);
    forget_notices(&d);
    kill(d.pid, SIGHUP);
    CHECK_MSG(hfcd_test_wait_notice(&d, "RELOADING=1", 10000) == 0, "no RELOADING=1");
    CHECK_MSG(hfcd_test_wait_notice(&d, "READY=1", 60000) == 0, "no READY=1 after the reload");
    push_exact(a, sa, "after the reload, on the open stream");
    hfc_client_stream_info si;
    int sb = a ? hfc_client_open(a, NULL, &si) : -1;
    CHECK_MSG(sb > 0 && si.model_id == new_info.model_id && si.model_id != old_info.model_id,
              "a new stream did not get the new model");
    hfc_client *c = hfc_client_create(d.socket_path, NULL, NULL);
    hfc_client_info ci;
    CHECK(c && hfc_client_get_info(c, &ci) == HFC_OK && ci.model_id == new_info.model_id);
    printf("  SIGHUP: RELOADING=1, READY=1; the open stream kept its model, new ones get "
           "%016llx\n", (unsigned long long)new_info.model_id);

    /* Drain: the open streams go on, nothing new starts. */
    forget_notices(&d);
    kill(d.pid, SIGTERM);
    CHECK_MSG(hfcd_test_wait_notice(&d, "STOPPING=1", 10000) == 0, "no STOPPING=1");
    push_exact(a, sa, "while draining");
    CHECK(hfc_client_open(a, NULL, NULL) == HFC_ERR_REFUSED);
    int st;
    hfc_client *late = hfc_client_create(d.socket_path, NULL, &st);
    CHECK_MSG(!late, "a client connected while draining");
    hfc_client_destroy(late);
    CHECK(access(d.socket_path, F_OK) != 0);
    CHECK(hfc_client_close_stream(a, sa) == HFC_OK);
    CHECK(hfcd_test_alive(&d)); /* stream sb is still open */
    CHECK(hfc_client_close_stream(a, sb) == HFC_OK);
    CHECK_MSG(hfcd_test_stop(&d, 0, 10000) == 0, "the daemon did not exit 0 after the drain");
    printf("  SIGTERM: STOPPING=1, socket gone, new streams refused, open ones served, exit 0\n");
    hfc_client_destroy(a);
    hfc_client_destroy(c);
    if (hfc_test_failures)
        hfcd_test_print_log(&d);
    unlink(live_model);
    hfcd_test_cleanup(&d);
}

static void check_drain_deadline(const char *exe, const char *model_path)
{
    hfcd_test_daemon d;
    const char *extra[] = {"--drain-timeout-ms", "300", NULL};
    if (hfcd_test_start(&d, exe, model_path, extra) != 0) {
        CHECK_MSG(0, "daemon did not start");
        hfcd_test_cleanup(&d);
        return;
    }
    hfc_client *a = hfc_client_create(d.socket_path, NULL, NULL);
    int sa = a ? hfc_client_open(a, NULL, NULL) : -1;
    CHECK(sa > 0);
    kill(d.pid, SIGTERM);
    hfc_client_event ev;
    int st = a ? hfc_client_receive(a, &ev, 10000) : HFC_ERR_IO;
    CHECK_MSG(st == HFC_OK && ev.type == HFC_CLIENT_EVENT_ERROR && ev.stream == sa &&
                  ev.status == HFC_ERR_CLOSED,
              "no ERROR for the stream at the drain deadline");
    CHECK_MSG(hfcd_test_stop(&d, 0, 10000) == 0, "the daemon did not exit 0 after the deadline");
    printf("  drain deadline: the open stream got ERROR (%s), exit 0\n",
           st == HFC_OK && ev.text ? ev.text : "?");
    hfc_client_destroy(a);
    hfcd_test_cleanup(&d);
}

static void check_config_file(const char *exe, const char *model_path)
{
    char dir[] = "/tmp/hfcd-conf-XXXXXX", path[64], bad[64];
    if (!mkdtemp(dir))
        return;
    snprintf(path, sizeof path, "%s/hificodecd.conf", dir);
    snprintf(bad, sizeof bad, "%s/bad.conf", dir);
    char text[512];
    snprintf(text, sizeof text,
             "# hificodecd test configuration\n"
             "model = %s\n"
             "  max-streams-per-client = 2  \n"
             "\n"
             "log-level = debug\n",
             model_path);
    CHECK(hfc_test_write_file(path, text, strlen(text)) == 0);
    const char *bad_text = "model = x\nmax-stream = 3\n";
    CHECK(hfc_test_write_file(bad, bad_text, strlen(bad_text)) == 0);

    hfcd_test_daemon d;
    if (hfcd_test_prepare(&d) == 0) {
        char *argv[] = {(char *)exe, "--config", path, "--socket", d.socket_path, NULL};
        CHECK(hfcd_test_spawn(&d, argv, NULL) == 0);
        CHECK_MSG(hfcd_test_wait_notice(&d, "READY=1", 60000) == 0, "no READY=1 with a config file");
        hfc_client *c = hfc_client_create(d.socket_path, NULL, NULL);
        CHECK(c && hfc_client_open(c, NULL, NULL) > 0 && hfc_client_open(c, NULL, NULL) > 0);
        CHECK_MSG(c && hfc_client_open(c, NULL, NULL) == HFC_ERR_REFUSED,
                  "max-streams-per-client from the config file not applied");
        hfc_client_destroy(c);
        CHECK(hfcd_test_stop(&d, SIGTERM, 10000) == 0);
    }
    hfcd_test_cleanup(&d);

    if (hfcd_test_prepare(&d) == 0) {
        char *argv[] = {(char *)exe, "--config", bad, "--socket", d.socket_path, NULL};
        CHECK(hfcd_test_spawn(&d, argv, NULL) == 0);
        CHECK_MSG(hfcd_test_stop(&d, 0, 10000) == 2, "a bad config file did not stop the start");
        size_t n = 0;
        char *log = (char *)hfc_test_read_file(d.log_path, &n);
        CHECK_MSG(log && strstr(log, "bad.conf:2"), "the error does not name the line");
        free(log);
    }
    hfcd_test_cleanup(&d);
    unlink(path);
    unlink(bad);
    rmdir(dir);
    printf("  config file: settings applied; an unknown key stops the start (exit 2, file:line)\n");
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_daemon_lifecycle HIFICODECD MODEL OTHER_MODEL\n");
        return 2;
    }
    model = hfc_model_load_file(argv[2], NULL, NULL);
    if (!model)
        return 1;
    reference = hfc_encoder_create(model, NULL, NULL);
    check_reload_and_drain(argv[1], argv[2], argv[3]);
    check_drain_deadline(argv[1], argv[2]);
    check_config_file(argv[1], argv[2]);
    hfc_encoder_destroy(reference);
    hfc_model_free(model);
    return hfc_test_finish("test_daemon_lifecycle");
}
