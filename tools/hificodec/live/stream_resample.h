/*
 * stream_resample.h - a streaming mono resampler between a device's rate and the
 * model's: libsoxr's high-quality setting with a minimum-phase filter, chosen for
 * latency (stream_resample.c says how much). Equal rates pass through untouched,
 * so a device at the model's rate gives exactly the samples a file would.
 *
 * soxr compensates its filter delay: output sample j stands for time j / out_rate,
 * so sample indices map between the rates by the ratio alone; the delay shows up
 * only as output arriving later. Not real-time safe (soxr may allocate); the codec
 * thread uses it.
 */
#ifndef HFC_CLI_STREAM_RESAMPLE_H
#define HFC_CLI_STREAM_RESAMPLE_H

#include <stddef.h>

typedef struct hfc_resampler {
    void *soxr;             /* soxr_t; NULL when the rates are equal */
    double ratio;           /* out_rate / in_rate */
    size_t max_in;          /* most samples one call takes */
    float *out;             /* output buffer, out_capacity samples */
    size_t out_capacity;
} hfc_resampler;

/* Prepares in_rate_hz -> out_rate_hz for calls of at most max_in samples. Returns
 * 0, or -1 with one line in err. */
int hfc_resampler_init(hfc_resampler *resampler, int in_rate_hz, int out_rate_hz, size_t max_in,
                       char *err, size_t err_bytes);

/* Resamples n_in <= max_in samples. Sets *out to the samples ready now (in itself
 * when passing through, else the resampler's buffer, valid until the next call)
 * and returns their count, or -1 on a soxr error. */
long hfc_resampler_process(hfc_resampler *resampler, const float *in, size_t n_in,
                           const float **out);

/* Ends the input: returns the samples the filter still held, as process does. */
long hfc_resampler_drain(hfc_resampler *resampler, const float **out);

void hfc_resampler_free(hfc_resampler *resampler);

#endif
