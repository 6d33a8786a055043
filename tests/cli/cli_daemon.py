#!/usr/bin/python3
"""encode, decode and roundtrip --daemon: the same bytes as in-process, offline and
with --chunk-ms, through a real hificodecd on a temporary socket. A missing daemon
is a one-line error."""
import os
import subprocess
import sys
import time

import numpy as np

from clitest import Cli, Failures, make_model, skip, speech_files


def start_daemon(cli, model):
    daemon = os.environ.get('HFC_DAEMON', '')
    if not os.path.isfile(daemon):
        skip('hificodecd is not built (HFC_DAEMON=%r)' % daemon)
    socket = cli.path('hfcd.sock')
    config = cli.path('empty.conf')
    open(config, 'w').close()
    proc = subprocess.Popen([daemon, '--config', config, '--model', model, '--socket', socket,
                             '--cpu-budget', '0', '--log-level', 'error'])
    for _ in range(200):
        if os.path.exists(socket):
            return proc, socket
        time.sleep(0.05)
    proc.kill()
    raise SystemExit('hificodecd did not create its socket')


def same_file(a, b):
    with open(a, 'rb') as fa, open(b, 'rb') as fb:
        return fa.read() == fb.read()


def main():
    cli = Cli(sys.argv)
    failures = Failures()
    speech = speech_files(1)[0]
    model = make_model(cli, 'causal', seed=5)
    proc, socket = start_daemon(cli, model)
    try:
        for extra in ([], ['--chunk-ms', '20'], ['--chunk-ms', '200']):
            tag = '-'.join(extra) or 'offline'
            local, remote = cli.path('local%s.hfc' % tag), cli.path('remote%s.hfc' % tag)
            cli.ok(failures, 'encode', '-m', model, *extra, speech, local)
            cli.ok(failures, 'encode', '--daemon', socket, *extra, speech, remote)
            failures.check(same_file(local, remote), 'encode %s: daemon .hfc equals in-process'
                           % tag)
            cli.ok(failures, 'decode', '-m', model, *extra, local, cli.path('l%s.npy' % tag))
            cli.ok(failures, 'decode', '--daemon', socket, *extra, local,
                   cli.path('r%s.npy' % tag))
            a, b = np.load(cli.path('l%s.npy' % tag)), np.load(cli.path('r%s.npy' % tag))
            failures.check(a.shape == b.shape and (a == b).all(),
                           'decode %s: daemon audio equals in-process' % tag)
        cli.ok(failures, 'roundtrip', '-m', model, speech, cli.path('rt-l.wav'))
        cli.ok(failures, 'roundtrip', '--daemon', socket, speech, cli.path('rt-r.wav'))
        failures.check(same_file(cli.path('rt-l.wav'), cli.path('rt-r.wav')),
                       'roundtrip: daemon output equals in-process')
        cli.fails(failures, '--lookahead', 'encode', '--daemon', socket, '--chunk-ms', '20',
                  '--lookahead', '1', speech, cli.path('x.hfc'))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    cli.fails(failures, 'hificodecd', 'encode', '--daemon', cli.path('no-such.sock'), speech,
              cli.path('y.hfc'))
    failures.finish('cli_daemon')


if __name__ == '__main__':
    main()
