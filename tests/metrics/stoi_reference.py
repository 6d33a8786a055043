"""Independent NumPy reference of STOI and extended STOI, for cross-checking the C
implementation in tools/metrics/stoi.c.

Written from the published descriptions, step by step, with no code shared with
the C side:
  C. H. Taal, R. C. Hendriks, R. Heusdens, J. Jensen, "An Algorithm for
  Intelligibility Prediction of Time-Frequency Weighted Noisy Speech", IEEE TASLP
  19(7), 2011 (STOI); J. Jensen, C. H. Taal, "An Algorithm for Predicting the
  Intelligibility of Speech Masked by Modulated Noise Maskers", IEEE TASLP 24(11),
  2016 (ESTOI); and the authors' MATLAB reference as documented by pystoi
  (resampling with Octave's resample(), MATLAB's hanning(), frame ranges
  1:K:(length(x) - N)).

Only NumPy is needed (SciPy is not installed everywhere the tests run): the
polyphase resampler is written out as a zero-stuffed FFT convolution.
"""

import numpy as np

FS = 10000
N_FRAME = 256
HOP = N_FRAME // 2
NFFT = 512
N_BANDS = 15
MIN_FREQ = 150.0
N_SEG = 30
BETA_DB = -15.0
DYN_RANGE_DB = 40.0
EPS = np.finfo(np.float64).eps


def octave_resample(x, fs_in, fs_out):
    """Octave's resample(x, p, q): Kaiser-windowed sinc, 60 dB rejection."""
    g = np.gcd(int(fs_in), int(fs_out))
    up, down = int(fs_out) // g, int(fs_in) // g
    if up == down:
        return np.asarray(x, dtype=np.float64).copy()
    cutoff = 1.0 / (2.0 * max(up, down))
    rejection_db = 60.0
    half = int(np.ceil((rejection_db - 8.0) / (28.714 * cutoff / 10.0)))
    t = np.arange(-half, half + 1, dtype=np.float64)
    beta = 0.1102 * (rejection_db - 8.7)
    h = np.kaiser(2 * half + 1, beta) * 2.0 * up * cutoff * np.sinc(2.0 * cutoff * t)
    h = h / h.sum() * up
    n_out = -(-len(x) * up // down)
    stuffed = np.zeros(len(x) * up)
    stuffed[::up] = x
    n_conv = len(stuffed) + len(h) - 1
    n_fft = 1 << int(np.ceil(np.log2(n_conv)))
    conv = np.fft.irfft(np.fft.rfft(stuffed, n_fft) * np.fft.rfft(h, n_fft), n_fft)[:n_conv]
    # Output n is centred on stuffed sample n * down: filter delay `half`.
    idx = half + np.arange(n_out) * down
    out = np.zeros(n_out)
    ok = idx < n_conv
    out[ok] = conv[idx[ok]]
    return out


def matlab_hanning(n):
    """MATLAB hanning(n): symmetric, without the zero end points."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(1, n + 1) / (n + 1))


def frame_starts(n):
    """MATLAB 1:HOP:(n - N_FRAME), zero-based."""
    return np.arange(0, max(n - N_FRAME, 0), HOP)


def remove_silent_frames(x, y):
    w = matlab_hanning(N_FRAME)
    starts = frame_starts(len(x))
    xf = np.stack([w * x[s:s + N_FRAME] for s in starts])
    yf = np.stack([w * y[s:s + N_FRAME] for s in starts])
    energy = 20.0 * np.log10(np.sqrt(np.sum(xf ** 2, axis=1)) + EPS)
    keep = (np.max(energy) - DYN_RANGE_DB - energy) < 0
    xf, yf = xf[keep], yf[keep]
    n_out = (len(xf) - 1) * HOP + N_FRAME
    xs, ys = np.zeros(n_out), np.zeros(n_out)
    for i in range(len(xf)):
        xs[i * HOP:i * HOP + N_FRAME] += xf[i]
        ys[i * HOP:i * HOP + N_FRAME] += yf[i]
    return xs, ys


def third_octave_matrix():
    f = np.arange(NFFT // 2 + 1) * FS / NFFT
    k = np.arange(N_BANDS, dtype=np.float64)
    lo = MIN_FREQ * 2.0 ** ((2 * k - 1) / 6)
    hi = MIN_FREQ * 2.0 ** ((2 * k + 1) / 6)
    obm = np.zeros((N_BANDS, len(f)))
    for j in range(N_BANDS):
        a = int(np.argmin((f - lo[j]) ** 2))
        b = int(np.argmin((f - hi[j]) ** 2))
        obm[j, a:b] = 1.0
    return obm


def band_envelopes(x):
    w = matlab_hanning(N_FRAME)
    spec = np.stack([np.fft.rfft(w * x[s:s + N_FRAME], NFFT) for s in frame_starts(len(x))])
    return np.sqrt(third_octave_matrix() @ (np.abs(spec) ** 2).T)   # bands x frames


def stoi(x, y, fs, extended=False, seed=0):
    """STOI (extended=False) or ESTOI of y against x; None if under 30 frames."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if fs != FS:
        x = octave_resample(x, fs, FS)
        y = octave_resample(y, fs, FS)
    x, y = remove_silent_frames(x, y)
    X, Y = band_envelopes(x), band_envelopes(y)
    n_frames = X.shape[1]
    if n_frames < N_SEG:
        return None
    rng = np.random.default_rng(seed)
    clip = 10.0 ** (-BETA_DB / 20.0)
    scores = []
    for m in range(N_SEG, n_frames + 1):
        xs, ys = X[:, m - N_SEG:m], Y[:, m - N_SEG:m]
        if extended:
            # MATLAB estoi.m: eps-scale noise guards the normalisations.
            xs = xs + EPS * rng.standard_normal(xs.shape)
            ys = ys + EPS * rng.standard_normal(ys.shape)
            xn = xs - xs.mean(axis=1, keepdims=True)
            yn = ys - ys.mean(axis=1, keepdims=True)
            xn /= np.sqrt((xn ** 2).sum(axis=1, keepdims=True))
            yn /= np.sqrt((yn ** 2).sum(axis=1, keepdims=True))
            xn = xn + EPS * rng.standard_normal(xn.shape)
            yn = yn + EPS * rng.standard_normal(yn.shape)
            xn = xn - xn.mean(axis=0, keepdims=True)
            yn = yn - yn.mean(axis=0, keepdims=True)
            xn /= np.sqrt((xn ** 2).sum(axis=0, keepdims=True))
            yn /= np.sqrt((yn ** 2).sum(axis=0, keepdims=True))
            scores.append(np.sum(xn * yn) / N_SEG)
        else:
            alpha = np.sqrt((xs ** 2).sum(axis=1, keepdims=True)) / (
                np.sqrt((ys ** 2).sum(axis=1, keepdims=True)) + EPS)
            yp = np.minimum(alpha * ys, xs * (1.0 + clip))
            for j in range(N_BANDS):
                a = xs[j] - xs[j].mean()
                b = yp[j] - yp[j].mean()
                a = a / (np.sqrt(np.sum(a ** 2)) + EPS)
                b = b / (np.sqrt(np.sum(b ** 2)) + EPS)
                scores.append(np.sum(a * b))
    return float(np.mean(scores))
