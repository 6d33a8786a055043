/* The event loop (see daemon.h for who does what). */
#ifndef HFCD_LOOP_H
#define HFCD_LOOP_H

#include "daemon.h"

/* The epoll set, signalfd, timerfd and eventfds; the listening sockets must be
 * open. SIGTERM, SIGINT and SIGHUP must already be blocked in every thread.
 * Returns 0, or -1 after logging why. */
int hfcd_loop_init(hfcd_daemon *d);

/* Runs until a stop signal has drained every connection. Returns the exit status. */
int hfcd_loop_run(hfcd_daemon *d);

void hfcd_loop_free(hfcd_daemon *d);

#endif
