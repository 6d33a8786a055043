"""Lengths: L samples encode to floor(L / hop) frames and T frames decode to
T * hop samples, for the official configs (as models.py's padding gives) and
the built-in test configs, for input lengths that are not multiples of hop."""

import unittest

import torch

from hificodec_torch.config import load_config
from hificodec_torch.model import HiFiCodec


class LengthTest(unittest.TestCase):
    def test_lengths(self):
        for name in ("16k_320d", "24k_320d", "24k_240d", "tiny", "tiny2", "causal"):
            cfg = load_config(name)
            model = HiFiCodec(cfg, weight_norm=False)
            hop = cfg.hop
            for n in (hop, hop + 1, 2 * hop - 1, 3 * hop + hop // 2 + 1):
                with self.subTest(config=name, n_samples=n), torch.no_grad():
                    n_frames = model.latent(torch.zeros(1, n)).shape[-1]
                    self.assertEqual(n_frames, n // hop)
                    self.assertEqual(cfg.frames_for_samples(n), n // hop)
            with torch.no_grad():
                audio = model.decode(torch.zeros(1, 3, cfg.n_codebooks, dtype=torch.long))
            self.assertEqual(tuple(audio.shape), (1, 3 * hop))


if __name__ == "__main__":
    unittest.main()
