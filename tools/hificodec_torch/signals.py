"""Deterministic speech-like test signals: voiced syllables (harmonics of a
gliding f0 shaped by moving formants), noise bursts like fricatives, and
pauses. Not speech, but it drives a codec through the same kinds of frames."""

import numpy as np

PEAK = 0.5


def _ramp(n: int, n_fade: int) -> np.ndarray:
    """A 0..1..0 envelope with raised-cosine fades, so segments do not click."""
    env = np.ones(n)
    f = min(n_fade, n // 2)
    if f > 0:
        fade = 0.5 - 0.5 * np.cos(np.pi * np.arange(f) / f)
        env[:f] = fade
        env[n - f:] = fade[::-1]
    return env


def _voiced(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    t = np.arange(n) / rate
    f0_start, f0_end = rng.uniform(90, 250, size=2)
    f0 = np.linspace(f0_start, f0_end, n) * (1 + 0.02 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    # Three formants with their own glides; harmonic h's amplitude is the
    # spectral envelope at h*f0 with a -6 dB/octave source tilt.
    formants = [np.linspace(*rng.uniform(lo, hi, size=2), n)
                for lo, hi in ((300, 900), (900, 2500), (2500, 3500))]
    widths = (120.0, 180.0, 250.0)
    gains = (1.0, 0.6, 0.3)
    out = np.zeros(n)
    n_harm = min(40, int(0.45 * rate / max(f0_start, f0_end)))
    for h in range(1, n_harm + 1):
        fh = h * f0
        env = sum(g * np.exp(-0.5 * ((fh - fc) / w) ** 2)
                  for fc, w, g in zip(formants, widths, gains))
        out += (env + 0.02) / h * np.sin(h * phase + rng.uniform(0, 2 * np.pi))
    return out / (np.abs(out).max() + 1e-9)


def _fricative(rng: np.random.Generator, n: int) -> np.ndarray:
    noise = rng.standard_normal(n)
    # A first difference tilts the noise towards high frequencies, like /s/.
    noise = np.diff(noise, prepend=0.0) if rng.random() < 0.5 else noise
    return 0.5 * noise / (np.abs(noise).max() + 1e-9)


def speech_like(n_samples: int, rate: int, seed: int) -> np.ndarray:
    """float32 [n_samples], peak PEAK, the same for the same arguments."""
    rng = np.random.default_rng(seed)
    out = np.zeros(n_samples)
    pos = 0
    while pos < n_samples:
        n = min(int(rng.uniform(0.08, 0.3) * rate), n_samples - pos)
        kind = rng.choice(3, p=[0.6, 0.25, 0.15])
        if kind == 0:
            seg = _voiced(rng, n, rate) * rng.uniform(0.3, 1.0)
        elif kind == 1:
            seg = _fricative(rng, n) * rng.uniform(0.2, 0.8)
        else:
            seg = np.zeros(n)
        out[pos:pos + n] = seg * _ramp(n, int(0.01 * rate))
        pos += n
    # A noise floor: real input is never exactly zero for long.
    out += 1e-3 * rng.standard_normal(n_samples)
    return (PEAK * out / np.abs(out).max()).astype(np.float32)
