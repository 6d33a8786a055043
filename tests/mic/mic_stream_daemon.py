#!/usr/bin/python3
"""`hificodec stream --daemon`: the codec runs in hificodecd and the live tokens
are the same as in-process (equal to the offline encode, for a causal model).
When the daemon goes away mid-stream, the stream stops with one clear error, and
the token file written so far is intact: a valid .hfc whose frames are the first
frames of the offline encode."""
import os
import sys
import time

import numpy as np

from alsa_rig import AlsaRig
from mictest import (Daemon, Failures, Mic, capture_differs, hfc_parse, prefix_equal, token_diff,
                     with_one_retry)

SECONDS = 3.0


def wait_for_frames(path, n_frames, timeout_s=30):
    """Until the live .hfc file holds n_frames (5 bytes each after the header)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) >= 44 + 5 * n_frames:
            return
        time.sleep(0.02)


def main():
    mic, failures = Mic(sys.argv), Failures()
    clip, wav = mic.speech_clip(SECONDS)
    reference = mic.offline_tokens(failures, wav)
    daemon = Daemon(mic)
    try:
        def through_daemon():
            with AlsaRig(clip) as rig:
                status, _, err = mic.run('stream', '--daemon', daemon.socket, '-i',
                                         'hfc_capture', '-o', 'hfc_playback', '-t',
                                         mic.path('daemon.hfc'), '-d', SECONDS,
                                         env=rig.env(mic.env))
                tokens = np.zeros((0, 4))
                if status == 0:
                    _, tokens = hfc_parse(open(mic.path('daemon.hfc'), 'rb').read())
                return status, err, tokens, rig.report()

        status, err, tokens, rig_report = with_one_retry(
            through_daemon, lambda r: capture_differs(r[2], reference, r[3]),
            'tokens through the daemon')
        failures.check(status == 0, 'stream through the daemon: exit %d, %s' % (status, err))
        failures.check('-> daemon %s' % daemon.socket in err, 'says it uses the daemon')
        failures.check(tokens.shape == reference.shape and (tokens == reference).all(),
                       'daemon tokens equal offline encode (%s; %s; stderr %s)' % (
                           token_diff(tokens, reference), rig_report, err[-400:]))

        # The daemon dies a second into a stream that would run until stopped.
        with AlsaRig(clip) as rig:
            stream = mic.start('stream', '--daemon', daemon.socket, '-i', 'hfc_capture',
                               '-o', 'none', '-t', mic.path('cut.hfc'), env=rig.env(mic.env))
            wait_for_frames(mic.path('cut.hfc'), 50)
            daemon.kill()
            try:
                _, err = stream.communicate(timeout=30)
            except Exception:
                stream.kill()
                _, err = stream.communicate()
        err = err.decode('utf-8', 'replace')
        print(err)
        last = err.strip().splitlines()[-1] if err.strip() else ''
        failures.check(stream.returncode == 1, 'daemon gone: exit %d' % stream.returncode)
        failures.check(last.startswith('hificodec: daemon %s: ' % daemon.socket),
                       'daemon gone: one clear last line, got %r' % last)
        header, tokens = hfc_parse(open(mic.path('cut.hfc'), 'rb').read())
        failures.check(len(tokens) >= 25, 'frames before the daemon went away were kept: %d'
                       % len(tokens))
        failures.check(prefix_equal(tokens, reference[:len(tokens)]),
                       'they are the offline encode\'s first %d frames' % len(tokens))
    finally:
        daemon.close()
        if failures.count:
            print('hificodecd log:\n' + open(mic.path('hificodecd.log')).read())
    failures.finish('mic_stream_daemon')


if __name__ == '__main__':
    main()
