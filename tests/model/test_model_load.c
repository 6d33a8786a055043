/* Model file validation: a valid model loads; every kind of damage (truncation, bad
 * JSON, wrong dtype, wrong or huge shapes, bad offsets, missing or extra tensors,
 * bad config values, random corruption) gives a clear status, never a crash.
 * With an istft-head model as well, its loading, truncation, corruption and a
 * missing head tensor.
 * Usage: test_model_load VALID_MODEL.safetensors [ISTFT_MODEL.safetensors] */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"
#include "test_util.h"

static uint8_t *model_bytes;
static size_t model_n_bytes;
static size_t data_offset; /* 8 + header length */

static int load_status(const uint8_t *bytes, size_t n)
{
    int status = 12345;
    hfc_model *m = hfc_model_load_memory(bytes, n, NULL, &status);
    CHECK((m != NULL) == (status == HFC_OK));
    hfc_model_free(m);
    return status;
}

typedef void (*header_edit_fn)(cJSON *root);

/* Re-serialises the header after an edit, keeping the data section; extra_bytes of
 * zeros are appended to the data. Returns malloc'd bytes. */
static uint8_t *rebuild(header_edit_fn edit, size_t extra_bytes, size_t *n_out)
{
    cJSON *root = cJSON_ParseWithLength((const char *)model_bytes + 8, data_offset - 8);
    if (!root)
        return NULL;
    edit(root);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    size_t n_header = strlen(text);
    size_t n_data = model_n_bytes - data_offset;
    *n_out = 8 + n_header + n_data + extra_bytes;
    uint8_t *out = calloc(1, *n_out);
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)((uint64_t)n_header >> (8 * i));
    memcpy(out + 8, text, n_header);
    memcpy(out + 8 + n_header, model_bytes + data_offset, n_data);
    free(text);
    return out;
}

static int edited_status(header_edit_fn edit, size_t extra_bytes)
{
    size_t n = 0;
    uint8_t *bytes = rebuild(edit, extra_bytes, &n);
    CHECK(bytes != NULL);
    int status = bytes ? load_status(bytes, n) : HFC_ERR_INTERNAL;
    free(bytes);
    return status;
}

static cJSON *first_tensor(cJSON *root)
{
    for (cJSON *e = root->child; e; e = e->next)
        if (strcmp(e->string, "__metadata__") != 0)
            return e;
    return NULL;
}

/* Edits one field of the config (a JSON string inside __metadata__). */
static void edit_config(cJSON *root, const char *section, const char *field, cJSON *value)
{
    cJSON *meta = cJSON_GetObjectItem(root, "__metadata__");
    cJSON *cfg = cJSON_Parse(cJSON_GetObjectItem(meta, "hificodec_config")->valuestring);
    cJSON *obj = section ? cJSON_GetObjectItem(cfg, section) : cfg;
    if (cJSON_GetObjectItem(obj, field))
        cJSON_ReplaceItemInObject(obj, field, value);
    else
        cJSON_AddItemToObject(obj, field, value); /* an optional field */
    char *text = cJSON_PrintUnformatted(cfg);
    cJSON_ReplaceItemInObject(meta, "hificodec_config", cJSON_CreateString(text));
    free(text);
    cJSON_Delete(cfg);
}

static void edit_none(cJSON *root) { (void)root; }
static void edit_dtype_i64(cJSON *root)
{
    cJSON_ReplaceItemInObject(first_tensor(root), "dtype", cJSON_CreateString("I64"));
}
static void edit_dtype_f16(cJSON *root)
{
    cJSON_ReplaceItemInObject(first_tensor(root), "dtype", cJSON_CreateString("F16"));
}
static void edit_huge_dim(cJSON *root)
{
    cJSON *shape = cJSON_GetObjectItem(first_tensor(root), "shape");
    cJSON_ReplaceItemInArray(shape, 0, cJSON_CreateNumber(1099511627776.0 * 1024));
}
static void edit_negative_dim(cJSON *root)
{
    cJSON *shape = cJSON_GetObjectItem(first_tensor(root), "shape");
    cJSON_ReplaceItemInArray(shape, 0, cJSON_CreateNumber(-1));
}
static void edit_offsets_past_end(cJSON *root)
{
    cJSON *off = cJSON_GetObjectItem(first_tensor(root), "data_offsets");
    cJSON_ReplaceItemInArray(off, 1, cJSON_CreateNumber(1e12));
}
static void edit_offsets_shifted(cJSON *root)
{
    cJSON *off = cJSON_GetObjectItem(first_tensor(root), "data_offsets");
    double begin = cJSON_GetArrayItem(off, 0)->valuedouble;
    double end = cJSON_GetArrayItem(off, 1)->valuedouble;
    cJSON_ReplaceItemInArray(off, 0, cJSON_CreateNumber(begin + 4));
    cJSON_ReplaceItemInArray(off, 1, cJSON_CreateNumber(end + 4)); /* overlaps its neighbour */
}
static void edit_shape_transposed(cJSON *root)
{
    /* Same element count, different shape: only the binder can tell. */
    cJSON *t = first_tensor(root);
    while (t && cJSON_GetArraySize(cJSON_GetObjectItem(t, "shape")) < 2)
        t = t->next;
    cJSON *shape = cJSON_GetObjectItem(t, "shape");
    int n = cJSON_GetArraySize(shape);
    cJSON *flat = cJSON_CreateArray();
    double count = 1;
    for (int i = 0; i < n; i++)
        count *= cJSON_GetArrayItem(shape, i)->valuedouble;
    cJSON_AddItemToArray(flat, cJSON_CreateNumber(count));
    cJSON_ReplaceItemInObject(t, "shape", flat);
}
static void edit_rename_tensor(cJSON *root)
{
    cJSON *t = first_tensor(root);
    char *name = malloc(strlen(t->string) + 2);
    sprintf(name, "%sX", t->string);
    cJSON *copy = cJSON_Duplicate(t, 1);
    cJSON_DeleteItemFromObject(root, t->string);
    cJSON_AddItemToObject(root, name, copy);
    free(name);
}
static void edit_extra_tensor(cJSON *root)
{
    double end = (double)(model_n_bytes - data_offset);
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "dtype", "F32");
    cJSON *shape = cJSON_AddArrayToObject(t, "shape");
    cJSON_AddItemToArray(shape, cJSON_CreateNumber(1));
    cJSON *off = cJSON_AddArrayToObject(t, "data_offsets");
    cJSON_AddItemToArray(off, cJSON_CreateNumber(end));
    cJSON_AddItemToArray(off, cJSON_CreateNumber(end + 4));
    cJSON_AddItemToObject(root, "generator.extra.weight", t);
}
static void edit_no_metadata(cJSON *root) { cJSON_DeleteItemFromObject(root, "__metadata__"); }
static void edit_config_not_json(cJSON *root)
{
    cJSON *meta = cJSON_GetObjectItem(root, "__metadata__");
    cJSON_ReplaceItemInObject(meta, "hificodec_config", cJSON_CreateString("{\"hop\": 320,"));
}
static void edit_hop(cJSON *root) { edit_config(root, NULL, "hop", cJSON_CreateNumber(321)); }
static void edit_latent_huge(cJSON *root)
{
    edit_config(root, NULL, "latent_dim", cJSON_CreateNumber(1e9));
}
static void edit_version(cJSON *root)
{
    edit_config(root, NULL, "format_version", cJSON_CreateNumber(2));
}
static void edit_codebook(cJSON *root)
{
    edit_config(root, "quantizer", "codebook_size", cJSON_CreateNumber(3));
}
static void edit_resblock(cJSON *root)
{
    edit_config(root, NULL, "resblock", cJSON_CreateString("3"));
}
static void edit_head_istft(cJSON *root)
{
    edit_config(root, "decoder", "head", cJSON_CreateString("istft"));
}
static void edit_head_istft_n_fft(cJSON *root, int n_fft)
{
    edit_head_istft(root);
    edit_config(root, "decoder", "head_n_fft", cJSON_CreateNumber(n_fft));
}
/* The tiny model's decoder strides make the whole hop: a head hop of 1 sample. */
static void edit_head_istft_4(cJSON *root)
{
    edit_head_istft_n_fft(root, 4);
}
static void edit_head_istft_odd(cJSON *root)
{
    edit_head_istft_n_fft(root, 5);
}
static void edit_head_istft_short(cJSON *root)
{
    edit_head_istft_n_fft(root, 2);
}
static void edit_head_istft_huge(cJSON *root)
{
    edit_head_istft_n_fft(root, 8192);
}
static void edit_head_istft_fraction(cJSON *root)
{
    edit_head_istft(root);
    edit_config(root, "decoder", "head_n_fft", cJSON_CreateNumber(4.5));
}
static void edit_n_fft_waveform(cJSON *root)
{
    edit_config(root, "decoder", "head_n_fft", cJSON_CreateNumber(16));
}
static void edit_n_fft_zero_waveform(cJSON *root)
{
    edit_config(root, "decoder", "head_n_fft", cJSON_CreateNumber(0));
}
static void edit_head_waveform(cJSON *root)
{
    edit_config(root, "decoder", "head", cJSON_CreateString("waveform"));
}
static void edit_head_number(cJSON *root)
{
    edit_config(root, "decoder", "head", cJSON_CreateNumber(1));
}
static void edit_channels_type(cJSON *root)
{
    edit_config(root, "encoder", "channels", cJSON_CreateString("many"));
}
static void edit_sample_rate_float(cJSON *root)
{
    edit_config(root, NULL, "sample_rate", cJSON_CreateNumber(16000.5));
}

static void test_edits(void)
{
    struct {
        const char *what;
        header_edit_fn edit;
        size_t extra;
        int status;
    } cases[] = {
        {"re-serialised header", edit_none, 0, HFC_OK},
        {"unknown dtype", edit_dtype_i64, 0, HFC_ERR_UNSUPPORTED},
        {"dtype/byte count mismatch", edit_dtype_f16, 0, HFC_ERR_FORMAT},
        {"huge dimension", edit_huge_dim, 0, HFC_ERR_FORMAT},
        {"negative dimension", edit_negative_dim, 0, HFC_ERR_FORMAT},
        {"offsets past the end", edit_offsets_past_end, 0, HFC_ERR_FORMAT},
        {"overlapping offsets", edit_offsets_shifted, 0, HFC_ERR_FORMAT},
        {"reshaped tensor", edit_shape_transposed, 0, HFC_ERR_TENSOR},
        {"missing tensor", edit_rename_tensor, 0, HFC_ERR_TENSOR},
        {"extra tensor", edit_extra_tensor, 4, HFC_ERR_TENSOR},
        {"no metadata", edit_no_metadata, 0, HFC_ERR_FORMAT},
        {"config is bad JSON", edit_config_not_json, 0, HFC_ERR_FORMAT},
        {"hop differs from strides", edit_hop, 0, HFC_ERR_UNSUPPORTED},
        {"absurd latent_dim", edit_latent_huge, 0, HFC_ERR_UNSUPPORTED},
        {"future format version", edit_version, 0, HFC_ERR_UNSUPPORTED},
        {"codebook size changed", edit_codebook, 0, HFC_ERR_TENSOR},
        {"unknown resblock", edit_resblock, 0, HFC_ERR_UNSUPPORTED},
        {"istft head without head_n_fft", edit_head_istft, 0, HFC_ERR_FORMAT},
        {"istft head over a waveform model's tensors", edit_head_istft_4, 0, HFC_ERR_TENSOR},
        {"istft head_n_fft odd", edit_head_istft_odd, 0, HFC_ERR_UNSUPPORTED},
        {"istft head_n_fft under three head hops", edit_head_istft_short, 0, HFC_ERR_UNSUPPORTED},
        {"istft head_n_fft over 4096", edit_head_istft_huge, 0, HFC_ERR_UNSUPPORTED},
        {"istft head_n_fft fractional", edit_head_istft_fraction, 0, HFC_ERR_FORMAT},
        {"head_n_fft on a waveform head", edit_n_fft_waveform, 0, HFC_ERR_UNSUPPORTED},
        {"head_n_fft 0 on a waveform head", edit_n_fft_zero_waveform, 0, HFC_OK},
        {"explicit waveform head", edit_head_waveform, 0, HFC_OK},
        {"head not a string", edit_head_number, 0, HFC_ERR_FORMAT},
        {"channels of the wrong type", edit_channels_type, 0, HFC_ERR_FORMAT},
        {"fractional sample rate", edit_sample_rate_float, 0, HFC_ERR_FORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status = edited_status(cases[i].edit, cases[i].extra);
        CHECK_MSG(status == cases[i].status, "%s: got %d (%s), expected %d", cases[i].what, status,
                  hfc_strerror(status), cases[i].status);
    }
}

static void test_truncation(void)
{
    size_t cuts[] = {0, 1, 7, 8, 9, data_offset / 2, data_offset - 1, data_offset,
                     data_offset + 1, (data_offset + model_n_bytes) / 2, model_n_bytes - 4,
                     model_n_bytes - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        int status = load_status(model_bytes, cuts[i]);
        CHECK_MSG(status == HFC_ERR_FORMAT, "cut at %zu: status %d", cuts[i], status);
    }
}

/* Random corruption of the header: any status is acceptable, a crash is not (run
 * under ASan in CI), and a successful load must still be a usable model. */
static void test_random_corruption(void)
{
    uint8_t *copy = malloc(model_n_bytes);
    for (int iter = 0; iter < 300; iter++) {
        memcpy(copy, model_bytes, model_n_bytes);
        int n_flips = 1 + (int)(hfc_test_rand_u64() % 4);
        for (int f = 0; f < n_flips; f++) {
            size_t at = (size_t)(hfc_test_rand_u64() % data_offset);
            copy[at] = (uint8_t)hfc_test_rand_u64();
        }
        int status = 0;
        hfc_model *m = hfc_model_load_memory(copy, model_n_bytes, NULL, &status);
        if (m) {
            hfc_model_info info;
            CHECK(hfc_model_get_info(m, &info) == HFC_OK);
            CHECK(info.n_codebooks >= 1);
        } else {
            CHECK(status < 0 && status >= HFC_ERR_INTERNAL);
        }
        hfc_model_free(m);
    }
    free(copy);
}

static void test_file_errors(const char *valid_path)
{
    int status = 0;
    CHECK(hfc_model_load_file("/nonexistent/model.safetensors", NULL, &status) == NULL);
    CHECK(status == HFC_ERR_IO);
    CHECK(hfc_model_load_file("/tmp", NULL, &status) == NULL);
    CHECK(status == HFC_ERR_IO);
    CHECK(hfc_model_load_file(NULL, NULL, &status) == NULL && status == HFC_ERR_INVALID_ARG);
    CHECK(hfc_model_load_file("/dev/null", NULL, &status) == NULL && status != HFC_OK);
    hfc_model *m = hfc_model_load_file(valid_path, NULL, &status);
    CHECK(m != NULL && status == HFC_OK);
    hfc_model_info info;
    CHECK(hfc_model_get_info(m, &info) == HFC_OK);
    CHECK(info.n_codebooks == info.n_groups * info.n_layers);
    CHECK(info.hop_samples > 0 && info.sample_rate_hz > 0);
    CHECK(info.n_params > 0 && info.encode_gflop_per_s > 0 && info.decode_gflop_per_s > 0);
    CHECK(info.cpu_path && info.name);
    CHECK(hfc_model_samples_for_frames(m, 7) == 7 * info.hop_samples);
    CHECK(hfc_model_frames_for_samples(m, 0) == 0);
    CHECK(hfc_model_frames_for_samples(m, 1) == 0);
    CHECK(hfc_model_get_info(NULL, &info) == HFC_ERR_INVALID_ARG);
    hfc_model_free(m);
    hfc_model_free(NULL);
}

static void logger(void *user, int level, const char *msg)
{
    (void)level;
    int *count = user;
    (*count)++;
    CHECK(msg && strlen(msg) > 0 && strchr(msg, '\n') == NULL);
}

static void test_log_callback(void)
{
    int count = 0;
    hfc_model_options opt;
    hfc_model_options_init(&opt);
    opt.log = logger;
    opt.log_user = &count;
    int status = 0;
    CHECK(hfc_model_load_memory(model_bytes, model_n_bytes / 2, &opt, &status) == NULL);
    CHECK(count >= 1);
}

static void test_strerror(void)
{
    for (int code = HFC_OK; code >= HFC_ERR_MODEL_MISMATCH; code--) {
        const char *text = hfc_strerror(code);
        CHECK(text && *text);
        CHECK_MSG(strcmp(text, hfc_strerror(12345)) != 0, "code %d has no text", code);
        for (int other = code - 1; other >= HFC_ERR_MODEL_MISMATCH; other--)
            CHECK(strcmp(text, hfc_strerror(other)) != 0);
    }
    CHECK(hfc_strerror(-9999) != NULL);
    CHECK(strcmp(hfc_version_string(), "0.1.0") >= 0 && strchr(hfc_version_string(), '.'));
}

static int use_model(const char *path)
{
    free(model_bytes);
    model_bytes = hfc_test_read_file(path, &model_n_bytes);
    if (!model_bytes) {
        fprintf(stderr, "cannot read %s\n", path);
        return 0;
    }
    uint64_t n_header = 0;
    for (int i = 7; i >= 0; i--)
        n_header = n_header << 8 | model_bytes[i];
    data_offset = 8 + (size_t)n_header;
    CHECK(load_status(model_bytes, model_n_bytes) == HFC_OK);
    return 1;
}

/* An istft-head model: its head's tensors are bound and checked like any other. */
static void test_istft_model(const char *path)
{
    if (!use_model(path))
        return;
    test_file_errors(path);
    test_truncation();
    test_random_corruption();
    uint8_t *copy = malloc(model_n_bytes);
    /* A wrong head weight shape is caught: drop the head tensor by renaming it. */
    const char *name = "generator.head.weight";
    memcpy(copy, model_bytes, model_n_bytes);
    uint8_t *at = NULL;
    for (size_t i = 0; !at && i + strlen(name) <= data_offset; i++)
        at = memcmp(copy + i, name, strlen(name)) ? NULL : copy + i;
    CHECK(at != NULL);
    if (at) {
        at[strlen("generator.")] = 'H';
        CHECK(load_status(copy, model_n_bytes) == HFC_ERR_TENSOR);
    }
    free(copy);
}

/* Usage: test_model_load VALID_MODEL [ISTFT_MODEL] */
int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s VALID_MODEL [ISTFT_MODEL]\n", argv[0]);
        return 2;
    }
    hfc_test_seed();
    if (!use_model(argv[1]))
        return 1;
    test_file_errors(argv[1]);
    test_truncation();
    test_edits();
    test_random_corruption();
    test_log_callback();
    test_strerror();
    if (argc == 3)
        test_istft_model(argv[2]);
    free(model_bytes);
    return hfc_test_finish("test_model_load");
}
