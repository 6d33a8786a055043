/* The CLI's audio reader and corpus code for Python: load_audio, corpus_list and
 * Model.tokenize_file, which is one file of 'hificodec tokenize' exactly (the Dask
 * mapping in hificodec/dask.py runs it on the workers). */
#include "ext.h"

#include "audio_io.h"
#include "corpus_job.h"
#include "corpus_list.h"

#include <string.h>

/* The CLI's readers give a line of text, not a status: a file that cannot be opened
 * or read is HFC_ERR_IO, anything else (not audio, truncated, NaN) HFC_ERR_FORMAT. */
static int status_of(const char *err)
{
    return strncmp(err, "cannot open", 11) == 0 || strncmp(err, "read error", 10) == 0 ||
                   strstr(err, ": cannot open") || strstr(err, "No such file")
               ? HFC_ERR_IO
               : HFC_ERR_FORMAT;
}

PyObject *hfc_py_load_audio(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *path_obj, *name;
    int rate_hz;
    if (!PyArg_ParseTuple(args, "Oi", &path_obj, &rate_hz) ||
        !PyUnicode_FSConverter(path_obj, &name))
        return NULL;
    const char *path = PyBytes_AS_STRING(name);
    hfc_cli_audio audio;
    char err[512];
    int failed;
    Py_BEGIN_ALLOW_THREADS;
    failed = hfc_cli_audio_read(path, rate_hz, &audio, err, sizeof err);
    Py_END_ALLOW_THREADS;
    PyObject *result = NULL;
    if (failed) {
        hfc_py_raise(status_of(err), path, err);
    } else {
        result = Py_BuildValue("(y#i)", (const char *)audio.samples,
                               (Py_ssize_t)(audio.n_samples * 4), audio.rate_hz);
        hfc_cli_audio_free(&audio);
    }
    Py_DECREF(name);
    return result;
}

PyObject *hfc_py_corpus_list(PyObject *module, PyObject *args)
{
    (void)module;
    const char *input, *out_dir, *out_extension;
    int tokenize, shard, n_shards;
    if (!PyArg_ParseTuple(args, "sspsii", &input, &out_dir, &tokenize, &out_extension, &shard,
                          &n_shards))
        return NULL;
    hfc_corpus_list_options options = {.extensions = tokenize ? hfc_corpus_audio_extensions
                                                              : hfc_corpus_token_extensions,
                                       .out_dir = out_dir,
                                       .out_extension = out_extension,
                                       .shard = shard,
                                       .n_shards = n_shards};
    hfc_corpus_list list;
    char err[512];
    int failed;
    Py_BEGIN_ALLOW_THREADS;
    failed = hfc_corpus_list_build(input, &options, &list, err, sizeof err);
    Py_END_ALLOW_THREADS;
    if (failed)
        return hfc_py_raise(status_of(err), input, err);
    PyObject *items = PyList_New((Py_ssize_t)list.n_items);
    for (size_t i = 0; items && i < list.n_items; i++) {
        const hfc_corpus_item *item = &list.items[i];
        PyObject *entry = Py_BuildValue("{s:z,s:s,s:z,s:L,s:z}", "source", item->source, "key",
                                        item->key, "output", item->output, "n_bytes",
                                        (long long)item->n_bytes, "error", item->error);
        if (!entry)
            Py_CLEAR(items);
        else
            PyList_SET_ITEM(items, (Py_ssize_t)i, entry);
    }
    hfc_corpus_list_free(&list);
    return items;
}

PyObject *hfc_py_model_tokenize_file(hfc_py_model *self, PyObject *args)
{
    const char *source, *output;
    int format, overwrite;
    if (!PyArg_ParseTuple(args, "ssip", &source, &output, &format, &overwrite))
        return NULL;
    if (!self->model) {
        PyErr_SetString(PyExc_RuntimeError, "Model was not loaded");
        return NULL;
    }
    hfc_corpus_job_options options = {.token_format = format, .overwrite = overwrite};
    hfc_corpus_result result;
    int status = HFC_OK;
    Py_BEGIN_ALLOW_THREADS;
    hfc_encoder *encoder = hfc_encoder_create(self->model, NULL, &status);
    if (encoder)
        hfc_corpus_tokenize_file(encoder, self->model, source, output, &options, &result);
    hfc_encoder_destroy(encoder);
    Py_END_ALLOW_THREADS;
    if (status != HFC_OK)
        return hfc_py_raise(status, "tokenize_file", NULL);
    static const char *const outcomes[] = {"failed", "done", "skipped"};
    return Py_BuildValue("{s:s,s:z,s:L,s:d,s:d,s:d,s:d}", "outcome", outcomes[result.outcome + 1],
                         "error", result.outcome == HFC_CORPUS_FAILED ? result.error : NULL,
                         "n_frames", (long long)result.n_frames, "audio_seconds",
                         result.audio_seconds, "read_seconds", result.read_seconds, "codec_seconds",
                         result.codec_seconds, "write_seconds", result.write_seconds);
}
