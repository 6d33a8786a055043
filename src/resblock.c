/* HiFi-GAN's residual blocks, shared by the encoder and the generator.
 * ResBlock1: for each dilation d: x += c2(lrelu(c1_d(lrelu(x))))
 * ResBlock2: for each dilation d: x += c_d(lrelu(x)) */
#include "hificodec.h"
#include "network.h"

#include <string.h>

void hfc_run_conv(const hfc_kernels *kern, const hfc_conv *cv, const hfc_act *in, hfc_act *out,
                  int accumulate)
{
    kern->conv1d(cv, in->data - cv->pad_left, in->ld, out->data, out->ld, (int)out->n, accumulate);
}

int hfc_resblock_forward(const hfc_resblock *rb, int resblock_type, float slope,
                         const hfc_kernels *kern, const hfc_act *x, hfc_act *out, hfc_act *tmp_a,
                         hfc_act *tmp_b)
{
    int status = hfc_act_reshape(out, x->channels, x->n, x->margin);
    if (status == HFC_OK)
        status = hfc_act_reshape(tmp_a, x->channels, x->n, x->margin);
    if (status == HFC_OK && resblock_type == HFC_RESBLOCK_1)
        status = hfc_act_reshape(tmp_b, x->channels, x->n, x->margin);
    if (status != HFC_OK)
        return status;
    for (int c = 0; c < x->channels; c++)
        memcpy(hfc_act_row(out, c), hfc_act_row(x, c), (size_t)x->n * sizeof(float));
    for (int m = 0; m < rb->n_convs; m++) {
        hfc_act_leaky_relu(tmp_a, out, slope);
        if (resblock_type == HFC_RESBLOCK_1) {
            hfc_run_conv(kern, &rb->convs1[m], tmp_a, tmp_b, 0);
            hfc_act_leaky_relu(tmp_b, tmp_b, slope);
            hfc_run_conv(kern, &rb->convs2[m], tmp_b, out, 1);
        } else {
            hfc_run_conv(kern, &rb->convs1[m], tmp_a, out, 1);
        }
    }
    return HFC_OK;
}
