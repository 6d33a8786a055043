"""Causal models: changing the input from sample n on leaves every latent
frame that ends before n unchanged, and changing the codes from frame t on
leaves every output sample before t * hop unchanged. The non-causal tiny
model is the control: there the same change reaches back."""

import unittest

import torch

from hificodec_torch.config import load_config
from hificodec_torch.export import random_model

HOP = 320
N_FRAMES = 10
CHANGE_FRAME = 6


def encoder_changes(model):
    """Largest latent change in frames < CHANGE_FRAME and in frames >= it,
    when the input changes from sample CHANGE_FRAME * hop + 17 on."""
    torch.manual_seed(0)
    wav = 0.3 * torch.randn(1, N_FRAMES * HOP + 50)
    wav2 = wav.clone()
    wav2[:, CHANGE_FRAME * HOP + 17:] = 0.3 * torch.randn(wav2.shape[1] - CHANGE_FRAME * HOP - 17)
    with torch.no_grad():
        diff = (model.latent(wav) - model.latent(wav2)).abs()
    return diff[..., :CHANGE_FRAME].max().item(), diff[..., CHANGE_FRAME:].max().item()


def decoder_changes(model):
    torch.manual_seed(1)
    size = model.config.quantizer.codebook_size
    codes = torch.randint(0, size, (1, N_FRAMES, 4))
    codes2 = codes.clone()
    codes2[:, CHANGE_FRAME:] = torch.randint(0, size, (1, N_FRAMES - CHANGE_FRAME, 4))
    with torch.no_grad():
        diff = (model.decode(codes) - model.decode(codes2)).abs()
    n = CHANGE_FRAME * HOP
    return diff[..., :n].max().item(), diff[..., n:].max().item()


class CausalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.causal = random_model(load_config("causal"), seed=5, scaled=False)
        cls.centred = random_model(load_config("tiny"), seed=5, scaled=False)

    def test_encoder(self):
        past, future = encoder_changes(self.causal)
        self.assertEqual(past, 0.0)
        self.assertGreater(future, 0.0)
        self.assertGreater(encoder_changes(self.centred)[0], 0.0)

    def test_decoder(self):
        past, future = decoder_changes(self.causal)
        self.assertEqual(past, 0.0)
        self.assertGreater(future, 0.0)
        self.assertGreater(decoder_changes(self.centred)[0], 0.0)

    def test_codes_prefix(self):
        torch.manual_seed(2)
        wav = 0.3 * torch.randn(1, N_FRAMES * HOP)
        with torch.no_grad():
            full = self.causal.encode(wav)
            prefix = self.causal.encode(wav[:, :CHANGE_FRAME * HOP])
        torch.testing.assert_close(full[:, :CHANGE_FRAME], prefix)


if __name__ == "__main__":
    unittest.main()
