/* The event loop: one epoll set for the listening sockets, the clients, signals
 * (signalfd), a 100 ms tick (timerfd) and the eventfds of worker notices and model
 * reloads. Also what the tick does: cost updates, timeouts, the watchdog and the
 * SIGTERM drain. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "listen.h"
#include "log.h"
#include "maker.h"
#include "notice.h"
#include "sd.h"
#include "stream.h"
#include "workers.h"

#define TICK_MS 100
#define COST_UPDATE_MS 1000
#define DRAIN_GRACE_MS 2000 /* after the drain deadline: time for the final ERRORs */

int64_t hfcd_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t hfcd_now_ms(void)
{
    return hfcd_now_ns() / 1000000;
}

static int watch(hfcd_daemon *d, hfcd_watch *w)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
    return epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, w->fd, &ev);
}

int hfcd_loop_init(hfcd_daemon *d)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    d->signals = (hfcd_watch){HFCD_WATCH_SIGNAL, signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)};
    d->timer =
        (hfcd_watch){HFCD_WATCH_TIMER, timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)};
    d->notices = (hfcd_watch){HFCD_WATCH_NOTICE, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
    d->reloads = (hfcd_watch){HFCD_WATCH_RELOAD, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
    struct itimerspec tick = {{0, TICK_MS * 1000000}, {0, TICK_MS * 1000000}};
    if (d->epoll_fd < 0 || d->signals.fd < 0 || d->timer.fd < 0 || d->notices.fd < 0 ||
        d->reloads.fd < 0 || timerfd_settime(d->timer.fd, 0, &tick, NULL) != 0 ||
        watch(d, &d->signals) || watch(d, &d->timer) || watch(d, &d->notices) ||
        watch(d, &d->reloads)) {
        hfcd_log(HFCD_LOG_ERROR, "event loop setup: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < d->n_listen; i++) {
        if (watch(d, &d->listen[i]) != 0) {
            hfcd_log(HFCD_LOG_ERROR, "epoll: %s", strerror(errno));
            return -1;
        }
    }
    d->last_watchdog_ms = d->last_cost_update_ms = hfcd_now_ms();
    return 0;
}

void hfcd_loop_free(hfcd_daemon *d)
{
    int fds[] = {d->signals.fd, d->timer.fd, d->notices.fd, d->reloads.fd, d->epoll_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] > 0)
            close(fds[i]);
}

static void notify_status(hfcd_daemon *d)
{
    hfcd_sd_notifyf("STATUS=%s%d streams on %d connections; real-time CPU %.2f of %.2f",
                    d->draining ? "draining: " : "", atomic_load(&d->n_streams), d->n_conns,
                    d->cpu_committed, d->cpu_budget);
}

static void start_drain(hfcd_daemon *d)
{
    d->draining = 1;
    d->drain_deadline_ms = hfcd_now_ms() + d->config->drain_timeout_ms;
    hfcd_sd_notify("STOPPING=1");
    hfcd_log(HFCD_LOG_INFO, "stopping: %d streams may finish within %d ms",
             atomic_load(&d->n_streams), d->config->drain_timeout_ms);
    for (int i = 0; i < d->n_listen; i++)
        epoll_ctl(d->epoll_fd, EPOLL_CTL_DEL, d->listen[i].fd, NULL);
    hfcd_listen_close(d);
    for (hfcd_conn *c = d->conns, *next; c; c = next) {
        next = c->next;
        if (c->n_streams == 0)
            hfcd_conn_drop(c, HFC_ERR_CLOSED, "hificodecd is shutting down");
    }
    notify_status(d);
}

static void *reload_main(void *arg)
{
    hfcd_daemon *d = arg;
    d->reloaded = hfcd_model_load(d->config->model, d->config->ready_streams);
    uint64_t one = 1;
    (void)!write(d->reloads.fd, &one, sizeof one);
    return NULL;
}

static void start_reload(hfcd_daemon *d)
{
    if (d->reloading || d->draining) {
        hfcd_log(HFCD_LOG_WARN, "SIGHUP ignored: %s",
                 d->draining ? "stopping" : "already reloading");
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    hfcd_sd_notifyf("RELOADING=1\nMONOTONIC_USEC=%lld\nSTATUS=reloading %s",
                    (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000, d->config->model);
    hfcd_log(HFCD_LOG_INFO, "reloading %s", d->config->model);
    d->reloading = 1;
    if (pthread_create(&d->reload_thread, NULL, reload_main, d) != 0) {
        hfcd_log(HFCD_LOG_ERROR, "cannot start the reload thread");
        d->reloading = 0;
        hfcd_sd_notify("READY=1");
    }
}

static void finish_reload(hfcd_daemon *d)
{
    uint64_t count;
    (void)!read(d->reloads.fd, &count, sizeof count);
    pthread_join(d->reload_thread, NULL);
    d->reloading = 0;
    if (d->reloaded) {
        hfcd_model *old = d->model;
        d->model = d->reloaded;
        d->reloaded = NULL;
        hfcd_model_unref(old); /* open streams keep theirs */
        hfcd_maker_set_model(d->maker, d->model);
        hfcd_log(HFCD_LOG_INFO,
                 "model reloaded: '%s' %016llx; encode %.0f us + decode %.0f us per frame",
                 d->model->info.name, (unsigned long long)d->model->info.model_id,
                 d->model->encode_us, d->model->decode_us);
    } else {
        hfcd_log(HFCD_LOG_ERROR, "reload failed; still serving the previous model");
    }
    hfcd_sd_notify("READY=1");
    notify_status(d);
}

static void on_signal(hfcd_daemon *d)
{
    struct signalfd_siginfo si;
    while (read(d->signals.fd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            start_reload(d);
        } else if (!d->draining) {
            start_drain(d);
        } else {
            hfcd_log(HFCD_LOG_INFO, "second stop signal: not waiting for the streams");
            d->drain_deadline_ms = hfcd_now_ms();
        }
    }
}

static void check_timeouts(hfcd_daemon *d, int64_t now)
{
    const hfcd_config *cfg = d->config;
    for (hfcd_conn *c = d->conns, *next; c; c = next) {
        next = c->next;
        int64_t quiet = now - c->last_request_ms;
        if (c->state == HFCD_CONN_HELLO && quiet > cfg->hello_timeout_ms)
            hfcd_conn_drop(c, HFC_ERR_TIMEOUT, "no HELLO in time");
        else if (cfg->idle_timeout_ms > 0 && quiet > cfg->idle_timeout_ms)
            hfcd_conn_drop(c, HFC_ERR_TIMEOUT, "idle for longer than idle-timeout-ms");
        else if (c->blocked_since_ms && now - c->blocked_since_ms > cfg->stall_timeout_ms)
            hfcd_conn_drop(c, HFC_ERR_TIMEOUT,
                           "replies left unread for longer than stall-timeout-ms");
    }
}

/* Past the drain deadline every stream still open gets an ERROR (after its queued
 * replies); past the grace period the connections go. */
static void drain(hfcd_daemon *d, int64_t now)
{
    if (now < d->drain_deadline_ms)
        return;
    int final = now >= d->drain_deadline_ms + DRAIN_GRACE_MS;
    for (hfcd_conn *c = d->conns, *next; c; c = next) {
        next = c->next;
        for (int i = 0; i < c->n_streams && !final; i++) {
            hfcd_stream *s = c->streams[i];
            if (!s->closing)
                hfcd_stream_queue_failure(s, 0, HFC_ERR_CLOSED, "hificodecd is stopping");
        }
        if (final)
            hfcd_conn_drop(c, HFC_ERR_CLOSED, "hificodecd is stopping");
    }
}

static void watchdog(hfcd_daemon *d, int64_t now)
{
    int64_t interval_ms = (int64_t)(d->watchdog_usec / 2000);
    if (!d->watchdog_usec || now - d->last_watchdog_ms < interval_ms)
        return;
    /* Vouch only for a daemon whose workers still finish their turns. */
    int64_t max_turn_ms = interval_ms > 5000 ? interval_ms : 5000;
    if (!hfcd_workers_healthy(d->rt_workers, max_turn_ms)) {
        hfcd_log(HFCD_LOG_ERROR, "a worker is stuck: not feeding the watchdog");
        return;
    }
    hfcd_sd_notify("WATCHDOG=1");
    d->last_watchdog_ms = now;
}

static void on_tick(hfcd_daemon *d)
{
    uint64_t expirations;
    (void)!read(d->timer.fd, &expirations, sizeof expirations);
    int64_t now = hfcd_now_ms();
    if (now - d->last_cost_update_ms >= COST_UPDATE_MS) {
        hfcd_model_update_cost(d->model);
        d->last_cost_update_ms = now;
        notify_status(d);
    }
    check_timeouts(d, now);
    if (d->draining)
        drain(d, now);
    watchdog(d, now);
}

int hfcd_loop_run(hfcd_daemon *d)
{
    struct epoll_event events[64];
    while (!d->draining || d->n_conns > 0) {
        int n = epoll_wait(d->epoll_fd, events, 64, -1);
        if (n < 0 && errno != EINTR) {
            hfcd_log(HFCD_LOG_ERROR, "epoll_wait: %s", strerror(errno));
            return 1;
        }
        for (int i = 0; i < n; i++) {
            hfcd_watch *w = events[i].data.ptr;
            switch (w->kind) {
            case HFCD_WATCH_LISTEN: hfcd_conn_accept(d, w->fd); break;
            case HFCD_WATCH_SIGNAL: on_signal(d); break;
            case HFCD_WATCH_TIMER: on_tick(d); break;
            case HFCD_WATCH_NOTICE: hfcd_notice_drain(d); break;
            case HFCD_WATCH_RELOAD: finish_reload(d); break;
            case HFCD_WATCH_CONN:
                hfcd_conn_on_event((hfcd_conn *)w, events[i].events);
                break;
            }
        }
        /* Only now: a later event of the batch may have named a connection that
         * an earlier one dropped. */
        while (d->dropped) {
            hfcd_conn *c = d->dropped;
            d->dropped = c->next;
            hfcd_conn_unref(c);
        }
    }
    return 0;
}
