#!/usr/bin/python3
"""PyTorch's speed on a hificodec model file: the baseline `hificodec bench`
is compared with (tools/bench-compare runs both).

    PYTHONPATH=tools /usr/bin/python3 tools/bench_torch.py -m MODEL [--threads N]
        [--seconds S] [--repeat R] [--clock wall|cpu] [AUDIO.wav]

Loads MODEL with tools/hificodec_torch (export.load_model_file, plain convs holding
the file's weights), then times encode (audio -> codes) and decode (codes -> audio)
in inference mode, best of R runs, for 1..N threads (torch.set_num_threads).
Without AUDIO it uses the synthetic signal `hificodec bench` makes (same formula,
same samples). Prints a table and "result KEY VALUE" lines like the C bench.
--clock cpu times the one-thread runs in the thread's CPU time (as `hificodec bench
--clock cpu`): with one intra-op thread PyTorch computes on the calling thread."""

import argparse
import math
import os
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hificodec_torch.export import load_model_file  # noqa: E402
from hificodec_torch.flops import cost  # noqa: E402


def synthetic_signal(n: int, rate: int) -> np.ndarray:
    """The C bench's signal (cmd_bench.c synthetic_signal): three harmonics, a 3 Hz
    envelope and noise from the same 31-bit LCG."""
    lcg = np.empty(n, dtype=np.float64)
    state = 1
    for i in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        lcg[i] = state
    t = np.arange(n, dtype=np.float64) / rate
    two_pi = 6.283185307179586
    tone = (0.3 * np.sin(two_pi * 150.0 * t) + 0.15 * np.sin(two_pi * 450.0 * t)
            + 0.05 * np.sin(two_pi * 1250.0 * t))
    noise = lcg / 1073741824.0 - 1.0
    return (tone * (0.5 + 0.5 * np.sin(two_pi * 3.0 * t)) + 0.01 * noise).astype(np.float32)


def read_wav(path: str, rate: int) -> np.ndarray:
    from scipy.io import wavfile
    file_rate, data = wavfile.read(path)
    if file_rate != rate:
        raise SystemExit(f"{path}: {file_rate} Hz, the model wants {rate} Hz")
    if data.ndim > 1:
        data = data.mean(axis=1)
    if data.dtype == np.int16:
        return (data / 32768.0).astype(np.float32)
    return data.astype(np.float32)


def best_time(fn, repeat: int, clock=time.perf_counter):
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = clock()
        out = fn()
        best = min(best, clock() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-m", "--model", required=True)
    ap.add_argument("--threads", type=int, default=0, help="most threads (0 = all cores)")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("audio", nargs="?")
    args = ap.parse_args()

    model = load_model_file(args.model, weight_norm=False).eval()
    cfg = model.config
    c = cost(cfg)
    pcm = (read_wav(args.audio, cfg.sample_rate) if args.audio
           else synthetic_signal(args.seconds * cfg.sample_rate, cfg.sample_rate))
    audio_s = len(pcm) / cfg.sample_rate
    wav = torch.from_numpy(pcm).unsqueeze(0)
    max_threads = args.threads or len(os.sched_getaffinity(0))
    print(f"model: {cfg.name}; torch {torch.__version__}; audio {audio_s:.2f} s")
    print(f"  {'threads':>7} {'encode s':>10} {'RTF':>9} {'GFLOP/s':>9} "
          f"{'decode s':>10} {'RTF':>9} {'GFLOP/s':>9}")
    with torch.inference_mode():
        for threads in range(1, max_threads + 1):
            torch.set_num_threads(threads)
            model.encode(wav[:, : cfg.hop * 4])  # warm up: oneDNN picks its kernels
            clock = time.thread_time if args.clock == "cpu" and threads == 1 else time.perf_counter
            enc_s, codes = best_time(lambda: model.encode(wav), args.repeat, clock)
            dec_s, _ = best_time(lambda: model.decode(codes), args.repeat, clock)
            enc_gf = c.encode_macs_per_s * 2e-9 * audio_s / enc_s
            dec_gf = c.decode_macs_per_s * 2e-9 * audio_s / dec_s
            print(f"  {threads:7d} {enc_s:10.3f} {audio_s / enc_s:8.1f}x {enc_gf:9.1f} "
                  f"{dec_s:10.3f} {audio_s / dec_s:8.1f}x {dec_gf:9.1f}")
            print(f"result encode_s_{threads}t {enc_s:.6f}")
            print(f"result decode_s_{threads}t {dec_s:.6f}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"peak RSS: {rss_mb:.1f} MB")
    print(f"result peak_rss_mb {rss_mb:.1f}")
    print(f"result audio_s {audio_s:.3f}")


if __name__ == "__main__":
    main()
