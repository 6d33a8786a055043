#!/usr/bin/python3
"""Writes the seed corpus of fuzz_audio into audio-corpus/ (committed; rerun to
refresh): small files of every container the CLI reads, at several rates and channel
counts, and the near misses its checks exist for (truncated, streaming sizes, NaN)."""
import io
import os
import struct

import numpy as np
import soundfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'audio-corpus')


def tone(n, rate, channels=1):
    t = np.arange(n) / rate
    mono = 0.5 * np.sin(2 * np.pi * 440 * t) * np.exp(-t * 3)
    return np.stack([mono] * channels, axis=1) if channels > 1 else mono


def sf_bytes(data, rate, fmt, subtype=None):
    buf = io.BytesIO()
    soundfile.write(buf, data, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def save(name, data):
    with open(os.path.join(HERE, name), 'wb') as file:
        file.write(data)


def main():
    os.makedirs(HERE, exist_ok=True)
    wav = sf_bytes(tone(400, 16000), 16000, 'WAV', 'PCM_16')
    save('wav16_mono_16k.wav', wav)
    save('wav16_stereo_8k.wav', sf_bytes(tone(300, 8000, 2), 8000, 'WAV', 'PCM_16'))
    save('wav_float_48k.wav', sf_bytes(tone(600, 48000), 48000, 'WAV', 'FLOAT'))
    save('wav24_44k.wav', sf_bytes(tone(441, 44100), 44100, 'WAV', 'PCM_24'))
    save('wav_truncated.wav', wav[:-100])
    streaming = bytearray(wav)
    streaming[4:8] = b'\xff\xff\xff\xff'
    streaming[40:44] = b'\xff\xff\xff\xff'
    save('wav_streaming_sizes.wav', bytes(streaming))
    list_chunk = b'LIST' + struct.pack('<I', 12) + b'INFOISFT' + struct.pack('<I', 0)
    trailing = bytearray(wav + list_chunk)
    trailing[4:8] = struct.pack('<I', len(trailing) - 8)
    save('wav_list_after_data.wav', bytes(trailing))
    nan = tone(200, 16000).astype(np.float32)
    nan[50] = np.nan
    save('wav_nan.wav', sf_bytes(nan, 16000, 'WAV', 'FLOAT'))
    save('flac_44k.flac', sf_bytes(tone(441, 44100), 44100, 'FLAC', 'PCM_16'))
    save('aiff_22k.aiff', sf_bytes(tone(220, 22050), 22050, 'AIFF', 'PCM_16'))
    save('au_16k.au', sf_bytes(tone(160, 16000), 16000, 'AU', 'PCM_16'))
    save('caf_16k.caf', sf_bytes(tone(160, 16000), 16000, 'CAF', 'PCM_16'))
    save('ogg_16k.ogg', sf_bytes(tone(1600, 16000), 16000, 'OGG', 'VORBIS'))
    for dtype in ['<f4', '<f8', '<i2', '>f4']:
        data = tone(200, 16000)
        if dtype.endswith('i2'):
            data = (data * 32767).astype(dtype)
        buf = io.BytesIO()
        np.save(buf, data.astype(dtype))
        save('npy_%s.npy' % dtype.replace('<', 'le_').replace('>', 'be_'), buf.getvalue())
    buf = io.BytesIO()
    np.save(buf, np.zeros((4, 2), np.float32))
    save('npy_2d.npy', buf.getvalue())
    save('one_byte.bin', b'R')


if __name__ == '__main__':
    main()
