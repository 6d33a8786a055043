#!/usr/bin/python3
"""`hificodec play`: a .hfc or .npy token file, or a .hfc stream on stdin, decoded
in-process or by the daemon and played on the speaker (the ALSA rig): the
speaker plays exactly `hificodec decode` of the same tokens. Also the live
chain of a call: `stream -t -` piped into `play -`. A .hfc from another model is
refused unless --force."""
import struct
import subprocess
import sys
import zlib

import numpy as np

from alsa_rig import AlsaRig
from mictest import RATE, Daemon, Failures, Mic, played_matches

SECONDS = 3.0


def check_play(failures, label, status, err, played, reference_audio):
    failures.check(status == 0, '%s: exit %d, %s' % (label, status, err))
    failures.check('hificodec: play: 150 frames (3.00 s)' in err,
                   '%s: reports what it played: %r' % (label, err))
    ok, _, _, why = played_matches(played, reference_audio)
    failures.check(ok, '%s: the speaker played the decoded tokens: %s' % (label, why))


def with_other_model_id(data):
    """The same .hfc with another model id in its header (and a resealed CRC)."""
    header = bytearray(data[:40])
    header[8:16] = struct.pack('<Q', struct.unpack('<Q', bytes(header[8:16]))[0] ^ 1)
    return bytes(header) + struct.pack('<I', zlib.crc32(bytes(header))) + data[44:]


def main():
    mic, failures = Mic(sys.argv), Failures()
    clip, wav = mic.speech_clip(SECONDS)
    hfc, npy = mic.path('clip.hfc'), mic.path('clip.npy')
    for out in [hfc, npy]:
        status, _, err = mic.run('encode', '-m', mic.model, wav, out)
        failures.check(status == 0, 'encode %s: %s' % (out, err))
    reference_audio = mic.offline_audio(failures, npy)

    for label, args, stdin in [('play .hfc', [hfc], None), ('play .npy', [npy], None),
                               ('play - (stdin)', ['-'], open(hfc, 'rb').read())]:
        with AlsaRig(np.zeros(RATE, np.float32)) as rig:
            status, _, err = mic.run('play', '-m', mic.model, '-o', 'hfc_playback', *args,
                                     stdin=stdin, env=rig.env(mic.env))
            played, _ = rig.played()
        check_play(failures, label, status, err, played, reference_audio)

    daemon = Daemon(mic)
    try:
        with AlsaRig(np.zeros(RATE, np.float32)) as rig:
            status, _, err = mic.run('play', '--daemon', daemon.socket, '-o', 'hfc_playback',
                                     hfc, env=rig.env(mic.env))
            played, _ = rig.played()
        check_play(failures, 'play --daemon', status, err, played, reference_audio)
    finally:
        daemon.close()

    # A call: live tokens from one process, heard through another.
    with AlsaRig(clip) as rig:
        env = rig.env(mic.env)
        sender = subprocess.Popen([mic.exe, 'stream', '--local', '-m', mic.model, '-q', '-i',
                                   'hfc_capture', '-o', 'none', '-t', '-', '-d', str(SECONDS)],
                                  stdout=subprocess.PIPE, env=env)
        receiver = subprocess.run([mic.exe, 'play', '-m', mic.model, '-o', 'hfc_playback',
                                   '--delay', '40', '-'], stdin=sender.stdout,
                                  stderr=subprocess.PIPE, env=env, timeout=60)
        sender.stdout.close()
        sender.wait(30)
        played, _ = rig.played()
    check_play(failures, 'stream -t - | play -', receiver.returncode,
               receiver.stderr.decode('utf-8', 'replace'), played, reference_audio)
    failures.check(sender.returncode == 0, 'the sending stream: exit %d' % sender.returncode)

    # Tokens of another model: refused by default, played with --force.
    other = mic.path('other.hfc')
    with open(other, 'wb') as file:
        file.write(with_other_model_id(open(hfc, 'rb').read()))
    with AlsaRig(np.zeros(RATE, np.float32)) as rig:
        status, _, err = mic.run('play', '-m', mic.model, '-o', 'hfc_playback', other,
                                 env=rig.env(mic.env))
        failures.check(status == 1 and len(err.splitlines()) == 1 and '--force' in err,
                       'another model\'s tokens: one error naming --force: %d %r' % (status, err))
        status, _, err = mic.run('play', '-m', mic.model, '-o', 'hfc_playback', '--force', other,
                                 env=rig.env(mic.env))
        failures.check(status == 0 and 'warning' in err, '--force plays them, with a warning')
    failures.finish('mic_play')


if __name__ == '__main__':
    main()
