"""Training-crop augmentation (hificodec_torch.augment) on real speech and
real noise from ../shared/data: the noise lands at the SNR drawn, the
equaliser stays within its range, reverberation keeps the level and adds a
tail, a spec parses or fails clearly, and the same seed draws the same crop."""

import os
import unittest

import numpy as np

from hificodec_torch import augment, data

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEECH = os.path.join(REPO, "..", "shared", "data", "speech")
NOISE = os.path.join(REPO, "..", "shared", "data", "other", "noise")


class SpecTest(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(augment.parse_spec(""), {})
        self.assertEqual(augment.parse_spec("noise:0.5, eq:0.25,reverb"),
                         {"noise": 0.5, "eq": 0.25, "reverb": 1.0})
        for bad, why in (("hum:0.5", "unknown kind"), ("eq:x", "must be a number"),
                         ("eq:1.5", r"in \[0, 1\]")):
            with self.assertRaisesRegex(ValueError, why):
                augment.parse_spec(bad)
        with self.assertRaisesRegex(ValueError, "no noise recordings"):
            augment.Augmenter({"noise": 0.5}, [])


@unittest.skipUnless(os.path.isdir(NOISE) and os.path.isdir(SPEECH),
                     f"shared data not found at {NOISE} and {SPEECH}")
class AugmentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.noises = [data.to_float(w) for _, w in data.load_noise(NOISE)]
        speech = data.load_split(SPEECH, "valid", 1)[0][1]
        cls.crop = speech[16000:16000 + 16000].astype(np.float32)

    def test_noise_at_the_drawn_snr(self):
        aug = augment.Augmenter({"noise": 1.0}, self.noises)
        for seed in range(5):
            out = aug.add_noise(self.crop, np.random.default_rng(seed))
            noise = out - self.crop
            snr = 10 * np.log10(np.mean(self.crop.astype(np.float64) ** 2)
                                / np.mean(noise.astype(np.float64) ** 2))
            # The SNR drawn: the same generator's third draw, after the
            # recording and the start.
            rng = np.random.default_rng(seed)
            k = rng.choice(len(self.noises), p=aug.noise_probs)
            rng.integers(0, max(1, len(self.noises[k]) - len(self.crop) + 1))
            drawn = rng.uniform(*augment.SNR_DB_RANGE)
            self.assertAlmostEqual(snr, drawn, delta=0.01)

    def test_equaliser_within_its_range(self):
        aug = augment.Augmenter({"eq": 1.0})
        out = aug.equalise(self.crop, np.random.default_rng(3))
        self.assertEqual(out.shape, self.crop.shape)
        ratio_db = 20 * np.log10(np.abs(np.fft.rfft(out)) / np.abs(np.fft.rfft(self.crop)))
        self.assertLessEqual(np.abs(ratio_db).max(), augment.EQ_MAX_DB + 0.01)
        self.assertGreater(np.abs(ratio_db).max(), 0.5)  # it did colour the crop

    def test_reverb_keeps_level_and_adds_a_tail(self):
        aug = augment.Augmenter({"reverb": 1.0})
        burst = np.zeros(8000, np.float32)
        burst[100:200] = 1.0
        out = aug.reverb(burst, np.random.default_rng(1))
        self.assertAlmostEqual(np.sqrt(np.mean(out ** 2)), np.sqrt(np.mean(burst ** 2)),
                               places=5)
        self.assertGreater(np.abs(out[400:]).max(), 1e-3)  # energy after the burst ended
        self.assertLess(np.abs(out[:100]).max(), 1e-9)  # and none before it (causal; FFT rounding)

    def test_sampler_draws_are_reproducible(self):
        spec = augment.parse_spec("noise:0.5,eq:0.5,reverb:0.5")
        utts = [w for _, w in data.load_split(SPEECH, "valid", 3)]

        def batch(seed):
            return data.CropSampler(utts, seed, augment.Augmenter(spec, self.noises)).batch(
                4, 8000)
        a, b, c = batch(7), batch(7), batch(8)
        self.assertTrue(np.array_equal(a, b))
        self.assertFalse(np.array_equal(a, c))
        self.assertTrue(np.isfinite(a).all() and np.abs(a).max() <= 1.0)


if __name__ == "__main__":
    unittest.main()
