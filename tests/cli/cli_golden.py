#!/usr/bin/python3
"""The CLI against the PyTorch twin: its golden input, codes and audio
(hificodec_torch.golden) come out of `hificodec encode` / `decode` unchanged, through
.npy and .hfc alike. The library's own golden suite holds the tight numerics; this
checks that the CLI's file handling loses nothing on the way."""
import os
import subprocess
import sys

import numpy as np

from clitest import Cli, Failures, hfc_parse, skip

# Tokens may differ only at true near-ties of the quantizer (the twin reports them);
# audio within float32 summation-order noise.
MIN_TOKEN_AGREEMENT = 0.98
MAX_AUDIO_ERROR = 1e-4


def golden(cli, config):
    out = cli.path('golden-' + config)
    try:
        import hificodec_torch.golden  # noqa: F401
    except ImportError as error:
        skip('the PyTorch twin is not importable: %s' % error)
    subprocess.run([sys.executable, '-m', 'hificodec_torch.golden', '--config', config, '--seed',
                    '1', '--seconds', '1', '--out', out], check=True, stdout=subprocess.DEVNULL,
                   env=cli.env)
    return out


def test_config(cli, failures, config):
    directory = golden(cli, config)
    model = os.path.join(directory, 'model.safetensors')
    codes = np.load(os.path.join(directory, 'codes.npy'))
    audio = np.load(os.path.join(directory, 'audio.npy'))
    input_npy = os.path.join(directory, 'input.npy')

    for extension in ['npy', 'hfc']:
        tokens_path = cli.path('%s.%s' % (config, extension))
        cli.ok(failures, 'encode', '-m', model, input_npy, tokens_path)
        if extension == 'npy':
            tokens = np.load(tokens_path)
        else:
            with open(tokens_path, 'rb') as file:
                tokens = hfc_parse(file.read())[1]
        same_shape = failures.check(tokens.shape == codes.shape, '%s .%s: tokens %s, golden %s' % (
            config, extension, tokens.shape, codes.shape))
        if same_shape:
            agreement = float((tokens == codes).mean())
            failures.check(agreement >= MIN_TOKEN_AGREEMENT, '%s .%s: %.3f of tokens agree' % (
                config, extension, agreement))

    # The golden codes are int32, as AcademiCodec writes them.
    cli.ok(failures, 'decode', '-m', model, os.path.join(directory, 'codes.npy'),
           cli.path(config + '-audio.npy'))
    decoded = np.load(cli.path(config + '-audio.npy'))
    if failures.check(decoded.shape == audio.shape, '%s: decoded %s, golden %s' % (
            config, decoded.shape, audio.shape)):
        error = float(np.abs(decoded - audio).max())
        failures.check(error <= MAX_AUDIO_ERROR, '%s: audio differs by %.2e' % (config, error))


def main():
    cli = Cli(sys.argv)
    # PyTorch's numbers are fp32; the reduced formats have their own bar
    # (tests/precision).
    cli.env['HFC_PRECISION'] = 'fp32'
    failures = Failures()
    for config in ['tiny', 'causal']:
        test_config(cli, failures, config)
    failures.finish('cli_golden')


if __name__ == '__main__':
    main()
