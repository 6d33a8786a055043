#!/usr/bin/python3
"""The reduced formats' accuracy bar on the eval corpus: tools/eval-corpus on the
shared valid/ speech with HFC_PRECISION=fp32 and then each reduced format this CPU
runs (bf16, int8); the mean STOI and log-mel distance of each must be within 0.005
of fp32's. Exits 77 (skipped) without the speech data.

usage: eval_bar.py HIFICODEC MODEL DATA_DIR"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.join(HERE, '..', '..', 'tools', 'eval-corpus')
MAX_CHANGE = 0.005


def scores(hificodec, model, corpus, precision):
    env = dict(os.environ, HFC_PRECISION=precision)
    out = subprocess.run([EVAL, '--opus-kbps', '', '-j', '2', '--hificodec', hificodec,
                          '--model', model, corpus], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    row = [line for line in out.splitlines() if line.startswith('| hificodec')][-1]
    cells = [c.strip() for c in row.strip('|').split('|')]
    return float(cells[2]), float(cells[4])  # STOI, log-mel


def runs(hificodec, model, precision):
    out = subprocess.run([hificodec, 'info', model], env=dict(os.environ, HFC_PRECISION=precision),
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return re.search(r'^precision: (\S+)', out, re.MULTILINE).group(1) == precision


def main():
    hificodec, model, data = sys.argv[1:4]
    corpus = os.path.join(data, 'speech', 'valid')
    if not os.path.isdir(corpus):
        print('eval_bar: %s missing: skipped' % corpus)
        return 77
    stoi32, logmel32 = scores(hificodec, model, corpus, 'fp32')
    print('fp32: STOI %.4f, log-mel %.4f' % (stoi32, logmel32))
    failed = measured = 0
    for precision in ['bf16', 'int8']:
        if not runs(hificodec, model, precision):
            print('%s: no kernels on this CPU, not measured' % precision)
            continue
        stoi, logmel = scores(hificodec, model, corpus, precision)
        ok = abs(stoi - stoi32) <= MAX_CHANGE and abs(logmel - logmel32) <= MAX_CHANGE
        print('%s: STOI %.4f (%+.4f), log-mel %.4f (%+.4f): %s' % (
            precision, stoi, stoi - stoi32, logmel, logmel - logmel32,
            'within 0.005' if ok else 'NOT within 0.005'))
        failed += not ok
        measured += 1
    return 1 if failed else 0 if measured else 77


if __name__ == '__main__':
    sys.exit(main())
