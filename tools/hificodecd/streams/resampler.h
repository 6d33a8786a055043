/* Sample-rate conversion between a client's rate and the model's, one direction of
 * one stream, with libsoxr (high quality, minimum phase: the least delay for the
 * quality). soxr buffers internally: its output for a chunk may be a little more
 * or less than chunk x ratio, and it holds back about its filter delay until
 * drained. soxr may grow its internal FIFO on the first chunks of a stream; after
 * that it does not allocate. */
#ifndef HFCD_RESAMPLER_H
#define HFCD_RESAMPLER_H

#include <stddef.h>

typedef struct hfcd_resampler hfcd_resampler;

/* NULL on failure. */
hfcd_resampler *hfcd_resampler_create(double in_hz, double out_hz);
void hfcd_resampler_destroy(hfcd_resampler *r);

/* The most output one call may give for n_in input samples, or that a drain gives
 * (n_in = 0): what buffers are sized for. */
size_t hfcd_resampler_max_out(const hfcd_resampler *r, size_t n_in);

/* Converts n_in samples; returns the samples written to out (at most max_out; the
 * rest stays buffered for the next call). */
size_t hfcd_resampler_process(hfcd_resampler *r, const float *in, size_t n_in, float *out,
                              size_t max_out);

/* End of input: writes what is held back, up to max_out, and starts over. */
size_t hfcd_resampler_drain(hfcd_resampler *r, float *out, size_t max_out);

#endif
