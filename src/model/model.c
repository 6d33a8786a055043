/* Model loading: map the file, parse the container and the config, then bind every
 * tensor the config implies by name with an exact shape check, converting to float
 * in one allocation. A file with a missing, extra or misshapen tensor is refused. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "model_file.h"
#include "precision.h"

typedef struct binder {
    const hfc_st_file *file;
    float *arena;
    int64_t used, capacity;
    int status; /* first error wins */
    const hfc_logger *logger;
} binder;

static float *bind_tensor(binder *b, const char *name, int n_dims, const int64_t *shape)
{
    if (b->status != HFC_OK)
        return NULL;
    hfc_st_tensor *t = hfc_st_find(b->file, name);
    char want[96];
    int off = 0;
    for (int i = 0; i < n_dims; i++)
        off += snprintf(want + off, sizeof want - (size_t)off, "%s%lld", i ? ", " : "",
                        (long long)shape[i]);
    if (!t) {
        hfc_logf(b->logger, HFC_LOG_ERROR, "missing tensor '%s' [%s]", name, want);
        b->status = HFC_ERR_TENSOR;
        return NULL;
    }
    int ok = t->n_dims == n_dims;
    for (int i = 0; ok && i < n_dims; i++)
        ok = t->shape[i] == shape[i];
    if (!ok) {
        hfc_logf(b->logger, HFC_LOG_ERROR, "tensor '%s' has the wrong shape (expected [%s])", name,
                 want);
        b->status = HFC_ERR_TENSOR;
        return NULL;
    }
    if (t->bound || b->used + t->n_elements > b->capacity) {
        hfc_logf(b->logger, HFC_LOG_ERROR, "tensor '%s' bound twice", name);
        b->status = HFC_ERR_INTERNAL;
        return NULL;
    }
    float *dst = b->arena + b->used;
    hfc_st_read_f32(t, dst);
    b->used += t->n_elements;
    t->bound = 1;
    return dst;
}

static float *bind_1d(binder *b, const char *name, int64_t d0)
{
    return bind_tensor(b, name, 1, (int64_t[]){d0});
}

/* Offline padding: centred (official) or left-only (causal). */
static void conv_padding(hfc_conv *cv, int causal)
{
    int span = cv->dilation * (cv->kernel - 1);
    if (cv->stride > 1)
        span = cv->kernel - cv->stride;
    cv->pad_left = causal ? span : span / 2;
    cv->pad_right = causal ? 0 : span / 2;
}

static void bind_conv(binder *b, hfc_conv *cv, const char *prefix, int c_in, int c_out, int kernel,
                      int stride, int dilation, int causal)
{
    char name[160]; /* prefixes are at most 128 bytes */
    cv->c_in = c_in;
    cv->c_out = c_out;
    cv->kernel = kernel;
    cv->weight_taps = kernel;
    cv->stride = stride;
    cv->dilation = dilation;
    conv_padding(cv, causal);
    snprintf(name, sizeof name, "%s.weight", prefix);
    cv->weight = bind_tensor(b, name, 3, (int64_t[]){c_out, c_in, kernel});
    snprintf(name, sizeof name, "%s.bias", prefix);
    cv->bias = bind_1d(b, name, c_out);
}

static void bind_resblocks(binder *b, const char *net_name, const hfc_config *c,
                           const hfc_net_config *nc, int stage, int channels,
                           hfc_resblock rbs[HFC_MAX_RESBLOCKS])
{
    char prefix[128];
    for (int j = 0; j < nc->n_resblocks; j++) {
        hfc_resblock *rb = &rbs[j];
        int index = stage * nc->n_resblocks + j;
        rb->n_convs = nc->rb_n_dilations[j];
        for (int m = 0; m < rb->n_convs; m++) {
            if (c->resblock_type == HFC_RESBLOCK_1) {
                snprintf(prefix, sizeof prefix, "%s.resblocks.%d.convs1.%d", net_name, index, m);
                bind_conv(b, &rb->convs1[m], prefix, channels, channels, nc->rb_kernels[j], 1,
                          nc->rb_dilations[j][m], c->causal);
                snprintf(prefix, sizeof prefix, "%s.resblocks.%d.convs2.%d", net_name, index, m);
                bind_conv(b, &rb->convs2[m], prefix, channels, channels, nc->rb_kernels[j], 1, 1,
                          c->causal);
            } else {
                snprintf(prefix, sizeof prefix, "%s.resblocks.%d.convs.%d", net_name, index, m);
                bind_conv(b, &rb->convs1[m], prefix, channels, channels, nc->rb_kernels[j], 1,
                          nc->rb_dilations[j][m], c->causal);
            }
        }
    }
}

static void bind_encoder(binder *b, const hfc_config *c, hfc_encoder_net *net)
{
    const hfc_net_config *nc = &c->enc;
    char prefix[128];
    net->n_stages = nc->n_stages;
    net->n_resblocks = nc->n_resblocks;
    net->resblock_type = c->resblock_type;
    net->slope = c->lrelu_slope;
    net->final_slope = c->encoder_final_slope;
    net->group_norm = c->enc_group_norm;
    bind_conv(b, &net->pre, "encoder.conv_pre", 1, nc->channels[0], nc->pre_kernel, 1, 1, c->causal);
    for (int i = 0; i < nc->n_stages; i++) {
        int ch = nc->channels[i + 1];
        snprintf(prefix, sizeof prefix, "encoder.ups.%d", i);
        bind_conv(b, &net->down[i], prefix, nc->channels[i], ch, nc->kernels[i], nc->strides[i], 1,
                  c->causal);
        bind_resblocks(b, "encoder", c, nc, i, ch, net->rb[i]);
        for (int j = 0; net->group_norm && j < nc->n_resblocks; j++) {
            hfc_group_norm *gn = &net->norm[i][j];
            gn->channels = ch;
            gn->groups = ch / c->norm_channels_per_group;
            gn->eps = c->norm_eps;
            snprintf(prefix, sizeof prefix, "encoder.normalize.%d.weight", i * nc->n_resblocks + j);
            gn->gamma = bind_1d(b, prefix, ch);
            snprintf(prefix, sizeof prefix, "encoder.normalize.%d.bias", i * nc->n_resblocks + j);
            gn->beta = bind_1d(b, prefix, ch);
        }
    }
    bind_conv(b, &net->post, "encoder.conv_post", nc->channels[nc->n_stages], c->latent_dim,
              nc->post_kernel, 1, 1, c->causal);
}

static void bind_quantizer(binder *b, const hfc_config *c, hfc_quantizer *q)
{
    char name[128];
    q->groups = c->groups;
    q->layers = c->layers;
    q->codebook_size = c->codebook_size;
    q->dim = c->latent_dim / c->groups;
    /* Bound in layer-major, group-minor order, the tensors land contiguously as the
     * [layers][groups][codebook_size][dim] array the quantizer indexes. */
    for (int l = 0; l < c->layers; l++)
        for (int g = 0; g < c->groups; g++) {
            if (l == 0)
                snprintf(name, sizeof name, "quantizer.quantizer_modules.%d.embedding.weight", g);
            else
                snprintf(name, sizeof name, "quantizer.quantizer_modules%d.%d.embedding.weight",
                         l + 1, g);
            float *book = bind_tensor(b, name, 2, (int64_t[]){c->codebook_size, q->dim});
            if (l == 0 && g == 0)
                q->codebooks = book;
        }
    if (b->status != HFC_OK)
        return;
    int64_t n_codes = (int64_t)c->layers * c->groups * c->codebook_size;
    q->code_norms = b->arena + b->used;
    b->used += n_codes;
    for (int64_t i = 0; i < n_codes; i++)
        q->code_norms[i] = hfc_vq_sum_squares(q->codebooks + i * q->dim, q->dim);
}

static void bind_generator(binder *b, const hfc_config *c, hfc_generator_net *net)
{
    const hfc_net_config *nc = &c->dec;
    char prefix[128];
    net->n_stages = nc->n_stages;
    net->n_resblocks = nc->n_resblocks;
    net->resblock_type = c->resblock_type;
    net->slope = c->lrelu_slope;
    bind_conv(b, &net->pre, "generator.conv_pre", c->latent_dim, nc->channels[0], nc->pre_kernel, 1,
              1, c->causal);
    for (int i = 0; i < nc->n_stages; i++) {
        hfc_convt *up = &net->up[i];
        up->c_in = nc->channels[i];
        up->c_out = nc->channels[i + 1];
        up->kernel = nc->kernels[i];
        up->stride = nc->strides[i];
        up->crop_left = c->causal ? 0 : (up->kernel - up->stride) / 2;
        up->crop_right = c->causal ? up->kernel - up->stride : (up->kernel - up->stride) / 2;
        snprintf(prefix, sizeof prefix, "generator.ups.%d.weight", i);
        up->weight = bind_tensor(b, prefix, 3, (int64_t[]){up->c_in, up->c_out, up->kernel});
        snprintf(prefix, sizeof prefix, "generator.ups.%d.bias", i);
        up->bias = bind_1d(b, prefix, up->c_out);
        bind_resblocks(b, "generator", c, nc, i, up->c_out, net->rb[i]);
    }
    net->head_type = c->head;
    const int n_post = c->head == HFC_HEAD_ISTFT ? c->head_n_fft + 2 : 1;
    bind_conv(b, &net->post, "generator.conv_post", nc->channels[nc->n_stages], n_post,
              nc->post_kernel, 1, 1, c->causal);
    if (c->head == HFC_HEAD_ISTFT) {
        hfc_convt *head = &net->head;
        net->head_bins = c->head_n_fft / 2 + 1;
        head->c_in = n_post;
        head->c_out = 1;
        head->kernel = c->head_n_fft;
        head->stride = c->head_hop;
        const int trim = head->kernel - head->stride;
        head->crop_left = c->causal ? 0 : trim / 2;
        head->crop_right = trim - head->crop_left;
        head->weight = bind_tensor(b, "generator.head.weight", 3,
                                   (int64_t[]){head->c_in, 1, head->kernel});
        head->bias = NULL;
    }
}

static double conv_macs_per_s(const hfc_conv *cv, double rate_out)
{
    return (double)cv->c_in * cv->c_out * cv->kernel * rate_out;
}

static double resblock_macs_per_s(const hfc_resblock *rb, int type, double rate)
{
    double macs = 0.0;
    for (int m = 0; m < rb->n_convs; m++) {
        macs += conv_macs_per_s(&rb->convs1[m], rate);
        if (type == HFC_RESBLOCK_1)
            macs += conv_macs_per_s(&rb->convs2[m], rate);
    }
    return macs;
}

static void count_flops(hfc_model *m)
{
    const hfc_config *c = &m->cfg;
    double rate = c->sample_rate, macs = conv_macs_per_s(&m->enc.pre, rate);
    for (int i = 0; i < m->enc.n_stages; i++) {
        rate /= m->enc.down[i].stride;
        macs += conv_macs_per_s(&m->enc.down[i], rate);
        for (int j = 0; j < m->enc.n_resblocks; j++)
            macs += resblock_macs_per_s(&m->enc.rb[i][j], c->resblock_type, rate);
    }
    macs += conv_macs_per_s(&m->enc.post, rate);
    macs += (double)c->layers * c->codebook_size * c->latent_dim * rate;
    m->encode_flop_per_s = 2.0 * macs;

    rate = (double)c->sample_rate / c->hop;
    macs = conv_macs_per_s(&m->gen.pre, rate);
    for (int i = 0; i < m->gen.n_stages; i++) {
        const hfc_convt *up = &m->gen.up[i];
        macs += (double)up->c_in * up->c_out * up->kernel * rate;
        rate *= up->stride;
        for (int j = 0; j < m->gen.n_resblocks; j++)
            macs += resblock_macs_per_s(&m->gen.rb[i][j], c->resblock_type, rate);
    }
    macs += conv_macs_per_s(&m->gen.post, rate);
    if (m->gen.head_type == HFC_HEAD_ISTFT) {
        /* The inverse STFT (its polar step is O(activations), uncounted as tanh is). */
        const hfc_convt *head = &m->gen.head;
        macs += (double)head->c_in * head->c_out * head->kernel * rate;
    }
    m->decode_flop_per_s = 2.0 * macs;
}

/* FNV-1a over the whole file: a stable id that changes with any byte of the model. */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int bind_model(hfc_model *m, const hfc_st_file *file)
{
    int64_t capacity = (int64_t)m->cfg.layers * m->cfg.groups * m->cfg.codebook_size;
    for (int i = 0; i < file->n_tensors; i++)
        capacity += file->tensors[i].n_elements;
    if ((uint64_t)capacity > SIZE_MAX / sizeof(float))
        return HFC_ERR_NO_MEMORY;
    m->weights = malloc((size_t)(capacity > 0 ? capacity : 1) * sizeof(float));
    if (!m->weights)
        return HFC_ERR_NO_MEMORY;
    binder b = {file, m->weights, 0, capacity, HFC_OK, &m->logger};
    bind_encoder(&b, &m->cfg, &m->enc);
    bind_quantizer(&b, &m->cfg, &m->vq);
    bind_generator(&b, &m->cfg, &m->gen);
    for (int i = 0; i < file->n_tensors && b.status == HFC_OK; i++)
        if (!file->tensors[i].bound) {
            hfc_logf(&m->logger, HFC_LOG_ERROR, "unexpected tensor '%s' for this config",
                     file->tensors[i].name);
            b.status = HFC_ERR_TENSOR;
        }
    m->n_params = b.used - (int64_t)m->cfg.layers * m->cfg.groups * m->cfg.codebook_size;
    /* The istft head's weight is a fixed buffer (the inverse DFT), not trained. */
    if (m->cfg.head == HFC_HEAD_ISTFT)
        m->n_params -= (int64_t)(m->cfg.head_n_fft + 2) * m->cfg.head_n_fft;
    return b.status;
}

void hfc_model_options_init(hfc_model_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof *options);
    options->cpu_path = HFC_CPU_AUTO;
}

hfc_model *hfc_model_load_memory(const void *data, size_t n_bytes,
                                 const hfc_model_options *options, int *status)
{
    int st = HFC_OK;
    hfc_model_options defaults;
    if (!options) {
        hfc_model_options_init(&defaults);
        options = &defaults;
    }
    hfc_model *m = NULL;
    hfc_st_file file = {0};
    if (!data) {
        st = HFC_ERR_INVALID_ARG;
        goto done;
    }
    m = calloc(1, sizeof *m);
    if (!m) {
        st = HFC_ERR_NO_MEMORY;
        goto done;
    }
    m->logger.fn = options->log;
    m->logger.user = options->log_user;
    st = hfc_st_parse(data, n_bytes, &file, &m->logger);
    if (st == HFC_OK)
        st = hfc_config_parse(file.config_json, &m->cfg, &m->logger);
    if (st == HFC_OK)
        st = bind_model(m, &file);
    if (st == HFC_OK) {
        m->kern = hfc_cpu_select_kernels(options->cpu_path, &m->logger);
        m->model_id = hash_bytes(data, n_bytes);
        count_flops(m);
        st = hfc_model_prepare_layers(m, options->precision);
    }
done:
    hfc_st_release(&file);
    if (st != HFC_OK) {
        hfc_model_free(m);
        m = NULL;
    }
    if (status)
        *status = st;
    return m;
}

hfc_model *hfc_model_load_file(const char *path, const hfc_model_options *options, int *status)
{
    hfc_logger logger = {options ? options->log : NULL, options ? options->log_user : NULL};
    if (!path) {
        if (status)
            *status = HFC_ERR_INVALID_ARG;
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    const char *why = NULL;
    if (fd < 0 || fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    if (why) {
        hfc_logf(&logger, HFC_LOG_ERROR, "%s: %s", path, why);
        if (fd >= 0)
            close(fd);
        if (status)
            *status = HFC_ERR_IO;
        return NULL;
    }
    size_t n_bytes = (size_t)st.st_size;
    /* mmap of an empty file fails; hand an empty buffer to the parser instead so
     * the error says "too short" like any other truncated file. */
    void *map = n_bytes ? mmap(NULL, n_bytes, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (n_bytes && map == MAP_FAILED) {
        hfc_logf(&logger, HFC_LOG_ERROR, "%s: mmap: %s", path, strerror(errno));
        if (status)
            *status = HFC_ERR_IO;
        return NULL;
    }
    static const uint8_t empty[1];
    hfc_model *m = hfc_model_load_memory(n_bytes ? map : empty, n_bytes, options, status);
    if (n_bytes)
        munmap(map, n_bytes);
    return m;
}

void hfc_model_free(hfc_model *model)
{
    if (!model)
        return;
    hfc_model_release_layers(model);
    free(model->weights);
    free(model);
}

int hfc_model_get_info(const hfc_model *model, hfc_model_info *info)
{
    if (!model || !info)
        return HFC_ERR_INVALID_ARG;
    const hfc_config *c = &model->cfg;
    memset(info, 0, sizeof *info);
    info->sample_rate_hz = c->sample_rate;
    info->hop_samples = c->hop;
    info->n_groups = c->groups;
    info->n_layers = c->layers;
    info->n_codebooks = c->groups * c->layers;
    info->codebook_size = c->codebook_size;
    info->latent_dim = c->latent_dim;
    info->causal = c->causal;
    info->frame_rate_hz = (double)c->sample_rate / c->hop;
    info->bitrate_bps = info->frame_rate_hz * info->n_codebooks * log2((double)c->codebook_size);
    info->n_params = model->n_params;
    info->encode_gflop_per_s = model->encode_flop_per_s * 1e-9;
    info->decode_gflop_per_s = model->decode_flop_per_s * 1e-9;
    info->model_id = model->model_id;
    info->name = c->name;
    info->cpu_path = model->kern->name;
    info->precision = hfc_format_name(model->precision);
    info->decoder_head = c->head == HFC_HEAD_ISTFT ? "istft" : "waveform";
    info->head_n_fft = c->head_n_fft;
    info->head_hop_samples = c->head == HFC_HEAD_ISTFT ? c->head_hop : 0;
    return HFC_OK;
}

int64_t hfc_model_frames_for_samples(const hfc_model *model, int64_t n_samples)
{
    if (!model || n_samples < 1)
        return 0;
    return hfc_encoder_net_frames(&model->enc, n_samples);
}

int64_t hfc_model_samples_for_frames(const hfc_model *model, int64_t n_frames)
{
    if (!model || n_frames < 1)
        return 0;
    return n_frames * model->cfg.hop;
}
