/* The HiFi-GAN generator (AcademiCodec models.py `Generator`), offline: conv_pre;
 * per stage lrelu, transposed conv, resblocks averaged; lrelu; conv_post; then
 * tanh, or for the istft head the polar step, the inverse-STFT transposed conv
 * and a clip. */

#include "hificodec.h"
#include "network.h"

int64_t hfc_convt_out_len(const hfc_convt *cv, int64_t n_in)
{
    if (n_in < 1)
        return 0;
    return (n_in - 1) * cv->stride + cv->kernel - cv->crop_left - cv->crop_right;
}

int hfc_generator_net_margin(const hfc_generator_net *net)
{
    int margin = 0;
    const hfc_conv *convs[2] = {&net->pre, &net->post};
    for (int i = 0; i < 2; i++) {
        if (convs[i]->pad_left > margin)
            margin = convs[i]->pad_left;
        if (convs[i]->pad_right > margin)
            margin = convs[i]->pad_right;
    }
    for (int i = 0; i < net->n_stages; i++)
        for (int j = 0; j < net->n_resblocks; j++)
            for (int m = 0; m < net->rb[i][j].n_convs; m++) {
                const hfc_conv *c1 = &net->rb[i][j].convs1[m], *c2 = &net->rb[i][j].convs2[m];
                int p = c1->pad_left > c1->pad_right ? c1->pad_left : c1->pad_right;
                if (net->resblock_type == HFC_RESBLOCK_1) {
                    p = c2->pad_left > p ? c2->pad_left : p;
                    p = c2->pad_right > p ? c2->pad_right : p;
                }
                margin = p > margin ? p : margin;
            }
    return margin;
}

int hfc_generator_net_run(const hfc_generator_net *net, const hfc_exec *ex, const hfc_act *latent,
                          float *pcm)
{
    const int margin = hfc_generator_net_margin(net);
    /* As in the encoder: in is a stage's activated input, next its activated output. */
    hfc_workspace own = {0}, *ws = ex->ws ? ex->ws : &own;
    hfc_act *x = &ws->x, *in = &ws->a, *next = &ws->b, *out = &ws->out;
    /* The latent may come without margins; conv_pre needs its padding in place. */
    int status = hfc_act_reshape(x, latent->channels, latent->n, margin);
    if (status == HFC_OK) {
        hfc_run_rows(ex, HFC_ROWS_COPY, x, latent, 0.0f);
        status = hfc_act_reshape(in, net->pre.c_out, hfc_conv_out_len(&net->pre, latent->n),
                                 margin);
    }
    hfc_profile_stage(ex, 0);
    if (status == HFC_OK) {
        const hfc_conv_out to = {.act = in, .slope = net->slope};
        hfc_run_conv(ex, &net->pre, x, in->n, &to);
    }
    for (int i = 0; i < net->n_stages && status == HFC_OK; i++) {
        hfc_profile_stage(ex, i + 1);
        const hfc_stage_input src = {.up = &net->up[i], .in = in};
        status = hfc_stage_run(ex, &src, net->rb[i], net->n_resblocks, net->resblock_type,
                               net->slope, NULL, net->slope, next, &ws->buf, margin);
        hfc_act *swap = in; /* the stage's output is the next one's input */
        in = next;
        next = swap;
    }
    hfc_profile_stage(ex, net->n_stages + 1);
    if (status == HFC_OK)
        status = hfc_act_reshape(out, net->post.c_out, hfc_conv_out_len(&net->post, in->n), 0);
    if (status == HFC_OK) {
        const hfc_conv_out to = {.out = out};
        hfc_run_conv(ex, &net->post, in, out->n, &to);
    }
    const hfc_act *samples = out;
    if (status == HFC_OK && net->head_type == HFC_HEAD_ISTFT) {
        hfc_profile_stage(ex, net->n_stages + 2);
        const double t0 = ex->profile ? hfc_profile_now(ex->profile) : 0.0;
        hfc_istft_polar(out->data, out->ld, net->head_bins, out->n);
        if (ex->profile) /* the polar step: elementwise, "other" time */
            ex->profile->stage[ex->profile->current].other_s += hfc_profile_now(ex->profile) - t0;
        status = hfc_act_reshape(next, 1, hfc_convt_out_len(&net->head, out->n), 0);
        if (status == HFC_OK) {
            const hfc_conv_out to = {.out = next};
            hfc_run_convt(ex, &net->head, out, next->n, &to);
            samples = next;
        }
    }
    if (status == HFC_OK)
        hfc_generator_net_pcm(net, samples->data, pcm, samples->n);
    if (ws == &own)
        hfc_workspace_free(&own);
    return status;
}
