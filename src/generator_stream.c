/* The generator, streaming. Latent frames go into pre.in; each run pushes whatever
 * became computable through conv_pre, the upsampling stages and conv_post into
 * `audio` (before tanh). */
#include <string.h>

#include "hificodec.h"
#include "stream_net.h"

static int conv_burst(const hfc_conv *cv, int in_burst)
{
    int buffered = hfc_sconv_history(cv, cv->kernel) + cv->pad_left + in_burst + cv->pad_right;
    return buffered / cv->stride + 1;
}

static int convt_burst(const hfc_convt *cv, int in_burst)
{
    /* Buffered inputs (history + burst) times the stride, plus the flush tail. */
    return (in_burst + cv->kernel / cv->stride + 2) * cv->stride + cv->kernel;
}

int hfc_generator_stream_lookahead(const hfc_generator_net *net, const hfc_stream_plan *plan)
{
    int samples_per_column = 1;
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
    }
    return lookahead + hfc_sconv_lookahead(&net->post, hfc_stream_taps(&net->post, plan));
}

int hfc_generator_stream_init(hfc_generator_stream *s, const hfc_generator_net *net,
                              int max_frames_per_run, const hfc_stream_plan *plan)
{
    memset(s, 0, sizeof *s);
    s->net = net;
    s->n_stages = net->n_stages;
    int burst = max_frames_per_run + net->pre.pad_right;
    int status = hfc_sconv_init(&s->pre, &net->pre, burst, hfc_stream_taps(&net->pre, plan));
    burst = conv_burst(&net->pre, burst);
    if (status == HFC_OK)
        status = hfc_colbuf_init(&s->x, net->pre.c_out, burst);
    int scratch_cap = burst, max_channels = 1;
    for (int i = 0; i < s->n_stages && status == HFC_OK; i++) {
        hfc_sstage *st = &s->stage[i];
        const hfc_convt *up = &net->up[i];
        status = hfc_sconvt_init(&st->up, up, burst);
        int span = 0;
        for (int j = 0; j < net->n_resblocks; j++)
            span += hfc_resblock_span(&net->rb[i][j], net->resblock_type);
        int cap = 2 * (convt_burst(up, burst) + span) + 32;
        st->n_resblocks = net->n_resblocks;
        if (status == HFC_OK)
            status = hfc_colbuf_init(&st->y, up->c_out, cap);
        if (status == HFC_OK)
            status = hfc_colbuf_init(&st->out, up->c_out, cap);
        for (int j = 0; j < net->n_resblocks && status == HFC_OK; j++)
            status = hfc_sresblock_init(&st->rb[j], &net->rb[i][j], net->resblock_type, net->slope,
                                        cap, plan);
        burst = cap;
        scratch_cap = cap > scratch_cap ? cap : scratch_cap;
        max_channels = up->c_out > max_channels ? up->c_out : max_channels;
    }
    if (status == HFC_OK)
        status = hfc_sconv_init(&s->post, &net->post, burst, hfc_stream_taps(&net->post, plan));
    if (status == HFC_OK)
        status = hfc_colbuf_init(&s->audio, 1, conv_burst(&net->post, burst));
    if (status == HFC_OK)
        status = hfc_colbuf_init(&s->scratch, max_channels, scratch_cap);
    s->lookahead_samples = hfc_generator_stream_lookahead(net, plan);
    if (status == HFC_OK)
        hfc_generator_stream_reset(s);
    return status;
}

void hfc_generator_stream_free(hfc_generator_stream *s)
{
    hfc_sconv_free(&s->pre);
    hfc_colbuf_free(&s->x);
    for (int i = 0; i < HFC_MAX_STAGES; i++) {
        hfc_sstage *st = &s->stage[i];
        hfc_sconvt_free(&st->up);
        hfc_colbuf_free(&st->y);
        hfc_colbuf_free(&st->out);
        for (int j = 0; j < HFC_MAX_RESBLOCKS; j++)
            hfc_sresblock_free(&st->rb[j]);
    }
    hfc_sconv_free(&s->post);
    hfc_colbuf_free(&s->audio);
    hfc_colbuf_free(&s->scratch);
}

void hfc_generator_stream_reset(hfc_generator_stream *s)
{
    hfc_sconv_reset(&s->pre);
    hfc_colbuf_reset(&s->x, 0);
    for (int i = 0; i < s->n_stages; i++) {
        hfc_sstage *st = &s->stage[i];
        hfc_sconvt_reset(&st->up);
        hfc_colbuf_reset(&st->y, 0);
        hfc_colbuf_reset(&st->out, 0);
        for (int j = 0; j < st->n_resblocks; j++)
            hfc_sresblock_reset(&st->rb[j]);
    }
    hfc_sconv_reset(&s->post);
    hfc_colbuf_reset(&s->audio, 0);
}

static int any_overflow(const hfc_generator_stream *s)
{
    int bad = s->pre.in.overflow | s->x.overflow | s->post.in.overflow | s->audio.overflow |
              s->scratch.overflow;
    for (int i = 0; i < s->n_stages; i++) {
        const hfc_sstage *st = &s->stage[i];
        bad |= st->up.in.overflow | st->y.overflow | st->out.overflow;
        for (int j = 0; j < st->n_resblocks; j++)
            for (int m = 0; m < st->rb[j].n_steps; m++)
                bad |= st->rb[j].r[m + 1].overflow | st->rb[j].r[m].overflow |
                       st->rb[j].c1[m].in.overflow | st->rb[j].c2[m].in.overflow;
    }
    return bad;
}

int hfc_generator_stream_run(hfc_generator_stream *s, const hfc_kernels *kern, int finish)
{
    if (finish)
        hfc_sconv_finish(&s->pre);
    hfc_sconv_run(&s->pre, kern, &s->x);
    hfc_colbuf *prev = &s->x;
    for (int i = 0; i < s->n_stages; i++) {
        hfc_sstage *st = &s->stage[i];
        hfc_feed_activated(&st->up.in, prev, s->net->slope);
        if (finish)
            hfc_sconvt_finish(&st->up);
        hfc_sconvt_run(&st->up, kern, &st->y);
        hfc_sstage_resblocks(st, kern, &s->scratch, finish);
        prev = &st->out;
    }
    hfc_feed_activated(&s->post.in, prev, s->net->slope);
    if (finish)
        hfc_sconv_finish(&s->post);
    hfc_sconv_run(&s->post, kern, &s->audio);
    return any_overflow(s) ? HFC_ERR_INTERNAL : HFC_OK;
}
