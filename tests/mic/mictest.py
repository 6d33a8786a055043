"""Shared plumbing of the live-audio tests (`hificodec stream` and `play`), run by
meson with /usr/bin/python3 as

    SCRIPT HIFICODEC MODEL HIFICODECD

with PYTHONPATH holding tests/mic and tests/cli (for clitest) and HFC_TEST_DATA
(shared/data). MODEL is a random causal model with scaled weights: its streaming
tokens equal the offline ones exactly. Exit status 77 tells meson the test was
skipped.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

from clitest import Failures, hfc_parse, skip, speech_files, wav_write  # noqa: F401

HOP = 320
RATE = 16000


class Mic:
    def __init__(self, argv):
        if len(argv) < 4:
            sys.exit('usage: %s HIFICODEC MODEL HIFICODECD' % argv[0])
        self.exe, self.model, self.daemon_exe = argv[1], argv[2], argv[3]
        self.tmp = tempfile.TemporaryDirectory(prefix='hfc-mic-test-')
        self.dir = self.tmp.name
        self.env = {k: v for k, v in os.environ.items() if k != 'HFC_MODEL'}

    def path(self, name):
        return os.path.join(self.dir, name)

    def run(self, *args, env=None, timeout=60, stdin=None):
        """Runs hificodec to the end: (exit status, stdout bytes, stderr text)."""
        result = subprocess.run([self.exe] + [str(a) for a in args], input=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env if env is not None else self.env, timeout=timeout)
        return result.returncode, result.stdout, result.stderr.decode('utf-8', 'replace')

    def start(self, *args, env=None, stdin=None):
        """Starts hificodec; the caller signals and waits."""
        return subprocess.Popen([self.exe] + [str(a) for a in args], env=env,
                                stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def speech_clip(self, seconds):
        """Real speech at the model's rate, and clip.wav holding it as 16-bit PCM
        (so the WAV and the "microphone" carry the same samples)."""
        clip = speech(seconds)
        wav = self.path('clip.wav')
        wav_write(wav, np.round(clip * 32768), RATE)
        return clip, wav

    def offline_tokens(self, failures, wav):
        """`hificodec encode` of a file: the reference tokens, [frames, codebooks]."""
        out = self.path('offline-%d.npy' % time.monotonic_ns())
        status, _, err = self.run('encode', '-m', self.model, wav, out)
        failures.check(status == 0, 'offline encode of %s: %s' % (wav, err))
        return np.load(out)

    def offline_audio(self, failures, tokens_path):
        """`hificodec decode` of a token file to float32 samples."""
        out = self.path('offline-%d.npy' % time.monotonic_ns())
        status, _, err = self.run('decode', '-m', self.model, tokens_path, out)
        failures.check(status == 0, 'offline decode of %s: %s' % (tokens_path, err))
        return np.load(out)


def speech(seconds, rate=RATE):
    """`seconds` of real speech as float32 at 16 kHz, from a 16-bit file of the
    shared corpus (so a 16-bit WAV of it round-trips exactly), resampled to `rate`
    by polyphase filtering when another rate is asked for."""
    import soundfile
    for path in speech_files(6, max_seconds=30.0):
        samples, file_rate = soundfile.read(path, dtype='int16')
        if file_rate == RATE and len(samples) >= seconds * RATE:
            clip = samples[:int(seconds * RATE)].astype(np.float32) / 32768.0
            if rate == RATE:
                return clip
            from scipy.signal import resample_poly
            from math import gcd
            g = gcd(rate, RATE)
            return resample_poly(clip, rate // g, RATE // g).astype(np.float32)
    skip('no 16 kHz speech file of %.1f s in the shared corpus' % seconds)


def display_lines(stderr, state=None):
    """The plain display's "hificodec: stream: state=... k=v" lines, as dicts."""
    lines = []
    for line in stderr.splitlines():
        if line.startswith('hificodec: stream: state='):
            fields = dict(item.split('=', 1) for item in line.split()[2:])
            if state is None or fields['state'] == state:
                lines.append(fields)
    return lines


def token_diff(tokens, reference):
    """Where live tokens part from the reference, for a failure message: shapes,
    how many frames differ and the first one (a slip in the capture shows as every
    frame differing from one point on)."""
    n = min(len(tokens), len(reference))
    differ = np.flatnonzero((tokens[:n] != reference[:n]).any(axis=1)) if n else []
    first = int(differ[0]) if len(differ) else -1
    return '%s vs %s, %d of the first %d frames differ, first at frame %d' % (
        tokens.shape, reference.shape, len(differ), n, first)


def capture_differs(tokens, reference, rig_report):
    """None when live tokens equal the offline encode; else where they part and
    the rig's timing, for a failure message or with_one_retry."""
    if tokens.shape == reference.shape and (tokens == reference).all():
        return None
    return '%s; %s' % (token_diff(tokens, reference), rig_report)


def with_one_retry(run_once, exact, what):
    """Runs a live capture; when exact(result) is false, says why and runs it once
    more, returning the second result. The ALSA file-plugin rig has twice given a
    capture that parted from the clip a second in, on a loaded CI machine, and
    nowhere else: stalls of the whole test, of hificodec alone and of the feeder
    alone reproduce nothing here. A codec that gets it wrong fails both runs."""
    result = run_once()
    why = exact(result)
    if why is None:
        return result
    print('NOTE: %s: the live capture parted from the clip (%s); running it once more'
          % (what, why), flush=True)
    return run_once()


def prefix_equal(tokens, reference):
    """The live stream may run past the reference clip (silence follows it): its
    first len(reference) frames must be the reference, exactly."""
    return len(tokens) >= len(reference) and (tokens[:len(reference)] == reference).all()


def played_matches(played, reference, tolerance=1e-6):
    """Whether the speaker played all of reference, in order, sample for sample,
    with nothing but silence before it and in its gaps (the jitter buffer, and
    underruns, which the player fills with silence). Returns (ok, leading silence
    in samples, gap samples, why)."""
    nonzero = np.flatnonzero(played)
    if len(nonzero) == 0:
        return False, 0, 0, 'nothing played'
    lead, position, gaps = int(nonzero[0]), 0, 0
    for index in range(lead, len(played)):
        if position < len(reference) and abs(played[index] - reference[position]) <= tolerance:
            position += 1
        elif played[index] == 0:
            gaps += 1
        else:
            return False, lead, gaps, 'sample %d is %g, expected %g (reference %d)' % (
                index, played[index], reference[min(position, len(reference) - 1)], position)
    if position < len(reference):
        return False, lead, gaps, 'only %d of %d samples played' % (position, len(reference))
    return True, lead, gaps, ''


class Daemon:
    """hificodecd on a socket in a temp dir, ready when it says READY=1 over its
    NOTIFY_SOCKET (as under systemd)."""

    def __init__(self, mic):
        self.mic = mic
        self.socket = mic.path('hfcd-%d.sock' % time.monotonic_ns())
        notify_path = mic.path('notify-%d' % time.monotonic_ns())
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(notify_path)
        self.notify.settimeout(30)
        env = dict(mic.env, NOTIFY_SOCKET=notify_path)
        self.log = open(mic.path('hificodecd.log'), 'ab')
        self.process = subprocess.Popen(
            [mic.daemon_exe, '--config', '/dev/null', '--model', mic.model, '--socket',
             self.socket, '--log-level', 'info'], env=env, stdout=self.log, stderr=self.log)
        while b'READY=1' not in self.notify.recv(4096):
            pass

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def close(self):
        self.kill()
        self.notify.close()
        self.log.close()
