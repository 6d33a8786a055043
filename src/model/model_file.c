/* safetensors: u64 LE header length, JSON header, then raw little-endian data.
 * Everything here is untrusted input: every length, offset and shape is checked
 * before it is used, and arithmetic that could overflow is done in checked steps. */
#include "model_file.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"

static int dtype_from_string(const char *s, hfc_dtype *dtype)
{
    if (strcmp(s, "F32") == 0) {
        *dtype = HFC_DTYPE_F32;
        return 1;
    }
    if (strcmp(s, "F16") == 0) {
        *dtype = HFC_DTYPE_F16;
        return 1;
    }
    return 0;
}

static size_t dtype_bytes(hfc_dtype dtype)
{
    return dtype == HFC_DTYPE_F32 ? 4 : 2;
}

/* JSON numbers are doubles: accept only exact non-negative integers below 2^53. */
static int json_to_u64(const cJSON *item, uint64_t *value)
{
    if (!cJSON_IsNumber(item))
        return 0;
    double d = item->valuedouble;
    if (!(d >= 0.0 && d <= 9007199254740992.0) || d != (double)(uint64_t)d)
        return 0;
    *value = (uint64_t)d;
    return 1;
}

static int compare_by_offset(const void *a, const void *b)
{
    const hfc_st_tensor *ta = a, *tb = b;
    return (ta->data > tb->data) - (ta->data < tb->data);
}

static int compare_by_name(const void *a, const void *b)
{
    return strcmp(((const hfc_st_tensor *)a)->name, ((const hfc_st_tensor *)b)->name);
}

static int parse_tensor(const cJSON *entry, const uint8_t *data, uint64_t n_data_bytes,
                        hfc_st_tensor *t, const hfc_logger *logger)
{
    const char *name = entry->string;
    if (!cJSON_IsObject(entry)) {
        hfc_logf(logger, HFC_LOG_ERROR, "tensor '%s': entry is not an object", name);
        return HFC_ERR_FORMAT;
    }
    const cJSON *jdtype = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
    const cJSON *jshape = cJSON_GetObjectItemCaseSensitive(entry, "shape");
    const cJSON *joffsets = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    if (!cJSON_IsString(jdtype) || !cJSON_IsArray(jshape) || !cJSON_IsArray(joffsets) ||
        cJSON_GetArraySize(joffsets) != 2) {
        hfc_logf(logger, HFC_LOG_ERROR, "tensor '%s': needs dtype, shape and data_offsets[2]", name);
        return HFC_ERR_FORMAT;
    }
    if (!dtype_from_string(jdtype->valuestring, &t->dtype)) {
        hfc_logf(logger, HFC_LOG_ERROR, "tensor '%s': unsupported dtype '%s' (F32 or F16)", name,
                 jdtype->valuestring);
        return HFC_ERR_UNSUPPORTED;
    }
    int n_dims = cJSON_GetArraySize(jshape);
    if (n_dims > HFC_ST_MAX_DIMS) {
        hfc_logf(logger, HFC_LOG_ERROR, "tensor '%s': %d dims (at most %d)", name, n_dims,
                 HFC_ST_MAX_DIMS);
        return HFC_ERR_FORMAT;
    }
    t->n_dims = n_dims;
    /* 2^40 elements is far beyond any model and keeps the products below 2^63. */
    uint64_t n_elements = 1;
    for (int i = 0; i < n_dims; i++) {
        uint64_t dim;
        if (!json_to_u64(cJSON_GetArrayItem(jshape, i), &dim) || dim > (1ull << 40)) {
            hfc_logf(logger, HFC_LOG_ERROR, "tensor '%s': bad dimension %d", name, i);
            return HFC_ERR_FORMAT;
        }
        t->shape[i] = (int64_t)dim;
        n_elements = dim == 0 ? 0 : n_elements * dim;
        if (n_elements > (1ull << 40)) {
            hfc_logf(logger, HFC_LOG_ERROR, "tensor '%s': too many elements", name);
            return HFC_ERR_FORMAT;
        }
    }
    t->n_elements = (int64_t)n_elements;
    uint64_t begin, end;
    if (!json_to_u64(cJSON_GetArrayItem(joffsets, 0), &begin) ||
        !json_to_u64(cJSON_GetArrayItem(joffsets, 1), &end) || begin > end ||
        end > n_data_bytes) {
        hfc_logf(logger, HFC_LOG_ERROR,
                 "tensor '%s': data_offsets outside the %llu bytes of data", name,
                 (unsigned long long)n_data_bytes);
        return HFC_ERR_FORMAT;
    }
    if (end - begin != n_elements * dtype_bytes(t->dtype)) {
        hfc_logf(logger, HFC_LOG_ERROR, "tensor '%s': %llu bytes for %llu elements of %s", name,
                 (unsigned long long)(end - begin), (unsigned long long)n_elements,
                 jdtype->valuestring);
        return HFC_ERR_FORMAT;
    }
    t->data = data + begin;
    t->name = strdup(name);
    return t->name ? HFC_OK : HFC_ERR_NO_MEMORY;
}

static int parse_metadata(const cJSON *meta, hfc_st_file *out, const hfc_logger *logger)
{
    if (!cJSON_IsObject(meta) || out->config_json) {
        hfc_logf(logger, HFC_LOG_ERROR, "__metadata__ is not an object or appears twice");
        return HFC_ERR_FORMAT;
    }
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(meta, "hificodec_config");
    if (!cJSON_IsString(config)) {
        hfc_logf(logger, HFC_LOG_ERROR, "__metadata__ has no hificodec_config string");
        return HFC_ERR_FORMAT;
    }
    out->config_json = strdup(config->valuestring);
    return out->config_json ? HFC_OK : HFC_ERR_NO_MEMORY;
}

static int parse_header(const cJSON *root, const uint8_t *data, uint64_t n_data_bytes,
                        hfc_st_file *out, const hfc_logger *logger)
{
    int n_entries = cJSON_GetArraySize(root);
    if (n_entries > HFC_ST_MAX_TENSORS) {
        hfc_logf(logger, HFC_LOG_ERROR, "%d header entries (at most %d)", n_entries,
                 HFC_ST_MAX_TENSORS);
        return HFC_ERR_FORMAT;
    }
    out->tensors = calloc((size_t)(n_entries > 0 ? n_entries : 1), sizeof *out->tensors);
    if (!out->tensors)
        return HFC_ERR_NO_MEMORY;
    int status = HFC_OK;
    for (const cJSON *entry = root->child; entry && status == HFC_OK; entry = entry->next) {
        if (strcmp(entry->string, "__metadata__") == 0)
            status = parse_metadata(entry, out, logger);
        else
            status = parse_tensor(entry, data, n_data_bytes, &out->tensors[out->n_tensors++],
                                  logger);
    }
    if (status != HFC_OK)
        return status;
    if (!out->config_json) {
        hfc_logf(logger, HFC_LOG_ERROR, "no __metadata__: not a hificodec model file");
        return HFC_ERR_FORMAT;
    }
    /* Overlapping tensors would let a crafted file alias weights; reject them. */
    hfc_st_tensor *sorted = malloc((size_t)(out->n_tensors ? out->n_tensors : 1) * sizeof *sorted);
    if (!sorted)
        return HFC_ERR_NO_MEMORY;
    memcpy(sorted, out->tensors, (size_t)out->n_tensors * sizeof *sorted);
    qsort(sorted, (size_t)out->n_tensors, sizeof *sorted, compare_by_offset);
    for (int i = 1; i < out->n_tensors && status == HFC_OK; i++) {
        const hfc_st_tensor *prev = &sorted[i - 1];
        size_t prev_bytes = (size_t)prev->n_elements * dtype_bytes(prev->dtype);
        if (prev->data + prev_bytes > sorted[i].data) {
            hfc_logf(logger, HFC_LOG_ERROR, "tensors '%s' and '%s' overlap", prev->name,
                     sorted[i].name);
            status = HFC_ERR_FORMAT;
        }
    }
    /* Sorting by name turns the duplicate check into a linear scan. */
    qsort(sorted, (size_t)out->n_tensors, sizeof *sorted, compare_by_name);
    for (int i = 1; i < out->n_tensors && status == HFC_OK; i++)
        if (strcmp(sorted[i - 1].name, sorted[i].name) == 0) {
            hfc_logf(logger, HFC_LOG_ERROR, "tensor '%s' appears twice", sorted[i].name);
            status = HFC_ERR_FORMAT;
        }
    free(sorted);
    return status;
}

int hfc_st_parse(const uint8_t *bytes, size_t n_bytes, hfc_st_file *out, const hfc_logger *logger)
{
    memset(out, 0, sizeof *out);
    if (n_bytes < 8) {
        hfc_logf(logger, HFC_LOG_ERROR, "file is %zu bytes: too short for a safetensors header",
                 n_bytes);
        return HFC_ERR_FORMAT;
    }
    uint64_t n_header = 0;
    for (int i = 7; i >= 0; i--)
        n_header = (n_header << 8) | bytes[i];
    if (n_header > HFC_ST_MAX_HEADER_BYTES || n_header > n_bytes - 8 || n_header < 2) {
        hfc_logf(logger, HFC_LOG_ERROR,
                 "header length %llu does not fit the %zu-byte file (truncated or not safetensors)",
                 (unsigned long long)n_header, n_bytes);
        return HFC_ERR_FORMAT;
    }
    const char *header = (const char *)bytes + 8;
    const char *parse_end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(header, (size_t)n_header, &parse_end, 0);
    if (!root || !cJSON_IsObject(root)) {
        hfc_logf(logger, HFC_LOG_ERROR, "header is not a valid JSON object (error near byte %lld)",
                 (long long)(parse_end ? parse_end - header : (cJSON_GetErrorPtr()
                                                                  ? cJSON_GetErrorPtr() - header
                                                                  : -1)));
        cJSON_Delete(root);
        return HFC_ERR_FORMAT;
    }
    const uint8_t *data = bytes + 8 + n_header;
    int status = parse_header(root, data, n_bytes - 8 - n_header, out, logger);
    cJSON_Delete(root);
    if (status != HFC_OK)
        hfc_st_release(out);
    return status;
}

void hfc_st_release(hfc_st_file *file)
{
    if (!file)
        return;
    for (int i = 0; i < file->n_tensors; i++)
        free(file->tensors[i].name);
    free(file->tensors);
    free(file->config_json);
    memset(file, 0, sizeof *file);
}

hfc_st_tensor *hfc_st_find(const hfc_st_file *file, const char *name)
{
    for (int i = 0; i < file->n_tensors; i++)
        if (strcmp(file->tensors[i].name, name) == 0)
            return &file->tensors[i];
    return NULL;
}

/* IEEE half to single, exact for every input including subnormals, inf and NaN. */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {
        /* Subnormal half: normalise the mantissa into a single's exponent. */
        int shift = 0;
        while (!(mantissa & 0x400u)) {
            mantissa <<= 1;
            shift++;
        }
        mantissa &= 0x3ffu;
        bits = sign | ((uint32_t)(113 - shift) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void hfc_st_read_f32(const hfc_st_tensor *tensor, float *dst)
{
    const uint8_t *p = tensor->data;
    for (int64_t i = 0; i < tensor->n_elements; i++) {
        if (tensor->dtype == HFC_DTYPE_F32) {
            uint32_t bits = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                            (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
            memcpy(&dst[i], &bits, sizeof bits);
        } else {
            dst[i] = half_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        }
    }
}
