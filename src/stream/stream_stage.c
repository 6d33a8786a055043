/* Streaming resblocks and the join of a stage's parallel resblocks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"
#include "stream_net.h"

int hfc_stream_taps(const hfc_conv *cv, const hfc_stream_plan *plan)
{
    /* Taps past the centre read the future; keep the planned fraction of them. */
    int centre = cv->pad_left / cv->dilation;
    int future = cv->kernel - 1 - centre;
    if (plan->keep_lookahead >= 1.0 || future <= 0 || cv->stride != 1)
        return cv->kernel;
    int keep = (int)floor(future * plan->keep_lookahead + 1e-9);
    return centre + 1 + (keep > 0 ? keep : 0);
}

int hfc_resblock_lookahead(const hfc_resblock *rb, int type, const hfc_stream_plan *plan)
{
    int reach = 0;
    for (int m = 0; m < rb->n_convs; m++) {
        reach += hfc_sconv_lookahead(&rb->convs1[m], hfc_stream_taps(&rb->convs1[m], plan));
        if (type == HFC_RESBLOCK_1)
            reach += hfc_sconv_lookahead(&rb->convs2[m], hfc_stream_taps(&rb->convs2[m], plan));
    }
    return reach;
}

int hfc_sresblock_init(hfc_sresblock *b, const hfc_resblock *rb, int type, float slope,
                       int max_new, const hfc_stream_plan *plan)
{
    memset(b, 0, sizeof *b);
    b->n_steps = rb->n_convs;
    b->type = type;
    b->slope = slope;
    const int channels = rb->convs1[0].c_in;
    /* A residual column waits in r[m] until the convs' output for its time exists:
     * their look-ahead, zero for causal models. */
    const int fifo = max_new + hfc_resblock_lookahead(rb, type, plan) + 1;
    int status = HFC_OK;
    for (int m = 0; m <= b->n_steps && status == HFC_OK; m++)
        status = hfc_colbuf_init(&b->r[m], channels, fifo);
    for (int m = 0; m < b->n_steps && status == HFC_OK; m++) {
        status = hfc_sconv_init(&b->c1[m], &rb->convs1[m], max_new,
                                hfc_stream_taps(&rb->convs1[m], plan));
        if (status == HFC_OK && type == HFC_RESBLOCK_1)
            status = hfc_sconv_init(&b->c2[m], &rb->convs2[m], max_new,
                                    hfc_stream_taps(&rb->convs2[m], plan));
    }
    if (status == HFC_OK)
        hfc_sresblock_reset(b);
    return status;
}

void hfc_sresblock_free(hfc_sresblock *b)
{
    for (int m = 0; m <= HFC_MAX_DILATIONS; m++)
        hfc_colbuf_free(&b->r[m]);
    for (int m = 0; m < HFC_MAX_DILATIONS; m++) {
        hfc_sconv_free(&b->c1[m]);
        hfc_sconv_free(&b->c2[m]);
    }
}

void hfc_sresblock_reset(hfc_sresblock *b)
{
    for (int m = 0; m <= b->n_steps; m++)
        hfc_colbuf_reset(&b->r[m], 0);
    for (int m = 0; m < b->n_steps; m++) {
        b->fed[m] = 0;
        hfc_sconv_reset(&b->c1[m]);
        if (b->type == HFC_RESBLOCK_1)
            hfc_sconv_reset(&b->c2[m]);
    }
}

/* Appends leaky_relu of src's columns [from, end) to dst. */
static void feed_range(hfc_colbuf *dst, const hfc_colbuf *src, int64_t from, float slope)
{
    int64_t end = hfc_colbuf_end(src);
    int k = (int)(end - from);
    int64_t at = hfc_colbuf_end(dst);
    if (k <= 0 || !hfc_colbuf_grow(dst, k))
        return;
    for (int c = 0; c < dst->channels; c++) {
        const float *s = hfc_colbuf_at(src, c, from);
        float *d = hfc_colbuf_at(dst, c, at);
        for (int i = 0; i < k; i++)
            d[i] = hfc_leaky_relu(s[i], slope);
    }
}

void hfc_feed_activated(hfc_colbuf *dst, hfc_colbuf *src, float slope)
{
    feed_range(dst, src, src->t0, slope);
    hfc_colbuf_drop_before(src, hfc_colbuf_end(src));
}

/* Runs the same conv of n streams (conv(i)) into their scratch buffers. */
static void run_into_scratch(hfc_sconv *(*conv)(hfc_sresblock *, int), hfc_sresblock *const *b,
                             int m, hfc_colbuf *const *scratch, int n, int finish)
{
    hfc_sconv *convs[HFC_STREAM_BATCH_MAX];
    for (int i = 0; i < n; i++) {
        convs[i] = conv(b[i], m);
        if (finish)
            hfc_sconv_finish(convs[i]);
        hfc_colbuf_reset(scratch[i], convs[i]->next_out);
    }
    hfc_sconv_run_many(convs, scratch, n);
}

static hfc_sconv *conv1_of(hfc_sresblock *b, int m)
{
    return &b->c1[m];
}

static hfc_sconv *conv2_of(hfc_sresblock *b, int m)
{
    return &b->c2[m];
}

/* Join by time: r[m+1](t) = conv(t) + r[m](t), the official `xt + x`. */
static void join_step(hfc_sresblock *b, int m, hfc_colbuf *scratch)
{
    hfc_colbuf *r = &b->r[m], *next = &b->r[m + 1];
    const int64_t from = scratch->t0, k = scratch->n;
    int64_t at = hfc_colbuf_end(next);
    if (k > 0 && at == from && from >= r->t0 && hfc_colbuf_grow(next, (int)k))
        for (int c = 0; c < r->channels; c++) {
            const float *conv = hfc_colbuf_at(scratch, c, from);
            const float *res = hfc_colbuf_at(r, c, from);
            float *out = hfc_colbuf_at(next, c, at);
            for (int64_t i = 0; i < k; i++)
                out[i] = conv[i] + res[i];
        }
    else if (k > 0)
        next->overflow = 1; /* out of step: a bug, surfaced by the caller */
    hfc_colbuf_drop_before(r, from + k);
}

void hfc_sresblock_run_many(hfc_sresblock *const *b, hfc_colbuf *const *scratch, int n,
                            int finish)
{
    for (int m = 0; m < b[0]->n_steps; m++) {
        for (int i = 0; i < n; i++) {
            feed_range(&b[i]->c1[m].in, &b[i]->r[m], b[i]->fed[m], b[i]->slope);
            b[i]->fed[m] = hfc_colbuf_end(&b[i]->r[m]);
        }
        run_into_scratch(conv1_of, b, m, scratch, n, finish);
        if (b[0]->type == HFC_RESBLOCK_1) {
            /* c1's output, activated, is c2's input. */
            for (int i = 0; i < n; i++)
                hfc_feed_activated(&b[i]->c2[m].in, scratch[i], b[i]->slope);
            run_into_scratch(conv2_of, b, m, scratch, n, finish);
        }
        for (int i = 0; i < n; i++)
            join_step(b[i], m, scratch[i]);
    }
}

void hfc_sresblock_run(hfc_sresblock *b, hfc_colbuf *scratch, int finish)
{
    hfc_sresblock_run_many(&b, &scratch, 1, finish);
}

/* Running statistics up to and including column t stand in for the utterance's:
 * a causal estimate that converges to the offline one as the stream grows. */
static void group_norm_column(hfc_sgroup_norm *s, float *const *rows)
{
    const hfc_group_norm *gn = s->gn;
    const int per_group = gn->channels / gn->groups;
    s->count += 1.0;
    for (int g = 0; g < gn->groups; g++) {
        for (int c = g * per_group; c < (g + 1) * per_group; c++) {
            s->sum[g] += rows[c][0];
            s->sum_sq[g] += (double)rows[c][0] * rows[c][0];
        }
        const double n = s->count * per_group;
        const double mean = s->sum[g] / n;
        double var = s->sum_sq[g] / n - mean * mean;
        var = var > 0.0 ? var : 0.0;
        const double rstd = 1.0 / sqrt(var + gn->eps);
        for (int c = g * per_group; c < (g + 1) * per_group; c++) {
            const float scale = (float)(rstd * gn->gamma[c]);
            const float shift = (float)(gn->beta[c] - mean * rstd * gn->gamma[c]);
            rows[c][0] = rows[c][0] * scale + shift;
        }
    }
}

/* Drops the stage's fed y columns and joins its resblocks' outputs into out. */
static void join_resblocks(hfc_sstage *stage)
{
    hfc_colbuf *y = &stage->y;
    hfc_colbuf_drop_before(y, hfc_colbuf_end(y));
    /* Join the resblocks over the times all of them have produced. */
    hfc_colbuf *out = &stage->out;
    int64_t from = hfc_colbuf_end(out), end = INT64_MAX;
    for (int j = 0; j < stage->n_resblocks; j++) {
        const hfc_colbuf *rj = &stage->rb[j].r[stage->rb[j].n_steps];
        int64_t e = hfc_colbuf_end(rj);
        end = e < end ? e : end;
    }
    if (end <= from || !hfc_colbuf_grow(out, (int)(end - from)))
        return;
    const float n_kernels = (float)stage->n_resblocks;
    const int n = (int)(end - from);
    if (!stage->norm) {
        /* Row by row: (rb0 + rb1 + ...) / n, in the offline pass's order. */
        for (int c = 0; c < out->channels; c++) {
            float *o = hfc_colbuf_at(out, c, from);
            for (int j = 0; j < stage->n_resblocks; j++) {
                const float *r = hfc_colbuf_at(&stage->rb[j].r[stage->rb[j].n_steps], c, from);
                for (int i = 0; i < n; i++)
                    o[i] = j == 0 ? r[i] : o[i] + r[i];
            }
            for (int i = 0; i < n; i++)
                o[i] = o[i] / n_kernels;
        }
    } else {
        /* GroupNorm follows every partial sum, column by column, with the running
         * statistics up to that column. */
        float *rows[HFC_MAX_CHANNELS];
        for (int64_t t = from; t < end; t++) {
            for (int c = 0; c < out->channels; c++)
                rows[c] = hfc_colbuf_at(out, c, t);
            for (int j = 0; j < stage->n_resblocks; j++) {
                const hfc_colbuf *rj = &stage->rb[j].r[stage->rb[j].n_steps];
                for (int c = 0; c < out->channels; c++)
                    rows[c][0] = j == 0 ? hfc_colbuf_at(rj, c, t)[0]
                                        : rows[c][0] + hfc_colbuf_at(rj, c, t)[0];
                group_norm_column(&stage->norm[j], rows);
            }
            for (int c = 0; c < out->channels; c++)
                rows[c][0] = rows[c][0] / n_kernels;
        }
    }
    for (int j = 0; j < stage->n_resblocks; j++)
        hfc_colbuf_drop_before(&stage->rb[j].r[stage->rb[j].n_steps], end);
}

/* Copies the stage's new y columns to resblock j's input queue. */
static void feed_resblock(hfc_sstage *stage, int j)
{
    hfc_colbuf *y = &stage->y, *r0 = &stage->rb[j].r[0];
    int k = y->n;
    int64_t at = hfc_colbuf_end(r0);
    if (k > 0 && hfc_colbuf_grow(r0, k))
        for (int c = 0; c < y->channels; c++)
            memcpy(hfc_colbuf_at(r0, c, at), hfc_colbuf_at(y, c, y->t0), (size_t)k * sizeof(float));
}

void hfc_sstage_resblocks_many(hfc_sstage *const *stage, int n, int finish)
{
    hfc_sresblock *rb[HFC_STREAM_BATCH_MAX];
    hfc_colbuf *scratch[HFC_STREAM_BATCH_MAX];
    for (int j = 0; j < stage[0]->n_resblocks; j++) {
        for (int i = 0; i < n; i++) {
            feed_resblock(stage[i], j);
            rb[i] = &stage[i]->rb[j];
            scratch[i] = &stage[i]->scratch;
        }
        hfc_sresblock_run_many(rb, scratch, n, finish);
    }
    for (int i = 0; i < n; i++)
        join_resblocks(stage[i]);
}

void hfc_sstage_resblocks(hfc_sstage *stage, int finish)
{
    hfc_sstage_resblocks_many(&stage, 1, finish);
}

int hfc_sstage_init_resblocks(hfc_sstage *st, const hfc_resblock *rbs, int n_resblocks, int type,
                              float slope, int channels, int cap, const hfc_stream_plan *plan)
{
    st->n_resblocks = n_resblocks;
    int status = hfc_colbuf_init(&st->y, channels, cap);
    if (status == HFC_OK)
        status = hfc_colbuf_init(&st->out, channels, cap);
    if (status == HFC_OK)
        status = hfc_colbuf_init(&st->scratch, channels, cap);
    for (int j = 0; j < n_resblocks && status == HFC_OK; j++)
        status = hfc_sresblock_init(&st->rb[j], &rbs[j], type, slope, cap, plan);
    return status;
}

void hfc_sstage_free(hfc_sstage *st)
{
    hfc_sconv_free(&st->down);
    hfc_sconvt_free(&st->up);
    hfc_colbuf_free(&st->y);
    hfc_colbuf_free(&st->out);
    hfc_colbuf_free(&st->scratch);
    for (int j = 0; j < HFC_MAX_RESBLOCKS; j++)
        hfc_sresblock_free(&st->rb[j]);
    for (int j = 0; st->norm && j < st->n_resblocks; j++) {
        free(st->norm[j].sum);
        free(st->norm[j].sum_sq);
    }
    free(st->norm);
    st->norm = NULL;
}

void hfc_sstage_reset(hfc_sstage *st)
{
    if (st->down.in.data)
        hfc_sconv_reset(&st->down);
    if (st->up.cv)
        hfc_sconvt_reset(&st->up);
    hfc_colbuf_reset(&st->y, 0);
    hfc_colbuf_reset(&st->out, 0);
    for (int j = 0; j < st->n_resblocks; j++) {
        hfc_sresblock_reset(&st->rb[j]);
        if (st->norm) {
            memset(st->norm[j].sum, 0, (size_t)st->norm[j].gn->groups * sizeof(double));
            memset(st->norm[j].sum_sq, 0, (size_t)st->norm[j].gn->groups * sizeof(double));
            st->norm[j].count = 0.0;
        }
    }
}

int hfc_sstage_overflow(const hfc_sstage *st)
{
    int bad = st->down.in.overflow | st->up.in.overflow | st->y.overflow | st->out.overflow |
              st->scratch.overflow;
    for (int j = 0; j < st->n_resblocks; j++)
        for (int m = 0; m < st->rb[j].n_steps; m++)
            bad |= st->rb[j].r[m + 1].overflow | st->rb[j].r[m].overflow |
                   st->rb[j].c1[m].in.overflow | st->rb[j].c2[m].in.overflow;
    return bad;
}
