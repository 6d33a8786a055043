/* Model.encode_batch / decode_batch: a list of utterances over every core. The
 * GIL is released for the whole batch; jobs threads (the caller's among them)
 * take the items in turn, each with its own single-threaded encoder or decoder,
 * which on many utterances uses the cores better than splitting one. */
#include "ext.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct batch_item {
    Py_buffer in, out; /* pcm or tokens; decode: the caller's output array */
    int rate_hz;       /* encode */
    int64_t n_frames;  /* decode: given; encode: produced */
    hfc_token *tokens; /* encode: malloc'd result */
    int64_t result;    /* samples or frames, or a status */
    hfc_py_detail detail;
} batch_item;

typedef struct batch {
    const hfc_py_model *model;
    batch_item *items;
    size_t n_items;
    int encode;
    atomic_size_t next;
} batch;

static void *batch_worker(void *user)
{
    batch *b = user;
    int status = HFC_OK;
    hfc_encoder *encoder = b->encode ? hfc_encoder_create(b->model->model, NULL, &status) : NULL;
    hfc_decoder *decoder = b->encode ? NULL : hfc_decoder_create(b->model->model, NULL, &status);
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n_items)
            break;
        batch_item *item = &b->items[i];
        if (status != HFC_OK) {
            item->result = status;
        } else if (b->encode) {
            item->result =
                hfc_py_encode_pcm(b->model, encoder, item->in.buf, item->in.len / 4, item->rate_hz,
                                  &item->tokens, &item->n_frames, &item->detail);
        } else {
            item->result = hfc_decoder_decode(decoder, item->in.buf, item->n_frames, item->out.buf,
                                              item->out.len / 4);
            if (item->result == HFC_ERR_BAD_TOKEN)
                hfc_py_describe_bad_token(b->model, item->in.buf, item->n_frames, &item->detail);
        }
    }
    hfc_encoder_destroy(encoder);
    hfc_decoder_destroy(decoder);
    return NULL;
}

/* Runs the batch on n_jobs threads, this one included. Call without the GIL. */
static void batch_run(batch *b, int n_jobs)
{
    if (n_jobs <= 0)
        n_jobs = hfc_py_cores();
    if ((size_t)n_jobs > b->n_items)
        n_jobs = (int)b->n_items;
    pthread_t threads[256];
    int n_started = 0;
    while (n_started < n_jobs - 1 && n_started < 256 &&
           pthread_create(&threads[n_started], NULL, batch_worker, b) == 0)
        n_started++;
    batch_worker(b);
    for (int i = 0; i < n_started; i++)
        pthread_join(threads[i], NULL);
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n_items; i++) {
        if (b->items[i].in.obj)
            PyBuffer_Release(&b->items[i].in);
        if (b->items[i].out.obj)
            PyBuffer_Release(&b->items[i].out);
        free(b->items[i].tokens);
    }
    free(b->items);
}

/* Raises for the first failed item, naming its index; -1 when it did. */
static int raise_item(const batch *b, const char *what)
{
    for (size_t i = 0; i < b->n_items; i++)
        if (b->items[i].result < 0) {
            char where[64];
            snprintf(where, sizeof where, "%s: item %zu", what, i);
            hfc_py_raise((int)b->items[i].result, where, b->items[i].detail.text);
            return -1;
        }
    return 0;
}

static int start_batch(batch *b, const hfc_py_model *model, PyObject *list, int encode)
{
    memset(b, 0, sizeof *b);
    b->model = model;
    b->encode = encode;
    atomic_init(&b->next, 0);
    if (!model->model) {
        PyErr_SetString(PyExc_RuntimeError, "Model was not loaded");
        return -1;
    }
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "a list is expected");
        return -1;
    }
    b->n_items = (size_t)PyList_GET_SIZE(list);
    b->items = calloc(b->n_items ? b->n_items : 1, sizeof *b->items);
    if (!b->items) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < b->n_items; i++) {
        char what[64];
        snprintf(what, sizeof what, "item %zu", i);
        if (hfc_py_buffer(PyList_GET_ITEM(list, i), &b->items[i].in, encode ? 'f' : 'i', 0, what) !=
            0)
            return -1;
    }
    return 0;
}

PyObject *hfc_py_model_encode_batch(hfc_py_model *self, PyObject *args)
{
    PyObject *pcms, *rates;
    int n_jobs;
    if (!PyArg_ParseTuple(args, "O!O!i", &PyList_Type, &pcms, &PyList_Type, &rates, &n_jobs))
        return NULL;
    if (PyList_GET_SIZE(rates) != PyList_GET_SIZE(pcms))
        return PyErr_Format(PyExc_ValueError, "%zd rates for %zd items", PyList_GET_SIZE(rates),
                            PyList_GET_SIZE(pcms));
    batch b;
    PyObject *out = NULL;
    if (start_batch(&b, self, pcms, 1) == 0) {
        int ok = 1;
        for (size_t i = 0; i < b.n_items && ok; i++) {
            long rate = PyLong_AsLong(PyList_GET_ITEM(rates, i));
            ok = !(rate == -1 && PyErr_Occurred());
            if (ok && (rate < 1 || rate > 10000000)) {
                PyErr_Format(PyExc_ValueError, "item %zu: sample rate %ld Hz", i, rate);
                ok = 0;
            }
            b.items[i].rate_hz = (int)rate;
        }
        if (ok) {
            Py_BEGIN_ALLOW_THREADS;
            batch_run(&b, n_jobs);
            Py_END_ALLOW_THREADS;
            ok = raise_item(&b, "encode_batch") == 0;
        }
        if (ok)
            out = PyList_New((Py_ssize_t)b.n_items);
        for (size_t i = 0; out && i < b.n_items; i++) {
            PyObject *tokens = PyBytes_FromStringAndSize(
                (const char *)b.items[i].tokens,
                (Py_ssize_t)(b.items[i].n_frames * self->info.n_codebooks * 4));
            if (!tokens) {
                Py_CLEAR(out);
                break;
            }
            PyList_SET_ITEM(out, (Py_ssize_t)i, tokens);
        }
    }
    batch_free(&b);
    if (PyErr_Occurred())
        Py_CLEAR(out);
    return out;
}

PyObject *hfc_py_model_decode_batch(hfc_py_model *self, PyObject *args)
{
    PyObject *tokens, *frames, *outs;
    int n_jobs;
    if (!PyArg_ParseTuple(args, "O!O!O!i", &PyList_Type, &tokens, &PyList_Type, &frames,
                          &PyList_Type, &outs, &n_jobs))
        return NULL;
    if (PyList_GET_SIZE(frames) != PyList_GET_SIZE(tokens) ||
        PyList_GET_SIZE(outs) != PyList_GET_SIZE(tokens))
        return PyErr_Format(PyExc_ValueError, "lists of different lengths");
    batch b;
    if (start_batch(&b, self, tokens, 0) == 0) {
        int ok = 1;
        for (size_t i = 0; i < b.n_items && ok; i++) {
            batch_item *item = &b.items[i];
            item->n_frames = PyLong_AsLongLong(PyList_GET_ITEM(frames, i));
            ok = !PyErr_Occurred() &&
                 hfc_py_buffer(PyList_GET_ITEM(outs, i), &item->out, 'f', 1, "out") == 0;
            if (ok && (item->n_frames < 0 ||
                       item->in.len != item->n_frames * self->info.n_codebooks * 4)) {
                PyErr_Format(PyExc_ValueError, "item %zu: %zd tokens are not %lld frames", i,
                             item->in.len / 4, (long long)item->n_frames);
                ok = 0;
            }
        }
        if (ok) {
            Py_BEGIN_ALLOW_THREADS;
            batch_run(&b, n_jobs);
            Py_END_ALLOW_THREADS;
            raise_item(&b, "decode_batch");
        }
    }
    batch_free(&b);
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}
