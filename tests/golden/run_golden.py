#!/usr/bin/python3
"""Golden test driver: writes a random-weight model and the PyTorch twin's outputs
for one config into a temporary directory, then runs the C checker on it.

Usage: run_golden.py CHECKER --config NAME --seconds S --seed N [--dtype f32|f16]
                     [--cpu PATH]
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, '..', '..', 'tools')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('checker')
    ap.add_argument('--config', required=True)
    ap.add_argument('--seconds', type=float, required=True)
    ap.add_argument('--seed', type=int, required=True)
    ap.add_argument('--dtype', default='f32')
    ap.add_argument('--cpu', default=None)
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=os.path.abspath(TOOLS))
    with tempfile.TemporaryDirectory(prefix='hfc-golden-') as out:
        gen = [sys.executable, '-m', 'hificodec_torch.golden', '--config', args.config,
               '--seed', str(args.seed), '--seconds', str(args.seconds),
               '--dtype', args.dtype, '--out', out]
        print('+', ' '.join(gen), flush=True)
        subprocess.run(gen, env=env, check=True)
        check = [args.checker, out] + (['--cpu', args.cpu] if args.cpu else [])
        print('+', ' '.join(check), flush=True)
        return subprocess.run(check).returncode


if __name__ == '__main__':
    sys.exit(main())
