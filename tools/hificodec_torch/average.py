"""The weight average of model files: snapshots of one run, or of runs
fine-tuned from one snapshot (a "model soup", Wortsman et al. 2022).

    python3 -m hificodec_torch.average [--dtype f32|f16] -o OUT IN IN [IN ...]

Late in a run at a small lr, snapshots differ by the noise of their last
steps, and their mean averages it away: in session 17 the mean of three
`intelall` snapshots scored a log-mel distance 0.001 below each of them on
all of valid/, and the shipped model is the mean of eight. Averaging
only makes sense for files that share a config and a starting point (their
codebooks must still name the same codes), so the inputs must have the same
config, tensor names and shapes; the tool cannot check the shared start.
Files hold weights with weight norm folded (export.py), so the mean is of the
effective weights. OUT is written whole or not at all (safetensors_io).
"""

import argparse
import json
import sys
from typing import Dict, List, Sequence, Tuple

import numpy as np

from . import safetensors_io
from .export import CONFIG_KEY, NP_DTYPES


class AverageError(Exception):
    """Inputs that cannot be averaged; the message says which and why."""


def _read(path: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str], object]:
    try:
        tensors, meta = safetensors_io.read(path)
    except (OSError, ValueError) as e:
        raise AverageError(f"{path}: {e}") from e
    try:
        config = json.loads(meta[CONFIG_KEY])
    except KeyError:
        raise AverageError(f"{path}: not a hificodec model file (no {CONFIG_KEY} metadata)") \
            from None
    except ValueError as e:
        raise AverageError(f"{path}: its {CONFIG_KEY} metadata is not JSON: {e}") from None
    return tensors, meta, config


def average(paths: Sequence[str]) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """The element-wise mean (in float64) of the files' tensors, and the first
    file's metadata. Raises AverageError for fewer than two files or files that
    differ in config, tensor names or shapes, or whose mean is not finite."""
    if len(paths) < 2:
        raise AverageError("needs at least two model files")
    first, meta, config = _read(paths[0])
    sums = {name: t.astype(np.float64) for name, t in first.items()}
    for path in paths[1:]:
        tensors, _, other_config = _read(path)
        if other_config != config:
            raise AverageError(f"{path}: its config differs from {paths[0]}'s")
        if set(tensors) != set(sums):
            differing = sorted(set(sums) ^ set(tensors))
            raise AverageError(f"{path}: its tensors differ from {paths[0]}'s "
                               f"({differing[0]}, ...)")
        for name, t in tensors.items():
            if t.shape != sums[name].shape:
                raise AverageError(f"{path}: {name} is {t.shape}, {paths[0]}'s is "
                                   f"{sums[name].shape}")
            sums[name] += t
    mean = {name: s / len(paths) for name, s in sums.items()}
    for name, t in mean.items():
        if not np.isfinite(t).all():
            raise AverageError(f"the mean of {name} is not finite")
    return mean, meta


def write_average(paths: Sequence[str], out: str, dtype: str = "f32") -> None:
    mean, meta = average(paths)
    tensors = {name: t.astype(NP_DTYPES[dtype]) for name, t in mean.items()}
    safetensors_io.write(out, tensors, meta)


def main(argv: List[str] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Write the weight average of model files that share a config and a start.")
    ap.add_argument("inputs", nargs="+", metavar="IN", help="model files (two or more)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--dtype", choices=sorted(NP_DTYPES), default="f32")
    args = ap.parse_args(argv)
    try:
        write_average(args.inputs, args.output, args.dtype)
    except (AverageError, OSError) as e:
        print(f"average: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: the mean of {len(args.inputs)} files, {args.dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
