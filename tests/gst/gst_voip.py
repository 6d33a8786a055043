#!/usr/bin/python3
"""The hificodec GStreamer plugin with the real gst-launch-1.0 and gst-inspect-1.0
(and GStreamer's Python bindings for the one test that drops chosen packets).

Usage: gst_voip.py TEST PLUGIN_DIR HIFICODEC MODEL
TEST: inspect | file | udp | redundancy. PLUGIN_DIR is 'none' when meson could not
build the plugin: every test then skips (exit 77) and says why."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

SKIP = 77
ELEMENTS = ('hificodecenc', 'hificodecdec', 'rtphificodecpay', 'rtphificodecdepay')
RTP_CAPS = ('application/x-rtp,media=audio,clock-rate=16000,encoding-name=HIFICODEC,'
            'payload=96')


def skip(why):
    print('SKIP: ' + why)
    sys.exit(SKIP)


class Test:
    def __init__(self, argv):
        self.name, plugin_dir, self.hificodec, self.model = argv[1:5]
        if plugin_dir == 'none':
            skip('the GStreamer plugin was not built (needs libgstreamer1.0-dev and '
                 'libgstreamer-plugins-base1.0-dev)')
        for tool in ('gst-launch-1.0', 'gst-inspect-1.0'):
            if shutil.which(tool) is None:
                skip('%s is not installed (Debian: gstreamer1.0-tools)' % tool)
        self.env = dict(os.environ, GST_PLUGIN_PATH=plugin_dir, HFC_MODEL=self.model,
                        GST_REGISTRY=os.path.join(tempfile.gettempdir(),
                                                  'hfc-gst-registry-%d.bin' % os.getpid()))
        self.tmp = tempfile.TemporaryDirectory(prefix='hfc-gst-')
        self.failed = 0

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def check(self, condition, what):
        if not condition:
            self.failed += 1
            print('FAIL: ' + what, flush=True)
        return condition

    def finish(self):
        os.environ.pop('GST_REGISTRY', None)
        try:
            os.unlink(self.env['GST_REGISTRY'])
        except OSError:
            pass
        print('%s: %s' % (self.name, '%d checks failed' % self.failed if self.failed else 'ok'))
        sys.exit(1 if self.failed else 0)

    def run(self, *args, timeout=120):
        return subprocess.run(list(args), env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def launch(self, pipeline, *flags, timeout=120):
        """gst-launch-1.0 PIPELINE; checks it succeeded; returns its stdout."""
        r = self.run('gst-launch-1.0', *flags, *pipeline.split(), timeout=timeout)
        self.check(r.returncode == 0, 'gst-launch-1.0 %s: exit %d\n%s%s' % (
            pipeline, r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
        return r.stdout

    def speech_wav(self):
        """A real speech file as a tag-free 16-bit 16 kHz WAV (a tag would make
        wavenc write a LIST chunk that `hificodec roundtrip` does not)."""
        import soundfile
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
        source = os.path.join(root, 'models', 'samples', 'speech-librispeech-1183.flac')
        samples, rate = soundfile.read(source, dtype='int16')
        self.check(rate == 16000, 'the sample speech is at 16 kHz')
        out = self.path('speech.wav')
        soundfile.write(out, samples, rate, subtype='PCM_16')
        return out

    def cli_roundtrip(self, wav, out):
        r = subprocess.run([self.hificodec, 'roundtrip', '-q', '-m', self.model, wav, out],
                           capture_output=True, text=True)
        self.check(r.returncode == 0, 'hificodec roundtrip: %s' % r.stderr)
        return open(out, 'rb').read()


def test_inspect(t):
    """Every element and every property it adds has a description."""
    r = t.run('gst-inspect-1.0', 'hificodec')
    t.check(r.returncode == 0, 'gst-inspect-1.0 hificodec: %s' % r.stderr)
    for element in ELEMENTS:
        t.check(element in r.stdout, 'the plugin lists %s' % element)
        out = t.run('gst-inspect-1.0', element).stdout
        t.check(re.search(r'Long-name\s+\S', out) and re.search(r'Description\s+\S', out),
                '%s has a long name and a description' % element)
        props = out.split('Element Properties:')[-1]
        for name, blurb in re.findall(r'^  ([a-z][a-z0-9-]*)\s*: (.*)$', props, re.MULTILINE):
            t.check(len(blurb.strip()) > 10, '%s.%s is described: %r' % (element, name, blurb))
    dec = t.run('gst-inspect-1.0', 'hificodecdec').stdout
    for prop in ('model', 'conceal', 'frames-decoded', 'frames-concealed'):
        t.check(re.search(r'^  %s\s*:' % prop, dec, re.MULTILINE), 'hificodecdec has %s' % prop)
    pay = t.run('gst-inspect-1.0', 'rtphificodecpay').stdout
    for prop in ('redundancy', 'frames-per-packet'):
        t.check(re.search(r'^  %s\s*:' % prop, pay, re.MULTILINE), 'rtphificodecpay has %s' % prop)


def test_file(t):
    """A file through hificodecenc ! hificodecdec is `hificodec roundtrip`, byte for
    byte; and at another rate and channel count the encoder resamples."""
    wav = t.speech_wav()
    expected = t.cli_roundtrip(wav, t.path('cli.wav'))
    t.launch('filesrc location=%s ! wavparse ! hificodecenc ! hificodecdec ! '
             'audio/x-raw,format=S16LE ! wavenc ! filesink location=%s' % (wav, t.path('gst.wav')))
    got = open(t.path('gst.wav'), 'rb').read()
    t.check(got == expected, 'gst-launch file round trip is byte-identical to hificodec '
            'roundtrip (%d and %d bytes)' % (len(got), len(expected)))
    # Several frames a buffer change nothing.
    t.launch('filesrc location=%s ! wavparse ! hificodecenc frames-per-buffer=7 ! hificodecdec ! '
             'audio/x-raw,format=S16LE ! wavenc ! filesink location=%s' % (wav, t.path('gst7.wav')))
    t.check(open(t.path('gst7.wav'), 'rb').read() == expected, 'frames-per-buffer=7 too')
    # 48 kHz stereo in: resampled, and about as long.
    t.launch('filesrc location=%s ! wavparse ! audioconvert ! audioresample ! '
             'audio/x-raw,rate=48000,channels=2 ! hificodecenc ! hificodecdec ! wavenc ! '
             'filesink location=%s' % (wav, t.path('48k.wav')))
    import soundfile
    a, rate = soundfile.read(t.path('48k.wav'))
    b, _ = soundfile.read(t.path('cli.wav'))
    t.check(rate == 16000 and abs(len(a) - len(b)) <= 320, '48 kHz stereo: %d samples at %d Hz, '
            'expected about %d' % (len(a), rate, len(b)))
    # A decoder with another model refuses the stream and says why.
    other = t.path('other.safetensors')
    blob = bytearray(open(t.model, 'rb').read())
    blob[-1] ^= 1  # another weight: another model id
    open(other, 'wb').write(bytes(blob))
    r = t.run('gst-launch-1.0', *('filesrc location=%s ! wavparse ! hificodecenc ! hificodecdec '
                                  'model=%s ! fakesink' % (wav, other)).split())
    t.check(r.returncode != 0 and 'this decoder has model' in r.stdout + r.stderr,
            'a decoder with another model refuses: %s' % (r.stdout + r.stderr)[-600:])


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_udp(t):
    """An RTP call over loopback UDP, 10% of packets dropped between payloader and
    sender: the receiver plays the stream's duration, concealing what is lost; with
    redundancy 2 it conceals (almost) nothing."""
    import soundfile
    wav = t.speech_wav()
    n_samples = len(soundfile.read(wav)[0]) // 320 * 320
    for k in (0, 2):
        port = free_udp_port()
        out = t.path('rx%d.wav' % k)
        receiver = subprocess.Popen(
            ['gst-launch-1.0', '-m', '-e', 'udpsrc', 'port=%d' % port,
             'caps=%s,redundancy=(string)%d' % (RTP_CAPS, k), '!', 'rtpjitterbuffer',
             'latency=100', 'do-lost=true', '!', 'rtphificodecdepay', '!', 'hificodecdec', '!',
             'audio/x-raw,format=S16LE', '!', 'wavenc', '!', 'filesink', 'location=%s' % out],
            env=t.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(1.5)
        t.launch('filesrc location=%s ! wavparse ! hificodecenc ! rtphificodecpay redundancy=%d ! '
                 'identity drop-probability=0.1 ! udpsink host=127.0.0.1 port=%d sync=true'
                 % (wav, k, port))
        time.sleep(1.0)
        receiver.send_signal(2)  # SIGINT: -e turns it into EOS
        log = receiver.communicate(timeout=30)[0]
        t.check(receiver.returncode == 0, 'receiver: exit %d\n%s' % (receiver.returncode,
                                                                    log[-2000:]))
        m = re.search(r'frames-decoded=\(guint64\)(\d+), frames-concealed=\(guint64\)(\d+)', log)
        t.check(m is not None, 'the decoder posts its stats at EOS:\n%s' % log[-2000:])
        played = len(soundfile.read(out)[0]) if os.path.exists(out) else 0
        # The first and last packets may be lost too: a few frames either way.
        t.check(abs(played - n_samples) <= 3 * 320, 'K=%d: played %d samples, sent %d' %
                (k, played, n_samples))
        if m:
            decoded, concealed = int(m.group(1)), int(m.group(2))
            print('K=%d: %d frames decoded, %d concealed, %d samples played of %d' %
                  (k, decoded, concealed, played, n_samples))
            if k == 0:
                t.check(concealed > 0, 'K=0: 10%% loss conceals frames (%d)' % concealed)
            t.check(decoded + concealed >= n_samples // 320 - 3, 'K=%d: every frame played' % k)


def test_redundancy(t):
    """Isolated losses (every 4th packet from the 2nd on, never two in a row, never
    the last) with redundancy that covers a packet (K >= frames a packet): every
    frame is recovered, nothing is concealed, and the audio is the lossless round
    trip's, byte for byte."""
    try:
        import gi
        gi.require_version('Gst', '1.0')
        from gi.repository import Gst
    except (ImportError, ValueError) as e:
        skip('GStreamer\'s Python bindings are missing (Debian: python3-gi, '
             'gir1.2-gstreamer-1.0): %s' % e)
    wav = t.speech_wav()
    expected = t.cli_roundtrip(wav, t.path('cli.wav'))
    os.environ.update(GST_PLUGIN_PATH=t.env['GST_PLUGIN_PATH'], HFC_MODEL=t.model,
                      GST_REGISTRY=t.env['GST_REGISTRY'])
    Gst.init(None)
    for k, per_packet in ((1, 1), (3, 3)):
        out = t.path('red%d.wav' % k)
        pipeline = Gst.parse_launch(
            'filesrc location=%s ! wavparse ! hificodecenc ! rtphificodecpay name=pay '
            'redundancy=%d frames-per-packet=%d ! rtphificodecdepay name=depay ! '
            'hificodecdec name=dec ! audio/x-raw,format=S16LE ! wavenc ! filesink location=%s'
            % (wav, k, per_packet, out))
        count = {'seen': 0, 'dropped': 0}

        def drop_isolated(pad, info):
            count['seen'] += 1
            if count['seen'] % 4 == 2:
                count['dropped'] += 1
                return Gst.PadProbeReturn.DROP
            return Gst.PadProbeReturn.OK

        pipeline.get_by_name('pay').get_static_pad('src').add_probe(
            Gst.PadProbeType.BUFFER, drop_isolated)
        pipeline.set_state(Gst.State.PLAYING)
        msg = pipeline.get_bus().timed_pop_filtered(60 * Gst.SECOND,
                                                    Gst.MessageType.EOS | Gst.MessageType.ERROR)
        t.check(msg is not None and msg.type == Gst.MessageType.EOS,
                'K=%d: the pipeline ends with EOS: %s' % (k, msg and msg.type))
        recovered = pipeline.get_by_name('depay').get_property('frames-recovered')
        concealed = pipeline.get_by_name('dec').get_property('frames-concealed')
        pipeline.set_state(Gst.State.NULL)
        print('K=%d, %d frames a packet: %d of %d packets dropped, %d frames recovered, %d '
              'concealed' % (k, per_packet, count['dropped'], count['seen'], recovered, concealed))
        t.check(count['dropped'] > 10 and count['seen'] % 4 != 2, 'packets were dropped, not '
                'the last')
        t.check(recovered == count['dropped'] * per_packet and concealed == 0,
                'K=%d: every lost frame recovered (%d of %d), none concealed (%d)' % (
                    k, recovered, count['dropped'] * per_packet, concealed))
        t.check(open(out, 'rb').read() == expected, 'K=%d: the audio is the lossless round '
                'trip, byte for byte' % k)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    t = Test(sys.argv)
    {'inspect': test_inspect, 'file': test_file, 'udp': test_udp,
     'redundancy': test_redundancy}[t.name](t)
    t.finish()


if __name__ == '__main__':
    main()
