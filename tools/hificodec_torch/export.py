"""Model files (models/FORMAT.md): writing one from a twin, reading one into a
twin, and a CLI that writes a random model.

    python3 -m hificodec_torch.export --config NAME|PATH --seed N \\
        [--dtype f32|f16] [--scaled] -o FILE
"""

import argparse
import json
from typing import Dict

import numpy as np
import torch

from . import safetensors_io
from .config import Config, load_config
from .model import HiFiCodec, add_weight_norm
from .scaled_init import scaled_init

CONFIG_KEY = "hificodec_config"
NP_DTYPES = {"f32": np.float32, "f16": np.float16}


def norm_except_dim0(w: torch.Tensor) -> torch.Tensor:
    """The 2-norm over every dim but 0, shaped to broadcast against w."""
    return w.flatten(1).norm(dim=1).reshape(-1, *[1] * (w.dim() - 1))


def fold_weight_norm(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Replaces each weight_g/weight_v pair by weight = g * v / ||v||, as torch's
    weight norm (dim 0) computes it, but in float64 so the stored weight is the
    exactly rounded value rather than float32's running approximation."""
    out = {}
    for name, t in state.items():
        leaf = name.rsplit(".", 1)[-1]
        if leaf == "weight_g":
            continue
        if leaf == "weight_v":
            base = name[: -len("_v")]
            v = t.double()
            g = state[base + "_g"].double()
            out[base] = (g * v / norm_except_dim0(v)).to(t.dtype)
        else:
            out[name] = t
    return out


def model_tensors(model: HiFiCodec) -> Dict[str, np.ndarray]:
    """The model file's tensors (float32), by name."""
    state = fold_weight_norm(model.state_dict())
    return {k: v.detach().cpu().float().numpy() for k, v in state.items()}


def save_model_file(model: HiFiCodec, path: str, dtype: str = "f32") -> None:
    tensors = {k: v.astype(NP_DTYPES[dtype], copy=False) for k, v in model_tensors(model).items()}
    safetensors_io.write(path, tensors, {CONFIG_KEY: json.dumps(model.config.to_dict())})


def load_model_file(path: str, weight_norm: bool = True) -> HiFiCodec:
    """A twin holding a model file's weights (F16 widened to float32).

    weight_norm=True gives the official parametrisation (weight_v = W,
    weight_g = ||W||: the same function, ready to fine-tune; its float32
    recomputation of W may differ from the file by an ulp). weight_norm=False
    keeps plain convs with the file's weights bit for bit, as the C library
    runs them."""
    tensors, metadata = safetensors_io.read(path)
    if CONFIG_KEY not in metadata:
        raise ValueError(f"{path}: no __metadata__[{CONFIG_KEY!r}]: not a hificodec model file")
    cfg = Config.from_dict(json.loads(metadata[CONFIG_KEY]))
    model = HiFiCodec(cfg, weight_norm=False)
    state = {k: torch.from_numpy(v.astype(np.float32, copy=False)) for k, v in tensors.items()}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ValueError(f"{path}: tensors do not match the config: {e}") from None
    if weight_norm:
        add_weight_norm(model)
    return model


def random_model(cfg: Config, seed: int, scaled: bool) -> HiFiCodec:
    """A seeded random twin: torch's default init (what training starts
    from), or with scaled=True weights that keep activations O(1) and spread
    the codes (see scaled_init)."""
    torch.manual_seed(seed)
    model = HiFiCodec(cfg)
    if scaled:
        scaled_init(model, seed)
    return model


def main() -> None:
    ap = argparse.ArgumentParser(description="Write a random hificodec model file.")
    ap.add_argument("--config", required=True, help="built-in config name or JSON file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", choices=sorted(NP_DTYPES), default="f32")
    ap.add_argument("--scaled", action="store_true",
                    help="O(1) activations and spread codes instead of the default init")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    model = random_model(load_config(args.config), args.seed, args.scaled)
    save_model_file(model, args.output, args.dtype)
    print(f"wrote {args.output}: {model.config.name}, {args.dtype}, seed {args.seed}")


if __name__ == "__main__":
    main()
