#!/usr/bin/python3
"""Writes the seed corpus of fuzz_rtp into corpus/ (committed; rerun to refresh).

Each seed is a 4-byte little-endian RTP timestamp, then a payload of docs/RTP.md
for the default geometry (4 tokens of 10 bits, 5 bytes a frame), packed here
independently of the C writer, plus near misses. Deterministic.
"""
import os
import struct


def frame(tokens):
    bits = ''.join(format(t, '010b') for t in tokens)
    return int(bits, 2).to_bytes(5, 'big')


def payload(n_redundant, frames, version=0, reserved=0):
    return bytes([version << 6 | n_redundant << 3 | reserved]) + b''.join(map(frame, frames))


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
    os.makedirs(out, exist_ok=True)
    f = [[1, 2, 3, 1023], [0, 512, 1023, 0], [1023] * 4, [7, 70, 700, 17], [0] * 4]
    seeds = {
        'one_frame': (0, payload(0, f[:1])),
        'k1_two_frames': (320 * 7, payload(1, f[:3])),
        'k4_one_frame': (0xFFFFFEC0, payload(4, f)),
        'k2_three_frames_wrap': (0xFFFFFFFF - 639, payload(2, f)),
        'reserved_bits': (640, payload(0, f[:2], reserved=5)),
        'version1': (0, payload(0, f[:1], version=1)),
        'all_redundant': (0, payload(3, f[:3])),
        'partial_frame': (0, payload(0, f[:2])[:-2]),
        'header_only': (0, payload(0, [])),
        'off_grid': (17, payload(0, f[:1])),
    }
    for name, (timestamp, body) in seeds.items():
        with open(os.path.join(out, name + '.bin'), 'wb') as file:
            file.write(struct.pack('<I', timestamp) + body)


if __name__ == '__main__':
    main()
