#!/usr/bin/python3
"""encode / decode / roundtrip / info on real speech, through files and pipes."""
import re
import struct
import sys

import numpy as np

from clitest import (HFC_UNKNOWN_FRAMES, Cli, Failures, hfc_parse, hfc_reseal, make_model,
                     speech_files, wav_read)


def model_info(cli, failures, model):
    out = cli.ok(failures, 'info', model).decode()
    fields = dict(re.findall(r'^([a-z ]+): (.*)$', out, re.MULTILINE))
    for key in ['sample rate', 'hop', 'frame rate', 'codebooks', 'bitrate', 'parameters',
                'encode', 'decode', 'causal', 'model id', 'cpu path', 'precision', 'name']:
        failures.check(key in fields, 'info prints %r' % key)
    return dict(id=int(fields['model id'], 16), rate=int(fields['sample rate'].split()[0]),
                hop=int(fields['hop'].split()[0]),
                codebook_size=int(fields['codebooks'].split()[2]),
                n_codebooks=int(fields['codebooks'].split()[0]))


def read(path):
    with open(path, 'rb') as file:
        return file.read()


def test_file(cli, failures, model, info, speech, tag):
    p = lambda name: cli.path('%s.%s' % (tag, name))  # noqa: E731
    cli.ok(failures, 'encode', '-m', model, speech, p('hfc'))
    cli.ok(failures, 'encode', '-m', model, speech, p('tokens.npy'))
    header, hfc_tokens = hfc_parse(read(p('hfc')))
    npy_tokens = np.load(p('tokens.npy'))

    # Both formats hold the same tokens, as many as the library says the audio makes.
    n_samples, n_frames = cli.fixture_frames(model, speech)
    failures.check(npy_tokens.dtype == np.int16 and npy_tokens.shape == (n_frames, 4),
                   '%s: .npy is int16 [%d, 4], got %s %s' % (tag, n_frames, npy_tokens.dtype,
                                                             npy_tokens.shape))
    failures.check(np.array_equal(hfc_tokens, npy_tokens), '%s: .hfc and .npy tokens agree' % tag)
    failures.check(header['model_id'] == info['id'] and header['n_frames'] == n_frames and
                   header['rate'] == info['rate'] and header['hop'] == info['hop'] and
                   header['bits'] == 10, '%s: .hfc header %r' % (tag, header))
    failures.check(len(read(p('hfc'))) == 44 + n_frames * 5, '%s: 40 bits a frame' % tag)
    failures.check(n_frames == n_samples // info['hop'], '%s: floor(n / hop) frames' % tag)

    # Decoding either gives frames x hop samples, the same from both.
    cli.ok(failures, 'decode', '-m', model, p('hfc'), p('audio.npy'))
    cli.ok(failures, 'decode', '-m', model, p('tokens.npy'), p('audio2.npy'))
    audio = np.load(p('audio.npy'))
    failures.check(audio.dtype == np.float32 and audio.shape == (n_frames * info['hop'],),
                   '%s: decoded %s samples, expected %d' % (tag, audio.shape,
                                                             n_frames * info['hop']))
    failures.check(np.array_equal(audio, np.load(p('audio2.npy'))),
                   '%s: .hfc and .npy decode alike' % tag)

    # 16-bit output is the float output scaled by 32768, rounded and clipped.
    cli.ok(failures, 'decode', '-m', model, p('hfc'), p('16.wav'))
    cli.ok(failures, 'decode', '-m', model, '--float', p('hfc'), p('32.wav'))
    rate16, tag16, pcm16 = wav_read(read(p('16.wav')))
    rate32, tag32, pcm32 = wav_read(read(p('32.wav')))
    failures.check(rate16 == rate32 == info['rate'] and tag16 == 1 and tag32 == 3,
                   '%s: WAV rate and sample formats' % tag)
    failures.check(np.array_equal(pcm32, audio.astype(np.float64)), '%s: --float is exact' % tag)
    expected16 = np.clip(np.rint(audio.astype(np.float64) * 32768), -32768, 32767) / 32768
    failures.check(np.array_equal(pcm16, expected16), '%s: 16-bit is rounded float' % tag)

    # roundtrip = encode then decode.
    cli.ok(failures, 'roundtrip', '-m', model, speech, p('rt.npy'))
    failures.check(np.array_equal(np.load(p('rt.npy')), audio),
                   '%s: roundtrip = decode(encode)' % tag)
    return p


def test_pipes(cli, failures, model, speech, p):
    """'-' reads stdin and writes stdout, byte for byte what files get."""
    audio_in = read(speech)
    out = cli.ok(failures, 'encode', '-m', model, '--format', 'hfc', '-', '-', stdin=audio_in)
    failures.check(out == read(p('hfc')), 'encode - - (hfc) = encode to a file')
    out = cli.ok(failures, 'encode', '-m', model, '-f', 'npy', '-', '-', stdin=audio_in)
    failures.check(out == read(p('tokens.npy')), 'encode - - (npy) = encode to a file')
    out = cli.ok(failures, 'decode', '-m', model, '-', '-', stdin=read(p('hfc')))
    failures.check(out == read(p('16.wav')), 'decode - - = decode to a .wav file')
    out = cli.ok(failures, 'decode', '-m', model, '-', '-', stdin=read(p('tokens.npy')))
    failures.check(out == read(p('16.wav')), 'decode - - reads .npy tokens from stdin')
    out = cli.ok(failures, 'roundtrip', '-m', model, '-', '-', stdin=audio_in)
    failures.check(out == read(p('16.wav')), 'roundtrip - - = decode(encode)')
    # stdin may be any format libsndfile reads, WAV here.
    out = cli.ok(failures, 'encode', '-m', model, '--format=hfc', '-', '-', stdin=read(p('16.wav')))
    failures.check(out[:8] == b'HFCT\x01\x00\x00\x00', 'encode reads WAV from stdin')


def test_unknown_count(cli, failures, model, p):
    """A live stream's .hfc (frame count 'unknown') decodes like the counted one."""
    data = read(p('hfc'))
    header = bytearray(data[:40])
    header[32:40] = struct.pack('<Q', HFC_UNKNOWN_FRAMES)
    with open(p('live.hfc'), 'wb') as file:
        file.write(hfc_reseal(bytes(header)) + data[44:])
    cli.ok(failures, 'decode', '-m', model, p('live.hfc'), p('live.npy'))
    failures.check(np.array_equal(np.load(p('live.npy')), np.load(p('audio.npy'))),
                   'unknown frame count decodes to the same audio')
    # A pipe of unknown length is decoded as it comes: the WAV on stdout then says
    # "to the end" (0xFFFFFFFF sizes) and carries the same samples.
    out = cli.ok(failures, 'decode', '-m', model, '-', '-', stdin=read(p('live.hfc')))
    whole = read(p('16.wav'))
    failures.check(out[44:] == whole[44:] and out[4:8] == b'\xff' * 4 and
                   out[40:44] == b'\xff' * 4 and out[8:40] == whole[8:40],
                   'unknown frame count through a pipe: same samples, open-ended WAV')


def test_options(cli, failures, model, speech, p):
    env = dict(cli.env, HFC_MODEL=model)
    cli.ok(failures, 'encode', speech, p('env.hfc'), env=env)
    failures.check(read(p('env.hfc')) == read(p('hfc')), 'HFC_MODEL picks the model')
    cli.ok(failures, 'encode', '--threads', '1', '-m', model, speech, p('t1.hfc'))
    cli.ok(failures, 'encode', '--threads=3', '-m', model, speech, p('t3.hfc'))
    failures.check(read(p('t1.hfc')) == read(p('hfc')) == read(p('t3.hfc')),
                   'tokens do not depend on --threads')
    cli.ok(failures, 'decode', '--threads', '2', '-m', model, p('hfc'), p('t2.npy'))
    failures.check(np.array_equal(np.load(p('t2.npy')), np.load(p('audio.npy'))),
                   'decoded audio does not depend on --threads')

    status, _, err = cli.run('encode', '-v', '-m', model, speech, p('v.hfc'))
    failures.check(status == 0 and re.search(r'\d+ frames, [\d.]+ s of audio .*realtime', err),
                   '-v reports frames, duration and speed: %r' % err)
    status, _, err = cli.run('roundtrip', '--verbose', '-m', model, speech, p('v.wav'))
    failures.check(status == 0 and 'encode:' in err and 'decode:' in err,
                   'roundtrip -v reports both halves: %r' % err)
    status, out, err = cli.run('encode', '-q', '-m', model, speech, p('q.hfc'))
    failures.check(status == 0 and err == '' and out == b'', '-q prints nothing: %r' % err)
    # Options may come after the arguments, as with sox and opusenc.
    cli.ok(failures, 'decode', p('hfc'), p('late.wav'), '-m', model, '--float')
    failures.check(wav_read(read(p('late.wav')))[1] == 3, 'options after arguments apply')


def main():
    cli = Cli(sys.argv)
    failures = Failures()
    files = speech_files(3)
    model = make_model(cli, 'causal', seed=1)
    info = model_info(cli, failures, model)
    failures.check(info['codebook_size'] == 1024 and info['n_codebooks'] == 4,
                   'the causal test model has 4 x 1024 codebooks: %r' % info)
    paths = [test_file(cli, failures, model, info, speech, 'speech%d' % i)
             for i, speech in enumerate(files)]
    test_pipes(cli, failures, model, files[0], paths[0])
    test_unknown_count(cli, failures, model, paths[0])
    test_options(cli, failures, model, files[0], paths[0])
    failures.finish('cli_codec')


if __name__ == '__main__':
    main()
