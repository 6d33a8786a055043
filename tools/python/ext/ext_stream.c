/* hificodec._native.StreamEncoder / StreamDecoder: one stream frame by frame over
 * hfc_encoder_push / hfc_decoder_push. Each holds a reference to its Model, so the
 * model outlives it, and refuses to be used by two threads at once (the push calls
 * run without the GIL and a stream's state is not shared). */
#include "ext.h"

#include <string.h>

typedef struct py_stream {
    PyObject_HEAD hfc_py_model *model;
    hfc_encoder *encoder; /* StreamEncoder */
    hfc_decoder *decoder; /* StreamDecoder */
    int busy;             /* a push or flush is running (read and set with the GIL) */
} py_stream;

static int stream_init(py_stream *self, PyObject *args, PyObject *kwargs, int encode)
{
    static char *keywords[] = {"model", NULL};
    hfc_py_model *model;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!", keywords, &hfc_py_model_type, &model))
        return -1;
    if (!model->model) {
        PyErr_SetString(PyExc_RuntimeError, "Model was not loaded");
        return -1;
    }
    if (self->model) {
        PyErr_SetString(PyExc_RuntimeError, "the stream is already set up");
        return -1;
    }
    int status = HFC_OK;
    if (encode)
        self->encoder = hfc_encoder_create(model->model, NULL, &status);
    else
        self->decoder = hfc_decoder_create(model->model, NULL, &status);
    if (status != HFC_OK) {
        hfc_py_raise(status, encode ? "StreamEncoder" : "StreamDecoder", NULL);
        return -1;
    }
    Py_INCREF(model);
    self->model = model;
    return 0;
}

static int encoder_init(py_stream *self, PyObject *args, PyObject *kwargs)
{
    return stream_init(self, args, kwargs, 1);
}

static int decoder_init(py_stream *self, PyObject *args, PyObject *kwargs)
{
    return stream_init(self, args, kwargs, 0);
}

static void stream_dealloc(py_stream *self)
{
    hfc_encoder_destroy(self->encoder);
    hfc_decoder_destroy(self->decoder);
    Py_XDECREF(self->model);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Marks the stream busy; raises if it already is or was never set up. */
static int enter(py_stream *self)
{
    if (!self->model) {
        PyErr_SetString(PyExc_RuntimeError, "the stream was not set up");
        return -1;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the stream is in use by another thread: one stream, one thread");
        return -1;
    }
    self->busy = 1;
    return 0;
}

/* A bytes object of n_bytes to fill, trimmed to what was written. */
static PyObject *finish_bytes(PyObject *bytes, int64_t got, int64_t item_bytes, const char *what)
{
    if (got < 0) {
        Py_DECREF(bytes);
        return hfc_py_raise((int)got, what, NULL);
    }
    if (_PyBytes_Resize(&bytes, (Py_ssize_t)(got * item_bytes)) != 0)
        return NULL;
    return bytes;
}

static PyObject *encoder_push(py_stream *self, PyObject *arg)
{
    Py_buffer pcm;
    if (enter(self) != 0)
        return NULL;
    if (hfc_py_buffer(arg, &pcm, 'f', 0, "pcm") != 0) {
        self->busy = 0;
        return NULL;
    }
    const hfc_model_info *info = &self->model->info;
    int64_t n_samples = pcm.len / 4, max_frames = n_samples / info->hop_samples + 1;
    PyObject *out =
        PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(max_frames * info->n_codebooks * 4));
    int64_t got = HFC_ERR_NO_MEMORY;
    if (out) {
        hfc_token *tokens = (hfc_token *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS;
        got = hfc_encoder_push(self->encoder, pcm.buf, n_samples, tokens, max_frames);
        Py_END_ALLOW_THREADS;
    }
    PyBuffer_Release(&pcm);
    self->busy = 0;
    return out ? finish_bytes(out, got, (int64_t)info->n_codebooks * 4, "StreamEncoder.push")
               : NULL;
}

static PyObject *encoder_flush(py_stream *self, PyObject *unused)
{
    (void)unused;
    if (enter(self) != 0)
        return NULL;
    const hfc_model_info *info = &self->model->info;
    int64_t max_frames = hfc_encoder_latency(self->encoder) / info->hop_samples + 2;
    PyObject *out =
        PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(max_frames * info->n_codebooks * 4));
    int64_t got = HFC_ERR_NO_MEMORY;
    if (out) {
        hfc_token *tokens = (hfc_token *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS;
        got = hfc_encoder_flush(self->encoder, tokens, max_frames);
        Py_END_ALLOW_THREADS;
    }
    self->busy = 0;
    return out ? finish_bytes(out, got, (int64_t)info->n_codebooks * 4, "StreamEncoder.flush")
               : NULL;
}

static PyObject *decoder_push(py_stream *self, PyObject *args)
{
    PyObject *tokens_obj;
    long long n_frames;
    if (!PyArg_ParseTuple(args, "OL", &tokens_obj, &n_frames) || enter(self) != 0)
        return NULL;
    Py_buffer tokens;
    const hfc_model_info *info = &self->model->info;
    if (hfc_py_buffer(tokens_obj, &tokens, 'i', 0, "tokens") != 0) {
        self->busy = 0;
        return NULL;
    }
    if (n_frames < 0 || tokens.len != n_frames * info->n_codebooks * 4) {
        PyBuffer_Release(&tokens);
        self->busy = 0;
        return PyErr_Format(PyExc_ValueError, "tokens hold %zd values, not %lld frames of %d",
                            tokens.len / 4, n_frames, info->n_codebooks);
    }
    int64_t max_samples = n_frames * info->hop_samples;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(max_samples * 4));
    int64_t got = HFC_ERR_NO_MEMORY;
    hfc_py_detail detail = {""};
    if (out) {
        float *pcm = (float *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS;
        got = hfc_decoder_push(self->decoder, tokens.buf, n_frames, pcm, max_samples);
        Py_END_ALLOW_THREADS;
        if (got == HFC_ERR_BAD_TOKEN)
            hfc_py_describe_bad_token(self->model, tokens.buf, n_frames, &detail);
    }
    PyBuffer_Release(&tokens);
    self->busy = 0;
    if (out && got < 0) {
        Py_DECREF(out);
        return hfc_py_raise((int)got, "StreamDecoder.push", detail.text);
    }
    return out ? finish_bytes(out, got, 4, "StreamDecoder.push") : NULL;
}

static PyObject *decoder_flush(py_stream *self, PyObject *unused)
{
    (void)unused;
    if (enter(self) != 0)
        return NULL;
    int64_t max_samples = hfc_decoder_latency(self->decoder) + self->model->info.hop_samples;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(max_samples * 4));
    int64_t got = HFC_ERR_NO_MEMORY;
    if (out) {
        float *pcm = (float *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS;
        got = hfc_decoder_flush(self->decoder, pcm, max_samples);
        Py_END_ALLOW_THREADS;
    }
    self->busy = 0;
    return out ? finish_bytes(out, got, 4, "StreamDecoder.flush") : NULL;
}

static PyObject *stream_reset(py_stream *self, PyObject *unused)
{
    (void)unused;
    if (enter(self) != 0)
        return NULL;
    hfc_encoder_reset(self->encoder);
    hfc_decoder_reset(self->decoder);
    self->busy = 0;
    Py_RETURN_NONE;
}

static PyObject *stream_latency(py_stream *self, void *closure)
{
    (void)closure;
    if (!self->model)
        Py_RETURN_NONE;
    return PyLong_FromLong(self->encoder ? hfc_encoder_latency(self->encoder)
                                         : hfc_decoder_latency(self->decoder));
}

static PyGetSetDef stream_getset[] = {{"latency", (getter)stream_latency, NULL,
                                       "algorithmic latency in samples at the model's rate", NULL},
                                      {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef encoder_methods[] = {
    {"push", (PyCFunction)encoder_push, METH_O, "push(pcm float32) -> int32 token bytes"},
    {"flush", (PyCFunction)encoder_flush, METH_NOARGS, "flush() -> the frames held back"},
    {"reset", (PyCFunction)stream_reset, METH_NOARGS, "reset(): start a new stream"},
    {NULL, NULL, 0, NULL}};

static PyMethodDef decoder_methods[] = {
    {"push", (PyCFunction)decoder_push, METH_VARARGS,
     "push(tokens int32, n_frames) -> float32 pcm bytes"},
    {"flush", (PyCFunction)decoder_flush, METH_NOARGS, "flush() -> the samples held back"},
    {"reset", (PyCFunction)stream_reset, METH_NOARGS, "reset(): start a new stream"},
    {NULL, NULL, 0, NULL}};

/* The two types differ in name, constructor and methods only. */
#define STREAM_TYPE(NAME, DOC, INIT, METHODS)                                                     \
    {                                                                                              \
        PyVarObject_HEAD_INIT(NULL, 0).tp_name = "hificodec._native." NAME,                        \
        .tp_basicsize = sizeof(py_stream), .tp_flags = Py_TPFLAGS_DEFAULT, .tp_doc = DOC,          \
        .tp_new = PyType_GenericNew, .tp_init = (initproc)INIT,                                    \
        .tp_dealloc = (destructor)stream_dealloc, .tp_methods = METHODS,                           \
        .tp_getset = stream_getset,                                                                \
    }

PyTypeObject hfc_py_stream_encoder_type =
    STREAM_TYPE("StreamEncoder", "One stream's encoder (use hificodec.StreamEncoder)",
                encoder_init, encoder_methods);

PyTypeObject hfc_py_stream_decoder_type =
    STREAM_TYPE("StreamDecoder", "One stream's decoder (use hificodec.StreamDecoder)",
                decoder_init, decoder_methods);
