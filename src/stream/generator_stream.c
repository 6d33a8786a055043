/* The generator, streaming. Latent frames go into pre.in; each run pushes whatever
 * became computable through conv_pre, the upsampling stages and conv_post (and the
 * istft head) into `audio` (before tanh or the clip). */
#include <string.h>

#include "hificodec.h"
#include "stream_net.h"

/* Look-ahead in output samples through each stage (cumulative, into
 * stage_lookahead[i] when not NULL) and of the whole network (returned). */
static int generator_lookahead(const hfc_generator_net *net, const hfc_stream_plan *plan,
                               int *stage_lookahead)
{
    const int istft = net->head_type == HFC_HEAD_ISTFT;
    const int head_hop = istft ? net->head.stride : 1;
    int samples_per_column = head_hop;
    for (int i = 0; i < net->n_stages; i++)
        samples_per_column *= net->up[i].stride;
    int lookahead =
        hfc_sconv_lookahead(&net->pre, hfc_stream_taps(&net->pre, plan)) * samples_per_column;
    for (int i = 0; i < net->n_stages; i++) {
        const hfc_convt *up = &net->up[i];
        /* Output n waits for input (n + crop_left) / stride: up to
         * ceil(crop_left / stride) input columns of look-ahead. */
        lookahead += (up->crop_left + up->stride - 1) / up->stride * samples_per_column;
        samples_per_column /= up->stride;
        int rb_lookahead = 0;
        for (int j = 0; j < net->n_resblocks; j++) {
            int r = hfc_resblock_lookahead(&net->rb[i][j], net->resblock_type, plan);
            rb_lookahead = r > rb_lookahead ? r : rb_lookahead;
        }
        lookahead += rb_lookahead * samples_per_column;
        if (stage_lookahead)
            stage_lookahead[i] = lookahead;
    }
    lookahead += hfc_sconv_lookahead(&net->post, hfc_stream_taps(&net->post, plan)) * head_hop;
    /* The head's centred crop, as a stage's (a causal head adds none). */
    if (istft)
        lookahead += (net->head.crop_left + head_hop - 1) / head_hop * head_hop;
    return lookahead;
}

int hfc_generator_stream_lookahead(const hfc_generator_net *net, const hfc_stream_plan *plan)
{
    return generator_lookahead(net, plan, NULL);
}

int hfc_generator_stream_init(hfc_generator_stream *s, const hfc_generator_net *net,
                              int max_frames_per_run, const hfc_stream_plan *plan)
{
    memset(s, 0, sizeof *s);
    s->net = net;
    s->n_stages = net->n_stages;
    int stage_lookahead[HFC_MAX_STAGES];
    s->lookahead_samples = generator_lookahead(net, plan, stage_lookahead);
    const int istft = net->head_type == HFC_HEAD_ISTFT;
    const int head_hop = istft ? net->head.stride : 1;
    int hop = head_hop;
    for (int i = 0; i < net->n_stages; i++)
        hop *= net->up[i].stride;
    /* Columns a stage's signals may hold at once: one run's worth plus, at flush,
     * the columns held back for look-ahead and the padding. Each conv adds its own
     * history to its input buffer; the residual queues add their own delay. */
    int frame_cols = max_frames_per_run + net->pre.pad_right + net->pre.kernel + 2;
    int status = hfc_sconv_init(&s->pre, &net->pre, frame_cols, hfc_stream_taps(&net->pre, plan));
    if (status == HFC_OK)
        status = hfc_colbuf_init(&s->x, net->pre.c_out, frame_cols);
    int burst = frame_cols, columns_per_frame = 1;
    for (int i = 0; i < s->n_stages && status == HFC_OK; i++) {
        hfc_sstage *st = &s->stage[i];
        const hfc_convt *up = &net->up[i];
        status = hfc_sconvt_init(&st->up, up, burst);
        columns_per_frame *= up->stride;
        const int samples_per_column = hop / columns_per_frame;
        int cap = columns_per_frame * max_frames_per_run + up->kernel +
                  (stage_lookahead[i] + samples_per_column - 1) / samples_per_column + 16;
        if (status == HFC_OK)
            status = hfc_sstage_init_resblocks(st, net->rb[i], net->n_resblocks,
                                               net->resblock_type, net->slope, up->c_out, cap,
                                               plan);
        burst = cap;
    }
    burst += net->post.pad_right + net->post.kernel;
    if (status == HFC_OK)
        status = hfc_sconv_init(&s->post, &net->post, burst, hfc_stream_taps(&net->post, plan));
    if (status == HFC_OK && istft) {
        status = hfc_sconvt_init(&s->head, &net->head, burst);
        burst = burst * head_hop + net->head.kernel;
    }
    if (status == HFC_OK)
        status = hfc_colbuf_init(&s->audio, 1, burst);
    if (status == HFC_OK)
        hfc_generator_stream_reset(s);
    return status;
}

void hfc_generator_stream_free(hfc_generator_stream *s)
{
    hfc_sconv_free(&s->pre);
    hfc_colbuf_free(&s->x);
    for (int i = 0; i < HFC_MAX_STAGES; i++)
        hfc_sstage_free(&s->stage[i]);
    hfc_sconv_free(&s->post);
    hfc_sconvt_free(&s->head);
    hfc_colbuf_free(&s->audio);
}

void hfc_generator_stream_reset(hfc_generator_stream *s)
{
    hfc_sconv_reset(&s->pre);
    hfc_colbuf_reset(&s->x, 0);
    for (int i = 0; i < s->n_stages; i++)
        hfc_sstage_reset(&s->stage[i]);
    hfc_sconv_reset(&s->post);
    if (s->head.cv)
        hfc_sconvt_reset(&s->head);
    hfc_colbuf_reset(&s->audio, 0);
}

static int any_overflow(const hfc_generator_stream *s)
{
    int bad = s->pre.in.overflow | s->x.overflow | s->post.in.overflow | s->audio.overflow |
              s->head.in.overflow;
    for (int i = 0; i < s->n_stages; i++)
        bad |= hfc_sstage_overflow(&s->stage[i]);
    return bad;
}

int hfc_generator_stream_run_many(hfc_generator_stream *const *s, int n, int finish)
{
    hfc_sconv *conv[HFC_STREAM_BATCH_MAX] = {0};
    hfc_colbuf *out[HFC_STREAM_BATCH_MAX] = {0};
    hfc_sstage *stage[HFC_STREAM_BATCH_MAX] = {0};
    for (int k = 0; k < n; k++) {
        conv[k] = &s[k]->pre;
        out[k] = &s[k]->x;
    }
    hfc_sconv_finish_run_many(conv, out, n, finish);
    for (int i = 0; i < s[0]->n_stages; i++) {
        /* The transposed convs run per stream: no batched kernel for them (yet). */
        for (int k = 0; k < n; k++) {
            hfc_sstage *st = stage[k] = &s[k]->stage[i];
            hfc_feed_activated(&st->up.in, i == 0 ? &s[k]->x : &s[k]->stage[i - 1].out,
                               s[k]->net->slope);
            if (finish)
                hfc_sconvt_finish(&st->up);
            hfc_sconvt_run(&st->up, &st->y);
        }
        hfc_sstage_resblocks_many(stage, n, finish);
    }
    int status = HFC_OK;
    int64_t head_from[HFC_STREAM_BATCH_MAX] = {0};
    for (int k = 0; k < n; k++) {
        hfc_feed_activated(&s[k]->post.in, &s[k]->stage[s[k]->n_stages - 1].out, s[k]->net->slope);
        conv[k] = &s[k]->post;
        out[k] = s[k]->head.cv ? &s[k]->head.in : &s[k]->audio;
        head_from[k] = hfc_colbuf_end(out[k]);
    }
    hfc_sconv_finish_run_many(conv, out, n, finish);
    for (int k = 0; k < n; k++) {
        hfc_sconvt *head = &s[k]->head;
        if (!head->cv)
            continue;
        const int64_t end = hfc_colbuf_end(&head->in);
        hfc_istft_polar(hfc_colbuf_at(&head->in, 0, head_from[k]), head->in.ld,
                        s[k]->net->head_bins, end - head_from[k]);
        if (finish)
            hfc_sconvt_finish(head);
        hfc_sconvt_run(head, &s[k]->audio);
    }
    for (int k = 0; k < n; k++)
        status = status == HFC_OK && any_overflow(s[k]) ? HFC_ERR_INTERNAL : status;
    return status;
}

int hfc_generator_stream_run(hfc_generator_stream *s, int finish)
{
    return hfc_generator_stream_run_many(&s, 1, finish);
}
