"""The intelligibility loss (losses.IntelligibilityLoss) against the
project's STOI and ESTOI (tools/metrics/stoi.c, through `hificodec eval`):
on real speech with white noise at four SNRs and low-passed at two cut-offs,
1 - loss is within 0.015 of the mean of the two metrics and ranks every
pair as they do. Its gradient is finite and a few steps on it raise the C
metrics; a batch scores as the mean of its crops, and a crop shorter than one
segment of speech adds nothing.

Also the trainer's --source-weights: each file's chance scaled by its
source's factor, and a source the corpus lacks is an error.

usage: test_intelligibility.py HIFICODEC (the CLI, for `hificodec eval`)"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

from hificodec_torch import data, losses

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "..", "shared", "data", "speech")
UTTERANCE = os.path.join(DATA, "valid", "librispeech", "3242-67153-0000.flac")
CLI = None  # set from argv in __main__
RATE = 16000


def c_metrics(ref: np.ndarray, deg: np.ndarray) -> float:
    """(STOI + ESTOI) / 2 of deg against ref by the C metrics, unaligned."""
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, n) for n in ("ref.wav", "deg.wav")]
        for path, wav in zip(paths, (ref, deg)):
            sf.write(path, wav, RATE, subtype="FLOAT")
        out = subprocess.run([CLI, "eval", "--json", "--max-lag-ms", "0", *paths],
                             check=True, capture_output=True, text=True).stdout
    m = json.loads(out)
    return 0.5 * (m["stoi"] + m["estoi"])


def torch_metrics(loss: losses.IntelligibilityLoss, ref: np.ndarray, deg: np.ndarray) -> float:
    with torch.no_grad():
        return 1.0 - loss(torch.from_numpy(deg)[None], torch.from_numpy(ref)[None]).item()


def low_pass(wav: np.ndarray, cutoff_hz: float) -> np.ndarray:
    spec = np.fft.rfft(wav)
    spec[np.fft.rfftfreq(len(wav), 1 / RATE) > cutoff_hz] = 0
    return np.fft.irfft(spec, len(wav)).astype(np.float32)


@unittest.skipUnless(os.path.isfile(UTTERANCE), f"speech corpus not found at {DATA}")
class IntelligibilityLossTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import soundfile as sf

        wav, rate = sf.read(UTTERANCE, dtype="float32")
        assert rate == RATE
        cls.ref = wav[:6 * RATE]
        cls.loss = losses.IntelligibilityLoss(RATE)

    def degraded(self):
        rng = np.random.default_rng(0)
        noise = rng.standard_normal(len(self.ref)).astype(np.float32)
        noise *= np.sqrt(np.mean(self.ref ** 2) / np.mean(noise ** 2))
        out = {f"noise {snr} dB": self.ref + noise * 10 ** (-snr / 20) for snr in (-5, 0, 10, 20)}
        for hz in (1000, 2500):
            out[f"low-pass {hz} Hz"] = low_pass(self.ref, hz)
        return out

    def test_agrees_with_the_c_metrics(self):
        mine, theirs = {}, {}
        for name, deg in self.degraded().items():
            mine[name], theirs[name] = torch_metrics(self.loss, self.ref, deg), c_metrics(self.ref, deg)
            self.assertAlmostEqual(mine[name], theirs[name], delta=0.015, msg=name)
        self.assertEqual(sorted(mine, key=mine.get), sorted(theirs, key=theirs.get))
        self.assertAlmostEqual(torch_metrics(self.loss, self.ref, self.ref), 1.0, places=5)

    def test_gradient_steps_raise_the_c_metrics(self):
        """Gradient descent on the loss, applied to a noisy copy's samples,
        raises (STOI + ESTOI) / 2 as the C metrics measure it."""
        deg = self.degraded()["noise 0 dB"]
        before = c_metrics(self.ref, deg)
        x = torch.from_numpy(deg)[None].clone().requires_grad_(True)
        ref = torch.from_numpy(self.ref)[None]
        opt = torch.optim.Adam([x], lr=1e-3)
        for _ in range(20):
            opt.zero_grad()
            loss = self.loss(x, ref)
            loss.backward()
            self.assertTrue(torch.isfinite(x.grad).all())
            opt.step()
        after = c_metrics(self.ref, x.detach()[0].numpy())
        self.assertGreater(after, before + 0.15, f"{before:.3f} -> {after:.3f}")

    def test_batch_is_the_mean_of_its_crops(self):
        """Silent frames are dropped per crop inside the batch: a batch's loss
        is the mean of its crops' own losses, over the crops with a segment of
        speech (here one of three is silence but for 200 ms, and adds
        nothing)."""
        rng = np.random.default_rng(1)
        ref = np.stack([self.ref[:RATE], self.ref[4 * RATE:5 * RATE], np.zeros(RATE, np.float32)])
        ref[1, :RATE // 2] = 0  # half of it silent
        ref[2, :RATE // 5] = self.ref[:RATE // 5]
        deg = ref + 0.02 * rng.standard_normal(ref.shape).astype(np.float32)
        ref, deg = torch.from_numpy(ref), torch.from_numpy(deg)
        with torch.no_grad():
            each = [self.loss(deg[i:i + 1], ref[i:i + 1]).item() for i in range(3)]
            batch = self.loss(deg, ref).item()
        self.assertEqual(each[2], 0.0)
        self.assertGreater(min(each[:2]), 0.01)
        self.assertAlmostEqual(batch, (each[0] + each[1]) / 2, places=5)

    def test_short_crop_adds_nothing(self):
        short = torch.from_numpy(self.ref[:RATE // 4])[None]  # 250 ms < one 384 ms segment
        self.assertEqual(self.loss(0.5 * short, short).item(), 0.0)


class SourceWeightsTest(unittest.TestCase):
    def test_factors_by_source(self):
        paths = ["train/precise/a.flac", "train/vctk/b.flac", "train/precise/c.flac"]
        self.assertIsNone(data.source_factors(paths, ""))
        np.testing.assert_array_equal(data.source_factors(paths, "precise:4"), [4, 1, 4])
        sampler = data.CropSampler([np.ones(100, np.int16)] * 3, 0,
                                   factors=data.source_factors(paths, "precise:4"))
        np.testing.assert_allclose(sampler.probs, [4 / 9, 1 / 9, 4 / 9])

    def test_unknown_source_or_bad_weight_is_an_error(self):
        paths = ["train/precise/a.flac"]
        for spec, msg in (("precis:4", "no source 'precis'"), ("precise", "want SOURCE:W"),
                          ("precise:0", "want SOURCE:W"), ("precise:x", "want SOURCE:W")):
            with self.assertRaisesRegex(ValueError, msg):
                data.source_factors(paths, spec)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("usage: ")[1])
    CLI = sys.argv.pop(1)
    unittest.main()
