#!/usr/bin/python3
"""What `hificodec stream` and `play` say when they cannot run: devices that do
not exist, a daemon that is not there, files they cannot read, and bad command
lines. Each is one "hificodec: <what>: <why>" line on stderr and the exit status
of cli_common.h (1: the work failed, 2: the command line). Also --list-devices
and the help texts."""
import sys

import numpy as np

from alsa_rig import AlsaRig
from mictest import RATE, Failures, Mic


def check_error(failures, mic, env, exit_status, must_mention, *args):
    status, out, err = mic.run(*args, env=env)
    label = 'hificodec %s' % ' '.join(str(a) for a in args)
    lines = err.splitlines()
    failures.check(status == exit_status, '%s: exit %d, expected %d' % (label, status,
                                                                       exit_status))
    failures.check(len(lines) == 1 and lines[0].startswith('hificodec: '),
                   '%s: one "hificodec: " line, got %r' % (label, err))
    failures.check(must_mention.lower() in err.lower(),
                   '%s: %r should mention %r' % (label, err, must_mention))


def main():
    mic, failures = Mic(sys.argv), Failures()
    model = ['-m', mic.model]
    token_file = mic.path('x.hfc')

    # The command line, checked before any device is opened.
    usage = [
        ('--local', ['stream']),
        ('--local', ['stream', '--local', '--daemon', '/tmp/x.sock']),
        ('.npy', ['stream', '--local', '-t', '-', '--format', 'npy']),
        ('.hfc or .npy', ['stream', '--local', '-t', mic.path('x.tokens')]),
        ('--duration', ['stream', '--local', '-d', '0']),
        ('--delay', ['stream', '--local', '--delay', '-5']),
        ('stdout', ['stream', '--local', '-r', '-']),
        ('format', ['stream', '--local', '-r', mic.path('x.mp4')]),
        ('unexpected', ['stream', '--local', 'extra']),
        ('needs FILE', ['play']),
        ('unknown option', ['play', '--bogus', 'x.hfc']),
    ]
    for mention, args in usage:
        check_error(failures, mic, mic.env, 2, mention, *args)

    with AlsaRig(np.zeros(RATE, np.float32)) as rig:
        env = rig.env(mic.env)
        status, out, err = mic.run('stream', '--list-devices', env=env)
        listing = out.decode()
        failures.check(status == 0 and 'hfc_capture' in listing and 'hfc_playback' in listing
                       and '[default input]' in listing,
                       '--list-devices lists the devices: %r %r' % (listing, err))
        devices = ['-i', 'hfc_capture', '-o', 'none', '-t', token_file]
        check_error(failures, mic, env, 1, "'nosuch'", 'stream', '--local', *model, '-i',
                    'nosuch', '-t', token_file)
        check_error(failures, mic, env, 1, "'nosuch'", 'stream', '--local', *model, '-i',
                    'hfc_capture', '-o', 'nosuch')
        check_error(failures, mic, env, 1, 'no device 42', 'stream', '--local', *model, '-i',
                    '42')
        check_error(failures, mic, env, 1, 'hfc_capture_file', 'stream', '--local', *model,
                    '-i', 'HFC_CAP')  # two devices: say which
        check_error(failures, mic, env, 1, 'is hificodecd running', 'stream', '--daemon',
                    mic.path('nobody.sock'), *devices)
        check_error(failures, mic, env, 1, 'nosuch', 'play', *model, '-o', 'nosuch',
                    token_file)
        check_error(failures, mic, env, 1, 'missing.hfc', 'play', *model, '-o', 'hfc_playback',
                    mic.path('missing.hfc'))
        with open(mic.path('garbage.hfc'), 'wb') as file:
            file.write(b'HFCT' + bytes(60))
        check_error(failures, mic, env, 1, 'garbage.hfc', 'play', *model, '-o', 'hfc_playback',
                    mic.path('garbage.hfc'))
        check_error(failures, mic, env, 1, 'nowhere', 'stream', '--local', '-m',
                    mic.path('nowhere.safetensors'), *devices)

    for command, mentions in [('stream', ['--local', '--daemon', '--input', '--output',
                                          '--delay', '--tokens', '--record', '--duration',
                                          '--list-devices', 'capture->tokens', 'Ctrl-C']),
                              ('play', ['--output', '--delay', '--force', '--daemon'])]:
        status, out, _ = mic.run(command, '--help')
        text = out.decode()
        failures.check(status == 0 and all(m in text for m in mentions),
                       '%s --help documents %s' % (command, mentions))
        failures.check(max(len(line) for line in text.splitlines()) <= 80,
                       '%s --help fits 80 columns' % command)
    status, out, _ = mic.run('--help')
    failures.check(status == 0 and b'stream' in out and b'play' in out,
                   'hificodec --help lists stream and play')
    failures.finish('mic_stream_errors')


if __name__ == '__main__':
    main()
