/* The safetensors container: header parsing and validation of every tensor entry.
 * Knows nothing about networks; model.c binds the tensors by name. */
#ifndef HFC_MODEL_FILE_H
#define HFC_MODEL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define HFC_ST_MAX_DIMS 4
#define HFC_ST_MAX_HEADER_BYTES (64u << 20)
#define HFC_ST_MAX_TENSORS 65536

typedef enum hfc_dtype { HFC_DTYPE_F32 = 0, HFC_DTYPE_F16 = 1 } hfc_dtype;

typedef struct hfc_st_tensor {
    char *name;
    hfc_dtype dtype;
    int n_dims;
    int64_t shape[HFC_ST_MAX_DIMS];
    int64_t n_elements;
    const uint8_t *data; /* inside the caller's buffer; may be unaligned */
    int bound;           /* set by the model binder: every tensor must be used once */
} hfc_st_tensor;

typedef struct hfc_st_file {
    hfc_st_tensor *tensors;
    int n_tensors;
    char *config_json; /* __metadata__["hificodec_config"], owned */
} hfc_st_file;

/* Parses and validates a safetensors image of n_bytes. The tensors point into
 * `bytes`, which must stay valid while *out is used. Returns HFC_OK, HFC_ERR_FORMAT
 * (malformed), HFC_ERR_UNSUPPORTED (unknown dtype) or HFC_ERR_NO_MEMORY. */
int hfc_st_parse(const uint8_t *bytes, size_t n_bytes, hfc_st_file *out, const hfc_logger *logger);

void hfc_st_release(hfc_st_file *file);

/* The tensor called name, or NULL. */
hfc_st_tensor *hfc_st_find(const hfc_st_file *file, const char *name);

/* Converts n elements of a tensor to float (F16 widened exactly). */
void hfc_st_read_f32(const hfc_st_tensor *tensor, float *dst);

#endif
