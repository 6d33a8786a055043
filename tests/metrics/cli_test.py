#!/usr/bin/python3
"""End-to-end test of `hificodec opus`, `hificodec eval` and tools/eval-corpus.

    cli_test.py HIFICODEC_BINARY EVAL_CORPUS_SCRIPT

Standard library only: the input is a synthetic speech-like WAV (harmonics with
a syllable-rate envelope and pauses) written with the wave module.
"""

import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import wave

RATE = 16000


def write_speechlike(path, seconds, seed):
    rnd = random.Random(seed)
    samples = []
    while len(samples) < seconds * RATE:
        n = int((0.15 + 0.2 * rnd.random()) * RATE)
        f0 = 100 + 100 * rnd.random()
        formant = 500 + 1500 * rnd.random()
        for i in range(n):
            env = 0.5 - 0.5 * math.cos(2 * math.pi * i / n)
            t = i / RATE
            s = sum(math.exp(-((h * f0 - formant) / 400.0) ** 2)
                    * math.sin(2 * math.pi * h * f0 * t) for h in range(1, 30))
            samples.append(0.25 * env * s)
        samples.extend([0.0] * int((0.05 + 0.1 * rnd.random()) * RATE))
    samples = samples[:seconds * RATE]
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", max(-32768, min(32767, int(v * 32767))))
                               for v in samples))


def run(cmd, expect_rc):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != expect_rc:
        raise AssertionError(f"{' '.join(cmd)}: exit {proc.returncode}, expected {expect_rc}\n"
                             f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


def main():
    binary, eval_corpus = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="hfc-cli-metrics-") as tmp:
        corpus = os.path.join(tmp, "corpus", "sub")
        os.makedirs(corpus)
        ref = os.path.join(corpus, "a.wav")
        write_speechlike(ref, 3, 1)
        write_speechlike(os.path.join(tmp, "corpus", "b.wav"), 2, 2)
        out = os.path.join(tmp, "opus12k.wav")

        run([binary, "opus", "--bitrate", "12k", ref, out], 0)
        with wave.open(ref) as a, wave.open(out) as b:
            assert b.getframerate() == RATE and b.getnframes() == a.getnframes(), \
                "opus output must keep the input's length at 16 kHz"

        r = json.loads(run([binary, "eval", "--json", ref, out], 0).stdout)
        for key in ("delay_ms", "stoi", "estoi", "logmel_distance", "si_sdr_db", "n_samples"):
            assert key in r, f"eval --json lacks {key}"
        # The baseline compensates Opus's look-ahead: at most a sample of
        # correlation wobble.
        assert abs(r["delay_samples"]) <= 1, f"opus output not aligned: {r['delay_samples']}"
        assert r["aligned_by"] == "waveform", r
        assert r["stoi"] > 0.7 and r["estoi"] > 0.5, r
        assert 0.0 < r["logmel_distance"] < 1.0, r

        same = json.loads(run([binary, "eval", "--json", ref, ref], 0).stdout)
        assert abs(same["stoi"] - 1.0) < 1e-6 and same["logmel_distance"] == 0.0, same
        assert same["level_db"] == 0.0, same

        # A known delay: 37 samples of silence in front of the reference.
        delayed = os.path.join(tmp, "delayed.wav")
        with wave.open(ref) as a:
            frames = a.readframes(a.getnframes())
        with wave.open(delayed, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(b"\0\0" * 37 + frames)
        d = json.loads(run([binary, "eval", "--json", ref, delayed], 0).stdout)
        assert d["delay_samples"] == 37 and abs(d["stoi"] - 1.0) < 1e-6, d

        table = run([binary, "eval", "--logmel-style", "torchaudio", ref, out], 0).stdout
        assert "STOI" in table and "torchaudio" in table, table

        # Errors: one line on stderr, exit 1 for unusable input, 2 for usage.
        p = run([binary, "eval", ref, os.path.join(tmp, "missing.wav")], 1)
        assert p.stderr.count("\n") == 1, p.stderr
        run([binary, "eval", ref], 2)
        run([binary, "eval", "--rate", "7", ref, out], 2)
        run([binary, "opus", ref, out], 2)
        run([binary, "opus", "--bitrate", "1", ref, out], 2)
        run([binary, "opus", "--bitrate", "8000", os.path.join(tmp, "missing.wav"), out], 1)
        assert "Usage: hificodec eval" in run([binary, "eval", "--help"], 0).stdout
        assert "Usage: hificodec opus" in run([binary, "opus", "--help"], 0).stdout

        table = run([sys.executable, eval_corpus, "--hificodec", binary, "--no-hificodec",
                     "--opus-kbps", "8,12,6auto", "-j", "2", os.path.join(tmp, "corpus")], 0).stdout
        rows = [line for line in table.splitlines() if line.startswith("| Opus")]
        assert len(rows) == 3 and all("| 2 |" in row for row in rows), table
        assert "| Opus 6 kbps, its own bandwidth |" in table, table
        assert "level (dB)" in table, table

        # --by-source: one row per first folder ("." for files at the top), and
        # Codec 2 rows where Debian's codec2 and sox are installed.
        codec2 = all(shutil.which(t) for t in ("c2enc", "c2dec", "sox"))
        cmd = [sys.executable, eval_corpus, "--hificodec", binary, "--no-hificodec",
               "--opus-kbps", "12", "--by-source", os.path.join(tmp, "corpus")]
        table = run(cmd + (["--codec2", "3200"] if codec2 else []), 0).stdout
        by_source = table.split("By source")[1].splitlines()
        assert any(line.startswith("| . | 1 |") for line in by_source), table
        assert any(line.startswith("| sub | 1 |") for line in by_source), table
        if codec2:
            row = next(line for line in table.splitlines() if line.startswith("| Codec 2 3200"))
            stoi = float(row.split("|")[3])
            assert 0.5 < stoi < 1.0, table  # narrowband, but speech-like input survives
        else:
            print("Codec 2 rows not checked: c2enc, c2dec or sox not on PATH "
                  "(Debian: codec2, sox)")
        run([sys.executable, eval_corpus, "--hificodec", binary, "--codec2", "9999", tmp], 2)
    print("cli metrics checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
