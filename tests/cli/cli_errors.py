#!/usr/bin/python3
"""Every bad input gives one "hificodec: <what>: <why>" line and a non-zero exit:
missing, empty, corrupt and truncated files, NaN audio, audio shorter than a frame,
tokens out of range, tokens from another model, unwritable outputs."""
import resource
import struct
import subprocess
import sys
import time

import numpy as np
import soundfile

from clitest import Cli, Failures, hfc_reseal, make_model, speech_files, wav_write


def read(path):
    with open(path, 'rb') as file:
        return file.read()


def write(cli, name, data):
    path = cli.path(name)
    with open(path, 'wb') as file:
        file.write(data)
    return path


def test_bad_audio(cli, failures, model, speech):
    missing = cli.path('missing.wav')
    for command in ['encode', 'roundtrip']:
        out = cli.path('out.hfc' if command == 'encode' else 'out.wav')
        cli.fails(failures, 'No such file', command, '-m', model, missing, out)
        cli.fails(failures, 'empty', command, '-m', model, write(cli, 'empty.wav', b''), out)
        cli.fails(failures, 'empty', command, '-m', model, '-', out, stdin=b'')
    out = cli.path('out.hfc')
    cli.fails(failures, 'cannot decode audio', 'encode', '-m', model,
              write(cli, 'noise.wav', bytes(range(256)) * 8), out)
    flac = read(speech)
    cli.fails(failures, None, 'encode', '-m', model, write(cli, 'cut.flac', flac[:len(flac) // 3]),
              out)
    cli.fails(failures, None, 'encode', '-m', model, write(cli, 'head.flac', flac[:30]), out)
    cli.fails(failures, 'is a directory', 'encode', '-m', model, cli.dir, out)

    tone = np.rint(8000 * np.sin(np.arange(16000) * 0.1)).astype(np.int16)
    wav_write(cli.path('tone.wav'), tone, 16000)
    whole = read(cli.path('tone.wav'))
    cli.fails(failures, 'truncated WAV', 'encode', '-m', model,
              write(cli, 'cut.wav', whole[:len(whole) // 2]), out)
    cli.fails(failures, 'truncated WAV', 'encode', '-m', model, '-', out, stdin=whole[:-2])
    wav_write(cli.path('header-only.wav'), tone[:0], 16000)
    cli.fails(failures, 'no audio samples', 'encode', '-m', model, cli.path('header-only.wav'), out)

    # NaN and infinity are reported, from float WAV and from .npy.
    bad = (tone / 32768).astype(np.float32)
    bad[100], bad[5000] = np.nan, np.inf
    wav_write(cli.path('nan.wav'), bad, 16000, as_float=True)
    cli.fails(failures, '2 NaN or infinite samples (the first at sample 100)', 'encode', '-m',
              model, cli.path('nan.wav'), out)
    np.save(cli.path('nan.npy'), bad)
    cli.fails(failures, 'NaN', 'roundtrip', '-m', model, cli.path('nan.npy'), cli.path('o.wav'))

    # Shorter than one frame (320 samples at 16 kHz), also after resampling.
    wav_write(cli.path('short.wav'), tone[:319], 16000)
    cli.fails(failures, 'too short', 'encode', '-m', model, cli.path('short.wav'), out)
    wav_write(cli.path('short48.wav'), np.repeat(tone[:300], 3), 48000)
    cli.fails(failures, 'too short', 'roundtrip', '-m', model, cli.path('short48.wav'),
              cli.path('o.wav'))
    np.save(cli.path('short.npy'), tone[:10])
    cli.fails(failures, 'too short', 'encode', '-m', model, cli.path('short.npy'), out)
    # .npy audio must be one channel of float or int16 samples.
    np.save(cli.path('stereo.npy'), np.zeros((1000, 2), np.float32))
    cli.fails(failures, '1-D', 'encode', '-m', model, cli.path('stereo.npy'), out)
    np.save(cli.path('int32.npy'), np.zeros(1000, np.int32))
    cli.fails(failures, 'float32', 'encode', '-m', model, cli.path('int32.npy'), out)

    # Outputs that cannot be written.
    cli.fails(failures, 'cannot create', 'encode', '-m', model, cli.path('tone.wav'),
              cli.path('no/such/dir/out.hfc'))
    cli.fails(failures, 'cannot create', 'roundtrip', '-m', model, cli.path('tone.wav'),
              cli.path('no/such/dir/out.wav'))


def declare_huge(data, container):
    """The bytes of a file whose header now declares about 1.8 GB of samples."""
    data = bytearray(data)
    if container == 'WAV':
        at = data.find(b'data') + 4
        data[at:at + 4] = struct.pack('<I', 0x70000000)
    elif container == 'AIFF':
        at = data.find(b'SSND') + 4
        data[at:at + 4] = struct.pack('>I', 0x70000000)
        at = data.find(b'COMM') + 10
        data[at:at + 4] = struct.pack('>I', 0x30000000)
    else:  # AU
        data[8:12] = struct.pack('>I', 0x70000000)
    return bytes(data)


def test_block_codecs_in_pipes(cli, failures, model):
    """libsndfile's block codecs decode silence past a short read, up to the length the
    header declares; through a pipe, which claims no length, a damaged header made that
    gigabytes of silence (hours, found by fuzz_audio). A whole file through a pipe still
    gives the file's tokens; a cut one fails at once as truncated. (60 s: a pipe that
    ends within the first 64 KB is read whole, as a file.)"""
    tone = (0.3 * np.sin(np.arange(16000 * 60) * 0.05)).astype(np.float32)
    for container, subtype in [('WAV', 'IMA_ADPCM'), ('WAV', 'MS_ADPCM'), ('WAV', 'GSM610'),
                               ('WAV', 'G721_32'), ('WAV', 'NMS_ADPCM_24'), ('AU', 'G721_32'),
                               ('AU', 'G723_24'), ('AIFF', 'GSM610')]:
        name = '%s-%s' % (container, subtype)
        path = cli.path(name + '.audio')
        soundfile.write(path, tone, 16000, format=container, subtype=subtype)
        whole = read(path)
        cli.ok(failures, 'encode', '-m', model, path, cli.path(name + '-file.hfc'))
        cli.ok(failures, 'encode', '-m', model, '-', cli.path(name + '-pipe.hfc'), stdin=whole)
        failures.check(read(cli.path(name + '-file.hfc')) == read(cli.path(name + '-pipe.hfc')),
                       '%s: a pipe gives the file\'s tokens' % name)
        cut = declare_huge(whole, container)[:len(whole) * 3 // 4]
        started = time.monotonic()
        cli.fails(failures, 'truncated', 'encode', '-m', model, '-', cli.path('out.hfc'),
                  stdin=cut)
        seconds = time.monotonic() - started
        failures.check(seconds < 20, '%s: a cut pipe with a huge header took %.1f s' % (
            name, seconds))


def test_header_loop_in_pipe(cli, failures, model):
    """A WAV chunk of size 0xFFFFFFF8 (-8) makes libsndfile's parser jump back onto the
    same chunk and store it again, until the position reaches the length: a file's
    ends that at once, a pipe's claimed length never did (13 GB in a minute; found by
    fuzz_audio). Through a pipe it must fail as the file does, in bounded memory.
    (100 KB: a pipe that ends within the first 64 KB is read whole, as a file.)"""
    fmt = struct.pack('<HHIIHH', 3, 1, 16000, 64000, 4, 32)
    body = (b'WAVE' + b'fmt ' + struct.pack('<I', len(fmt)) + fmt + b'fact' +
            struct.pack('<I', 0xFFFFFFF8) + bytes(100000))
    data = b'RIFF' + struct.pack('<I', len(body)) + body
    cli.fails(failures, "No 'data' chunk", 'encode', '-m', model,
              write(cli, 'backjump.wav', data), cli.path('out.hfc'))

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    try:
        result = subprocess.run([cli.exe, 'encode', '-m', model, '-', cli.path('out.hfc')],
                                input=data, capture_output=True, timeout=60, env=cli.env,
                                preexec_fn=limit_memory)
        err = result.stderr.decode('utf-8', 'replace')
        failures.check(result.returncode == 1 and "No 'data' chunk" in err,
                       'backjump WAV through a pipe: exit %d, %r' % (result.returncode, err))
    except subprocess.TimeoutExpired:
        failures.check(False, 'backjump WAV through a pipe: still running after 60 s')


def test_bad_tokens(cli, failures, model, speech):
    good_hfc = cli.path('good.hfc')
    cli.ok(failures, 'encode', '-m', model, speech, good_hfc)
    cli.ok(failures, 'encode', '-m', model, speech, cli.path('good.npy'))
    data = read(good_hfc)
    out = cli.path('out.wav')

    def decode_fails(mention, name, payload, *extra):
        cli.fails(failures, mention, 'decode', '-m', model, *extra,
                  write(cli, name, payload), out)

    cli.fails(failures, 'No such file', 'decode', '-m', model, cli.path('missing.hfc'), out)
    decode_fails('empty', 'empty.hfc', b'')
    decode_fails('not a token file', 'text.hfc', b'hello, world\n')
    decode_fails('not a token file', 'wav-as-tokens.hfc', read(speech))
    decode_fails('truncated .hfc header', 'head.hfc', data[:20])
    decode_fails('truncated .hfc payload', 'cut.hfc', data[:-1])
    decode_fails('truncated .hfc payload', 'cut2.hfc', data[:len(data) // 2])
    decode_fails('unexpected bytes', 'long.hfc', data + b'\0')
    decode_fails('corrupt', 'flipped.hfc', data[:10] + bytes([data[10] ^ 4]) + data[11:])
    decode_fails('version', 'v2.hfc', hfc_reseal(data[:4] + b'\x02' + data[5:40]) + data[44:])
    absurd = hfc_reseal(data[:32] + struct.pack('<Q', 1 << 60)) + data[44:]
    decode_fails('absurd frame count', 'absurd.hfc', absurd)
    live = hfc_reseal(data[:32] + struct.pack('<Q', 2 ** 64 - 1))
    decode_fails('partial last frame', 'live-cut.hfc', live + data[44:-2])
    cli.fails(failures, 'truncated', 'decode', '-m', model, '-', out, stdin=data[:-3])

    tokens = np.load(cli.path('good.npy'))
    for name, array, mention in [
            ('high.npy', np.where(np.arange(tokens.size).reshape(tokens.shape) == 7, 1024, tokens),
             'token 1024 at frame 1, codebook 3 is outside [0, 1024)'),
            ('negative.npy', -tokens - 1, 'outside'),
            ('three.npy', tokens[:, :3], '3 tokens per frame, the model needs 4'),
            ('float.npy', tokens.astype(np.float32), 'integers'),
            ('flat.npy', tokens.reshape(-1), 'shape'),
            ('none.npy', tokens[:0], 'no frames')]:
        np.save(cli.path(name), array.astype(array.dtype if array.dtype != np.int64 else np.int32))
        cli.fails(failures, mention, 'decode', '-m', model, cli.path(name), out)
    npy = read(cli.path('good.npy'))
    decode_fails('truncated .npy data', 'cut.npy', npy[:-1])
    decode_fails('truncated .npy header', 'head.npy', npy[:40])


def test_wrong_model(cli, failures, model, speech):
    """A .hfc records its model; another model's tokens are refused unless --force,
    and a model with other codebooks refuses them even then."""
    hfc = cli.path('model1.hfc')
    cli.ok(failures, 'encode', '-m', model, speech, hfc)
    cli.ok(failures, 'encode', '-m', model, speech, cli.path('model1.npy'))
    other = make_model(cli, 'causal', seed=2)  # same shape, other weights
    out = cli.path('out.wav')
    cli.fails(failures, '--force', 'decode', '-m', other, hfc, out, exit_status=1)
    status, _, err = cli.run('decode', '--force', '-m', other, hfc, out)
    failures.check(status == 0 and len(err.splitlines()) == 1 and 'warning' in err,
                   'decode --force with another model warns once: %r' % err)
    status, _, err = cli.run('decode', '--force', '-q', '-m', other, hfc, out)
    failures.check(status == 0 and err == '', 'decode --force -q is silent: %r' % err)
    # .npy carries no model id: only its shape and range are checked.
    cli.ok(failures, 'decode', '-m', other, cli.path('model1.npy'), out)

    tiny = make_model(cli, 'tiny', seed=1)  # 4 x 64 codebooks
    cli.fails(failures, '1024-entry codebooks', 'decode', '--force', '-m', tiny, hfc, out)
    cli.fails(failures, 'outside [0, 64)', 'decode', '-m', tiny, cli.path('model1.npy'), out)


def main():
    cli = Cli(sys.argv)
    failures = Failures()
    speech = speech_files(1)[0]
    model = make_model(cli, 'causal', seed=1)
    test_bad_audio(cli, failures, model, speech)
    test_block_codecs_in_pipes(cli, failures, model)
    test_header_loop_in_pipe(cli, failures, model)
    test_bad_tokens(cli, failures, model, speech)
    test_wrong_model(cli, failures, model, speech)
    failures.finish('cli_errors')


if __name__ == '__main__':
    main()
