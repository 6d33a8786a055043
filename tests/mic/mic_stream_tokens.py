#!/usr/bin/python3
"""`hificodec stream --local` from a 16 kHz "microphone" (the ALSA rig): the live
tokens equal `hificodec encode` of the same clip, frame for frame; the recording
equals `hificodec decode` of those tokens, sample for sample; the speaker plays
the same samples after the jitter buffer, later by --delay; the tokens go to
stdout (.hfc) or a file (.npy) while the display degrades to plain key=value
lines on a pipe."""
import sys

import numpy as np
import soundfile

from alsa_rig import AlsaRig
from mictest import (RATE, Failures, Mic, capture_differs, display_lines, hfc_parse,
                     played_matches, token_diff, with_one_retry)

SECONDS = 3.0


def check_display(failures, err, frames):
    live, end = display_lines(err, 'live'), display_lines(err, 'end')
    failures.check(len(live) >= 1 and len(end) == 1,
                   'plain display: live lines and one end line on a pipe (%r)' % err[-400:])
    if not end:
        return
    last = end[0]
    failures.check(int(last['frames']) == frames, 'display counts %s frames' % last['frames'])
    failures.check(last['bitrate_bps'] == '2000' and last['tokens_per_s'] == '200.0',
                   'display: 200 tokens/s, 2000 bit/s over the run (%r)' % last)
    failures.check(last['dropped_in'] == '0' and last['overruns'] == '0',
                   'nothing dropped on the way in (%r)' % last)
    failures.check(float(last['level_dbfs']) > -60, 'the level meter sees speech (%r)' % last)
    for key in ['c2t_mean_ms', 'c2t_p99_ms', 't2p_mean_ms', 'e2e_p99_ms']:
        failures.check(key not in last or float(last[key]) >= 0, 'latency %s reported' % key)


def main():
    mic, failures = Mic(sys.argv), Failures()
    clip, wav = mic.speech_clip(SECONDS)
    reference = mic.offline_tokens(failures, wav)
    np.save(mic.path('reference.npy'), reference.astype(np.int16))
    status, _, err = mic.run('decode', '-m', mic.model, mic.path('reference.npy'),
                             mic.path('reference.wav'))
    reference_wav = soundfile.read(mic.path('reference.wav'), dtype='int16')[0]
    reference_audio = mic.offline_audio(failures, mic.path('reference.npy'))

    # Tokens to stdout, monitor on, recording on.
    def to_stdout():
        with AlsaRig(clip) as rig:
            status, out, err = mic.run('stream', '--local', '-m', mic.model, '-i', 'hfc_capture',
                                       '-o', 'hfc_playback', '-t', '-', '-r',
                                       mic.path('rec.wav'), '-d', SECONDS, env=rig.env(mic.env))
            played, both_sides = rig.played()
            return status, out, err, played, both_sides, rig.report()

    status, out, err, played, both_sides, rig_report = with_one_retry(
        to_stdout,
        lambda r: 'exit %d' % r[0] if r[0] else capture_differs(hfc_parse(r[1])[1], reference, r[5]),
        'tokens to stdout')
    failures.check(status == 0, 'stream to stdout: exit %d, %s' % (status, err[-500:]))
    header, tokens = hfc_parse(out)
    failures.check(header['n_frames'] == 0xFFFFFFFFFFFFFFFF and header['rate'] == RATE and
                   header['hop'] == 320, 'live .hfc header: unknown count, 16 kHz, hop 320')
    failures.check(tokens.shape == reference.shape and (tokens == reference).all(),
                   'live tokens equal offline encode (%s; %s)' % (token_diff(tokens, reference),
                                                                   rig_report))
    recorded = soundfile.read(mic.path('rec.wav'), dtype='int16')[0]
    failures.check(len(recorded) == len(reference_wav) and (recorded == reference_wav).all(),
                   'the recording equals decoding the offline tokens to a WAV')
    ok, _, _, why = played_matches(played, reference_audio)
    failures.check(ok, 'the speaker played the decoded audio, in order: %s' % why)
    failures.check(both_sides, 'the same on both channels of a stereo device')
    check_display(failures, err, len(reference))

    first_run = display_lines(err, 'end')

    # Tokens to .npy; playback 300 ms later (more than the rig's capture lead, which
    # the first run's jitter buffer holds already).
    def to_npy():
        with AlsaRig(clip) as rig:
            status, _, err = mic.run('stream', '--local', '-m', mic.model, '-i', 'hfc_capture',
                                     '--output', 'hfc_playback', '--delay', 300, '--tokens',
                                     mic.path('live.npy'), '--duration', SECONDS,
                                     env=rig.env(mic.env))
            played, _ = rig.played()
            tokens = np.load(mic.path('live.npy')) if status == 0 else np.zeros((0, 4))
            return status, err, played, rig.report(), tokens

    status, err, played, rig_report, tokens = with_one_retry(
        to_npy, lambda r: capture_differs(r[4], reference, r[3]), 'tokens to .npy')
    failures.check(status == 0, 'stream to .npy: exit %d, %s' % (status, err[-500:]))
    failures.check(tokens.dtype == np.int16 and tokens.shape == reference.shape and
                   (tokens == reference).all(), '.npy live tokens equal offline encode (%s, %s; '
                   '%s; stderr %s)' % (tokens.dtype, token_diff(tokens, reference), rig_report,
                                      err[-300:]))
    delayed_ok, _, _, why = played_matches(played, reference_audio)
    failures.check(delayed_ok, '--delay 300: the decoded audio, in order: %s' % why)
    # The rig's speaker takes samples in bursts, so the figures are rough: the
    # extra 300 ms must show, not to the millisecond.
    second_run = display_lines(err, 'end')
    if first_run and second_run:
        before = float(first_run[0]['t2p_mean_ms'])
        after = float(second_run[0]['t2p_mean_ms'])
        failures.check(after >= 250 and after - before >= 100,
                       '--delay 300 adds to tokens->playback: %.1f ms, was %.1f' % (after, before))
    failures.finish('mic_stream_tokens')


if __name__ == '__main__':
    main()
