#!/usr/bin/python3
"""Cross-check of the C STOI, ESTOI and log-mel distance against the independent
NumPy references in stoi_reference.py and logmel_reference.py, on real speech
from shared/data/speech/valid degraded by white noise and by Opus.

    crosscheck.py METRICS_CROSSCHECK_TOOL DATA_DIR [MAX_SECONDS]

Exit 0: all within tolerance; 1: a mismatch; 77 (meson's skip): no data or no
NumPy.

Tolerance: 1e-3 absolute for STOI and ESTOI (a tenth of the smallest difference
worth reporting, and the tolerance pystoi uses against MATLAB); 1e-4 for the
log-mel distance (both styles). The C side uses a single-precision FFT and float resampler
output, the reference double precision throughout; the measured differences are
near 1e-6.
"""

import os
import subprocess
import sys
import tempfile

TOL_STOI = 1e-3
TOL_LOGMEL = 1e-4

# One file per source in valid/ (sorted order, first of each folder): read speech,
# meeting speech with overlaps, a studio voice and a short wake-word clip.
SOURCES = ("librispeech", "ami", "vctk", "precise")


def pick_files(valid_dir):
    files = []
    for source in SOURCES:
        folder = os.path.join(valid_dir, source)
        if os.path.isdir(folder):
            names = sorted(n for n in os.listdir(folder) if n.endswith(".flac"))
            if names:
                files.append(os.path.join(folder, names[0]))
    return files


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    tool, data_dir = os.path.abspath(sys.argv[1]), sys.argv[2]
    max_seconds = sys.argv[3] if len(sys.argv) > 3 else "10"
    valid_dir = os.path.join(data_dir, "speech", "valid")
    if not os.path.isdir(valid_dir):
        print(f"SKIP: {valid_dir} not found (shared data absent)")
        return 77
    try:
        import numpy as np
    except ImportError:
        print("SKIP: NumPy is not installed for", sys.executable)
        return 77
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import logmel_reference
    import stoi_reference

    files = pick_files(valid_dir)
    if not files:
        print(f"SKIP: no .flac files under {valid_dir}")
        return 77
    with tempfile.TemporaryDirectory(prefix="hfc-crosscheck-") as tmp:
        proc = subprocess.run([tool, tmp, max_seconds] + files, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            print(f"FAIL: {tool} exited {proc.returncode}")
            return 1
        print("files:", ", ".join(os.path.relpath(f, data_dir) for f in files))
        print(f"{'case':<22} {'rate':>6} {'STOI C':>9} {'STOI ref':>9} {'ESTOI C':>9} "
              f"{'ESTOI ref':>9} {'logmel C':>9} {'logmel ref':>10} {'torchaudio-style C/ref':>21}"
              "  max|diff|")
        worst = {"stoi": 0.0, "estoi": 0.0, "logmel": 0.0}
        failed = False
        for line in proc.stdout.splitlines():
            name, rate, c_stoi, c_estoi, c_mel, c_mel_ta, ref_path, deg_path = line.split("\t")
            rate = int(rate)
            x = np.fromfile(ref_path, dtype=np.float32).astype(np.float64)
            y = np.fromfile(deg_path, dtype=np.float32).astype(np.float64)
            r_stoi = stoi_reference.stoi(x, y, rate)
            r_estoi = stoi_reference.stoi(x, y, rate, extended=True)
            r_mel = logmel_reference.logmel_distance(x, y, rate)
            r_mel_ta = logmel_reference.logmel_distance(x, y, rate, style="torchaudio")
            d = {"stoi": abs(float(c_stoi) - r_stoi), "estoi": abs(float(c_estoi) - r_estoi),
                 "logmel": max(abs(float(c_mel) - r_mel), abs(float(c_mel_ta) - r_mel_ta))}
            for k in d:
                worst[k] = max(worst[k], d[k])
            bad = d["stoi"] > TOL_STOI or d["estoi"] > TOL_STOI or d["logmel"] > TOL_LOGMEL
            failed |= bad
            print(f"{name:<22} {rate:>6} {float(c_stoi):9.6f} {r_stoi:9.6f} {float(c_estoi):9.6f} "
                  f"{r_estoi:9.6f} {float(c_mel):9.6f} {r_mel:10.6f} "
                  f"{float(c_mel_ta):10.6f} {r_mel_ta:10.6f}  {max(d.values()):.2e}"
                  + ("  MISMATCH" if bad else ""))
    print(f"largest differences: STOI {worst['stoi']:.2e}, ESTOI {worst['estoi']:.2e} "
          f"(tolerance {TOL_STOI:g}); log-mel {worst['logmel']:.2e} (tolerance {TOL_LOGMEL:g})")
    if failed:
        print("FAIL: C metrics differ from the reference")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
