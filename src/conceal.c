/* Packet-loss concealment (see conceal.h and hfc_decoder_conceal in hificodec.h).
 *
 * A lost frame is decoded from a made-up latent, so the generator's state moves
 * on exactly as it would for a received frame and the frames after the loss
 * continue from it; the gain envelope fades the made-up audio. The latent is the
 * last received one (REPEAT) or its damped continuation (EXTRAPOLATE); which is
 * better was measured (docs/RTP.md, "Concealment"). Once the fade has reached
 * silence a causal generator is reset and skipped: its next frame starts from the
 * zero history of a fresh stream, which is what silence leaves behind anyway, and
 * a long burst then costs nothing. */
#include "conceal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_OPTION_MS 10000
#define EXTRAPOLATE_DAMPING 0.5f

void hfc_conceal_options_init(hfc_conceal_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof *options);
    options->method = HFC_CONCEAL_REPEAT;
    options->fade_after_ms = 20;
    options->fade_ms = 200;
    options->crossfade_ms = 20;
}

int hfc_conceal_check_options(const hfc_conceal_options *o)
{
    if (!o || o->method < HFC_CONCEAL_REPEAT || o->method > HFC_CONCEAL_SILENCE ||
        o->fade_after_ms < 0 || o->fade_after_ms > MAX_OPTION_MS || o->fade_ms < 1 ||
        o->fade_ms > MAX_OPTION_MS || o->crossfade_ms < 0 || o->crossfade_ms > MAX_OPTION_MS)
        return HFC_ERR_INVALID_ARG;
    return HFC_OK;
}

int hfc_conceal_init(hfc_conceal *c, int latent_dim, int hop, int rate_hz, int lookahead_samples,
                     int causal)
{
    memset(c, 0, sizeof *c);
    hfc_conceal_options_init(&c->options);
    c->latent_dim = latent_dim;
    c->hop = hop;
    c->rate_hz = rate_hz;
    c->causal = causal;
    c->ring_frames = (lookahead_samples + hop - 1) / hop + 3;
    c->gain_ring = malloc((size_t)c->ring_frames * 2 * sizeof *c->gain_ring);
    c->storage = calloc((size_t)latent_dim * 4, sizeof *c->storage);
    if (!c->gain_ring || !c->storage) {
        hfc_conceal_free(c);
        return HFC_ERR_NO_MEMORY;
    }
    c->last = c->storage;
    c->prev = c->last + latent_dim;
    c->step = c->prev + latent_dim;
    c->latent = c->step + latent_dim;
    hfc_conceal_reset(c);
    return HFC_OK;
}

void hfc_conceal_free(hfc_conceal *c)
{
    free(c->gain_ring);
    free(c->storage);
    c->gain_ring = NULL;
    c->storage = c->last = c->prev = c->step = c->latent = NULL;
}

void hfc_conceal_reset(hfc_conceal *c)
{
    for (int i = 0; i < 2 * c->ring_frames; i++)
        c->gain_ring[i] = 1.0f;
    c->n_history = 0;
    c->frames_in = 0;
    c->samples_out = 0;
    c->lost_samples = 0;
    c->entry_gain = 1.0f;
    c->gain = 1.0f;
    c->ramp_from = 1.0f;
    c->ramp_samples = -1;
    c->generator_idle = c->causal; /* a fresh causal generator is the silent state */
}

static int64_t ms_to_samples(const hfc_conceal *c, int ms)
{
    return (int64_t)ms * c->rate_hz / 1000;
}

/* Records frame frames_in's start and end gain and moves on to the next frame. */
static void push_gain(hfc_conceal *c, float start, float end)
{
    float *g = c->gain_ring + 2 * (c->frames_in % c->ring_frames);
    g[0] = start;
    g[1] = end;
    c->frames_in++;
    c->gain = end;
}

/* The level x samples into a loss run, before the entry gain. */
static float fade_at(const hfc_conceal *c, int64_t x)
{
    if (c->options.method == HFC_CONCEAL_SILENCE)
        return 0.0f;
    const int64_t after = ms_to_samples(c, c->options.fade_after_ms);
    const int64_t length = ms_to_samples(c, c->options.fade_ms);
    if (x <= after)
        return 1.0f;
    if (length <= 0 || x >= after + length)
        return 0.0f;
    return 1.0f - (float)(x - after) / (float)length;
}

static float ramp_at(const hfc_conceal *c, int64_t y)
{
    const int64_t length = ms_to_samples(c, c->options.crossfade_ms);
    if (length <= 0 || y >= length)
        return 1.0f;
    return c->ramp_from + (1.0f - c->ramp_from) * (float)y / (float)length;
}

void hfc_conceal_received(hfc_conceal *c, const float *column, ptrdiff_t stride)
{
    if (c->lost_samples > 0) { /* the first frame after a loss run: ramp back */
        c->lost_samples = 0;
        c->ramp_from = c->gain;
        c->ramp_samples = c->gain < 1.0f ? 0 : -1;
    }
    float *keep = c->prev; /* the older of the two becomes the newest */
    c->prev = c->last;
    c->last = keep;
    for (int i = 0; i < c->latent_dim; i++)
        keep[i] = column[i * stride];
    if (c->n_history < 2)
        c->n_history++;
    c->generator_idle = 0;
    if (c->ramp_samples < 0) {
        push_gain(c, c->gain, 1.0f);
        return;
    }
    const float start = ramp_at(c, c->ramp_samples);
    c->ramp_samples += c->hop;
    const float end = ramp_at(c, c->ramp_samples);
    if (end >= 1.0f)
        c->ramp_samples = -1;
    push_gain(c, start, end);
}

int hfc_conceal_lost(hfc_conceal *c, const float **latent)
{
    if (c->lost_samples == 0) { /* a loss run begins */
        /* Nothing received yet: nothing to conceal, silence (a non-causal generator
         * still runs, on a zero latent, to keep its timing). */
        c->entry_gain = c->n_history > 0 ? c->gain : 0.0f;
        c->ramp_samples = -1;
        if (c->options.method == HFC_CONCEAL_EXTRAPOLATE && c->n_history == 2)
            for (int i = 0; i < c->latent_dim; i++)
                c->step[i] = EXTRAPOLATE_DAMPING * (c->last[i] - c->prev[i]);
        else
            memset(c->step, 0, (size_t)c->latent_dim * sizeof *c->step);
        if (c->n_history > 0)
            memcpy(c->latent, c->last, (size_t)c->latent_dim * sizeof *c->latent);
        else
            memset(c->latent, 0, (size_t)c->latent_dim * sizeof *c->latent);
    }
    const float start = c->entry_gain * fade_at(c, c->lost_samples);
    c->lost_samples += c->hop;
    const float end = c->entry_gain * fade_at(c, c->lost_samples);
    push_gain(c, start, end); /* start is the last frame's end, except for SILENCE */
    *latent = c->latent;
    if (c->causal && (c->generator_idle || (start <= 0.0f && end <= 0.0f))) {
        int was_idle = c->generator_idle;
        c->generator_idle = 1;
        return was_idle ? HFC_CONCEAL_ZEROS : HFC_CONCEAL_RESET_ZEROS;
    }
    for (int i = 0; i < c->latent_dim; i++) {
        c->latent[i] += c->step[i];
        c->step[i] *= EXTRAPOLATE_DAMPING;
    }
    return HFC_CONCEAL_RUN;
}

void hfc_conceal_apply_gain(hfc_conceal *c, float *pcm, int64_t n)
{
    const int hop = c->hop;
    int64_t i = 0;
    while (i < n) {
        const int64_t t = c->samples_out + i;
        const int64_t frame = t / hop;
        const int64_t in_frame = t - frame * hop;
        int64_t k = hop - in_frame;
        if (k > n - i)
            k = n - i;
        const float *g = c->gain_ring + 2 * (frame % c->ring_frames);
        if (g[0] != 1.0f || g[1] != 1.0f) {
            const float slope = (g[1] - g[0]) / (float)hop;
            for (int64_t j = 0; j < k; j++)
                pcm[i + j] *= g[0] + slope * (float)(in_frame + j + 1);
        }
        i += k;
    }
    c->samples_out += n;
}
