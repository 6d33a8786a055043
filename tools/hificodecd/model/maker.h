/* The maker thread: keeps the current model's stock of codecs (stock.h) full, and
 * wakes the connections whose OPEN found it empty. It runs below the real-time
 * workers' priority, so making codecs for new streams never takes a CPU from the
 * frames of open ones; an OPEN that waits for it holds up only its own
 * connection, never the event loop.
 *
 * Every stock codec is made here, also the first ones of a model just loaded: the
 * codecs' memory then stays in this thread's malloc arena, where the codecs of a
 * model gone after a reload are freed and those of the next one reuse it. Made on
 * the loading threads, each reload left the previous model's freed codecs in an
 * arena nothing allocated codecs from again: the tiny model's daemon grew by 0.9 MB
 * per reload with 4 ready streams, 3 MB with 16. */
#ifndef HFCD_MAKER_H
#define HFCD_MAKER_H

#include "daemon.h"

/* Starts the thread on model (referenced). NULL on failure. */
hfcd_maker *hfcd_maker_start(hfcd_model *model);

/* Event loop: new streams get this model now (after a reload). The maker empties
 * the previous one's stock, and its streams' codecs are destroyed when they end. */
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
