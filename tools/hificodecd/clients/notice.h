/* Workers flag a connection for the event loop's attention (a stream finished,
 * blocked on a full socket, or made room the loop was waiting for) by pushing it
 * on a lock-free stack and poking an eventfd. A connection is on the stack at most
 * once (its `noticed` flag), holding a reference; the loop takes the whole stack at
 * once, which makes the pops ABA-safe. */
#ifndef HFCD_NOTICE_H
#define HFCD_NOTICE_H

#include "daemon.h"

/* Any thread. */
void hfcd_notice(hfcd_conn *c);

/* Event loop: reads the eventfd and services every flagged connection. */
void hfcd_notice_drain(hfcd_daemon *d);

#endif
