"""Causal transposed convs as polyphase convs, for training speed.

Debian's torch runs ConvTranspose1d through im2col and the reference BLAS:
its backward pass is ~10x slower than oneDNN's Conv1d and was a third of a
training step. A causal transposed conv with stride s and kernel k is exactly
a Conv1d with s * C_out channels and ceil(k / s) taps followed by interleaving
the s phases: output sample n*s + r = sum_j x[n - j] . W[:, :, j*s + r]
(taps past k are zero). The parameters and the state dict are untouched, so
checkpoints and exported model files are the same either way.
"""

import torch
import torch.nn.functional as F

from .model import CausalConvTranspose1d


def polyphase_forward(conv: CausalConvTranspose1d, x: torch.Tensor) -> torch.Tensor:
    """What conv(x) computes, for x [B, C_in, T] -> [B, C_out, T * s]."""
    w = conv.weight  # [C_in, C_out, k]; weight norm's pre-hook has set it
    c_in, c_out, k = w.shape
    s = conv.stride[0]
    m = -(-k // s)
    w = F.pad(w, (0, m * s - k)).reshape(c_in, c_out, m, s)
    # Conv1d tap t (left pad m-1) reads x[n - (m-1-t)], i.e. phase tap j = m-1-t.
    w = w.flip(2).permute(1, 3, 0, 2).reshape(c_out * s, c_in, m)
    bias = conv.bias.repeat_interleave(s)
    y = F.conv1d(F.pad(x, (m - 1, 0)), w, bias)  # [B, C_out * s, T], channel c*s + r
    b, _, t = y.shape
    return y.reshape(b, c_out, s, t).transpose(2, 3).reshape(b, c_out, t * s)


def use_polyphase(model: torch.nn.Module) -> None:
    """Routes every causal transposed conv of model through polyphase_forward."""
    for m in model.modules():
        if isinstance(m, CausalConvTranspose1d):
            m.forward = polyphase_forward.__get__(m)
