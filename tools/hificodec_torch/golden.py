"""Golden test vectors for the C library.

    python3 -m hificodec_torch.golden --config NAME|PATH --seed N --seconds S \\
        --out DIR [--dtype f32|f16]

Writes to DIR:
  model.safetensors  a scaled random model (scaled_init), in the given dtype
  config.json        its config
  input.npy          float32 [n_samples], a speech-like signal; n_samples is
                     not a multiple of hop, so the tail handling is tested
  latent.npy         float32 [latent_dim, T], the encoder output
  codes.npy          int32 [T, n_codebooks], the tokens
  audio.npy          float32 [T * hop], the decode of codes.npy

Everything is computed in float32 by the twin running the weights as stored
in model.safetensors (F16 widened), as the C library does.
"""

import argparse
import os

import numpy as np
import torch

from .config import load_config
from .export import NP_DTYPES, load_model_file, random_model, save_model_file
from .model import HiFiCodec
from .signals import speech_like

# Seeds of the input signal, apart from the calibration signals' (seed + 1, + 2).
INPUT_SEED_OFFSET = 1000
# A decision whose two nearest distances differ by less than this fraction of
# |x|^2 + |e|^2 is a near-tie: float32 rounding in another implementation
# (~1e-6 relative) could flip it.
NEAR_TIE = 1e-4
# How far widen_margins moves a codeword towards its frame, and how often it
# tries (each move can create a new near-tie elsewhere, rarely).
WIDEN_STEP = 0.2
WIDEN_ROUNDS = 20


def n_input_samples(seconds: float, rate: int, hop: int) -> int:
    n = round(seconds * rate) + hop // 2 + 1
    return n + 1 if n % hop == 0 else n


def _decisions(model: HiFiCodec, latent: torch.Tensor, codes: torch.Tensor):
    """Yields (codebook index k, residual slice [T, dim] float64, codebook
    module, chosen indices [T]) for each decision, along the path `codes`
    took."""
    q = model.quantizer
    residual = latent.double().t()  # [T, C]
    for layer in range(q.layers):
        parts = residual.split(residual.shape[1] // q.groups, dim=-1)
        chosen = []
        for g, (x, m) in enumerate(zip(parts, q.codebooks(layer))):
            k = layer * q.groups + g
            yield k, x, m, codes[:, k]
            chosen.append(m.embedding.weight.double()[codes[:, k]])
        residual = residual - torch.cat(chosen, -1)


@torch.no_grad()
def tie_margins(model: HiFiCodec, latent: torch.Tensor, codes: torch.Tensor) -> np.ndarray:
    """Relative gap between the nearest and second-nearest codeword of every
    decision, (d2 - d1) / (|x|^2 + |e1|^2), [T, n_codebooks], in float64. A
    negative gap means float64 prefers another codeword than `codes`."""
    gaps = torch.zeros(codes.shape, dtype=torch.float64)
    for k, x, m, idx in _decisions(model, latent, codes):
        e = m.embedding.weight.double()
        x2, e2 = x.pow(2).sum(1, keepdim=True), e.pow(2).sum(1)
        d = x2 + e2 - 2 * x @ e.t()
        d_chosen = d.gather(1, idx[:, None])
        d_other = d.scatter(1, idx[:, None], float("inf")).min(1, keepdim=True).values
        gaps[:, k] = ((d_other - d_chosen) / (x2 + e2[idx, None])).squeeze(1)
    return gaps.numpy()


@torch.no_grad()
def widen_margins(model: HiFiCodec, latent: torch.Tensor, codes: torch.Tensor,
                  gaps: np.ndarray) -> None:
    """Moves the chosen codeword of every near-tie a fraction of the way to
    its frame. A fixed test vector with a decision within float32 noise of a
    tie would make the C comparison flaky. Only a few codewords move, a
    little, so the model stays as random as before."""
    for k, x, m, idx in _decisions(model, latent, codes):
        w = m.embedding.weight.data
        for t in np.flatnonzero(gaps[:, k] < NEAR_TIE):
            i = int(idx[t])
            w[i] += WIDEN_STEP * (x[t].float() - w[i])


def quantize(model: HiFiCodec, latent: torch.Tensor):
    """(codes [T, n_codebooks], tie_margins) of latent [C, T]."""
    with torch.no_grad():
        codes = model.quantizer(latent[None])[2][0]
    return codes, tie_margins(model, latent, codes)


def main() -> None:
    ap = argparse.ArgumentParser(description="Write golden vectors for the C tests.")
    ap.add_argument("--config", required=True, help="built-in config name or JSON file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--dtype", choices=sorted(NP_DTYPES), default="f32")
    args = ap.parse_args()

    cfg = load_config(args.config)
    os.makedirs(args.out, exist_ok=True)
    model_path = os.path.join(args.out, "model.safetensors")
    save_model_file(random_model(cfg, args.seed, scaled=True), model_path, args.dtype)
    cfg.save(os.path.join(args.out, "config.json"))
    wav = speech_like(n_input_samples(args.seconds, cfg.sample_rate, cfg.hop),
                      cfg.sample_rate, args.seed + INPUT_SEED_OFFSET)

    # The reference runs the weights exactly as stored.
    model = load_model_file(model_path, weight_norm=False)
    with torch.no_grad():
        latent = model.latent(torch.from_numpy(wav)[None])[0]
    codes, gaps = quantize(model, latent)
    for _ in range(WIDEN_ROUNDS):
        if gaps.min() >= NEAR_TIE:
            break
        widen_margins(model, latent, codes, gaps)
        save_model_file(model, model_path, args.dtype)
        # Reload: the file's codebooks are what the C side gets (F16 rounds them).
        model = load_model_file(model_path, weight_norm=False)
        codes, gaps = quantize(model, latent)
    with torch.no_grad():
        audio = model.decode(codes[None])[0]

    def save(name, a):
        np.save(os.path.join(args.out, name), a)

    save("input.npy", wav)
    save("latent.npy", latent.numpy().astype(np.float32))
    save("codes.npy", codes.numpy().astype(np.int32))
    save("audio.npy", audio.numpy().astype(np.float32))

    size = cfg.quantizer.codebook_size
    used = [len(np.unique(codes[:, k].numpy())) for k in range(cfg.n_codebooks)]
    print(f"{args.out}: {cfg.name}, {args.dtype}, {len(wav)} samples -> {codes.shape[0]} frames")
    print(f"  distinct codes per codebook (of {size}): {used}")
    print(f"  latent std {latent.std().item():.3f}, audio peak {audio.abs().max().item():.3f}, "
          f"audio std {audio.std().item():.3f}")
    print(f"  smallest relative gap {gaps.min():.2e}; near-ties (< {NEAR_TIE:g}): "
          f"{int((gaps < NEAR_TIE).any(1).sum())} of {gaps.shape[0]} frames")


if __name__ == "__main__":
    main()
