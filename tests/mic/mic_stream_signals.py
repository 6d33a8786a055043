#!/usr/bin/python3
"""Ctrl-C (SIGINT) or SIGTERM ends `hificodec stream` cleanly: exit status 0, the
last display line, and every file finished: the .hfc whole, the .npy header
holding the real frame count, the recording's header its real length. What was
written is the start of the offline encode of the same audio, frame for frame."""
import os
import signal
import sys
import time

import numpy as np
import soundfile

from alsa_rig import AlsaRig
from mictest import (HOP, Failures, Mic, display_lines, hfc_parse, prefix_equal, token_diff,
                     with_one_retry)

SECONDS = 6.0


def wait_for_size(path, n_bytes, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) >= n_bytes:
            return
        time.sleep(0.02)


def stop_stream(mic, rig, args, watch, watch_bytes, signal_number):
    """Starts a stream that would run forever, signals it once `watch` (removed
    first: a retry must not see the last run's) has grown to watch_bytes, and
    returns (exit status, stderr)."""
    if os.path.exists(watch):
        os.remove(watch)
    stream = mic.start(*args, env=rig.env(mic.env))
    wait_for_size(watch, watch_bytes)
    stream.send_signal(signal_number)
    try:
        _, err = stream.communicate(timeout=30)
    except Exception:
        stream.kill()
        _, err = stream.communicate()
    return stream.returncode, err.decode('utf-8', 'replace')


def prefix_differs(tokens, reference, rig_report):
    """None when the stopped stream's frames start the offline encode (and are
    at least 100); else why, with the rig's timing, for with_one_retry."""
    if len(tokens) >= 100 and prefix_equal(tokens, reference[:len(tokens)]):
        return None
    return '%s; %s' % (token_diff(tokens, reference[:len(tokens)]), rig_report)


def main():
    mic, failures = Mic(sys.argv), Failures()
    clip, wav = mic.speech_clip(SECONDS)
    reference = mic.offline_tokens(failures, wav)

    # Ctrl-C with tokens, a recording and playback.
    hfc, wav_out = mic.path('live.hfc'), mic.path('heard.wav')

    def ctrl_c():
        with AlsaRig(clip) as rig:
            status, err = stop_stream(
                mic, rig, ['stream', '--local', '-m', mic.model, '-i', 'hfc_capture', '-o',
                           'hfc_playback', '-t', hfc, '-r', wav_out], hfc, 44 + 5 * 100,
                signal.SIGINT)
            _, tokens = hfc_parse(open(hfc, 'rb').read())
            return status, err, tokens, rig.report()
    status, err, tokens, rig_report = with_one_retry(
        ctrl_c, lambda r: prefix_differs(r[2], reference, r[3]), 'Ctrl-C')
    failures.check(status == 0, 'Ctrl-C: exit %d (%s)' % (status, err[-300:]))
    failures.check(not [line for line in err.splitlines() if not line.startswith('hificodec: stream')],
                   'Ctrl-C: no error lines: %r' % err[-300:])
    failures.check(len(display_lines(err, 'end')) == 1, 'Ctrl-C: the display ends with state=end')
    why = prefix_differs(tokens, reference, rig_report)
    failures.check(why is None, 'Ctrl-C: %d whole frames, the offline encode\'s first (%s)' % (
        len(tokens), why))
    info = soundfile.info(wav_out)
    failures.check(info.frames == len(tokens) * HOP,
                   'Ctrl-C: the recording is finished, %d samples for %d frames' % (
                       info.frames, len(tokens)))

    # SIGTERM with .npy tokens.
    npy = mic.path('live.npy')

    def sigterm():
        with AlsaRig(clip) as rig:
            status, err = stop_stream(
                mic, rig, ['stream', '--local', '-m', mic.model, '-q', '-i', 'hfc_capture', '-o',
                           'none', '-t', npy], npy, 128 + 8 * 100, signal.SIGTERM)
            return status, err, np.load(npy), rig.report()
    def npy_differs(tokens, rig_report):
        # A malformed .npy is the codec's fault, not the rig's: no retry for it.
        return prefix_differs(tokens, reference, rig_report) if tokens.ndim == 2 else None
    status, err, tokens, rig_report = with_one_retry(
        sigterm, lambda r: npy_differs(r[2], r[3]), 'SIGTERM')
    failures.check(status == 0 and err == '', 'SIGTERM, -q: exit %d, stderr %r' % (status, err))
    why = prefix_differs(tokens, reference, rig_report) if tokens.ndim == 2 else 'not 2-D'
    failures.check(why is None, 'SIGTERM: the .npy header has the real count (%s), the frames are '
                   'right (%s)' % (tokens.shape, why))
    failures.finish('mic_stream_signals')


if __name__ == '__main__':
    main()
