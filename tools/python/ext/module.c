/* hificodec._native: the module, its exception and the helpers every part uses. */
#include "ext.h"

#include <malloc.h>
#include <unistd.h>

PyObject *hfc_py_error;

static const char *status_name(int status)
{
    static const char *const names[] = {"HFC_OK",
                                        "HFC_ERR_INVALID_ARG",
                                        "HFC_ERR_NO_MEMORY",
                                        "HFC_ERR_IO",
                                        "HFC_ERR_FORMAT",
                                        "HFC_ERR_UNSUPPORTED",
                                        "HFC_ERR_TENSOR",
                                        "HFC_ERR_TOO_SHORT",
                                        "HFC_ERR_BUFFER_TOO_SMALL",
                                        "HFC_ERR_BAD_TOKEN",
                                        "HFC_ERR_BAD_SAMPLE",
                                        "HFC_ERR_STATE",
                                        "HFC_ERR_PROTOCOL",
                                        "HFC_ERR_REFUSED",
                                        "HFC_ERR_CLOSED",
                                        "HFC_ERR_TIMEOUT",
                                        "HFC_ERR_INTERNAL",
                                        "HFC_ERR_MODEL_MISMATCH"};
    int index = -status;
    return index >= 0 && index < (int)(sizeof names / sizeof names[0]) ? names[index]
                                                                       : "HFC_ERR_UNKNOWN";
}

PyObject *hfc_py_raise(int status, const char *what, const char *detail)
{
    PyObject *message = detail && detail[0]
                            ? PyUnicode_FromFormat("%s: %s: %s", what, hfc_strerror(status), detail)
                            : PyUnicode_FromFormat("%s: %s", what, hfc_strerror(status));
    if (!message)
        return NULL;
    PyObject *error = PyObject_CallOneArg(hfc_py_error, message);
    Py_DECREF(message);
    if (!error)
        return NULL;
    PyObject *code = PyLong_FromLong(status);
    PyObject *name = PyUnicode_FromString(status_name(status));
    if (code && name && PyObject_SetAttrString(error, "status", code) == 0 &&
        PyObject_SetAttrString(error, "code", name) == 0)
        PyErr_SetObject(hfc_py_error, error);
    Py_XDECREF(code);
    Py_XDECREF(name);
    Py_DECREF(error);
    return NULL;
}

void hfc_py_keep_detail(void *user, int level, const char *msg)
{
    hfc_py_detail *detail = user;
    if (level == HFC_LOG_ERROR)
        snprintf(detail->text, sizeof detail->text, "%s", msg);
}

int hfc_py_buffer(PyObject *obj, Py_buffer *view, char kind, int writable, const char *what)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) != 0)
        return -1;
    /* Formats may carry a byte-order prefix ("<f"); only native 4-byte items do. */
    const char *format = view->format ? view->format : "B";
    if (*format == '@' || *format == '=' || *format == '<')
        format++;
    int kind_ok = kind == 'f' ? strcmp(format, "f") == 0
                              : strcmp(format, "i") == 0 || strcmp(format, "l") == 0;
    if (view->itemsize != 4 || !kind_ok) {
        PyErr_Format(PyExc_TypeError, "%s must hold %s, not items of format '%s'", what,
                     kind == 'f' ? "float32" : "int32", view->format ? view->format : "B");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

int hfc_py_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static PyObject *py_strerror(PyObject *module, PyObject *arg)
{
    (void)module;
    long status = PyLong_AsLong(arg);
    if (status == -1 && PyErr_Occurred())
        return NULL;
    return PyUnicode_FromString(hfc_strerror((int)status));
}

static PyMethodDef module_functions[] = {
    {"load_tokens", hfc_py_load_tokens, METH_VARARGS,
     "load_tokens(path_or_bytes, codebook_size) -> (header, int32 bytes, n_frames)"},
    {"save_tokens", hfc_py_save_tokens, METH_VARARGS,
     "save_tokens(path, format, header, tokens, n_frames): atomic"},
    {"check_header", hfc_py_check_header, METH_VARARGS,
     "check_header(model, header, allow_other_model): raises when the tokens do not fit"},
    {"load_audio", hfc_py_load_audio, METH_VARARGS,
     "load_audio(path, rate) -> (float32 bytes, rate): the CLI's reader and resampler"},
    {"corpus_list", hfc_py_corpus_list, METH_VARARGS,
     "corpus_list(input, out_dir, tokenize, out_extension, shard, n_shards) -> [dict]"},
    {"strerror", py_strerror, METH_O, "strerror(status) -> the library's text"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "hificodec._native",
    "libhificodec for Python; use the hificodec package, not this module.",
    -1,
    module_functions,
    NULL,
    NULL,
    NULL,
    NULL};

PyMODINIT_FUNC PyInit__native(void);

PyMODINIT_FUNC PyInit__native(void)
{
    /* The offline codec allocates its activations afresh for every utterance; above
     * glibc's mmap threshold (32 MiB at most, ~20 s of audio) every call would map,
     * fault in and unmap fresh pages, more than halving the speed on long
     * utterances (as in 'hificodec tokenize', corpus/cmd_corpus.c). Big blocks stay
     * in the heap for reuse instead: the process keeps the peak it reached. Threads
     * started from here on (encode_batch's) share the main arena rather than growing
     * their own in mapped 64 MiB heaps. */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_ARENA_MAX, 1);
    PyObject *module = PyModule_Create(&module_def);
    if (!module)
        return NULL;
    hfc_py_error = PyErr_NewExceptionWithDoc(
        "hificodec.Error",
        "An error of libhificodec: the message carries the library's text; .status is the "
        "enum hfc_status value and .code its name.",
        NULL, NULL);
    PyTypeObject *types[] = {&hfc_py_model_type, &hfc_py_stream_encoder_type,
                             &hfc_py_stream_decoder_type};
    int failed = !hfc_py_error || PyModule_AddObjectRef(module, "Error", hfc_py_error) != 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0] && !failed; i++)
        failed = PyType_Ready(types[i]) != 0 ||
                 PyModule_AddObjectRef(module, strrchr(types[i]->tp_name, '.') + 1,
                                       (PyObject *)types[i]) != 0;
    if (!failed)
        failed = PyModule_AddStringConstant(module, "version", hfc_version_string()) != 0 ||
                 PyModule_AddIntConstant(module, "TOKENS_HFC", HFC_TOKENS_HFC) != 0 ||
                 PyModule_AddIntConstant(module, "TOKENS_NPY", HFC_TOKENS_NPY) != 0;
    if (failed) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
