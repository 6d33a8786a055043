#include "daemon_harness.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/protocol.h"

extern char **environ;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int hfcd_test_prepare(hfcd_test_daemon *d)
{
    memset(d, 0, sizeof *d);
    d->pid = -1;
    d->exit_status = -1;
    d->notify_fd = -1;
    snprintf(d->dir, sizeof d->dir, "/tmp/hfcd-test-XXXXXX");
    if (!mkdtemp(d->dir))
        return -1;
    snprintf(d->socket_path, sizeof d->socket_path, "%s/hfcd.sock", d->dir);
    snprintf(d->notify_path, sizeof d->notify_path, "%s/notify.sock", d->dir);
    snprintf(d->log_path, sizeof d->log_path, "%s/daemon.log", d->dir);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(d->notify_path) >= sizeof addr.sun_path)
        return -1;
    memcpy(addr.sun_path, d->notify_path, strlen(d->notify_path) + 1);
    d->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (d->notify_fd < 0 || bind(d->notify_fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        return -1;
    return 0;
}

int hfcd_test_spawn(hfcd_test_daemon *d, char *const argv[], char *const extra_env[])
{
    fflush(NULL);
    const pid_t parent = getpid();
    d->pid = fork();
    if (d->pid < 0)
        return -1;
    if (d->pid == 0) {
        /* A harness killed by a timeout or ^C must not leave its daemon running
         * (found: an orphaned daemon kept serving a SIGSTOPped client at 60% CPU).
         * The signal follows the forking thread: the harnesses fork from main. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        FILE *log = freopen(d->log_path, "w", stderr);
        (void)log;
        setenv("NOTIFY_SOCKET", d->notify_path, 1);
        unsetenv("JOURNAL_STREAM");
        for (int i = 0; extra_env && extra_env[i]; i++)
            putenv(extra_env[i]);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return 0;
}

int hfcd_test_start(hfcd_test_daemon *d, const char *exe, const char *model,
                    const char *const extra[])
{
    if (hfcd_test_prepare(d) != 0)
        return -1;
    const char *argv[64] = {exe,          "--config", "/dev/null", "--model", model, "--socket",
                            d->socket_path, "--log-level", "debug"};
    int n = 9;
    for (int i = 0; extra && extra[i] && n < 62; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    if (hfcd_test_spawn(d, (char *const *)argv, NULL) != 0)
        return -1;
    if (hfcd_test_wait_notice(d, "READY=1", 60000) != 0) {
        fprintf(stderr, "hificodecd did not become ready\n");
        hfcd_test_print_log(d);
        return -1;
    }
    return 0;
}

static void read_notices(hfcd_test_daemon *d)
{
    char buf[1024];
    ssize_t n;
    while ((n = recv(d->notify_fd, buf, sizeof buf - 1, 0)) > 0) {
        if (d->n_notices + (size_t)n + 2 >= sizeof d->notices)
            d->n_notices = 0; /* keep the latest */
        memcpy(d->notices + d->n_notices, buf, (size_t)n);
        d->n_notices += (size_t)n;
        d->notices[d->n_notices++] = '\n';
        d->notices[d->n_notices] = '\0';
    }
}

int hfcd_test_wait_notice(hfcd_test_daemon *d, const char *what, int timeout_ms)
{
    long end = now_ms() + timeout_ms;
    for (;;) {
        read_notices(d);
        if (strstr(d->notices, what))
            return 0;
        long left = end - now_ms();
        if (left <= 0 || !hfcd_test_alive(d))
            return -1;
        struct pollfd pfd = {d->notify_fd, POLLIN, 0};
        poll(&pfd, 1, left < 100 ? (int)left : 100);
    }
}

/* Reaps the daemon if it has exited; returns whether it has. */
static int reap(hfcd_test_daemon *d, int options)
{
    int status;
    if (d->pid <= 0)
        return 1;
    if (waitpid(d->pid, &status, options) != d->pid)
        return 0;
    d->pid = -1;
    d->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 1;
}

int hfcd_test_alive(hfcd_test_daemon *d)
{
    return !reap(d, WNOHANG);
}

int hfcd_test_stop(hfcd_test_daemon *d, int sig, int timeout_ms)
{
    if (d->pid > 0)
        kill(d->pid, sig);
    long end = now_ms() + timeout_ms;
    while (!reap(d, WNOHANG)) {
        if (now_ms() >= end) {
            kill(d->pid, SIGKILL);
            reap(d, 0);
            return -1;
        }
        usleep(10000);
    }
    return d->exit_status;
}

void hfcd_test_print_log(const hfcd_test_daemon *d)
{
    FILE *f = fopen(d->log_path, "r");
    if (!f)
        return;
    fprintf(stderr, "---- hificodecd log (%s) ----\n", d->log_path);
    char line[1024];
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fprintf(stderr, "---- end of log ----\n");
    fclose(f);
}

void hfcd_test_cleanup(hfcd_test_daemon *d)
{
    if (d->pid > 0)
        hfcd_test_stop(d, SIGKILL, 5000);
    if (d->notify_fd >= 0)
        close(d->notify_fd);
    unlink(d->socket_path);
    unlink(d->notify_path);
    unlink(d->log_path);
    rmdir(d->dir);
}

int hfcd_test_connect(const char *socket_path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof addr.sun_path)
        return -1;
    memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

long hfcd_test_recv(int fd, void *buf, size_t cap, int timeout_ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return -1;
    return (long)recv(fd, buf, cap, MSG_DONTWAIT);
}

int hfcd_test_hello(int fd)
{
    uint8_t msg[64], reply[512];
    hfc_proto_hello hello = {HFC_PROTO_VERSION_MIN, HFC_PROTO_VERSION_MAX, "raw-test"};
    uint8_t *body = msg + HFC_PROTO_HEADER_BYTES;
    size_t n = hfc_proto_write_message(msg, HFC_MSG_HELLO, 0, 0, 1, body,
                                       hfc_proto_write_hello(body, &hello));
    if (send(fd, msg, n, MSG_NOSIGNAL) != (ssize_t)n)
        return -1;
    long got = hfcd_test_recv(fd, reply, sizeof reply, 10000);
    hfc_proto_header h;
    return got > 0 && hfc_proto_parse_header(reply, (size_t)got, &h) == HFC_OK &&
                   h.type == HFC_MSG_HELLO_OK
               ? 0
               : -1;
}
