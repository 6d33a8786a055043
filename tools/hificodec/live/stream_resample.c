#include "stream_resample.h"

#include "error_text.h"

#include <math.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

int hfc_resampler_init(hfc_resampler *resampler, int in_rate_hz, int out_rate_hz, size_t max_in,
                       char *err, size_t err_bytes)
{
    memset(resampler, 0, sizeof *resampler);
    resampler->ratio = (double)out_rate_hz / in_rate_hz;
    resampler->max_in = max_in;
    if (in_rate_hz == out_rate_hz)
        return 0;
    /* A call's output is its input times the ratio plus what the filter held back
     * from earlier calls, which is less than its length; 4096 covers that at any
     * ratio soxr's HQ filter uses. */
    resampler->out_capacity = (size_t)ceil((double)max_in * resampler->ratio) + 4096;
    resampler->out = malloc(resampler->out_capacity * sizeof *resampler->out);
    soxr_io_spec_t io_spec = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    /* Minimum phase: soxr's linear-phase HQ filter releases its output in
     * bursts about every other 20 ms block and adds some 7 ms of delay; the
     * minimum-phase one emits every block at once and delays by 2-6 ms, which
     * halves what resampling adds to the live latency. The phase response differs
     * from `encode`'s (linear) resampling, which is inaudible for speech. */
    soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, SOXR_MINIMUM_PHASE);
    soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
    soxr_error_t error = NULL;
    resampler->soxr = soxr_create(in_rate_hz, out_rate_hz, 1, &error, &io_spec, &quality, &runtime);
    if (resampler->out == NULL || resampler->soxr == NULL) {
        hfc_resampler_free(resampler);
        return hfc_cli_fail(err, err_bytes, "cannot resample %d Hz to %d Hz: %s", in_rate_hz,
                            out_rate_hz, error != NULL ? error : "out of memory");
    }
    return 0;
}

long hfc_resampler_process(hfc_resampler *resampler, const float *in, size_t n_in,
                           const float **out)
{
    if (resampler->soxr == NULL) {
        *out = in;
        return (long)n_in;
    }
    *out = resampler->out;
    size_t n_out = 0;
    /* in == NULL tells soxr the input has ended; it then flushes its filter over
     * as many calls as the output needs. */
    for (;;) {
        size_t used = 0, made = 0;
        soxr_error_t error = soxr_process(resampler->soxr, in, n_in, &used, resampler->out + n_out,
                                          resampler->out_capacity - n_out, &made);
        if (error != NULL)
            return -1;
        n_out += made;
        if (in != NULL && used == 0 && made == 0)
            return -1; /* no progress: never loop forever on a confused filter */
        if (in != NULL) {
            in += used;
            n_in -= used;
            if (n_in == 0)
                return (long)n_out;
        } else if (made == 0) {
            return (long)n_out;
        }
        if (n_out == resampler->out_capacity)
            return -1;
    }
}

long hfc_resampler_drain(hfc_resampler *resampler, const float **out)
{
    if (resampler->soxr == NULL) {
        *out = resampler->out;
        return 0;
    }
    return hfc_resampler_process(resampler, NULL, 0, out);
}

void hfc_resampler_free(hfc_resampler *resampler)
{
    if (resampler->soxr != NULL)
        soxr_delete(resampler->soxr);
    free(resampler->out);
    memset(resampler, 0, sizeof *resampler);
}
