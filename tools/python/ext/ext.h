/*
 * ext.h - hificodec._native, the C half of the Python package: thin bindings of
 * libhificodec (model, offline and streaming codec, latents, token files) and of
 * the CLI's audio reader, resampler and corpus code, so that Python gets the very
 * bytes the CLI gets. NumPy stays on the Python side (the hificodec package): this module
 * takes and returns buffers (float32, int32) and bytes.
 *
 * Every call that runs the codec or touches files releases the GIL. Failures raise
 * hificodec.Error, whose message is the library's text for the status plus the
 * one-line detail it logged, and whose .status is the enum hfc_status value.
 */
#ifndef HFC_PY_EXT_H
#define HFC_PY_EXT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "hificodec.h"

/* hificodec.Error, created at module init. */
extern PyObject *hfc_py_error;

/* Raises hificodec.Error: "WHAT: <hfc_strerror(status)>[: detail]", with .status
 * and .code ("HFC_ERR_BAD_TOKEN"). Returns NULL. */
PyObject *hfc_py_raise(int status, const char *what, const char *detail);

/* A log callback that keeps the last HFC_LOG_ERROR line in a hfc_py_detail. */
typedef struct hfc_py_detail {
    char text[512];
} hfc_py_detail;
void hfc_py_keep_detail(void *user, int level, const char *msg);

/* Gets a C-contiguous buffer of 4-byte items of kind 'f' (float32) or 'i' (int32)
 * from obj, writable when asked. Raises TypeError naming what and returns -1 when
 * it is anything else (the Python layer converts NumPy arrays before they come
 * here, so this guards against misuse). */
int hfc_py_buffer(PyObject *obj, Py_buffer *view, char kind, int writable, const char *what);

/* The number of threads "all cores" means here. */
int hfc_py_cores(void);

/* hificodec._native.Model: a loaded model, immutable, shared by any thread. */
typedef struct hfc_py_model {
    PyObject_HEAD hfc_model *model;
    hfc_model_info info;
} hfc_py_model;

extern PyTypeObject hfc_py_model_type;
extern PyTypeObject hfc_py_stream_encoder_type;
extern PyTypeObject hfc_py_stream_decoder_type;

/* Model methods defined in other files (ext_batch.c, ext_corpus.c). */
PyObject *hfc_py_model_encode_batch(hfc_py_model *self, PyObject *args);
PyObject *hfc_py_model_decode_batch(hfc_py_model *self, PyObject *args);
PyObject *hfc_py_model_tokenize_file(hfc_py_model *self, PyObject *args);

/* Which token is out of range, for an error message (no GIL needed). */
void hfc_py_describe_bad_token(const hfc_py_model *model, const hfc_token *tokens, int64_t n_frames,
                               hfc_py_detail *detail);

/* Module functions (ext_tokens.c, ext_corpus.c). */
PyObject *hfc_py_load_tokens(PyObject *module, PyObject *args);
PyObject *hfc_py_save_tokens(PyObject *module, PyObject *args);
PyObject *hfc_py_check_header(PyObject *module, PyObject *args);
PyObject *hfc_py_load_audio(PyObject *module, PyObject *args);
PyObject *hfc_py_corpus_list(PyObject *module, PyObject *args);

/* Encodes pcm (n_samples float at rate_hz, resampled to the model's rate when it
 * differs, with the CLI's resampler) into a malloc'd *tokens of *n_frames frames.
 * Runs without the GIL. Returns HFC_OK or a status, with detail filled. */
int hfc_py_encode_pcm(const hfc_py_model *model, hfc_encoder *encoder, const float *pcm,
                      int64_t n_samples, int rate_hz, hfc_token **tokens, int64_t *n_frames,
                      hfc_py_detail *detail);

#endif
