"""Token files (.hfc and .npy) with libhificodec's reader and writer, and audio
files with the CLI's reader."""
import dataclasses
import os

import numpy as np

from . import _arrays, _native


@dataclasses.dataclass(frozen=True)
class TokenHeader:
    """What a token file says: its format and, for .hfc, the model that wrote it
    (a .npy file records no model: model_id, sample_rate and hop_samples are 0)."""
    format: str             # 'hfc' or 'npy'
    model_id: int
    sample_rate: int
    hop_samples: int
    codebook_size: int      # for .npy: the bound the tokens were checked against
    n_codebooks: int
    n_frames: int


def load_tokens(path, model=None, allow_other_model=False, with_header=False):
    """Reads a .hfc or .npy token file (told by its first bytes; path may also be
    the file's bytes) into int16 [frames, n_codebooks]. With a model, the tokens
    must fit it: the codebooks always, and for .hfc the rate, hop and model id
    (allow_other_model accepts another id). with_header=True returns (tokens,
    TokenHeader). Corrupt, truncated or out-of-range files raise hificodec.Error."""
    source = path if isinstance(path, (bytes, bytearray)) else os.fspath(path)
    bound = model.codebook_size if model is not None else 0
    header, data, _ = _native.load_tokens(bytes(source) if isinstance(source, bytearray)
                                          else source, bound)
    if model is not None:
        _native.check_header(model._native, header, bool(allow_other_model))
    # A .npy file records no codebook size: int16 whenever its tokens fit, as
    # 'hificodec encode' writes them.
    flat = np.frombuffer(data, dtype=np.int32)
    codebook_size = model.codebook_size if model is not None else header['codebook_size']
    if header['format'] == 'npy' and model is None and flat.size and flat.max() < 32768:
        codebook_size = 32768
    tokens = _arrays.tokens_from_bytes(data, header['n_codebooks'], codebook_size)
    return (tokens, TokenHeader(**header)) if with_header else tokens


def save_tokens(path, tokens, model=None, format=None):
    """Writes tokens [frames, n_codebooks] to path, atomically (a reader or a killed
    writer never sees part of a file). format: 'hfc' or 'npy', by default from the
    extension. .hfc records the model, so it needs one; .npy is int16 (int32 for
    codebooks above 32768 entries), as 'hificodec encode' writes it."""
    path = os.fspath(path)
    if format is None:
        format = os.path.splitext(path)[1].lower().lstrip('.')
    if format not in ('hfc', 'npy'):
        raise ValueError('format must be hfc or npy (or name the file so), not %r' % format)
    array = np.asarray(tokens)
    if model is not None:
        header = dict(model_id=model.info.model_id, sample_rate=model.sample_rate,
                      hop_samples=model.hop_samples, codebook_size=model.codebook_size,
                      n_codebooks=model.n_codebooks)
    elif format == 'hfc':
        raise ValueError('a .hfc file names its model: pass model=')
    else:
        if array.ndim != 2:
            raise ValueError('tokens must have shape [frames, codebooks], not %s' % (
                array.shape,))
        wide = array.size and array.dtype.kind in 'iu' and int(array.max()) >= 32768
        header = dict(model_id=0, sample_rate=0, hop_samples=0,
                      codebook_size=65536 if wide else 32768, n_codebooks=array.shape[1])
    values = _arrays.tokens(array, header['n_codebooks'], header['codebook_size'])
    fmt = _native.TOKENS_HFC if format == 'hfc' else _native.TOKENS_NPY
    _native.save_tokens(path, fmt, header, values, len(values))


def load_audio(path, sample_rate=None):
    """Reads any audio file libsndfile reads (or a 1-D .npy) as the CLI does:
    channels averaged, resampled to sample_rate (default: keep the file's rate)
    with libsoxr's high-quality resampler. Returns (float32 samples, rate)."""
    data, rate = _native.load_audio(os.fspath(path), int(sample_rate or 0))
    return _arrays.floats_from_bytes(data), rate
