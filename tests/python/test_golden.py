"""hificodec_torch.golden on the small configs: the files and their shapes,
codes spread over the codebooks, no near-ties, O(1) signals, and every
vector reproducible from model.safetensors alone (what the C tests rely on).

HFC_GOLDEN_CONFIGS=name[:dtype],... picks other configs (the slow suite runs
the official 16k_320d this way)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

from hificodec_torch.export import load_model_file
from hificodec_torch.golden import NEAR_TIE, tie_margins

SECONDS = 3.0
DEFAULT_CONFIGS = "tiny:f32,tiny2:f16,causal:f32"


def generate(config, dtype, out):
    r = subprocess.run([sys.executable, "-m", "hificodec_torch.golden", "--config", config,
                        "--seed", "4", "--seconds", str(SECONDS), "--out", out,
                        "--dtype", dtype], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"golden failed:\n{r.stderr}")
    return r.stdout


class GoldenTest(unittest.TestCase):
    def _check(self, config, dtype):
        with tempfile.TemporaryDirectory() as d:
            summary = generate(config, dtype, d)
            load = lambda name: np.load(os.path.join(d, name))  # noqa: E731
            wav, latent, codes, audio = (load(f"{n}.npy")
                                         for n in ("input", "latent", "codes", "audio"))
            with open(os.path.join(d, "config.json")) as f:
                cfg = json.load(f)
            model = load_model_file(os.path.join(d, "model.safetensors"), weight_norm=False)

        hop, size = cfg["hop"], cfg["quantizer"]["codebook_size"]
        n_codebooks = cfg["quantizer"]["groups"] * cfg["quantizer"]["layers"]
        n_frames = len(wav) // hop
        self.assertEqual(model.config.to_dict(), cfg)
        self.assertNotEqual(len(wav) % hop, 0)
        self.assertGreater(n_frames, SECONDS * cfg["sample_rate"] / hop - 1)
        self.assertEqual((wav.dtype, latent.dtype, codes.dtype, audio.dtype),
                         (np.float32, np.float32, np.int32, np.float32))
        self.assertEqual(latent.shape, (cfg["latent_dim"], n_frames))
        self.assertEqual(codes.shape, (n_frames, n_codebooks))
        self.assertEqual(audio.shape, (n_frames * hop,))

        # Spread: 30% of the codebook, or of the frames when they are fewer.
        for k in range(n_codebooks):
            self.assertGreaterEqual(len(np.unique(codes[:, k])), 0.3 * min(size, n_frames), summary)
        self.assertTrue(0.3 < latent.std() < 3, summary)
        self.assertTrue(0.05 < np.abs(audio).max() < 1, summary)

        with torch.no_grad():
            got_latent = model.latent(torch.from_numpy(wav)[None])[0]
            got_codes = model.quantizer(got_latent[None])[2][0]
            got_audio = model.decode(torch.from_numpy(codes).long()[None])[0]
        # Same weights, same code: equal up to thread-count dependent rounding.
        np.testing.assert_allclose(got_latent.numpy(), latent, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(got_codes.numpy(), codes)
        np.testing.assert_allclose(got_audio.numpy(), audio, rtol=1e-5, atol=1e-6)
        self.assertGreaterEqual(tie_margins(model, got_latent, got_codes).min(), NEAR_TIE)

    def test_golden(self):
        for item in os.environ.get("HFC_GOLDEN_CONFIGS", DEFAULT_CONFIGS).split(","):
            config, _, dtype = item.partition(":")
            with self.subTest(config=config, dtype=dtype or "f32"):
                self._check(config, dtype or "f32")


if __name__ == "__main__":
    unittest.main()
