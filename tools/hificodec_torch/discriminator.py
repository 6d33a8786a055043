"""The adversary: a multi-resolution STFT discriminator (EnCodec's MS-STFTD,
Defossez et al. 2022, as also used by DAC), small 2D convs over the complex
spectrogram at a few resolutions.

Chosen by measurement over HiFi-GAN's MPD + MSD (what the official
HiFi-Codec trains with, plus an MS-STFTD): default config, batch 8 x 0.64 s,
2 threads on the 2-core machine at load ~2, per training step:
    reconstruction only                        0.50-0.68 s wall (1.0-1.3 s CPU)
    + this MS-STFTD (3 x 32 ch, 0.28M params)  2.2 s wall (4.3 s CPU)
    + HiFi-GAN MPD + MSD (70.7M params)        21.5 s wall (33.7 s CPU)
The MS-STFTD's 2D convs over 3 spectrograms still cost more than the codec
itself, so the trainer enables the adversary late (--gan-start-step).

On a GPU the cost ranks differently, and the MS-STFTD alone sees neither the
pitch periods (blurred harmonics) nor fine waveform detail well, so the
trainer's --disc can add a multi-period discriminator (HiFi-GAN's MPD with
16-256 channels where HiFi-GAN has 32-1024: the periods' structure, not its
41M parameters, is what it brings).
"""

from typing import List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

from .losses import DiscOutput

SLOPE = 0.2  # EnCodec's LeakyReLU slope in the discriminator
HIFIGAN_SLOPE = 0.1  # HiFi-GAN's, in its period discriminators


def run_convs(convs: nn.ModuleList, conv_post: nn.Module, x: torch.Tensor, slope: float):
    """A sub-discriminator's stack: LeakyReLU after each conv, every
    activation kept for feature matching; -> (logits, feature maps)."""
    fmaps: List[torch.Tensor] = []
    for conv in convs:
        x = F.leaky_relu(conv(x), slope)
        fmaps.append(x)
    x = conv_post(x)
    fmaps.append(x)
    return x, fmaps


class STFTDiscriminator(nn.Module):
    """One resolution: the STFT's real and imaginary parts as 2 channels of a
    [B, 2, frames, bins] image; (3, 9) kernels over (time, frequency), the
    frequency axis halved three times with growing time dilations."""

    def __init__(self, n_fft: int, channels: int = 32, dilations: Sequence[int] = (1, 2, 4)):
        super().__init__()
        self.n_fft = n_fft
        self.hop = n_fft // 4
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        convs = [nn.Conv2d(2, channels, (3, 9), padding=(1, 4))]
        convs += [nn.Conv2d(channels, channels, (3, 9), stride=(1, 2), dilation=(d, 1),
                            padding=(d, 4)) for d in dilations]
        convs.append(nn.Conv2d(channels, channels, (3, 3), padding=(1, 1)))
        self.convs = nn.ModuleList(weight_norm(c) for c in convs)
        self.conv_post = weight_norm(nn.Conv2d(channels, 1, (3, 3), padding=(1, 1)))

    def forward(self, wav: torch.Tensor):
        spec = torch.stft(wav, self.n_fft, self.hop, window=self.window, return_complex=True)
        x = torch.stack([spec.real, spec.imag], 1).transpose(2, 3)
        return run_convs(self.convs, self.conv_post, x, SLOPE)


class PeriodDiscriminator(nn.Module):
    """HiFi-GAN's sub-discriminator for one period p: the waveform folded to a
    [B, 1, L / p, p] image (zero padded at the end to whole periods), so its
    (5, 1) kernels compare samples p apart."""

    def __init__(self, period: int, channels: Sequence[int] = (16, 64, 128, 256)):
        super().__init__()
        self.period = period
        widths = [1, *channels]
        convs = [nn.Conv2d(a, b, (5, 1), stride=(3, 1), padding=(2, 0))
                 for a, b in zip(widths[:-1], widths[1:])]
        convs.append(nn.Conv2d(widths[-1], widths[-1], (5, 1), padding=(2, 0)))
        self.convs = nn.ModuleList(weight_norm(c) for c in convs)
        self.conv_post = weight_norm(nn.Conv2d(widths[-1], 1, (3, 1), padding=(1, 0)))

    def forward(self, wav: torch.Tensor):
        b, n = wav.shape
        pad = -n % self.period
        x = F.pad(wav, (0, pad)).view(b, 1, (n + pad) // self.period, self.period)
        return run_convs(self.convs, self.conv_post, x, HIFIGAN_SLOPE)


class MultiPeriodDiscriminator(nn.Module):
    """wav [B, L] -> per period (logits, feature maps); HiFi-GAN's periods."""

    def __init__(self, periods: Sequence[int] = (2, 3, 5, 7, 11)):
        super().__init__()
        self.discriminators = nn.ModuleList(PeriodDiscriminator(p) for p in periods)

    def forward(self, wav: torch.Tensor) -> DiscOutput:
        return [d(wav) for d in self.discriminators]


class MultiResolutionSTFTDiscriminator(nn.Module):
    """wav [B, L] -> per resolution (logits, feature maps)."""

    def __init__(self, n_ffts: Sequence[int] = (1024, 512, 256), channels: int = 32):
        super().__init__()
        self.discriminators = nn.ModuleList(STFTDiscriminator(n, channels) for n in n_ffts)

    def forward(self, wav: torch.Tensor) -> DiscOutput:
        return [d(wav) for d in self.discriminators]


class Discriminators(nn.Module):
    """Several discriminators as one: their outputs end to end, so the losses
    sum over every sub-discriminator of every kind."""

    def __init__(self, parts: Sequence[nn.Module]):
        super().__init__()
        self.parts = nn.ModuleList(parts)

    def forward(self, wav: torch.Tensor) -> DiscOutput:
        return [out for part in self.parts for out in part(wav)]


# The trainer's --disc choices. "msstft" keeps the module tree (and so the
# checkpoints) of the runs made before the choice existed.
KINDS = ("msstft", "mpd+msstft", "mpd")


def build_discriminator(kind: str) -> nn.Module:
    if kind == "msstft":
        return MultiResolutionSTFTDiscriminator()
    if kind == "mpd+msstft":
        return Discriminators([MultiPeriodDiscriminator(), MultiResolutionSTFTDiscriminator()])
    if kind == "mpd":
        # The CPU's choice: ~13 GFLOP a forward pass at batch 16 x 0.64 s
        # against the MS-STFTD's ~54 (its 32-channel 2D convs over 513 bins).
        return MultiPeriodDiscriminator()
    raise ValueError(f"unknown discriminator {kind!r}: choose from {', '.join(KINDS)}")
