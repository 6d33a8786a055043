"""Config schema (models/FORMAT.md): built-in configs, JSON round trips,
detection of official vs our JSON, the AcademiCodec mapping and validation."""

import json
import os
import tempfile
import unittest

from hificodec_torch.config import NAMED, OFFICIAL, Config, from_academicodec, load_config


class ConfigTest(unittest.TestCase):
    def test_named_configs_valid_and_round_trip(self):
        for name in NAMED:
            with self.subTest(name=name):
                cfg = load_config(name)
                self.assertEqual(Config.from_dict(json.loads(cfg.to_json())), cfg)

    def test_waveform_head_keeps_the_old_schema(self):
        """Files of waveform-head models carry no head keys (older readers and
        the shipped model's metadata stay as they were); istft ones do."""
        self.assertNotIn("head", load_config("causal").to_dict()["decoder"])
        self.assertNotIn("head_n_fft", load_config("16k_320d").to_dict()["decoder"])
        dec = load_config("causal_istft").to_dict()["decoder"]
        self.assertEqual((dec["head"], dec["head_n_fft"]), ("istft", 32))
        self.assertEqual(load_config("causal_istft").head_hop, 8)

    def test_istft_head_validation(self):
        base = load_config("causal_istft").to_dict()
        bad = {
            "n_fft not a multiple of the head hop": {"head_n_fft": 36},
            "n_fft of two hops (Hann squared does not overlap-add flat)": {"head_n_fft": 16},
            "odd n_fft": {"head_n_fft": 33},
            "no n_fft": {"head_n_fft": 0},
            "unknown head": {"head": "mdct"},
            "strides not dividing the hop": {"strides": [8, 3], "kernels": [16, 3]},
            "waveform head with strides short of the hop": {"head": "waveform", "head_n_fft": 0},
        }
        for what, edit in bad.items():
            with self.subTest(what):
                d = json.loads(json.dumps(base))
                d["decoder"].update(edit)
                with self.assertRaises(ValueError):
                    Config.from_dict(d)

    def test_16k_320d_mapping(self):
        cfg = load_config("16k_320d")
        self.assertEqual(cfg.name, "academicodec-hificodec-16k-320d")
        self.assertEqual((cfg.sample_rate, cfg.hop, cfg.latent_dim), (16000, 320, 512))
        self.assertEqual(cfg.encoder.channels, [32, 64, 128, 256, 512])
        self.assertEqual(cfg.encoder.strides, [2, 4, 5, 8])
        self.assertEqual(cfg.encoder.kernels, [4, 8, 11, 16])
        self.assertEqual(cfg.encoder.resblock_kernels, [11, 7, 3])
        self.assertEqual(cfg.decoder.channels, [512, 256, 128, 64, 32])
        self.assertEqual(cfg.decoder.strides, [8, 5, 4, 2])
        self.assertEqual(cfg.decoder.resblock_kernels, [3, 7, 11])
        self.assertEqual((cfg.encoder.norm, cfg.encoder.norm_channels_per_group), ("group", 16))
        self.assertEqual((cfg.lrelu_slope, cfg.encoder_final_slope), (0.1, 0.01))
        self.assertFalse(cfg.causal)
        self.assertEqual(cfg.n_codebooks, 4)

    def test_official_dilations_truncated_like_the_official_resblocks(self):
        h = dict(OFFICIAL["16k_320d"], resblock="2")
        self.assertEqual(from_academicodec(h).decoder.resblock_dilations, [[1, 3]] * 3)

    def test_load_detects_json_kind(self):
        with tempfile.TemporaryDirectory() as d:
            official = os.path.join(d, "official.json")
            ours = os.path.join(d, "ours.json")
            with open(official, "w") as f:
                json.dump(OFFICIAL["24k_240d"], f)
            load_config("tiny2").save(ours)
            self.assertEqual(load_config(official), load_config("24k_240d"))
            self.assertEqual(load_config(ours), load_config("tiny2"))
        with self.assertRaises(ValueError):
            load_config("no-such-config")

    def test_validation_rejects(self):
        base = load_config("tiny").to_dict()
        cases = {
            "hop mismatch": {"hop": 300},
            "causal with group norm": {"causal": True},
            "unknown key": {"bogus": 1},
            "latent not divisible": {"latent_dim": 33},
            "bad resblock": {"resblock": "3"},
            "rate": {"sample_rate": 500},
            "even stride-1 kernel": {"decoder": dict(base["decoder"], pre_kernel=6)},
            "odd k - s": {"decoder": dict(base["decoder"], kernels=[15, 11, 8, 4])},
            "kernel < stride": {"encoder": dict(base["encoder"], kernels=[1, 8, 11, 16])},
            "norm groups": {"encoder": dict(base["encoder"], norm_channels_per_group=3)},
            "codebook": {"quantizer": {"groups": 2, "layers": 2, "codebook_size": 1}},
            "dilations": {"decoder": dict(base["decoder"], resblock_dilations=[[1] * 5] * 2)},
            "missing": {"encoder": {k: v for k, v in base["encoder"].items() if k != "kernels"}},
        }
        for what, change in cases.items():
            with self.subTest(what=what), self.assertRaises(ValueError):
                Config.from_dict(dict(base, **change))

    def test_causal_allows_even_kernels(self):
        d = load_config("causal").to_dict()
        d["decoder"]["pre_kernel"] = 6
        d["decoder"]["kernels"] = [15, 11, 8, 4]
        Config.from_dict(d)


if __name__ == "__main__":
    unittest.main()
