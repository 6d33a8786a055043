#include "sd.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int hfcd_sd_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !path[0])
        return 0;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t n = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || n >= sizeof addr.sun_path)
        return -1;
    memcpy(addr.sun_path, path, n);
    if (path[0] == '@')
        addr.sun_path[0] = '\0'; /* abstract namespace */
    socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* Never wait: a manager that does not read must not stall the event loop (a
     * full datagram queue blocks a sender after net.unix.max_dgram_qlen). */
    ssize_t sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT,
                          (struct sockaddr *)&addr, addr_len);
    close(fd);
    return sent == (ssize_t)strlen(state) ? 1 : -1;
}

int hfcd_sd_notifyf(const char *fmt, ...)
{
    char state[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(state, sizeof state, fmt, ap);
    va_end(ap);
    return hfcd_sd_notify(state);
}

/* $name as a positive integer, or 0 when unset or malformed. */
static unsigned long long env_number(const char *name)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    return errno || *end ? 0 : v;
}

/* Whether $pid_name, when set, names this process (it is unset when a variable
 * was meant for a parent that exec'd us without cleaning up). */
static int meant_for_us(const char *pid_name, int required)
{
    if (!getenv(pid_name))
        return !required;
    return env_number(pid_name) == (unsigned long long)getpid();
}

int hfcd_sd_listen_fds(void)
{
    int n = 0;
    if (meant_for_us("LISTEN_PID", 1)) {
        unsigned long long fds = env_number("LISTEN_FDS");
        n = fds > 64 ? 0 : (int)fds;
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    for (int fd = HFCD_SD_LISTEN_FDS_START; fd < HFCD_SD_LISTEN_FDS_START + n; fd++)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    return n;
}

uint64_t hfcd_sd_watchdog_usec(void)
{
    return meant_for_us("WATCHDOG_PID", 0) ? env_number("WATCHDOG_USEC") : 0;
}
