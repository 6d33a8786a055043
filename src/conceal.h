/* Packet-loss concealment state of one decoder (hfc_decoder_conceal).
 *
 * The decoder asks this module what latent to feed the generator for a lost frame
 * and hands it every received frame's latent; the module keeps the last two
 * received latents and a gain envelope over the output: 1 in normal play, a
 * linear fade over a run of lost frames, a ramp back after it. Gains are kept per
 * frame (start and end, linear in between) in a small ring, so that a non-causal
 * generator, whose output lags its input by look-ahead, applies each frame's gain
 * to that frame's samples when they come out.
 *
 * Everything is sized at init; the per-frame calls never allocate. */
#ifndef HFC_CONCEAL_H
#define HFC_CONCEAL_H

#include <stddef.h>
#include <stdint.h>

#include "hificodec.h"

typedef struct hfc_conceal {
    hfc_conceal_options options;
    int latent_dim, hop, rate_hz, causal;
    int ring_frames;       /* frames whose samples may not all be out yet, + margin */
    float *gain_ring;      /* [ring_frames][2]: gain at the start and end of frame f,
                              at (f % ring_frames) */
    float *storage;        /* one allocation for the four latents below */
    float *last, *prev;    /* the last two received latents (they swap places) */
    float *step;           /* EXTRAPOLATE: the damped step of the next lost frame */
    float *latent;         /* the latent of the last concealed frame */
    int n_history;         /* received latents held, 0..2 */
    int64_t frames_in;     /* frames pushed or concealed since the stream started */
    int64_t samples_out;   /* samples emitted since then */
    int64_t lost_samples;  /* samples concealed since the last received frame */
    float entry_gain;      /* level when the current loss run began */
    float gain;            /* gain at the end of the last frame in */
    float ramp_from;       /* level the ramp back starts from */
    int64_t ramp_samples;  /* samples into the ramp back; -1: none under way */
    int generator_idle;    /* causal and silent: the generator is reset and not run */
} hfc_conceal;

/* What the decoder does for a lost frame. */
enum hfc_conceal_action {
    HFC_CONCEAL_RUN = 0,       /* run the generator on the latent written */
    HFC_CONCEAL_ZEROS = 1,     /* emit hop zeros; the generator stays as it is (reset) */
    HFC_CONCEAL_RESET_ZEROS = 2 /* reset the generator, then emit hop zeros */
};

/* lookahead_samples: the generator's output lag (0 for causal models). */
int hfc_conceal_init(hfc_conceal *c, int latent_dim, int hop, int rate_hz, int lookahead_samples,
                     int causal);
void hfc_conceal_free(hfc_conceal *c);
/* Back to the state of a fresh stream; keeps the options. */
void hfc_conceal_reset(hfc_conceal *c);
/* HFC_OK or HFC_ERR_INVALID_ARG. */
int hfc_conceal_check_options(const hfc_conceal_options *options);

/* A frame was received: its latent is column[i * stride], i < latent_dim. */
void hfc_conceal_received(hfc_conceal *c, const float *column, ptrdiff_t stride);

/* A frame was lost: returns an enum hfc_conceal_action; for HFC_CONCEAL_RUN,
 * *latent is the latent to decode (latent_dim floats, owned by c, valid until the
 * next call). */
int hfc_conceal_lost(hfc_conceal *c, const float **latent);

/* Applies the gain envelope to the n samples the decoder just emitted, the next
 * ones in stream order. */
void hfc_conceal_apply_gain(hfc_conceal *c, float *pcm, int64_t n);

#endif
