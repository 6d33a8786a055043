/* Batched streaming, for a server that runs many streams of one model (hificodecd):
 * one call pushes one frame into each of n encoders (or decoders), and the streams'
 * layers run in step, every conv one batched kernel call (kernels/conv/conv1d.h,
 * conv1d_batch), so a low-rate layer's weights are read once for the batch instead
 * of once per stream. Each result equals the stream's own hfc_encoder_push /
 * hfc_decoder_push of the same frame bit for bit. Real-time safe like them: no
 * allocation, lock, log or I/O. Not in the public API: the daemon links the static
 * library. */
#ifndef HFC_BATCH_H
#define HFC_BATCH_H

#include "hificodec.h"

/* Each encoder i (all of one model) takes hop samples pcm[i] (one frame) and writes
 * the frames it completes to tokens[i] (room for 2 frames), their count (or a
 * status, as hfc_encoder_push returns) to n_frames[i]. An encoder part-way through
 * a frame, or with a bad sample, is pushed on its own. Returns HFC_OK, or
 * HFC_ERR_INVALID_ARG (NULL arguments, n < 0, another model). */
int hfc_encoders_push_frame(hfc_encoder *const *enc, int n, const float *const *pcm,
                            hfc_token *const *tokens, int64_t *n_frames);

/* Each decoder i (all of one model) takes one frame of tokens[i] and writes its hop
 * samples to pcm[i], their count (or a status, as hfc_decoder_push) to
 * n_samples[i]. Returns HFC_OK or HFC_ERR_INVALID_ARG. */
int hfc_decoders_push_frame(hfc_decoder *const *dec, int n, const hfc_token *const *tokens,
                            float *const *pcm, int64_t *n_samples);

#endif
