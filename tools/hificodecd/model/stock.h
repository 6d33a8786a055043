/* Codecs made ahead for one model (hfcd_model.stock). An OPEN takes its encoder and
 * decoder from here instead of creating them on the event loop: creating them costs
 * about 11 ms of CPU for the default model, nearly all of it the first touch of its
 * 3 MB of state, and twenty streams opened at once held every other stream's
 * requests up for 200 ms (docs/RELIABILITY.md). The maker thread (maker.h) makes
 * them; a real-time stream's codecs come back, reset, when it ends.
 *
 * Any thread. The lock guards the moves of pointers only: no codec is created,
 * reset or destroyed while it is held. */
#ifndef HFCD_STOCK_H
#define HFCD_STOCK_H

#include <pthread.h>

#include "hificodec.h"

typedef struct hfcd_stock {
    pthread_mutex_t lock;
    int capacity; /* of each kind */
    int n_encoders, n_decoders;
    hfc_encoder **encoders;
    hfc_decoder **decoders;
} hfcd_stock;

/* An empty stock for capacity encoders and as many decoders. 0, or -1 when out of
 * memory. */
int hfcd_stock_init(hfcd_stock *stock, int capacity);

/* Destroys the codecs it holds. */
void hfcd_stock_free(hfcd_stock *stock);

/* Moves an encoder (directions has HFC_PROTO_DIR_ENCODE) and a decoder
 * (HFC_PROTO_DIR_DECODE) to the caller, both or neither: 1, or 0 when one is
 * missing. */
int hfcd_stock_take(hfcd_stock *stock, int directions, hfc_encoder **encoder,
                    hfc_decoder **decoder);

/* Keeps encoder and decoder (either may be NULL), reset, where there is room, and
 * destroys what does not fit. */
void hfcd_stock_put(hfcd_stock *stock, hfc_encoder *encoder, hfc_decoder *decoder);

/* For a model new streams no longer get (reloaded): destroys what it holds, and
 * its capacity becomes 0, so that codecs put back are destroyed too. */
void hfcd_stock_retire(hfcd_stock *stock);

/* Whether it holds fewer than its capacity of either kind. */
int hfcd_stock_short(hfcd_stock *stock);

/* Creates the encoder and the decoder it lacks most (one of each at most) for
 * model and keeps them. HFC_OK, or the status of the failed create. */
int hfcd_stock_make(hfcd_stock *stock, const hfc_model *model);

#endif
