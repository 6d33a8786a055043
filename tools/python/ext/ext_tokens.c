/* load_tokens / save_tokens: libhificodec's token files (.hfc and .npy) for Python,
 * with the library's checks and its one-line reasons in the errors. */
#include "ext.h"

#include <string.h>

static const char *format_name(int format)
{
    return format == HFC_TOKENS_HFC ? "hfc" : format == HFC_TOKENS_NPY ? "npy" : "";
}

/* Token-file options that keep the library's one-line reason in *detail. */
static void options_with_detail(hfc_token_file_options *options, hfc_py_detail *detail)
{
    hfc_token_file_options_init(options);
    options->log = hfc_py_keep_detail;
    options->log_user = detail;
}

PyObject *hfc_py_load_tokens(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *source;
    int codebook_size;
    if (!PyArg_ParseTuple(args, "Oi", &source, &codebook_size))
        return NULL;
    hfc_py_detail detail = {""};
    hfc_token_file_options options;
    options_with_detail(&options, &detail);
    options.codebook_size = codebook_size;
    hfc_token_header header;
    hfc_token *tokens = NULL;
    int64_t n_frames;
    PyObject *name = NULL;
    if (PyBytes_Check(source)) {
        const char *data = PyBytes_AS_STRING(source);
        Py_ssize_t n_bytes = PyBytes_GET_SIZE(source);
        Py_BEGIN_ALLOW_THREADS;
        n_frames = hfc_tokens_load_memory(data, (size_t)n_bytes, &options, &header, &tokens);
        Py_END_ALLOW_THREADS;
    } else {
        if (!PyUnicode_FSConverter(source, &name))
            return NULL;
        const char *path = PyBytes_AS_STRING(name);
        Py_BEGIN_ALLOW_THREADS;
        n_frames = hfc_tokens_load_file(path, &options, &header, &tokens);
        Py_END_ALLOW_THREADS;
    }
    if (n_frames < 0) {
        hfc_py_raise((int)n_frames, name ? PyBytes_AS_STRING(name) : "load_tokens", detail.text);
        Py_XDECREF(name);
        return NULL;
    }
    Py_XDECREF(name);
    PyObject *result = Py_BuildValue(
        "({s:s,s:K,s:i,s:i,s:i,s:i,s:L}y#L)", "format", format_name(header.format), "model_id",
        (unsigned long long)header.model_id, "sample_rate", header.sample_rate_hz, "hop_samples",
        header.hop_samples, "codebook_size", header.codebook_size, "n_codebooks",
        header.n_codebooks, "n_frames", (long long)header.n_frames, (const char *)tokens,
        (Py_ssize_t)(n_frames * header.n_codebooks * 4), (long long)n_frames);
    hfc_tokens_free(tokens);
    return result;
}

/* An int member of the header dict; -1 with an exception when missing. */
static int header_int(PyObject *dict, const char *key, long long *out)
{
    PyObject *value = PyDict_GetItemString(dict, key);
    if (!value) {
        PyErr_Format(PyExc_KeyError, "header has no '%s'", key);
        return -1;
    }
    *out = PyLong_AsLongLong(value);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

/* The header a dict of load_tokens' keys describes ("format" and "model_id" may be
 * missing: .npy, id 0). Returns 0, or -1 with an exception set. */
static int header_from_dict(PyObject *dict, hfc_token_header *header)
{
    long long rate, hop, codebook_size, n_codebooks;
    if (header_int(dict, "sample_rate", &rate) != 0 || header_int(dict, "hop_samples", &hop) != 0 ||
        header_int(dict, "codebook_size", &codebook_size) != 0 ||
        header_int(dict, "n_codebooks", &n_codebooks) != 0)
        return -1;
    PyObject *id = PyDict_GetItemString(dict, "model_id");
    PyObject *format = PyDict_GetItemString(dict, "format");
    memset(header, 0, sizeof *header);
    header->model_id = id ? PyLong_AsUnsignedLongLongMask(id) : 0;
    header->format =
        format && PyUnicode_Check(format) && PyUnicode_CompareWithASCIIString(format, "hfc") == 0
            ? HFC_TOKENS_HFC
            : HFC_TOKENS_NPY;
    header->sample_rate_hz = (int)rate;
    header->hop_samples = (int)hop;
    header->codebook_size = (int)codebook_size;
    header->n_codebooks = (int)n_codebooks;
    return PyErr_Occurred() ? -1 : 0;
}

PyObject *hfc_py_save_tokens(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *path_obj, *header_dict, *tokens_obj, *name = NULL;
    int format;
    long long n_frames;
    hfc_token_header header;
    if (!PyArg_ParseTuple(args, "OiO!OL", &path_obj, &format, &PyDict_Type, &header_dict,
                          &tokens_obj, &n_frames) ||
        header_from_dict(header_dict, &header) != 0 || !PyUnicode_FSConverter(path_obj, &name))
        return NULL;
    Py_buffer tokens;
    if (hfc_py_buffer(tokens_obj, &tokens, 'i', 0, "tokens") != 0) {
        Py_DECREF(name);
        return NULL;
    }
    if (n_frames < 1 || tokens.len != n_frames * header.n_codebooks * 4) {
        PyBuffer_Release(&tokens);
        Py_DECREF(name);
        return PyErr_Format(PyExc_ValueError, "tokens hold %zd values, not %lld frames of %d",
                            tokens.len / 4, n_frames, header.n_codebooks);
    }
    hfc_py_detail detail = {""};
    hfc_token_file_options options;
    options_with_detail(&options, &detail);
    const char *path = PyBytes_AS_STRING(name);
    int status;
    Py_BEGIN_ALLOW_THREADS;
    status = hfc_tokens_save_file(path, format, &header, tokens.buf, n_frames, &options);
    Py_END_ALLOW_THREADS;
    PyBuffer_Release(&tokens);
    if (status != HFC_OK)
        hfc_py_raise(status, path, detail.text);
    Py_DECREF(name);
    if (status != HFC_OK)
        return NULL;
    Py_RETURN_NONE;
}

PyObject *hfc_py_check_header(PyObject *module, PyObject *args)
{
    (void)module;
    hfc_py_model *model;
    PyObject *header_dict;
    int allow_other_model;
    hfc_token_header header;
    if (!PyArg_ParseTuple(args, "O!O!p", &hfc_py_model_type, &model, &PyDict_Type, &header_dict,
                          &allow_other_model) ||
        header_from_dict(header_dict, &header) != 0)
        return NULL;
    hfc_py_detail detail = {""};
    hfc_token_file_options options;
    options_with_detail(&options, &detail);
    int status = hfc_token_header_check(&header, &model->info, allow_other_model, &options);
    if (status != HFC_OK)
        return hfc_py_raise(status, "tokens", detail.text);
    Py_RETURN_NONE;
}
