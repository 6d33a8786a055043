"""A sound card made of files, for testing `hificodec stream` and `play` through
the real PortAudio -> ALSA path on a machine without one.

ALSA's `file` plugin reads a capture device's samples from `infile` and writes a
playback device's samples to `file`. Its slave here is the `null` device, which
has no clock: it takes and gives samples as fast as they are asked for. So both
files are FIFOs, and this module paces them in real time from threads of the test
process: a feeder writes the "microphone" 20 ms at a time, a drain reads the
"speaker" at its rate and keeps what was played.

Three details make the capture exact, found by experiment with alsa-lib 1.2.8:
  - The plug layer around the file plugin converts nothing (FLOAT_LE at the
    device's rate, mono for capture, stereo for playback as hificodec opens
    them): with a format conversion in between, the first capture callback is
    followed by one inserted block of silence, and the played samples are
    rounded to 16 bits.
  - The feeder's chunk is a whole number of the capture blocks hificodec asks
    for, so every read() of the FIFO finds a whole block (the plugin does not
    retry short reads; it would pad them with silence).
  - The feeder keeps a lead over real time (100 ms by default). After a stall
    that freezes the whole test (a loaded CI machine), the capture side asks for
    several blocks in one read; the plugin takes what the FIFO holds and leaves
    the rest of the request as silence, which shifts the signal. With a lead, the
    FIFO holds those blocks already. Latency figures from the rig then read as if
    the microphone were early by the lead; capture_lead_ms=0 measures them.
  - PortAudio opens each device several times while it probes. The feeder waits
    until a reader has kept the FIFO open for 100 ms before sending anything, so
    the probes see nothing and the stream gets the signal from its first sample;
    and it starts its real-time clock when the stream takes the first chunk, not
    when the stream opened the device (which may be long before it starts).

The configuration goes to $HOME/.asoundrc in a temporary directory, so nothing
outside the test changes; the test runs hificodec with HOME pointing there.
"""
import fcntl
import os
import select
import shutil
import sys
import tempfile
import termios
import threading
import time

import numpy as np

SAMPLE_BYTES = 4  # float32


def asoundrc(capture_fifo, capture_rate, playback_fifo, playback_rate):
    return """
pcm.hfc_capture_file {
  type file
  slave.pcm "null"
  file "/dev/null"
  infile "%(capture_fifo)s"
  format "raw"
}
pcm.hfc_capture {
  type plug
  slave { pcm "hfc_capture_file"; format FLOAT_LE; rate %(capture_rate)d; channels 1 }
}
pcm.hfc_playback_file {
  type file
  slave.pcm "null"
  file "%(playback_fifo)s"
  format "raw"
}
pcm.hfc_playback {
  type plug
  slave { pcm "hfc_playback_file"; format FLOAT_LE; rate %(playback_rate)d; channels 2 }
}
""" % dict(capture_fifo=capture_fifo, capture_rate=capture_rate, playback_fifo=playback_fifo,
           playback_rate=playback_rate)


class Feeder(threading.Thread):
    """Writes samples (float32, mono) into the capture FIFO in real time, then
    silence until stopped."""

    def __init__(self, fifo, samples, rate, chunk_ms, lead_ms):
        super().__init__(daemon=True)
        self.lead_s = lead_ms / 1000
        self.fifo = fifo
        self.data = np.asarray(samples, dtype='<f4').tobytes()
        self.rate = rate
        self.chunk = rate * chunk_ms // 1000 * SAMPLE_BYTES
        self.stopping = threading.Event()
        self.sessions = 0  # streams that got the signal from its start
        self.max_late_s = 0.0  # how far behind real time a chunk went out, worst case

    def run(self):
        while not self.stopping.is_set():
            fd = os.open(self.fifo, os.O_WRONLY)
            if self.stopping.is_set():
                os.close(fd)
                return
            time.sleep(0.1)
            poller = select.poll()
            poller.register(fd, select.POLLOUT)
            if any(event & select.POLLERR for _, event in poller.poll(0)):
                os.close(fd)  # a probe: it opened and closed without reading
                continue
            self.sessions += 1
            self._pace(fd)
            os.close(fd)

    def _pace(self, fd):
        """Sends the first chunk, waits for the stream to take it (it may be
        opened long before it starts), then keeps to real time from there."""
        if not self._write(fd, self._chunk(0)) or not self._wait_taken(fd):
            return
        # As a microphone delivers: each chunk once its last sample is "spoken".
        start, position = time.monotonic(), self.chunk
        while not self.stopping.is_set():
            delay = (start + position / (self.rate * SAMPLE_BYTES) - self.lead_s -
                     time.monotonic())
            if delay > 0:
                time.sleep(delay)
            self.max_late_s = max(self.max_late_s, -delay - self.lead_s)
            if not self._write(fd, self._chunk(position)):
                return
            position += self.chunk

    def _chunk(self, position):
        piece = self.data[position:position + self.chunk]
        return piece + bytes(self.chunk - len(piece))

    @staticmethod
    def _write(fd, piece):
        try:
            os.write(fd, piece)
            return True
        except BrokenPipeError:
            return False

    def _wait_taken(self, fd):
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        waiting = bytearray(4)
        while not self.stopping.is_set():
            fcntl.ioctl(fd, termios.FIONREAD, waiting)
            if int.from_bytes(waiting, sys.byteorder) == 0:
                return True
            if any(event & select.POLLERR for _, event in poller.poll(0)):
                return False
            time.sleep(0.001)
        return False

    def stop(self):
        self.stopping.set()
        try:  # release an open() waiting for a reader
            os.close(os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK))
        except OSError:
            pass


class Drain(threading.Thread):
    """Reads the playback FIFO at the device's rate, as a sound card plays; keeps
    each session (one open by the playback stream) as float32 stereo frames."""

    def __init__(self, fifo, rate):
        super().__init__(daemon=True)
        self.fifo = fifo
        self.rate = rate
        self.stopping = threading.Event()
        self.sessions = []
        self.in_session = False  # a player has the FIFO open, or its last bytes are unread

    def run(self):
        while not self.stopping.is_set():
            fd = os.open(self.fifo, os.O_RDONLY)
            self.in_session = True
            try:  # a small pipe, so the player cannot run far ahead of the "DAC"
                fcntl.fcntl(fd, 1031, 4096)  # F_SETPIPE_SZ
            except OSError:
                pass
            received = bytearray()
            start = time.monotonic()
            while True:
                allowed = (int((time.monotonic() - start) * self.rate) * 2 * SAMPLE_BYTES -
                           len(received))
                if allowed <= 0:
                    time.sleep(0.005)
                    continue
                block = os.read(fd, allowed)
                if not block:
                    break
                received += block
            os.close(fd)
            usable = len(received) // (2 * SAMPLE_BYTES) * (2 * SAMPLE_BYTES)
            frames = np.frombuffer(bytes(received[:usable]), dtype='<f4').reshape(-1, 2)
            self.sessions.append(frames)
            self.in_session = False

    def played(self):
        """The last session that played anything, as [frames, 2]."""
        for session in reversed(self.sessions):
            if len(session):
                return session
        return np.zeros((0, 2), dtype='<f4')

    def stop(self):
        self.stopping.set()
        try:  # release an open() waiting for a writer
            os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass


class AlsaRig:
    """Devices hfc_capture (playing `samples` at capture_rate) and hfc_playback
    (at playback_rate), in a temporary HOME. Use as a context manager; env()
    gives the environment to run hificodec in. The microphone delivers blocks of
    capture_chunk_ms, which must be a multiple of hificodec's capture block (a
    20 ms frame at the model's rate, 5 ms at others), capture_lead_ms ahead of real time."""

    def __init__(self, samples, capture_rate=16000, playback_rate=16000, capture_chunk_ms=20,
                 capture_lead_ms=100):
        self.dir = tempfile.mkdtemp(prefix='hfc-mic-')
        self.capture_fifo = os.path.join(self.dir, 'capture.fifo')
        self.playback_fifo = os.path.join(self.dir, 'playback.fifo')
        os.mkfifo(self.capture_fifo)
        os.mkfifo(self.playback_fifo)
        with open(os.path.join(self.dir, '.asoundrc'), 'w') as file:
            file.write(asoundrc(self.capture_fifo, capture_rate, self.playback_fifo,
                                playback_rate))
        self.feeder = Feeder(self.capture_fifo, samples, capture_rate, capture_chunk_ms,
                             capture_lead_ms)
        self.drain = Drain(self.playback_fifo, playback_rate)

    def __enter__(self):
        self.feeder.start()
        self.drain.start()
        return self

    def __exit__(self, *exc):
        self.feeder.stop()
        self.drain.stop()
        self.feeder.join(2)
        self.drain.join(2)
        shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def env(self, base):
        env = dict(base)
        env['HOME'] = self.dir
        env.pop('XDG_CONFIG_HOME', None)
        env['JACK_NO_START_SERVER'] = '1'
        return env

    def report(self):
        """The feeder's timing, for failure messages: a capture that differs from
        the clip is the rig's fault when the feeder fell far behind real time."""
        return 'rig: %d capture sessions, feeder at worst %.1f ms behind real time (lead %.0f ms)' % (
            self.feeder.sessions, self.feeder.max_late_s * 1000, self.feeder.lead_s * 1000)

    def played(self, settle_s=0.3, timeout_s=10.0):
        """What the speaker played, once the drain has seen the stream close: the
        left channel, and whether the right one was the same (mono on both). Call
        it once the player has exited; on a loaded machine the drain may still be
        reading the player's last bytes after settle_s, so it waits for that too."""
        time.sleep(settle_s)
        deadline = time.monotonic() + timeout_s
        while self.drain.in_session and time.monotonic() < deadline:
            time.sleep(0.01)
        frames = self.drain.played()
        return frames[:, 0].copy(), bool((frames[:, 0] == frames[:, 1]).all())
