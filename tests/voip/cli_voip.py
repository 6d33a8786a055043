#!/usr/bin/python3
"""`hificodec roundtrip` and `hificodec opus` with --loss / --burst / --loss-seed,
--redundancy and --conceal on real speech and the shipped model, and
tools/eval-corpus comparing both codecs under the same losses.

Usage: cli_voip.py HIFICODEC no-fixture MODEL EVAL_CORPUS"""
import os
import re
import shutil
import subprocess
import sys

import numpy as np

from clitest import Cli, Failures, speech_files, wav_read

REPORT = re.compile(r'roundtrip: loss .*: (\d+) packets, (\d+) lost .*redundancy (\d+): (\d+) '
                    r'frames recovered, (\d+) concealed')
OPUS_REPORT = re.compile(r'opus: loss .*: (\d+) packets, (\d+) lost')


def roundtrip(cli, failures, model, speech, out, *options):
    """Runs a lossy roundtrip; returns (samples, report numbers or None)."""
    status, _, err = cli.run('roundtrip', '-v', '--float', '-m', model, *options, speech,
                             cli.path(out))
    failures.check(status == 0, 'roundtrip %s: exit %d, %r' % (' '.join(options), status, err))
    m = REPORT.search(err)
    if '--loss' in options or '--redundancy' in options:
        failures.check(m is not None, 'roundtrip %s: no loss report in %r' % (options, err))
    samples = wav_read(open(cli.path(out), 'rb').read())[2] if status == 0 else None
    return samples, (tuple(int(g) for g in m.groups()) if m else None)


def main():
    cli = Cli(sys.argv)
    model, eval_corpus = sys.argv[3], sys.argv[4]
    failures = Failures()
    speech = speech_files(1)[0]
    hop = 320

    clean, _ = roundtrip(cli, failures, model, speech, 'clean.wav')
    zero, report = roundtrip(cli, failures, model, speech, 'zero.wav', '--loss', '0')
    failures.check(np.array_equal(clean, zero), 'loss 0 through the RTP path is the lossless '
                   'decode, bit for bit')
    failures.check(report is not None and report[1] == 0 and report[4] == 0, 'loss 0 loses '
                   'nothing: %r' % (report,))

    a, ra = roundtrip(cli, failures, model, speech, 'a.wav', '--loss', '10', '--loss-seed', '5')
    b, _ = roundtrip(cli, failures, model, speech, 'b.wav', '--loss', '10%', '--loss-seed', '5')
    c, rc = roundtrip(cli, failures, model, speech, 'c.wav', '--loss', '10', '--loss-seed', '6')
    failures.check(len(a) == len(clean), 'a lossy stream keeps its length')
    failures.check(np.array_equal(a, b), 'the same seed loses the same packets')
    failures.check(not np.array_equal(a, c), 'another seed loses others')
    failures.check(not np.array_equal(a, clean), 'losses change the audio')
    n_frames = len(clean) // hop
    failures.check(ra[0] == n_frames and 0 < ra[1] < n_frames // 4 and ra[4] == ra[1],
                   'report of 10%% loss without redundancy: %r' % (ra,))
    lost = [f for f in range(n_frames) if not np.array_equal(a[f * hop:(f + 1) * hop],
                                                              clean[f * hop:(f + 1) * hop])]
    failures.check(len(lost) >= ra[1], '%d frames differ, %d lost' % (len(lost), ra[1]))

    # Opus loses the same packets: it sends one packet more (its look-ahead), so its
    # count may be one higher.
    status, _, err = cli.run('opus', '-v', '--float', '-b', '8k', '--loss', '10', '--loss-seed',
                             '5', speech, cli.path('opus.wav'))
    m = OPUS_REPORT.search(err)
    failures.check(status == 0 and m is not None, 'opus --loss: exit %d, %r' % (status, err))
    if m:
        failures.check(int(m.group(2)) - ra[1] in (0, 1), 'opus lost %s packets, hificodec %d' %
                       (m.group(2), ra[1]))
    status, _, _ = cli.run('opus', '-q', '--float', '-b', '8k', speech, cli.path('opus0.wav'))
    opus_clean = wav_read(open(cli.path('opus0.wav'), 'rb').read())[2]
    opus_lossy = wav_read(open(cli.path('opus.wav'), 'rb').read())[2]
    failures.check(len(opus_clean) == len(opus_lossy) and
                   not np.array_equal(opus_clean, opus_lossy), 'opus conceals in place')

    # Bursts: the mean burst is near what was asked.
    _, rb = roundtrip(cli, failures, model, speech, 'burst.wav', '--loss', '20', '--burst', '3',
                      '--loss-seed', '3')
    failures.check(rb is not None and rb[1] > 0, 'bursty loss loses packets: %r' % (rb,))

    # Redundancy: isolated losses (bursts of 1) are all recovered with K = 1 or 2,
    # except at the very end of the stream, where no later packet repeats them.
    for k in ('1', '2'):
        r, rr = roundtrip(cli, failures, model, speech, 'red%s.wav' % k, '--loss', '20',
                          '--burst', '1', '--loss-seed', '9', '--redundancy', k)
        if rr:
            failures.check(rr[2] == int(k) and rr[1] > 0 and rr[4] <= int(k) and
                           rr[3] + rr[4] == rr[1], 'K=%s, isolated losses: %r' % (k, rr))
            if rr[4] == 0:
                failures.check(np.array_equal(r, clean), 'K=%s: everything recovered, the '
                               'audio is the lossless one' % k)

    # Concealment methods: silence leaves lost frames silent.
    s, rs = roundtrip(cli, failures, model, speech, 'silence.wav', '--loss', '10', '--loss-seed',
                      '5', '--conceal', 'silence')
    silent = sum(1 for f in range(n_frames) if not np.any(s[f * hop:(f + 1) * hop]))
    failures.check(rs is not None and silent >= rs[1], '%d silent frames for %s lost' %
                   (silent, rs and rs[1]))
    e, _ = roundtrip(cli, failures, model, speech, 'extrapolate.wav', '--loss', '10',
                     '--loss-seed', '5', '--conceal', 'extrapolate')
    failures.check(not np.array_equal(e, a) and len(e) == len(a), 'extrapolate is its own method')

    # Bad options: one line, exit 2, nothing written.
    out = cli.path('never.wav')
    for args, mention in ((['--burst', '3'], '--loss'), (['--loss', '100'], '--loss'),
                          (['--loss', 'ten'], '--loss'), (['--loss', '-1'], '--loss'),
                          (['--loss', '90', '--burst', '3'], 'bursts'),
                          (['--loss', '10', '--burst', '0.5'], '--burst'),
                          (['--loss', '10', '--loss-seed', '-3'], '--loss-seed'),
                          (['--loss', '10', '--redundancy', '5'], '--redundancy'),
                          (['--loss', '10', '--conceal', 'magic'], '--conceal'),
                          (['--conceal', 'repeat'], '--loss'),
                          (['--loss', '10', '--daemon', cli.path('sock')], '--daemon')):
        cli.fails(failures, mention, 'roundtrip', '-m', model, *args, speech, out, exit_status=2)
    for args, mention in ((['--burst', '2'], '--loss'), (['--loss', '1e3'], '--loss')):
        cli.fails(failures, mention, 'opus', '-b', '8k', *args, speech, out, exit_status=2)
    failures.check(not os.path.exists(out), 'a refused command writes nothing')

    # eval-corpus: both codecs on the same losses, with a loss table.
    corpus = cli.path('corpus')
    os.makedirs(corpus)
    shutil.copy(speech, corpus)
    result = subprocess.run([sys.executable, eval_corpus, '--hificodec', cli.exe, '--model', model,
                             '--opus-kbps', '8', '--loss', '10,10/3', '--redundancy', '2', corpus],
                            capture_output=True, text=True, timeout=600)
    failures.check(result.returncode == 0, 'eval-corpus --loss: exit %d, %s' %
                   (result.returncode, result.stderr[-500:]))
    table = result.stdout
    for row in ('| 10% random | hificodec', '| 10% random | Opus 8 kbps',
                '| 10% bursts of 3 | hificodec', '| 10% bursts of 3 | Opus 8 kbps',
                'K=2 redundancy |', 'per concealed frame'):
        failures.check(row in table, 'eval-corpus loss table has %r:\n%s' % (row, table))
    # The same packets: Opus sends one more (its look-ahead), so its share may differ
    # in the second decimal.
    lines = [line for line in table.splitlines() if line.startswith('| 10% random | ')]
    lost = [float(line.split(' | ')[3].rstrip('%')) for line in lines]
    failures.check(len(lost) == 3 and max(lost) - min(lost) < 0.5,
                   'every codec lost the same share: %r' % lost)
    failures.finish('cli_voip')


if __name__ == '__main__':
    main()
