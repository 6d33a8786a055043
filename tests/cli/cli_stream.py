#!/usr/bin/python3
"""--chunk-ms: encode, decode and roundtrip through the streaming API. For a causal
model the tokens equal the offline ones for every chunk size and the audio is within
1e-6; a non-causal model decodes exactly with its default look-ahead, and its
streamed tokens keep the offline frame count."""
import sys

import numpy as np

from clitest import Cli, Failures, make_model, speech_files


def test_causal(cli, failures, model, speech):
    cli.ok(failures, 'encode', '-m', model, speech, cli.path('offline.npy'))
    offline = np.load(cli.path('offline.npy'))
    cli.ok(failures, 'decode', '-m', model, cli.path('offline.npy'), cli.path('offline-audio.npy'))
    offline_audio = np.load(cli.path('offline-audio.npy'))
    for chunk_ms in ['1', '7', '20', '45', '1000']:
        out = cli.path('stream-%s.npy' % chunk_ms)
        cli.ok(failures, 'encode', '-m', model, '--chunk-ms', chunk_ms, speech, out)
        streamed = np.load(out)
        failures.check(streamed.shape == offline.shape and (streamed == offline).all(),
                       'causal --chunk-ms %s: tokens equal offline (%s vs %s)' % (
                           chunk_ms, streamed.shape, offline.shape))
        audio = cli.path('stream-audio-%s.npy' % chunk_ms)
        cli.ok(failures, 'decode', '-m', model, '--chunk-ms', chunk_ms, cli.path('offline.npy'),
               audio)
        pcm = np.load(audio)
        failures.check(pcm.shape == offline_audio.shape and
                       np.abs(pcm - offline_audio).max() <= 1e-6,
                       'causal --chunk-ms %s: audio within 1e-6 of offline' % chunk_ms)
    cli.ok(failures, 'roundtrip', '-m', model, '--chunk-ms', '20', speech, cli.path('rt.npy'))
    failures.check(np.abs(np.load(cli.path('rt.npy')) - offline_audio).max() <= 1e-6,
                   'causal roundtrip --chunk-ms 20 equals offline')


def test_noncausal(cli, failures, model, speech):
    cli.ok(failures, 'encode', '-m', model, speech, cli.path('nc.npy'))
    offline = np.load(cli.path('nc.npy'))
    cli.ok(failures, 'encode', '-m', model, '--chunk-ms', '20', speech, cli.path('nc-s.npy'))
    streamed = np.load(cli.path('nc-s.npy'))
    failures.check(streamed.shape == offline.shape, 'non-causal stream keeps the frame count')
    cli.ok(failures, 'decode', '-m', model, cli.path('nc.npy'), cli.path('nc-a.npy'))
    cli.ok(failures, 'decode', '-m', model, '--chunk-ms', '60', cli.path('nc.npy'),
           cli.path('nc-sa.npy'))
    a, b = np.load(cli.path('nc-a.npy')), np.load(cli.path('nc-sa.npy'))
    failures.check(a.shape == b.shape and np.abs(a - b).max() <= 1e-6,
                   'non-causal streaming decode with full look-ahead equals offline')
    cli.ok(failures, 'decode', '-m', model, '--chunk-ms', '20', '--lookahead', '1',
           cli.path('nc.npy'), cli.path('nc-cut.npy'))
    failures.check(np.load(cli.path('nc-cut.npy')).shape == a.shape,
                   'cut look-ahead keeps the length')
    cli.fails(failures, '--chunk-ms', 'encode', '-m', model, '--chunk-ms', '0', speech,
              cli.path('x.npy'))
    cli.fails(failures, '--lookahead', 'encode', '-m', model, '--chunk-ms', '20', '--lookahead',
              '-3', speech, cli.path('x.npy'))


def main():
    cli = Cli(sys.argv)
    failures = Failures()
    speech = speech_files(1)[0]
    test_causal(cli, failures, make_model(cli, 'causal', seed=3), speech)
    test_noncausal(cli, failures, make_model(cli, 'tiny', seed=4), speech)
    failures.finish('cli_stream')


if __name__ == '__main__':
    main()
