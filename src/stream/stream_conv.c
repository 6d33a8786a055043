#include "stream_conv.h"

#include <string.h>

#include "hificodec.h"

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return -floor_div(-a, b);
}

int hfc_sconv_history(const hfc_conv *cv, int taps)
{
    return (taps - 1) * cv->dilation + cv->stride - 1;
}

int hfc_sconv_lookahead(const hfc_conv *cv, int taps)
{
    /* Output t stands for inputs [t*stride, (t+1)*stride); its last tap reads input
     * t*stride - pad_left + (taps-1)*dilation. */
    int reach = (taps - 1) * cv->dilation - cv->pad_left - (cv->stride - 1);
    return reach > 0 ? reach : 0;
}

int hfc_sconv_init(hfc_sconv *s, const hfc_conv *cv, int max_new, int taps)
{
    memset(s, 0, sizeof *s);
    s->cv = *cv;
    s->full_kernel = cv->kernel;
    if (taps > 0 && taps < cv->kernel)
        s->cv.kernel = taps;
    /* A cut kernel keeps the weights and their row stride (weight_taps). */
    int cap = hfc_sconv_history(&s->cv, s->cv.kernel) + cv->pad_left + max_new + 1;
    int status = hfc_colbuf_init(&s->in, cv->c_in, cap);
    hfc_sconv_reset(s);
    return status;
}

void hfc_sconv_free(hfc_sconv *s)
{
    hfc_colbuf_free(&s->in);
}

void hfc_sconv_reset(hfc_sconv *s)
{
    hfc_colbuf_reset(&s->in, -s->cv.pad_left);
    hfc_colbuf_append_zeros(&s->in, s->cv.pad_left);
    s->next_out = 0;
    s->total_out = -1;
}

void hfc_sconv_finish(hfc_sconv *s)
{
    /* Offline output count over the n inputs seen, with the full kernel. */
    int64_t n_in = hfc_colbuf_end(&s->in);
    int64_t span = (int64_t)s->cv.dilation * (s->full_kernel - 1) + 1;
    int64_t padded = n_in + s->cv.pad_left + s->cv.pad_right;
    s->total_out = padded < span ? 0 : (padded - span) / s->cv.stride + 1;
    hfc_colbuf_append_zeros(&s->in, s->cv.pad_right);
}

/* The outputs a run of s emits: grows out and describes the call in *item (n_out 0:
 * none); returns the output time after them. */
static int64_t sconv_plan(hfc_sconv *s, hfc_colbuf *out, hfc_conv_item *item)
{
    const hfc_conv *cv = &s->cv;
    const int64_t reach = (int64_t)(cv->kernel - 1) * cv->dilation - cv->pad_left;
    /* Output t is computable when its last tap's input, t*stride + reach, is present. */
    int64_t end = floor_div(hfc_colbuf_end(&s->in) - 1 - reach, cv->stride) + 1;
    if (s->total_out >= 0 && end > s->total_out)
        end = s->total_out;
    const int n_out = end > s->next_out ? (int)(end - s->next_out) : 0;
    const int64_t out_end = hfc_colbuf_end(out);
    item->n_out = 0;
    if (n_out == 0 || !hfc_colbuf_grow(out, n_out))
        return s->next_out;
    const int64_t first_in = s->next_out * cv->stride - cv->pad_left;
    *item = (hfc_conv_item){hfc_colbuf_at(&s->in, 0, first_in), s->in.ld,
                            hfc_colbuf_at(out, 0, out_end), out->ld, n_out};
    return end;
}

void hfc_sconv_run_many(hfc_sconv *const *s, hfc_colbuf *const *out, int n)
{
    hfc_conv_item items[HFC_STREAM_BATCH_MAX], busy[HFC_STREAM_BATCH_MAX];
    int64_t end[HFC_STREAM_BATCH_MAX];
    int n_busy = 0, same = 1;
    for (int i = 0; i < n; i++) {
        end[i] = sconv_plan(s[i], out[i], &items[i]);
        if (items[i].n_out > 0)
            busy[n_busy++] = items[i];
        same &= s[i]->cv.packed == s[0]->cv.packed && s[i]->cv.kernel == s[0]->cv.kernel;
    }
    const hfc_conv *cv = &s[0]->cv;
    if (n_busy > 1 && same && cv->ops->conv1d_batch)
        cv->ops->conv1d_batch(cv, n_busy, busy);
    else
        for (int i = 0; i < n; i++)
            if (items[i].n_out > 0)
                s[i]->cv.ops->conv1d(&s[i]->cv, items[i].x, items[i].x_ld, items[i].y,
                                     items[i].y_ld, items[i].n_out, 0);
    for (int i = 0; i < n; i++) {
        s[i]->next_out = end[i];
        hfc_colbuf_drop_before(&s[i]->in, end[i] * s[i]->cv.stride - s[i]->cv.pad_left);
    }
}

void hfc_sconv_finish_run_many(hfc_sconv *const *s, hfc_colbuf *const *out, int n, int finish)
{
    for (int k = 0; k < n && finish; k++)
        hfc_sconv_finish(s[k]);
    hfc_sconv_run_many(s, out, n);
}

int hfc_sconv_run(hfc_sconv *s, hfc_colbuf *out)
{
    const int64_t before = s->next_out;
    hfc_sconv_run_many(&s, &out, 1);
    return (int)(s->next_out - before);
}

int hfc_sconvt_init(hfc_sconvt *s, const hfc_convt *cv, int max_new)
{
    memset(s, 0, sizeof *s);
    s->cv = cv;
    int history = (int)ceil_div(cv->kernel, cv->stride);
    int status = hfc_colbuf_init(&s->in, cv->c_in, history + max_new + 1);
    hfc_sconvt_reset(s);
    return status;
}

void hfc_sconvt_free(hfc_sconvt *s)
{
    hfc_colbuf_free(&s->in);
}

void hfc_sconvt_reset(hfc_sconvt *s)
{
    hfc_colbuf_reset(&s->in, 0);
    s->next_full = s->cv->crop_left;
    s->finished = 0;
}

void hfc_sconvt_finish(hfc_sconvt *s)
{
    s->finished = 1;
}

int hfc_sconvt_run(hfc_sconvt *s, hfc_colbuf *out)
{
    const hfc_convt *cv = s->cv;
    const int64_t n_in = hfc_colbuf_end(&s->in);
    /* Full output m is final once no input beyond m / stride can still arrive. */
    int64_t end = n_in * cv->stride;
    if (s->finished)
        end = n_in > 0 ? (n_in - 1) * cv->stride + cv->kernel - cv->crop_right : 0;
    int n_out = end > s->next_full ? (int)(end - s->next_full) : 0;
    if (n_out == 0)
        return 0;
    int64_t out_end = hfc_colbuf_end(out);
    if (!hfc_colbuf_grow(out, n_out))
        return 0;
    cv->ops->conv_transpose1d(cv, hfc_colbuf_at(&s->in, 0, s->in.t0), s->in.ld, s->in.n,
                           hfc_colbuf_at(out, 0, out_end), out->ld, n_out,
                           (int)(s->next_full - s->in.t0 * cv->stride));
    s->next_full = end;
    /* Inputs below (end - kernel + 1) / stride touch no output from `end` on. */
    hfc_colbuf_drop_before(&s->in, ceil_div(end - cv->kernel + 1, cv->stride));
    return n_out;
}
