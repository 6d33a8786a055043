/* Every SIMD kernel path this machine can run, against the scalar reference, on
 * random shapes: odd lengths, tiny and large channel counts, and every kernel /
 * stride / dilation combination the shipped and official configs use.
 *
 * Every path's kernels of each numeric format (kernels.h) run against the scalar
 * kernels of the same format.
 *
 * Tolerances (each check states its own):
 *   conv1d, transposed conv: |simd - scalar| <= 2 (n + 1) 2^-24 (|b| + sum |w x|)
 *     per output, n = the output's number of products: the textbook bound on a
 *     float sum's rounding error, for each of the two evaluation orders.
 *   Fused epilogues (residual, running sum, mean, leaky ReLU; conv1d.h): the conv's
 *     bound plus 8 2^-24 (|b| + sum |w x| + |res| + |sum|) for the extra additions
 *     and the division, each rounded once on both sides.
 *   Exactness: a SIMD kernel must give the same bits whatever column range a call
 *     covers (a stream asks for a few columns at a time; offline asks for all),
 *     and a batched call (conv1d_batch: many streams' columns at once) the same
 *     bits as one conv1d call per stream.
 *   bf16 and int8 (reduced/): none. Each reduced format's scalar kernels are its
 *     definition (same products, same order, same rounding), so every SIMD kernel
 *     must give exactly their bits, fused epilogues included. The inputs mix in
 *     edge values (zeros, denormals, bf16 rounding ties, large and tiny
 *     magnitudes).
 *   VQ search: the same index as scalar, except near-ties whose distances (in
 *     double) differ by at most 4 (dim + 2) 2^-24 (|x|^2 + |e|^2); exact ties (equal
 *     codewords) must give the lowest index. Near-ties are counted and bounded.
 * Usage: test_kernels [--quick]   (HFC_TEST_SEED=N repeats a run) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "pack.h"
#include "network.h"
#include "test_util.h"

static const double ulp = 1.0 / (1 << 24);

static int rnd(int lo, int hi) /* inclusive */
{
    return lo + (int)(hfc_test_rand_u64() % (uint64_t)(hi - lo + 1));
}

static float *rand_floats(size_t n, float scale)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = scale * hfc_test_rand_normal();
    return p;
}

static float *abs_copy(const float *p, size_t n)
{
    float *q = malloc((n ? n : 1) * sizeof *q);
    for (size_t i = 0; i < n; i++)
        q[i] = fabsf(p[i]);
    return q;
}

/* Edge values into a few percent of p: what rounding and flushing must agree on. */
static void sprinkle_edges(float *p, size_t n)
{
    static const float edges[] = {0.0f,         -0.0f,    1e-40f, -3e-39f,        1.00390625f,
                                  -1.01171875f, 65504.0f, 3e-20f, 1.0f + 0x1p-8f, 2.0f - 0x1p-8f};
    for (size_t i = 0; i < n; i++)
        if (hfc_test_rand_u64() % 25 == 0)
            p[i] = edges[hfc_test_rand_u64() % (sizeof edges / sizeof edges[0])];
}

typedef struct conv_shape {
    int c_in, c_out, kernel, stride, dilation, weight_taps, n_out;
} conv_shape;

/* Buffers of a fused epilogue: one each for res, sum, out, sum_out, act. */
enum { E_RES, E_SUM, E_OUT, E_SUM_OUT, E_ACT, E_BUFFERS };

/* An epilogue over buffers b[] (rows ld apart), with the steps in `steps` (bits of
 * E_*) and divide. */
static hfc_conv_epilogue make_epilogue(float *const b[E_BUFFERS], ptrdiff_t ld, unsigned steps,
                                       float divide)
{
    hfc_conv_epilogue e = {0};
    e.res = steps & (1u << E_RES) ? b[E_RES] : NULL;
    e.sum = steps & (1u << E_SUM) ? b[E_SUM] : NULL;
    e.out = steps & (1u << E_OUT) ? b[E_OUT] : NULL;
    e.sum_out = steps & (1u << E_SUM_OUT) ? b[E_SUM_OUT] : NULL;
    e.act = steps & (1u << E_ACT) ? b[E_ACT] : NULL;
    e.res_ld = e.sum_ld = e.out_ld = e.sum_out_ld = e.act_ld = ld;
    e.divide = divide;
    e.slope = 0.1f;
    return e;
}

/* Compares the written buffers (out, sum_out, act) of got against ref within the
 * bound, and checks that nothing else was touched. Returns the outputs outside. */
static int compare_outputs(float *const got[E_BUFFERS], float *const ref[E_BUFFERS],
                           const float *mag, const float *res, const float *sum, size_t n_y,
                           ptrdiff_t ld, int n_cols, double n_terms)
{
    int bad = 0;
    for (int b = E_OUT; b < E_BUFFERS; b++)
        for (size_t i = 0; i < n_y; i++) {
            if ((ptrdiff_t)(i % (size_t)ld) >= n_cols) { /* row padding: never written */
                bad += memcmp(&got[b][i], &ref[b][i], sizeof(float)) != 0;
                continue;
            }
            const double bound =
                (2.0 * n_terms * mag[i] + 8.0 * (mag[i] + fabs(res[i]) + fabs(sum[i]))) * ulp +
                1e-30;
            bad += !(fabs((double)got[b][i] - ref[b][i]) <= bound);
        }
    return bad;
}

/* Outputs of got that differ in any bit from ref (written buffers and padding). */
static int count_different(float *const got[E_BUFFERS], float *const ref[E_BUFFERS], size_t n_y)
{
    int bad = 0;
    for (int b = E_OUT; b < E_BUFFERS; b++)
        for (size_t i = 0; i < n_y; i++)
            bad += memcmp(&got[b][i], &ref[b][i], sizeof(float)) != 0;
    return bad;
}

/* One conv1d case on one path and format (ops): plain store and residual add (the
 * streaming entry point) and a random fused epilogue, each for accuracy against
 * the scalar kernels of the format and for column-range independence. */
static void check_conv(const hfc_conv_ops *ops, conv_shape s)
{
    const hfc_conv_ops *ref_ops = hfc_kernels_scalar.conv[ops->format];
    const int exact = ops->format != HFC_FORMAT_FP32;
    hfc_conv cv = {s.c_in, s.c_out,       s.kernel, s.stride, s.dilation, 0,
                   0,      s.weight_taps, NULL,     NULL,     NULL,       NULL};
    if (ops->takes && !ops->takes(&cv, NULL))
        return; /* the precision plan keeps such a layer in a wider format */
    const size_t n_w = (size_t)s.c_out * s.c_in * s.weight_taps;
    const float w_scale = 1.0f / sqrtf((float)(s.c_in * s.kernel));
    cv.weight = rand_floats(n_w, w_scale);
    cv.bias = rand_floats((size_t)s.c_out, 0.1f);
    const int n_in = (s.n_out - 1) * s.stride + (s.kernel - 1) * s.dilation + 1;
    const ptrdiff_t x_ld = n_in + rnd(0, 5), y_ld = s.n_out + rnd(0, 5);
    const size_t n_x = (size_t)s.c_in * x_ld, n_y = (size_t)s.c_out * y_ld;
    float *x = rand_floats(n_x, 1.0f), *mag = malloc(n_y * sizeof *mag);
    float *zeros = calloc(n_y, sizeof *zeros);
    if (exact) {
        sprinkle_edges(x, n_x);
        sprinkle_edges(cv.weight, n_w);
    }
    float *init[E_BUFFERS], *ref[E_BUFFERS], *got[E_BUFFERS], *pieces[E_BUFFERS];
    for (int b = 0; b < E_BUFFERS; b++) {
        init[b] = rand_floats(n_y, 1.0f);
        ref[b] = malloc(n_y * sizeof(float));
        got[b] = malloc(n_y * sizeof(float));
        pieces[b] = malloc(n_y * sizeof(float));
    }

    /* |b| + sum |w x|: the scalar kernel on absolute values */
    hfc_conv acv = cv;
    acv.weight = abs_copy(cv.weight, n_w);
    acv.bias = abs_copy(cv.bias, (size_t)s.c_out);
    float *ax = abs_copy(x, n_x);
    hfc_conv1d_scalar(&acv, ax, x_ld, mag, y_ld, s.n_out, 0);

    hfc_conv pcv = cv, rcv = cv;
    CHECK(!ops->prepare_conv || ops->prepare_conv(&pcv) == 0);
    CHECK(!ref_ops->prepare_conv || ref_ops->prepare_conv(&rcv) == 0);
    const double n_terms = (double)s.c_in * s.kernel + 1;
    /* 0: conv1d store, 1: conv1d add (both into out), 2: a random fused chain */
    for (int mode = 0; mode < 3; mode++) {
        unsigned steps = mode == 2 ? (unsigned)rnd(1, 31) | (1u << E_ACT) : 0;
        const float divide = mode == 2 && rnd(0, 1) ? 3.0f : 0.0f;
        for (int b = 0; b < E_BUFFERS; b++) {
            memcpy(ref[b], init[b], n_y * sizeof(float));
            memcpy(got[b], init[b], n_y * sizeof(float));
            memcpy(pieces[b], init[b], n_y * sizeof(float));
        }
        const hfc_conv_epilogue er = make_epilogue(ref, y_ld, steps, divide);
        const hfc_conv_epilogue eg = make_epilogue(got, y_ld, steps, divide);
        const hfc_conv_epilogue ep = make_epilogue(pieces, y_ld, steps, divide);
        if (mode < 2) {
            ref_ops->conv1d(&rcv, x, x_ld, ref[E_OUT], y_ld, s.n_out, mode);
            ops->conv1d(&pcv, x, x_ld, got[E_OUT], y_ld, s.n_out, mode);
        } else {
            ref_ops->conv1d_fused(&rcv, x, x_ld, s.n_out, &er);
            ops->conv1d_fused(&pcv, x, x_ld, s.n_out, &eg);
        }
        /* The magnitudes the extra additions see (zero where a step is off): the
         * residual (mode 1: out's initial value) and the running sum. */
        const int has_res = mode == 1 || (mode == 2 && (steps & (1u << E_RES)));
        const int has_sum = mode == 2 && (steps & (1u << E_SUM));
        const float *res = has_res ? (mode == 1 ? init[E_OUT] : init[E_RES]) : zeros;
        const float *sum = has_sum ? init[E_SUM] : zeros;
        int bad = exact ? count_different(got, ref, n_y)
                        : compare_outputs(got, ref, mag, res, sum, n_y, y_ld, s.n_out, n_terms);
        CHECK_MSG(bad == 0,
                  "%s conv1d mode %d (steps %#x) c_in %d c_out %d k %d/%d s %d d %d n %d: "
                  "%d outputs %s",
                  ops->name, mode, steps, s.c_in, s.c_out, s.kernel, s.weight_taps, s.stride,
                  s.dilation, s.n_out, bad,
                  exact ? "differ from the reference" : "outside the bound");
        /* Column ranges: the same outputs in random pieces, bit for bit. */
        for (int t0 = 0; t0 < s.n_out;) {
            int n = rnd(1, s.n_out - t0 < 40 ? s.n_out - t0 : 40);
            const float *xt = x + (ptrdiff_t)t0 * s.stride;
            if (mode < 2) {
                ops->conv1d(&pcv, xt, x_ld, pieces[E_OUT] + t0, y_ld, n, mode);
            } else {
                const hfc_conv_epilogue e = hfc_conv_epilogue_shift(&ep, t0);
                ops->conv1d_fused(&pcv, xt, x_ld, n, &e);
            }
            t0 += n;
        }
        int same = 1;
        for (int b = 0; b < E_BUFFERS; b++)
            same &= !memcmp(pieces[b], got[b], n_y * sizeof(float));
        CHECK_MSG(same, "%s conv1d mode %d: results depend on the column range of the call",
                  ops->name, mode);
    }
    free(pcv.packed);
    free(rcv.packed);
    free(cv.weight), free(cv.bias), free(acv.weight), free(acv.bias);
    for (int b = 0; b < E_BUFFERS; b++)
        free(init[b]), free(ref[b]), free(got[b]), free(pieces[b]);
    free(x), free(ax), free(mag), free(zeros);
}

/* conv1d_batch of n streams (random widths, strides of their buffers) against one
 * conv1d call each: bit for bit. */
static void check_batch(const hfc_conv_ops *ops, conv_shape s, int n)
{
    hfc_conv cv = {s.c_in, s.c_out,       s.kernel, s.stride, s.dilation, 0,
                   0,      s.weight_taps, NULL,     NULL,     NULL, NULL};
    if (!ops->conv1d_batch || (ops->takes && !ops->takes(&cv, NULL)))
        return;
    const size_t n_w = (size_t)s.c_out * s.c_in * s.weight_taps;
    cv.weight = rand_floats(n_w, 1.0f / sqrtf((float)(s.c_in * s.kernel)));
    cv.bias = rand_floats((size_t)s.c_out, 0.1f);
    CHECK(!ops->prepare_conv || ops->prepare_conv(&cv) == 0);
    hfc_conv_item items[64];
    float *x[64], *want[64], *got[64];
    for (int i = 0; i < n; i++) {
        const int n_out = rnd(0, 4) == 0 ? rnd(13, 40) : rnd(1, 12); /* mostly narrow */
        const int n_in = (n_out - 1) * s.stride + (s.kernel - 1) * s.dilation + 1;
        const ptrdiff_t x_ld = n_in + rnd(0, 9), y_ld = n_out + rnd(0, 9);
        x[i] = rand_floats((size_t)s.c_in * x_ld, 1.0f);
        want[i] = rand_floats((size_t)s.c_out * y_ld, 1.0f);
        got[i] = malloc((size_t)s.c_out * y_ld * sizeof(float));
        memcpy(got[i], want[i], (size_t)s.c_out * y_ld * sizeof(float));
        ops->conv1d(&cv, x[i], x_ld, want[i], y_ld, n_out, 0);
        items[i] = (hfc_conv_item){x[i], x_ld, got[i], y_ld, n_out};
    }
    ops->conv1d_batch(&cv, n, items);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        bad += memcmp(got[i], want[i], (size_t)s.c_out * items[i].y_ld * sizeof(float)) != 0;
        free(x[i]), free(want[i]), free(got[i]);
    }
    CHECK_MSG(bad == 0, "%s conv1d_batch c_in %d c_out %d k %d s %d d %d, %d items: %d differ "
              "from conv1d", ops->name, s.c_in, s.c_out, s.kernel, s.stride, s.dilation, n, bad);
    free(cv.packed);
    free(cv.weight), free(cv.bias);
}

typedef struct convt_shape {
    int c_in, c_out, kernel, stride, n_in, out_offset, n_out;
} convt_shape;

static void check_convt(const hfc_conv_ops *ops, convt_shape s)
{
    const hfc_conv_ops *ref_ops = hfc_kernels_scalar.conv[ops->format];
    const int exact = ops->format != HFC_FORMAT_FP32;
    hfc_convt cv = {s.c_in, s.c_out, s.kernel, s.stride, 0, 0, NULL, NULL, NULL, NULL};
    if (ops->takes && !ops->takes(NULL, &cv))
        return;
    const size_t n_w = (size_t)s.c_in * s.c_out * s.kernel;
    cv.weight = rand_floats(n_w, 1.0f / sqrtf((float)s.c_in));
    cv.bias = rand_floats((size_t)s.c_out, 0.1f);
    const ptrdiff_t x_ld = s.n_in + rnd(0, 5), y_ld = s.n_out + rnd(0, 5);
    const size_t n_x = (size_t)s.c_in * x_ld, n_y = (size_t)s.c_out * y_ld;
    float *x = rand_floats(n_x, 1.0f);
    if (exact) {
        sprinkle_edges(x, n_x);
        sprinkle_edges(cv.weight, n_w);
    }
    float *ref = calloc(n_y, sizeof *ref), *got = calloc(n_y, sizeof *got);
    float *mag = calloc(n_y, sizeof *mag), *pieces = calloc(n_y, sizeof *pieces);
    hfc_convt acv = cv;
    acv.weight = abs_copy(cv.weight, n_w);
    acv.bias = abs_copy(cv.bias, (size_t)s.c_out);
    float *ax = abs_copy(x, n_x);
    hfc_conv_transpose1d_scalar(&acv, ax, x_ld, s.n_in, mag, y_ld, s.n_out, s.out_offset);
    hfc_convt pcv = cv, rcv = cv;
    CHECK(!ops->prepare_convt || ops->prepare_convt(&pcv) == 0);
    CHECK(!ref_ops->prepare_convt || ref_ops->prepare_convt(&rcv) == 0);
    ref_ops->conv_transpose1d(&rcv, x, x_ld, s.n_in, ref, y_ld, s.n_out, s.out_offset);
    ops->conv_transpose1d(&pcv, x, x_ld, s.n_in, got, y_ld, s.n_out, s.out_offset);
    const double n_terms = (double)s.c_in * ((s.kernel + s.stride - 1) / s.stride) + 1;
    int bad = 0;
    for (int co = 0; co < s.c_out; co++)
        for (int n = 0; n < s.n_out; n++) {
            const size_t i = (size_t)co * y_ld + n;
            double bound = 2.0 * n_terms * ulp * mag[i] + 1e-30;
            bad += exact ? memcmp(&got[i], &ref[i], sizeof *got) != 0
                         : !(fabs((double)got[i] - ref[i]) <= bound);
        }
    CHECK_MSG(bad == 0,
              "%s convt c_in %d c_out %d k %d s %d n_in %d offset %d n_out %d: %d outputs %s",
              ops->name, s.c_in, s.c_out, s.kernel, s.stride, s.n_in, s.out_offset, s.n_out, bad,
              exact ? "differ from the reference" : "outside the bound");
    /* Fused, as the offline generator runs it: the output and its activation. */
    float *act = calloc(n_y, sizeof *act), *out = calloc(n_y, sizeof *out);
    const hfc_conv_epilogue e = {
        .out = out, .act = act, .out_ld = y_ld, .act_ld = y_ld, .slope = 0.1f};
    ops->conv_transpose1d_fused(&pcv, x, x_ld, s.n_in, s.n_out, s.out_offset, &e);
    int same = !memcmp(out, got, n_y * sizeof *out);
    for (size_t i = 0; i < n_y; i++)
        same &= act[i] == (got[i] >= 0.0f ? got[i] : got[i] * 0.1f);
    CHECK_MSG(same, "%s convt: the fused output or activation differs from the plain one",
              ops->name);
    free(act), free(out);
    for (int n0 = 0; n0 < s.n_out;) { /* as a stream calls it: pieces, shifted offset */
        int n = rnd(1, s.n_out - n0 < 50 ? s.n_out - n0 : 50);
        ops->conv_transpose1d(&pcv, x, x_ld, s.n_in, pieces + n0, y_ld, n, s.out_offset + n0);
        n0 += n;
    }
    CHECK_MSG(!memcmp(pieces, got, n_y * sizeof *got),
              "%s convt: results depend on the column range of the call", ops->name);
    free(pcv.packed);
    free(rcv.packed);
    free(cv.weight), free(cv.bias), free(acv.weight), free(acv.bias);
    free(x), free(ax), free(ref), free(got), free(mag), free(pieces);
}

static double distance(const float *x, const float *e, int dim)
{
    double xx = 0, ee = 0, xe = 0;
    for (int i = 0; i < dim; i++) {
        xx += (double)x[i] * x[i];
        ee += (double)e[i] * e[i];
        xe += (double)x[i] * e[i];
    }
    return xx + ee - 2.0 * xe;
}

/* Returns the number of near-ties where the path chose another code than scalar. */
static int check_vq(const hfc_kernels *kern, int n_codes, int dim, int duplicates)
{
    float *book = rand_floats((size_t)n_codes * dim, 0.3f),
          *norms = malloc(sizeof(float) * n_codes);
    float *x = rand_floats((size_t)dim, 0.3f);
    for (int d = 0; d < duplicates; d++) { /* exact ties: equal codewords */
        int a = rnd(0, n_codes - 1), b = rnd(0, n_codes - 1);
        memcpy(book + (size_t)b * dim, book + (size_t)a * dim, sizeof(float) * dim);
    }
    if (duplicates) /* make one duplicated code the nearest */
        memcpy(x, book + (size_t)rnd(0, n_codes - 1) * dim, sizeof(float) * dim);
    for (int c = 0; c < n_codes; c++)
        norms[c] = hfc_vq_sum_squares(book + (size_t)c * dim, dim);
    const float xn = hfc_vq_sum_squares(x, dim);
    int ref = hfc_vq_nearest_scalar(book, norms, n_codes, dim, x, xn);
    int got = kern->vq_nearest(book, norms, n_codes, dim, x, xn);
    int near_ties = 0;
    if (got != ref) {
        const double dr = distance(x, book + (size_t)ref * dim, dim);
        const double dg = distance(x, book + (size_t)got * dim, dim);
        const double scale = xn + norms[ref] + norms[got];
        const int same_code =
            !memcmp(book + (size_t)ref * dim, book + (size_t)got * dim, sizeof(float) * dim);
        CHECK_MSG(got >= 0 && got < n_codes && !same_code &&
                      fabs(dg - dr) <= 4.0 * (dim + 2) * ulp * scale,
                  "%s vq: %d codes x %d: chose %d, scalar %d (distances %.9g, %.9g)", kern->name,
                  n_codes, dim, got, ref, dg, dr);
        near_ties = 1;
    }
    free(book), free(norms), free(x);
    return near_ties;
}

/* Shapes the configs use: stride-1 kernels and dilations of the resblocks, conv_pre
 * and conv_post; (kernel, stride) of the down and up sampling layers. */
static const int rb_kernels[] = {3, 5, 7, 11};
static const int rb_dilations[] = {1, 2, 3, 5, 6, 12};
static const int sampling[][2] = {{4, 2}, {8, 4}, {10, 5}, {11, 5}, {16, 8}, {7, 3}};
static const int channels[] = {1, 3, 8, 16, 17, 32, 64, 128};

/* Every conv shape on one path and format. */
static void check_convs(const hfc_conv_ops *ops, int quick)
{
    printf("path %s\n", ops->name);
    const int n_ch = sizeof channels / sizeof channels[0];
    for (size_t a = 0; a < sizeof rb_kernels / sizeof rb_kernels[0]; a++)
        for (size_t b = 0; b < sizeof rb_dilations / sizeof rb_dilations[0]; b++) {
            conv_shape s = {channels[rnd(0, n_ch - 1)],
                            channels[rnd(0, n_ch - 1)],
                            rb_kernels[a],
                            1,
                            rb_dilations[b],
                            rb_kernels[a],
                            rnd(1, 300)};
            check_conv(ops, s);
        }
    for (size_t a = 0; a < sizeof sampling / sizeof sampling[0]; a++) {
        conv_shape s = {channels[rnd(0, n_ch - 1)],
                        channels[rnd(0, n_ch - 1)],
                        sampling[a][0],
                        sampling[a][1],
                        1,
                        sampling[a][0],
                        rnd(1, 100)};
        check_conv(ops, s);
        for (int off = 0; off < sampling[a][0]; off += rnd(1, 3)) {
            int n_in = rnd(1, 60);
            int full = (n_in - 1) * sampling[a][1] + sampling[a][0];
            if (full - off < 1)
                continue;
            convt_shape t = {channels[rnd(0, n_ch - 1)],
                             channels[rnd(0, n_ch - 1)],
                             sampling[a][0],
                             sampling[a][1],
                             n_in,
                             off,
                             rnd(1, full - off)};
            check_convt(ops, t);
        }
    }
    /* conv_pre / conv_post (k 7 and 3, 1 channel on one side) and cut taps (a stream
     * with less look-ahead uses the first taps of longer weights). */
    check_conv(ops, (conv_shape){1, 32, 7, 1, 1, 7, 333});
    check_conv(ops, (conv_shape){16, 1, 7, 1, 1, 7, 257});
    check_conv(ops, (conv_shape){32, 64, 3, 1, 1, 3, 45});
    check_conv(ops, (conv_shape){24, 40, 3, 1, 5, 11, 77});
    check_conv(ops, (conv_shape){16, 16, 4, 1, 3, 7, 1});
    check_convt(ops, (convt_shape){17, 24, 4, 2, 90, 0, 180});
    check_convt(ops, (convt_shape){8, 3, 8, 4, 77, 5, 300});
    /* The istft head (n_fft + 2 inputs, one output, n_fft taps, stride n_fft / 4):
     * the tiny configs' centred crop and hificodec-16k-istft's 160-point head, with
     * its conv_post. */
    check_convt(ops, (convt_shape){34, 1, 32, 8, 60, 12, 480});
    check_convt(ops, (convt_shape){162, 1, 160, 40, 25, 60, 1000});
    check_conv(ops, (conv_shape){128, 162, 7, 1, 1, 7, 50});
    /* Frame form (pack.h) beyond one stack tile of columns, from a single input
     * column up, and past the end of the full output (bias only there). */
    check_convt(ops, (convt_shape){162, 1, 160, 40, 400, 7, 15900});
    check_convt(ops, (convt_shape){9, 2, 24, 6, 1, 0, 30});
    check_convt(ops, (convt_shape){9, 2, 24, 6, 3, 5, 40});
    check_convt(ops, (convt_shape){20, 4, 16, 4, 700, 13, 2790});
    /* Large: the official model's widest layers, few and many columns. */
    if (!quick) {
        check_conv(ops, (conv_shape){512, 512, 11, 1, 5, 11, 21});
        check_conv(ops, (conv_shape){256, 512, 16, 8, 1, 16, 7});
        check_conv(ops, (conv_shape){64, 64, 7, 1, 3, 7, 1001});
        check_convt(ops, (convt_shape){512, 256, 16, 8, 9, 4, 64});
        /* the 2x and 4x upsamplers' all-phase tile: wide, odd offsets and lengths */
        check_convt(ops, (convt_shape){32, 16, 4, 2, 301, 1, 599});
        check_convt(ops, (convt_shape){64, 40, 8, 4, 157, 2, 621});
        /* an istft head past the stage kernels' 64 taps: 1024 points at hop 256 */
        check_convt(ops, (convt_shape){1026, 1, 1024, 256, 7, 384, 1536});
    }
    /* Batches: the streaming layers of the configs, then random ones. */
    check_batch(ops, (conv_shape){256, 256, 5, 1, 3, 5, 0}, 40);
    check_batch(ops, (conv_shape){128, 256, 16, 8, 1, 16, 0}, 9);
    check_batch(ops, (conv_shape){512, 512, 11, 1, 5, 11, 0}, 5);
    check_batch(ops, (conv_shape){24, 40, 3, 1, 5, 11, 0}, 17);
    for (int i = 0; i < (quick ? 10 : 40); i++) {
        const int k = rnd(1, 12), st = rnd(1, 6);
        check_batch(ops,
                    (conv_shape){rnd(1, 70), rnd(1, 70), k, st, st == 1 ? rnd(1, 7) : 1,
                                 k + rnd(0, 2) * (st == 1), 0},
                    rnd(1, 64));
    }
    for (int i = 0; i < (quick ? 50 : 300); i++) { /* random shapes */
        int k = rnd(1, 12), st = rnd(1, 6);
        conv_shape s = {
            rnd(1, 40), rnd(1, 40), k, st, st == 1 ? rnd(1, 7) : 1, k + rnd(0, 2) * (st == 1),
            rnd(1, 200)};
        check_conv(ops, s);
        int kt = rnd(st, st * 3), n_in = rnd(1, 40), full = (n_in - 1) * st + kt;
        int off = rnd(0, kt - 1 < full - 1 ? kt - 1 : full - 1);
        check_convt(ops,
                    (convt_shape){rnd(1, 40), rnd(1, 40), kt, st, n_in, off, rnd(1, full - off)});
    }
}

/* The path's VQ search. */
static void check_vqs(const hfc_kernels *kern, int quick)
{
    int near_ties = 0, trials = 0;
    const int dims[] = {1, 3, 7, 16, 17, 33, 64, 100, 256};
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int i = 0; i < (quick ? 10 : 40); i++, trials++)
            near_ties +=
                check_vq(kern, rnd(1, 3) == 1 ? 1024 : rnd(1, 70), dims[d], i % 4 == 0 ? 3 : 0);
    printf("  vq: %d near-ties in %d searches\n", near_ties, trials);
    /* Random data makes near-ties rare; more than 2% would mean a systematic error. */
    CHECK_MSG(near_ties * 50 <= trials, "%s vq: %d near-ties in %d searches", kern->name, near_ties,
              trials);
}

/* The avx2 path's int8 kernels are AVX-VNNI ones: a CPU with AVX2 but without
 * AVX-VNNI must not get them (it would fault), and falls back to fp32 on its path. */
static void check_avx2_int8_needs(void)
{
    for (int i = 0; hfc_kernel_tables[i]; i++) {
        const hfc_kernels *k = hfc_kernel_tables[i];
        if (strcmp(k->name, "avx2") || !k->conv[HFC_FORMAT_INT8])
            continue;
        CHECK_MSG(!hfc_kernels_conv(k, HFC_FORMAT_INT8, HFC_CPU_HAS_AVX2),
                  "avx2 int8 kernels offered to a CPU without AVX-VNNI");
        CHECK_MSG(!hfc_kernels_conv(k, HFC_FORMAT_INT8, HFC_CPU_HAS_AVX2 | HFC_CPU_HAS_AVX512 |
                                                            HFC_CPU_HAS_AVX512_VNNI),
                  "avx2 int8 kernels offered to a CPU with AVX512-VNNI but not AVX-VNNI");
        CHECK_MSG(hfc_kernels_conv(k, HFC_FORMAT_INT8, HFC_CPU_HAS_AVX2 | HFC_CPU_HAS_AVX_VNNI) ==
                      k->conv[HFC_FORMAT_INT8],
                  "avx2 int8 kernels refused with AVX-VNNI");
        CHECK_MSG(hfc_kernels_conv(k, HFC_FORMAT_FP32, HFC_CPU_HAS_AVX2) != NULL,
                  "avx2 fp32 kernels refused with AVX2");
        printf("avx2 int8 (%s): needs AVX-VNNI; fp32 without it\n", k->conv[HFC_FORMAT_INT8]->name);
    }
}

/* The istft head's polar step against double precision: within a few float ulps of
 * e^min(m, 4.6) (cos p, sin p), the cap applied (m = 50 in column 1), NaN kept; and
 * the heads' output step: the istft clip, the waveform tanh. */
static void check_istft_head(void)
{
    enum { BINS = 5, N = 301 };
    static float rows[2 * BINS][N];
    double want[2 * BINS][N];
    for (int b = 0; b < BINS; b++)
        for (int t = 0; t < N; t++) {
            const float m = t == 0 ? 4.6f : t == 1 ? 50.0f : 3.0f * (float)hfc_test_rand_normal();
            const float p = 4.0f * (float)hfc_test_rand_normal();
            rows[b][t] = m;
            rows[BINS + b][t] = p;
            const double mag = exp(m < 4.6f ? m : 4.6f);
            want[b][t] = mag * cos(p);
            want[BINS + b][t] = mag * sin(p);
        }
    rows[0][2] = NAN;
    hfc_istft_polar(&rows[0][0], N, BINS, N);
    int bad = 0;
    for (int b = 0; b < BINS; b++)
        for (int t = 0; t < N; t++) {
            const double mag = hypot(want[b][t], want[BINS + b][t]); /* the capped e^m */
            for (int h = 0; h < 2; h++) {
                const double ref = want[b + h * BINS][t], got = rows[b + h * BINS][t];
                if (b == 0 && t == 2)
                    bad += got == got; /* NaN in, NaN out */
                else
                    bad += !(fabs(got - ref) <= 8 * 0x1p-24 * mag);
            }
        }
    CHECK_MSG(bad == 0, "istft polar: %d values off the double reference", bad);
    const hfc_generator_net istft = {.head_type = HFC_HEAD_ISTFT}, wave = {.head_type = 0};
    const float in[5] = {-3.0f, -1.0f, 0.25f, 1.5f, NAN};
    float out[5];
    hfc_generator_net_pcm(&istft, in, out, 5);
    CHECK(out[0] == -1.0f && out[1] == -1.0f && out[2] == 0.25f && out[3] == 1.0f && out[4] != out[4]);
    hfc_generator_net_pcm(&wave, in, out, 5);
    CHECK(out[2] == tanhf(0.25f) && out[3] == tanhf(1.5f));
}

int main(int argc, char **argv)
{
    const int quick = argc > 1 && !strcmp(argv[1], "--quick");
    hfc_test_seed();
    check_avx2_int8_needs();
    check_istft_head();
    const unsigned have = hfc_cpu_features();
    int n_paths = 0;
    for (int i = 0; hfc_kernel_tables[i]; i++) {
        const hfc_kernels *k = hfc_kernel_tables[i];
        if (k == &hfc_kernels_scalar)
            continue;
        if ((k->needs & have) != k->needs) {
            printf("path %s: built, but this CPU lacks it: skipped\n", k->name);
            continue;
        }
        for (int f = 0; f < HFC_FORMAT_COUNT; f++) {
            const hfc_conv_ops *ops = k->conv[f];
            if (ops && (ops->needs & have) != ops->needs)
                printf("path %s: built, but this CPU lacks it: skipped\n", ops->name);
            else if (ops)
                check_convs(ops, quick);
        }
        check_vqs(k, quick);
        n_paths++;
    }
    if (n_paths == 0) {
        printf("no SIMD path runs here: nothing to compare\n");
        return HFC_TEST_SKIP;
    }
    return hfc_test_finish("test_kernels");
}
