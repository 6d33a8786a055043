#!/usr/bin/python3
"""hificodec tokenize / detokenize on real speech with the shipped default model:
the tokens equal 'hificodec encode' byte for byte, bad files are reported and
skipped, runs resume after a kill or SIGTERM with nothing half-written, shards
partition the corpus, lists and manifests name outputs as documented, and
detokenize equals 'hificodec decode'."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

from clitest import Cli, Failures, speech_files

MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'models',
                     'hificodec-16k-default.safetensors')


def outputs(root, extension='.npy'):
    """Relative paths of the finished outputs below root (hidden files excluded)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith('.')]
        found += [os.path.relpath(os.path.join(folder, f), root) for f in files
                  if f.endswith(extension) and not f.startswith('.')]
    return sorted(found)


def parts_left(root):
    return glob.glob(os.path.join(root, '**', '.*.part-*'), recursive=True)


def make_corpus(cli, speech):
    """A small corpus: real speech in two folders, a 48 kHz stereo copy, and three
    bad files (cut short, not audio, too short to make a frame)."""
    root = cli.path('corpus')
    os.makedirs(os.path.join(root, 'a', 'deep'))
    os.makedirs(os.path.join(root, 'b'))
    good = []
    for i, path in enumerate(speech):
        rel = os.path.join('a' if i % 2 else 'b', 'deep' if i == 1 else '', 'utt%d.flac' % i)
        shutil.copy(path, os.path.join(root, rel))
        good.append(os.path.normpath(rel))
    cli.fixture_stereo(speech[0], os.path.join(root, 'b', 'stereo48k.flac'), 48000)
    good.append(os.path.join('b', 'stereo48k.flac'))
    data = open(speech[1], 'rb').read()
    with open(os.path.join(root, 'a', 'cut.flac'), 'wb') as file:
        file.write(data[:len(data) // 3])
    with open(os.path.join(root, 'b', 'notes.wav'), 'wb') as file:
        file.write(b'these are not samples\n' * 40)
    from clitest import wav_write
    wav_write(os.path.join(root, 'b', 'click.wav'), np.zeros(100, dtype=np.int16), 16000)
    with open(os.path.join(root, 'readme.txt'), 'w') as file:
        file.write('not walked: not an audio extension\n')
    os.makedirs(os.path.join(root, '.hidden'))
    shutil.copy(speech[0], os.path.join(root, '.hidden', 'skip.flac'))
    bad = [os.path.join('a', 'cut.flac'), os.path.join('b', 'notes.wav'),
           os.path.join('b', 'click.wav')]
    return root, sorted(good), bad


def npy_name(rel):
    return os.path.splitext(rel)[0] + '.npy'


def test_tokenize(cli, failures, root, good, bad):
    out = cli.path('tokens')
    status, _, err = cli.run('tokenize', '-m', MODEL, '--jobs', '2', root, out)
    failures.check(status == 1, 'a run with bad files exits 1, got %d: %s' % (status, err))
    for rel in bad:
        failures.check(sum(rel in line for line in err.splitlines()) == 1,
                       'the bad file %s is reported once: %r' % (rel, err))
    failures.check('too short' in err, 'a file shorter than a frame says so: %r' % err)
    expected = '%d files: %d encoded, 0 already done, %d failed' % (
        len(good) + len(bad), len(good), len(bad))
    failures.check(expected in err, 'summary %r in %r' % (expected, err))
    failures.check('h of audio in' in err and 'real time with 2 jobs' in err and
                   'reading and resampling' in err, 'summary gives hours and speed: %r' % err)
    failures.check(outputs(out) == sorted(npy_name(r) for r in good),
                   'one .npy per good file, mirrored: %r' % outputs(out))
    failures.check(not parts_left(out), 'no temporary files left')

    # Byte for byte what 'hificodec encode' writes, file by file.
    for rel in good:
        single = cli.path('single.npy')
        cli.ok(failures, 'encode', '-m', MODEL, os.path.join(root, rel), single)
        same = open(single, 'rb').read() == open(os.path.join(out, npy_name(rel)), 'rb').read()
        failures.check(same, '%s: tokenize equals encode' % rel)
    tokens = np.load(os.path.join(out, npy_name(good[0])))
    failures.check(tokens.dtype == np.int16 and tokens.ndim == 2 and tokens.shape[1] == 4,
                   'int16 [frames, 4]: %s %s' % (tokens.dtype, tokens.shape))

    # A rerun skips what is done and still reports the bad files.
    mtimes = {r: os.stat(os.path.join(out, npy_name(r))).st_mtime_ns for r in good}
    status, _, err = cli.run('tokenize', '-m', MODEL, root, out)
    failures.check(status == 1 and '0 encoded, %d already done, %d failed' % (
        len(good), len(bad)) in err, 'rerun: everything done is skipped: %r' % err)
    failures.check(all(os.stat(os.path.join(out, npy_name(r))).st_mtime_ns == mtimes[r]
                       for r in good), 'rerun rewrites nothing')
    # A damaged output is not "done": it is redone.
    victim = os.path.join(out, npy_name(good[0]))
    with open(victim, 'r+b') as file:
        file.truncate(100)
    status, _, err = cli.run('tokenize', '-m', MODEL, root, out)
    failures.check('1 encoded, %d already done' % (len(good) - 1) in err,
                   'a truncated output is encoded again: %r' % err)
    failures.check(np.array_equal(np.load(victim), tokens), 'and is whole again')
    return out


def test_formats_and_overwrite(cli, failures, root, good):
    out = cli.path('tokens-hfc')
    status, _, err = cli.run('tokenize', '-m', MODEL, '--format', 'hfc', '-q', root, out)
    failures.check(status == 1 and 'h of audio' not in err, '-q prints errors only: %r' % err)
    failures.check(outputs(out, '.hfc') == sorted(os.path.splitext(r)[0] + '.hfc' for r in good),
                   '--format hfc writes .hfc files')
    decoded = cli.path('from-hfc.wav')
    cli.ok(failures, 'decode', '-m', MODEL, os.path.join(out, good[0][:-5] + '.hfc'), decoded)
    status, _, err = cli.run('tokenize', '-m', MODEL, '--overwrite', root, out, '--format', 'hfc')
    failures.check('%d encoded, 0 already done' % len(good) in err, '--overwrite redoes: %r' % err)


def test_kill_and_resume(cli, failures, speech):
    """SIGKILL mid-run: whatever output exists is whole; a rerun finishes the rest and
    clears the dead run's temporary files. SIGTERM: stops cleanly with exit 130."""
    root = cli.path('kill-corpus')
    os.makedirs(root)
    for i in range(12):
        shutil.copy(speech[i % len(speech)], os.path.join(root, 'u%02d.flac' % i))
    reference = cli.path('kill-reference')
    cli.ok(failures, 'tokenize', '-m', MODEL, '-q', root, reference)
    out = cli.path('kill-tokens')
    for sig, expect_status in ((signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 130)):
        shutil.rmtree(out, ignore_errors=True)
        proc = subprocess.Popen([cli.exe, 'tokenize', '-m', MODEL, '--jobs', '1', root, out],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=cli.env)
        deadline = time.monotonic() + 60
        while not outputs(out) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(sig)
        err = proc.communicate(timeout=120)[1].decode()
        done = outputs(out)
        failures.check(proc.returncode == expect_status or proc.returncode == 0,
                       '%s: exit %d' % (sig.name, proc.returncode))
        if sig == signal.SIGTERM and proc.returncode == 130:
            failures.check('interrupted' in err, 'SIGTERM: the summary says so: %r' % err)
        failures.check(0 < len(done), '%s: some files were finished' % sig.name)
        for rel in done:
            same = open(os.path.join(out, rel), 'rb').read() == \
                open(os.path.join(reference, rel), 'rb').read()
            failures.check(same, '%s: %s is whole after the kill' % (sig.name, rel))
        status, _, err = cli.run('tokenize', '-m', MODEL, root, out)
        failures.check(status == 0 and '%d already done' % len(done) in err,
                       '%s: the rerun skips the %d finished files: %r' % (
                           sig.name, len(done), err))
        failures.check(outputs(out) == outputs(reference) and all(
            open(os.path.join(out, r), 'rb').read() == open(os.path.join(reference, r),
                                                              'rb').read()
            for r in outputs(out)), '%s: the resumed run equals an uninterrupted one' % sig.name)
        failures.check(not parts_left(out), '%s: no temporary files are left' % sig.name)


def test_shards(cli, failures, root, good):
    seen = []
    for k in range(3):
        out = cli.path('shard%d' % k)
        cli.run('tokenize', '-m', MODEL, '--shard', '%d/3' % k, root, out)
        seen.append(outputs(out))
        again = cli.path('shard%d-again' % k)
        cli.run('tokenize', '-m', MODEL, '--shard', '%d/3' % k, '--jobs', '1', root, again)
        failures.check(outputs(again) == seen[-1], 'shard %d/3 is the same twice' % k)
    union = sorted(sum(seen, []))
    failures.check(union == sorted(npy_name(r) for r in good),
                   'shards 0..2 of 3 cover the corpus exactly once: %r' % seen)
    failures.check(sum(1 for s in seen if s) >= 2, 'more than one shard has files: %r' % seen)
    for bad_shard in ('3/3', '-1/3', '1', '0/0', 'a/b'):
        status, _, err = cli.run('tokenize', '--shard', bad_shard, root, cli.path('x'))
        failures.check(status == 2 and '--shard' in err, '--shard %s is a usage error' % bad_shard)


def test_lists_and_manifests(cli, failures, root, good):
    lists = cli.path('lists')
    os.makedirs(lists)
    # A list in the corpus folder names files relative to it.
    listed = os.path.join(root, 'files.txt')
    with open(listed, 'w') as file:
        file.write('# good files\n\n' + '\n'.join(good[:2]) + '\n  ' + good[2] + '  \n')
    out = cli.path('from-list')
    cli.ok(failures, 'tokenize', '-m', MODEL, listed, out)
    failures.check(outputs(out) == sorted(npy_name(r) for r in good[:3]),
                   'a file list mirrors its paths: %r' % outputs(out))
    # A manifest elsewhere: "../" leads outside its folder, so the absolute path is
    # mirrored; a broken line and an entry with no path are reported; two inputs
    # with one output are an error for the second.
    manifest = os.path.join(lists, 'train.jsonl')
    outside = os.path.relpath(os.path.join(root, good[0]), lists)
    shutil.copy(os.path.join(root, good[1]), os.path.join(lists, 'x.flac'))
    shutil.copy(os.path.join(root, good[1]), os.path.join(lists, 'x.wav'))
    with open(manifest, 'w') as file:
        file.write(json.dumps({'audio_filepath': outside, 'duration': 1.0}) + '\n')
        file.write(json.dumps({'audio': 'x.flac', 'text': 'hello'}) + '\n')
        file.write(json.dumps({'path': 'x.wav'}) + '\n')
        file.write('{"audio": broken\n')
        file.write(json.dumps({'text': 'no path here'}) + '\n')
    out = cli.path('from-manifest')
    status, _, err = cli.run('tokenize', '-m', MODEL, manifest, out)
    absolute_key = os.path.normpath(os.path.join(root, good[0])).lstrip('/')
    failures.check(outputs(out) == sorted([npy_name(absolute_key), 'x.npy']),
                   'manifest outputs: %r' % outputs(out))
    failures.check(status == 1 and 'line 4 is not a JSON object' in err and 'line 5 has no' in err,
                   'bad manifest lines are reported: %r' % err)
    failures.check('x.wav: has the same output as' in err, 'a clash of outputs is reported: %r' % err)
    failures.check('5 files: 2 encoded, 0 already done, 3 failed' in err, 'summary: %r' % err)
    status, _, err = cli.run('tokenize', cli.path('no-such-list.txt'), out)
    failures.check(status == 1 and len(err.splitlines()) == 1 and 'No such file' in err,
                   'a missing INPUT is one error line: %r' % err)
    os.makedirs(cli.path('empty'))
    status, _, err = cli.run('tokenize', cli.path('empty'), out)
    failures.check(status == 1 and 'no audio files found' in err, 'an empty corpus: %r' % err)


def test_detokenize(cli, failures, tokens_dir, good):
    # A corrupt token file and another model's .hfc among good ones.
    with open(os.path.join(tokens_dir, 'b', 'broken.npy'), 'wb') as file:
        file.write(open(os.path.join(tokens_dir, npy_name(good[0])), 'rb').read()[:150])
    hfc = cli.path('other-model.hfc')
    cli.ok(failures, 'encode', '-m', MODEL, os.path.join(os.path.dirname(tokens_dir), 'corpus',
                                                         good[0]), hfc)
    data = bytearray(open(hfc, 'rb').read())
    data[8] ^= 0xFF  # another model id, header resealed
    from clitest import hfc_reseal
    data[:44] = hfc_reseal(bytes(data[:40]))
    with open(os.path.join(tokens_dir, 'a', 'other.hfc'), 'wb') as file:
        file.write(bytes(data))
    out = cli.path('decoded')
    status, _, err = cli.run('detokenize', '-m', MODEL, '--jobs', '2', tokens_dir, out)
    failures.check(status == 1 and 'broken.npy' in err and 'truncated' in err,
                   'a corrupt token file is reported: %r' % err)
    failures.check('other.hfc' in err and 'not this model' in err,
                   'another model\'s tokens are refused: %r' % err)
    failures.check('%d decoded, 0 already done, 2 failed' % len(good) in err, 'summary: %r' % err)
    for rel in good:
        single = cli.path('single.wav')
        cli.ok(failures, 'decode', '-m', MODEL, os.path.join(tokens_dir, npy_name(rel)), single)
        mine = os.path.join(out, os.path.splitext(rel)[0] + '.wav')
        failures.check(os.path.isfile(mine) and open(single, 'rb').read() == open(mine, 'rb').read(),
                       '%s: detokenize equals decode' % rel)
    failures.check(not parts_left(out), 'no temporary files left')
    status, _, err = cli.run('detokenize', '-m', MODEL, '--force', '--audio-format', 'flac',
                             tokens_dir, cli.path('decoded-flac'))
    failures.check('%d decoded, 0 already done, 1 failed' % (len(good) + 1) in err,
                   '--force decodes the other model\'s file: %r' % err)
    failures.check(os.path.isfile(cli.path('decoded-flac/a/other.flac')), '--audio-format flac')
    status, _, err = cli.run('detokenize', '--float', '--audio-format', 'flac', tokens_dir, out)
    failures.check(status == 2, '--float with FLAC is a usage error')


def main():
    cli = Cli(sys.argv)
    failures = Failures()
    speech = speech_files(4, max_seconds=4.0)
    root, good, bad = make_corpus(cli, speech)
    tokens_dir = test_tokenize(cli, failures, root, good, bad)
    test_formats_and_overwrite(cli, failures, root, good)
    test_kill_and_resume(cli, failures, speech)
    test_shards(cli, failures, root, good)
    test_lists_and_manifests(cli, failures, root, good)
    test_detokenize(cli, failures, tokens_dir, good)
    for command in ('tokenize', 'detokenize'):
        status, out, _ = cli.run(command, '--help')
        failures.check(status == 0 and b'Exit status:' in out and
                       max(len(line) for line in out.splitlines()) <= 80,
                       '%s --help fits 80 columns' % command)
    failures.finish('cli_tokenize')


if __name__ == '__main__':
    main()
