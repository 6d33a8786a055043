/* Runs the real hificodecd for a test: in a fresh temp directory, on a real socket,
 * with a real NOTIFY_SOCKET of our own, so readiness is the daemon's READY=1 (as
 * under systemd) rather than a sleep. Its stderr goes to a log file that is printed
 * when a test fails. */
#ifndef HFCD_TEST_HARNESS_H
#define HFCD_TEST_HARNESS_H

#include <sys/types.h>

typedef struct hfcd_test_daemon {
    pid_t pid;           /* -1 once it has exited */
    int exit_status;     /* then: as hfcd_test_stop returns it */
    char dir[128];
    char socket_path[192];
    char notify_path[192];
    char log_path[192];
    int notify_fd;
    char notices[8192];  /* every notify datagram so far, newline-separated */
    size_t n_notices;
} hfcd_test_daemon;

/* Creates the directory and the notify socket. Returns 0 or -1. */
int hfcd_test_prepare(hfcd_test_daemon *d);

/* Starts argv (NULL-terminated; argv[0] a path) with NOTIFY_SOCKET set and the
 * extra environment (NAME=VALUE strings, NULL-terminated, may be NULL). */
int hfcd_test_spawn(hfcd_test_daemon *d, char *const argv[], char *const extra_env[]);

/* prepare + spawn of `exe --config /dev/null --model model --socket DIR/hfcd.sock
 * --log-level debug [extra...]`, then waits for READY=1. Returns 0 or -1. */
int hfcd_test_start(hfcd_test_daemon *d, const char *exe, const char *model,
                    const char *const extra[]);

/* Waits until a notify datagram containing `what` has arrived (also earlier).
 * Returns 0, or -1 after timeout_ms. */
int hfcd_test_wait_notice(hfcd_test_daemon *d, const char *what, int timeout_ms);

/* Sends sig and waits up to timeout_ms for the exit: returns the exit status,
 * 128 + signal if it was killed by one, or -1 on timeout (it is then killed). */
int hfcd_test_stop(hfcd_test_daemon *d, int sig, int timeout_ms);

/* Whether the daemon is still running. */
int hfcd_test_alive(hfcd_test_daemon *d);

/* Prints the daemon's log to stderr. */
void hfcd_test_print_log(const hfcd_test_daemon *d);

/* Kills the daemon if running, removes the directory. */
void hfcd_test_cleanup(hfcd_test_daemon *d);

/* A raw SOCK_SEQPACKET connection to the daemon, for malformed messages. -1 on error. */
int hfcd_test_connect(const char *socket_path);

/* Receives one message with a timeout; returns its size, 0 at end of stream, -1 on
 * timeout or error. */
long hfcd_test_recv(int fd, void *buf, size_t cap, int timeout_ms);

/* A valid HELLO exchange on a raw connection; returns 0 or -1. */
int hfcd_test_hello(int fd);

#endif
