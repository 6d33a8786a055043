#!/usr/bin/python3
"""Audio in every shape: 48 kHz stereo FLAC, other rates, stereo downmix, .npy
audio, and every output format the CLI writes."""
import sys

import numpy as np

from clitest import Cli, Failures, make_model, speech_files, wav_read, wav_write


def read(path):
    with open(path, 'rb') as file:
        return file.read()


def test_48k_stereo_flac(cli, failures, model, speech):
    """A 48 kHz stereo FLAC is averaged to mono and resampled to 16 kHz; the frame
    count follows from the resampled length."""
    flac = cli.path('48k-stereo.flac')
    cli.fixture_stereo(speech, flac, 48000)
    n16, _ = cli.fixture_frames(model, speech)
    n_samples, n_frames = cli.fixture_frames(model, flac)
    failures.check(n_samples == n16, '48k -> 16k gives back the 16 kHz length: %d vs %d' % (
        n_samples, n16))
    cli.ok(failures, 'encode', '-m', model, flac, cli.path('48k.npy'))
    tokens = np.load(cli.path('48k.npy'))
    failures.check(tokens.shape == (n_frames, 4) and n_frames == n_samples // 320,
                   '48k stereo: %s tokens, expected [%d, 4]' % (tokens.shape, n_frames))
    cli.ok(failures, 'roundtrip', '-m', model, flac, cli.path('48k-rt.wav'))
    rate, _, pcm = wav_read(read(cli.path('48k-rt.wav')))
    failures.check(rate == 16000 and len(pcm) == n_frames * 320,
                   '48k stereo roundtrip: %d samples at %d Hz' % (len(pcm), rate))


def test_downmix_and_npy(cli, failures, model, speech):
    """Stereo (a + b, a - b) averages to exactly a; .npy audio reads like WAV."""
    cli.ok(failures, 'roundtrip', '-m', model, speech, cli.path('speech16.wav'))
    _, _, pcm = wav_read(read(cli.path('speech16.wav')))
    a = np.rint(pcm * 32768 * 0.5).astype(np.int64)
    b = np.rint(2000 * np.sin(np.arange(len(a)) * 0.05)).astype(np.int64)
    wav_write(cli.path('mono.wav'), a, 16000)
    wav_write(cli.path('stereo.wav'), np.stack([a + b, a - b], axis=1), 16000)
    np.save(cli.path('mono-int16.npy'), a.astype(np.int16))
    np.save(cli.path('mono-float32.npy'), (a / 32768).astype(np.float32))
    np.save(cli.path('mono-float64.npy'), a / 32768)
    wav_write(cli.path('mono-float.wav'), a / 32768, 16000, as_float=True)
    reference = None
    for name in ['mono.wav', 'stereo.wav', 'mono-int16.npy', 'mono-float32.npy',
                 'mono-float64.npy', 'mono-float.wav']:
        cli.ok(failures, 'encode', '-m', model, cli.path(name), cli.path(name + '.hfc'))
        tokens = read(cli.path(name + '.hfc'))
        reference = reference or tokens
        failures.check(tokens == reference, '%s encodes like mono.wav' % name)


def test_other_rates(cli, failures, model):
    """Native rates other than the model's are resampled; length scales with them."""
    t = np.arange(8000 * 2) / 8000
    tone = np.rint(8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    for rate in [8000, 22050, 44100]:
        n = int(len(tone) * rate / 8000)
        wav_write(cli.path('r%d.wav' % rate), tone[(np.arange(n) * 8000 // rate)], rate)
        n_samples, n_frames = cli.fixture_frames(model, cli.path('r%d.wav' % rate))
        failures.check(abs(n_samples - round(n * 16000 / rate)) <= 1,
                       '%d Hz: %d samples after resampling' % (rate, n_samples))
        cli.ok(failures, 'encode', '-m', model, cli.path('r%d.wav' % rate),
               cli.path('r%d.npy' % rate))
        failures.check(np.load(cli.path('r%d.npy' % rate)).shape[0] == n_frames,
                       '%d Hz: frame count' % rate)


def test_output_formats(cli, failures, model, speech):
    """Every output format is written and reads back; lossless ones exactly."""
    cli.ok(failures, 'encode', '-m', model, speech, cli.path('out.hfc'))
    cli.ok(failures, 'decode', '-m', model, cli.path('out.hfc'), cli.path('out.wav'))
    cli.ok(failures, 'encode', '-m', model, cli.path('out.wav'), cli.path('out-wav.hfc'))
    reference = read(cli.path('out-wav.hfc'))
    for extension in ['flac', 'aiff', 'aif', 'au', 'caf', 'w64', 'rf64', 'ogg', 'opus']:
        out = cli.path('out.' + extension)
        cli.ok(failures, 'decode', '-m', model, cli.path('out.hfc'), out)
        cli.ok(failures, 'encode', '-m', model, out, out + '.hfc')
        if extension not in ['ogg', 'opus']:
            failures.check(read(out + '.hfc') == reference,
                           '.%s holds the same 16-bit samples as .wav' % extension)
    for extension in ['wav', 'aiff', 'caf', 'w64']:
        cli.ok(failures, 'decode', '-m', model, '--float', cli.path('out.hfc'),
               cli.path('float.' + extension))


def main():
    cli = Cli(sys.argv)
    failures = Failures()
    speech = speech_files(2)
    model = make_model(cli, 'causal', seed=1)
    test_48k_stereo_flac(cli, failures, model, speech[0])
    test_downmix_and_npy(cli, failures, model, speech[1])
    test_other_rates(cli, failures, model)
    test_output_formats(cli, failures, model, speech[1])
    failures.finish('cli_formats')


if __name__ == '__main__':
    main()
