/* Utterance mode: the stream gathers its whole input (PCM at the model's rate, or
 * tokens), runs the offline hfc_encoder_encode / hfc_decoder_decode at FLUSH, so
 * the result equals the in-process offline call exactly, and sends it in pieces of
 * one message each. This runs on the utterance workers, which may allocate. */
#ifndef HFCD_UTTERANCE_H
#define HFCD_UTTERANCE_H

#include "stream.h"

hfcd_utterance *hfcd_utterance_create(hfcd_stream *s);
void hfcd_utterance_destroy(hfcd_utterance *u);

/* PCM_IN, TOKENS_IN or FLUSH. */
void hfcd_utterance_handle(hfcd_stream *s, const hfcd_record *rec);

/* With the output queue empty: queues the next piece of a flush's result (the last
 * is FLUSHED) and returns 1, or returns 0 when there is none. */
int hfcd_utterance_next_piece(hfcd_stream *s);

/* Whether a flush's result is still being sent. */
int hfcd_utterance_pending(const hfcd_stream *s);

/* A worker thread ends: frees the codec it kept for utterances (if any). */
void hfcd_utterance_thread_done(void);

#endif
