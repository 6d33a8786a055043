/* hificodec._native.Model: load, info, offline encode and decode, latents and
 * codebooks. Each call makes its own encoder or decoder, so one Model serves any
 * number of threads; the GIL is released while the codec runs. */
#include "ext.h"

#include "audio_io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int model_init(hfc_py_model *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"path", NULL};
    const char *path;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s", keywords, &path))
        return -1;
    if (self->model) {
        PyErr_SetString(PyExc_RuntimeError, "Model is already loaded");
        return -1;
    }
    hfc_py_detail detail = {""};
    hfc_model_options options;
    hfc_model_options_init(&options);
    options.log = hfc_py_keep_detail;
    options.log_user = &detail;
    int status = HFC_OK;
    Py_BEGIN_ALLOW_THREADS;
    self->model = hfc_model_load_file(path, &options, &status);
    Py_END_ALLOW_THREADS;
    if (!self->model) {
        hfc_py_raise(status, path, detail.text);
        return -1;
    }
    hfc_model_get_info(self->model, &self->info);
    return 0;
}

static void model_dealloc(hfc_py_model *self)
{
    hfc_model_free(self->model);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int check_loaded(const hfc_py_model *self)
{
    if (self->model)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "Model was not loaded");
    return -1;
}

static PyObject *model_info(hfc_py_model *self, PyObject *unused)
{
    (void)unused;
    if (check_loaded(self) != 0)
        return NULL;
    const hfc_model_info *i = &self->info;
    return Py_BuildValue(
        "{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:O,s:d,s:d,s:L,s:d,s:d,s:K,s:s,s:s,s:s,s:i,s:i}", "sample_rate",
        i->sample_rate_hz, "hop_samples", i->hop_samples, "n_groups", i->n_groups, "n_layers",
        i->n_layers, "n_codebooks", i->n_codebooks, "codebook_size", i->codebook_size, "latent_dim",
        i->latent_dim, "causal", i->causal ? Py_True : Py_False, "frame_rate", i->frame_rate_hz,
        "bitrate", i->bitrate_bps, "n_params", (long long)i->n_params, "encode_gflop_per_s",
        i->encode_gflop_per_s, "decode_gflop_per_s", i->decode_gflop_per_s, "model_id",
        (unsigned long long)i->model_id, "name", i->name, "cpu_path", i->cpu_path, "decoder_head", i->decoder_head, "head_n_fft",
        i->head_n_fft, "head_hop_samples", i->head_hop_samples);
}

/* Where the first NaN or infinity is, for the error message. */
static void describe_bad_sample(const float *pcm, int64_t n_samples, hfc_py_detail *detail)
{
    for (int64_t i = 0; i < n_samples; i++)
        if (!isfinite(pcm[i])) {
            snprintf(detail->text, sizeof detail->text, "sample %lld is %s", (long long)i,
                     isnan(pcm[i]) ? "NaN" : "infinite");
            return;
        }
}

int hfc_py_encode_pcm(const hfc_py_model *model, hfc_encoder *encoder, const float *pcm,
                      int64_t n_samples, int rate_hz, hfc_token **tokens, int64_t *n_frames,
                      hfc_py_detail *detail)
{
    *tokens = NULL;
    *n_frames = 0;
    const hfc_model_info *info = &model->info;
    hfc_cli_audio audio = {NULL, n_samples, rate_hz};
    if (rate_hz != info->sample_rate_hz) {
        /* NaN would pass through the resampler smeared over its neighbours. */
        for (int64_t i = 0; i < n_samples; i++)
            if (!isfinite(pcm[i])) {
                describe_bad_sample(pcm, n_samples, detail);
                return HFC_ERR_BAD_SAMPLE;
            }
        audio.samples = malloc((size_t)(n_samples > 0 ? n_samples : 1) * sizeof *pcm);
        if (!audio.samples)
            return HFC_ERR_NO_MEMORY;
        memcpy(audio.samples, pcm, (size_t)n_samples * sizeof *pcm);
        if (hfc_cli_audio_resample(&audio, info->sample_rate_hz, detail->text,
                                   sizeof detail->text) != 0) {
            hfc_cli_audio_free(&audio);
            return HFC_ERR_INVALID_ARG;
        }
        pcm = audio.samples;
        n_samples = audio.n_samples;
    }
    int64_t frames = hfc_model_frames_for_samples(model->model, n_samples);
    int64_t status = HFC_ERR_TOO_SHORT;
    if (frames > 0) {
        *tokens = malloc((size_t)(frames * info->n_codebooks) * sizeof **tokens);
        status = *tokens ? hfc_encoder_encode(encoder, pcm, n_samples, *tokens, frames)
                         : HFC_ERR_NO_MEMORY;
    }
    if (status == HFC_ERR_TOO_SHORT)
        snprintf(detail->text, sizeof detail->text, "%lld samples at %d Hz; one frame needs %d",
                 (long long)n_samples, info->sample_rate_hz, info->hop_samples);
    if (status == HFC_ERR_BAD_SAMPLE)
        describe_bad_sample(pcm, n_samples, detail);
    free(audio.samples);
    if (status < 0) {
        free(*tokens);
        *tokens = NULL;
        return (int)status;
    }
    *n_frames = status;
    return HFC_OK;
}

static hfc_encoder *new_encoder(const hfc_py_model *self, int n_threads, int *status)
{
    hfc_encoder_options options;
    hfc_encoder_options_init(&options);
    options.n_threads = n_threads;
    return hfc_encoder_create(self->model, &options, status);
}

static PyObject *model_encode(hfc_py_model *self, PyObject *args)
{
    PyObject *pcm_obj;
    int rate_hz, n_threads;
    if (!PyArg_ParseTuple(args, "Oii", &pcm_obj, &rate_hz, &n_threads) || check_loaded(self) != 0)
        return NULL;
    if (rate_hz < 1 || n_threads < 0)
        return PyErr_Format(PyExc_ValueError, "bad rate %d Hz or threads %d", rate_hz, n_threads);
    Py_buffer pcm;
    if (hfc_py_buffer(pcm_obj, &pcm, 'f', 0, "pcm") != 0)
        return NULL;
    hfc_py_detail detail = {""};
    hfc_token *tokens = NULL;
    int64_t n_frames = 0;
    int status;
    Py_BEGIN_ALLOW_THREADS;
    hfc_encoder *encoder = new_encoder(self, n_threads, &status);
    if (encoder)
        status = hfc_py_encode_pcm(self, encoder, pcm.buf, pcm.len / 4, rate_hz, &tokens, &n_frames,
                                   &detail);
    hfc_encoder_destroy(encoder);
    Py_END_ALLOW_THREADS;
    PyBuffer_Release(&pcm);
    if (status != HFC_OK)
        return hfc_py_raise(status, "encode", detail.text);
    PyObject *out = PyBytes_FromStringAndSize((const char *)tokens,
                                              (Py_ssize_t)(n_frames * self->info.n_codebooks * 4));
    free(tokens);
    return out;
}

void hfc_py_describe_bad_token(const hfc_py_model *self, const hfc_token *tokens, int64_t n_frames,
                               hfc_py_detail *detail)
{
    const int n_cb = self->info.n_codebooks;
    for (int64_t i = 0; i < n_frames * n_cb; i++)
        if (tokens[i] < 0 || tokens[i] >= self->info.codebook_size) {
            snprintf(detail->text, sizeof detail->text,
                     "token %d at frame %lld, codebook %d is outside [0, %d)", (int)tokens[i],
                     (long long)(i / n_cb), (int)(i % n_cb), self->info.codebook_size);
            return;
        }
}

/* The calls that turn tokens or latents into a caller's float32 array. */
enum { TO_PCM, TO_LATENTS, LATENTS_TO_PCM };
static const char *const to_floats_names[] = {"decode", "latents", "decode_latents"};

/* Runs one of them without the GIL; returns the count written or a status. */
static int64_t run_to_floats(const hfc_py_model *self, int what, const void *in, int64_t n_frames,
                             float *out, int64_t out_floats, int n_threads)
{
    if (what == TO_LATENTS)
        return hfc_model_tokens_to_latents(self->model, in, n_frames, out,
                                           out_floats / self->info.latent_dim);
    hfc_decoder_options options;
    hfc_decoder_options_init(&options);
    options.n_threads = n_threads;
    int status;
    hfc_decoder *decoder = hfc_decoder_create(self->model, &options, &status);
    if (!decoder)
        return status;
    int64_t got = what == TO_PCM
                      ? hfc_decoder_decode(decoder, in, n_frames, out, out_floats)
                      : hfc_decoder_decode_latents(decoder, in, n_frames, out, out_floats);
    hfc_decoder_destroy(decoder);
    return got;
}

/* method(input, n_frames, out, threads): input is int32 tokens or float32 latents
 * of n_frames frames; out a writable float32 array. Returns the count written. */
static PyObject *to_floats(hfc_py_model *self, PyObject *args, int what)
{
    PyObject *in_obj, *out_obj;
    long long n_frames;
    int n_threads;
    if (!PyArg_ParseTuple(args, "OLOi", &in_obj, &n_frames, &out_obj, &n_threads) ||
        check_loaded(self) != 0)
        return NULL;
    const int from_tokens = what != LATENTS_TO_PCM;
    const int per_frame = from_tokens ? self->info.n_codebooks : self->info.latent_dim;
    const char *name = to_floats_names[what];
    Py_buffer in, out;
    if (hfc_py_buffer(in_obj, &in, from_tokens ? 'i' : 'f', 0,
                      from_tokens ? "tokens" : "latents") != 0)
        return NULL;
    if (n_frames < 0 || in.len != n_frames * per_frame * 4) {
        PyBuffer_Release(&in);
        return PyErr_Format(PyExc_ValueError, "%s: %zd values are not %lld frames of %d", name,
                            in.len / 4, n_frames, per_frame);
    }
    if (hfc_py_buffer(out_obj, &out, 'f', 1, "out") != 0) {
        PyBuffer_Release(&in);
        return NULL;
    }
    int64_t got;
    Py_BEGIN_ALLOW_THREADS;
    got = run_to_floats(self, what, in.buf, n_frames, out.buf, out.len / 4, n_threads);
    Py_END_ALLOW_THREADS;
    hfc_py_detail detail = {""};
    if (got == HFC_ERR_BAD_TOKEN)
        hfc_py_describe_bad_token(self, in.buf, n_frames, &detail);
    if (got == HFC_ERR_BAD_SAMPLE)
        describe_bad_sample(in.buf, n_frames * per_frame, &detail);
    PyBuffer_Release(&in);
    PyBuffer_Release(&out);
    if (got < 0)
        return hfc_py_raise((int)got, name, detail.text);
    return PyLong_FromLongLong(got);
}

static PyObject *model_decode(hfc_py_model *self, PyObject *args)
{
    return to_floats(self, args, TO_PCM);
}

static PyObject *model_latents(hfc_py_model *self, PyObject *args)
{
    return to_floats(self, args, TO_LATENTS);
}

static PyObject *model_decode_latents(hfc_py_model *self, PyObject *args)
{
    return to_floats(self, args, LATENTS_TO_PCM);
}

static PyObject *model_codebook(hfc_py_model *self, PyObject *args)
{
    int k;
    PyObject *out_obj;
    if (!PyArg_ParseTuple(args, "iO", &k, &out_obj) || check_loaded(self) != 0)
        return NULL;
    Py_buffer out;
    if (hfc_py_buffer(out_obj, &out, 'f', 1, "out") != 0)
        return NULL;
    int64_t got = hfc_model_get_codebook(self->model, k, out.buf, out.len / 4);
    PyBuffer_Release(&out);
    if (got < 0)
        return hfc_py_raise((int)got, "codebook", NULL);
    return PyLong_FromLongLong(got);
}

static PyMethodDef model_methods[] = {
    {"info", (PyCFunction)model_info, METH_NOARGS, "info() -> dict"},
    {"encode", (PyCFunction)model_encode, METH_VARARGS,
     "encode(pcm float32, rate, threads) -> int32 token bytes"},
    {"decode", (PyCFunction)model_decode, METH_VARARGS,
     "decode(tokens int32, n_frames, out float32, threads) -> samples"},
    {"latents", (PyCFunction)model_latents, METH_VARARGS,
     "latents(tokens int32, n_frames, out float32, threads) -> frames"},
    {"decode_latents", (PyCFunction)model_decode_latents, METH_VARARGS,
     "decode_latents(latents float32, n_frames, out float32, threads) -> samples"},
    {"codebook", (PyCFunction)model_codebook, METH_VARARGS, "codebook(k, out float32)"},
    {"encode_batch", (PyCFunction)hfc_py_model_encode_batch, METH_VARARGS,
     "encode_batch([pcm float32], [rate], jobs) -> [int32 token bytes]"},
    {"decode_batch", (PyCFunction)hfc_py_model_decode_batch, METH_VARARGS,
     "decode_batch([tokens int32], [n_frames], [out float32], jobs)"},
    {"tokenize_file", (PyCFunction)hfc_py_model_tokenize_file, METH_VARARGS,
     "tokenize_file(source, output, format, overwrite) -> dict: one file of "
     "'hificodec tokenize'"},
    {NULL, NULL, 0, NULL}};

PyTypeObject hfc_py_model_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "hificodec._native.Model",
    .tp_basicsize = sizeof(hfc_py_model),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A loaded model (use hificodec.Model)",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)model_init,
    .tp_dealloc = (destructor)model_dealloc,
    .tp_methods = model_methods,
};
