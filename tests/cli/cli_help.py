#!/usr/bin/python3
"""hificodec's help, version and command-line errors: no model or data needed."""
import sys

from clitest import Cli, Failures

COMMANDS = ['encode', 'decode', 'roundtrip', 'info']


def test_help(cli, failures):
    status, out, _ = cli.run('--help')
    failures.check(status == 0, '--help exits 0')
    usage = out.decode()
    for command in COMMANDS:
        failures.check(command in usage, '--help lists %s' % command)
    # eval and opus are built only with the metrics library; test whatever is listed.
    commands = COMMANDS + [c for c in ['eval', 'opus'] if '\n  %s ' % c in usage]
    failures.check(cli.run('-h')[1] == out and cli.run('help')[1] == out,
                   '-h and help print the same as --help')

    for command in commands:
        status, out, err = cli.run(command, '--help')
        text = out.decode()
        failures.check(status == 0 and err == '', '%s --help exits 0 quietly' % command)
        failures.check(text.startswith('Usage: hificodec %s' % command),
                       '%s --help starts with its usage' % command)
        for section in ['Options:', 'Examples:', 'Exit status:']:
            failures.check(section in text, '%s --help has %s' % (command, section))
        failures.check(cli.run('help', command)[1] == out,
                       'help %s prints %s --help' % (command, command))
        # --help wins over anything else on the line, even bad arguments.
        failures.check(cli.run(command, 'x', 'y', 'z', '--help')[0] == 0,
                       '%s with extra arguments and --help exits 0' % command)

    status, out, _ = cli.run('--version')
    failures.check(status == 0 and out.startswith(b'hificodec ') and b'libhificodec' in out,
                   '--version prints both versions: %r' % out)
    status, out, err = cli.run()
    failures.check(status == 2 and 'Usage' in err and out == b'',
                   'no arguments: usage on stderr, exit 2')


def test_usage_errors(cli, failures):
    """Every bad command line: exit 2 and one line, before any model is loaded (so
    these run without one)."""
    cases = [
        ('unknown command', ['transcode', 'a', 'b']),
        ('help', ['help', 'transcode']),
        ('help', ['help', 'encode', 'decode']),
        ('needs IN and OUT', ['encode']),
        ('needs IN and OUT', ['encode', 'in.wav']),
        ('unexpected argument', ['encode', 'in.wav', 'out.hfc', 'extra']),
        ('unknown option', ['encode', '--bogus', 'in.wav', 'out.hfc']),
        ('unknown option', ['decode', '-x', 'in.hfc', 'out.wav']),
        ('needs a value', ['encode', 'in.wav', 'out.hfc', '--threads']),
        ('whole number', ['encode', '--threads', 'many', 'in.wav', 'out.hfc']),
        ('whole number', ['encode', '--threads=-1', 'in.wav', 'out.hfc']),
        ('whole number', ['roundtrip', '--threads', '4x', 'in.wav', 'out.wav']),
        ('hfc or npy', ['encode', '--format', 'wav', 'in.wav', 'out.hfc']),
        ('token format', ['encode', 'in.wav', 'out.bin']),
        ('--format', ['encode', 'in.wav', '-']),
        ('takes no value', ['decode', '--quiet=1', 'in.hfc', 'out.wav']),
        ('unknown audio format', ['decode', 'in.hfc', 'out.xyz']),
        ('extension', ['decode', 'in.hfc', 'out']),
        ('float', ['decode', '--float', 'in.hfc', 'out.flac']),
        ('unknown audio format', ['roundtrip', 'in.wav', 'out.mp4']),
        ('unexpected argument', ['info', 'a.safetensors', 'b.safetensors']),
        ('not both', ['info', '-m', 'a.safetensors', 'b.safetensors']),
    ]
    for mention, args in cases:
        cli.fails(failures, mention, *args, exit_status=2)


def test_model_resolution(cli, failures):
    missing = cli.path('no-such-model.safetensors')
    cli.fails(failures, 'no-such-model.safetensors', 'info', '-m', missing, exit_status=1)
    env = dict(cli.env, HFC_MODEL=cli.path('from-env.safetensors'))
    cli.fails(failures, 'HFC_MODEL', 'info', env=env, exit_status=1)
    # Without -m or HFC_MODEL: the default model when it exists, else an error that
    # names every place tried.
    status, out, err = cli.run('info')
    if status == 0:
        failures.check(b'hificodec-16k-default.safetensors' in out,
                       'info without a model uses the default model')
    else:
        err = cli.fails(failures, 'no model file found', 'info')
        failures.check(err.count('hificodec-16k-default.safetensors') == 2,
                       'the error names both default paths: %r' % err)
    garbage = cli.path('garbage.safetensors')
    with open(garbage, 'wb') as file:
        file.write(b'\x10\x00\x00\x00\x00\x00\x00\x00{"a": not json}')
    cli.fails(failures, 'garbage.safetensors', 'info', garbage, exit_status=1)


def main():
    cli = Cli(sys.argv)
    failures = Failures()
    test_help(cli, failures)
    test_usage_errors(cli, failures)
    test_model_resolution(cli, failures)
    failures.finish('cli_help')


if __name__ == '__main__':
    main()
