#include "audio_device.h"

#include "error_text.h"

#include <ctype.h>
#include <fcntl.h>
#include <portaudio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

double hfc_audio_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now); /* a vDSO read: no system call, no lock */
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* ---- stderr while the host libraries probe --------------------------------- */

/* ALSA and JACK print a screenful while PortAudio probes every device (cards
 * that are absent, a JACK server that is not running). Nothing else runs at
 * those moments, so stderr is pointed at /dev/null around the calls that probe,
 * unless the user asked to see everything. */
static int quiet_begin(int verbose)
{
    if (verbose)
        return -1;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved >= 0 && null_fd >= 0)
        dup2(null_fd, STDERR_FILENO);
    if (null_fd >= 0)
        close(null_fd);
    return saved;
}

static void quiet_end(int saved)
{
    if (saved < 0)
        return;
    dup2(saved, STDERR_FILENO);
    close(saved);
}

static int audio_verbose;

int hfc_audio_init(int verbose, char *err, size_t err_bytes)
{
    audio_verbose = verbose;
    int saved = quiet_begin(verbose);
    PaError error = Pa_Initialize();
    quiet_end(saved);
    if (error != paNoError)
        return hfc_cli_fail(err, err_bytes, "cannot start PortAudio: %s", Pa_GetErrorText(error));
    return 0;
}

void hfc_audio_terminate(void)
{
    Pa_Terminate();
}

/* ---- devices ---------------------------------------------------------------- */

void hfc_audio_list_devices(FILE *out)
{
    int n_devices = Pa_GetDeviceCount();
    if (n_devices <= 0) {
        fputs("no audio devices\n", out);
        return;
    }
    int default_in = Pa_GetDefaultInputDevice(), default_out = Pa_GetDefaultOutputDevice();
    fprintf(out, "%5s  %3s  %3s  %7s  %-10s  %s\n", "index", "in", "out", "rate", "host API",
            "name");
    for (int i = 0; i < n_devices; i++) {
        const PaDeviceInfo *info = Pa_GetDeviceInfo(i);
        const PaHostApiInfo *api = Pa_GetHostApiInfo(info->hostApi);
        fprintf(out, "%5d  %3d  %3d  %7.0f  %-10s  %s%s%s\n", i, info->maxInputChannels,
                info->maxOutputChannels, info->defaultSampleRate, api ? api->name : "?",
                info->name, i == default_in ? "  [default input]" : "",
                i == default_out ? "  [default output]" : "");
    }
}

const char *hfc_audio_device_name(int device)
{
    const PaDeviceInfo *info = Pa_GetDeviceInfo(device);
    return info != NULL ? info->name : "?";
}

int hfc_audio_device_rate_hz(int device)
{
    const PaDeviceInfo *info = Pa_GetDeviceInfo(device);
    return info != NULL ? (int)info->defaultSampleRate : 0;
}

static int has_channels(int device, int direction)
{
    const PaDeviceInfo *info = Pa_GetDeviceInfo(device);
    if (info == NULL)
        return 0;
    return direction == HFC_AUDIO_INPUT ? info->maxInputChannels > 0
                                        : info->maxOutputChannels > 0;
}

static int is_index(const char *text)
{
    if (*text == '\0')
        return 0;
    for (; *text != '\0'; text++) {
        if (!isdigit((unsigned char)*text))
            return 0;
    }
    return 1;
}

static int contains_ignoring_case(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (; *haystack != '\0'; haystack++) {
        if (strncasecmp(haystack, needle, n) == 0)
            return 1;
    }
    return 0;
}

int hfc_audio_find_device(const char *spec, int direction, char *err, size_t err_bytes)
{
    const char *way = direction == HFC_AUDIO_INPUT ? "input" : "output";
    int n_devices = Pa_GetDeviceCount();
    if (spec == NULL) {
        int device = direction == HFC_AUDIO_INPUT ? Pa_GetDefaultInputDevice()
                                                  : Pa_GetDefaultOutputDevice();
        if (device == paNoDevice || device < 0)
            return hfc_cli_fail(err, err_bytes,
                                "there is no default %s device; name one with --%s (see "
                                "--list-devices)",
                                way, way);
        return device;
    }
    if (is_index(spec)) {
        long device = strtol(spec, NULL, 10);
        if (device >= n_devices)
            return hfc_cli_fail(err, err_bytes,
                                "there is no device %s, only 0..%d (see --list-devices)", spec,
                                n_devices - 1);
        if (!has_channels((int)device, direction))
            return hfc_cli_fail(err, err_bytes, "device %s (%s) has no %s channels", spec,
                                hfc_audio_device_name((int)device), way);
        return (int)device;
    }
    /* An exact name wins; otherwise a part of one name, so "USB" finds the USB
     * headset while two USB devices are an error rather than a guess. */
    for (int i = 0; i < n_devices; i++) {
        if (has_channels(i, direction) && strcmp(hfc_audio_device_name(i), spec) == 0)
            return i;
    }
    int found = -1, n_found = 0;
    char names[256] = "";
    for (int i = 0; i < n_devices; i++) {
        if (has_channels(i, direction) && contains_ignoring_case(hfc_audio_device_name(i), spec)) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s'%s'", n_found > 0 ? ", " : "",
                     hfc_audio_device_name(i));
            if (n_found++ == 0)
                found = i;
        }
    }
    if (n_found == 1)
        return found;
    if (n_found == 0)
        return hfc_cli_fail(err, err_bytes, "no %s device is named '%s' (see --list-devices)", way,
                            spec);
    return hfc_cli_fail(err, err_bytes,
                        "'%s' names %d %s devices: %s; give the full name or the index", spec,
                        n_found, way, names);
}

/* ---- the callbacks: the real-time side -------------------------------------- */

/* How long ago the block met the converter, from PortAudio's times when the host
 * gives sensible ones, else from the stream's nominal latency. */
static double block_age(double current, double stamp, double fallback)
{
    double age = current - stamp;
    return age >= 0.0 && age < 1.0 ? age : fallback;
}

static int capture_callback(const void *input, void *output, unsigned long n_frames,
                            const PaStreamCallbackTimeInfo *times, PaStreamCallbackFlags flags,
                            void *user)
{
    (void)output;
    hfc_capture *capture = user;
    size_t space = hfc_ring_writable(&capture->samples); /* exact or more, never less */
    size_t n = input == NULL ? 0 : n_frames < space ? n_frames : space;
    if (n < n_frames) {
        atomic_fetch_add_explicit(&capture->dropped_samples, (long long)(n_frames - n),
                                  memory_order_relaxed);
    }
    if (n < n_frames || (flags & paInputOverflow))
        atomic_fetch_add_explicit(&capture->overruns, 1, memory_order_relaxed);
    if (n == 0)
        return paContinue;
    /* The block's first sample is at least a block old: some hosts report the
     * converter's time as the callback's when their buffer is empty. */
    double age = block_age(times->currentTime, times->inputBufferAdcTime, capture->latency_s);
    double block_s = (double)n_frames / capture->rate_hz;
    hfc_audio_mark mark = {
        .index = hfc_ring_write_index(&capture->samples),
        .n_samples = (uint32_t)n,
        .time_s = hfc_audio_now() - (age > block_s ? age : block_s),
    };
    /* The mark goes in before the samples: once the codec thread sees the samples
     * (their release orders everything before it), their mark is there too. If
     * the marks ring is full the codec thread lags, and that block goes unmeasured. */
    hfc_ring_write(&capture->marks, &mark, 1);
    hfc_ring_write(&capture->samples, input, n);
    return paContinue;
}

static int playback_callback(const void *input, void *output, unsigned long n_frames,
                             const PaStreamCallbackTimeInfo *times, PaStreamCallbackFlags flags,
                             void *user)
{
    (void)input;
    hfc_playback *playback = user;
    float *out = output;
    double now = hfc_audio_now();
    int draining = atomic_load_explicit(&playback->draining, memory_order_acquire);
    size_t available = hfc_ring_readable(&playback->samples);
    if (playback->priming && (available >= playback->prime_samples || (draining && available > 0)))
        playback->priming = 0;
    size_t index = hfc_ring_read_index(&playback->samples);
    size_t got = 0;
    if (!playback->priming) {
        got = hfc_ring_read(&playback->samples, out, n_frames);
        if (got < n_frames && !draining) {
            /* Ran dry: fill with silence and rebuild the jitter buffer, so that one
             * late frame costs one gap instead of a gap in every block after it. */
            atomic_fetch_add_explicit(&playback->underruns, 1, memory_order_relaxed);
            playback->priming = 1;
        }
    }
    memset(out + got, 0, (n_frames - got) * sizeof *out);
    if (flags & paOutputUnderflow)
        atomic_fetch_add_explicit(&playback->underruns, 1, memory_order_relaxed);
    if (got > 0) {
        hfc_audio_mark mark = {
            .index = index,
            .n_samples = (uint32_t)got,
            .time_s = now + block_age(times->outputBufferDacTime, times->currentTime,
                                      playback->latency_s),
        };
        hfc_ring_write(&playback->marks, &mark, 1);
    }
    if (playback->n_channels == 2) {
        /* Mono to stereo in place, from the end so nothing is overwritten unread. */
        for (size_t i = n_frames; i-- > 0;)
            out[2 * i] = out[2 * i + 1] = out[i];
    }
    return paContinue;
}

/* ---- opening streams ---------------------------------------------------------- */

static double choose_rate(int device, int rate_hz)
{
    return rate_hz > 0 ? (double)rate_hz : Pa_GetDeviceInfo(device)->defaultSampleRate;
}

static int open_stream(PaStream **stream, const PaStreamParameters *in,
                       const PaStreamParameters *out, double rate, unsigned long block,
                       PaStreamCallback *callback, void *user, char *err, size_t err_bytes)
{
    const char *way = in != NULL ? "capture" : "play";
    int device = in != NULL ? in->device : out->device;
    int saved = quiet_begin(audio_verbose);
    PaError error = Pa_IsFormatSupported(in, out, rate);
    if (error == paFormatIsSupported)
        error = Pa_OpenStream(stream, in, out, rate, block, paNoFlag, callback, user);
    quiet_end(saved);
    if (error != paNoError)
        return hfc_cli_fail(err, err_bytes, "device %d (%s) cannot %s %d-channel float at %.0f Hz: %s",
                            device, hfc_audio_device_name(device), way,
                            in != NULL ? in->channelCount : out->channelCount, rate,
                            Pa_GetErrorText(error));
    return 0;
}

int hfc_capture_open(hfc_capture *capture, int device, int rate_hz, double ring_seconds,
                     double block_seconds, char *err, size_t err_bytes)
{
    memset(capture, 0, sizeof *capture);
    atomic_init(&capture->dropped_samples, 0);
    atomic_init(&capture->overruns, 0);
    double rate = choose_rate(device, rate_hz);
    capture->device = device;
    capture->rate_hz = (int)rate;
    size_t ring_samples = (size_t)(ring_seconds * rate) + 1;
    /* One mark per callback; even 1 ms blocks for the ring's length fit. */
    size_t ring_marks = (size_t)(ring_seconds * 1000.0) + 64;
    if (hfc_ring_init(&capture->samples, ring_samples, sizeof(float)) != 0 ||
        hfc_ring_init(&capture->marks, ring_marks, sizeof(hfc_audio_mark)) != 0) {
        hfc_capture_close(capture);
        return hfc_cli_fail(err, err_bytes, "out of memory for the capture buffer");
    }
    PaStreamParameters in = {
        .device = device,
        .channelCount = 1,
        .sampleFormat = paFloat32,
        .suggestedLatency = Pa_GetDeviceInfo(device)->defaultLowInputLatency,
    };
    PaStream *stream = NULL;
    unsigned long block = (unsigned long)(block_seconds * rate + 0.5);
    if (open_stream(&stream, &in, NULL, rate, block, capture_callback, capture, err,
                    err_bytes) != 0) {
        hfc_capture_close(capture);
        return -1;
    }
    capture->stream = stream;
    capture->latency_s = Pa_GetStreamInfo(stream)->inputLatency;
    return 0;
}

int hfc_playback_open(hfc_playback *playback, int device, int rate_hz, double ring_seconds,
                      double prime_seconds, char *err, size_t err_bytes)
{
    memset(playback, 0, sizeof *playback);
    atomic_init(&playback->draining, 0);
    atomic_init(&playback->underruns, 0);
    double rate = choose_rate(device, rate_hz);
    playback->device = device;
    playback->rate_hz = (int)rate;
    size_t prime_samples = (size_t)(prime_seconds * rate + 0.5);
    playback->prime_samples = prime_samples > 0 ? prime_samples : 1;
    playback->priming = 1;
    size_t ring_samples = (size_t)(ring_seconds * rate) + prime_samples + 1;
    size_t ring_marks = (size_t)(ring_seconds * 1000.0) + 64;
    if (hfc_ring_init(&playback->samples, ring_samples, sizeof(float)) != 0 ||
        hfc_ring_init(&playback->marks, ring_marks, sizeof(hfc_audio_mark)) != 0) {
        hfc_playback_close(playback);
        return hfc_cli_fail(err, err_bytes, "out of memory for the playback buffer");
    }
    playback->n_channels = Pa_GetDeviceInfo(device)->maxOutputChannels >= 2 ? 2 : 1;
    PaStreamParameters out = {
        .device = device,
        .channelCount = playback->n_channels,
        .sampleFormat = paFloat32,
        .suggestedLatency = Pa_GetDeviceInfo(device)->defaultLowOutputLatency,
    };
    PaStream *stream = NULL;
    /* Playback blocks are PortAudio's choice, the smallest its latency allows. */
    if (open_stream(&stream, NULL, &out, rate, paFramesPerBufferUnspecified, playback_callback,
                    playback, err, err_bytes) != 0) {
        hfc_playback_close(playback);
        return -1;
    }
    playback->stream = stream;
    playback->latency_s = Pa_GetStreamInfo(stream)->outputLatency;
    return 0;
}

int hfc_audio_stream_start(void *stream, char *err, size_t err_bytes)
{
    PaError error = Pa_StartStream(stream);
    if (error != paNoError)
        return hfc_cli_fail(err, err_bytes, "cannot start the audio stream: %s",
                            Pa_GetErrorText(error));
    return 0;
}

void hfc_audio_stream_stop(void *stream)
{
    if (stream != NULL && Pa_IsStreamActive(stream) == 1)
        Pa_StopStream(stream);
}

void hfc_playback_drain(hfc_playback *playback, double timeout_s)
{
    atomic_store_explicit(&playback->draining, 1, memory_order_release);
    double deadline = hfc_audio_now() + timeout_s;
    while (hfc_ring_readable(&playback->samples) > 0 && hfc_audio_now() < deadline)
        Pa_Sleep(5);
    /* What left the ring is still in the device's own buffer. */
    double tail = playback->latency_s < deadline - hfc_audio_now()
                      ? playback->latency_s
                      : deadline - hfc_audio_now();
    if (tail > 0)
        Pa_Sleep((long)(tail * 1000.0) + 1);
}

void hfc_capture_close(hfc_capture *capture)
{
    if (capture->stream != NULL)
        Pa_CloseStream(capture->stream);
    capture->stream = NULL;
    hfc_ring_free(&capture->samples);
    hfc_ring_free(&capture->marks);
}

void hfc_playback_close(hfc_playback *playback)
{
    if (playback->stream != NULL)
        Pa_CloseStream(playback->stream);
    playback->stream = NULL;
    hfc_ring_free(&playback->samples);
    hfc_ring_free(&playback->marks);
}
