/* Streaming convolutions. A conv's input arrives in pieces; the layer keeps the
 * input columns it still needs (its history) and emits every output whose inputs
 * are all present. Times are absolute from the start of the stream, so layers with
 * centred padding simply emit later: that delay is the look-ahead.
 *
 * hfc_sconv (conv1d, any stride): input times start at -pad_left (those columns are
 * the zero padding); output t reads input times t*stride - pad_left + k*dilation for
 * the taps k it uses. `taps` <= kernel: a non-causal layer can drop its last taps to
 * cut look-ahead (an approximation; all taps = exact). flush appends pad_right zero
 * columns, as the offline pass does, and emits the rest.
 *
 * hfc_sconvt (transposed conv1d): full output m (before the crop) is complete once
 * every input t <= m / stride is present; outputs are emitted from m = crop_left. */
#ifndef HFC_STREAM_CONV_H
#define HFC_STREAM_CONV_H

#include "kernels/kernels.h"
#include "stream_buf.h"

typedef struct hfc_sconv {
    hfc_conv cv;          /* the model's layer; kernel may be cut to `taps` */
    int full_kernel;      /* the layer's real kernel size */
    hfc_colbuf in;        /* the caller appends (already activated) input columns */
    int64_t next_out;     /* next output time */
    int64_t total_out;    /* after flush: outputs the offline pass produces; else -1 */
} hfc_sconv;

/* max_new: most input columns appended between two runs (flush padding included).
 * taps: 0 for all (exact). */
int hfc_sconv_init(hfc_sconv *s, const hfc_conv *cv, int max_new, int taps);
void hfc_sconv_free(hfc_sconv *s);
void hfc_sconv_reset(hfc_sconv *s);

/* Emits every computable output into out (appended at time next_out, which must be
 * out's end). Returns the number of outputs. */
int hfc_sconv_run(hfc_sconv *s, hfc_colbuf *out);

/* The most streams one batched run takes (hfc_*_run_many). */
#define HFC_STREAM_BATCH_MAX 64

/* hfc_sconv_run for n streams of the same layer (n <= HFC_STREAM_BATCH_MAX): one
 * batched kernel call (conv1d_batch) where the layer's kernels have one, so narrow
 * runs share each pass over the weights; the same bits as n hfc_sconv_run. */
void hfc_sconv_run_many(hfc_sconv *const *s, hfc_colbuf *const *out, int n);

/* The same, marking each input complete first when finish. */
void hfc_sconv_finish_run_many(hfc_sconv *const *s, hfc_colbuf *const *out, int n, int finish);

/* Marks the input complete: appends the right padding; the next run emits the rest. */
void hfc_sconv_finish(hfc_sconv *s);

/* Input columns of history the layer keeps: its contribution to the state size. */
int hfc_sconv_history(const hfc_conv *cv, int taps);

/* Input columns of look-ahead: how far past an output's own time its last tap reads. */
int hfc_sconv_lookahead(const hfc_conv *cv, int taps);

typedef struct hfc_sconvt {
    const hfc_convt *cv;
    hfc_colbuf in;        /* inputs from time 0; its end is the count received */
    int64_t next_full;    /* next full-output index to emit */
    int finished;
} hfc_sconvt;

int hfc_sconvt_init(hfc_sconvt *s, const hfc_convt *cv, int max_new);
void hfc_sconvt_free(hfc_sconvt *s);
void hfc_sconvt_reset(hfc_sconvt *s);
int hfc_sconvt_run(hfc_sconvt *s, hfc_colbuf *out);
void hfc_sconvt_finish(hfc_sconvt *s);

#endif
