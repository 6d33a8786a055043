/* Socket activation as systemd does it, with Debian's systemd-socket-activate: it
 * owns the SOCK_SEQPACKET socket and starts hificodecd (LISTEN_FDS) on the first
 * connection. That connection is served (bit-exact), READY=1 arrives on a real
 * NOTIFY_SOCKET, and SIGTERM ends the daemon with status 0.
 * Usage: test_daemon_activation SYSTEMD_SOCKET_ACTIVATE HIFICODECD CAUSAL_MODEL */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "hificodec.h"
#include "test_util.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_daemon_activation SYSTEMD_SOCKET_ACTIVATE HIFICODECD MODEL\n");
        return 2;
    }
    if (access(argv[1], X_OK) != 0) {
        printf("no %s: skipped\n", argv[1]);
        return HFC_TEST_SKIP;
    }
    hfc_model *model = hfc_model_load_file(argv[3], NULL, NULL);
    if (!model)
        return 1;
    hfcd_test_daemon d;
    if (hfcd_test_prepare(&d) != 0)
        return 1;
    char listen[256], notify[256];
    snprintf(listen, sizeof listen, "--listen=%s", d.socket_path);
    snprintf(notify, sizeof notify, "--setenv=NOTIFY_SOCKET=%s", d.notify_path);
    char *args[] = {argv[1], "--seqpacket", listen, notify, argv[2], "--config", "/dev/null",
                    "--model", argv[3], "--log-level", "debug", NULL};
    CHECK(hfcd_test_spawn(&d, args, NULL) == 0);
    for (int i = 0; i < 500 && access(d.socket_path, F_OK) != 0; i++)
        usleep(10000);
    CHECK_MSG(access(d.socket_path, F_OK) == 0, "systemd-socket-activate made no socket");
    CHECK_MSG(hfcd_test_wait_notice(&d, "READY=1", 300) != 0, "READY=1 before any connection");

    hfc_client_options co;
    hfc_client_options_init(&co);
    co.timeout_ms = 60000; /* the first connection waits for the model to load */
    int st;
    hfc_client *client = hfc_client_create(d.socket_path, &co, &st);
    CHECK_MSG(client, "connect through activation: %s", hfc_strerror(st));
    CHECK_MSG(hfcd_test_wait_notice(&d, "READY=1", 30000) == 0, "no READY=1");
    int stream = client ? hfc_client_open(client, NULL, NULL) : -1;
    CHECK(stream > 0);
    float pcm[3200];
    for (int i = 0; i < 3200; i++)
        pcm[i] = 0.3f * sinf(0.02f * (float)i);
    hfc_token want[64], got[64];
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    int64_t w = hfc_encoder_push(enc, pcm, 3200, want, 16);
    int64_t g = stream > 0 ? hfc_client_encode_push(client, stream, pcm, 3200, got, 16) : -1;
    CHECK(g == w && g > 0 && memcmp(want, got, (size_t)g * 4 * sizeof *got) == 0);
    hfc_encoder_destroy(enc);
    hfc_client_destroy(client);
    CHECK_MSG(hfcd_test_stop(&d, SIGTERM, 20000) == 0, "no clean exit");
    if (hfc_test_failures)
        hfcd_test_print_log(&d);
    else
        printf("activated on the first connection, READY=1 sent, served it bit-exact, exit 0\n");
    hfcd_test_cleanup(&d);
    hfc_model_free(model);
    return hfc_test_finish("test_daemon_activation");
}
