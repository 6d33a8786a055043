"""The model configuration: our JSON schema (models/FORMAT.md), its validation,
the built-in named configs and the mapping from AcademiCodec's config files."""

import dataclasses
import json
import math
import os
from dataclasses import dataclass
from typing import List, Optional

FORMAT_VERSION = 1

# Limits from models/FORMAT.md; the C loader rejects anything outside them.
MAX_CHANNELS = 4096
MAX_KERNEL = 64
MAX_STRIDE = 64
MAX_DILATION = 64
MAX_STAGES = 8
MAX_RESBLOCKS = 8
MAX_DILATIONS = 4
MAX_GROUPS = 16
MAX_LAYERS = 8
MIN_CODEBOOK, MAX_CODEBOOK = 2, 65536
MIN_RATE, MAX_RATE = 1000, 192000


@dataclass
class EncoderConfig:
    channels: List[int]
    strides: List[int]
    kernels: List[int]
    resblock_kernels: List[int]
    resblock_dilations: List[List[int]]
    pre_kernel: int = 7
    post_kernel: int = 3
    norm: str = "group"
    norm_channels_per_group: int = 16
    norm_eps: float = 1e-6


@dataclass
class DecoderConfig:
    channels: List[int]
    strides: List[int]
    kernels: List[int]
    resblock_kernels: List[int]
    resblock_dilations: List[List[int]]
    pre_kernel: int = 7
    post_kernel: int = 7
    # "waveform": conv_post gives the samples (through tanh). "istft": the
    # strides stop short of the hop; conv_post gives head_n_fft / 2 + 1 log
    # magnitudes and as many phases per frame of the last stage, and a fixed
    # inverse STFT (periodic Hann, hop = hop / prod(strides)) renders them
    # (Vocos, Siuzdak 2023): the high-rate stages, the most costly per
    # training step, are replaced by one transposed conv.
    head: str = "waveform"
    head_n_fft: int = 0


# Decoder fields written to a file only when they differ from these, so that
# files of waveform-head models keep the schema older readers know.
DECODER_OPTIONAL = {"head": "waveform", "head_n_fft": 0}
MAX_HEAD_N_FFT = 4096


@dataclass
class QuantizerConfig:
    groups: int = 2
    layers: int = 2
    codebook_size: int = 1024


@dataclass
class Config:
    name: str
    sample_rate: int
    hop: int
    latent_dim: int
    encoder: EncoderConfig
    quantizer: QuantizerConfig
    decoder: DecoderConfig
    causal: bool = False
    resblock: str = "1"
    lrelu_slope: float = 0.1
    encoder_final_slope: float = 0.01
    format_version: int = FORMAT_VERSION

    @property
    def n_codebooks(self) -> int:
        return self.quantizer.groups * self.quantizer.layers

    def frames_for_samples(self, n_samples: int) -> int:
        # Every strided conv maps L to floor(L / s) (validate() guarantees
        # it), and nested floors of divisions compose into one.
        return n_samples // self.hop

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for key, default in DECODER_OPTIONAL.items():
            if d["decoder"][key] == default:
                del d["decoder"][key]
        return {"format_version": d.pop("format_version"), **d}  # version first, for readers

    @property
    def head_hop(self) -> int:
        """Samples per frame of the generator's last stage."""
        return self.hop // math.prod(self.decoder.strides)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def save(self, path: str) -> None:
        with open(path, "w") as f:
            f.write(self.to_json() + "\n")

    @staticmethod
    def from_dict(d: dict) -> "Config":
        d = dict(d)
        try:
            enc = _strict(EncoderConfig, d.pop("encoder"))
            quant = _strict(QuantizerConfig, d.pop("quantizer"))
            dec = _strict(DecoderConfig, d.pop("decoder"))
        except KeyError as e:
            raise ValueError(f"config: missing section {e}") from None
        cfg = _strict(Config, d, encoder=enc, quantizer=quant, decoder=dec)
        validate(cfg)
        return cfg


def _strict(cls, d: dict, **extra):
    """Builds dataclass cls from d. Unknown keys are errors: a misspelt key
    must not silently leave its field at the default."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(d) - names
    if unknown:
        raise ValueError(f"config: unknown key(s) {sorted(unknown)} in {cls.__name__}")
    try:
        return cls(**d, **extra)
    except TypeError as e:
        raise ValueError(f"config: {cls.__name__}: {e}") from None


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(f"config: {msg}")


def _check_int(value, lo: int, hi: int, what: str) -> None:
    _check(isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi,
           f"{what} = {value!r}, want an integer in {lo}..{hi}")


def _check_net(net, kind: str, causal: bool) -> None:
    n_stages = len(net.strides)
    _check(1 <= n_stages <= MAX_STAGES, f"{kind}: {n_stages} stages, want 1..{MAX_STAGES}")
    _check(len(net.kernels) == n_stages and len(net.channels) == n_stages + 1,
           f"{kind}: want len(channels) = len(strides) + 1 = len(kernels) + 1")
    for c in net.channels:
        _check_int(c, 1, MAX_CHANNELS, f"{kind} channel")
    for s, k in zip(net.strides, net.kernels):
        _check_int(s, 1, MAX_STRIDE, f"{kind} stride")
        _check_int(k, 1, MAX_KERNEL, f"{kind} kernel")
        _check(k >= s, f"{kind}: kernel {k} shorter than its stride {s}")
        # Centred padding (k-s)/2 only gives exactly L/s (encoder) and T*s
        # (decoder) samples when k-s is even.
        _check(causal or (k - s) % 2 == 0,
               f"{kind}: kernel {k} - stride {s} must be even when not causal")
    n_rb = len(net.resblock_kernels)
    _check(1 <= n_rb <= MAX_RESBLOCKS, f"{kind}: {n_rb} resblocks, want 1..{MAX_RESBLOCKS}")
    _check(len(net.resblock_dilations) == n_rb,
           f"{kind}: resblock_dilations must have one list per resblock kernel")
    for k, dils in zip(net.resblock_kernels, net.resblock_dilations):
        _check_int(k, 1, MAX_KERNEL, f"{kind} resblock kernel")
        _check(1 <= len(dils) <= MAX_DILATIONS,
               f"{kind}: {len(dils)} dilations in a resblock, want 1..{MAX_DILATIONS}")
        for d in dils:
            _check_int(d, 1, MAX_DILATION, f"{kind} dilation")
    _check_int(net.pre_kernel, 1, MAX_KERNEL, f"{kind} pre_kernel")
    _check_int(net.post_kernel, 1, MAX_KERNEL, f"{kind} post_kernel")
    stride1 = [net.pre_kernel, net.post_kernel, *net.resblock_kernels]
    # Centred stride-1 padding d*(k-1)/2 keeps the length only for odd kernels.
    _check(causal or all(k % 2 == 1 for k in stride1),
           f"{kind}: stride-1 kernels must be odd when not causal")


def validate(cfg: Config) -> None:
    """Raises ValueError unless cfg is a model the C library accepts."""
    _check(cfg.format_version == FORMAT_VERSION,
           f"format_version {cfg.format_version!r}, want {FORMAT_VERSION}")
    _check(isinstance(cfg.name, str), "name must be a string")
    _check_int(cfg.sample_rate, MIN_RATE, MAX_RATE, "sample_rate")
    _check(isinstance(cfg.causal, bool), "causal must be true or false")
    _check(cfg.resblock in ("1", "2"), f"resblock {cfg.resblock!r}, want \"1\" or \"2\"")
    for slope in (cfg.lrelu_slope, cfg.encoder_final_slope):
        _check(isinstance(slope, (int, float)) and math.isfinite(slope), "slopes must be numbers")
    _check_int(cfg.latent_dim, 1, MAX_CHANNELS, "latent_dim")

    enc, dec, q = cfg.encoder, cfg.decoder, cfg.quantizer
    _check_net(enc, "encoder", cfg.causal)
    _check_net(dec, "decoder", cfg.causal)
    _check(math.prod(enc.strides) == cfg.hop,
           f"hop {cfg.hop} must equal the product of the encoder strides "
           f"({math.prod(enc.strides)})")
    _check(dec.head in ("waveform", "istft"), f"decoder.head {dec.head!r}, want \"waveform\" or \"istft\"")
    if dec.head == "waveform":
        _check(math.prod(dec.strides) == cfg.hop,
               f"hop {cfg.hop} must equal the product of the decoder strides "
               f"({math.prod(dec.strides)})")
        _check(dec.head_n_fft == 0, "decoder.head_n_fft is for the istft head only")
    else:
        _check(cfg.hop % math.prod(dec.strides) == 0,
               f"decoder strides (product {math.prod(dec.strides)}) must divide the hop {cfg.hop}")
        head_hop = cfg.hop // math.prod(dec.strides)
        _check_int(dec.head_n_fft, 2, MAX_HEAD_N_FFT, "decoder.head_n_fft")
        # An even n_fft of three or more whole hops: the squared Hann windows
        # then overlap-add to a constant (at two they do not), so the head is
        # an exact inverse STFT.
        _check(dec.head_n_fft % 2 == 0 and dec.head_n_fft % head_hop == 0
               and dec.head_n_fft >= 3 * head_hop,
               f"decoder.head_n_fft {dec.head_n_fft} must be even, a multiple of the head hop "
               f"{head_hop} and at least three times it")
    _check(enc.norm in ("group", "none"), f"encoder.norm {enc.norm!r}, want \"group\" or \"none\"")
    # GroupNorm's statistics span the whole utterance: a causal stream cannot have them.
    _check(not cfg.causal or enc.norm == "none", "a causal model needs encoder.norm \"none\"")
    if enc.norm == "group":
        cpg = enc.norm_channels_per_group
        _check_int(cpg, 1, MAX_CHANNELS, "encoder.norm_channels_per_group")
        _check(all(c % cpg == 0 for c in enc.channels[1:]),
               f"encoder channels {enc.channels[1:]} must be multiples of "
               f"norm_channels_per_group {cpg}")
        _check(isinstance(enc.norm_eps, (int, float)) and enc.norm_eps > 0,
               "encoder.norm_eps must be > 0")

    _check_int(q.groups, 1, MAX_GROUPS, "quantizer.groups")
    _check_int(q.layers, 1, MAX_LAYERS, "quantizer.layers")
    _check_int(q.codebook_size, MIN_CODEBOOK, MAX_CODEBOOK, "quantizer.codebook_size")
    _check(cfg.latent_dim % q.groups == 0,
           f"latent_dim {cfg.latent_dim} not divisible by {q.groups} groups")


OFFICIAL_KEYS = ("upsample_rates", "upsample_kernel_sizes", "upsample_initial_channel",
                 "resblock", "resblock_kernel_sizes", "resblock_dilation_sizes",
                 "sampling_rate", "n_code_groups", "n_codes")


def from_academicodec(h: dict, name: Optional[str] = None) -> Config:
    """Maps an official AcademiCodec HiFi-Codec config (the dict of its JSON)
    to ours. The official Encoder hard-codes 32 * 2^i channels, a 512-channel
    latent and runs the generator's strides, kernels and resblocks reversed."""
    missing = [k for k in OFFICIAL_KEYS if k not in h]
    if missing:
        raise ValueError(f"config: not an AcademiCodec config: no {', '.join(missing)}")
    rates = list(h["upsample_rates"])
    kernels = list(h["upsample_kernel_sizes"])
    rb_kernels = list(h["resblock_kernel_sizes"])
    resblock = str(h["resblock"])
    # ResBlock1 builds exactly three convs per dilation list, ResBlock2 two:
    # longer lists are ignored by the official code, so drop the tail here too.
    n_dil = 3 if resblock == "1" else 2
    rb_dilations = [list(d)[:n_dil] for d in h["resblock_dilation_sizes"]]
    n = len(rates)
    ch0 = h["upsample_initial_channel"]
    hop = math.prod(rates)
    rate = h["sampling_rate"]
    if name is None:
        name = f"academicodec-hificodec-{rate // 1000}k-{hop}d"
    cfg = Config(
        name=name,
        sample_rate=rate,
        hop=hop,
        latent_dim=512,
        causal=False,
        resblock=resblock,
        encoder=EncoderConfig(
            channels=[32 * 2**i for i in range(n + 1)],
            strides=rates[::-1],
            kernels=kernels[::-1],
            resblock_kernels=rb_kernels[::-1],
            resblock_dilations=rb_dilations[::-1],
        ),
        quantizer=QuantizerConfig(groups=h["n_code_groups"], layers=2, codebook_size=h["n_codes"]),
        decoder=DecoderConfig(
            channels=[ch0 // 2**i for i in range(n + 1)],
            strides=rates,
            kernels=kernels,
            resblock_kernels=rb_kernels,
            resblock_dilations=rb_dilations,
        ),
    )
    validate(cfg)
    return cfg


def _official(rate: int, rates: List[int], kernels: List[int]) -> dict:
    return {
        "resblock": "1",
        "upsample_rates": rates,
        "upsample_kernel_sizes": kernels,
        "upsample_initial_channel": 512,
        "resblock_kernel_sizes": [3, 7, 11],
        "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "sampling_rate": rate,
        "n_code_groups": 2,
        "n_codes": 1024,
        "codebook_loss_lambda": 1.0,
        "commitment_loss_lambda": 0.25,
    }


# Official configs, in AcademiCodec's own format (so tests can feed them to
# tools/convert-academicodec). 24k_240d is a reconstruction: its JSON is not
# public; 240 = 8*5*3*2 with kernels twice the stride (7 for the odd 3).
OFFICIAL = {
    "16k_320d": _official(16000, [8, 5, 4, 2], [16, 11, 8, 4]),
    "24k_320d": _official(24000, [8, 5, 4, 2], [16, 11, 8, 4]),
    "24k_240d": _official(24000, [8, 5, 3, 2], [16, 11, 7, 4]),
}


def _tiny(name: str, resblock: str = "1", layers: int = 2, causal: bool = False,
          codebook_size: int = 64) -> Config:
    # Small enough for fast tests, but every feature is non-trivial: uneven
    # channel plans, two resblocks with different dilations (so the encoder's
    # reversal shows), GroupNorm with several groups, 2 groups x N layers.
    dil = [[1, 2], [1, 3]] if resblock == "1" else [[1, 2, 4], [1, 3]]
    return Config(
        name=name,
        sample_rate=16000,
        hop=320,
        latent_dim=32,
        causal=causal,
        resblock=resblock,
        encoder=EncoderConfig(
            channels=[8, 16, 16, 32, 32],
            strides=[2, 4, 5, 8],
            kernels=[4, 8, 11, 16],
            resblock_kernels=[5, 3],
            resblock_dilations=dil[::-1],
            norm="none" if causal else "group",
            norm_channels_per_group=4,
        ),
        quantizer=QuantizerConfig(groups=2, layers=layers, codebook_size=codebook_size),
        decoder=DecoderConfig(
            channels=[32, 32, 16, 16, 8],
            strides=[8, 5, 4, 2],
            kernels=[16, 11, 8, 4],
            resblock_kernels=[3, 5],
            resblock_dilations=dil,
        ),
    )


def _tiny_istft(name: str, causal: bool) -> Config:
    # Two of the four stages, then an inverse STFT of 4 hops of 8 samples.
    cfg = _tiny(name, causal=causal, codebook_size=1024 if causal else 64)
    cfg.decoder = dataclasses.replace(cfg.decoder, channels=[32, 32, 16], strides=[8, 5],
                                      kernels=[16, 11], head="istft", head_n_fft=32)
    return cfg


NAMED = {
    **{name: (lambda h=h: from_academicodec(h)) for name, h in OFFICIAL.items()},
    "tiny": lambda: _tiny("tiny"),
    "tiny_istft": lambda: _tiny_istft("tiny_istft", causal=False),
    "causal_istft": lambda: _tiny_istft("causal_istft", causal=True),
    # ResBlock2, with uneven dilation counts and a third quantizer layer
    # (quantizer_modules3).
    "tiny2": lambda: _tiny("tiny2", resblock="2", layers=3),
    "causal": lambda: _tiny("causal", causal=True, codebook_size=1024),
}


def load_config(name_or_path: str) -> Config:
    """A built-in config by name, or a JSON file: ours (has "format_version")
    or AcademiCodec's (has "upsample_rates")."""
    if name_or_path in NAMED:
        cfg = NAMED[name_or_path]()
        validate(cfg)
        return cfg
    if not os.path.exists(name_or_path):
        raise ValueError(f"config: {name_or_path!r} is neither a file nor one of {sorted(NAMED)}")
    with open(name_or_path) as f:
        d = json.load(f)
    if "upsample_rates" in d:
        return from_academicodec(d)
    return Config.from_dict(d)
