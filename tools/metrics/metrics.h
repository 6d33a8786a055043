/*
 * metrics.h - objective speech-quality metrics for evaluating hificodec against
 * reference codecs: STOI, extended STOI, log-mel distance, SI-SDR and delay
 * alignment. A static library used by `hificodec eval` and the tests; not part of
 * libhificodec's public API.
 *
 * Conventions
 *   Signals are mono float PCM, nominally in [-1, 1]. REF is the clean reference,
 *   DEG the degraded (decoded, noisy) signal. Every pointer is borrowed for the
 *   call only; nothing here keeps a pointer after returning.
 *   Functions return HFC_OK (0) or a negative enum hfc_status from hificodec.h:
 *     HFC_ERR_INVALID_ARG  NULL pointer, n_samples <= 0 or a rate out of range
 *     HFC_ERR_BAD_SAMPLE   an input sample is NaN or infinite
 *     HFC_ERR_TOO_SHORT    too little signal for the metric (see each function)
 *     HFC_ERR_UNSUPPORTED  a sample rate STOI cannot resample to 10 kHz (see
 *                          hfc_metrics_resample)
 *     HFC_ERR_NO_MEMORY    an allocation failed
 *   On any error the numeric outputs are set to NaN (where there is an output).
 *
 * Threading
 *   The functions allocate working memory and create FFTW plans per call. FFTW's
 *   planner is not thread-safe, so call them from one thread at a time (the CLI
 *   and the tests are single-threaded). They are not meant for real-time threads.
 */
#ifndef HFC_METRICS_H
#define HFC_METRICS_H

#include <stdint.h>

#include "hificodec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* STOI and extended STOI                                                   */
/* ------------------------------------------------------------------------ */

/* The published algorithms' constants (Taal et al. 2011; Jensen & Taal 2016). */
#define HFC_STOI_RATE_HZ 10000      /* both signals are resampled to this rate */
#define HFC_STOI_FRAME_SAMPLES 256  /* Hann frames, hop 128 (50% overlap) */
#define HFC_STOI_FFT_SIZE 512
#define HFC_STOI_N_BANDS 15         /* one-third-octave bands, centres 150 Hz .. 3.8 kHz */
#define HFC_STOI_SEGMENT_FRAMES 30  /* 384 ms analysis segments */

typedef struct hfc_stoi_result {
    double stoi;          /* Taal 2011: mean clipped short-time correlation (beta = -15 dB).
                             In [-1, 1]; about 0.4 (unintelligible) .. 1 (identical). */
    double estoi;         /* Jensen & Taal 2016: mean spectral-correlation of the
                             row- and column-normalised segments. In [-1, 1]; 1 = identical. */
    int64_t n_frames;     /* frames at 10 kHz left after silent-frame removal */
    int64_t n_segments;   /* 30-frame segments averaged: n_frames - 29 */
} hfc_stoi_result;

/*
 * STOI and ESTOI of deg against ref, both n_samples long at rate_hz (1000 ..
 * 384000, see hfc_metrics_resample for which) and time-aligned. This follows
 * the authors' MATLAB reference implementation step by step (and so pystoi >=
 * 0.4.1, which is tested against it):
 *   1. Resampling to 10 kHz with hfc_metrics_resample (Octave's resample() filter,
 *      the one pystoi uses; skipped when rate_hz is 10000).
 *   2. Silent-frame removal: 256-sample Hann frames (MATLAB's symmetric hanning,
 *      without zero end points), hop 128, starting at 0, 128, ... while the frame
 *      start is < n - 256; frames whose ref energy is 40 dB or more below the
 *      loudest ref frame are dropped from both signals, and the kept windowed
 *      frames are overlap-added again.
 *   3. STFT with the same window and hop, 512-point FFT; 15 one-third-octave bands
 *      from 150 Hz (band edges rounded to the nearest FFT bin, upper edge
 *      exclusive); band envelopes are the square root of the summed bin powers.
 *   4. Every 30-frame segment (a sliding window, hop one frame):
 *      STOI  - per band: scale deg to the energy of ref, clip it at ref * (1 +
 *              10^(15/20)), correlate with ref; averaged over bands and segments.
 *      ESTOI - subtract row (band) means and normalise rows to unit norm, then the
 *              same for columns (frames); sum of the products / 30, averaged over
 *              segments.
 * Numerical guards: as pystoi, STOI adds DBL_EPSILON to the norms it divides
 * by. ESTOI leaves a zero-norm row or column at zero instead of adding
 * DBL_EPSILON-scale random noise (as MATLAB and pystoi do); the results agree
 * except for signals with digital silence in a whole band or frame.
 * The FFT is single precision (FFTW float); everything else is double.
 * Returns HFC_OK, or HFC_ERR_TOO_SHORT when fewer than 30 frames remain after
 * silent-frame removal (pystoi returns 1e-5 there; we report it instead), or
 * another status listed at the top.
 */
int hfc_metrics_stoi(const float *ref, const float *deg, int64_t n_samples, int rate_hz,
                     hfc_stoi_result *result);

/* ------------------------------------------------------------------------ */
/* Log-mel distance                                                         */
/* ------------------------------------------------------------------------ */

#define HFC_LOGMEL_N_MELS 80
#define HFC_LOGMEL_FFT_SIZE 1024
#define HFC_LOGMEL_HOP_SAMPLES 256
#define HFC_LOGMEL_FLOOR 1e-7

/*
 * Log-mel spectral distance: mean over frames and mel bands of
 * |log10(max(M_ref, 1e-7)) - log10(max(M_deg, 1e-7))|, where M is a mel power
 * spectrogram computed exactly as librosa.feature.melspectrogram(y, sr=rate_hz,
 * n_fft=1024, hop_length=256, n_mels=80, power=2.0) with librosa >= 0.10's
 * defaults:
 *   - frames centred: the signal is padded with 512 zeros on each side, frame t
 *     starts at t * 256, n_frames = 1 + n_samples / 256 (integer division);
 *   - periodic Hann window of 1024 samples (scipy.signal.get_window('hann'));
 *   - power spectrum |X|^2 of the 513 bins, unnormalised FFT, no window
 *     normalisation, samples used as they are (no gain, no pre-emphasis);
 *   - 80 Slaney-scale mel triangles (linear below 1 kHz, logarithmic above),
 *     fmin 0, fmax rate_hz / 2, each scaled by 2 / (its bandwidth in Hz)
 *     (librosa's default norm='slaney', htk=False), weights in double.
 * 0 for identical signals; scaling deg by g adds |log10(g^2)| where nothing is
 * floored. Unitless (decades of energy). Needs n_samples >= 1024 (else
 * HFC_ERR_TOO_SHORT); rate_hz in 1000 .. 384000.
 */
int hfc_metrics_logmel_distance(const float *ref, const float *deg, int64_t n_samples, int rate_hz,
                                double *distance);

/* Mel spectrogram conventions for hfc_metrics_logmel_distance_style. */
enum hfc_logmel_style {
    /* librosa >= 0.10 defaults, as described above; what
     * hfc_metrics_logmel_distance uses. */
    HFC_LOGMEL_LIBROSA = 0,
    /* torchaudio.transforms.MelSpectrogram(sample_rate, n_fft=1024, hop_length=256,
     * n_mels=80) defaults: HTK mel scale (2595 log10(1 + f / 700)), triangles with
     * peak 1 (norm=None), frames centred with reflect padding; the same window,
     * power spectrum, floor and mean. It gives higher distances than the librosa
     * style (Opus on valid/: 0.612 / 0.319 / 0.245 at 6 / 8 / 12 kbps against
     * 0.595 / 0.306 / 0.233), and reproduces the project's published Opus rows. */
    HFC_LOGMEL_TORCHAUDIO = 1
};

/* hfc_metrics_logmel_distance with a choice of style (enum hfc_logmel_style);
 * HFC_ERR_INVALID_ARG for an unknown style. */
int hfc_metrics_logmel_distance_style(const float *ref, const float *deg, int64_t n_samples,
                                      int rate_hz, int style, double *distance);

/* ------------------------------------------------------------------------ */
/* SI-SDR                                                                   */
/* ------------------------------------------------------------------------ */

#define HFC_SI_SDR_MAX_DB 300.0

/*
 * Scale-invariant signal-to-distortion ratio in dB (Le Roux et al., "SDR -
 * half-baked or well done?", ICASSP 2019). Both signals have their mean removed
 * first (as asteroid's and torchmetrics' zero_mean variants); then
 * t = (<deg, ref> / <ref, ref>) ref, e = deg - t and
 * SI-SDR = 10 log10(|t|^2 / |e|^2), limited to +-HFC_SI_SDR_MAX_DB (+300:
 * identical signals; -300: deg silent or orthogonal to ref), so the result is
 * always finite. Invariant to scaling deg. Sums in double. Returns HFC_ERR_INVALID_ARG
 * for a reference that is constant (zero energy after removing its mean).
 */
int hfc_metrics_si_sdr_db(const float *ref, const float *deg, int64_t n_samples,
                          double *si_sdr_db);

#define HFC_LEVEL_MIN_DB 300.0

/*
 * Level of deg against ref in dB: 10 log10(sum deg^2 / sum ref^2), sums in
 * double, no mean removed; 0 when the two are equally loud, negative when deg
 * is quieter. A silent deg gives -HFC_LEVEL_MIN_DB rather than -inf.
 * Returns HFC_ERR_INVALID_ARG for a silent reference, HFC_ERR_BAD_SAMPLE for a
 * NaN or infinity.
 */
int hfc_metrics_level_db(const float *ref, const float *deg, int64_t n_samples, double *level_db);

/* ------------------------------------------------------------------------ */
/* Delay alignment                                                          */
/* ------------------------------------------------------------------------ */

typedef struct hfc_alignment {
    int64_t delay_samples;   /* deg lags ref by this many samples: deg[n + delay] ~ ref[n].
                                Negative when deg leads. In [-max_lag, max_lag]. */
    int64_t ref_offset;      /* the overlap starts here in ref: max(0, -delay) */
    int64_t deg_offset;      /* ... and here in deg: max(0, delay) */
    int64_t n_samples;       /* overlap length: ref[ref_offset ..) lines up with
                                deg[deg_offset ..) */
    double correlation;      /* normalised cross-correlation of the two overlaps, in [-1, 1];
                                0 when either is silent */
    int by_envelope;         /* 1: the delay came from the band envelopes, the waveform's
                                correlation peak being elsewhere (see below) */
} hfc_alignment;

/*
 * Finds the delay of deg against ref (|delay| <= max_lag_samples, overlap of at
 * least one sample), then describes the overlap so that both can be trimmed to it
 * (by offset, without copying). Two estimates:
 * - the waveform's: the lag maximising the cross-correlation sum_n ref[n] deg[n + delay],
 *   computed for all lags with one single-precision FFT of size >= n_ref + n_deg - 1,
 *   the best lag and its two neighbours on each side re-evaluated exactly in double,
 *   so a pure delay is found exactly;
 * - the band envelopes': the lag (in steps of 16 samples) maximising the summed
 *   cross-correlation of the log energies of 8 frequency bands in 256-sample frames.
 * The waveform's stands when the two agree within 32 samples. Otherwise the output
 * did not keep the waveform's phase (a neural vocoder: its waveform correlation has
 * no real peak and its maximum lands anywhere), and the delay is the best waveform
 * lag within 16 samples of the envelopes' (by_envelope = 1). Flat envelopes
 * (silence, a steady tone) leave the waveform's estimate. Ties go to the smallest
 * |delay|, so silent input gives delay 0. max_lag_samples >= 0 (0: no search).
 * The lengths may differ.
 */
int hfc_metrics_align(const float *ref, int64_t n_ref_samples, const float *deg,
                      int64_t n_deg_samples, int64_t max_lag_samples, hfc_alignment *alignment);

/* ------------------------------------------------------------------------ */
/* Resampling                                                               */
/* ------------------------------------------------------------------------ */

/* Samples hfc_metrics_resample produces: ceil(n_in_samples * out / in) with the
 * rates reduced by their gcd. Negative status for bad rates or n_in_samples < 0. */
int64_t hfc_metrics_resample_n_samples(int64_t n_in_samples, int in_rate_hz, int out_rate_hz);

/*
 * Rational polyphase resampling from in_rate_hz to out_rate_hz with the
 * anti-aliasing filter of GNU Octave's resample() (the one MATLAB-compatible STOI
 * implementations use): with p/q the reduced rate ratio, a Kaiser-windowed sinc
 * with cutoff 1 / (2 max(p, q)) of the upsampled rate, transition width a tenth
 * of that, 60 dB stop-band rejection (Kaiser beta 5.653), normalised to unit DC
 * gain; applied to the zero-stuffed input with the filter centred on each output
 * sample and zeros outside the input (scipy.signal.resample_poly's alignment:
 * output sample 0 is input sample 0). Double-precision arithmetic.
 * out receives hfc_metrics_resample_n_samples() samples (capacity
 * max_out_samples). Rates are 1000 .. 384000 Hz, and the reduced factors p and q
 * at most 4000 (the filter has about 580 max(p, q) taps): 8, 11.025, 16, 22.05,
 * 44.1 and 48 kHz to 10 kHz are all fine. Returns the number written, or
 * HFC_ERR_INVALID_ARG, HFC_ERR_UNSUPPORTED (factors too large),
 * HFC_ERR_BUFFER_TOO_SMALL, HFC_ERR_NO_MEMORY. Equal rates copy the input.
 */
int64_t hfc_metrics_resample(const float *in, int64_t n_in_samples, int in_rate_hz, float *out,
                             int64_t max_out_samples, int out_rate_hz);

#ifdef __cplusplus
}
#endif

#endif /* HFC_METRICS_H */
