#!/usr/bin/python3
"""Writes the seed corpus of fuzz_model_load: a micro model (4 KB, every layer kind,
GroupNorm, two quantizer layers) in f16 and f32, a causal one, a causal one with the
istft decoder head, and damaged copies.
Run from the repository root: tests/model/make_fuzz_corpus.py"""
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'corpus')

MICRO = {
    "format_version": 1, "name": "micro", "sample_rate": 1000, "hop": 4, "latent_dim": 4,
    "causal": False, "resblock": "2", "lrelu_slope": 0.1, "encoder_final_slope": 0.01,
    "encoder": {"channels": [2, 2, 4], "pre_kernel": 3, "strides": [2, 2], "kernels": [4, 4],
                "resblock_kernels": [3], "resblock_dilations": [[1]], "post_kernel": 3,
                "norm": "group", "norm_channels_per_group": 2, "norm_eps": 1e-6},
    "quantizer": {"groups": 2, "layers": 2, "codebook_size": 2},
    "decoder": {"channels": [4, 2, 2], "pre_kernel": 3, "strides": [2, 2], "kernels": [4, 4],
                "resblock_kernels": [3], "resblock_dilations": [[1]], "post_kernel": 3},
}


def export(config, dtype, path):
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        json.dump(config, f)
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, '..', '..', 'tools'))
    subprocess.run([sys.executable, '-m', 'hificodec_torch.export', '--config', f.name,
                    '--seed', '1', '--dtype', dtype, '-o', path], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    os.unlink(f.name)
    with open(path, 'rb') as f:
        return f.read()


def main():
    os.makedirs(OUT, exist_ok=True)
    f16 = export(MICRO, 'f16', os.path.join(OUT, 'micro-f16.safetensors'))
    export(MICRO, 'f32', os.path.join(OUT, 'micro-f32.safetensors'))
    causal = dict(MICRO, causal=True, resblock="1", name="micro-causal")
    causal["encoder"] = dict(MICRO["encoder"], norm="none")
    export(causal, 'f16', os.path.join(OUT, 'micro-causal.safetensors'))
    # One decoder stage to half the hop, then an 8-point inverse STFT at hop 2.
    istft = dict(causal, name="micro-istft")
    istft["decoder"] = dict(MICRO["decoder"], channels=[4, 2], strides=[2], kernels=[4],
                            head="istft", head_n_fft=8)
    export(istft, 'f16', os.path.join(OUT, 'micro-istft.safetensors'))
    n = struct.unpack('<Q', f16[:8])[0]
    damaged = {
        'truncated-header': f16[:8 + n // 2],
        'truncated-data': f16[:len(f16) - 3],
        'header-length-huge': struct.pack('<Q', 1 << 40) + f16[8:],
        'empty-header': struct.pack('<Q', 2) + b'{}',
        'not-json': struct.pack('<Q', 5) + b'{"a":',
    }
    for name, data in damaged.items():
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
