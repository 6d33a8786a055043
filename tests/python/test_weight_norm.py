"""Weight-norm folding (export.fold_weight_norm) against torch's own weight
norm for Conv1d (norm per output channel) and ConvTranspose1d (per input
channel), and model files read back by load_model_file (F32 and F16)."""

import os
import tempfile
import unittest

import torch
import torch.nn as nn

from hificodec_torch.config import load_config
from hificodec_torch import safetensors_io
from hificodec_torch.export import (fold_weight_norm, load_model_file, model_tensors, random_model,
                                    save_model_file)


class FoldTest(unittest.TestCase):
    def _check(self, conv):
        torch.manual_seed(3)
        nn.utils.weight_norm(conv)
        conv.weight_g.data.uniform_(0.5, 2.0)  # g != ||v||, so the fold must use both
        x = torch.randn(2, conv.in_channels, 40)
        with torch.no_grad():
            want = conv(x)  # runs torch's pre-hook: weight = g * v / ||v||
        folded = fold_weight_norm(conv.state_dict())
        self.assertEqual(set(folded), {"weight", "bias"})
        torch.testing.assert_close(folded["weight"], conv.weight, rtol=1e-6, atol=1e-7)
        plain = type(conv)(conv.in_channels, conv.out_channels, conv.kernel_size,
                           conv.stride, padding=conv.padding)
        plain.load_state_dict(folded)
        with torch.no_grad():
            torch.testing.assert_close(plain(x), want, rtol=1e-5, atol=1e-6)

    def test_conv1d_per_output_channel(self):
        self._check(nn.Conv1d(5, 7, 3, padding=1))

    def test_conv_transpose1d_per_input_channel(self):
        self._check(nn.ConvTranspose1d(5, 7, 8, 4, padding=2))
        conv = nn.utils.weight_norm(nn.ConvTranspose1d(5, 7, 8, 4))
        self.assertEqual(tuple(conv.weight_g.shape), (5, 1, 1))


class ModelFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = random_model(load_config("tiny"), seed=7, scaled=True)
        torch.manual_seed(0)
        cls.wav = 0.3 * torch.randn(2, 320 * 6 + 111)
        with torch.no_grad():
            cls.latent = cls.model.latent(cls.wav)
            cls.codes = cls.model.encode(cls.wav)
            cls.audio = cls.model.decode(cls.codes)

    def _reload(self, dtype, weight_norm):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            save_model_file(self.model, path, dtype)
            return load_model_file(path, weight_norm=weight_norm)

    def test_f32_reproduces_twin(self):
        for wn in (True, False):
            with self.subTest(weight_norm=wn):
                m = self._reload("f32", wn)
                self.assertEqual(m.config, self.model.config)
                self.assertEqual(any(k.endswith("weight_g") for k in m.state_dict()), wn)
                with torch.no_grad():
                    torch.testing.assert_close(m.latent(self.wav), self.latent,
                                               rtol=1e-5, atol=1e-5)
                    torch.testing.assert_close(m.decode(self.codes), self.audio,
                                               rtol=1e-5, atol=1e-5)
                    self.assertGreaterEqual((m.encode(self.wav) == self.codes).float().mean(), 0.99)

    def test_rejects_tensors_not_matching_config(self):
        tensors = model_tensors(self.model)
        meta = {"hificodec_config": self.model.config.to_json()}
        del tensors["generator.conv_post.bias"]
        cases = {"missing tensor": (tensors, meta), "no config": (model_tensors(self.model), {})}
        for what, (t, m) in cases.items():
            with self.subTest(what=what), tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "m.safetensors")
                safetensors_io.write(path, t, m)
                with self.assertRaises(ValueError):
                    load_model_file(path)

    def test_f16_close(self):
        m = self._reload("f16", False)
        with torch.no_grad():
            err = (m.latent(self.wav) - self.latent).abs().max() / self.latent.abs().max()
            self.assertLess(err.item(), 0.02)
            err = (m.decode(self.codes) - self.audio).abs().max() / self.audio.abs().max()
            self.assertLess(err.item(), 0.02)


if __name__ == "__main__":
    unittest.main()
