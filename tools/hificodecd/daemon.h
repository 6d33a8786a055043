/* The daemon's shared state. Threads:
 *   the event loop (loop.c): owns connections, the model pointer, admission and
 *     every epoll registration; it reads requests, validates them and queues them
 *     on their streams;
 *   real-time workers (workers.c): run streaming-mode streams from rt_queue;
 *   utterance workers: run utterance-mode streams (offline encode/decode), as many
 *     at once as there are real-time workers, so concurrent utterances use every
 *     core. While real-time streams are open they run from utt_queue at a lower
 *     priority, so they never take the CPU from those streams; with none open, from
 *     utt_fast_queue at normal priority, so they keep up with in-process work on a
 *     machine that other jobs load (a thread cannot raise its priority back once it
 *     lowered it, hence two pools). An utterance alone in an otherwise idle daemon
 *     runs on several threads (utterance.c);
 *   the reload thread: loads a model on SIGHUP;
 *   the maker (maker.h): makes the codecs new streams take (stock.h).
 * Workers talk back to the loop through notices (notice.h), never through locks. */
#ifndef HFCD_DAEMON_H
#define HFCD_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "jobq.h"
#include "latency.h"
#include "model.h"

typedef struct hfcd_conn hfcd_conn;
typedef struct hfcd_stream hfcd_stream;
typedef struct hfcd_workers hfcd_workers;
typedef struct hfcd_maker hfcd_maker;

/* What an epoll event's data.ptr points to: the first member of its owner. */
enum hfcd_watch_kind {
    HFCD_WATCH_LISTEN,
    HFCD_WATCH_SIGNAL,
    HFCD_WATCH_TIMER,
    HFCD_WATCH_NOTICE,
    HFCD_WATCH_RELOAD,
    HFCD_WATCH_CONN
};

typedef struct hfcd_watch {
    int kind;
    int fd;
} hfcd_watch;

#define HFCD_MAX_LISTEN 8

typedef struct hfcd_daemon {
    hfcd_config *config;
    int epoll_fd;
    hfcd_watch listen[HFCD_MAX_LISTEN];
    int n_listen;
    const char *own_socket_path; /* the socket we created (not activated): unlink at exit */
    hfcd_watch signals, timer, notices, reloads;

    hfcd_model *model;           /* what new streams get; the loop's reference */
    hfcd_jobq rt_queue, utt_queue, utt_fast_queue;
    hfcd_workers *rt_workers, *utt_workers, *utt_fast_workers;
    int n_rt_workers;
    hfcd_maker *maker;           /* codecs for new streams, made ahead (maker.h) */

    hfcd_conn *conns;            /* loop-owned list */
    int n_conns;
    hfcd_conn *dropped;          /* dropped in this epoll batch; released after it */
    _Atomic int n_streams;       /* alive, until their last reference goes */
    _Atomic int n_rt_streams;    /* of them streaming-mode (real-time) */
    _Atomic int n_utt_running;   /* utterance flushes being computed now */
    double cpu_budget;           /* CPU share real-time streams may need; 0: no limit */
    double cpu_committed;        /* what the open real-time streams need */

    _Atomic(hfcd_conn *) notice_head; /* connections the workers flagged */

    _Atomic uint64_t frames_encoded, frames_decoded, inputs_dropped;
    _Atomic uint64_t batches, batched_requests; /* batch turns, and the requests in them */
    hfcd_latency latency;        /* receipt to reply sent, every request */

    uint8_t *recv_buf;           /* the loop's receive buffer: one message */
    int draining;                /* SIGTERM: no new clients or streams */
    int64_t drain_deadline_ms;
    int exit_status;

    pthread_t reload_thread;
    int reloading;
    hfcd_model *reloaded;        /* the reload thread's result, NULL on failure */

    uint64_t watchdog_usec;
    int64_t last_watchdog_ms;
    int64_t last_cost_update_ms;
} hfcd_daemon;

int64_t hfcd_now_ms(void);
int64_t hfcd_now_ns(void);

#endif
