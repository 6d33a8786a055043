"""The networks: AcademiCodec's Encoder, Quantizer (GRVQ) and Generator,
generalised to any valid Config.

Module and parameter names are those of academicodec/models/hificodec/models.py,
so that for an official config the state dicts are interchangeable with the
official ones (load_state_dict(strict=True) both ways).
"""

from typing import List, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import Config


class CausalConv1d(nn.Conv1d):
    """A Conv1d padded on the left only: output frame t sees inputs up to the
    end of its own stride block, never later ones. Stride 1 pads d*(k-1),
    a strided conv k-s; both are d*(k-1)+1-s. Parameters are nn.Conv1d's."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int = 1, dilation: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, stride, dilation=dilation)
        self.left_pad = dilation * (kernel_size - 1) + 1 - stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, (self.left_pad, 0)))


class CausalConvTranspose1d(nn.ConvTranspose1d):
    """A ConvTranspose1d without padding that drops its last k-s outputs:
    input frame m only writes samples m*s .. m*s+k-1, so keeping T*s samples
    makes output sample n depend on frames <= n/s only."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int):
        super().__init__(in_channels, out_channels, kernel_size, stride)
        self.trim = kernel_size - stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = super().forward(x)
        return y[..., : y.shape[-1] - self.trim]


def make_conv(in_ch: int, out_ch: int, kernel: int, causal: bool,
              stride: int = 1, dilation: int = 1) -> nn.Conv1d:
    if causal:
        return CausalConv1d(in_ch, out_ch, kernel, stride, dilation)
    # The official centred padding: get_padding() for stride 1, (k-s)//2 for
    # the strided convs; d*(k-1)+1-s covers both.
    pad = (dilation * (kernel - 1) + 1 - stride) // 2
    return nn.Conv1d(in_ch, out_ch, kernel, stride, padding=pad, dilation=dilation)


def make_conv_transpose(in_ch: int, out_ch: int, kernel: int, stride: int,
                        causal: bool) -> nn.ConvTranspose1d:
    if causal:
        return CausalConvTranspose1d(in_ch, out_ch, kernel, stride)
    return nn.ConvTranspose1d(in_ch, out_ch, kernel, stride, padding=(kernel - stride) // 2)


class ResBlock1(nn.Module):
    """HiFi-GAN ResBlock1: per dilation, x += conv2(lrelu(conv1_d(lrelu(x))))."""

    def __init__(self, channels: int, kernel: int, dilations: List[int], slope: float,
                 causal: bool):
        super().__init__()
        self.slope = slope
        self.convs1 = nn.ModuleList(
            make_conv(channels, channels, kernel, causal, dilation=d) for d in dilations)
        self.convs2 = nn.ModuleList(
            make_conv(channels, channels, kernel, causal) for _ in dilations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c1, c2 in zip(self.convs1, self.convs2):
            xt = c1(F.leaky_relu(x, self.slope))
            x = c2(F.leaky_relu(xt, self.slope)) + x
        return x


class ResBlock2(nn.Module):
    """HiFi-GAN ResBlock2: per dilation, x += conv_d(lrelu(x))."""

    def __init__(self, channels: int, kernel: int, dilations: List[int], slope: float,
                 causal: bool):
        super().__init__()
        self.slope = slope
        self.convs = nn.ModuleList(
            make_conv(channels, channels, kernel, causal, dilation=d) for d in dilations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c in self.convs:
            x = c(F.leaky_relu(x, self.slope)) + x
        return x


def _resblocks(cfg: Config, net) -> nn.ModuleList:
    block = ResBlock1 if cfg.resblock == "1" else ResBlock2
    return nn.ModuleList(
        block(ch, k, d, cfg.lrelu_slope, cfg.causal)
        for ch in net.channels[1:]
        for k, d in zip(net.resblock_kernels, net.resblock_dilations))


class Encoder(nn.Module):
    """wav [B, 1, L] -> latent [B, latent_dim, L // hop]."""

    def __init__(self, cfg: Config):
        super().__init__()
        e = cfg.encoder
        ch = e.channels
        self.slope = cfg.lrelu_slope
        self.final_slope = cfg.encoder_final_slope
        self.num_kernels = len(e.resblock_kernels)
        self.conv_pre = make_conv(1, ch[0], e.pre_kernel, cfg.causal)
        self.ups = nn.ModuleList(
            make_conv(ch[i], ch[i + 1], k, cfg.causal, stride=s)
            for i, (s, k) in enumerate(zip(e.strides, e.kernels)))
        self.resblocks = _resblocks(cfg, e)
        self.normalize = nn.ModuleList()
        if e.norm == "group":
            self.normalize.extend(
                nn.GroupNorm(c // e.norm_channels_per_group, c, eps=e.norm_eps, affine=True)
                for c in ch[1:] for _ in e.resblock_kernels)
        self.conv_post = make_conv(ch[-1], cfg.latent_dim, e.post_kernel, cfg.causal)
        # The official init_weights: on weight-normed convs it is a no-op
        # (their weight is recomputed from g and v), so only this conv feels it.
        self.conv_post.weight.data.normal_(0.0, 0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_pre(x)
        nk = self.num_kernels
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, self.slope))
            xs = None
            for j in range(nk):
                y = self.resblocks[i * nk + j](x)
                xs = y if xs is None else xs + y
                # The official order: normalise the running sum after each
                # resblock, so later norms see earlier (normalised) outputs.
                if self.normalize:
                    xs = self.normalize[i * nk + j](xs)
            x = xs / nk
        return self.conv_post(F.leaky_relu(x, self.final_slope))


def istft_basis(n_fft: int, hop: int) -> torch.Tensor:
    """[n_fft + 2, 1, n_fft]: the inverse real DFT's rows (real parts, then
    imaginary), each times a periodic Hann window and over the windows'
    overlap-added square, so that conv_transpose1d at stride hop inverts
    torch.stft(x, n_fft, hop, hann_window(n_fft)) wherever n_fft / hop
    windows overlap. Computed in float64, rounded once."""
    n_bins = n_fft // 2 + 1
    n = np.arange(n_fft)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)
    overlap = float(np.sum(window ** 2)) / hop  # the constant overlap-added square
    k = np.arange(n_bins)[:, None]
    scale = np.where((k == 0) | (k == n_fft // 2), 1.0, 2.0) / n_fft * window / overlap
    angle = 2 * np.pi * k * n / n_fft
    basis = np.concatenate([scale * np.cos(angle), -scale * np.sin(angle)])
    return torch.from_numpy(basis[:, None, :].astype(np.float32))


class IstftHead(nn.Module):
    """[B, n_fft + 2, T] (log magnitudes, then phases) -> [B, 1, T * hop]: each
    bin's magnitude exp(m) (capped at e^MAX_LOG_MAG, as Vocos clips at 100)
    and phase p give the complex value exp(m) (cos p + i sin p), and
    the fixed `weight` (istft_basis, in the model file like any weight)
    overlap-adds their inverse DFTs. Causal like CausalConvTranspose1d: the
    last n_fft - hop samples are dropped, so sample n depends on frames
    <= n / hop only; otherwise (n_fft - hop) / 2 are dropped on each side."""

    MAX_LOG_MAG = 4.6

    def __init__(self, n_fft: int, hop: int, causal: bool):
        super().__init__()
        self.n_fft, self.hop, self.causal = n_fft, hop, causal
        self.n_bins = n_fft // 2 + 1
        self.register_buffer("weight", istft_basis(n_fft, hop))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mag = torch.exp(x[:, : self.n_bins].clamp(max=self.MAX_LOG_MAG))
        phase = x[:, self.n_bins:]
        spec = torch.cat([mag * torch.cos(phase), mag * torch.sin(phase)], 1)
        y = F.conv_transpose1d(spec, self.weight, stride=self.hop)
        trim = self.n_fft - self.hop
        if self.causal:
            return y[..., : y.shape[-1] - trim]
        return y[..., trim // 2: y.shape[-1] - (trim - trim // 2)]


class Generator(nn.Module):
    """latent [B, latent_dim, T] -> wav [B, 1, T * hop]: in (-1, 1) through
    tanh from a waveform head; unbounded from an istft head (clipped where
    it becomes PCM)."""

    def __init__(self, cfg: Config):
        super().__init__()
        d = cfg.decoder
        ch = d.channels
        self.slope = cfg.lrelu_slope
        self.num_kernels = len(d.resblock_kernels)
        self.conv_pre = make_conv(cfg.latent_dim, ch[0], d.pre_kernel, cfg.causal)
        self.ups = nn.ModuleList(
            make_conv_transpose(ch[i], ch[i + 1], k, s, cfg.causal)
            for i, (s, k) in enumerate(zip(d.strides, d.kernels)))
        self.resblocks = _resblocks(cfg, d)
        self.head = None
        if d.head == "istft":
            self.conv_post = make_conv(ch[-1], d.head_n_fft + 2, d.post_kernel, cfg.causal)
            self.head = IstftHead(d.head_n_fft, cfg.head_hop, cfg.causal)
        else:
            self.conv_post = make_conv(ch[-1], 1, d.post_kernel, cfg.causal)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_pre(x)
        nk = self.num_kernels
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, self.slope))
            xs = self.resblocks[i * nk](x)
            for j in range(1, nk):
                xs = xs + self.resblocks[i * nk + j](x)
            x = xs / nk
        x = self.conv_post(F.leaky_relu(x, self.slope))
        return self.head(x) if self.head is not None else torch.tanh(x)


class QuantizerModule(nn.Module):
    """One codebook (the official Quantizer_module)."""

    def __init__(self, n_codes: int, dim: int):
        super().__init__()
        self.embedding = nn.Embedding(n_codes, dim)
        self.embedding.weight.data.uniform_(-1.0 / n_codes, 1.0 / n_codes)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """x [N, dim] -> (nearest codewords [N, dim], indices [N])."""
        e = self.embedding.weight
        # The official expansion of |x - e|^2; argmin takes the lowest index on ties.
        d = x.pow(2).sum(1, keepdim=True) + e.pow(2).sum(1) - 2 * x @ e.t()
        idx = d.argmin(1)
        return self.embedding(idx), idx


def layer_attr(layer: int) -> str:
    """Attribute name of a layer's codebooks: the official names for layers 0
    and 1 (quantizer_modules, quantizer_modules2), continued the same way."""
    return "quantizer_modules" if layer == 0 else f"quantizer_modules{layer + 1}"


class Quantizer(nn.Module):
    """Group residual VQ: each layer splits its input into `groups` channel
    slices with one codebook each; layer l >= 1 quantizes what the layers
    before it left. Code k = layer * groups + group."""

    def __init__(self, cfg: Config, codebook_loss_lambda: float = 1.0,
                 commitment_loss_lambda: float = 0.25):
        super().__init__()
        q = cfg.quantizer
        self.groups = q.groups
        self.layers = q.layers
        self.dim = cfg.latent_dim
        self.codebook_loss_lambda = codebook_loss_lambda
        self.commitment_loss_lambda = commitment_loss_lambda
        for layer in range(q.layers):
            setattr(self, layer_attr(layer), nn.ModuleList(
                QuantizerModule(q.codebook_size, cfg.latent_dim // q.groups)
                for _ in range(q.groups)))

    def codebooks(self, layer: int) -> nn.ModuleList:
        return getattr(self, layer_attr(layer))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x [B, C, T] -> (quantized [B, C, T] with a straight-through
        gradient, VQ loss (mean over layers), codes int64 [B, T, K])."""
        b, c, t = x.shape
        residual = x.transpose(1, 2)  # [B, T, C], as the official for_one_step
        out = 0.0
        losses, codes = [], []
        for layer in range(self.layers):
            parts = residual.reshape(-1, c).split(c // self.groups, dim=-1)
            zq, idx = zip(*(m(p) for p, m in zip(parts, self.codebooks(layer))))
            zq = torch.cat(zq, -1).reshape(residual.shape)
            losses.append(self.codebook_loss_lambda * F.mse_loss(zq, residual.detach())
                          + self.commitment_loss_lambda * F.mse_loss(zq.detach(), residual))
            zq = residual + (zq - residual).detach()
            residual = residual - zq
            out = out + zq
            codes.extend(i.reshape(b, t) for i in idx)
        return out.transpose(1, 2), torch.stack(losses).mean(), torch.stack(codes, -1)

    def embed(self, codes: torch.Tensor) -> torch.Tensor:
        """codes [B, T, K] -> the sum of the layers' codewords [B, C, T]."""
        out = 0.0
        for layer in range(self.layers):
            out = out + torch.cat([
                m.embedding(codes[..., layer * self.groups + g])
                for g, m in enumerate(self.codebooks(layer))], -1)
        return out.transpose(1, 2)


def add_weight_norm(model: nn.Module) -> None:
    """Puts torch weight norm (dim 0: g per output channel of a Conv1d, per
    input channel of a ConvTranspose1d) on every conv the official model has
    it on: all but the encoder's conv_post. The new weight_v is the current
    weight and weight_g its norm, so the function computed does not change."""
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d)) and name != "encoder.conv_post":
            nn.utils.weight_norm(m)


class HiFiCodec(nn.Module):
    """The codec: .encoder, .quantizer, .generator (the official checkpoint's
    three state dicts). weight_norm=False builds plain convs holding folded
    weights, as in a model file."""

    def __init__(self, cfg: Config, weight_norm: bool = True):
        super().__init__()
        self.config = cfg
        self.encoder = Encoder(cfg)
        self.quantizer = Quantizer(cfg)
        self.generator = Generator(cfg)
        if weight_norm:
            add_weight_norm(self)

    def latent(self, wav: torch.Tensor) -> torch.Tensor:
        """wav [B, L] -> encoder output [B, latent_dim, L // hop]."""
        return self.encoder(wav.unsqueeze(1))

    def encode(self, wav: torch.Tensor) -> torch.Tensor:
        """wav [B, L] -> codes int64 [B, L // hop, n_codebooks]."""
        return self.quantizer(self.latent(wav))[2]

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """codes [B, T, n_codebooks] -> wav [B, T * hop] in [-1, 1]: the PCM the C
        library decodes (an istft head's output clipped there; training sees the
        generator's unclipped output through forward())."""
        wav = self.generator(self.quantizer.embed(codes)).squeeze(1)
        if self.generator.head is not None:
            wav = wav.clamp(-1.0, 1.0)
        return wav

    def forward(self, wav: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Training pass: (wav_hat [B, T * hop], VQ loss, codes [B, T, K])."""
        zq, loss, codes = self.quantizer(self.latent(wav))
        return self.generator(zq).squeeze(1), loss, codes
