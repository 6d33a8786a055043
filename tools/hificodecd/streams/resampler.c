#include "resampler.h"

#include <math.h>
#include <soxr.h>
#include <stdlib.h>

struct hfcd_resampler {
    soxr_t soxr;
    double ratio;
    double out_hz;
};

hfcd_resampler *hfcd_resampler_create(double in_hz, double out_hz)
{
    hfcd_resampler *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ | SOXR_MINIMUM_PHASE, 0);
    soxr_runtime_spec_t runtime = soxr_runtime_spec(1); /* no threads of its own */
    soxr_error_t err = NULL;
    r->soxr = soxr_create(in_hz, out_hz, 1, &err, &io, &quality, &runtime);
    if (!r->soxr || err) {
        free(r);
        return NULL;
    }
    r->ratio = out_hz / in_hz;
    r->out_hz = out_hz;
    return r;
}

void hfcd_resampler_destroy(hfcd_resampler *r)
{
    if (!r)
        return;
    soxr_delete(r->soxr);
    free(r);
}

size_t hfcd_resampler_max_out(const hfcd_resampler *r, size_t n_in)
{
    /* soxr works in blocks: a call may release up to about one filter delay more
     * than its share; measured below 60 ms at every rate pair up to 192 kHz, so
     * allow 125 ms. */
    return (size_t)ceil((double)n_in * r->ratio) + (size_t)(r->out_hz / 8) + 64;
}

size_t hfcd_resampler_process(hfcd_resampler *r, const float *in, size_t n_in, float *out,
                              size_t max_out)
{
    size_t done_in = 0, done_out = 0;
    soxr_process(r->soxr, in, n_in, &done_in, out, max_out, &done_out);
    return done_out;
}

size_t hfcd_resampler_drain(hfcd_resampler *r, float *out, size_t max_out)
{
    size_t total = 0, got;
    do { /* a NULL input tells soxr the input has ended */
        got = 0;
        soxr_process(r->soxr, NULL, 0, NULL, out + total, max_out - total, &got);
        total += got;
    } while (got > 0 && total < max_out);
    soxr_clear(r->soxr);
    return total;
}
