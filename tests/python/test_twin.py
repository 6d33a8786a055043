"""The twin's forward semantics, restated from AcademiCodec's models.py:
the encoder's GroupNorm-on-running-sum order, the generator's resblock
average, the GRVQ codes (nearest by |x - e|^2, code k = layer * groups +
group, layer l quantizing what earlier layers left), embed(), and the
training pass (straight-through gradient, VQ loss)."""

import unittest

import torch
import torch.nn.functional as F

from hificodec_torch.config import load_config
from hificodec_torch.export import random_model


def official_encoder(enc, x, nk):
    """models.py's Encoder.forward, written out for three or fewer resblocks."""
    x = enc.conv_pre(x)
    for i, up in enumerate(enc.ups):
        x = up(F.leaky_relu(x, 0.1))
        xs = enc.normalize[i * nk](enc.resblocks[i * nk](x))
        for j in range(1, nk):
            xs = enc.normalize[i * nk + j](xs + enc.resblocks[i * nk + j](x))
        x = xs / nk
    return enc.conv_post(F.leaky_relu(x))  # default slope 0.01


def official_generator(gen, x, nk):
    x = gen.conv_pre(x)
    for i, up in enumerate(gen.ups):
        x = up(F.leaky_relu(x, 0.1))
        x = sum(gen.resblocks[i * nk + j](x) for j in range(nk)) / nk
    return torch.tanh(gen.conv_post(F.leaky_relu(x, 0.1)))


class TwinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = random_model(load_config("tiny"), seed=3, scaled=True)
        torch.manual_seed(4)
        cls.wav = 0.3 * torch.randn(2, 320 * 12 + 5)

    def test_networks_follow_official_forward(self):
        m = self.model
        with torch.no_grad():
            latent = m.latent(self.wav)
            torch.testing.assert_close(latent, official_encoder(m.encoder, self.wav[:, None], 2))
            torch.testing.assert_close(m.generator(latent),
                                       official_generator(m.generator, latent, 2))

    def test_codes_are_grvq(self):
        m, q = self.model, self.model.quantizer
        with torch.no_grad():
            latent = m.latent(self.wav)
            codes = m.encode(self.wav)
        self.assertEqual(codes.dtype, torch.int64)
        self.assertEqual(tuple(codes.shape), (2, latent.shape[2], 4))
        residual = latent.transpose(1, 2).double()  # [B, T, C]
        half = residual.shape[2] // 2
        for layer in range(2):
            chosen = []
            for g in range(2):
                x = residual[..., g * half:(g + 1) * half]
                e = q.codebooks(layer)[g].embedding.weight.double()
                want = ((x[..., None, :] - e) ** 2).sum(-1).argmin(-1)
                torch.testing.assert_close(codes[..., layer * 2 + g], want)
                chosen.append(e[want])
            residual = residual - torch.cat(chosen, -1)
        # embed() = the sum of the layers' codewords.
        torch.testing.assert_close(q.embed(codes).transpose(1, 2).double(),
                                   latent.transpose(1, 2).double() - residual)

    def test_argmin_lowest_index_on_ties(self):
        module = self.model.quantizer.codebooks(0)[0]
        e = module.embedding.weight
        x = e[5:6].clone()
        with torch.no_grad():
            e[9] = e[5]
            self.assertEqual(module(x)[1].item(), 5)

    def test_training_pass(self):
        m = random_model(load_config("tiny"), seed=3, scaled=True)
        wav_hat, loss, codes = m(self.wav)
        with torch.no_grad():
            torch.testing.assert_close(wav_hat, m.decode(codes))
            latent = m.latent(self.wav)
            zq = m.quantizer.embed(codes)
            q0 = torch.cat([m.quantizer.codebooks(0)[g].embedding(codes[..., g])
                            for g in range(2)], -1).transpose(1, 2)
            want = 1.25 * (F.mse_loss(q0, latent) + F.mse_loss(zq - q0, latent - q0)) / 2
            torch.testing.assert_close(loss, want)
        (wav_hat.pow(2).mean() + loss).backward()
        # Straight-through: the reconstruction loss reaches the encoder.
        self.assertGreater(m.encoder.conv_pre.weight_v.grad.abs().sum().item(), 0)
        codebook = m.quantizer.quantizer_modules2[1].embedding.weight
        self.assertGreater(codebook.grad.abs().sum().item(), 0)
        self.assertGreater(m.generator.ups[0].weight_g.grad.abs().sum().item(), 0)


    def test_istft_head_inverts_the_stft(self):
        """The head's fixed weight is an inverse STFT: fed torch.stft's real
        and imaginary parts (as magnitude logs and phases), it gives the
        signal back wherever n_fft / hop windows overlap."""
        from hificodec_torch.model import IstftHead
        for n_fft, hop in ((32, 8), (160, 40), (120, 40)):
            with self.subTest(n_fft=n_fft, hop=hop):
                x = torch.randn(1, 4000, dtype=torch.float64)
                spec = torch.stft(x, n_fft, hop, window=torch.hann_window(n_fft, dtype=torch.float64),
                                  center=False, return_complex=True)
                polar = torch.cat([spec.abs().clamp_min(1e-30).log(), spec.angle()], 1).float()
                head = IstftHead(n_fft, hop, causal=False)
                y = head(polar)[0, 0]
                # Centred: sample n of y is sample n + (n_fft - hop) / 2 of x's frames.
                off = (n_fft - hop) // 2
                inner = slice(n_fft, y.shape[0] - n_fft)
                err = (y[inner] - x[0, off:off + y.shape[0]][inner].float()).abs().max().item()
                self.assertLess(err, 1e-4)

    def test_istft_generator_is_causal_and_sized(self):
        """A causal istft generator gives hop samples a frame, and a change in
        latent frame t changes no sample before t * hop."""
        for name in ("causal_istft", "tiny_istft"):
            model = random_model(load_config(name), seed=3, scaled=True).eval()
            z = torch.randn(1, model.config.latent_dim, 12)
            with torch.no_grad():
                a = model.generator(z)[0, 0]
                z2 = z.clone()
                z2[..., 7:] += 0.5
                b = model.generator(z2)[0, 0]
            self.assertEqual(a.shape[0], 12 * model.config.hop)
            changed = (a - b).abs().gt(0).nonzero()[0].item()
            if name == "causal_istft":
                self.assertGreaterEqual(changed, 7 * model.config.hop)
            else:
                self.assertLess(changed, 7 * model.config.hop)  # the centred one looks ahead

    def test_istft_decode_clips(self):
        """decode() gives PCM: an istft generator's output clipped to [-1, 1]
        (as the C library does), while forward() (training) keeps it whole."""
        model = random_model(load_config("causal_istft"), seed=3, scaled=True).eval()
        with torch.no_grad():
            model.generator.conv_post.bias[: model.generator.head.n_bins] += 3.0  # ~20x louder
            codes = model.encode(torch.randn(1, 8 * model.config.hop) * 0.3)
            raw = model.generator(model.quantizer.embed(codes))[:, 0]
            pcm = model.decode(codes)
        self.assertGreater(raw.abs().max().item(), 1.0)
        self.assertTrue(torch.equal(pcm, raw.clamp(-1, 1)))

    def test_flops_count_the_istft_head(self):
        """flops.cost counts conv_post's n_fft + 2 outputs and the inverse STFT
        (n_fft + 2 inputs x n_fft taps per head frame), as the C library's
        hfc_model_info does."""
        from hificodec_torch.flops import cost
        cfg = load_config("causal_istft")
        d, head_rate = cfg.decoder, cfg.sample_rate / cfg.head_hop
        base = load_config("causal_istft")
        base.decoder.head, base.decoder.head_n_fft = "waveform", 0
        extra = (d.channels[-1] * (d.head_n_fft + 1) * d.post_kernel * head_rate
                 + (d.head_n_fft + 2) * d.head_n_fft * head_rate)
        self.assertAlmostEqual(cost(cfg).decode_macs_per_s - cost(base).decode_macs_per_s, extra,
                               delta=1e-6 * extra)


if __name__ == "__main__":
    unittest.main()
