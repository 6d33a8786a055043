"""Random weights for test models that behave like trained ones in the ways a
C implementation's tests care about: every activation is O(1) (torch's default
init leaves the output near silent) and the quantizer uses many codes
(uniform(-1/n, 1/n) codebooks give a handful of codes).

Convs get fan-in scaled Gaussian weights, then one LSUV-style pass (Mishkin &
Matas 2016) on a speech-like signal rescales each conv, in execution order, to
a target output std, and the latent is standardised per channel. Codebooks
are then drawn from the latent (and, for layer l, residual) frames of a long
signal, plus a little noise.
"""

import math

import torch
import torch.nn as nn

from .model import HiFiCodec
from .signals import speech_like

CALIBRATION_SECONDS = 4.0
# The last conv of a residual branch: half the stream's scale, so three
# residual units grow the stream's std by ~1.3x, not 2x.
BRANCH_STD = 0.5
# Before tanh: a std of 0.15 keeps the output mostly in tanh's linear range.
AUDIO_STD = 0.15
# Codeword = a real frame + this fraction of the per-channel std: no two
# codewords coincide, and the gaps between a frame's nearest distances are
# wide compared to float32 rounding.
CODEBOOK_NOISE = 0.05
# Latent frames drawn per codeword, so codewords are distinct frames.
FRAMES_PER_CODE = 1.5


def _convs(module: nn.Module):
    return [(n, m) for n, m in module.named_modules()
            if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d))]


def _set_weight(conv: nn.Module, w: torch.Tensor) -> None:
    if hasattr(conv, "weight_v"):  # weight norm: v = w, g = ||w|| gives weight w
        conv.weight_v.data.copy_(w)
        conv.weight_g.data.copy_(w.flatten(1).norm(dim=1).reshape(conv.weight_g.shape))
    else:
        conv.weight.data.copy_(w)


def _scale(conv: nn.Module, factor: float) -> None:
    (conv.weight_g if hasattr(conv, "weight_g") else conv.weight).data.mul_(factor)
    conv.bias.data.mul_(factor)


def _randomise(model: HiFiCodec, gen: torch.Generator) -> None:
    for _, conv in _convs(model):
        shape = (conv.weight_v if hasattr(conv, "weight_v") else conv.weight).shape
        # Each output sums in*k inputs (a transposed conv in*k/s of them).
        fan_in = shape[1] * shape[2] if isinstance(conv, nn.Conv1d) \
            else shape[0] * shape[2] / conv.stride[0]
        _set_weight(conv, torch.randn(shape, generator=gen) / math.sqrt(fan_in))
        conv.bias.data.copy_(0.1 * torch.randn(conv.bias.shape, generator=gen))
    # Non-trivial GroupNorm affine parameters, so a C side that skips them fails.
    for m in model.modules():
        if isinstance(m, nn.GroupNorm):
            m.weight.data.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
            m.bias.data.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))


def _target_std(name: str) -> float:
    if ".convs2." in name or ".convs." in name:  # ResBlock1 / ResBlock2 branch ends
        return BRANCH_STD
    return 1.0


def _calibrate(net: nn.Module, x: torch.Tensor, targets: dict) -> None:
    """One forward pass in which each conv, as it runs, is rescaled (weight
    and bias together, so its output scales exactly) to its target std; later
    convs then see the corrected input."""
    def hook(conv, _inputs, out):
        factor = targets[conv] / out.std().item()
        _scale(conv, factor)
        return out * factor

    handles = [m.register_forward_hook(hook) for m in targets]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for h in handles:
            h.remove()


def _standardise_latent(model: HiFiCodec, wav: torch.Tensor) -> None:
    """Folds a per-channel affine map into the encoder's conv_post so every
    latent channel has zero mean and unit std on wav. A common offset would
    inflate |x|^2 against the distances between frames, crowding the
    quantizer's decisions towards float32 ties."""
    conv = model.encoder.conv_post
    with torch.no_grad():
        latent = model.latent(wav)
        mean, std = latent.mean((0, 2)), latent.std((0, 2))
        conv.weight.data.div_(std[:, None, None])
        conv.bias.data.sub_(mean).div_(std)


def _init_codebooks(model: HiFiCodec, latent: torch.Tensor, gen: torch.Generator) -> None:
    q = model.quantizer
    residual = latent.transpose(1, 2).reshape(-1, latent.shape[1])
    n_frames = residual.shape[0]
    size = q.codebooks(0)[0].embedding.num_embeddings
    for layer in range(q.layers):
        parts = residual.split(residual.shape[1] // q.groups, dim=-1)
        quantized = []
        for part, m in zip(parts, q.codebooks(layer)):
            if n_frames >= size:
                rows = torch.randperm(n_frames, generator=gen)[:size]
            else:
                rows = torch.randint(n_frames, (size,), generator=gen)
            noise = torch.randn(size, part.shape[1], generator=gen) * part.std(0)
            m.embedding.weight.data.copy_(part[rows] + CODEBOOK_NOISE * noise)
            quantized.append(m(part)[0])
        residual = residual - torch.cat(quantized, -1)


def scaled_init(model: HiFiCodec, seed: int) -> None:
    """Replaces model's weights in place (see the module docstring)."""
    cfg = model.config
    gen = torch.Generator().manual_seed(seed)
    _randomise(model, gen)

    n = int(CALIBRATION_SECONDS * cfg.sample_rate)
    wav = torch.from_numpy(speech_like(n, cfg.sample_rate, seed + 1)).reshape(1, 1, -1)
    enc_targets = {m: _target_std(name) for name, m in _convs(model.encoder)}
    _calibrate(model.encoder, wav, enc_targets)
    _standardise_latent(model, wav.squeeze(1))

    n_frames = max(int(FRAMES_PER_CODE * cfg.quantizer.codebook_size),
                   cfg.frames_for_samples(n))
    long_wav = speech_like(n_frames * cfg.hop, cfg.sample_rate, seed + 2)
    with torch.no_grad():
        latent = model.latent(torch.from_numpy(long_wav).unsqueeze(0))
        _init_codebooks(model, latent, gen)
        zq = model.quantizer(model.latent(wav.squeeze(1)))[0]

    dec_targets = {m: _target_std(name) for name, m in _convs(model.generator)}
    head = model.generator.head
    dec_targets[model.generator.conv_post] = AUDIO_STD if head is None else 1.0
    _calibrate(model.generator, zq, dec_targets)
    if head is not None:
        _level_istft(model, zq)


def _level_istft(model: HiFiCodec, zq: torch.Tensor) -> None:
    """An istft head's conv_post calibrates to std 1, so the phases span a
    radian each way and the cos and sin halves both matter; then a common
    offset on the log magnitudes brings the output to AUDIO_STD, clear of the
    clip at 1."""
    conv, n_bins = model.generator.conv_post, model.generator.head.n_bins
    with torch.no_grad():
        std = model.generator(zq).std().item()
        conv.bias.data[:n_bins] += math.log(AUDIO_STD / std)
