#include "model_config.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hificodec.h"

typedef struct reader {
    const hfc_logger *logger;
    int status; /* first error wins; later reads become no-ops */
} reader;

static void fail(reader *r, int status, const char *field, const char *why)
{
    if (r->status != HFC_OK)
        return;
    hfc_logf(r->logger, HFC_LOG_ERROR, "config field '%s': %s", field, why);
    r->status = status;
}

static const cJSON *get(reader *r, const cJSON *obj, const char *field)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!item)
        fail(r, HFC_ERR_FORMAT, field, "missing");
    return item;
}

static int get_int(reader *r, const cJSON *obj, const char *field, int lo, int hi)
{
    const cJSON *item = get(r, obj, field);
    if (!item)
        return lo;
    double d = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    if (!(d == floor(d))) {
        fail(r, HFC_ERR_FORMAT, field, "not an integer");
        return lo;
    }
    if (d < lo || d > hi) {
        fail(r, HFC_ERR_UNSUPPORTED, field, "outside the supported range");
        return lo;
    }
    return (int)d;
}

static float get_float(reader *r, const cJSON *obj, const char *field, double lo, double hi)
{
    const cJSON *item = get(r, obj, field);
    if (!item)
        return 0.0f;
    if (!cJSON_IsNumber(item) || !(item->valuedouble >= lo && item->valuedouble <= hi)) {
        fail(r, HFC_ERR_FORMAT, field, "not a number in range");
        return 0.0f;
    }
    return (float)item->valuedouble;
}

static int get_bool(reader *r, const cJSON *obj, const char *field)
{
    const cJSON *item = get(r, obj, field);
    if (item && !cJSON_IsBool(item))
        fail(r, HFC_ERR_FORMAT, field, "not a boolean");
    return item && cJSON_IsTrue(item);
}

/* Reads an integer array of 1..max_n entries, each in [lo, hi]. Returns its length. */
static int get_int_array(reader *r, const cJSON *obj, const char *field, int *dst, int max_n,
                         int lo, int hi)
{
    const cJSON *arr = obj ? (field ? get(r, obj, field) : obj) : NULL;
    const char *name = field ? field : "array";
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr)) {
        fail(r, HFC_ERR_FORMAT, name, "not an array");
        return 0;
    }
    int n = cJSON_GetArraySize(arr);
    if (n < 1 || n > max_n) {
        fail(r, HFC_ERR_UNSUPPORTED, name, "wrong number of entries");
        return 0;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *item = cJSON_GetArrayItem(arr, i);
        double d = cJSON_IsNumber(item) ? item->valuedouble : NAN;
        if (!(d == floor(d)) || d < lo || d > hi) {
            fail(r, HFC_ERR_UNSUPPORTED, name, "entry not an integer in range");
            return 0;
        }
        dst[i] = (int)d;
    }
    return n;
}

static void parse_net(reader *r, const cJSON *obj, const char *which, hfc_net_config *net)
{
    if (!cJSON_IsObject(obj)) {
        fail(r, HFC_ERR_FORMAT, which, "missing or not an object");
        return;
    }
    int n_channels = get_int_array(r, obj, "channels", net->channels, HFC_MAX_STAGES + 1, 1,
                                   HFC_MAX_CHANNELS);
    net->n_stages = get_int_array(r, obj, "strides", net->strides, HFC_MAX_STAGES, 1,
                                  HFC_MAX_STRIDE);
    int n_kernels = get_int_array(r, obj, "kernels", net->kernels, HFC_MAX_STAGES, 1,
                                  HFC_MAX_KERNEL);
    if (r->status == HFC_OK && (n_channels != net->n_stages + 1 || n_kernels != net->n_stages))
        fail(r, HFC_ERR_FORMAT, which, "channels must have one entry more than strides and kernels");
    net->pre_kernel = get_int(r, obj, "pre_kernel", 1, HFC_MAX_KERNEL);
    net->post_kernel = get_int(r, obj, "post_kernel", 1, HFC_MAX_KERNEL);
    net->n_resblocks = get_int_array(r, obj, "resblock_kernels", net->rb_kernels,
                                     HFC_MAX_RESBLOCKS, 1, HFC_MAX_KERNEL);
    const cJSON *dil = get(r, obj, "resblock_dilations");
    if (r->status != HFC_OK)
        return;
    if (!cJSON_IsArray(dil) || cJSON_GetArraySize(dil) != net->n_resblocks) {
        fail(r, HFC_ERR_FORMAT, "resblock_dilations", "needs one list per resblock kernel");
        return;
    }
    for (int j = 0; j < net->n_resblocks; j++)
        net->rb_n_dilations[j] = get_int_array(r, cJSON_GetArrayItem(dil, j), NULL,
                                               net->rb_dilations[j], HFC_MAX_DILATIONS, 1,
                                               HFC_MAX_DILATION);
}

static int product(const int *v, int n)
{
    long long p = 1;
    for (int i = 0; i < n; i++) {
        p *= v[i];
        if (p > (1 << 24))
            return -1;
    }
    return (int)p;
}

/* Centred padding needs odd stride-1 kernels and (k - s) even, or the official
 * arithmetic would shift the signal by half a sample; causal padding needs k >= s. */
static void check_net(reader *r, const hfc_config *c, const hfc_net_config *net, const char *which)
{
    if (r->status != HFC_OK)
        return;
    const int strides = product(net->strides, net->n_stages);
    if (net == &c->dec && c->head == HFC_HEAD_ISTFT) {
        if (strides < 1 || c->hop % strides != 0)
            fail(r, HFC_ERR_UNSUPPORTED, which, "product of strides does not divide hop");
    } else if (strides != c->hop) {
        fail(r, HFC_ERR_UNSUPPORTED, which, "product of strides differs from hop");
    }
    for (int i = 0; i < net->n_stages; i++) {
        int k = net->kernels[i], s = net->strides[i];
        if (k < s || (!c->causal && (k - s) % 2 != 0))
            fail(r, HFC_ERR_UNSUPPORTED, which,
                 c->causal ? "stage kernel smaller than its stride" :
                             "stage kernel - stride must be even and >= 0");
    }
    if (!c->causal) {
        int odd = net->pre_kernel % 2 && net->post_kernel % 2;
        for (int j = 0; j < net->n_resblocks; j++)
            odd = odd && net->rb_kernels[j] % 2;
        if (!odd)
            fail(r, HFC_ERR_UNSUPPORTED, which, "non-causal stride-1 kernels must be odd");
    }
}

int hfc_config_parse(const char *json, hfc_config *out, const hfc_logger *logger)
{
    memset(out, 0, sizeof *out);
    reader r = {logger, HFC_OK};
    cJSON *root = cJSON_Parse(json);
    if (!root || !cJSON_IsObject(root)) {
        hfc_logf(logger, HFC_LOG_ERROR, "hificodec_config is not a valid JSON object");
        cJSON_Delete(root);
        return HFC_ERR_FORMAT;
    }
    out->format_version = get_int(&r, root, "format_version", 1, 1000);
    if (r.status == HFC_OK && out->format_version != 1)
        fail(&r, HFC_ERR_UNSUPPORTED, "format_version", "this library reads version 1");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (cJSON_IsString(name))
        snprintf(out->name, sizeof out->name, "%s", name->valuestring);
    out->sample_rate = get_int(&r, root, "sample_rate", 1000, 192000);
    out->hop = get_int(&r, root, "hop", 1, 1 << 16);
    out->latent_dim = get_int(&r, root, "latent_dim", 1, HFC_MAX_CHANNELS);
    out->causal = get_bool(&r, root, "causal");
    const cJSON *rb = get(&r, root, "resblock");
    if (rb && !(cJSON_IsString(rb) && (!strcmp(rb->valuestring, "1") || !strcmp(rb->valuestring, "2"))))
        fail(&r, HFC_ERR_UNSUPPORTED, "resblock", "must be \"1\" or \"2\"");
    else if (rb)
        out->resblock_type = rb->valuestring[0] == '1' ? HFC_RESBLOCK_1 : HFC_RESBLOCK_2;
    out->lrelu_slope = get_float(&r, root, "lrelu_slope", 0.0, 1.0);
    out->encoder_final_slope = get_float(&r, root, "encoder_final_slope", 0.0, 1.0);

    const cJSON *enc = cJSON_GetObjectItemCaseSensitive(root, "encoder");
    const cJSON *dec = cJSON_GetObjectItemCaseSensitive(root, "decoder");
    const cJSON *vq = cJSON_GetObjectItemCaseSensitive(root, "quantizer");
    parse_net(&r, enc, "encoder", &out->enc);
    parse_net(&r, dec, "decoder", &out->dec);
    if (r.status == HFC_OK) {
        /* Optional (models/FORMAT.md): absent means the waveform head. */
        const cJSON *head = cJSON_GetObjectItemCaseSensitive(dec, "head");
        if (head && !cJSON_IsString(head))
            fail(&r, HFC_ERR_FORMAT, "decoder.head", "must be a string");
        else if (head && !strcmp(head->valuestring, "istft"))
            out->head = HFC_HEAD_ISTFT;
        else if (head && strcmp(head->valuestring, "waveform"))
            fail(&r, HFC_ERR_UNSUPPORTED, "decoder.head", "must be \"waveform\" or \"istft\"");
        if (out->head == HFC_HEAD_ISTFT)
            out->head_n_fft = get_int(&r, dec, "head_n_fft", 2, HFC_MAX_HEAD_N_FFT);
        else if (cJSON_GetObjectItemCaseSensitive(dec, "head_n_fft") &&
                 get_int(&r, dec, "head_n_fft", 0, HFC_MAX_HEAD_N_FFT) != 0)
            fail(&r, HFC_ERR_UNSUPPORTED, "decoder.head_n_fft", "is for the istft head only");
    }
    if (r.status == HFC_OK) {
        const cJSON *norm = get(&r, enc, "norm");
        if (norm && cJSON_IsString(norm) && !strcmp(norm->valuestring, "group")) {
            out->enc_group_norm = 1;
            out->norm_channels_per_group = get_int(&r, enc, "norm_channels_per_group", 1,
                                                   HFC_MAX_CHANNELS);
            out->norm_eps = get_float(&r, enc, "norm_eps", 1e-12, 1.0);
        } else if (!(norm && cJSON_IsString(norm) && !strcmp(norm->valuestring, "none"))) {
            fail(&r, HFC_ERR_UNSUPPORTED, "encoder.norm", "must be \"group\" or \"none\"");
        }
    }
    if (!cJSON_IsObject(vq)) {
        fail(&r, HFC_ERR_FORMAT, "quantizer", "missing or not an object");
    } else {
        out->groups = get_int(&r, vq, "groups", 1, HFC_MAX_GROUPS);
        out->layers = get_int(&r, vq, "layers", 1, HFC_MAX_LAYERS);
        out->codebook_size = get_int(&r, vq, "codebook_size", 2, HFC_MAX_CODEBOOK);
    }
    cJSON_Delete(root);
    if (r.status != HFC_OK)
        return r.status;

    if (out->latent_dim % out->groups != 0)
        fail(&r, HFC_ERR_UNSUPPORTED, "latent_dim", "not divisible by quantizer.groups");
    if (out->causal && out->enc_group_norm)
        fail(&r, HFC_ERR_UNSUPPORTED, "encoder.norm", "a causal model cannot use GroupNorm");
    if (out->enc_group_norm)
        for (int i = 1; i <= out->enc.n_stages; i++)
            if (out->enc.channels[i] % out->norm_channels_per_group != 0)
                fail(&r, HFC_ERR_UNSUPPORTED, "encoder.norm_channels_per_group",
                     "does not divide every stage's channels");
    if (out->dec.channels[0] < 1 || out->enc.channels[0] < 1)
        fail(&r, HFC_ERR_UNSUPPORTED, "channels", "must be positive");
    check_net(&r, out, &out->enc, "encoder");
    check_net(&r, out, &out->dec, "decoder");
    if (r.status == HFC_OK) {
        out->head_hop = out->hop / product(out->dec.strides, out->dec.n_stages);
        /* Even, whole hops, at least three: the squared Hann windows then overlap-add
         * to a constant and the head is an exact inverse STFT (as the twin checks). */
        const int n_fft = out->head_n_fft, h = out->head_hop;
        if (out->head == HFC_HEAD_ISTFT && (n_fft % 2 != 0 || n_fft % h != 0 || n_fft < 3 * h))
            fail(&r, HFC_ERR_UNSUPPORTED, "decoder.head_n_fft",
                 "must be even, a multiple of the head hop and at least three times it");
    }
    return r.status;
}
