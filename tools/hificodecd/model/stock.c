#include "stock.h"

#include <stdlib.h>

#include "client/protocol.h"

int hfcd_stock_init(hfcd_stock *stock, int capacity)
{
    pthread_mutex_init(&stock->lock, NULL);
    stock->capacity = capacity;
    stock->n_encoders = stock->n_decoders = 0;
    stock->encoders = calloc((size_t)capacity + 1, sizeof *stock->encoders); /* + 1: never 0 */
    stock->decoders = calloc((size_t)capacity + 1, sizeof *stock->decoders);
    return stock->encoders && stock->decoders ? 0 : -1;
}

void hfcd_stock_free(hfcd_stock *stock)
{
    hfcd_stock_retire(stock);
    free(stock->encoders);
    free(stock->decoders);
    stock->encoders = NULL;
    stock->decoders = NULL;
    pthread_mutex_destroy(&stock->lock);
}

int hfcd_stock_take(hfcd_stock *stock, int directions, hfc_encoder **encoder,
                    hfc_decoder **decoder)
{
    const int want_encoder = (directions & HFC_PROTO_DIR_ENCODE) != 0;
    const int want_decoder = (directions & HFC_PROTO_DIR_DECODE) != 0;
    pthread_mutex_lock(&stock->lock);
    const int ok = (!want_encoder || stock->n_encoders > 0) &&
                   (!want_decoder || stock->n_decoders > 0);
    *encoder = ok && want_encoder ? stock->encoders[--stock->n_encoders] : NULL;
    *decoder = ok && want_decoder ? stock->decoders[--stock->n_decoders] : NULL;
    pthread_mutex_unlock(&stock->lock);
    return ok;
}

void hfcd_stock_put(hfcd_stock *stock, hfc_encoder *encoder, hfc_decoder *decoder)
{
    /* Reset before it is visible to a taker. */
    hfc_encoder_reset(encoder);
    hfc_decoder_reset(decoder);
    pthread_mutex_lock(&stock->lock);
    if (encoder && stock->n_encoders < stock->capacity) {
        stock->encoders[stock->n_encoders++] = encoder;
        encoder = NULL;
    }
    if (decoder && stock->n_decoders < stock->capacity) {
        stock->decoders[stock->n_decoders++] = decoder;
        decoder = NULL;
    }
    pthread_mutex_unlock(&stock->lock);
    hfc_encoder_destroy(encoder);
    hfc_decoder_destroy(decoder);
}

void hfcd_stock_retire(hfcd_stock *stock)
{
    pthread_mutex_lock(&stock->lock);
    const int n_encoders = stock->n_encoders, n_decoders = stock->n_decoders;
    stock->capacity = 0;
    stock->n_encoders = stock->n_decoders = 0;
    pthread_mutex_unlock(&stock->lock);
    /* Only this thread reaches the slots past the counts now. */
    for (int i = 0; i < n_encoders; i++)
        hfc_encoder_destroy(stock->encoders[i]);
    for (int i = 0; i < n_decoders; i++)
        hfc_decoder_destroy(stock->decoders[i]);
}

int hfcd_stock_short(hfcd_stock *stock)
{
    pthread_mutex_lock(&stock->lock);
    const int short_ = stock->n_encoders < stock->capacity || stock->n_decoders < stock->capacity;
    pthread_mutex_unlock(&stock->lock);
    return short_;
}

int hfcd_stock_make(hfcd_stock *stock, const hfc_model *model)
{
    pthread_mutex_lock(&stock->lock);
    const int need_encoder = stock->n_encoders < stock->capacity;
    const int need_decoder = stock->n_decoders < stock->capacity;
    pthread_mutex_unlock(&stock->lock);
    int status = HFC_OK;
    hfc_encoder *encoder = need_encoder ? hfc_encoder_create(model, NULL, &status) : NULL;
    hfc_decoder *decoder =
        need_decoder && status == HFC_OK ? hfc_decoder_create(model, NULL, &status) : NULL;
    /* Codecs that ended meanwhile may have filled it: put destroys what does not
     * fit (its reset of a fresh codec costs microseconds). */
    hfcd_stock_put(stock, encoder, decoder);
    return status;
}
