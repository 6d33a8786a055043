/* systemd's service protocols, in our own small code (no libsystemd):
 *   sd_notify: datagrams such as "READY=1" to $NOTIFY_SOCKET (a path, or "@name"
 *     for the abstract namespace), see sd_notify(3);
 *   socket activation: listening sockets passed as fds 3.. with $LISTEN_PID and
 *     $LISTEN_FDS, see sd_listen_fds(3);
 *   the watchdog: $WATCHDOG_USEC (and $WATCHDOG_PID) ask for "WATCHDOG=1" at least
 *     that often. */
#ifndef HFCD_SD_H
#define HFCD_SD_H

#include <stdint.h>

/* Sends state (newline-separated assignments) to the service manager, without
 * blocking. Returns 1 if sent, 0 when not run under one (no $NOTIFY_SOCKET), -1 on
 * error or when the manager's queue is full. */
int hfcd_sd_notify(const char *state);

/* printf-style hfcd_sd_notify. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int hfcd_sd_notifyf(const char *fmt, ...);

/* The number of sockets passed by socket activation (fds 3 .. 3 + n - 1), 0 if none.
 * Unsets the variables so that children do not inherit them; marks the fds
 * close-on-exec. */
int hfcd_sd_listen_fds(void);

#define HFCD_SD_LISTEN_FDS_START 3

/* The watchdog interval in microseconds the manager wants, or 0. */
uint64_t hfcd_sd_watchdog_usec(void);

#endif
