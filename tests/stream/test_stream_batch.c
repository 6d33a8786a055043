/* Batched streaming (src/stream/batch.h): N streams pushed a frame at a time through
 * hfc_encoders_push_frame / hfc_decoders_push_frame, in batches of random size and
 * membership, with some streams pushed part-frames or bad samples on their own,
 * give every stream exactly the tokens and PCM of its own hfc_encoder_push /
 * hfc_decoder_push. Run for every precision this CPU has kernels for.
 * Usage: test_stream_batch MODEL   (HFC_TEST_SEED=N repeats a run) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "test_util.h"

enum { STREAMS = 37, FRAMES = 40 };

static void run(const char *path, int precision)
{
    hfc_model_options o;
    hfc_model_options_init(&o);
    o.precision = precision;
    hfc_model *model = hfc_model_load_file(path, &o, NULL);
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    const int hop = info.hop_samples, nc = info.n_codebooks;
    hfc_encoder *enc[STREAMS], *ref_enc[STREAMS];
    hfc_decoder *dec[STREAMS], *ref_dec[STREAMS];
    float *pcm[STREAMS];
    for (int s = 0; s < STREAMS; s++) {
        enc[s] = hfc_encoder_create(model, NULL, NULL);
        ref_enc[s] = hfc_encoder_create(model, NULL, NULL);
        dec[s] = hfc_decoder_create(model, NULL, NULL);
        ref_dec[s] = hfc_decoder_create(model, NULL, NULL);
        pcm[s] = malloc((size_t)FRAMES * hop * sizeof(float));
        for (int i = 0; i < FRAMES * hop; i++)
            pcm[s][i] = (float)(0.3 * sin(0.01 * i * (1 + s % 7)) +
                                0.05 * hfc_test_rand_normal());
    }
    int differ = 0, batched = 0;
    for (int f = 0; f < FRAMES; f++) {
        hfc_encoder *be[STREAMS];
        hfc_decoder *bd[STREAMS];
        const float *bp[STREAMS];
        hfc_token got_tok[STREAMS][16], want_tok[STREAMS][16];
        hfc_token *bt[STREAMS];
        float got_pcm[STREAMS][512], want_pcm[STREAMS][512];
        float *bo[STREAMS];
        int64_t got_n[STREAMS], want_n[STREAMS];
        int member[STREAMS], n = 0;
        for (int s = 0; s < STREAMS; s++) {
            const float *frame = pcm[s] + (size_t)f * hop;
            want_n[s] = hfc_encoder_push(ref_enc[s], frame, hop, want_tok[s], 2);
            member[s] = hfc_test_rand_u64() % 4 != 0; /* the rest alone, as the daemon may */
            if (member[s]) {
                be[n] = enc[s];
                bp[n] = frame;
                bt[n] = got_tok[s];
                n++;
            } else {
                got_n[s] = hfc_encoder_push(enc[s], frame, hop, got_tok[s], 2);
            }
        }
        int64_t out[STREAMS];
        CHECK(hfc_encoders_push_frame(be, n, bp, bt, out) == HFC_OK);
        for (int s = 0, k = 0; s < STREAMS; s++)
            if (member[s])
                got_n[s] = out[k++];
        batched += n;
        for (int s = 0; s < STREAMS; s++)
            differ += got_n[s] != want_n[s] ||
                      (want_n[s] > 0 &&
                       memcmp(got_tok[s], want_tok[s], (size_t)(want_n[s] * nc) * sizeof(hfc_token)));
        /* Decode each stream's own tokens, a frame at a time, batched likewise. */
        n = 0;
        for (int s = 0; s < STREAMS; s++) {
            if (want_n[s] < 1)
                continue;
            want_n[s] = hfc_decoder_push(ref_dec[s], want_tok[s], 1, want_pcm[s], hop);
            if (hfc_test_rand_u64() % 4 != 0) {
                bd[n] = dec[s];
                bt[n] = want_tok[s];
                bo[n] = got_pcm[s];
                member[n++] = s;
            } else {
                got_n[s] = hfc_decoder_push(dec[s], want_tok[s], 1, got_pcm[s], hop);
                differ += got_n[s] != want_n[s] ||
                          (want_n[s] > 0 && memcmp(got_pcm[s], want_pcm[s],
                                                   (size_t)want_n[s] * sizeof(float)));
            }
        }
        CHECK(hfc_decoders_push_frame(bd, n, (const hfc_token *const *)bt, bo, out) == HFC_OK);
        for (int k = 0; k < n; k++) {
            const int s = member[k];
            differ += out[k] != want_n[s] ||
                      (want_n[s] > 0 &&
                       memcmp(got_pcm[s], want_pcm[s], (size_t)want_n[s] * sizeof(float)));
        }
    }
    printf("%s: %d streams x %d frames, %d encoder pushes batched: %d differ\n", info.precision,
           STREAMS, FRAMES, batched, differ);
    CHECK_MSG(differ == 0, "%s: %d batched results differ from their own streams'",
              info.precision, differ);
    /* A part-frame and a NaN go through the single-stream path and still agree. */
    hfc_token t1[16], t2[16];
    int64_t n1;
    float bad[512];
    memcpy(bad, pcm[0], (size_t)hop * sizeof(float));
    bad[5] = NAN;
    const float *one = bad;
    hfc_token *to = t1;
    CHECK(hfc_encoders_push_frame(&enc[0], 1, &one, &to, &n1) == HFC_OK);
    CHECK(n1 == HFC_ERR_BAD_SAMPLE && hfc_encoder_push(ref_enc[0], bad, hop, t2, 2) == n1);
    CHECK(hfc_encoders_push_frame(NULL, 1, &one, &to, &n1) == HFC_ERR_INVALID_ARG);
    for (int s = 0; s < STREAMS; s++) {
        hfc_encoder_destroy(enc[s]);
        hfc_encoder_destroy(ref_enc[s]);
        hfc_decoder_destroy(dec[s]);
        hfc_decoder_destroy(ref_dec[s]);
        free(pcm[s]);
    }
    hfc_model_free(model);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_stream_batch MODEL\n");
        return 2;
    }
    hfc_test_seed();
    for (int p = HFC_PRECISION_FP32; p <= HFC_PRECISION_INT8; p++)
        run(argv[1], p);
    return hfc_test_finish("test_stream_batch");
}
