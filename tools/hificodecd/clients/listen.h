/* The listening sockets: those systemd passes (socket activation, see
 * systemd/hificodecd.socket), or else one we create at config->socket_path with
 * socket-mode and socket-group. SOCK_SEQPACKET: message boundaries are kept, so
 * every read is one whole request. */
#ifndef HFCD_LISTEN_H
#define HFCD_LISTEN_H

#include "daemon.h"

/* Fills d->listen. Returns 0, or -1 after logging why. */
int hfcd_listen_open(hfcd_daemon *d);

/* Closes them (and removes the socket file we created). */
void hfcd_listen_close(hfcd_daemon *d);

#endif
