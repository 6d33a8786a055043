"""Fixtures of the Python package tests (run by meson with Debian's python3 and
pytest; PYTHONPATH holds build/tools/python, HFC_CLI the hificodec binary built
beside the package, HFC_TEST_DATA shared/data). Real parts only: the shipped
model, real speech, the real CLI to compare with."""
import os
import shutil
import subprocess

import numpy as np
import pytest

import hificodec

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
SAMPLE = os.path.join(ROOT, 'models', 'samples', 'speech-librispeech-1183.flac')


@pytest.fixture(scope='session')
def model():
    return hificodec.Model()


@pytest.fixture(scope='session')
def cli():
    """Runs the hificodec CLI; returns its stderr. Raises on failure."""
    exe = os.environ.get('HFC_CLI')
    if not exe or not os.access(exe, os.X_OK):
        pytest.skip('HFC_CLI does not name the hificodec binary')

    def run(*args, check=True):
        result = subprocess.run([exe] + [str(a) for a in args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError('hificodec %s: exit %d: %s' % (
                ' '.join(map(str, args)), result.returncode, result.stderr.decode()))
        return result.returncode, result.stderr.decode()
    return run


@pytest.fixture(scope='session')
def sample():
    """The bundled speech sample: (float32 samples at 16 kHz, rate)."""
    return hificodec.load_audio(SAMPLE)


def speech_paths(count):
    """Up to `count` files of shared/data/speech/valid, short ones, from different
    recordings; skips without the data."""
    root = os.path.join(os.environ.get('HFC_TEST_DATA', os.path.join(ROOT, '..', 'shared',
                                                                     'data')), 'speech')
    manifest = os.path.join(root, 'manifest.tsv')
    if not os.path.isfile(manifest):
        pytest.skip('no speech data at %s (shared/data is not checked out here)' % root)
    rows = [line.split('\t')[:2] for line in open(manifest, encoding='utf-8').read().splitlines()[1:]]
    valid = sorted(path for path, seconds in rows
                   if path.startswith('valid/') and float(seconds) <= 5.0)
    chosen = valid[::max(1, len(valid) // count)][:count]
    return [os.path.join(root, path) for path in chosen]


@pytest.fixture(scope='session')
def speech():
    return speech_paths(6)


@pytest.fixture
def corpus(tmp_path, speech):
    """A small corpus folder: real speech in two subfolders and one corrupt file."""
    root = tmp_path / 'corpus'
    for i, path in enumerate(speech):
        folder = root / ('a' if i % 2 else 'b')
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / os.path.basename(path))
    data = open(speech[0], 'rb').read()
    (root / 'a' / 'corrupt.flac').write_bytes(data[:len(data) // 4])
    return root


def npy_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob('*.npy')
                  if not p.name.startswith('.'))
