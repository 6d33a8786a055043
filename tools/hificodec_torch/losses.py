"""Training losses: multi-resolution log-mel L1, multi-resolution STFT loss
(spectral convergence + log magnitude), least-squares GAN losses and feature
matching (HiFi-GAN), and the Slaney mel filterbank they share with the
validation metric."""

from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# The log-mel distance metric's floor on mel power (tools/metrics/metrics.h).
# Added rather than clamped in the loss, so a near-silent output (as at
# initialisation) still has a gradient.
MEL_FLOOR = 1e-7
# Floor on |STFT| for the log-magnitude loss (Parallel WaveGAN's 1e-7 on a
# normalised STFT is ~1e-5 on ours, which is unnormalised).
MAG_FLOOR = 1e-5
# The resolution of the band-level loss: the validation metric's.
LEVEL_N_FFT = 1024


def _slaney_hz_to_mel(hz: np.ndarray) -> np.ndarray:
    # Linear below 1 kHz (200/3 Hz per mel), logarithmic above (27 mels per
    # factor 6.4): librosa's default (htk=False).
    hz = np.asarray(hz, dtype=np.float64)
    logstep = np.log(6.4) / 27.0
    return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / logstep,
                    hz * 3.0 / 200.0)


def _slaney_mel_to_hz(mel: np.ndarray) -> np.ndarray:
    logstep = np.log(6.4) / 27.0
    return np.where(mel >= 15.0, 1000.0 * np.exp(logstep * (mel - 15.0)), mel * 200.0 / 3.0)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int = 80, fmin: float = 0.0,
                   fmax: float = None) -> np.ndarray:
    """[n_mels, n_fft // 2 + 1] float64 weights, as librosa.filters.mel with its
    defaults (Slaney scale, triangles scaled to 2 / bandwidth): the filters of
    the log-mel distance the codec is judged by."""
    fmax = sample_rate / 2 if fmax is None else fmax
    fft_hz = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    mel_hz = _slaney_mel_to_hz(np.linspace(_slaney_hz_to_mel(fmin), _slaney_hz_to_mel(fmax),
                                           n_mels + 2))
    widths = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (mel_hz[2:] - mel_hz[:-2]))[:, None]


def stft_magnitude(wav: torch.Tensor, n_fft: int, hop: int, window: torch.Tensor) -> torch.Tensor:
    """|STFT| [B, n_fft // 2 + 1, frames] with librosa's framing (centred,
    zero padded, periodic Hann, unnormalised)."""
    spec = torch.stft(wav, n_fft, hop, window=window, center=True, pad_mode="constant",
                      return_complex=True)
    return spec.abs()


class SpectralLoss(nn.Module):
    """Per resolution (n_fft, hop n_fft / 4): the L1 distance of log10 mel
    power (the validation metric's units: a value of 0.3 here at n_fft 1024 is
    a log-mel distance of ~0.3) and the spectral-convergence and log-magnitude
    losses of Parallel WaveGAN (Yamamoto et al. 2020) on the same STFT.
    Returns (mel, stft, level): mel and stft the means over resolutions; level
    the L1 distance of log10 mel band energy summed over each crop's frames
    (n_fft 1024).

    Why level: an L1 loss on log power per bin and frame is met by the
    median, so a decoder that blurs harmonic peaks leaves the loud frames and
    bins short of energy at little cost. Measured on the step-19500 model: its
    output was 3.3 dB quieter than its input (mean over valid/), while a gain
    raised the log-mel distance (0.413 at 0 dB, 0.427 at +1 dB, 0.459 at +2
    dB): the level must come from training, not a gain. Summed over frames,
    each band's energy is dominated by the loud frames, where the shortfall is."""

    def __init__(self, sample_rate: int, n_ffts: Sequence[int] = (512, 1024, 2048),
                 n_mels: int = 80, fmin: float = 0.0, fmax: float = 8000.0):
        super().__init__()
        self.n_ffts = list(n_ffts)
        for n in self.n_ffts:
            self.register_buffer(f"window_{n}", torch.hann_window(n), persistent=False)
            fb = mel_filterbank(sample_rate, n, n_mels, fmin, min(fmax, sample_rate / 2))
            self.register_buffer(f"mel_{n}", torch.from_numpy(fb).float(), persistent=False)

    def forward(self, wav_hat: torch.Tensor,
                wav: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        mel_loss = stft_loss = level_loss = 0.0
        for n in self.n_ffts:
            window, fb = getattr(self, f"window_{n}"), getattr(self, f"mel_{n}")
            mag_hat = stft_magnitude(wav_hat, n, n // 4, window)
            mag = stft_magnitude(wav, n, n // 4, window)
            mel_hat = torch.log10(fb @ mag_hat.pow(2) + MEL_FLOOR)
            mel = torch.log10(fb @ mag.pow(2) + MEL_FLOOR)
            mel_loss = mel_loss + F.l1_loss(mel_hat, mel)
            if n == LEVEL_N_FFT:
                level_hat = torch.log10((fb @ mag_hat.pow(2)).sum(-1) + MEL_FLOOR)
                level = torch.log10((fb @ mag.pow(2)).sum(-1) + MEL_FLOOR)
                level_loss = F.l1_loss(level_hat, level)
            sc = torch.linalg.norm(mag - mag_hat) / torch.linalg.norm(mag).clamp_min(MAG_FLOOR)
            log_mag = F.l1_loss(torch.log(mag_hat.clamp_min(MAG_FLOOR)),
                                torch.log(mag.clamp_min(MAG_FLOOR)))
            stft_loss = stft_loss + sc + log_mag
        n = len(self.n_ffts)
        return mel_loss / n, stft_loss / n, level_loss


# A discriminator's outputs: per sub-discriminator, (logits, feature maps).
DiscOutput = List[Tuple[torch.Tensor, List[torch.Tensor]]]


def discriminator_loss(real: DiscOutput, fake: DiscOutput) -> torch.Tensor:
    """Least squares (LSGAN, as HiFi-GAN): real -> 1, fake -> 0, summed over
    sub-discriminators."""
    return sum(torch.mean((1 - r) ** 2) + torch.mean(f ** 2)
               for (r, _), (f, _) in zip(real, fake))


def generator_adv_loss(fake: DiscOutput) -> torch.Tensor:
    return sum(torch.mean((1 - f) ** 2) for f, _ in fake)


def feature_matching_loss(real: DiscOutput, fake: DiscOutput) -> torch.Tensor:
    """L1 between the discriminator's features of real and generated audio,
    summed over layers and sub-discriminators (HiFi-GAN; real is detached)."""
    return sum(F.l1_loss(f, r.detach())
               for (_, rmaps), (_, fmaps) in zip(real, fake)
               for r, f in zip(rmaps, fmaps))


# The intelligibility loss's analysis, STOI's (Taal et al. 2011) at 16 kHz:
# STOI works at 10 kHz on 256-sample Hann frames (hop 128) and a 512-point
# FFT; 410 samples, hop 205 and 820 points are the same 25.6 ms, 12.8 ms and
# 19.5 Hz bins here, so no resampler sits in the loss.
STOI_FRAME = 410
STOI_HOP = 205
STOI_N_FFT = 820
STOI_N_BANDS = 15         # one-third octaves, centres 150 Hz .. 3.8 kHz
STOI_MIN_HZ = 150.0
STOI_SEGMENT = 30         # frames: 384 ms
STOI_CLIP = 1.0 + 10 ** (15.0 / 20.0)   # beta = -15 dB
STOI_SILENCE_DB = 40.0    # frames this far below the crop's loudest are dropped
STOI_EPS = 1e-8


def third_octave_bands(sample_rate: int, n_fft: int) -> np.ndarray:
    """[STOI_N_BANDS, n_fft // 2 + 1] 0/1 band matrix of STOI's one-third
    octave bands: each band's edges rounded to the nearest FFT bin."""
    hz = np.linspace(0.0, sample_rate, n_fft + 1)[:n_fft // 2 + 1]
    bands = np.zeros((STOI_N_BANDS, len(hz)))
    for k in range(STOI_N_BANDS):
        lo = np.argmin(np.abs(hz - STOI_MIN_HZ * 2 ** ((2 * k - 1) / 6)))
        hi = np.argmin(np.abs(hz - STOI_MIN_HZ * 2 ** ((2 * k + 1) / 6)))
        bands[k, lo:hi] = 1.0
    return bands


class IntelligibilityLoss(nn.Module):
    """1 - (STOI + ESTOI) / 2 of wav_hat against wav, each as the metric
    defines it (tools/metrics/stoi.c) but differentiable: one-third-octave
    band envelopes, 384 ms segments, STOI's per-band normalisation and
    clipping and correlation, ESTOI's row- and column-normalised spectral
    correlation; silent frames of the reference (40 dB below its loudest)
    dropped per crop. A crop with fewer than a segment of non-silent frames
    adds nothing.

    Why: the log-mel and STFT losses score every frame and bin on its own,
    so a decoder that smears the envelope over a few frames or bands (the
    blurred harmonics and formants the spectrograms show) pays little for it;
    STOI and ESTOI correlate the envelopes over 384 ms, which is what they
    measure, and the codec is judged by them."""

    def __init__(self, sample_rate: int):
        super().__init__()
        self.register_buffer("window", torch.hann_window(STOI_FRAME + 2, periodic=False)[1:-1],
                             persistent=False)
        bands = third_octave_bands(sample_rate, STOI_N_FFT)
        self.register_buffer("bands", torch.from_numpy(bands).float(), persistent=False)

    def frames(self, wav: torch.Tensor) -> torch.Tensor:
        """[B, frames, STOI_FRAME] windowed frames."""
        return wav.unfold(-1, STOI_FRAME, STOI_HOP) * self.window

    def envelopes(self, frames: torch.Tensor) -> torch.Tensor:
        """[B, bands, frames] band amplitudes of windowed frames."""
        spec = torch.fft.rfft(frames, STOI_N_FFT).transpose(1, 2)
        return torch.sqrt(self.bands @ (spec.real ** 2 + spec.imag ** 2) + 1e-12)

    def forward(self, wav_hat: torch.Tensor, wav: torch.Tensor) -> torch.Tensor:
        per_crop, scored = self.scores(wav_hat, wav)
        if not scored.any():
            return wav.new_zeros(())
        return 1.0 - per_crop[scored].mean()

    def scores(self, wav_hat: torch.Tensor,
               wav: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(STOI + ESTOI) / 2 of each crop [B], and whether each crop had a
        segment of speech to score [B] (where not, its score is 0)."""
        frames = self.frames(wav)
        if frames.shape[1] < STOI_SEGMENT:
            none = wav.new_zeros(wav.shape[0])
            return none, none.bool()
        x, y = self.envelopes(frames), self.envelopes(self.frames(wav_hat))
        # Silent-frame removal, batched: each crop's kept frames moved to the
        # front in order (a stable sort), and only the segments that lie
        # wholly among them count. One set of kernels for the whole batch,
        # not one per crop, which is what a GPU wants.
        energy_db = 20 * torch.log10(frames.norm(dim=-1) + STOI_EPS)
        keep = energy_db > energy_db.max(-1, keepdim=True).values - STOI_SILENCE_DB
        order = torch.sort((~keep).float(), dim=-1, stable=True).indices
        order = order.unsqueeze(1).expand(-1, x.shape[1], -1)
        # [B, segments, bands, STOI_SEGMENT]
        xs = x.gather(-1, order).unfold(-1, STOI_SEGMENT, 1).transpose(1, 2)
        ys = y.gather(-1, order).unfold(-1, STOI_SEGMENT, 1).transpose(1, 2)
        starts = torch.arange(xs.shape[1], device=wav.device)
        counts = (starts + STOI_SEGMENT <= keep.sum(-1, keepdim=True)).float()  # [B, segments]
        per_segment = 0.5 * (_stoi(xs, ys) + _estoi(xs, ys))
        n_scored = counts.sum(-1)
        return (per_segment * counts).sum(-1) / n_scored.clamp_min(1.0), n_scored > 0


def _unit(v: torch.Tensor, dim: int) -> torch.Tensor:
    v = v - v.mean(dim, keepdim=True)
    return v / (v.norm(dim=dim, keepdim=True) + STOI_EPS)


def _stoi(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per segment: x, y [..., bands, frames] -> [...]."""
    # Each band's degraded envelope scaled to the reference's energy, then
    # clipped at the reference times (1 + 10^(15/20)): Taal's beta = -15 dB.
    scale = x.norm(dim=-1, keepdim=True) / (y.norm(dim=-1, keepdim=True) + STOI_EPS)
    y = torch.minimum(y * scale, x * STOI_CLIP)
    return (_unit(x, -1) * _unit(y, -1)).sum(-1).mean(-1)


def _estoi(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per segment: x, y [..., bands, frames] -> [...]."""
    # Rows (bands over time) then columns (frames over bands) normalised;
    # the mean correlation of the columns.
    x, y = _unit(_unit(x, -1), -2), _unit(_unit(y, -1), -2)
    return (x * y).sum(-2).mean(-1)
