"""Model, StreamEncoder and StreamDecoder: libhificodec's codec on NumPy arrays."""
import dataclasses
import os

import numpy as np

from . import _arrays, _native, _paths


@dataclasses.dataclass(frozen=True)
class Info:
    """What a model is (hfc_model_info): rates, token layout, cost, identity."""
    sample_rate: int        # PCM rate in Hz, e.g. 16000
    hop_samples: int        # samples per frame, e.g. 320
    n_groups: int
    n_layers: int
    n_codebooks: int        # tokens per frame: n_layers * n_groups
    codebook_size: int      # entries per codebook, e.g. 1024
    latent_dim: int         # floats per frame of latents
    causal: bool
    frame_rate: float       # frames per second, e.g. 50.0
    bitrate: float          # bits per second of tokens
    n_params: int
    encode_gflop_per_s: float
    decode_gflop_per_s: float
    model_id: int           # 64-bit hash of the model file (a .hfc file records it)
    name: str
    cpu_path: str           # kernels in use: scalar, avx2, avx512, neon
    decoder_head: str       # "waveform" (conv_post, tanh) or "istft" (an inverse STFT)
    head_n_fft: int         # istft: the inverse STFT's size in samples; 0 for waveform
    head_hop_samples: int   # istft: its hop in samples; 0 for waveform


def default_model_path():
    """$HFC_MODEL, then the shipped model in the source tree, then the installed one:
    the order the CLI uses."""
    env = os.environ.get('HFC_MODEL')
    if env:
        return env
    for path in (_paths.SOURCE_MODEL, _paths.INSTALLED_MODEL):
        if os.path.isfile(path):
            return path
    raise FileNotFoundError('no model file found (tried %s and %s); pass a path or set '
                            'HFC_MODEL' % (_paths.SOURCE_MODEL, _paths.INSTALLED_MODEL))


class Model:
    """A loaded model file. Immutable: one Model serves any number of threads, and
    every call releases the GIL while the codec runs.

    Model(path=None, threads=0): path defaults to default_model_path(); threads is
    how many cores encode() and decode() of one utterance use (0: all of them).
    """

    def __init__(self, path=None, threads=0):
        self.path = os.fspath(path) if path is not None else default_model_path()
        self.threads = int(threads)
        self._native = _native.Model(self.path)
        self.info = Info(**self._native.info())
        self._codebooks = None

    @property
    def sample_rate(self):
        return self.info.sample_rate

    @property
    def hop_samples(self):
        return self.info.hop_samples

    @property
    def n_codebooks(self):
        return self.info.n_codebooks

    @property
    def codebook_size(self):
        return self.info.codebook_size

    @property
    def frame_rate(self):
        return self.info.frame_rate

    def __repr__(self):
        return 'hificodec.Model(%r: %d Hz, %d x %d codebooks, %.0f frames/s)' % (
            self.path, self.sample_rate, self.n_codebooks, self.codebook_size, self.frame_rate)

    def _threads(self, threads):
        return self.threads if threads is None else int(threads)

    def _tokens(self, data):
        return _arrays.tokens_from_bytes(data, self.n_codebooks, self.codebook_size)

    def encode(self, pcm, sample_rate=None, threads=None):
        """Mono PCM (float32 in [-1, 1], or int16) at sample_rate (default: the
        model's; any other rate is resampled with the CLI's resampler) into tokens:
        int16 [frames, n_codebooks], floor(samples / hop) frames at the model's rate."""
        samples = _arrays.pcm(pcm)
        rate = self.sample_rate if sample_rate is None else int(sample_rate)
        return self._tokens(self._native.encode(samples, rate, self._threads(threads)))

    def decode(self, tokens, threads=None):
        """Tokens [frames, n_codebooks] (any integer dtype) into float32 PCM of
        frames * hop samples at the model's rate."""
        values = _arrays.tokens(tokens, self.n_codebooks, self.codebook_size)
        out = np.empty(len(values) * self.hop_samples, dtype=np.float32)
        self._native.decode(values, len(values), out, self._threads(threads))
        return out

    def encode_batch(self, pcms, sample_rate=None, jobs=0):
        """encode() of each item of a list, on `jobs` cores at once (0: all), the GIL
        released throughout. sample_rate: one rate for all, or a list."""
        items = [_arrays.pcm(p, 'item %d' % i) for i, p in enumerate(pcms)]
        rates = sample_rate if isinstance(sample_rate, (list, tuple)) else \
            [self.sample_rate if sample_rate is None else sample_rate] * len(items)
        out = self._native.encode_batch(items, [int(r) for r in rates], int(jobs))
        return [self._tokens(data) for data in out]

    def decode_batch(self, tokens_list, jobs=0):
        """decode() of each item of a list, on `jobs` cores at once (0: all)."""
        items = [_arrays.tokens(t, self.n_codebooks, self.codebook_size, 'item %d' % i)
                 for i, t in enumerate(tokens_list)]
        outs = [np.empty(len(t) * self.hop_samples, dtype=np.float32) for t in items]
        self._native.decode_batch(items, [len(t) for t in items], outs, int(jobs))
        return outs

    def latents(self, tokens):
        """The latents the decoder sees for tokens: float32 [frames, latent_dim], the
        sum over layers of each group's codewords (docs/TTS.md)."""
        values = _arrays.tokens(tokens, self.n_codebooks, self.codebook_size)
        out = np.empty((len(values), self.info.latent_dim), dtype=np.float32)
        self._native.latents(values, len(values), out, 1)
        return out

    def decode_latents(self, latents, threads=None):
        """float32 latents [frames, latent_dim] (a TTS model's predictions, say) into
        float32 PCM of frames * hop samples. decode(t) == decode_latents(latents(t))."""
        array = np.asarray(latents)
        if array.dtype != np.float32:
            raise TypeError('latents must be float32, not %s' % array.dtype)
        if array.ndim != 2 or array.shape[1] != self.info.latent_dim:
            raise ValueError('latents must have shape [frames, %d], not %s' % (
                self.info.latent_dim, array.shape))
        array = np.ascontiguousarray(array)
        out = np.empty(len(array) * self.hop_samples, dtype=np.float32)
        self._native.decode_latents(array, len(array), out, self._threads(threads))
        return out

    @property
    def codebooks(self):
        """float32 [n_codebooks, codebook_size, latent_dim // n_groups]; codebook
        k = layer * n_groups + group (read-only)."""
        if self._codebooks is None:
            dim = self.info.latent_dim // self.info.n_groups
            books = np.empty((self.n_codebooks, self.codebook_size, dim), dtype=np.float32)
            for k in range(self.n_codebooks):
                self._native.codebook(k, books[k])
            books.setflags(write=False)
            self._codebooks = books
        return self._codebooks

    def tokenize_file(self, source, output, format='npy', overwrite=False):
        """One file of 'hificodec tokenize': read, resample, encode, write atomically
        (skipped when output already holds this model's tokens). Returns a dict:
        outcome ('done', 'skipped', 'failed'), error, n_frames, audio_seconds and
        the seconds spent reading, encoding and writing."""
        fmt = {'npy': _native.TOKENS_NPY, 'hfc': _native.TOKENS_HFC}[format]
        return self._native.tokenize_file(os.fspath(source), os.fspath(output), fmt,
                                           bool(overwrite))


class StreamEncoder:
    """One stream's encoder, frame by frame (hfc_encoder_push): push PCM at the
    model's rate in chunks of any size, get the tokens of every frame completed.
    For causal models (the default one) the tokens equal encode()'s. One thread at
    a time."""

    def __init__(self, model):
        self.model = model
        self._stream = _native.StreamEncoder(model._native)

    @property
    def latency(self):
        """Samples from a frame's first sample to its tokens: frame plus look-ahead."""
        return self._stream.latency

    def push(self, pcm):
        return self.model._tokens(self._stream.push(_arrays.pcm(pcm)))

    def flush(self):
        """The frames held for look-ahead; the stream starts over."""
        return self.model._tokens(self._stream.flush())

    def reset(self):
        self._stream.reset()


class StreamDecoder:
    """One stream's decoder, frame by frame (hfc_decoder_push): push tokens, get the
    PCM that became final. One thread at a time."""

    def __init__(self, model):
        self.model = model
        self._stream = _native.StreamDecoder(model._native)

    @property
    def latency(self):
        """Samples held back for look-ahead: 0 for causal models."""
        return self._stream.latency

    def push(self, tokens):
        values = _arrays.tokens(tokens, self.model.n_codebooks, self.model.codebook_size)
        return _arrays.floats_from_bytes(self._stream.push(values, len(values)))

    def flush(self):
        return _arrays.floats_from_bytes(self._stream.flush())

    def reset(self):
        self._stream.reset()
