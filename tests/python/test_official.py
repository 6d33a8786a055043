"""The twin against AcademiCodec's models.py: for the official 16k_320d config
its state dicts have exactly the official parameter names and shapes (listed
here independently, following models.py's constructors), model files have
the names and shapes of models/FORMAT.md, and tools/convert-academicodec turns
an official-format checkpoint into a model file that reproduces the twin."""

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

import torch

from hificodec_torch.config import OFFICIAL, from_academicodec
from hificodec_torch.export import load_model_file, model_tensors, random_model

CONVERTER = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "convert-academicodec")


def official_shapes(h: dict) -> dict:
    """name -> shape of the official checkpoint's tensors for config h."""
    shapes = {}

    def conv(prefix, c_out, c_in, k, weight_norm=True):
        if weight_norm:
            shapes[prefix + ".weight_g"] = (c_out, 1, 1)
            shapes[prefix + ".weight_v"] = (c_out, c_in, k)
        else:
            shapes[prefix + ".weight"] = (c_out, c_in, k)
        shapes[prefix + ".bias"] = (c_out,)

    def conv_transpose(prefix, c_in, c_out, k):
        shapes[prefix + ".weight_g"] = (c_in, 1, 1)  # weight norm dim 0 = input channels
        shapes[prefix + ".weight_v"] = (c_in, c_out, k)
        shapes[prefix + ".bias"] = (c_out,)

    def resblock(prefix, ch, k, dilations):
        for m in range(len(dilations)):
            if h["resblock"] == "1":
                conv(f"{prefix}.convs1.{m}", ch, ch, k)
                conv(f"{prefix}.convs2.{m}", ch, ch, k)
            else:
                conv(f"{prefix}.convs.{m}", ch, ch, k)

    rates = list(zip(h["upsample_rates"], h["upsample_kernel_sizes"]))
    rbs = list(zip(h["resblock_kernel_sizes"], h["resblock_dilation_sizes"]))

    conv("encoder.conv_pre", 32, 1, 7)
    n = 0
    for i, (_, k) in enumerate(reversed(rates)):
        conv(f"encoder.ups.{i}", 32 * 2 ** (i + 1), 32 * 2 ** i, k)
        for rk, rd in reversed(rbs):
            ch = 32 * 2 ** (i + 1)
            resblock(f"encoder.resblocks.{n}", ch, rk, rd)
            shapes[f"encoder.normalize.{n}.weight"] = (ch,)
            shapes[f"encoder.normalize.{n}.bias"] = (ch,)
            n += 1
    conv("encoder.conv_post", 512, 512, 3, weight_norm=False)

    for attr in ("quantizer_modules", "quantizer_modules2"):
        for g in range(h["n_code_groups"]):
            shapes[f"quantizer.{attr}.{g}.embedding.weight"] = \
                (h["n_codes"], 512 // h["n_code_groups"])

    ch0 = h["upsample_initial_channel"]
    conv("generator.conv_pre", ch0, 512, 7)
    n = 0
    for i, (_, k) in enumerate(rates):
        conv_transpose(f"generator.ups.{i}", ch0 // 2 ** i, ch0 // 2 ** (i + 1), k)
        for rk, rd in rbs:
            resblock(f"generator.resblocks.{n}", ch0 // 2 ** (i + 1), rk, rd)
            n += 1
    conv("generator.conv_post", 1, ch0 // 2 ** len(rates), 7)
    return shapes


def format_shapes(official: dict) -> dict:
    """The model file's names: weight_g/weight_v folded into weight."""
    out = {}
    for name, shape in official.items():
        if name.endswith(".weight_g"):
            continue
        out[name[: -len("_v")] if name.endswith(".weight_v") else name] = shape
    return out


def run_converter(*args):
    return subprocess.run([sys.executable, CONVERTER, *args], capture_output=True, text=True)


class OfficialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = OFFICIAL["16k_320d"]
        cls.model = random_model(from_academicodec(cls.h), seed=11, scaled=False)
        # Default init gives g = ||v||; make g independent so a wrong fold shows.
        gen = torch.Generator().manual_seed(1)
        for name, p in cls.model.named_parameters():
            if name.endswith("weight_g"):
                p.data.mul_(torch.empty(p.shape).uniform_(0.5, 2.0, generator=gen))

    def test_state_dict_names_and_shapes(self):
        got = {k: tuple(v.shape) for k, v in self.model.state_dict().items()}
        self.assertEqual(got, official_shapes(self.h))

    def test_model_file_names_and_shapes(self):
        got = {k: v.shape for k, v in model_tensors(self.model).items()}
        self.assertEqual(got, format_shapes(official_shapes(self.h)))

    def test_convert_round_trip(self):
        with tempfile.TemporaryDirectory() as d:
            ckpt = os.path.join(d, "g_00100000")
            config = os.path.join(d, "config.json")
            out = os.path.join(d, "model.safetensors")
            torch.save({part: getattr(self.model, part).state_dict()
                        for part in ("encoder", "quantizer", "generator")}, ckpt)
            with open(config, "w") as f:
                json.dump(dict(self.h, num_gpus=1, segment_size=16000), f)
            r = run_converter("--config", config, "--checkpoint", ckpt, "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            converted = load_model_file(out)

        self.assertEqual(converted.config.name, "academicodec-hificodec-16k-320d")
        torch.manual_seed(2)
        wav = 0.5 * torch.randn(1, 320 * 4 + 77)
        codes = torch.randint(0, 1024, (1, 4, 4))
        with torch.no_grad():
            for got, want in ((converted.latent(wav), self.model.latent(wav)),
                              (converted.decode(codes), self.model.decode(codes))):
                err = (got - want).abs().max() / want.abs().max()
                self.assertLess(err.item(), 1e-5)


def load_converter():
    """tools/convert-academicodec as a module (it has no .py suffix)."""
    loader = importlib.machinery.SourceFileLoader("convert_academicodec", CONVERTER)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class ConverterErrorTest(unittest.TestCase):
    """Mismatched checkpoints, on a small official-format config (the
    converter never looks at sizes). In-process but for one CLI run: each
    process pays for importing torch."""

    h = dict(OFFICIAL["16k_320d"], upsample_rates=[2, 2], upsample_kernel_sizes=[4, 4],
             upsample_initial_channel=16, resblock_kernel_sizes=[3],
             resblock_dilation_sizes=[[1, 3, 5]], n_codes=8)

    @classmethod
    def setUpClass(cls):
        cls.converter = load_converter()
        cls.dir = tempfile.TemporaryDirectory()
        cls.config = os.path.join(cls.dir.name, "config.json")
        with open(cls.config, "w") as f:
            json.dump(cls.h, f)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def _checkpoint(self, edit):
        model = random_model(from_academicodec(self.h), seed=0, scaled=False)
        ckpt = {p: getattr(model, p).state_dict() for p in ("encoder", "quantizer", "generator")}
        edit(ckpt)
        path = os.path.join(self.dir.name, "ckpt")
        torch.save(ckpt, path)
        return path

    def _out(self):
        path = os.path.join(self.dir.name, "out.safetensors")
        if os.path.exists(path):
            os.remove(path)
        return path

    def test_good(self):
        out = self._out()
        self.converter.convert(self.config, self._checkpoint(lambda c: None), out, "f16", "x")
        self.assertEqual(load_model_file(out).config.name, "x")

    def test_mismatches_are_one_line_errors(self):
        def missing(ckpt):
            del ckpt["generator"]["conv_post.bias"]

        def shape(ckpt):
            ckpt["encoder"]["ups.0.weight_v"] = torch.zeros(1, 2, 3)

        def extra(ckpt):
            ckpt["quantizer"]["quantizer_modules3.0.embedding.weight"] = torch.zeros(8, 256)

        def no_part(ckpt):
            del ckpt["encoder"]

        for edit in (missing, shape, extra, no_part):
            with self.subTest(edit=edit.__name__):
                out = self._out()
                with self.assertRaises(ValueError) as e:
                    self.converter.convert(self.config, self._checkpoint(edit), out, "f32", None)
                self.assertNotIn("\n", str(e.exception))
                self.assertFalse(os.path.exists(out))

    def test_cli_exit_status(self):
        out = self._out()
        r = run_converter("--config", self.config, "--checkpoint",
                          self._checkpoint(lambda c: c["encoder"].popitem()), "-o", out)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
