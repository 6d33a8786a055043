"""Shared plumbing of the hificodec CLI tests (run by meson with /usr/bin/python3).

Each test script is called as  SCRIPT HIFICODEC CLI_FIXTURE  with the environment
HFC_TEST_DATA (shared/data) and PYTHONPATH (tools/, for hificodec_torch) set by
tests/cli/meson.build. Exit status 77 tells meson the test was skipped.
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np

SKIP = 77

HFC_HEADER_BYTES = 44
HFC_UNKNOWN_FRAMES = 0xFFFFFFFFFFFFFFFF


def skip(why):
    print('SKIP: ' + why)
    sys.exit(SKIP)


class Failures:
    """Collects failed checks so one run reports all of them."""

    def __init__(self):
        self.count = 0

    def check(self, condition, what):
        if not condition:
            self.count += 1
            print('FAIL: ' + what, flush=True)
        return condition

    def finish(self, name):
        if self.count:
            print('%s: %d checks failed' % (name, self.count))
            sys.exit(1)
        print('%s: all checks passed' % name)
        sys.exit(0)


class Cli:
    def __init__(self, argv):
        if len(argv) < 3:
            sys.exit('usage: %s HIFICODEC CLI_FIXTURE' % argv[0])
        self.exe = argv[1]
        self.fixture = argv[2]
        self.tmp = tempfile.TemporaryDirectory(prefix='hfc-cli-')
        self.dir = self.tmp.name
        # Tests pass -m or set HFC_MODEL themselves; never pick up the caller's.
        self.env = {k: v for k, v in os.environ.items() if k != 'HFC_MODEL'}

    def path(self, name):
        return os.path.join(self.dir, name)

    def run(self, *args, stdin=None, env=None):
        """Runs hificodec; returns (exit status, stdout bytes, stderr text)."""
        result = subprocess.run([self.exe] + [str(a) for a in args], input=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env if env is not None else self.env, timeout=300)
        return result.returncode, result.stdout, result.stderr.decode('utf-8', 'replace')

    def ok(self, failures, *args, stdin=None, env=None):
        """Runs hificodec and checks it succeeded; returns stdout."""
        status, out, err = self.run(*args, stdin=stdin, env=env)
        failures.check(status == 0, 'hificodec %s: exit %d, stderr %r' % (
            ' '.join(str(a) for a in args), status, err))
        return out

    def fails(self, failures, must_mention, *args, stdin=None, env=None, exit_status=None):
        """Runs hificodec and checks for a one-line "hificodec: ..." error and a
        non-zero exit (exit_status when given)."""
        status, _, err = self.run(*args, stdin=stdin, env=env)
        label = 'hificodec %s' % ' '.join(str(a) for a in args)
        failures.check(status != 0, '%s: should fail, exit 0' % label)
        if exit_status is not None:
            failures.check(status == exit_status, '%s: exit %d, expected %d' % (
                label, status, exit_status))
        lines = err.splitlines()
        failures.check(len(lines) == 1 and lines[0].startswith('hificodec: '),
                       '%s: stderr should be one "hificodec: " line, got %r' % (label, err))
        if must_mention is not None:
            failures.check(must_mention.lower() in err.lower(),
                           '%s: stderr %r should mention %r' % (label, err, must_mention))
        return err

    def fixture_frames(self, model, audio):
        out = subprocess.run([self.fixture, 'frames', model, audio], check=True,
                             stdout=subprocess.PIPE).stdout.decode()
        n_samples, n_frames = out.split()
        return int(n_samples), int(n_frames)

    def fixture_stereo(self, audio_in, flac_out, rate_hz):
        subprocess.run([self.fixture, 'stereo', audio_in, flac_out, str(rate_hz)], check=True)


def make_model(cli, config='causal', seed=1, name=None):
    """Exports a random model with the PyTorch twin; skips the test without it.
    --scaled: a plain random init collapses speech onto one or two codes per
    codebook, which would hide any bug that changes the audio only a little."""
    try:
        import hificodec_torch.export  # noqa: F401
    except ImportError as error:
        skip('the PyTorch twin (tools/hificodec_torch) is not importable: %s' % error)
    path = cli.path(name or '%s-%d.safetensors' % (config, seed))
    subprocess.run([sys.executable, '-m', 'hificodec_torch.export', '--config', config,
                    '--seed', str(seed), '--scaled', '-o', path], check=True,
                   stdout=subprocess.DEVNULL, env=cli.env)
    return path


def speech_files(count, max_seconds=8.0):
    """`count` files of shared/data/speech/valid no longer than max_seconds (the
    tests run the codec many times), taken in turn from its sub-corpora so that
    different speakers and recordings are covered. Skips the test without them."""
    root = os.path.join(os.environ.get('HFC_TEST_DATA', ''), 'speech')
    manifest = os.path.join(root, 'manifest.tsv')
    if not os.path.isfile(manifest):
        skip('no speech data at %s (shared/data is not checked out here)' % root)
    by_corpus = {}
    with open(manifest, encoding='utf-8') as file:
        for line in file.read().splitlines()[1:]:
            path, seconds = line.split('\t')[:2]
            if path.startswith('valid/') and float(seconds) <= max_seconds:
                by_corpus.setdefault(path.split('/')[1], []).append(os.path.join(root, path))
    queues = [sorted(files) for _, files in sorted(by_corpus.items())]
    chosen = []
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    chosen = [path for path in chosen if os.path.isfile(path)]
    if len(chosen) < count:
        skip('fewer than %d short speech files in %s' % (count, root))
    return chosen


# ---- the .hfc format, written from TOKENS.md independently of the C code ----

def hfc_parse(data):
    """Returns (header dict, tokens [frames, codebooks]) of a .hfc file."""
    (magic, version, flags, model_id, rate, hop, codebook_size, n_codebooks, bits, reserved,
     n_frames, crc) = struct.unpack('<4sHHQIIIHBBQI', data[:HFC_HEADER_BYTES])
    assert magic == b'HFCT' and version == 1 and flags == 0 and reserved == 0
    assert crc == zlib.crc32(data[:40]), 'header CRC'
    assert bits == max(1, (codebook_size - 1).bit_length())
    payload = np.unpackbits(np.frombuffer(data[HFC_HEADER_BYTES:], dtype=np.uint8))
    frame_bits = n_codebooks * bits
    frames = n_frames if n_frames != HFC_UNKNOWN_FRAMES else len(payload) // frame_bits
    used = payload[:frames * frame_bits].reshape(frames * n_codebooks, bits)
    tokens = used.dot(1 << np.arange(bits - 1, -1, -1)).reshape(frames, n_codebooks)
    header = dict(model_id=model_id, rate=rate, hop=hop, codebook_size=codebook_size,
                  n_codebooks=n_codebooks, bits=bits, n_frames=n_frames)
    return header, tokens


def hfc_reseal(header40):
    """A 44-byte header: the 40 bytes given plus their CRC-32."""
    return header40[:40] + struct.pack('<I', zlib.crc32(header40[:40]))


# ---- WAV, read and written by hand (Python's wave module has no float) ----

def wav_read(data):
    """Returns (rate, format tag, samples as float64 in [-1, 1)) of a mono WAV."""
    assert data[:4] == b'RIFF' and data[8:12] == b'WAVE'
    position, tag, rate, bits, samples = 12, None, None, None, None
    while position + 8 <= len(data):
        chunk, size = struct.unpack('<4sI', data[position:position + 8])
        body = data[position + 8:position + 8 + size]
        if chunk == b'fmt ':
            tag, channels, rate, _, _, bits = struct.unpack('<HHIIHH', body[:16])
            if tag == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the real tag is in the GUID
                tag = struct.unpack('<H', body[24:26])[0]
            assert channels == 1
        elif chunk == b'data':
            if tag == 3:
                samples = np.frombuffer(body, dtype='<f4').astype(np.float64)
            else:
                assert tag == 1 and bits == 16
                samples = np.frombuffer(body, dtype='<i2') / 32768.0
        position += 8 + size + (size & 1)
    return rate, tag, samples


def wav_write(path, samples, rate, as_float=False):
    """Writes samples ([n] mono or [n, channels]) as 16-bit integer or 32-bit float."""
    samples = np.asarray(samples)
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    if as_float:
        body, tag, bits = samples.astype('<f4').tobytes(), 3, 32
    else:
        body, tag, bits = samples.astype('<i2').tobytes(), 1, 16
    block = channels * bits // 8
    fmt = struct.pack('<HHIIHH', tag, channels, rate, rate * block, block, bits)
    with open(path, 'wb') as file:
        file.write(b'RIFF' + struct.pack('<I', 4 + 8 + len(fmt) + 8 + len(body)) + b'WAVE')
        file.write(b'fmt ' + struct.pack('<I', len(fmt)) + fmt)
        file.write(b'data' + struct.pack('<I', len(body)) + body)
