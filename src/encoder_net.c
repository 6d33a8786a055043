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

/* One stage's resblocks: x -> sum, with the official GroupNorm placement
 * xs = GN0(rb0(x)); xs = GN1(xs + rb1(x)); ...; x = xs / n. */
static int encoder_resblocks(const hfc_encoder_net *net, const hfc_kernels *kern, int stage,
                             const hfc_act *x, hfc_act *sum, hfc_act *r, hfc_act *tmp_a,
                             hfc_act *tmp_b)
{
    for (int j = 0; j < net->n_resblocks; j++) {
        hfc_act *dst = j == 0 ? sum : r;
        int status = hfc_resblock_forward(&net->rb[stage][j], net->resblock_type, net->slope, kern,
                                          x, dst, tmp_a, tmp_b);
        if (status != HFC_OK)
            return status;
        if (j > 0)
            for (int c = 0; c < sum->channels; c++) {
                float *s = hfc_act_row(sum, c);
                const float *v = hfc_act_row(r, c);
                for (int64_t t = 0; t < sum->n; t++)
                    s[t] += v[t];
            }
        if (net->group_norm)
            hfc_group_norm_apply(&net->norm[stage][j], sum);
    }
    const float n_kernels = (float)net->n_resblocks;
    for (int c = 0; c < sum->channels; c++) {
        float *s = hfc_act_row(sum, c);
        for (int64_t t = 0; t < sum->n; t++)
            s[t] = s[t] / n_kernels;
    }
    return HFC_OK;
}

int hfc_encoder_net_forward(const hfc_encoder_net *net, const hfc_kernels *kern, const float *pcm,
                            int64_t n_samples, hfc_act *latent)
{
    const int margin = hfc_encoder_net_margin(net);
    const int64_t n_frames = hfc_encoder_net_frames(net, n_samples);
    if (n_frames < 1)
        return HFC_ERR_TOO_SHORT;
    /* Five buffers cycle through the stages: x (stage input), a (activated copy),
     * sum and r (resblock outputs), and tmp for inside the resblocks. */
    hfc_act x = {0}, a = {0}, sum = {0}, r = {0}, tmp = {0};
    int status = hfc_act_alloc(&a, 1, n_samples, margin);
    if (status == HFC_OK) {
        for (int64_t t = 0; t < n_samples; t++)
            a.data[t] = pcm[t];
        status = hfc_act_alloc(&x, net->pre.c_out, hfc_conv_out_len(&net->pre, n_samples), margin);
    }
    if (status == HFC_OK)
        hfc_run_conv(kern, &net->pre, &a, &x, 0);
    for (int i = 0; i < net->n_stages && status == HFC_OK; i++) {
        status = hfc_act_reshape(&a, x.channels, x.n, margin);
        if (status != HFC_OK)
            break;
        hfc_act_leaky_relu(&a, &x, net->slope);
        status = hfc_act_reshape(&x, net->down[i].c_out, hfc_conv_out_len(&net->down[i], a.n),
                                 margin);
        if (status != HFC_OK)
            break;
        hfc_run_conv(kern, &net->down[i], &a, &x, 0);
        status = encoder_resblocks(net, kern, i, &x, &sum, &r, &a, &tmp);
        if (status == HFC_OK) {
            hfc_act swap = x; /* the averaged sum becomes the next stage's input */
            x = sum;
            sum = swap;
        }
    }
    if (status == HFC_OK)
        status = hfc_act_reshape(&a, x.channels, x.n, margin);
    if (status == HFC_OK) {
        hfc_act_leaky_relu(&a, &x, net->final_slope);
        status = hfc_act_reshape(latent, net->post.c_out, n_frames, 0);
    }
    if (status == HFC_OK)
        hfc_run_conv(kern, &net->post, &a, latent, 0);
    hfc_act_free(&x);
    hfc_act_free(&a);
    hfc_act_free(&sum);
    hfc_act_free(&r);
    hfc_act_free(&tmp);
    return status;
}
