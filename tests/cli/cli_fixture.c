/*
 * cli_fixture.c - test helper for the CLI tests, built on the CLI's own audio code
 * (sox and Python's soundfile are not on the test machines).
 *
 *   cli_fixture stereo IN OUT.flac RATE
 *       reads IN resampled to RATE with hfc_cli_audio_read and writes a 16-bit
 *       stereo FLAC whose channels are x + d and x - d (d a quiet tone), so that
 *       only a correct average gives x back.
 *   cli_fixture frames MODEL AUDIO
 *       prints "n_samples n_frames": AUDIO's length at the model's rate, as the CLI
 *       reads it, and hfc_model_frames_for_samples of it.
 */
#include "audio_io.h"
#include "hificodec.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_stereo(const char *in_path, const char *out_path, int rate_hz)
{
    hfc_cli_audio audio;
    char err[512];
    if (hfc_cli_audio_read(in_path, rate_hz, &audio, err, sizeof err) != 0) {
        fprintf(stderr, "cli_fixture: %s: %s\n", in_path, err);
        return 1;
    }
    float *interleaved = malloc((size_t)audio.n_samples * 2 * sizeof *interleaved);
    for (int64_t i = 0; i < audio.n_samples; i++) {
        float difference = 0.05f * (float)sin(2.0 * 3.14159265358979 * 440.0 * (double)i / rate_hz);
        interleaved[2 * i] = 0.8f * audio.samples[i] + difference;
        interleaved[2 * i + 1] = 0.8f * audio.samples[i] - difference;
    }
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate_hz;
    info.channels = 2;
    info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    SNDFILE *file = sf_open(out_path, SFM_WRITE, &info);
    int ok = file != NULL &&
             sf_writef_float(file, interleaved, audio.n_samples) == audio.n_samples;
    if (file != NULL)
        ok = sf_close(file) == 0 && ok;
    if (!ok)
        fprintf(stderr, "cli_fixture: %s: %s\n", out_path, sf_strerror(NULL));
    free(interleaved);
    hfc_cli_audio_free(&audio);
    return ok ? 0 : 1;
}

static int print_frames(const char *model_path, const char *audio_path)
{
    int status;
    hfc_model *model = hfc_model_load_file(model_path, NULL, &status);
    if (model == NULL) {
        fprintf(stderr, "cli_fixture: %s: %s\n", model_path, hfc_strerror(status));
        return 1;
    }
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    hfc_cli_audio audio;
    char err[512];
    if (hfc_cli_audio_read(audio_path, info.sample_rate_hz, &audio, err, sizeof err) != 0) {
        fprintf(stderr, "cli_fixture: %s: %s\n", audio_path, err);
        hfc_model_free(model);
        return 1;
    }
    printf("%lld %lld\n", (long long)audio.n_samples,
           (long long)hfc_model_frames_for_samples(model, audio.n_samples));
    hfc_cli_audio_free(&audio);
    hfc_model_free(model);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "stereo") == 0)
        return write_stereo(argv[2], argv[3], atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "frames") == 0)
        return print_frames(argv[2], argv[3]);
    fprintf(stderr, "usage: cli_fixture stereo IN OUT.flac RATE | frames MODEL AUDIO\n");
    return 2;
}
