/* The maker thread: keeps the current model's stock of codecs (stock.h) full, and
 * wakes the connections whose OPEN found it empty. It runs below the real-time
 * workers' priority, so making codecs for new streams never takes a CPU from the
 * frames of open ones; an OPEN that waits for it holds up only its own
 * connection, never the event loop. */
#ifndef HFCD_MAKER_H
#define HFCD_MAKER_H

#include "daemon.h"

/* Starts the thread on model (referenced). NULL on failure. */
hfcd_maker *hfcd_maker_start(hfcd_model *model);

/* Event loop: new streams get this model now (after a reload). */
void hfcd_maker_set_model(hfcd_maker *m, hfcd_model *model);

/* Event loop: a stream took from the stock; make up for it. */
void hfcd_maker_poke(hfcd_maker *m);

/* Event loop: c holds an OPEN that found the stock empty. It is noticed
 * (notice.h) when the next codecs are made, and retries. 0, or -1 when the
 * last attempt to make codecs failed (out of memory): the OPEN should fail. */
int hfcd_maker_wait(hfcd_maker *m, hfcd_conn *c);

/* Stops and joins the thread; releases the connections still waiting. */
void hfcd_maker_stop(hfcd_maker *m);

#endif
