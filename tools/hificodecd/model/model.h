/* The daemon's model: a loaded hfc_model with its measured cost, shared by
 * reference. Streams hold a reference for their lifetime, so a SIGHUP reload swaps
 * the model new streams get while open streams finish on the one they started
 * with; the last reference frees it. */
#ifndef HFCD_MODEL_H
#define HFCD_MODEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "hificodec.h"
#include "stock.h"

typedef struct hfcd_model {
    _Atomic int refs;
    hfc_model *model;
    hfc_model_info info;
    int encoder_latency_samples;
    int decoder_latency_samples;
    /* CPU time per frame on one worker, microseconds: measured at load, then kept
     * current from the workers' own timings (hfcd_model_update_cost). Read and
     * written by the event loop only. */
    double encode_us;
    double decode_us;
    /* The workers' timings since the last update, summed. */
    _Atomic uint64_t encode_ns, encode_frames;
    _Atomic uint64_t decode_ns, decode_frames;
    /* An offline encoder and decoder with a worker thread per core, lent to an
     * utterance that runs alone in an otherwise idle daemon (utterance.c). Made by
     * the first borrower; one borrower at a time. */
    pthread_mutex_t wide_lock;
    hfc_encoder *wide_encoder;
    hfc_decoder *wide_decoder;
    /* Encoders and decoders made ahead for new streams (stock.h). */
    hfcd_stock stock;
} hfcd_model;

/* Loads path and measures its per-frame cost (about a second of CPU at most). Its
 * stock holds ready_streams encoders and decoders, made by the maker (maker.h)
 * once it is the daemon's model. NULL on failure, with the reason logged. The
 * result holds one reference. */
hfcd_model *hfcd_model_load(const char *path, int ready_streams);

/* The wide codec for n_threads (creating it on first use), with wide_lock held:
 * 1, or 0 when another utterance holds it or it cannot be made. Utterance workers
 * only; hfcd_model_return_wide gives it back. */
int hfcd_model_borrow_wide(hfcd_model *model, int n_threads);
void hfcd_model_return_wide(hfcd_model *model);

void hfcd_model_ref(hfcd_model *model);
void hfcd_model_unref(hfcd_model *model);

/* Folds the workers' timings into encode_us/decode_us (a moving average).
 * Event loop only. */
void hfcd_model_update_cost(hfcd_model *model);

/* CPU share one real-time stream needs (1.0 = one core) for the directions
 * (HFC_PROTO_DIR_* bits). */
double hfcd_model_stream_cost(const hfcd_model *model, int directions);

#endif
