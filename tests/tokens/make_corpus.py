#!/usr/bin/python3
"""Writes the seed corpus of fuzz_tokens into corpus/ (committed; rerun to refresh).

Seeds are small valid files of every shape the parsers accept, plus a few near
misses, written independently of the C writers: .npy by NumPy, .hfc by hand from
TOKENS.md with zlib's CRC-32. Deterministic, so a rerun changes nothing. Inputs that
libFuzzer found to crash a parser (npy_newline_in_key.npy) were added by hand and
stay: this script only ever adds and overwrites its own seeds.
"""
import io
import os
import struct
import zlib

import numpy as np

UNKNOWN_FRAMES = 0xFFFFFFFFFFFFFFFF


def hfc_file(tokens, codebook_size, n_frames_field=None, model_id=0x1234):
    """A .hfc file: the 40-byte header fields, CRC-32, tokens bit-packed MSB-first."""
    tokens = np.asarray(tokens, dtype=np.int64)
    n_frames, n_codebooks = tokens.shape
    bits = max(1, int(codebook_size - 1).bit_length())
    count = n_frames if n_frames_field is None else n_frames_field
    header = b'HFCT' + struct.pack('<HHQIIIHBBQ', 1, 0, model_id, 16000, 320, codebook_size,
                                   n_codebooks, bits, 0, count)
    header += struct.pack('<I', zlib.crc32(header))
    bitstring = ''.join(format(int(t), '0%db' % bits) for t in tokens.reshape(-1))
    bitstring += '0' * (-len(bitstring) % 8)
    payload = bytes(int(bitstring[i:i + 8], 2) for i in range(0, len(bitstring), 8))
    return header + payload


def npy_file(array, fortran=False):
    buffer = io.BytesIO()
    np.save(buffer, np.asfortranarray(array) if fortran else array)
    return buffer.getvalue()


def with_shape(npy, old, new):
    """Swaps the shape text, taking the extra characters out of the padding so that
    the header length stays right and only the shape is wrong."""
    grown = len(new) - len(old)
    header_end = npy.index(b'\n')
    assert npy[header_end - grown:header_end] == b' ' * grown
    return npy[:header_end - grown].replace(old, new, 1) + npy[header_end:]


def main():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 1024, size=(6, 4))
    seeds = {
        'hfc_4x1024.hfc': hfc_file(codes, 1024),
        'hfc_4x1024_unknown_count.hfc': hfc_file(codes, 1024, UNKNOWN_FRAMES),
        'hfc_3x1000_odd_bits.hfc': hfc_file(rng.integers(0, 1000, size=(5, 3)), 1000),
        'hfc_8x65536.hfc': hfc_file(rng.integers(0, 65536, size=(3, 8)), 65536),
        'hfc_1x2_one_bit.hfc': hfc_file([[1], [0], [1]], 2),
        'hfc_truncated_payload.hfc': hfc_file(codes, 1024)[:-3],
        'hfc_absurd_count.hfc': hfc_file(codes, 1024, 1 << 62),
        'npy_int16.npy': npy_file(codes.astype('<i2')),
        'npy_int32_fortran.npy': npy_file(codes.astype('<i4'), fortran=True),
        'npy_int64.npy': npy_file(codes.astype('<i8')),
        'npy_uint16_big_endian.npy': npy_file(codes.astype('>u2')),
        'npy_out_of_range.npy': npy_file(np.array([[0, 1024, 5, 7]], dtype='<i2')),
        'npy_float32_wrong_dtype.npy': npy_file(codes.astype('<f4')),
        'npy_huge_shape.npy': with_shape(npy_file(codes.astype('<i2')), b'(6, 4)',
                                         b'(999999999999, 4)'),
    }
    directory = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(directory, name), 'wb') as file:
            file.write(data)
    print('wrote %d seeds to %s' % (len(seeds), directory))


if __name__ == '__main__':
    main()
