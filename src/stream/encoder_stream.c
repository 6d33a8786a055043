/* The encoder, streaming. Samples go into pre.in; each run pushes whatever became
 * computable through conv_pre, the stages and conv_post into `latent`.
 *
 * GroupNorm (official, non-causal models only) normally uses the whole utterance's
 * statistics, which a stream cannot know; here each column is normalised with the
 * running statistics of the columns so far (stream_stage.c). Causal models have no
 * GroupNorm and stream exactly. */
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"
#include "stream_net.h"

static int init_norms(hfc_sstage *st, const hfc_group_norm *norms, int n)
{
    st->norm = calloc((size_t)n, sizeof *st->norm);
    if (!st->norm)
        return HFC_ERR_NO_MEMORY;
    for (int j = 0; j < n; j++) {
        st->norm[j].gn = &norms[j];
        st->norm[j].sum = calloc((size_t)norms[j].groups, sizeof(double));
        st->norm[j].sum_sq = calloc((size_t)norms[j].groups, sizeof(double));
        if (!st->norm[j].sum || !st->norm[j].sum_sq)
            return HFC_ERR_NO_MEMORY;
    }
    return HFC_OK;
}

/* Look-ahead in input samples through each stage (cumulative, into
 * stage_lookahead[i] when not NULL) and of the whole network (returned). Each
 * layer's look-ahead in its input columns counts times the samples a column spans;
 * a stage's parallel resblocks wait for the slowest. */
static int encoder_lookahead(const hfc_encoder_net *net, const hfc_stream_plan *plan,
                             int *stage_lookahead)
{
    int samples_per_column = 1;
    int lookahead = hfc_sconv_lookahead(&net->pre, hfc_stream_taps(&net->pre, plan));
    for (int i = 0; i < net->n_stages; i++) {
        const hfc_conv *down = &net->down[i];
        lookahead += hfc_sconv_lookahead(down, hfc_stream_taps(down, plan)) * samples_per_column;
        samples_per_column *= down->stride;
        int rb_lookahead = 0;
        for (int j = 0; j < net->n_resblocks; j++) {
            int r = hfc_resblock_lookahead(&net->rb[i][j], net->resblock_type, plan);
            rb_lookahead = r > rb_lookahead ? r : rb_lookahead;
        }
        lookahead += rb_lookahead * samples_per_column;
        if (stage_lookahead)
            stage_lookahead[i] = lookahead;
    }
    return lookahead + hfc_sconv_lookahead(&net->post, hfc_stream_taps(&net->post, plan)) *
                           samples_per_column;
}

int hfc_encoder_stream_lookahead(const hfc_encoder_net *net, const hfc_stream_plan *plan)
{
    return encoder_lookahead(net, plan, NULL);
}

int hfc_encoder_stream_init(hfc_encoder_stream *s, const hfc_encoder_net *net,
                            int max_samples_per_run, const hfc_stream_plan *plan)
{
    memset(s, 0, sizeof *s);
    s->net = net;
    s->n_stages = net->n_stages;
    s->final_slope = net->final_slope;
    int stage_lookahead[HFC_MAX_STAGES];
    s->lookahead_samples = encoder_lookahead(net, plan, stage_lookahead);
    /* Columns a stage's signals may hold at once: one run's worth plus, at flush,
     * the columns held back for look-ahead and the padding. Each conv adds its own
     * history to its input buffer; the residual queues add their own delay. */
    int burst = max_samples_per_run + net->pre.pad_right + net->pre.kernel + 2;
    int status = hfc_sconv_init(&s->pre, &net->pre, burst, 0);
    if (status == HFC_OK)
        status = hfc_colbuf_init(&s->x, net->pre.c_out, burst);
    int samples_per_column = 1;
    for (int i = 0; i < s->n_stages && status == HFC_OK; i++) {
        hfc_sstage *st = &s->stage[i];
        const hfc_conv *down = &net->down[i];
        status = hfc_sconv_init(&st->down, down, burst, hfc_stream_taps(down, plan));
        samples_per_column *= down->stride;
        int cap = (max_samples_per_run + samples_per_column - 1) / samples_per_column +
                  (stage_lookahead[i] + samples_per_column - 1) / samples_per_column +
                  down->kernel + 16;
        if (status == HFC_OK)
            status = hfc_sstage_init_resblocks(st, net->rb[i], net->n_resblocks,
                                               net->resblock_type, net->slope, down->c_out, cap,
                                               plan);
        if (status == HFC_OK && net->group_norm)
            status = init_norms(st, net->norm[i], net->n_resblocks);
        burst = cap;
    }
    burst += net->post.pad_right + net->post.kernel;
    if (status == HFC_OK)
        status = hfc_sconv_init(&s->post, &net->post, burst, hfc_stream_taps(&net->post, plan));
    if (status == HFC_OK)
        status = hfc_colbuf_init(&s->latent, net->post.c_out, burst);
    if (status == HFC_OK)
        hfc_encoder_stream_reset(s);
    return status;
}

void hfc_encoder_stream_free(hfc_encoder_stream *s)
{
    hfc_sconv_free(&s->pre);
    hfc_colbuf_free(&s->x);
    for (int i = 0; i < HFC_MAX_STAGES; i++)
        hfc_sstage_free(&s->stage[i]);
    hfc_sconv_free(&s->post);
    hfc_colbuf_free(&s->latent);
}

void hfc_encoder_stream_reset(hfc_encoder_stream *s)
{
    hfc_sconv_reset(&s->pre);
    hfc_colbuf_reset(&s->x, 0);
    for (int i = 0; i < s->n_stages; i++)
        hfc_sstage_reset(&s->stage[i]);
    hfc_sconv_reset(&s->post);
    hfc_colbuf_reset(&s->latent, 0);
}

static int any_overflow(const hfc_encoder_stream *s)
{
    int bad = s->pre.in.overflow | s->x.overflow | s->post.in.overflow | s->latent.overflow;
    for (int i = 0; i < s->n_stages; i++)
        bad |= hfc_sstage_overflow(&s->stage[i]);
    return bad;
}

/* Stages [i0, i1) of n streams in step (the conv_pre output first when i0 == 0):
 * each conv one batched call. */
static void run_stages(hfc_encoder_stream *const *s, int n, int i0, int i1, int finish)
{
    hfc_sconv *conv[HFC_STREAM_BATCH_MAX] = {0};
    hfc_colbuf *out[HFC_STREAM_BATCH_MAX] = {0};
    hfc_sstage *stage[HFC_STREAM_BATCH_MAX] = {0};
    if (i0 == 0) {
        for (int k = 0; k < n; k++) {
            conv[k] = &s[k]->pre;
            out[k] = &s[k]->x;
        }
        hfc_sconv_finish_run_many(conv, out, n, finish);
    }
    for (int i = i0; i < i1; i++) {
        for (int k = 0; k < n; k++) {
            hfc_sstage *st = stage[k] = &s[k]->stage[i];
            hfc_feed_activated(&st->down.in, i == 0 ? &s[k]->x : &s[k]->stage[i - 1].out,
                               s[k]->net->slope);
            conv[k] = &st->down;
            out[k] = &st->y;
        }
        hfc_sconv_finish_run_many(conv, out, n, finish);
        hfc_sstage_resblocks_many(stage, n, finish);
    }
}

int hfc_encoder_stream_run_many(hfc_encoder_stream *const *s, int n, int finish)
{
    /* The high-rate stages run stream by stream: their calls are wide enough to
     * reuse each weight over many columns, and a stream's signals stay in cache from
     * layer to layer. The stages that get a handful of columns a frame run in step:
     * their weights, too big for L2, then stream once for the batch (the measured
     * payoff: BENCHMARKS.md). */
    const int n_stages = s[0]->n_stages;
    int split = 0, per_frame = 1;
    for (int i = 0; i < n_stages; i++)
        per_frame *= s[0]->net->down[i].stride;
    while (split < n_stages && n > 1 && (per_frame /= s[0]->net->down[split].stride) > 8)
        split++;
    for (int k = 0; k < n && split > 0; k++)
        run_stages(&s[k], 1, 0, split, finish);
    run_stages(s, n, split, n_stages, finish);
    hfc_sconv *conv[HFC_STREAM_BATCH_MAX] = {0};
    hfc_colbuf *out[HFC_STREAM_BATCH_MAX] = {0};
    for (int k = 0; k < n; k++) {
        hfc_feed_activated(&s[k]->post.in, &s[k]->stage[n_stages - 1].out, s[k]->final_slope);
        conv[k] = &s[k]->post;
        out[k] = &s[k]->latent;
    }
    hfc_sconv_finish_run_many(conv, out, n, finish);
    int status = HFC_OK;
    for (int k = 0; k < n; k++)
        status = status == HFC_OK && any_overflow(s[k]) ? HFC_ERR_INTERNAL : status;
    return status;
}

int hfc_encoder_stream_run(hfc_encoder_stream *s, int finish)
{
    return hfc_encoder_stream_run_many(&s, 1, finish);
}
