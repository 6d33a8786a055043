"""NumPy reference of the log-mel distance of tools/metrics/logmel.c.

style "librosa": the mel power spectrogram is librosa.feature.melspectrogram(y,
sr, n_fft=1024, hop_length=256, n_mels=80) with librosa >= 0.10 defaults (centre
with zero padding, periodic Hann, power 2, Slaney mel scale and area
normalisation). style "torchaudio": torchaudio.transforms.MelSpectrogram's
defaults (HTK mel scale, unnormalised triangles, reflect padding). Both written
out here from the libraries' documented formulas, as neither is installed.
"""

import numpy as np

N_FFT = 1024
HOP = 256
N_MELS = 80
FLOOR = 1e-7


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    lin = f / (200.0 / 3.0)
    log = 15.0 + np.log(np.maximum(f, 1e-300) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(f >= 1000.0, log, lin)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp(np.log(6.4) / 27.0 * (m - 15.0)), m * 200.0 / 3.0)


def htk_hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def htk_mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(sr, style="librosa"):
    fft_hz = np.arange(N_FFT // 2 + 1) * sr / N_FFT
    if style == "torchaudio":
        edges = htk_mel_to_hz(np.linspace(htk_hz_to_mel(0.0), htk_hz_to_mel(sr / 2.0), N_MELS + 2))
    else:
        edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), N_MELS + 2))
    weights = np.zeros((N_MELS, len(fft_hz)))
    for m in range(N_MELS):
        up = (fft_hz - edges[m]) / (edges[m + 1] - edges[m])
        down = (edges[m + 2] - fft_hz) / (edges[m + 2] - edges[m + 1])
        weights[m] = np.maximum(0.0, np.minimum(up, down))
        if style != "torchaudio":
            weights[m] *= 2.0 / (edges[m + 2] - edges[m])
    return weights


def log_mel(x, sr, style="librosa"):
    pad_mode = "reflect" if style == "torchaudio" else "constant"
    x = np.pad(np.asarray(x, dtype=np.float64), N_FFT // 2, mode=pad_mode)
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)
    n_frames = 1 + (len(x) - N_FFT) // HOP
    frames = np.stack([x[t * HOP:t * HOP + N_FFT] * window for t in range(n_frames)])
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return np.log10(np.maximum(power @ mel_filterbank(sr, style).T, FLOOR))


def logmel_distance(x, y, sr, style="librosa"):
    return float(np.mean(np.abs(log_mel(x, sr, style) - log_mel(y, sr, style))))
