"""Compute cost and size of a config, from its shapes alone.

    python3 -m hificodec_torch.flops --config NAME|PATH

Counts the multiply-adds of every conv and transposed conv and of the
quantizer's distance products (codebook_size x dim per group and layer per
frame), per second of audio; GFLOP/s = 2 x MACs. Biases, activations,
GroupNorm, tanh and the istft head's polar step are O(activations), not
counted. Parameters are those of
the model file (weight norm folded)."""

import argparse
from dataclasses import dataclass

from .config import Config, load_config


@dataclass
class Cost:
    encode_macs_per_s: float
    decode_macs_per_s: float
    encoder_params: int
    quantizer_params: int
    decoder_params: int

    @property
    def params(self) -> int:
        return self.encoder_params + self.quantizer_params + self.decoder_params


def _conv(cin: int, cout: int, k: int, rate: float):
    """(MACs per second at output rate `rate`, params) of a conv."""
    return cout * cin * k * rate, cout * cin * k + cout


def _resblocks(cfg: Config, net, ch: int, rate: float):
    macs = params = 0
    convs_per_dilation = 2 if cfg.resblock == "1" else 1
    for k, dils in zip(net.resblock_kernels, net.resblock_dilations):
        m, p = _conv(ch, ch, k, rate)
        macs += m * len(dils) * convs_per_dilation
        params += p * len(dils) * convs_per_dilation
    return macs, params


def cost(cfg: Config) -> Cost:
    sr = float(cfg.sample_rate)

    e = cfg.encoder
    macs, params = _conv(1, e.channels[0], e.pre_kernel, sr)
    rate = sr
    for i, (s, k) in enumerate(zip(e.strides, e.kernels)):
        rate /= s
        ch = e.channels[i + 1]
        m, p = _conv(e.channels[i], ch, k, rate)
        m2, p2 = _resblocks(cfg, e, ch, rate)
        macs, params = macs + m + m2, params + p + p2
        if e.norm == "group":
            params += 2 * ch * len(e.resblock_kernels)
    m, p = _conv(e.channels[-1], cfg.latent_dim, e.post_kernel, rate)
    enc_macs, enc_params = macs + m, params + p

    q = cfg.quantizer
    frame_rate = sr / cfg.hop
    enc_macs += frame_rate * q.layers * q.codebook_size * cfg.latent_dim
    q_params = q.layers * q.codebook_size * cfg.latent_dim

    d = cfg.decoder
    rate = frame_rate
    macs, params = _conv(cfg.latent_dim, d.channels[0], d.pre_kernel, rate)
    for i, (s, k) in enumerate(zip(d.strides, d.kernels)):
        # A transposed conv does in x out x k MACs per *input* frame.
        ch = d.channels[i + 1]
        m, p = _conv(d.channels[i], ch, k, rate)
        rate *= s
        m2, p2 = _resblocks(cfg, d, ch, rate)
        macs, params = macs + m + m2, params + p + p2
    if d.head == "istft":
        # conv_post to the log magnitudes and phases, then the inverse STFT: a
        # transposed conv of n_fft + 2 inputs, one output, n_fft taps per input
        # frame (its fixed weight is a buffer, not a parameter; the polar step
        # is O(activations)).
        m, p = _conv(d.channels[-1], d.head_n_fft + 2, d.post_kernel, rate)
        m += (d.head_n_fft + 2) * d.head_n_fft * rate
    else:
        m, p = _conv(d.channels[-1], 1, d.post_kernel, rate)
    return Cost(enc_macs, macs + m, enc_params, q_params, params + p)


def main() -> None:
    ap = argparse.ArgumentParser(description="MACs and parameters of a hificodec config.")
    ap.add_argument("--config", required=True, help="built-in config name or JSON file")
    args = ap.parse_args()
    cfg = load_config(args.config)
    c = cost(cfg)
    print(f"{cfg.name}: {cfg.sample_rate} Hz, hop {cfg.hop}, "
          f"{cfg.n_codebooks} x {cfg.quantizer.codebook_size} codes")
    print(f"  encode: {2 * c.encode_macs_per_s / 1e9:8.3f} GFLOP per second of audio")
    print(f"  decode: {2 * c.decode_macs_per_s / 1e9:8.3f} GFLOP per second of audio")
    print(f"  params: {c.params:,} (encoder {c.encoder_params:,}, "
          f"quantizer {c.quantizer_params:,}, decoder {c.decoder_params:,})")


if __name__ == "__main__":
    main()
