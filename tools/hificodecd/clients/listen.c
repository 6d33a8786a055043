#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sd.h"

static int activated(hfcd_daemon *d, int n)
{
    if (n > HFCD_MAX_LISTEN) {
        hfcd_log(HFCD_LOG_ERROR, "socket activation passed %d sockets; at most %d", n,
                 HFCD_MAX_LISTEN);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int fd = HFCD_SD_LISTEN_FDS_START + i, type = 0, domain = 0, listening = 0;
        socklen_t len = sizeof type;
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
        len = sizeof domain;
        getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
        len = sizeof listening;
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
        if (type != SOCK_SEQPACKET || domain != AF_UNIX || !listening) {
            hfcd_log(HFCD_LOG_ERROR,
                     "socket activation: fd %d is not a listening AF_UNIX SOCK_SEQPACKET socket "
                     "(use ListenSequentialPacket= in the .socket unit)", fd);
            return -1;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        d->listen[d->n_listen++] = (hfcd_watch){HFCD_WATCH_LISTEN, fd};
    }
    hfcd_log(HFCD_LOG_INFO, "listening on %d socket(s) from systemd", n);
    return 0;
}

/* A socket file left by a daemon that died is removed; a live one is an error. */
static int clear_path(const char *path, const struct sockaddr_un *addr)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        hfcd_log(HFCD_LOG_ERROR, "%s exists and is not a socket", path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    int live = probe >= 0 && connect(probe, (const struct sockaddr *)addr, sizeof *addr) == 0;
    if (probe >= 0)
        close(probe);
    if (live) {
        hfcd_log(HFCD_LOG_ERROR, "%s: another daemon is listening there", path);
        return -1;
    }
    unlink(path);
    return 0;
}

static int group_id(const char *name, gid_t *gid)
{
    char *end;
    unsigned long v = strtoul(name, &end, 10);
    if (*name && !*end) {
        *gid = (gid_t)v;
        return 0;
    }
    struct group *gr = getgrnam(name);
    if (gr)
        *gid = gr->gr_gid;
    return gr ? 0 : -1;
}

static int create(hfcd_daemon *d)
{
    const hfcd_config *cfg = d->config;
    const char *path = cfg->socket_path;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        hfcd_log(HFCD_LOG_ERROR, "socket path too long: %s", path);
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    gid_t gid = (gid_t)-1;
    if (cfg->socket_group && group_id(cfg->socket_group, &gid) != 0) {
        hfcd_log(HFCD_LOG_ERROR, "socket-group: no group '%s'", cfg->socket_group);
        return -1;
    }
    if (clear_path(path, &addr) != 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* The file is born with the mode asked for: no window with wider access. */
    mode_t old_umask = umask(~(mode_t)cfg->socket_mode & 0777);
    int bound = fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    umask(old_umask);
    if (!bound || (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) != 0) ||
        chmod(path, cfg->socket_mode) != 0 || listen(fd, SOMAXCONN) != 0) {
        hfcd_log(HFCD_LOG_ERROR, "%s: %s", path, strerror(errno));
        if (bound)
            unlink(path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    d->listen[d->n_listen++] = (hfcd_watch){HFCD_WATCH_LISTEN, fd};
    d->own_socket_path = path;
    hfcd_log(HFCD_LOG_INFO, "listening on %s (mode %04o)", path, cfg->socket_mode);
    return 0;
}

int hfcd_listen_open(hfcd_daemon *d)
{
    int n = hfcd_sd_listen_fds();
    return n > 0 ? activated(d, n) : create(d);
}

void hfcd_listen_close(hfcd_daemon *d)
{
    for (int i = 0; i < d->n_listen; i++)
        close(d->listen[i].fd);
    d->n_listen = 0;
    if (d->own_socket_path) {
        unlink(d->own_socket_path);
        d->own_socket_path = NULL;
    }
}
