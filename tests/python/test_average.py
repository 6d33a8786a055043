"""hificodec_torch.average (model soups): the mean of real model files, which
the C engine loads and runs, and a clear error with no output file for inputs
that cannot be averaged.

usage: test_average.py HIFICODEC_CLI"""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import soundfile

from hificodec_torch import average, safetensors_io
from hificodec_torch.config import load_config
from hificodec_torch.export import CONFIG_KEY, random_model, save_model_file

CLI = None


class AverageTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def model(self, name, config="causal", seed=0, dtype="f32"):
        p = self.path(name)
        save_model_file(random_model(load_config(config), seed, scaled=True), p, dtype)
        return p

    def assert_refused(self, inputs, message):
        out = self.path("out.safetensors")
        with self.assertRaisesRegex(average.AverageError, message):
            average.write_average(inputs, out)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(out + ".tmp"))

    def test_mean_of_three_runs_in_the_engine(self):
        ins = [self.model(f"m{i}.safetensors", seed=i) for i in range(3)]
        out = self.path("mean.safetensors")
        self.assertEqual(average.main(["-o", out] + ins), 0)
        got, meta = safetensors_io.read(out)
        parts = [safetensors_io.read(p)[0] for p in ins]
        self.assertEqual(meta[CONFIG_KEY], safetensors_io.read(ins[0])[1][CONFIG_KEY])
        self.assertEqual(set(got), set(parts[0]))
        for name, t in got.items():
            self.assertEqual(t.dtype, np.float32)
            want = (parts[0][name].astype(np.float64) + parts[1][name] + parts[2][name]) / 3
            np.testing.assert_allclose(t, want, rtol=1e-6, atol=1e-7, err_msg=name)
        # Not just one of the inputs.
        name = "generator.conv_post.weight"
        self.assertFalse(any(np.array_equal(got[name], p[name]) for p in parts))
        # The engine loads the mean and round-trips audio through it.
        wav = self.path("in.wav")
        rng = np.random.default_rng(3)
        pcm = (0.3 * np.sin(np.arange(16000) * 0.05) + 0.01 * rng.standard_normal(16000))
        soundfile.write(wav, pcm.astype(np.float32), 16000, subtype="FLOAT")
        dec = self.path("dec.wav")
        r = subprocess.run([CLI, "roundtrip", "-m", out, wav, dec], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        y, rate = soundfile.read(dec, dtype="float32")
        self.assertEqual(rate, 16000)
        self.assertGreater(len(y), 15000)
        self.assertTrue(np.isfinite(y).all())

    def test_a_file_with_itself_is_itself(self):
        a = self.model("a.safetensors", seed=4)
        out = self.path("same.safetensors")
        average.write_average([a, a], out)
        got, want = safetensors_io.read(out)[0], safetensors_io.read(a)[0]
        for name in want:
            np.testing.assert_array_equal(got[name], want[name])

    def test_f16_inputs_and_output(self):
        ins = [self.model(f"h{i}.safetensors", seed=i, dtype="f16") for i in range(2)]
        out = self.path("h.safetensors")
        average.write_average(ins, out, dtype="f16")
        got = safetensors_io.read(out)[0]
        a, b = (safetensors_io.read(p)[0] for p in ins)
        for name, t in got.items():
            self.assertEqual(t.dtype, np.float16)
            want = ((a[name].astype(np.float64) + b[name]) / 2).astype(np.float16)
            np.testing.assert_array_equal(t, want, err_msg=name)

    def test_inputs_that_cannot_be_averaged(self):
        a = self.model("a.safetensors", seed=1)
        b = self.model("b.safetensors", seed=2)
        tiny = self.model("tiny.safetensors", config="tiny")
        self.assert_refused([a], "at least two")
        self.assert_refused([a, tiny], "tiny.safetensors: its config differs")
        tensors, meta = safetensors_io.read(b)
        # The same config with a tensor missing, one of another shape, a NaN.
        for name, edit, message in (
                ("missing", lambda t: t.pop("generator.conv_post.bias"), "tensors differ"),
                ("reshaped", lambda t: t.update({"generator.conv_post.bias":
                                                 np.zeros(3, np.float32)}), "is \\(3,\\)"),
                ("nan", lambda t: t["generator.conv_post.bias"].fill(np.nan), "not finite")):
            t = {k: v.copy() for k, v in tensors.items()}
            edit(t)
            p = self.path(name + ".safetensors")
            safetensors_io.write(p, t, meta)
            self.assert_refused([a, p], message)
            os.remove(p)
        no_config = self.path("noconfig.safetensors")
        safetensors_io.write(no_config, tensors, {})
        self.assert_refused([a, no_config], "not a hificodec model file")
        bad_json = self.path("badjson.safetensors")
        safetensors_io.write(bad_json, tensors, {CONFIG_KEY: "{not json"})
        self.assert_refused([a, bad_json], "not JSON")
        truncated = self.path("truncated.safetensors")
        with open(b, "rb") as f:
            data = f.read()
        with open(truncated, "wb") as f:
            f.write(data[: len(data) // 2])
        self.assert_refused([a, truncated], "truncated.safetensors: safetensors:")
        self.assert_refused([a, self.path("absent.safetensors")], "absent.safetensors")

    def test_cli_error_is_one_line_and_exit_1(self):
        a = self.model("a.safetensors")
        tiny = self.model("tiny.safetensors", config="tiny")
        out = self.path("out.safetensors")
        r = subprocess.run([sys.executable, "-m", "hificodec_torch.average", "-o", out, a, tiny],
                           capture_output=True, text=True, env=dict(os.environ))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("config differs", r.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("usage: ")[1])
    CLI = sys.argv.pop(1)
    unittest.main()
