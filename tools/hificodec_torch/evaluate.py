"""Validation metrics as tools/metrics defines them (metrics.h): the log-mel
distance (librosa-style mel power, n_fft 1024, hop 256, 80 mels, floor 1e-7),
zero-mean SI-SDR and (STOI + ESTOI) / 2 as the intelligibility loss estimates
it (within 0.015 of the C metrics); and a whole-utterance evaluation of a
model."""

from typing import Dict, List

import numpy as np
import torch

from .losses import IntelligibilityLoss, mel_filterbank
from .model import HiFiCodec

N_FFT = 1024
HOP = 256
N_MELS = 80
FLOOR = 1e-7
SI_SDR_MAX_DB = 300.0


def logmel_distance(ref: np.ndarray, deg: np.ndarray, sample_rate: int) -> float:
    """Mean over frames and mel bands of |log10 max(M_ref, 1e-7) -
    log10 max(M_deg, 1e-7)|, M the mel power spectrogram (float64)."""
    fb = torch.from_numpy(mel_filterbank(sample_rate, N_FFT, N_MELS))
    window = torch.hann_window(N_FFT, dtype=torch.float64)

    def logmel(x: np.ndarray) -> torch.Tensor:
        spec = torch.stft(torch.from_numpy(x.astype(np.float64)), N_FFT, HOP, window=window,
                          center=True, pad_mode="constant", return_complex=True)
        return torch.log10((fb @ spec.abs().pow(2)).clamp_min(FLOOR))

    return (logmel(ref) - logmel(deg)).abs().mean().item()


def si_sdr_db(ref: np.ndarray, deg: np.ndarray) -> float:
    ref = ref.astype(np.float64) - ref.mean()
    deg = deg.astype(np.float64) - deg.mean()
    target = (np.dot(deg, ref) / np.dot(ref, ref)) * ref
    err = deg - target
    t, e = np.dot(target, target), np.dot(err, err)
    if e == 0:
        return SI_SDR_MAX_DB
    if t == 0:
        return -SI_SDR_MAX_DB
    return float(np.clip(10 * np.log10(t / e), -SI_SDR_MAX_DB, SI_SDR_MAX_DB))


@torch.no_grad()
def evaluate(model: HiFiCodec, utterances: List[np.ndarray]) -> Dict[str, float]:
    """Mean per-utterance log-mel distance, SI-SDR, level (output energy
    over input energy, dB) and intelligibility ((STOI + ESTOI) / 2, over the
    utterances with a segment of speech; nan if none) of model's round trip
    (encode with real quantization, decode) over float32 utterances, each cut
    to whole frames."""
    was_training = model.training
    model.eval()
    hop, rate = model.config.hop, model.config.sample_rate
    device = next(model.parameters()).device
    # Every utterance is a new shape: cuDNN's autotuner (on for training)
    # would search afresh for each one, and once is all it is run.
    benchmark = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = False
    logmel, sisdr, level, intel = [], [], [], []
    intelligibility = IntelligibilityLoss(rate).to(device)
    try:
        for wav in utterances:
            wav = wav[: len(wav) // hop * hop]
            x = torch.from_numpy(wav).unsqueeze(0).to(device)
            y = model(x)[0].squeeze(0)
            score, scored = intelligibility.scores(y.unsqueeze(0), x)
            if scored.item():
                intel.append(score.item())
            out = y.cpu().numpy()
            logmel.append(logmel_distance(wav, out, rate))
            sisdr.append(si_sdr_db(wav, out))
            level.append(10 * np.log10(np.mean(out.astype(np.float64) ** 2) + 1e-12)
                         - 10 * np.log10(np.mean(wav.astype(np.float64) ** 2) + 1e-12))
    finally:
        torch.backends.cudnn.benchmark = benchmark
        model.train(was_training)
    return {"logmel": float(np.mean(logmel)), "si_sdr": float(np.mean(sisdr)),
            "level_db": float(np.mean(level)),
            "intelligibility": float(np.mean(intel)) if intel else float("nan")}
