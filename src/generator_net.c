/* The HiFi-GAN generator (AcademiCodec models.py `Generator`), offline: conv_pre;
 * per stage lrelu, transposed conv, resblocks averaged; lrelu; conv_post; tanh. */
#include <math.h>

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

int hfc_generator_net_forward(const hfc_generator_net *net, const hfc_kernels *kern,
                              const hfc_act *latent, float *pcm)
{
    const int margin = hfc_generator_net_margin(net);
    hfc_act in = {0}, x = {0}, a = {0}, sum = {0}, r = {0}, tmp = {0};
    /* The latent may come without margins; conv_pre needs its padding in place. */
    int status = hfc_act_alloc(&in, latent->channels, latent->n, margin);
    if (status == HFC_OK) {
        for (int c = 0; c < latent->channels; c++) {
            const float *src = hfc_act_row(latent, c);
            float *dst = hfc_act_row(&in, c);
            for (int64_t t = 0; t < latent->n; t++)
                dst[t] = src[t];
        }
        status = hfc_act_alloc(&x, net->pre.c_out, hfc_conv_out_len(&net->pre, latent->n), margin);
    }
    if (status == HFC_OK)
        hfc_run_conv(kern, &net->pre, &in, &x, 0);
    hfc_act_free(&in);
    for (int i = 0; i < net->n_stages && status == HFC_OK; i++) {
        const hfc_convt *up = &net->up[i];
        status = hfc_act_reshape(&a, x.channels, x.n, margin);
        if (status != HFC_OK)
            break;
        hfc_act_leaky_relu(&a, &x, net->slope);
        status = hfc_act_reshape(&x, up->c_out, hfc_convt_out_len(up, a.n), margin);
        if (status != HFC_OK)
            break;
        kern->conv_transpose1d(up, a.data, a.ld, (int)a.n, x.data, x.ld, (int)x.n, up->crop_left);
        for (int j = 0; j < net->n_resblocks && status == HFC_OK; j++) {
            hfc_act *dst = j == 0 ? &sum : &r;
            status = hfc_resblock_forward(&net->rb[i][j], net->resblock_type, net->slope, kern, &x,
                                          dst, &a, &tmp);
            if (status == HFC_OK && j > 0)
                for (int c = 0; c < sum.channels; c++) {
                    float *s = hfc_act_row(&sum, c);
                    const float *v = hfc_act_row(&r, c);
                    for (int64_t t = 0; t < sum.n; t++)
                        s[t] += v[t];
                }
        }
        if (status != HFC_OK)
            break;
        const float n_kernels = (float)net->n_resblocks;
        for (int c = 0; c < sum.channels; c++) {
            float *s = hfc_act_row(&sum, c);
            for (int64_t t = 0; t < sum.n; t++)
                s[t] = s[t] / n_kernels;
        }
        hfc_act swap = x;
        x = sum;
        sum = swap;
    }
    hfc_act out = {0};
    if (status == HFC_OK)
        status = hfc_act_reshape(&a, x.channels, x.n, margin);
    if (status == HFC_OK) {
        hfc_act_leaky_relu(&a, &x, net->slope);
        status = hfc_act_alloc(&out, 1, hfc_conv_out_len(&net->post, a.n), 0);
    }
    if (status == HFC_OK) {
        hfc_run_conv(kern, &net->post, &a, &out, 0);
        for (int64_t t = 0; t < out.n; t++)
            pcm[t] = tanhf(out.data[t]);
    }
    hfc_act_free(&out);
    hfc_act_free(&x);
    hfc_act_free(&a);
    hfc_act_free(&sum);
    hfc_act_free(&r);
    hfc_act_free(&tmp);
    return status;
}
