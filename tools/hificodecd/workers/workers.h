/* A pool of worker threads running streams from one run queue. Each thread takes
 * a stream, gives it one turn (hfcd_stream_run_turn) and takes the next: streams
 * are served round-robin, each by one thread at a time. */
#ifndef HFCD_WORKERS_H
#define HFCD_WORKERS_H

#include <stdint.h>

#include "jobq.h"

typedef struct hfcd_workers hfcd_workers;

/* n threads on queue; nice_level > 0 lowers their priority (the utterance pool);
 * batch > 1: a thread that takes a stream with a frame due also takes up to
 * batch - 1 more from the queue and runs those with a frame of the same kind as
 * one batch (hfcd_stream_run_batch). NULL on failure. */
hfcd_workers *hfcd_workers_start(hfcd_jobq *queue, int n, int nice_level, int batch,
                                 const char *name);

/* Stops the threads (each finishes its current turn) and joins them. */
void hfcd_workers_stop(hfcd_workers *w);

/* Whether every thread is idle or in a turn that began less than max_turn_ms ago:
 * what the watchdog vouches for. */
int hfcd_workers_healthy(hfcd_workers *w, int64_t max_turn_ms);

#endif
