#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_protocol: one valid message of every type (as the
protocol in src/client/PROTOCOL.md lays them out) and the malformed kinds the
daemon must survive. Run from anywhere: python3 make_corpus.py [DIR]"""
import os
import struct
import sys

MAGIC = 0x44434648
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")


def msg(type_, body=b"", stream=0, seq=1, flags=0, body_bytes=None):
    n = len(body) if body_bytes is None else body_bytes
    return struct.pack("<HHIII", type_, flags, stream, seq, n) + body


def model():
    return struct.pack("<IIIIIQ", 16000, 320, 4, 1024, 1, 0x0123456789ABCDEF)


seeds = {
    "hello": msg(0x01, struct.pack("<IHHI", MAGIC, 1, 1, 0) + b"softphone"),
    "hello_future": msg(0x01, struct.pack("<IHHI", MAGIC, 7, 9, 0)),
    "hello_bad_magic": msg(0x01, struct.pack("<IHHI", 0x12345678, 1, 1, 0)),
    "hello_control_char_name": msg(0x01, struct.pack("<IHHI", MAGIC, 1, 1, 0) + b"a\nb"),
    "hello_ok": msg(0x81, struct.pack("<IHHIII", MAGIC, 1, 0, 65536, 16, 60000) + model()),
    "open_duplex_f32": msg(0x02, struct.pack("<BBBBII", 3, 2, 0, 0, 0, 0), stream=1),
    "open_encode_s16_48k_drop": msg(0x02, struct.pack("<BBBBII", 1, 1, 0, 1, 48000, 4), stream=2),
    "open_utterance": msg(0x02, struct.pack("<BBBBII", 2, 2, 1, 0, 0, 0), stream=3),
    "open_bad_direction": msg(0x02, struct.pack("<BBBBII", 9, 2, 0, 0, 0, 0), stream=1),
    "open_ok": msg(0x82, struct.pack("<I", 16000) + model() + struct.pack("<IIIII", 0, 0, 16380, 51, 8),
                   stream=1),
    "pcm_in_f32": msg(0x03, struct.pack("<8f", *[0.1 * i for i in range(8)]), stream=1),
    "pcm_in_odd": msg(0x03, b"\x01\x02\x03", stream=1),
    "tokens_in": msg(0x04, struct.pack("<8H", 1, 2, 3, 4, 1020, 1021, 1022, 1023), stream=1),
    "tokens_in_out_of_range": msg(0x04, struct.pack("<4H", 1024, 0, 0, 0), stream=1),
    "tokens_out": msg(0x83, struct.pack("<Q4H", 7, 1, 2, 3, 4), stream=1, flags=1),
    "pcm_out": msg(0x84, struct.pack("<Q4h", 320, -32768, 0, 1, 32767), stream=1),
    "flush": msg(0x05, struct.pack("<I", 3), stream=1),
    "flushed": msg(0x85, struct.pack("<I", 1), stream=1),
    "close": msg(0x06, stream=1),
    "closed": msg(0x86, stream=1),
    "stats_request": msg(0x07),
    "stats": msg(0x87, struct.pack("<17Q", *range(17))),
    "dropped": msg(0x88, stream=4, seq=99),
    "error": msg(0x8F, struct.pack("<i", -13) + b"CPU budget exhausted", stream=2),
    "error_positive_code": msg(0x8F, struct.pack("<i", 5) + b"x"),
    "truncated_header": msg(0x07)[:10],
    "body_length_lies": msg(0x04, b"\x00" * 8, stream=1, body_bytes=100),
    "unknown_type": msg(0x42),
    "unknown_flag": msg(0x07, flags=0x8000),
    "empty": b"",
}

os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} files to {out}")
