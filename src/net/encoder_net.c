/* The encoder (AcademiCodec models.py `Encoder`), offline over a whole utterance:
 * conv_pre; per stage lrelu, strided conv, resblocks combined through GroupNorm on
 * the running sum, divided by their count; lrelu(final_slope); conv_post. */
#include "hificodec.h"
#include "network.h"

int64_t hfc_conv_out_len(const hfc_conv *cv, int64_t n_in)
{
    int64_t span = (int64_t)cv->dilation * (cv->kernel - 1) + 1;
    int64_t padded = n_in + cv->pad_left + cv->pad_right;
    return padded < span ? 0 : (padded - span) / cv->stride + 1;
}

int64_t hfc_encoder_net_frames(const hfc_encoder_net *net, int64_t n_samples)
{
    int64_t n = n_samples < 1 ? 0 : hfc_conv_out_len(&net->pre, n_samples);
    for (int i = 0; i < net->n_stages && n > 0; i++)
        n = hfc_conv_out_len(&net->down[i], n);
    return n > 0 ? hfc_conv_out_len(&net->post, n) : 0;
}

static int conv_margin(const hfc_conv *cv, int margin)
{
    if (cv->pad_left > margin)
        margin = cv->pad_left;
    return cv->pad_right > margin ? cv->pad_right : margin;
}

int hfc_encoder_net_margin(const hfc_encoder_net *net)
{
    int margin = conv_margin(&net->post, conv_margin(&net->pre, 0));
    for (int i = 0; i < net->n_stages; i++) {
        margin = conv_margin(&net->down[i], margin);
        for (int j = 0; j < net->n_resblocks; j++)
            for (int m = 0; m < net->rb[i][j].n_convs; m++) {
                margin = conv_margin(&net->rb[i][j].convs1[m], margin);
                if (net->resblock_type == HFC_RESBLOCK_1)
                    margin = conv_margin(&net->rb[i][j].convs2[m], margin);
            }
    }
    return margin;
}

int hfc_encoder_net_forward(const hfc_encoder_net *net, const hfc_kernels *kern, const float *pcm,
                            int64_t n_samples, hfc_act *latent)
{
    const hfc_exec ex = {.kern = kern};
    return hfc_encoder_net_run(net, &ex, pcm, n_samples, latent);
}

int hfc_encoder_net_run(const hfc_encoder_net *net, const hfc_exec *ex, const float *pcm,
                        int64_t n_samples, hfc_act *latent)
{
    const int margin = hfc_encoder_net_margin(net);
    const int64_t n_frames = hfc_encoder_net_frames(net, n_samples);
    if (n_frames < 1)
        return HFC_ERR_TOO_SHORT;
    /* in: a stage's input, already activated (every activation is fused into the
     * conv that produces its input); next: the stage's activated output. */
    hfc_workspace own = {0}, *ws = ex->ws ? ex->ws : &own;
    hfc_act *x = &ws->x, *in = &ws->a, *next = &ws->b;
    int status = hfc_act_reshape(x, 1, n_samples, margin);
    if (status == HFC_OK) {
        for (int64_t t = 0; t < n_samples; t++)
            x->data[t] = pcm[t];
        status = hfc_act_reshape(in, net->pre.c_out, hfc_conv_out_len(&net->pre, n_samples),
                                 margin);
    }
    hfc_profile_stage(ex, 0);
    if (status == HFC_OK) {
        const hfc_conv_out to = {.act = in, .slope = net->slope};
        hfc_run_conv(ex, &net->pre, x, in->n, &to);
    }
    for (int i = 0; i < net->n_stages && status == HFC_OK; i++) {
        hfc_profile_stage(ex, i + 1);
        const hfc_stage_input src = {.down = &net->down[i], .in = in};
        const float next_slope = i + 1 < net->n_stages ? net->slope : net->final_slope;
        status = hfc_stage_run(ex, &src, net->rb[i], net->n_resblocks, net->resblock_type,
                               net->slope, net->group_norm ? net->norm[i] : NULL, next_slope, next,
                               &ws->buf, margin);
        hfc_act *swap = in; /* the stage's output is the next one's input */
        in = next;
        next = swap;
    }
    hfc_profile_stage(ex, net->n_stages + 1);
    if (status == HFC_OK)
        status = hfc_act_reshape(latent, net->post.c_out, n_frames, 0);
    if (status == HFC_OK) {
        const hfc_conv_out to = {.out = latent};
        hfc_run_conv(ex, &net->post, in, n_frames, &to);
    }
    if (ws == &own)
        hfc_workspace_free(&own);
    return status;
}
