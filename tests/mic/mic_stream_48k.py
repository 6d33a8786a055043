#!/usr/bin/python3
"""Devices that run at 48 kHz: `hificodec stream` captures at the device's own
rate and resamples to the model's 16 kHz as it goes (libsoxr, minimum phase for
latency), and resamples the decoded audio back up for the speaker. The live
tokens must mostly agree with encoding the same 48 kHz recording offline (whose
resampler is linear-phase, so not all of them can); the recording must be the
decoded live tokens exactly; the speaker must play that audio at 48 kHz."""
import sys

import numpy as np

from alsa_rig import AlsaRig
from mictest import RATE, Failures, Mic, display_lines, speech, wav_write

SECONDS = 3.0
DEVICE_RATE = 48000


def envelope(samples, hop):
    """RMS per 10 ms: compares audio across resamplers whatever their phase."""
    n = len(samples) // hop
    return np.sqrt((samples[:n * hop].reshape(n, hop) ** 2).mean(axis=1))


def check_played(failures, played, recorded):
    # The rig's speaker takes samples in bursts, so playback may run dry now and
    # then and play silence; only the samples hificodec sent are compared.
    sent = played[played != 0]
    mine, theirs = envelope(sent, DEVICE_RATE // 100), envelope(recorded, RATE // 100)
    n = min(len(mine), len(theirs))
    failures.check(n >= len(theirs) - 2, 'the speaker played %d of %d s' % (
        len(sent) / DEVICE_RATE, len(recorded) / RATE))
    if n < 10:
        return
    # The resamplers' delays differ by a few ms: take the best of a few lags.
    scores = [np.corrcoef(mine[lag:n], theirs[:n - lag])[0, 1] for lag in range(3)]
    print('speaker vs recording, 10 ms envelopes: correlation %.4f' % max(scores))
    failures.check(max(scores) > 0.98, 'the speaker played the decoded audio at 48 kHz '
                   '(envelope correlation %.4f)' % max(scores))


def main():
    mic, failures = Mic(sys.argv), Failures()
    clip = speech(SECONDS, rate=DEVICE_RATE)
    wav = mic.path('clip48k.wav')
    wav_write(wav, clip, DEVICE_RATE, as_float=True)
    reference = mic.offline_tokens(failures, wav)

    with AlsaRig(clip, capture_rate=DEVICE_RATE, playback_rate=DEVICE_RATE,
                 capture_chunk_ms=5) as rig:
        status, _, err = mic.run('stream', '--local', '-m', mic.model, '-i', 'hfc_capture',
                                 '-o', 'hfc_playback', '-t', mic.path('live.npy'),
                                 '-r', mic.path('heard.npy'), '-d', SECONDS,
                                 env=rig.env(mic.env))
        played, _ = rig.played()
    failures.check(status == 0, 'stream at 48 kHz: exit %d, %s' % (status, err[-500:]))
    failures.check("'hfc_capture' at 48000 Hz" in err and "'hfc_playback' at 48000 Hz" in err,
                   'both devices open at their own 48 kHz: %r' % err.splitlines()[:1])
    end = display_lines(err, 'end')
    failures.check(bool(end) and end[0]['dropped_in'] == '0', 'nothing dropped: %r' % end)

    tokens = np.load(mic.path('live.npy'))
    failures.check(tokens.shape == reference.shape, 'frames: %s live, %s offline' % (
        tokens.shape, reference.shape))
    n = min(len(tokens), len(reference))
    agreement = float((tokens[:n] == reference[:n]).mean())
    print('tokens equal to offline: %.1f%%' % (100 * agreement))
    # Random tokens would agree 0.1% of the time; a broken resampler (wrong
    # ratio, dropped blocks) far below this.
    failures.check(agreement >= 0.7, 'most tokens equal offline: %.1f%%' % (100 * agreement))

    recorded = np.load(mic.path('heard.npy'))
    decoded = mic.offline_audio(failures, mic.path('live.npy'))
    failures.check(recorded.shape == decoded.shape and np.abs(recorded - decoded).max() <= 1e-6,
                   'the recording is the live tokens decoded')
    check_played(failures, played, recorded)
    failures.finish('mic_stream_48k')


if __name__ == '__main__':
    main()
