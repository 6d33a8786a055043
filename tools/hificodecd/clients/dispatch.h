/* What each request means: validation (every length, format, token and state;
 * a bad request fails only the stream it names, with an ERROR), the handshake,
 * opening streams under the limits and the CPU budget, queueing stream requests
 * with back-pressure or the drop policy, and STATS. Event loop only. */
#ifndef HFCD_DISPATCH_H
#define HFCD_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"

/* Handles one received message of n_bytes (more than the limit: oversized, only
 * the first max-message-bytes are in msg). */
void hfcd_dispatch(hfcd_conn *c, const uint8_t *msg, size_t n_bytes, int64_t received_ns);

/* Tries the request held for a full ring again. */
void hfcd_dispatch_held(hfcd_conn *c);

#endif
