/* The precision plan. The reduced formats run a layer's products in bf16 or int8
 * but keep every sum, bias and epilogue in fp32.
 *
 * Which layers (measured with tools/precision on valid/, BENCHMARKS.md): the
 * generator's convolutions all take int8 (the weakest, an upsampler alone, still
 * decodes at 42 dB SNR; all of them at 38-39 dB), but no encoder layer can leave fp32
 * without moving tokens: the quantizer's nearest-codeword choices are near ties
 * often enough that one resblock conv alone in bf16 (latent SNR 66-74 dB) changes
 * 0.6-1.5% of frames, int8 5-8%, and the whole encoder in bf16 16%, against the
 * 99% bar. So the plan puts the generator in the model's format and keeps the
 * encoder in fp32; HFC_PRECISION_ENCODER=bf16|int8 overrides that for measurements
 * (tokens then miss the bar). Layers with one input or output channel (conv_pre of
 * the encoder, conv_post of the generator) stay fp32: they cost little and the
 * reduced tiles would run them mostly on padding. The istft head's transposed conv
 * (one output) stays fp32 with them; its conv_post, with n_fft + 2 outputs, takes
 * the generator's format like any other generator conv. */
#include <stdlib.h>
#include <string.h>

#include "precision.h"

int hfc_model_for_each_layer(hfc_model *m, hfc_layer_fn fn, void *ctx)
{
    int st = 0;
    for (int net = 0; net < 2 && !st; net++) {
        const int n_stages = net == 0 ? m->enc.n_stages : m->gen.n_stages;
        const int n_rb = net == 0 ? m->enc.n_resblocks : m->gen.n_resblocks;
        hfc_layer_role role = {net, 0, HFC_LAYER_PRE};
        st = fn(ctx, net == 0 ? &m->enc.pre : &m->gen.pre, NULL, &role);
        for (int i = 0; i < n_stages && !st; i++) {
            role.stage = i + 1;
            role.kind = HFC_LAYER_RESAMPLE;
            st = net == 0 ? fn(ctx, &m->enc.down[i], NULL, &role)
                          : fn(ctx, NULL, &m->gen.up[i], &role);
            role.kind = HFC_LAYER_RESBLOCK;
            for (int j = 0; j < n_rb && !st; j++) {
                hfc_resblock *rb = net == 0 ? &m->enc.rb[i][j] : &m->gen.rb[i][j];
                for (int k = 0; k < rb->n_convs && !st; k++) {
                    st = fn(ctx, &rb->convs1[k], NULL, &role);
                    if (!st && m->cfg.resblock_type == HFC_RESBLOCK_1)
                        st = fn(ctx, &rb->convs2[k], NULL, &role);
                }
            }
        }
        role.stage = n_stages + 1;
        role.kind = HFC_LAYER_POST;
        if (!st)
            st = fn(ctx, net == 0 ? &m->enc.post : &m->gen.post, NULL, &role);
        role.kind = HFC_LAYER_HEAD;
        if (!st && net == 1 && m->gen.head_type == HFC_HEAD_ISTFT)
            st = fn(ctx, NULL, &m->gen.head, &role);
    }
    return st;
}

static int parse_precision(const char *s)
{
    static const char *const names[] = {"auto", "fp32", "bf16", "int8"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i; /* enum hfc_precision order */
    return -1;
}

/* The requested enum hfc_precision: the option, else HFC_PRECISION, else AUTO. */
static int requested(int option, const hfc_logger *logger)
{
    if (option > HFC_PRECISION_AUTO && option <= HFC_PRECISION_INT8)
        return option;
    if (option != HFC_PRECISION_AUTO)
        hfc_logf(logger, HFC_LOG_WARN, "precision %d unknown, choosing automatically", option);
    const char *env = getenv("HFC_PRECISION");
    if (env && *env) {
        const int p = parse_precision(env);
        if (p >= 0)
            return p;
        hfc_logf(logger, HFC_LOG_WARN, "HFC_PRECISION=%s unknown (fp32|bf16|int8|auto)", env);
    }
    return HFC_PRECISION_AUTO;
}

/* The widest-first fallback: int8 -> bf16 -> fp32, the first this path runs here. */
static int usable_format(const hfc_kernels *kern, int format, unsigned have)
{
    while (format > HFC_FORMAT_FP32 && !hfc_kernels_conv(kern, format, have))
        format--;
    return format;
}

static int prepare_with(hfc_conv *cv, hfc_convt *cvt, const hfc_conv_ops *ops)
{
    void **packed = cv ? &cv->packed : &cvt->packed;
    free(*packed);
    *packed = NULL;
    if (cv)
        cv->ops = ops;
    else
        cvt->ops = ops;
    if (cv ? !ops->prepare_conv : !ops->prepare_convt)
        return HFC_OK;
    return (cv ? ops->prepare_conv(cv) : ops->prepare_convt(cvt)) == 0 ? HFC_OK : HFC_ERR_NO_MEMORY;
}

int hfc_layer_set_format(const hfc_model *m, hfc_conv *cv, hfc_convt *cvt, int format)
{
    const hfc_conv_ops *ops = hfc_kernels_conv(m->kern, format, hfc_cpu_features());
    if (!ops || (ops->takes && !ops->takes(cv, cvt)))
        return HFC_ERR_UNSUPPORTED;
    return prepare_with(cv, cvt, ops);
}

typedef struct plan {
    const hfc_model *m;
    int format;         /* the model's format: the generator's */
    int encoder_format; /* fp32 unless HFC_PRECISION_ENCODER */
    unsigned have;
} plan;

/* The format one layer runs in under the plan. */
static int layer_format(const plan *p, const hfc_conv *cv, const hfc_convt *cvt,
                        const hfc_layer_role *role)
{
    const int c_in = cv ? cv->c_in : cvt->c_in, c_out = cv ? cv->c_out : cvt->c_out;
    const int want = role->net == 0 ? p->encoder_format : p->format;
    if (want == HFC_FORMAT_FP32 || c_in < 2 || c_out < 2)
        return HFC_FORMAT_FP32;
    int format = usable_format(p->m->kern, want, p->have);
    for (;;) { /* down to a format whose kernels take the layer (fp32 takes all) */
        const hfc_conv_ops *ops = hfc_kernels_conv(p->m->kern, format, p->have);
        if (!ops->takes || ops->takes(cv, cvt))
            return format;
        format = usable_format(p->m->kern, format - 1, p->have);
    }
}

static int prepare_layer(void *ctx, hfc_conv *cv, hfc_convt *cvt, const hfc_layer_role *role)
{
    const plan *p = ctx;
    const int format = layer_format(p, cv, cvt, role);
    return prepare_with(cv, cvt, hfc_kernels_conv(p->m->kern, format, p->have));
}

int hfc_model_prepare_layers(hfc_model *m, int precision)
{
    const unsigned have = hfc_cpu_features();
    const int want = requested(precision, &m->logger);
    int format = HFC_FORMAT_FP32;
    if (want == HFC_PRECISION_AUTO) {
        /* The reduced formats pay off only on their SIMD kernels; the scalar
         * path's are the references. */
        if (m->kern != &hfc_kernels_scalar)
            format = usable_format(m->kern, HFC_FORMAT_INT8, have);
    } else {
        const int asked = want - HFC_PRECISION_FP32; /* enum hfc_format order */
        format = usable_format(m->kern, asked, have);
        if (format != asked)
            hfc_logf(&m->logger, HFC_LOG_WARN,
                     "precision %s: the %s path has no such kernels for this CPU; using %s",
                     hfc_format_name(asked), m->kern->name, hfc_format_name(format));
    }
    m->precision = format;
    plan p = {m, format, HFC_FORMAT_FP32, have};
    const char *enc = getenv("HFC_PRECISION_ENCODER");
    if (enc && *enc) {
        const int e = parse_precision(enc);
        if (e > HFC_PRECISION_AUTO)
            p.encoder_format = usable_format(m->kern, e - HFC_PRECISION_FP32, have);
        else
            hfc_logf(&m->logger, HFC_LOG_WARN, "HFC_PRECISION_ENCODER=%s unknown (fp32|bf16|int8)",
                     enc);
    }
    int st = hfc_model_for_each_layer(m, prepare_layer, &p);
    if (st != HFC_OK)
        hfc_logf(&m->logger, HFC_LOG_ERROR, "no memory to repack the weights for %s",
                 m->kern->name);
    return st;
}

static int release_layer(void *ctx, hfc_conv *cv, hfc_convt *cvt, const hfc_layer_role *role)
{
    (void)ctx, (void)role;
    void **packed = cv ? &cv->packed : &cvt->packed;
    free(*packed);
    *packed = NULL;
    return 0;
}

void hfc_model_release_layers(hfc_model *m)
{
    hfc_model_for_each_layer(m, release_layer, NULL);
}
