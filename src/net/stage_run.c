/* The offline stages, shared by the encoder and the generator: a resampling layer
 * followed by HiFi-GAN's parallel residual blocks.
 * ResBlock1: for each dilation d: x += c2(lrelu(c1_d(lrelu(x))))
 * ResBlock2: for each dilation d: x += c_d(lrelu(x))
 * Every activation, residual add, resblock sum and mean is fused into the epilogue
 * of the conv that produces it (kernels/conv/conv1d.h), so a stage costs its convs. */
#include "hificodec.h"
#include "network.h"

#include <stdlib.h>
#include <string.h>

void hfc_workspace_free(hfc_workspace *ws)
{
    hfc_act_free(&ws->x);
    hfc_act_free(&ws->a);
    hfc_act_free(&ws->b);
    hfc_act_free(&ws->out);
    hfc_act_free(&ws->latent);
    hfc_stage_buffers_free(&ws->buf);
    free(ws->local);
    ws->local = NULL;
    ws->local_floats = 0;
}

static size_t act_bytes(const hfc_act *a)
{
    return a->base ? (size_t)a->capacity * sizeof(float) : 0;
}

void hfc_workspace_trim(hfc_workspace *ws)
{
    const hfc_stage_buffers *b = &ws->buf;
    size_t bytes = act_bytes(&ws->x) + act_bytes(&ws->a) + act_bytes(&ws->b) +
                   act_bytes(&ws->out) + act_bytes(&ws->latent) + ws->local_floats * sizeof(float);
    bytes += act_bytes(&b->x) + act_bytes(&b->ax) + act_bytes(&b->r) + act_bytes(&b->a) +
             act_bytes(&b->b) + act_bytes(&b->c) + act_bytes(&b->sum);
    if (bytes > HFC_WORKSPACE_KEEP_BYTES)
        hfc_workspace_free(ws);
}

void hfc_stage_buffers_free(hfc_stage_buffers *buf)
{
    hfc_act_free(&buf->x);
    hfc_act_free(&buf->ax);
    hfc_act_free(&buf->r);
    hfc_act_free(&buf->a);
    hfc_act_free(&buf->b);
    hfc_act_free(&buf->c);
    hfc_act_free(&buf->sum);
}

static int shape_like(hfc_act *a, const hfc_act *x)
{
    return hfc_act_reshape(a, x->channels, x->n, x->margin);
}

/* The convs of one resblock in the order they apply: per step, c1 (and c2 for
 * ResBlock1). */
static int resblock_chain(const hfc_resblock *rb, int resblock_type, const hfc_conv **chain)
{
    int q = 0;
    for (int m = 0; m < rb->n_convs; m++) {
        chain[q++] = &rb->convs1[m];
        if (resblock_type == HFC_RESBLOCK_1)
            chain[q++] = &rb->convs2[m];
    }
    return q;
}

/* Columns of a stage: its input layer's output length. */
static int64_t stage_length(const hfc_stage_input *src)
{
    return src->down ? hfc_conv_out_len(src->down, src->in->n)
                     : hfc_convt_out_len(src->up, src->in->n);
}

static int stage_channels(const hfc_stage_input *src)
{
    return src->down ? src->down->c_out : src->up->c_out;
}

/* x and ax = leaky_relu(x, slope) over stage columns [lo, hi); x and ax point at
 * column 0. */
static void stage_input_columns(const hfc_stage_input *src, int64_t lo, int64_t hi, float *x,
                                ptrdiff_t x_ld, float *ax, ptrdiff_t ax_ld, float slope)
{
    const hfc_conv_epilogue e = {
        .out = x + lo, .act = ax + lo, .out_ld = x_ld, .act_ld = ax_ld, .slope = slope};
    const hfc_act *in = src->in;
    const hfc_conv *down = src->down;
    const hfc_convt *up = src->up;
    if (down)
        down->ops->conv1d_fused(down, in->data - down->pad_left + lo * down->stride, in->ld,
                                (int)(hi - lo), &e);
    else
        up->ops->conv_transpose1d_fused(up, in->data, in->ld, (int)in->n, (int)(hi - lo),
                                        up->crop_left + (int)lo, &e);
}

/* A stage, one time tile at a time, so that the input layer's output and all the
 * resblocks' intermediate activations stay in per-thread cache-sized buffers
 * instead of streaming through memory layer by layer (the small-channel, high-rate
 * stages are bound by memory otherwise). A tile of output columns [t0, t1) needs
 * each conv's output over [t0 - lead, t1 + trail), lead and trail summing the
 * paddings of the convs after it, and the input layer's over the widest such range
 * plus the first convs' padding; neighbouring tiles recompute that halo. Outside
 * [0, n) the intermediate signals are zero padding, as in the untiled pass, so
 * every output has the same value and rounding as there: tiling only changes the
 * order in which outputs are computed. */
typedef struct tile_plan {
    const hfc_exec *ex;
    const hfc_stage_input *src;
    const hfc_resblock *rbs;
    int n_rb, resblock_type, channels;
    float slope, next_slope;
    hfc_act *next;
    hfc_act *const *rb_out; /* GroupNorm stages: each resblock's output, whole; else NULL */
    int64_t n;       /* stage columns */
    int64_t tile;    /* output columns per tile */
    int64_t reach;   /* local columns before a tile's first: the widest lead + padding */
    int64_t after;   /* columns after a tile's last the input layer must produce */
    ptrdiff_t width; /* a local row: reach + tile + after */
    float *local;    /* per thread: N_LOCAL buffers of channels x width */
} tile_plan;

enum { LOCAL_X, LOCAL_AX, LOCAL_A, LOCAL_B, LOCAL_C, LOCAL_R, LOCAL_SUM, N_LOCAL };

static void tile_task(void *ctx, int task, int thread)
{
    const tile_plan *p = ctx;
    const int64_t n = p->n, t0 = task * p->tile;
    const int64_t t1 = n - t0 < p->tile ? n : t0 + p->tile;
    const ptrdiff_t w = p->width;
    float *mem = p->local + (size_t)thread * N_LOCAL * p->channels * w;
    float *local[N_LOCAL];
    for (int i = 0; i < N_LOCAL; i++) /* at absolute column 0 */
        local[i] = mem + (size_t)i * p->channels * w + p->reach - t0;
    /* Conv inputs read the zero padding around [0, n) on the edge tiles. */
    const int64_t span_lo = t0 - p->reach, span_hi = span_lo + w;
    for (int i = LOCAL_AX; i <= LOCAL_C && (span_lo < 0 || span_hi > n); i++)
        for (int c = 0; c < p->channels; c++) {
            float *row = local[i] + c * w;
            for (int64_t t = span_lo; t < 0; t++)
                row[t] = 0.0f;
            for (int64_t t = n; t < span_hi; t++)
                row[t] = 0.0f;
        }
    stage_input_columns(p->src, span_lo > 0 ? span_lo : 0,
                        t1 + p->after < n ? t1 + p->after : n, local[LOCAL_X], w, local[LOCAL_AX],
                        w, p->slope);
    for (int j = 0; j < p->n_rb; j++) {
        const hfc_conv *chain[2 * HFC_MAX_DILATIONS];
        const int n_convs = resblock_chain(&p->rbs[j], p->resblock_type, chain);
        int lead[2 * HFC_MAX_DILATIONS], trail[2 * HFC_MAX_DILATIONS];
        lead[n_convs - 1] = trail[n_convs - 1] = 0;
        for (int q = n_convs - 2; q >= 0; q--) {
            lead[q] = lead[q + 1] + chain[q + 1]->pad_left;
            trail[q] = trail[q + 1] + chain[q + 1]->pad_right;
        }
        const float *in = local[LOCAL_AX]; /* the next conv's input */
        int act = LOCAL_A;
        for (int q = 0; q < n_convs; q++) {
            const int64_t lo = t0 - lead[q] > 0 ? t0 - lead[q] : 0;
            const int64_t hi = t1 + trail[q] < n ? t1 + trail[q] : n;
            const int first_of_pair = p->resblock_type == HFC_RESBLOCK_1 && q % 2 == 0;
            const int step0 = q < (p->resblock_type == HFC_RESBLOCK_1 ? 2 : 1);
            hfc_conv_epilogue e = {.slope = p->slope,
                                   .res_ld = w,
                                   .out_ld = w,
                                   .sum_ld = w,
                                   .sum_out_ld = w,
                                   .act_ld = w};
            if (first_of_pair) { /* ResBlock1's c1: activated into c */
                e.act = local[LOCAL_C] + lo;
            } else if (p->rb_out && q + 1 == n_convs) { /* the resblock's output, whole */
                e.res = local[step0 ? LOCAL_X : LOCAL_R] + lo;
                e.out = p->rb_out[j]->data + lo;
                e.out_ld = p->rb_out[j]->ld;
            } else {
                e.res = local[step0 ? LOCAL_X : LOCAL_R] + lo;
                if (q + 1 < n_convs) { /* a step inside the resblock: r and its activation */
                    e.out = local[LOCAL_R] + lo;
                    e.act = local[act] + lo;
                } else { /* its output joins the sum; the last one's mean goes to next */
                    e.sum = j > 0 ? local[LOCAL_SUM] + lo : NULL;
                    if (j + 1 < p->n_rb) {
                        e.sum_out = local[LOCAL_SUM] + lo;
                    } else {
                        e.divide = (float)p->n_rb;
                        e.act = p->next->data + lo;
                        e.act_ld = p->next->ld;
                        e.slope = p->next_slope;
                    }
                }
            }
            const hfc_conv *cv = chain[q];
            cv->ops->conv1d_fused(cv, in + lo - cv->pad_left, w, (int)(hi - lo), &e);
            if (first_of_pair) {
                in = local[LOCAL_C];
            } else {
                in = local[act];
                act = act == LOCAL_A ? LOCAL_B : LOCAL_A;
            }
        }
    }
}

static double conv_flop(const hfc_conv *cv, int64_t n_out)
{
    return 2.0 * cv->c_in * cv->c_out * cv->kernel * (double)n_out;
}

/* rb_out NULL: the whole stage into next. Else (a GroupNorm stage) each resblock's
 * output into rb_out[j] (shaped like next), for the caller to combine. */
static int stage_tiled(const hfc_exec *ex, const hfc_stage_input *src, const hfc_resblock *rbs,
                       int n, int resblock_type, float slope, float next_slope, hfc_act *next,
                       hfc_act *const *rb_out, int margin)
{
    const int64_t n_cols = stage_length(src);
    int status = hfc_act_reshape(next, stage_channels(src), n_cols, margin);
    for (int j = 0; rb_out && j < n && status == HFC_OK; j++)
        status = shape_like(rb_out[j], next);
    if (status != HFC_OK)
        return status;
    const double t_start = ex->profile ? hfc_profile_now(ex->profile) : 0.0;
    double flop = src->down
                      ? conv_flop(src->down, n_cols)
                      : 2.0 * src->up->c_in * src->up->c_out * src->up->kernel * (double)src->in->n;
    int lead = 0, trail = 0, pad = 0;
    for (int j = 0; j < n; j++) {
        const hfc_conv *chain[2 * HFC_MAX_DILATIONS];
        const int n_convs = resblock_chain(&rbs[j], resblock_type, chain);
        int l = 0, t = 0;
        for (int q = 0; q < n_convs; q++) {
            l += q > 0 ? chain[q]->pad_left : 0;
            t += q > 0 ? chain[q]->pad_right : 0;
            pad = chain[q]->pad_left > pad ? chain[q]->pad_left : pad;
            pad = chain[q]->pad_right > pad ? chain[q]->pad_right : pad;
            flop += conv_flop(chain[q], n_cols);
        }
        lead = l > lead ? l : lead;
        trail = t > trail ? t : trail;
    }
    /* About 128 KB per buffer keeps a thread's in L2. Wide layers do enough FMAs per
     * column for the halo, not memory, to be the cost: 32 halos wide there (~3%
     * recomputed), 8 for narrow ones. Whole multiples of the SIMD tiles. */
    const int64_t halo = lead + trail + 2 * pad;
    const int64_t min_tile = (next->channels >= 64 ? 32 : 8) * halo;
    int64_t tile = 32768 / next->channels;
    tile = tile > min_tile ? tile : min_tile;
    /* ... but at least two tiles per thread, so the pool has work to share. */
    const int threads = hfc_pool_threads(ex->pool);
    const int64_t share = (n_cols + 2 * threads - 1) / (2 * threads);
    tile = threads > 1 && share < tile ? share : tile;
    tile = (tile + 47) / 48 * 48;
    tile = tile < n_cols ? tile : n_cols;
    tile_plan p = {
        .ex = ex,
        .src = src,
        .rbs = rbs,
        .n_rb = n,
        .resblock_type = resblock_type,
        .channels = next->channels,
        .slope = slope,
        .next_slope = next_slope,
        .next = next,
        .rb_out = rb_out,
        .n = n_cols,
        .tile = tile,
        .reach = lead + pad,
        .after = trail + pad,
        .width = (lead + pad + tile + trail + pad + 15) & ~(ptrdiff_t)15,
    };
    const size_t floats = (size_t)threads * N_LOCAL * (size_t)p.channels * (size_t)p.width;
    hfc_workspace *ws = ex->ws;
    if (ws && ws->local_floats < floats) {
        free(ws->local);
        ws->local = aligned_alloc(64, floats * sizeof(float));
        ws->local_floats = ws->local ? floats : 0;
    }
    p.local = ws ? ws->local : aligned_alloc(64, floats * sizeof(float));
    if (!p.local)
        return HFC_ERR_NO_MEMORY;
    hfc_pool_run(ex->pool, (int)((n_cols + tile - 1) / tile), tile_task, &p);
    if (!ws)
        free(p.local);
    if (ex->profile) {
        hfc_profile *pr = ex->profile;
        pr->stage[pr->current].conv_s += hfc_profile_now(pr) - t_start;
        pr->stage[pr->current].conv_flop += flop;
    }
    return HFC_OK;
}

/* With GroupNorm (the official encoder) each resblock's sum must be normalised over
 * the whole utterance before the next is added. The resblocks themselves all read
 * the stage's input only, so they run tiled (stage_tiled), each one's output kept
 * whole; then, resblock by resblock, the running sum adds it and is normalised
 * (hfc_run_group_norm); then the mean and its activation. The same additions in the
 * same order as the layer-by-layer pass below, which a stage with more resblocks
 * than the stage buffers hold still takes: a 64-channel stage at 8 kHz is bound by
 * memory layer by layer (each conv streams its input, residual and two outputs
 * through DRAM), and ran at half the speed of the wider stages.
 *
 * Layer by layer, the epilogues carry the elementwise work: the input layer writes x and its
 * activation ax; per resblock j and step m, step outputs r (in place, from x at
 * m = 0) and its activation for the next step, ping-ponging between a and b; a
 * ResBlock1 step's first conv activates into c; the last step of resblock j adds
 * into the running sum. */
static int stage_normalised(const hfc_exec *ex, const hfc_stage_input *src, const hfc_resblock *rbs,
                            int n, int resblock_type, float slope, const hfc_group_norm *norms,
                            float next_slope, hfc_act *next, hfc_stage_buffers *buf, int margin)
{
    hfc_act *const rb_out[] = {&buf->sum, &buf->x, &buf->ax, &buf->r, &buf->a, &buf->b, &buf->c};
    if (n <= (int)(sizeof rb_out / sizeof rb_out[0]) && !ex->layer_by_layer) {
        int status = stage_tiled(ex, src, rbs, n, resblock_type, slope, next_slope, next, rb_out,
                                 margin);
        for (int j = 0; j < n && status == HFC_OK; j++)
            hfc_run_group_norm(ex, &norms[j], &buf->sum, j > 0 ? rb_out[j] : NULL);
        if (status == HFC_OK) {
            hfc_run_rows(ex, HFC_ROWS_DIVIDE, &buf->sum, NULL, (float)n);
            hfc_run_rows(ex, HFC_ROWS_LRELU, next, &buf->sum, next_slope);
        }
        return status;
    }
    const int64_t n_cols = stage_length(src);
    const int channels = stage_channels(src);
    hfc_act *x = &buf->x;
    int status = hfc_act_reshape(x, channels, n_cols, margin);
    if (status == HFC_OK)
        status = shape_like(&buf->ax, x);
    if (status == HFC_OK)
        status = shape_like(next, x);
    int steps = 0;
    for (int j = 0; j < n; j++)
        steps = rbs[j].n_convs > steps ? rbs[j].n_convs : steps;
    if (status == HFC_OK && steps > 1)
        status = shape_like(&buf->r, x);
    if (status == HFC_OK && steps > 1)
        status = shape_like(&buf->a, x);
    if (status == HFC_OK && steps > 2)
        status = shape_like(&buf->b, x);
    if (status == HFC_OK && resblock_type == HFC_RESBLOCK_1)
        status = shape_like(&buf->c, x);
    if (status == HFC_OK)
        status = shape_like(&buf->sum, x);
    if (status != HFC_OK)
        return status;
    const hfc_conv_out first = {.out = x, .act = &buf->ax, .slope = slope};
    if (src->down)
        hfc_run_conv(ex, src->down, src->in, n_cols, &first);
    else
        hfc_run_convt(ex, src->up, src->in, n_cols, &first);
    hfc_act *ping_pong[2] = {&buf->a, &buf->b};
    for (int j = 0; j < n; j++) {
        const hfc_resblock *rb = &rbs[j];
        const hfc_act *in = &buf->ax, *res = x;
        for (int m = 0; m < rb->n_convs; m++) {
            hfc_conv_out to = {.res = res, .slope = slope};
            if (m + 1 < rb->n_convs) {
                to.out = &buf->r;
                to.act = ping_pong[m % 2];
            } else {
                to.sum = j > 0 ? &buf->sum : NULL;
                to.sum_out = &buf->sum;
            }
            if (resblock_type == HFC_RESBLOCK_1) {
                const hfc_conv_out activate = {.act = &buf->c, .slope = slope};
                hfc_run_conv(ex, &rb->convs1[m], in, n_cols, &activate);
                hfc_run_conv(ex, &rb->convs2[m], &buf->c, n_cols, &to);
            } else {
                hfc_run_conv(ex, &rb->convs1[m], in, n_cols, &to);
            }
            in = ping_pong[m % 2];
            res = &buf->r;
        }
        hfc_run_group_norm(ex, &norms[j], &buf->sum, NULL);
    }
    hfc_run_rows(ex, HFC_ROWS_DIVIDE, &buf->sum, NULL, (float)n);
    hfc_run_rows(ex, HFC_ROWS_LRELU, next, &buf->sum, next_slope);
    return HFC_OK;
}

int hfc_stage_run(const hfc_exec *ex, const hfc_stage_input *src, const hfc_resblock *rbs, int n,
                  int resblock_type, float slope, const hfc_group_norm *norms, float next_slope,
                  hfc_act *next, hfc_stage_buffers *buf, int margin)
{
    if (norms)
        return stage_normalised(ex, src, rbs, n, resblock_type, slope, norms, next_slope, next, buf,
                                margin);
    return stage_tiled(ex, src, rbs, n, resblock_type, slope, next_slope, next, NULL, margin);
}
