"""Training-crop augmentation for robustness to real microphones and rooms:
background noise at a random SNR, a random equaliser curve, and synthetic
room reverberation. The codec reproduces what it is given, so the augmented
crop is both the input and the target: what this teaches is to keep the
words of noisy, coloured and far-field speech, which the clean read speech
that makes up most of the corpus never shows it.

All randomness comes from the caller's numpy Generator (the crop sampler's,
whose state is in the training checkpoint), so a resumed run draws the same
augmentations. numpy only: this runs on the GPU machine too.
"""

from typing import Dict, List, Optional

import numpy as np

SAMPLE_RATE = 16000
# Background noise: SNR of the speech crop against the noise, dB, uniform.
SNR_DB_RANGE = (5.0, 30.0)
# Equaliser: gains at log-spaced anchor frequencies, interpolated in log
# frequency; +-EQ_MAX_DB covers a cheap microphone's or a phone's colouring.
EQ_ANCHORS_HZ = (60.0, 150.0, 400.0, 1000.0, 2500.0, 5000.0, 8000.0)
EQ_MAX_DB = 6.0
# Reverberation: an exponentially decaying noise tail after the direct path,
# RT60 uniform in this range (s); the tail's energy against the direct
# sound's sets how far the talker is.
RT60_RANGE_S = (0.15, 0.8)
DIRECT_TO_REVERB_DB_RANGE = (-3.0, 12.0)

KINDS = ("noise", "eq", "reverb")


def parse_spec(spec: str) -> Dict[str, float]:
    """"noise:0.5,eq:0.3,reverb:0.2" -> {kind: probability}; "" -> {}."""
    out: Dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, prob = part.partition(":")
        if kind not in KINDS:
            raise ValueError(f"augment: unknown kind {kind!r} (choose from {', '.join(KINDS)})")
        try:
            p = float(prob) if prob else 1.0
        except ValueError:
            raise ValueError(f"augment: {part!r}: the probability must be a number") from None
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"augment: {part!r}: the probability must be in [0, 1]")
        out[kind] = p
    return out


class Augmenter:
    """Applies each kind of spec independently with its probability to a
    crop (float32, any scale). noises: the background-noise recordings."""

    def __init__(self, spec: Dict[str, float], noises: Optional[List[np.ndarray]] = None):
        self.spec = dict(spec)
        if self.spec.get("noise") and not noises:
            raise ValueError("augment: noise asked for but no noise recordings given")
        self.noises = [n.astype(np.float32) for n in (noises or [])]
        if self.noises:
            lengths = np.array([len(n) for n in self.noises], dtype=np.float64)
            self.noise_probs = lengths / lengths.sum()

    def __call__(self, crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        # Reverberation first (the room), then the microphone's colouring, then
        # noise that reaches the microphone directly.
        if rng.random() < self.spec.get("reverb", 0.0):
            crop = self.reverb(crop, rng)
        if rng.random() < self.spec.get("eq", 0.0):
            crop = self.equalise(crop, rng)
        if rng.random() < self.spec.get("noise", 0.0):
            crop = self.add_noise(crop, rng)
        return crop.astype(np.float32)

    def add_noise(self, crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n = len(crop)
        noise = self.noises[rng.choice(len(self.noises), p=self.noise_probs)]
        start = rng.integers(0, max(1, len(noise) - n + 1))
        piece = noise[start:start + n]
        piece = np.pad(piece, (0, n - len(piece)), mode="wrap") if len(piece) < n else piece
        speech_power = float(np.mean(crop.astype(np.float64) ** 2))
        noise_power = float(np.mean(piece.astype(np.float64) ** 2))
        if speech_power <= 0.0 or noise_power <= 0.0:
            return crop
        snr_db = rng.uniform(*SNR_DB_RANGE)
        return crop + piece * np.sqrt(speech_power / (noise_power * 10 ** (snr_db / 10)))

    def equalise(self, crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A smooth random gain curve applied in the frequency domain; its
        impulse response is short, so the circular wrap is negligible."""
        gains_db = rng.uniform(-EQ_MAX_DB, EQ_MAX_DB, len(EQ_ANCHORS_HZ))
        spec = np.fft.rfft(crop.astype(np.float64))
        hz = np.fft.rfftfreq(len(crop), 1.0 / SAMPLE_RATE)
        curve_db = np.interp(np.log(np.maximum(hz, EQ_ANCHORS_HZ[0])), np.log(EQ_ANCHORS_HZ),
                             gains_db)
        return np.fft.irfft(spec * 10 ** (curve_db / 20), len(crop))

    def reverb(self, crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        rt60 = rng.uniform(*RT60_RANGE_S)
        n_tail = int(rt60 * SAMPLE_RATE)
        t = np.arange(1, n_tail + 1) / SAMPLE_RATE
        # -60 dB of energy at rt60: amplitude decays as 10^(-3 t / rt60).
        tail = rng.standard_normal(n_tail) * 10 ** (-3.0 * t / rt60)
        d2r_db = rng.uniform(*DIRECT_TO_REVERB_DB_RANGE)
        tail *= np.sqrt(1.0 / (np.sum(tail ** 2) * 10 ** (d2r_db / 10)))
        rir = np.concatenate([[1.0], tail])
        size = len(crop) + len(rir) - 1
        nfft = 1 << (size - 1).bit_length()
        wet = np.fft.irfft(np.fft.rfft(crop.astype(np.float64), nfft) * np.fft.rfft(rir, nfft),
                           nfft)[:len(crop)]
        # Keep the crop's level: the talker's loudness is the gain
        # augmentation's business, not the room's.
        dry_rms, wet_rms = np.sqrt(np.mean(crop ** 2.0)), np.sqrt(np.mean(wet ** 2))
        return wet * (dry_rms / wet_rms) if wet_rms > 0 else wet
