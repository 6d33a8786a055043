#!/usr/bin/python3
"""Inputs of any length in constant memory (issue 15): a causal model's encode, decode
and roundtrip run files and pipes in pieces with the whole-file bytes; memory does not
grow with the length; progress only on a terminal; outputs appear whole or not at all
(killed runs, a full disk); a non-causal model refuses what it cannot hold."""
import os
import pty
import resource
import select
import signal
import subprocess
import sys
import time

import numpy as np
import soundfile

from clitest import Cli, Failures, hfc_parse, make_model, speech_files


def read(path):
    with open(path, 'rb') as file:
        return file.read()


def long_speech(cli, seconds, name):
    """`seconds` of real speech at 16 kHz: valid/ files end to end, repeated."""
    pieces, total = [], 0
    files = speech_files(12)
    while total < seconds * 16000:
        for path in files:
            audio, rate = soundfile.read(path, dtype='float32')
            assert rate == 16000
            pieces.append(audio)
            total += len(audio)
    audio = np.concatenate(pieces)[:seconds * 16000]
    path = cli.path(name)
    soundfile.write(path, audio, 16000, subtype='PCM_16')
    return path


def peak_rss_mb(pid):
    """VmHWM of a running process (its peak since exec; ru_maxrss would include the
    forked Python's), or 0 once it has gone."""
    try:
        with open('/proc/%d/status' % pid) as file:
            for line in file:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return 0.0


def run_measured(cli, args, limits=None):
    """Runs hificodec, sampling its peak RSS every 20 ms; returns (status, stderr,
    peak RSS in MB)."""
    process = subprocess.Popen([cli.exe] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=cli.env,
                               preexec_fn=limits)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, peak_rss_mb(process.pid))
        time.sleep(0.02)
    err = process.stderr.read()
    return process.returncode, err.decode(errors='replace'), peak


def leftovers(cli, name):
    return [f for f in os.listdir(cli.dir) if f.startswith('.' + name) and f.endswith('.part')]


def test_same_bytes(cli, failures, model, speech):
    """Chunked (the default) and --whole (the offline API) write the same bytes."""
    stereo = cli.path('stereo44.flac')
    cli.fixture_stereo(speech, stereo, 44100)
    npy_audio = cli.path('audio.npy')
    audio, _ = soundfile.read(speech, dtype='float32')
    np.save(npy_audio, audio)
    for tag, source in [('wav', speech), ('flac44', stereo), ('npy', npy_audio)]:
        for ext in ['hfc', 'npy']:
            a, b = cli.path('%s-a.%s' % (tag, ext)), cli.path('%s-b.%s' % (tag, ext))
            cli.ok(failures, 'encode', '-m', model, source, a)
            cli.ok(failures, 'encode', '-m', model, '--whole', source, b)
            failures.check(read(a) == read(b), 'encode %s -> .%s: chunked = whole' % (tag, ext))
        tokens = cli.path('%s-a.hfc' % tag)
        for out, extra in [('wav', []), ('flac', []), ('npy', []), ('wav', ['--float'])]:
            a = cli.path('%s-dec-a%s.%s' % (tag, ''.join(extra), out))
            b = cli.path('%s-dec-b%s.%s' % (tag, ''.join(extra), out))
            cli.ok(failures, 'decode', '-m', model, *extra, tokens, a)
            cli.ok(failures, 'decode', '-m', model, '--whole', *extra, tokens, b)
            if extra:  # libsndfile's PEAK chunk of a float WAV holds the time of writing
                same = (soundfile.info(a).subtype == soundfile.info(b).subtype == 'FLOAT' and
                        np.array_equal(soundfile.read(a)[0], soundfile.read(b)[0]))
            else:
                same = read(a) == read(b)
            failures.check(same, 'decode %s -> .%s %s: chunked = whole' % (tag, out, extra))
        a, b = cli.path('%s-rt-a.wav' % tag), cli.path('%s-rt-b.wav' % tag)
        cli.ok(failures, 'roundtrip', '-m', model, source, a)
        cli.ok(failures, 'roundtrip', '-m', model, '--whole', source, b)
        failures.check(read(a) == read(b), 'roundtrip %s: chunked = whole' % tag)

    # A FLAC at 44.1 kHz through a pipe: its length after resampling is not known in
    # advance, so stdout gets the live .hfc form; the tokens are the same.
    out = cli.ok(failures, 'encode', '-m', model, '-f', 'hfc', '-', '-', stdin=read(stereo))
    header, tokens = hfc_parse(out)
    _, whole_tokens = hfc_parse(read(cli.path('flac44-a.hfc')))
    failures.check(header['n_frames'] == 0xFFFFFFFFFFFFFFFF and
                   np.array_equal(tokens, whole_tokens),
                   'resampled pipe -> stdout: live .hfc with the same tokens')
    cli.ok(failures, 'encode', '-m', model, '-', cli.path('pipe.hfc'), stdin=read(stereo))
    failures.check(read(cli.path('pipe.hfc')) == read(cli.path('flac44-a.hfc')),
                   'resampled pipe -> file: the counted file, same bytes')
    # The live .hfc from stdin decodes as it comes, to the same samples.
    pcm = cli.ok(failures, 'decode', '-m', model, '-', '-', stdin=out)
    failures.check(pcm[44:] == read(cli.path('flac44-dec-a.wav'))[44:],
                   'live .hfc through decode - -: same samples')


def test_memory(cli, failures, model, short, long):
    """Peak RSS does not grow with the length: 10 minutes within 5% + 4 MB of 1."""
    table = []
    for command, inputs, out in [('encode', (short, long), 'm.hfc'),
                                 ('decode', None, 'm.wav'),
                                 ('roundtrip', (short, long), 'm.wav')]:
        peaks = []
        for i, source in enumerate(inputs or (cli.path('short.hfc'), cli.path('long.hfc'))):
            status, err, peak = run_measured(cli, [command, '-m', model, source,
                                                   cli.path(out)])
            failures.check(status == 0, '%s: %s' % (command, err))
            peaks.append(peak)
            if command == 'encode':
                os.replace(cli.path(out), cli.path(('short.hfc', 'long.hfc')[i]))
        table.append((command, peaks))
        failures.check(peaks[1] <= peaks[0] * 1.05 + 4,
                       '%s: peak RSS %.1f MB for 10 min vs %.1f MB for 1 min'
                       % (command, peaks[1], peaks[0]))
    for command, peaks in table:
        print('%-9s peak RSS: 1 min %.1f MB, 10 min %.1f MB' % (command, peaks[0], peaks[1]))


def test_progress(cli, failures, model, long):
    """A progress line on a terminal, nothing when stderr is not one or with -q."""
    for quiet in [False, True]:
        master, slave = pty.openpty()
        args = [cli.exe, 'encode', '-m', model] + (['-q'] if quiet else []) + [
            long, cli.path('p.hfc')]
        process = subprocess.Popen(args, stderr=slave, stdout=subprocess.DEVNULL, env=cli.env)
        os.close(slave)
        seen = b''
        while True:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            elif process.poll() is not None:
                break
        process.wait()
        os.close(master)
        text = seen.decode(errors='replace')
        if quiet:
            failures.check(text == '', '-q on a terminal prints nothing: %r' % text[:200])
        else:
            failures.check('%' in text and 'x real time' in text and 'ETA' in text,
                           'progress on a terminal: %r' % text[:200])
    status, err, _ = run_measured(cli, ['encode', '-m', model, long, cli.path('p.hfc')])
    failures.check(status == 0 and err == '', 'no progress when stderr is a pipe: %r' % err)


def test_killed(cli, failures, model, long):
    """A killed run leaves no file that looks whole; SIGTERM leaves nothing at all;
    an existing output survives a failed run untouched."""
    target = cli.path('killed.wav')
    for sig in [signal.SIGKILL, signal.SIGTERM, signal.SIGINT]:
        process = subprocess.Popen([cli.exe, 'roundtrip', '-m', model, long, target],
                                   stderr=subprocess.DEVNULL, env=cli.env)
        time.sleep(1.5)
        failures.check(process.poll() is None, 'roundtrip still running after 1.5 s')
        process.send_signal(sig)
        process.wait()
        failures.check(not os.path.exists(target), '%s: no %s' % (sig.name, target))
        parts = leftovers(cli, 'killed.wav')
        if sig == signal.SIGKILL:
            failures.check(len(parts) == 1, 'SIGKILL: one .part left, %s' % parts)
            for part in parts:
                os.unlink(cli.path(part))
        else:
            failures.check(parts == [], '%s: temporary file removed, %s' % (sig.name, parts))
    with open(target, 'wb') as file:
        file.write(b'precious')
    process = subprocess.Popen([cli.exe, 'roundtrip', '-m', model, long, target],
                               stderr=subprocess.DEVNULL, env=cli.env)
    time.sleep(1.5)
    process.send_signal(signal.SIGTERM)
    process.wait()
    failures.check(read(target) == b'precious', 'a killed run leaves the old output as it was')


def test_full_disk(cli, failures, model, long):
    """A file-size limit (what a full disk looks like to write()): a clear error,
    exit 1, no output and no temporary file left."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (200000, 200000))
    for command, out in [('decode', 'full.wav'), ('roundtrip', 'full.flac'),
                         ('encode', 'full.npy')]:
        source = cli.path('long.hfc') if command == 'decode' else long
        status, err, _ = run_measured(cli, [command, '-m', model, source, cli.path(out)],
                                      limits=limit)
        failures.check(status == 1 and 'File too large' in err and err.count('\n') == 1,
                       '%s past the size limit: one clear line, exit 1: %d %r'
                       % (command, status, err))
        failures.check(not os.path.exists(cli.path(out)) and leftovers(cli, out) == [],
                       '%s past the size limit: nothing left' % command)


def test_non_causal(cli, failures, speech):
    """A non-causal model holds the input whole: over --max-seconds it refuses before
    it starts; under it, it runs."""
    model = make_model(cli, 'tiny', 3)
    status, err, _ = run_measured(cli, ['encode', '-m', model, '--max-seconds', '1', speech,
                                        cli.path('nc.hfc')])
    failures.check(status == 1 and 'not causal' in err and '--max-seconds' in err,
                   'non-causal over --max-seconds refuses: %r' % err)
    failures.check(not os.path.exists(cli.path('nc.hfc')), 'refused: no output')
    status, err, _ = run_measured(cli, ['encode', '-m', model, speech, cli.path('nc.hfc')])
    failures.check(status == 0, 'non-causal under the default limit runs: %r' % err)


def main():
    cli = Cli(sys.argv)
    failures = Failures()
    model = make_model(cli, 'causal', 1)
    speech = speech_files(1)[0]
    short = long_speech(cli, 60, 'short.wav')
    long = long_speech(cli, 600, 'long.wav')
    test_same_bytes(cli, failures, model, speech)
    test_memory(cli, failures, model, short, long)
    test_progress(cli, failures, model, long)
    test_killed(cli, failures, model, long)
    test_full_disk(cli, failures, model, long)
    test_non_causal(cli, failures, speech)
    failures.finish('cli_long')


if __name__ == '__main__':
    main()
