"""NumPy on the way in and out of hificodec._native: what dtypes and shapes the
package takes, the clear errors for the others, and the arrays it hands back."""
import numpy as np

from . import _native

# Status codes of libhificodec (include/hificodec.h) that the Python side raises
# itself, with the library's own texts.
BAD_TOKEN = -9
INVALID_ARG = -1


def error(status, message):
    """A hificodec.Error like the ones the C side raises: .status and .code set."""
    names = {BAD_TOKEN: 'HFC_ERR_BAD_TOKEN', INVALID_ARG: 'HFC_ERR_INVALID_ARG'}
    exc = _native.Error('%s: %s' % (message, _native.strerror(status)))
    exc.status, exc.code = status, names.get(status, 'HFC_ERR_UNKNOWN')
    return exc


def pcm(samples, what='pcm'):
    """Mono float32 samples, C-contiguous. int16 is scaled by 1/32768, exactly as
    libsndfile reads 16-bit files (so encode() of the samples of a WAV file gives
    the tokens 'hificodec encode' gives for the file)."""
    array = np.asarray(samples)
    if array.dtype == np.int16:
        array = array.astype(np.float32) / np.float32(32768.0)
    elif array.dtype != np.float32:
        raise TypeError('%s must be float32 or int16 samples, not %s (convert with '
                        '.astype(np.float32), scaled to [-1, 1])' % (what, array.dtype))
    if array.ndim != 1:
        raise ValueError('%s must be mono, shape [samples], not %s (average the channels '
                         'first)' % (what, array.shape))
    return np.ascontiguousarray(array)


def tokens(values, n_codebooks, codebook_size, what='tokens'):
    """Tokens [frames, n_codebooks] of any integer dtype as C-contiguous int32. Values
    that int32 cannot hold are refused here (a cast would wrap them into range);
    the library checks the rest against the codebook and says which token."""
    array = np.asarray(values)
    if array.dtype.kind not in 'iu':
        raise TypeError('%s must be integers, not %s' % (what, array.dtype))
    if array.ndim != 2 or array.shape[1] != n_codebooks:
        raise ValueError('%s must have shape [frames, %d], not %s' % (
            what, n_codebooks, array.shape))
    if array.dtype.itemsize > 4 or array.dtype == np.uint32:
        bad = np.argwhere((array < 0) | (array >= codebook_size))
        if len(bad):
            frame, k = bad[0]
            raise error(BAD_TOKEN, '%s: token %d at frame %d, codebook %d is outside [0, %d)' % (
                what, array[frame, k], frame, k, codebook_size))
    return np.ascontiguousarray(array, dtype=np.int32)


def token_dtype(codebook_size):
    """The dtype tokens come back in: int16, as the .npy files hold them, unless the
    codebooks are too large for it."""
    return np.int16 if codebook_size <= 32768 else np.int32


def tokens_from_bytes(data, n_codebooks, codebook_size):
    """The int32 bytes the C side returns as [frames, n_codebooks] tokens."""
    flat = np.frombuffer(data, dtype=np.int32)
    return flat.reshape(-1, n_codebooks).astype(token_dtype(codebook_size))


def floats_from_bytes(data):
    """float32 bytes from the C side as a writable array (bytes are immutable)."""
    return np.frombuffer(bytearray(data), dtype=np.float32)
