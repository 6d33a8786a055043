/* Connections: accepting (limits, peer credentials, the allow-list), reading
 * requests, the loop's own replies, epoll interest, and tearing down. What each
 * request means is dispatch.c's. */
#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "dispatch.h"
#include "log.h"
#include "stream.h"

#define READS_PER_EVENT 32       /* then other connections get their turn */

void hfcd_conn_ref(hfcd_conn *c)
{
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

void hfcd_conn_unref(hfcd_conn *c)
{
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    /* No stream can send on the socket any more: now its number may be reused. */
    close(c->watch.fd);
    free(c->streams);
    free(c->held);
    free(c);
}

static int id_listed(unsigned id, const unsigned *list, int n)
{
    for (int i = 0; i < n; i++)
        if (list[i] == id)
            return 1;
    return 0;
}

/* The allow-list: the peer's uid, or its primary or a supplementary gid. */
static int peer_allowed(const hfcd_config *cfg, int fd, const struct ucred *peer)
{
    if (cfg->n_allow_uids == 0 && cfg->n_allow_gids == 0)
        return 1;
    if (id_listed(peer->uid, cfg->allow_uids, cfg->n_allow_uids) ||
        id_listed(peer->gid, cfg->allow_gids, cfg->n_allow_gids))
        return 1;
    gid_t groups[256];
    socklen_t n = sizeof groups;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &n) != 0)
        return 0;
    for (size_t i = 0; i < n / sizeof groups[0]; i++)
        if (id_listed(groups[i], cfg->allow_gids, cfg->n_allow_gids))
            return 1;
    return 0;
}

/* An ERROR on a connection we are about to close; best effort. */
static void refuse(int fd, int status, const char *text)
{
    uint8_t msg[HFC_PROTO_HEADER_BYTES + HFC_PROTO_ERROR_MAX_BYTES];
    uint8_t *body = msg + HFC_PROTO_HEADER_BYTES;
    size_t n = hfc_proto_write_message(msg, HFC_MSG_ERROR, 0, 0, 0, body,
                                       hfc_proto_write_error(body, status, text));
    (void)!send(fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    close(fd);
}

/* Connections beyond max-clients that are kept only to be refused at HELLO. */
#define MAX_REFUSED_CLIENTS 16

static void accept_one(hfcd_daemon *d, int fd)
{
    const hfcd_config *cfg = d->config;
    struct ucred peer = {0, (uid_t)-1, (gid_t)-1};
    socklen_t n_peer = sizeof peer;
    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &n_peer);
    int refusal = HFC_OK;
    const char *why = NULL;
    if (d->draining) {
        refusal = HFC_ERR_REFUSED;
        why = "hificodecd is shutting down";
    } else if (!peer_allowed(cfg, fd, &peer)) {
        refusal = HFC_ERR_REFUSED;
        why = "this user is not allowed to use hificodecd (allow-uid, allow-gid)";
    } else if (d->n_conns >= cfg->max_clients) {
        refusal = HFC_ERR_REFUSED;
        why = "too many clients (max-clients)";
    }
    if (refusal != HFC_OK)
        hfcd_log(HFCD_LOG_WARN, "refusing pid %d uid %u gid %u: %s", (int)peer.pid,
                 (unsigned)peer.uid, (unsigned)peer.gid, why);
    if (refusal != HFC_OK && d->n_conns >= cfg->max_clients + MAX_REFUSED_CLIENTS) {
        refuse(fd, refusal, why); /* a flood: no memory spent on it */
        return;
    }
    hfcd_conn *c = calloc(1, sizeof *c);
    hfcd_stream **streams = calloc((size_t)cfg->max_streams_per_client, sizeof *streams);
    if (!c || !streams) {
        free(c);
        free(streams);
        refuse(fd, HFC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    c->watch.kind = HFCD_WATCH_CONN;
    c->watch.fd = fd;
    atomic_init(&c->refs, 1);
    atomic_init(&c->noticed, 0);
    atomic_init(&c->awaiting_codec, 0);
    c->daemon = d;
    c->peer = peer;
    c->streams = streams;
    c->state = HFCD_CONN_HELLO;
    c->refusal = refusal;
    c->refusal_text = why;
    c->last_request_ms = hfcd_now_ms();
    c->events = EPOLLIN;
    struct epoll_event ev = {.events = c->events, .data.ptr = &c->watch};
    if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        hfcd_log(HFCD_LOG_ERROR, "epoll_ctl: %s", strerror(errno));
        free(streams);
        free(c);
        refuse(fd, HFC_ERR_IO, "internal error");
        return;
    }
    c->next = d->conns;
    if (d->conns)
        d->conns->prev = c;
    d->conns = c;
    d->n_conns++;
    if (refusal == HFC_OK)
        hfcd_log(HFCD_LOG_INFO, "client connected: pid %d uid %u gid %u (fd %d)", (int)peer.pid,
                 (unsigned)peer.uid, (unsigned)peer.gid, fd);
}

void hfcd_conn_accept(hfcd_daemon *d, int listen_fd)
{
    for (int i = 0; i < 16; i++) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                hfcd_log(HFCD_LOG_WARN, "accept: %s", strerror(errno));
            return;
        }
        accept_one(d, fd);
    }
}

hfcd_stream *hfcd_conn_find_stream(hfcd_conn *c, uint32_t id)
{
    for (int i = 0; i < c->n_streams; i++)
        if (c->streams[i]->id == id && !atomic_load(&c->streams[i]->ending))
            return c->streams[i];
    return NULL;
}

void hfcd_conn_update_events(hfcd_conn *c)
{
    int any_blocked = 0;
    for (int i = 0; i < c->n_streams; i++)
        any_blocked |= atomic_load(&c->streams[i]->blocked);
    uint32_t want = (c->n_held || c->n_control) ? 0 : EPOLLIN;
    if (any_blocked || c->n_control)
        want |= EPOLLOUT;
    if (any_blocked || c->n_control) {
        if (!c->blocked_since_ms)
            c->blocked_since_ms = hfcd_now_ms();
    } else {
        c->blocked_since_ms = 0;
    }
    if (want == c->events)
        return;
    struct epoll_event ev = {.events = want, .data.ptr = &c->watch};
    if (epoll_ctl(c->daemon->epoll_fd, EPOLL_CTL_MOD, c->watch.fd, &ev) == 0)
        c->events = want;
}

void hfcd_conn_send_control(hfcd_conn *c, uint16_t type, uint32_t stream, uint32_t seq,
                            const void *body, size_t n_body)
{
    if (c->n_control)
        return; /* only DROPPED can come while one waits: it is best effort */
    uint8_t msg[HFCD_CONN_CONTROL_BYTES];
    size_t n = hfc_proto_write_message(msg, type, 0, stream, seq, body, n_body);
    if (send(c->watch.fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n)
        return;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        memcpy(c->control, msg, n);
        c->n_control = n;
        hfcd_conn_update_events(c);
    }
    /* Any other error: the peer is gone, and epoll reports the hang-up. */
}

void hfcd_conn_send_error(hfcd_conn *c, uint32_t stream, uint32_t seq, int status,
                          const char *fmt, ...)
{
    char text[HFC_PROTO_MAX_TEXT_BYTES + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    uint8_t body[HFC_PROTO_ERROR_MAX_BYTES];
    hfc_proto_write_error(body, status, text);
    hfcd_conn_send_control(c, HFC_MSG_ERROR, stream, seq, body, 4 + strlen(text));
}

/* Removes stream i from the table and drops the loop's reference. */
static void remove_stream(hfcd_conn *c, int i)
{
    hfcd_stream *s = c->streams[i];
    c->streams[i] = c->streams[--c->n_streams];
    c->daemon->cpu_committed -= s->cost;
    if (c->daemon->cpu_committed < 1e-9)
        c->daemon->cpu_committed = 0;
    hfcd_stream_unref(s);
}

void hfcd_conn_drop(hfcd_conn *c, int status, const char *why)
{
    hfcd_daemon *d = c->daemon;
    if (c->state == HFCD_CONN_DEAD)
        return;
    if (status != HFC_OK) {
        uint8_t msg[HFC_PROTO_HEADER_BYTES + HFC_PROTO_ERROR_MAX_BYTES];
        uint8_t *body = msg + HFC_PROTO_HEADER_BYTES;
        size_t n = hfc_proto_write_message(msg, HFC_MSG_ERROR, 0, 0, 0, body,
                                           hfc_proto_write_error(body, status, why));
        (void)!send(c->watch.fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    hfcd_log(status == HFC_OK ? HFCD_LOG_INFO : HFCD_LOG_WARN,
             "client pid %d uid %u disconnected: %s", (int)c->peer.pid, (unsigned)c->peer.uid, why);
    epoll_ctl(d->epoll_fd, EPOLL_CTL_DEL, c->watch.fd, NULL);
    /* Workers may still be sending: shut the socket down now (their sends fail),
     * close it when the last stream lets go. */
    shutdown(c->watch.fd, SHUT_RDWR);
    while (c->n_streams > 0) {
        atomic_store(&c->streams[c->n_streams - 1]->killed, 1);
        remove_stream(c, c->n_streams - 1);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        d->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    d->n_conns--;
    c->state = HFCD_CONN_DEAD;
    c->next = d->dropped; /* the loop's reference goes after this epoll batch */
    d->dropped = c;
}

/* Sends the waiting control reply and lets blocked streams try again. */
static void on_writable(hfcd_conn *c)
{
    if (c->n_control) {
        ssize_t sent = send(c->watch.fd, c->control, c->n_control, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent == (ssize_t)c->n_control)
            c->n_control = 0;
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            return; /* gone: the hang-up follows */
    }
    for (int i = 0; i < c->n_streams; i++) {
        hfcd_stream *s = c->streams[i];
        if (atomic_exchange(&s->blocked, 0))
            hfcd_stream_schedule(s);
    }
    if (c->n_held && !c->n_control)
        hfcd_dispatch_held(c);
    hfcd_conn_update_events(c);
}

static void read_requests(hfcd_conn *c)
{
    hfcd_daemon *d = c->daemon;
    size_t max = (size_t)d->config->max_message_bytes;
    for (int i = 0;
         i < READS_PER_EVENT && c->state != HFCD_CONN_DEAD && !c->n_held && !c->n_control; i++) {
        struct iovec iov = {d->recv_buf, max};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        /* MSG_TRUNC: the real size of an oversized message, for the error. */
        ssize_t n = recvmsg(c->watch.fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            hfcd_conn_drop(c, HFC_OK, strerror(errno));
            return;
        }
        if (n == 0) {
            hfcd_conn_drop(c, HFC_OK, "closed by the client");
            return;
        }
        c->last_request_ms = hfcd_now_ms();
        hfcd_dispatch(c, d->recv_buf, (size_t)n, hfcd_now_ns());
    }
}

void hfcd_conn_on_event(hfcd_conn *c, uint32_t events)
{
    if ((events & EPOLLOUT) && c->state != HFCD_CONN_DEAD)
        on_writable(c);
    if ((events & EPOLLIN) && c->state != HFCD_CONN_DEAD)
        read_requests(c);
    if ((events & (EPOLLHUP | EPOLLERR)) && c->state != HFCD_CONN_DEAD)
        hfcd_conn_drop(c, HFC_OK, "hung up");
}

void hfcd_conn_reap(hfcd_conn *c)
{
    for (int i = c->n_streams - 1; i >= 0; i--)
        if (atomic_load(&c->streams[i]->finished))
            remove_stream(c, i);
}

void hfcd_conn_service(hfcd_conn *c)
{
    hfcd_daemon *d = c->daemon;
    if (c->state == HFCD_CONN_DEAD)
        return;
    hfcd_conn_reap(c);
    if (c->n_held && !c->n_control) /* its reply, if any, needs the control slot */
        hfcd_dispatch_held(c);
    hfcd_conn_update_events(c);
    if (d->draining && c->n_streams == 0 && !c->n_held)
        hfcd_conn_drop(c, HFC_ERR_CLOSED, "hificodecd is shutting down");
}
