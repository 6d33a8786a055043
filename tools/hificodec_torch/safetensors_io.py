"""Reading and writing safetensors files with only struct, json and numpy.

Layout: u64 LE header length N, N bytes of JSON header, then the data. Only
the dtypes a hificodec model file may hold (F32, F16) are supported.
"""

import json
import struct
from typing import Dict, Mapping, Tuple

import numpy as np

from .atomic_file import write_atomic

DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2")}
MAX_HEADER_BYTES = 64 << 20  # the C loader's limit (models/FORMAT.md)


def _dtype_name(dtype: np.dtype) -> str:
    # Any byte order is accepted; the data is written little-endian.
    for name, dt in DTYPES.items():
        if dtype.kind == dt.kind and dtype.itemsize == dt.itemsize:
            return name
    raise ValueError(f"safetensors: unsupported dtype {dtype}; want float32 or float16")


def _layout(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]):
    """(the 8-byte length and header, the tensors' bytes in file order).
    Tensors are stored in name order, back to back."""
    header: Dict[str, object] = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        a = np.asarray(tensors[name])
        dtype = _dtype_name(a.dtype)
        blob = np.ascontiguousarray(a, dtype=DTYPES[dtype]).data.cast("B")
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if any(not isinstance(v, str) for v in metadata.values()):
        raise ValueError("safetensors: metadata values must be strings")
    header["__metadata__"] = dict(metadata)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # Pad with spaces (valid JSON whitespace) so the data starts 8-byte aligned.
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, blobs


def encode(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> bytes:
    """The file's bytes."""
    head, blobs = _layout(tensors, metadata)
    return head + b"".join(blobs)


def write(path: str, tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> None:
    """The file at path, written whole or not at all (atomic_file)."""
    head, blobs = _layout(tensors, metadata)

    def write_parts(f):
        f.write(head)
        for blob in blobs:
            f.write(blob)
    write_atomic(path, write_parts)


def decode(data: bytes) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """(tensors by name, metadata) from a file's bytes; ValueError if malformed."""
    if len(data) < 8:
        raise ValueError("safetensors: file shorter than its 8-byte header length")
    (n,) = struct.unpack_from("<Q", data, 0)
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise ValueError(f"safetensors: header length {n} exceeds the file or the 64 MiB limit")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"safetensors: bad JSON header: {e}") from None
    if not isinstance(header, dict):
        raise ValueError("safetensors: header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    body = memoryview(data)[8 + n:]
    tensors = {}
    spans = []
    for name, info in header.items():
        try:
            dtype = DTYPES[info["dtype"]]
            shape = tuple(int(s) for s in info["shape"])
            begin, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"safetensors: bad entry for tensor {name!r}: {info!r}") from None
        if not 0 <= begin <= end <= len(body):
            raise ValueError(f"safetensors: {name}: offsets {begin}..{end} outside the data")
        if end - begin != int(np.prod(shape)) * dtype.itemsize:
            raise ValueError(f"safetensors: {name}: {end - begin} bytes for shape {list(shape)}")
        spans.append((begin, end, name))
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape).copy()
    spans.sort()
    for (_, end0, a), (begin1, _, b) in zip(spans, spans[1:]):
        if begin1 < end0:
            raise ValueError(f"safetensors: tensors {a} and {b} overlap")
    return tensors, metadata


def read(path: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    with open(path, "rb") as f:
        return decode(f.read())
