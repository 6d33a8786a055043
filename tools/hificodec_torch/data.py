"""The speech corpus (shared/data/speech: 16 kHz mono FLAC, README.md and
manifest.tsv beside them), held in memory as int16, and the training crops.

The whole train split is ~150 minutes, ~280 MB as int16: reading it once
beats streaming FLAC from disk on 2 cores.

A pack (tools/pack-train-data) is a subset of the corpus as one .npz of int16
arrays: what travels to a GPU machine, which has numpy but no soundfile."""

import csv
import os
from typing import Dict, List, Optional, Tuple

import numpy as np

# The shared folder sits beside the repository checkout.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DIR = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "speech"))
# Background noise for augmentation (augment.py): the Speech Commands noise
# recordings of the shared non-speech set.
DEFAULT_NOISE_DIR = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "other",
                                                  "noise"))
SAMPLE_RATE = 16000
# A crop whose RMS is below this (before gain augmentation) is mostly the
# silence around a wake word or between prompts: redrawn, as it teaches the
# codec little and makes the mel losses dominated by the noise floor.
SILENT_RMS_DBFS = -50.0
MAX_REDRAWS = 20
# Gain augmentation: the crop's peak is set to a random level in this range
# (dBFS), so the codec sees quiet and loud speech alike.
PEAK_DBFS_RANGE = (-25.0, -1.0)
# Polarity is inaudible; flipping half the crops keeps the codec from
# learning an asymmetry that the corpus happens to have.
POLARITY_FLIP_PROB = 0.5


def _manifest(data_dir: str) -> List[Dict[str, str]]:
    path = os.path.join(data_dir, "manifest.tsv")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"speech data not found: no {path}. The corpus lives in shared/data/speech "
            f"beside the repository (see its README.md); pass --data DIR to use another copy.")
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def load_split(data_dir: str, split: str,
               limit: Optional[int] = None) -> List[Tuple[str, np.ndarray]]:
    """(path, int16 samples) of every file of split ("train" or "valid") in
    manifest order; the first `limit` files only when limit is given."""
    if data_dir.endswith(".npz"):
        return load_pack_split(data_dir, split, limit)
    import soundfile as sf  # only here: a pack needs numpy alone

    rows = [r for r in _manifest(data_dir) if r["path"].startswith(split + "/")]
    if not rows:
        raise ValueError(f"{data_dir}/manifest.tsv lists no {split}/ files")
    out = []
    for r in rows[:limit]:
        wav, rate = sf.read(os.path.join(data_dir, r["path"]), dtype="int16", always_2d=False)
        if rate != SAMPLE_RATE or wav.ndim != 1:
            raise ValueError(f"{r['path']}: want {SAMPLE_RATE} Hz mono, got {rate} Hz, "
                             f"shape {wav.shape}")
        out.append((r["path"], wav))
    return out


def load_noise(path: str) -> List[Tuple[str, np.ndarray]]:
    """(name, int16 samples) of every .flac/.wav in folder path (sorted), or
    the "noise" split of a pack (.npz)."""
    if path.endswith(".npz"):
        return load_pack_split(path, "noise")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"noise recordings not found: no folder {path} (pass --noise "
                                f"DIR or a pack with a noise split)")
    import soundfile as sf

    out = []
    for name in sorted(os.listdir(path)):
        if not name.endswith((".flac", ".wav")):
            continue
        wav, rate = sf.read(os.path.join(path, name), dtype="int16", always_2d=False)
        if rate != SAMPLE_RATE or wav.ndim != 1:
            raise ValueError(f"{name}: want {SAMPLE_RATE} Hz mono noise, got {rate} Hz, "
                             f"shape {wav.shape}")
        out.append((name, wav))
    if not out:
        raise ValueError(f"{path}: no .flac or .wav noise recordings")
    return out


def save_pack(path: str, splits: Dict[str, List[Tuple[str, np.ndarray]]]) -> None:
    """Writes {split: [(path, int16 samples)]} as one uncompressed .npz: per
    split, the samples end to end, their lengths and their corpus paths."""
    arrays = {}
    for split, items in splits.items():
        arrays[split + "_audio"] = np.concatenate([w for _, w in items]).astype(np.int16)
        arrays[split + "_lengths"] = np.array([len(w) for _, w in items], dtype=np.int64)
        arrays[split + "_paths"] = np.array([p for p, _ in items])
    np.savez(path, **arrays)


def load_pack_split(path: str, split: str,
                    limit: Optional[int] = None) -> List[Tuple[str, np.ndarray]]:
    """load_split's answer from a pack written by save_pack."""
    with np.load(path) as pack:
        if split + "_audio" not in pack:
            raise ValueError(f"{path}: no {split} split in this pack")
        audio, lengths = pack[split + "_audio"], pack[split + "_lengths"]
        paths = [str(p) for p in pack[split + "_paths"]]
    ends = np.cumsum(lengths)
    out = [(p, audio[e - n:e]) for p, n, e in zip(paths, lengths, ends)]
    return out[:limit]


# Validation utterances by default: enough to rank checkpoints, few enough that
# a validation takes seconds on a CPU.
DEFAULT_VALID_FILES = 12


def spread(items: list, n: int) -> list:
    """n of items (all when n <= 0 or n >= len), evenly spaced from the first to
    the last: the validation set, so that it spans the split's sources."""
    if n <= 0 or n >= len(items):
        return list(items)
    return [items[i] for i in np.linspace(0, len(items) - 1, n).round().astype(int)]


def to_float(wav: np.ndarray) -> np.ndarray:
    return wav.astype(np.float32) / 32768.0


def source_factors(paths: List[str], spec: str) -> Optional[np.ndarray]:
    """Per corpus path (SPLIT/SOURCE/...), the factor its source has in spec
    ("SOURCE:W,..."; 1 for sources not named), or None for an empty spec.
    A source the paths do not have is an error: a typo would otherwise train
    silently without the weighting asked for."""
    if not spec:
        return None
    sources = [p.split("/")[1] if p.count("/") >= 2 else "" for p in paths]
    weights = {}
    for item in spec.split(","):
        name, sep, text = item.partition(":")
        try:
            weight = float(text)
        except ValueError:
            weight = float("nan")
        if not sep or not weight > 0:
            raise ValueError(f"source weight {item!r}: want SOURCE:W with W > 0")
        weights[name] = weight
        if name not in sources:
            raise ValueError(f"source weight {item!r}: no source {name!r} in the corpus "
                             f"(have {', '.join(sorted(set(sources)))})")
    return np.array([weights.get(s, 1.0) for s in sources])


class CropSampler:
    """Random training crops: an utterance drawn with probability proportional
    to its length (so every second of audio is equally likely; times its
    source's factor when factors are given), a uniform
    start, near-silent crops redrawn, then the augmenter's noise, equaliser
    and reverberation if one is given, then gain and polarity augmentation.
    All randomness comes from one numpy Generator whose state is part of the
    training checkpoint."""

    def __init__(self, utterances: List[np.ndarray], seed: int, augmenter=None,
                 factors: Optional[np.ndarray] = None):
        self.utterances = utterances
        self.augmenter = augmenter  # augment.Augmenter, or None
        lengths = np.array([len(u) for u in utterances], dtype=np.float64)
        if factors is not None:
            lengths = lengths * factors
        self.probs = lengths / lengths.sum()
        self.rng = np.random.default_rng(seed)
        self.silent_rms = 32768.0 * 10 ** (SILENT_RMS_DBFS / 20)

    def _crop(self, n_samples: int) -> np.ndarray:
        for _ in range(MAX_REDRAWS):
            u = self.utterances[self.rng.choice(len(self.utterances), p=self.probs)]
            start = self.rng.integers(0, max(1, len(u) - n_samples + 1))
            crop = u[start:start + n_samples].astype(np.float32)
            if np.sqrt(np.mean(crop ** 2)) >= self.silent_rms:
                break
        # Utterances shorter than a crop (none in the corpus at 0.64 s) are
        # padded with silence at the end.
        return np.pad(crop, (0, n_samples - len(crop)))

    def batch(self, batch_size: int, n_samples: int) -> np.ndarray:
        """[batch_size, n_samples] float32 in [-1, 1]."""
        out = np.empty((batch_size, n_samples), dtype=np.float32)
        for i in range(batch_size):
            crop = self._crop(n_samples)
            if self.augmenter is not None:
                crop = self.augmenter(crop, self.rng)
            peak_db = self.rng.uniform(*PEAK_DBFS_RANGE)
            sign = -1.0 if self.rng.random() < POLARITY_FLIP_PROB else 1.0
            out[i] = crop * (sign * 10 ** (peak_db / 20) / max(np.abs(crop).max(), 1.0))
        return out

    def state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state
