"""safetensors_io: F32/F16 round trips, the header layout models/FORMAT.md
fixes (u64 LE length, 8-byte aligned, __metadata__), rejection of
malformed files, and files written whole or not at all."""

import json
import os
import struct
import tempfile
import unittest

import numpy as np

from hificodec_torch import safetensors_io as st
from hificodec_torch.atomic_file import write_atomic


def _tensors(dtype):
    rng = np.random.default_rng(5)
    return {
        "b.weight": rng.standard_normal((3, 2, 5)).astype(dtype),
        "a.bias": rng.standard_normal(7).astype(dtype),
        "scalar_row": rng.standard_normal((1, 1)).astype(dtype),
    }


class SafetensorsTest(unittest.TestCase):
    def test_round_trip(self):
        for dtype, name in ((np.float32, "F32"), (np.float16, "F16")):
            with self.subTest(dtype=name):
                tensors = _tensors(dtype)
                meta = {"hificodec_config": json.dumps({"x": 1})}
                data = st.encode(tensors, meta)
                back, back_meta = st.decode(data)
                self.assertEqual(back_meta, meta)
                self.assertEqual(set(back), set(tensors))
                for k, v in tensors.items():
                    self.assertEqual(back[k].dtype, np.dtype(dtype))
                    np.testing.assert_array_equal(back[k], v)
                n = struct.unpack_from("<Q", data)[0]
                self.assertEqual(n % 8, 0)
                header = json.loads(data[8:8 + n])
                self.assertEqual(header["b.weight"]["dtype"], name)
                self.assertEqual(header["b.weight"]["shape"], [3, 2, 5])

    def test_big_endian_input_is_written_little_endian(self):
        a = np.arange(6, dtype=">f4").reshape(2, 3)
        back, _ = st.decode(st.encode({"a": a}, {}))
        np.testing.assert_array_equal(back["a"], a)
        self.assertEqual(back["a"].dtype, np.dtype("<f4"))

    def test_write_is_whole_or_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.safetensors")
            st.write(path, _tensors(np.float32), {"k": "v"})
            old = open(path, "rb").read()
            self.assertEqual(os.listdir(tmp), ["m.safetensors"])

            def fail_midway(f):
                f.write(b"half a file")
                raise OSError("disk full")
            with self.assertRaisesRegex(OSError, "disk full"):
                write_atomic(path, fail_midway)
            # The old file is untouched and no temporary file is left.
            self.assertEqual(open(path, "rb").read(), old)
            self.assertEqual(os.listdir(tmp), ["m.safetensors"])
            st.write(path, _tensors(np.float16), {})
            back, meta = st.read(path)
            self.assertEqual(back["a.bias"].dtype, np.float16)
            self.assertEqual(meta, {})
            self.assertEqual(os.listdir(tmp), ["m.safetensors"])

    def test_rejects_unsupported_dtype(self):
        with self.assertRaises(ValueError):
            st.encode({"a": np.zeros(3, np.float64)}, {})

    def _corrupt(self, edit):
        data = st.encode(_tensors(np.float32), {})
        n = struct.unpack_from("<Q", data)[0]
        header = json.loads(data[8:8 + n])
        edit(header)
        text = json.dumps(header).encode()
        return struct.pack("<Q", len(text)) + text + data[8 + n:]

    def test_rejects_malformed(self):
        good = st.encode(_tensors(np.float32), {})

        def overlap(h):
            h["b.weight"]["data_offsets"] = h["a.bias"]["data_offsets"][:1] + [
                h["a.bias"]["data_offsets"][0] + 120]

        def wrong_size(h):
            h["a.bias"]["shape"] = [8]

        def outside(h):
            h["a.bias"]["data_offsets"][1] += 10_000

        def dtype(h):
            h["a.bias"]["dtype"] = "I64"

        cases = {
            "short": good[:5],
            "header too long": struct.pack("<Q", len(good)) + good[8:],
            "bad json": struct.pack("<Q", 3) + b"{x}",
            "overlap": self._corrupt(overlap),
            "wrong size": self._corrupt(wrong_size),
            "outside": self._corrupt(outside),
            "dtype": self._corrupt(dtype),
        }
        for what, data in cases.items():
            with self.subTest(what=what), self.assertRaises(ValueError):
                st.decode(data)


if __name__ == "__main__":
    unittest.main()
