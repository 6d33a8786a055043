/* Streaming versus offline on real speech, for several look-ahead settings: the
 * share of frames whose tokens equal the offline encode, and the decoder's error
 * against the offline decode (SNR). For non-causal (official) models this is the
 * measurement behind the streaming approximation; causal models show 100% / exact.
 * Not a test: a measurement tool. Usage:
 *   stream_agreement MODEL LOOKAHEAD_FRAMES[,...] FILE.flac...   (-1 = default) */
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"

static float *read_mono(const char *path, int rate, int64_t *n)
{
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f || info.samplerate != rate || info.channels != 1) {
        fprintf(stderr, "%s: need mono %d Hz audio\n", path, rate);
        if (f)
            sf_close(f);
        return NULL;
    }
    float *pcm = malloc((size_t)info.frames * sizeof *pcm);
    *n = sf_readf_float(f, pcm, info.frames);
    sf_close(f);
    return pcm;
}

/* Streams in 20 ms pushes, as a VoIP client would. */
static int64_t stream_encode(hfc_encoder *enc, const float *pcm, int64_t n, int hop, int nc,
                             hfc_token *out)
{
    int64_t frames = 0;
    for (int64_t pos = 0; pos < n; pos += hop) {
        int64_t chunk = n - pos < hop ? n - pos : hop;
        int64_t got = hfc_encoder_push(enc, pcm + pos, chunk, out + frames * nc, 2);
        frames += got > 0 ? got : 0;
    }
    int64_t got = hfc_encoder_flush(enc, out + frames * nc, hfc_encoder_latency(enc) / hop + 2);
    return frames + (got > 0 ? got : 0);
}

static int64_t stream_decode(hfc_decoder *dec, const hfc_token *tokens, int64_t n_frames, int hop,
                             int nc, float *out)
{
    int64_t produced = 0;
    for (int64_t f = 0; f < n_frames; f++) {
        int64_t got = hfc_decoder_push(dec, tokens + f * nc, 1, out + produced, hop);
        produced += got > 0 ? got : 0;
    }
    int64_t got = hfc_decoder_flush(dec, out + produced, hfc_decoder_latency(dec) + hop);
    return produced + (got > 0 ? got : 0);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL LOOKAHEAD_FRAMES[,...] FILE...\n", argv[0]);
        return 2;
    }
    int status = 0;
    hfc_model *model = hfc_model_load_file(argv[1], NULL, &status);
    if (!model) {
        fprintf(stderr, "%s: %s\n", argv[1], hfc_strerror(status));
        return 1;
    }
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    const int hop = info.hop_samples, nc = info.n_codebooks;
    int lookaheads[16], n_la = 0;
    for (char *tok = strtok(argv[2], ","); tok && n_la < 16; tok = strtok(NULL, ","))
        lookaheads[n_la++] = atoi(tok);
    printf("model %s (%s), %d files\n", info.name, info.causal ? "causal" : "non-causal", argc - 3);
    printf("| look-ahead (frames) | encoder latency (ms) | frames equal offline | decoder latency (ms) | decoder SNR vs offline (dB) |\n");
    printf("|---:|---:|---:|---:|---:|\n");
    for (int l = 0; l < n_la; l++) {
        hfc_encoder_options eo;
        hfc_encoder_options_init(&eo);
        eo.lookahead_frames = lookaheads[l];
        hfc_decoder_options dopt;
        hfc_decoder_options_init(&dopt);
        dopt.lookahead_frames = lookaheads[l];
        hfc_encoder *enc = hfc_encoder_create(model, &eo, NULL);
        hfc_encoder *offline_enc = hfc_encoder_create(model, NULL, NULL);
        hfc_decoder *dec = hfc_decoder_create(model, &dopt, NULL);
        int64_t frames_total = 0, frames_equal = 0;
        double err_energy = 0.0, ref_energy = 0.0;
        for (int a = 3; a < argc; a++) {
            int64_t n = 0;
            float *pcm = read_mono(argv[a], info.sample_rate_hz, &n);
            if (!pcm)
                continue;
            int64_t n_frames = hfc_model_frames_for_samples(model, n);
            hfc_token *ref = malloc((size_t)(n_frames + 1) * nc * sizeof *ref);
            hfc_token *got = malloc((size_t)(n_frames + 64) * nc * sizeof *got);
            if (n_frames < 1 || hfc_encoder_encode(offline_enc, pcm, n, ref, n_frames) != n_frames) {
                free(pcm), free(ref), free(got);
                continue;
            }
            int64_t streamed = stream_encode(enc, pcm, n, hop, nc, got);
            for (int64_t t = 0; t < n_frames && t < streamed; t++)
                frames_equal += !memcmp(ref + t * nc, got + t * nc, (size_t)nc * sizeof *ref);
            frames_total += n_frames;
            float *audio_ref = malloc((size_t)(n_frames * hop) * sizeof *audio_ref);
            float *audio = malloc((size_t)(n_frames * hop + 64 * hop) * sizeof *audio);
            hfc_decoder *offline_dec = hfc_decoder_create(model, NULL, NULL);
            hfc_decoder_decode(offline_dec, ref, n_frames, audio_ref, n_frames * hop);
            hfc_decoder_destroy(offline_dec);
            int64_t produced = stream_decode(dec, ref, n_frames, hop, nc, audio);
            for (int64_t i = 0; i < produced && i < n_frames * hop; i++) {
                double d = (double)audio[i] - audio_ref[i];
                err_energy += d * d;
                ref_energy += (double)audio_ref[i] * audio_ref[i];
            }
            free(pcm), free(ref), free(got), free(audio_ref), free(audio);
        }
        double snr = err_energy > 0 ? 10.0 * log10(ref_energy / err_energy) : INFINITY;
        char la_text[32];
        snprintf(la_text, sizeof la_text, lookaheads[l] < 0 ? "default" : "%d", lookaheads[l]);
        printf("| %s | %.1f | %.2f%% | %.1f | %s%.1f |\n", la_text,
               1000.0 * hfc_encoder_latency(enc) / info.sample_rate_hz,
               frames_total ? 100.0 * (double)frames_equal / (double)frames_total : 0.0,
               1000.0 * hfc_decoder_latency(dec) / info.sample_rate_hz, isinf(snr) ? "exact, " : "",
               isinf(snr) ? 999.0 : snr);
        hfc_encoder_destroy(enc);
        hfc_encoder_destroy(offline_enc);
        hfc_decoder_destroy(dec);
    }
    hfc_model_free(model);
    return 0;
}
