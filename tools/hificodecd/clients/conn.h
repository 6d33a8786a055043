/* A client connection. The event loop owns it and everything in it except the
 * atomics; streams and pending notices hold references, so the socket stays open
 * (and its number cannot be reused) until no worker can still send on it. */
#ifndef HFCD_CONN_H
#define HFCD_CONN_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "client/protocol.h"
#include "daemon.h"

enum hfcd_conn_state { HFCD_CONN_DEAD = -1, HFCD_CONN_HELLO, HFCD_CONN_READY };

/* A reply the loop sends itself (HELLO_OK, OPEN_OK, STATS, ERROR) waits here when
 * the socket is full; the loop reads no further request until it is sent, so one
 * slot is enough (a DROPPED notice finding it taken is not sent). */
#define HFCD_CONN_CONTROL_BYTES 512

struct hfcd_conn {
    hfcd_watch watch;          /* first: epoll's data.ptr */
    _Atomic int refs;
    _Atomic int noticed;       /* in the daemon's notice list */
    hfcd_conn *notice_next;
    _Atomic int awaiting_codec; /* on the maker's list (maker.h) */
    hfcd_conn *codec_next;      /* the maker's, under its lock */
    hfcd_conn *prev, *next;    /* the daemon's list */
    hfcd_daemon *daemon;

    struct ucred peer;
    char name[HFC_PROTO_MAX_NAME_BYTES + 1];
    int state;
    uint32_t events;           /* registered with epoll */
    int64_t last_request_ms;
    int64_t blocked_since_ms;  /* replies waiting for the client; 0: none */
    int n_bad_requests;
    int refusal;               /* not HFC_OK: answer HELLO with this ERROR, then close */
    const char *refusal_text;

    hfcd_stream **streams;     /* max_streams_per_client slots */
    int n_streams;

    uint8_t *held;             /* a request waiting for room in its stream's ring, or an
                                  OPEN for codecs (maker.h) */
    size_t n_held;
    int64_t held_received_ns;
    uint8_t control[HFCD_CONN_CONTROL_BYTES];
    size_t n_control;
};

/* Accepts connections from a listening socket. One that the limits or the uid/gid
 * allow-list refuse is told so in answer to its HELLO (closing a socket with the
 * client's HELLO unread would reset the connection before the client could read
 * why). Event loop only. */
void hfcd_conn_accept(hfcd_daemon *d, int listen_fd);

void hfcd_conn_ref(hfcd_conn *c);
void hfcd_conn_unref(hfcd_conn *c);

/* Epoll said the socket is readable/writable/hung up. */
void hfcd_conn_on_event(hfcd_conn *c, uint32_t events);

/* A notice from a worker: reap finished streams, watch for writability, retry the
 * held request. */
void hfcd_conn_service(hfcd_conn *c);

/* Sends ERROR (best effort) and disconnects: streams killed, socket shut down. */
void hfcd_conn_drop(hfcd_conn *c, int status, const char *why);

/* The stream with this id, or NULL. A stream that has queued its final CLOSED or
 * ERROR counts as gone: the client may reuse its id as soon as it reads that. */
hfcd_stream *hfcd_conn_find_stream(hfcd_conn *c, uint32_t id);

/* Removes the streams whose final reply has been sent. */
void hfcd_conn_reap(hfcd_conn *c);

/* Sends a control reply now, or queues it. */
void hfcd_conn_send_control(hfcd_conn *c, uint16_t type, uint32_t stream, uint32_t seq,
                            const void *body, size_t n_body);
void hfcd_conn_send_error(hfcd_conn *c, uint32_t stream, uint32_t seq, int status,
                          const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Recomputes what epoll should watch for the connection. */
void hfcd_conn_update_events(hfcd_conn *c);

#endif
