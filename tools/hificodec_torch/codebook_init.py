"""Codebook initialisation, usage statistics and dead-code replacement for
the GRVQ quantizer (model.Quantizer).

The official quantizer starts from uniform(-1/n, 1/n) codebooks and learns
them by gradient alone; with few steps most codes never get picked and stay
dead. So: at step 0 each codebook is fitted by k-means (k-means++ seeding,
Arthur & Vassilvitskii 2007, then Lloyd iterations) to the encoder's output
frames, layer by layer on the residuals; during training, codes that went
unused for a while are moved onto current residual frames (as SoundStream,
Zeghidour et al. 2021), drawn with probability proportional to their squared
distance from the nearest code, so they land where the quantizer errs most.
"""

from typing import List

import torch

from .model import Quantizer

LLOYD_ITERATIONS = 10
# A replaced code = a residual frame plus this fraction of the residual's
# per-channel std, so codes drawn from the same frame still differ.
REINIT_NOISE = 0.01


def _nearest(x: torch.Tensor, codes: torch.Tensor):
    """(squared distance, index) of each row of x's nearest row of codes."""
    d = x.pow(2).sum(1, keepdim=True) + codes.pow(2).sum(1) - 2 * x @ codes.t()
    dist, idx = d.clamp_min(0).min(1)
    return dist, idx


def kmeans(x: torch.Tensor, k: int, gen: torch.Generator) -> torch.Tensor:
    """k centres [k, dim] for the rows of x [n, dim], n >= k."""
    n = x.shape[0]
    centres = x.new_empty(k, x.shape[1])
    # The draws use gen, a CPU generator, whatever device x is on: the same
    # seed gives the same codebooks on a GPU as here.
    centres[0] = x[torch.randint(n, (1,), generator=gen).to(x.device)]
    dist = (x - centres[0]).pow(2).sum(1)
    for i in range(1, k):
        # Zero-distance rows (already centres) are never drawn again while any
        # other row remains; the epsilon covers inputs with duplicate rows.
        j = torch.multinomial((dist + 1e-12).cpu(), 1, generator=gen).to(x.device)
        centres[i] = x[j]
        dist = torch.minimum(dist, (x - centres[i]).pow(2).sum(1))
    for _ in range(LLOYD_ITERATIONS):
        idx = _nearest(x, centres)[1]
        sums = torch.zeros_like(centres).index_add_(0, idx, x)
        counts = torch.bincount(idx, minlength=k).unsqueeze(1)
        # An empty cluster keeps its centre.
        centres = torch.where(counts > 0, sums / counts.clamp_min(1), centres)
    return centres


@torch.no_grad()
def _quantize_layer(quantizer: Quantizer, layer: int, residual: torch.Tensor) -> torch.Tensor:
    parts = residual.split(residual.shape[1] // quantizer.groups, dim=1)
    return torch.cat([m(p)[0] for p, m in zip(parts, quantizer.codebooks(layer))], 1)


@torch.no_grad()
def init_codebooks(quantizer: Quantizer, frames: torch.Tensor, gen: torch.Generator) -> None:
    """Fits every codebook to frames [n, latent_dim] (encoder outputs) by
    k-means, layer l on what layers < l leave."""
    residual = frames
    for layer in range(quantizer.layers):
        parts = residual.split(residual.shape[1] // quantizer.groups, dim=1)
        for part, m in zip(parts, quantizer.codebooks(layer)):
            size = m.embedding.num_embeddings
            if part.shape[0] < size:
                raise ValueError(f"codebook init: {part.shape[0]} frames for {size} codes")
            m.embedding.weight.copy_(kmeans(part, size, gen))
        residual = residual - _quantize_layer(quantizer, layer, residual)


@torch.no_grad()
def replace_dead_codes(quantizer: Quantizer, frames: torch.Tensor, dead: torch.Tensor,
                       gen: torch.Generator, optimizer: torch.optim.Optimizer) -> int:
    """Moves the codes flagged in dead [n_codebooks, codebook_size] (codebook
    k = layer * groups + group, as the codes' last axis) onto residual frames
    of frames [n, latent_dim], and clears their Adam moments so stale momentum
    does not pull them away. Returns the number of codes replaced."""
    residual = frames
    n_replaced = 0
    for layer in range(quantizer.layers):
        parts = residual.split(residual.shape[1] // quantizer.groups, dim=1)
        for g, (part, m) in enumerate(zip(parts, quantizer.codebooks(layer))):
            weight = m.embedding.weight
            rows = dead[layer * quantizer.groups + g].nonzero().squeeze(1).to(weight.device)
            if rows.numel() == 0:
                continue
            dist = _nearest(part, weight)[0]
            pick = torch.multinomial((dist + 1e-12).cpu(), rows.numel(),
                                     replacement=rows.numel() > part.shape[0],
                                     generator=gen).to(part.device)
            noise = torch.randn(rows.numel(), part.shape[1], generator=gen).to(part.device)
            noise = noise * part.std(0)
            weight[rows] = part[pick] + REINIT_NOISE * noise
            state = optimizer.state.get(weight, {})
            for key in ("exp_avg", "exp_avg_sq"):
                if key in state:
                    state[key][rows] = 0
            n_replaced += rows.numel()
        residual = residual - _quantize_layer(quantizer, layer, residual)
    return n_replaced


class CodebookUsage:
    """Code counts per codebook: `window` for the log (reset at each log
    line), `since_check` for dead-code detection (reset at each check)."""

    def __init__(self, n_codebooks: int, codebook_size: int):
        self.window = torch.zeros(n_codebooks, codebook_size, dtype=torch.int64)
        self.since_check = torch.zeros_like(self.window)

    def update(self, codes: torch.Tensor) -> None:
        """codes [..., n_codebooks]."""
        flat = codes.reshape(-1, codes.shape[-1]).cpu()
        size = self.window.shape[1]
        for k in range(flat.shape[1]):
            counts = torch.bincount(flat[:, k], minlength=size)
            self.window[k] += counts
            self.since_check[k] += counts

    def window_stats(self) -> List[tuple]:
        """Per codebook (fraction of codes used, perplexity) over the window;
        resets it; NaN for a window without codes. Perplexity is exp(entropy)
        of the code distribution: the number of equally likely codes it is
        worth (at most codebook_size)."""
        out = []
        for counts in self.window:
            if counts.sum() == 0:  # before quantization starts
                out.append((float("nan"), float("nan")))
                continue
            p = counts.double() / counts.sum()
            entropy = -(p[p > 0] * p[p > 0].log()).sum()
            out.append(((counts > 0).double().mean().item(), entropy.exp().item()))
        self.window.zero_()
        return out

    def take_dead(self) -> torch.Tensor:
        """[n_codebooks, codebook_size] bool: codes unused since the last call."""
        dead = self.since_check == 0
        self.since_check.zero_()
        return dead

    def state_dict(self) -> dict:
        return {"window": self.window.clone(), "since_check": self.since_check.clone()}

    def load_state_dict(self, state: dict) -> None:
        self.window.copy_(state["window"])
        self.since_check.copy_(state["since_check"])
