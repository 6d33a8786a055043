/* The offline layer runners: each conv, transposed conv, elementwise pass and
 * GroupNorm spread over the thread pool in column (or row) chunks, with optional
 * per-stage profiling for `hificodec bench`. stage_run.c builds the stages on them. */
#include "hificodec.h"
#include "network.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct layer_job {
    const hfc_exec *ex;
    const hfc_conv *cv;
    const hfc_convt *cvt;
    const hfc_act *in;
    const hfc_conv_out *to;
    hfc_act *dst;
    int op;
    float value;
    int64_t n;     /* columns (convs) or rows (elementwise) */
    int64_t chunk; /* of them per task */
} layer_job;

double hfc_seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double hfc_profile_now(const hfc_profile *p)
{
    return p && p->clock ? p->clock() : hfc_seconds_now();
}

/* Charges a layer that started at t0 to the current stage of ex->profile. */
static void profile_layer(const hfc_exec *ex, double t0, double conv_flop)
{
    hfc_profile *p = ex->profile;
    const double dt = hfc_profile_now(p) - t0;
    if (conv_flop > 0.0) {
        p->stage[p->current].conv_s += dt;
        p->stage[p->current].conv_flop += conv_flop;
    } else {
        p->stage[p->current].other_s += dt;
    }
}

/* Spreads n items over the pool in chunks, a multiple of align each, several per
 * thread so one slowed by a neighbour process does not hold up the layer. */
static void run_split(const hfc_exec *ex, layer_job *j, int64_t align, hfc_pool_task_fn task)
{
    const int64_t tasks = 4 * (int64_t)hfc_pool_threads(ex->pool);
    int64_t chunk = (j->n + tasks - 1) / tasks;
    chunk = (chunk + align - 1) / align * align;
    j->chunk = chunk > 0 ? chunk : 1;
    hfc_pool_run(ex->pool, (int)((j->n + j->chunk - 1) / j->chunk), task, j);
}

static const float *col(const hfc_act *a, int64_t t)
{
    return a ? a->data + t : NULL;
}

static float *col_mut(hfc_act *a, int64_t t)
{
    return a ? a->data + t : NULL;
}

/* The kernels' epilogue for the columns from t on. */
static hfc_conv_epilogue epilogue_at(const hfc_conv_out *to, int64_t t)
{
    hfc_conv_epilogue e = {
        .res = col(to->res, t),
        .sum = col(to->sum, t),
        .out = col_mut(to->out, t),
        .sum_out = col_mut(to->sum_out, t),
        .act = col_mut(to->act, t),
        .res_ld = to->res ? to->res->ld : 0,
        .sum_ld = to->sum ? to->sum->ld : 0,
        .out_ld = to->out ? to->out->ld : 0,
        .sum_out_ld = to->sum_out ? to->sum_out->ld : 0,
        .act_ld = to->act ? to->act->ld : 0,
        .divide = to->divide,
        .slope = to->slope,
    };
    return e;
}

/* Every output column is computed the same way whatever range a call covers
 * (kernels/conv/conv_tiles_simd.h), so the split does not change a bit. */
static void conv_task(void *ctx, int task, int thread)
{
    (void)thread;
    const layer_job *j = ctx;
    const int64_t n0 = task * j->chunk;
    const int n = (int)(j->n - n0 < j->chunk ? j->n - n0 : j->chunk);
    const hfc_conv_epilogue e = epilogue_at(j->to, n0);
    if (j->cvt)
        j->cvt->ops->conv_transpose1d_fused(j->cvt, j->in->data, j->in->ld, (int)j->in->n, n,
                                     j->cvt->crop_left + (int)n0, &e);
    else
        j->cv->ops->conv1d_fused(j->cv, j->in->data - j->cv->pad_left + n0 * j->cv->stride, j->in->ld, n,
                           &e);
}

/* Chunks of whole SIMD tiles (48 columns) keep the kernels on their fast path. */
void hfc_run_conv(const hfc_exec *ex, const hfc_conv *cv, const hfc_act *in, int64_t n_out,
                  const hfc_conv_out *to)
{
    const double t0 = ex->profile ? hfc_profile_now(ex->profile) : 0.0;
    layer_job j = {.ex = ex, .cv = cv, .in = in, .to = to, .n = n_out};
    run_split(ex, &j, 48, conv_task);
    if (ex->profile)
        profile_layer(ex, t0, 2.0 * cv->c_in * cv->c_out * cv->kernel * (double)n_out);
}

void hfc_run_convt(const hfc_exec *ex, const hfc_convt *cv, const hfc_act *in, int64_t n_out,
                   const hfc_conv_out *to)
{
    const double t0 = ex->profile ? hfc_profile_now(ex->profile) : 0.0;
    layer_job j = {.ex = ex, .cvt = cv, .in = in, .to = to, .n = n_out};
    run_split(ex, &j, 48 * (int64_t)cv->stride, conv_task);
    if (ex->profile) /* each input column meets every tap once */
        profile_layer(ex, t0, 2.0 * cv->c_in * cv->c_out * cv->kernel * (double)in->n);
}

/* Rows [r0, r0 + n) of a as an activation of their own. */
static hfc_act rows_view(const hfc_act *a, int r0, int n)
{
    hfc_act v = *a;
    v.data = hfc_act_row(a, r0);
    v.channels = n;
    return v;
}

static void rows_task(void *ctx, int task, int thread)
{
    (void)thread;
    const layer_job *j = ctx;
    const int r0 = task * (int)j->chunk;
    const int n = (int)(j->n - r0 < j->chunk ? j->n - r0 : j->chunk);
    hfc_act dst = rows_view(j->dst, r0, n);
    if (j->op == HFC_ROWS_LRELU) {
        const hfc_act src = rows_view(j->in, r0, n);
        hfc_act_leaky_relu(&dst, &src, j->value);
        return;
    }
    for (int c = 0; c < n; c++) {
        float *d = hfc_act_row(&dst, c);
        if (j->op == HFC_ROWS_COPY)
            memcpy(d, hfc_act_row(j->in, r0 + c), (size_t)dst.n * sizeof *d);
        else
            for (int64_t t = 0; t < dst.n; t++)
                d[t] = d[t] / j->value;
    }
}

void hfc_run_rows(const hfc_exec *ex, int op, hfc_act *dst, const hfc_act *src, float value)
{
    const double t0 = ex->profile ? hfc_profile_now(ex->profile) : 0.0;
    layer_job j = {.ex = ex, .in = src, .dst = dst, .op = op, .value = value, .n = dst->channels};
    run_split(ex, &j, 1, rows_task);
    if (ex->profile)
        profile_layer(ex, t0, 0.0);
}

typedef struct norm_job {
    const hfc_group_norm *gn;
    hfc_act *x;
    const hfc_act *add;
} norm_job;

/* One group per task: a group's statistics need only its own rows. */
static void norm_task(void *ctx, int group, int thread)
{
    (void)thread;
    const norm_job *j = ctx;
    const int per_group = j->gn->channels / j->gn->groups;
    hfc_group_norm one = *j->gn;
    one.channels = per_group;
    one.groups = 1;
    one.gamma += group * per_group;
    one.beta += group * per_group;
    hfc_act rows = rows_view(j->x, group * per_group, per_group);
    for (int c = 0; j->add && c < per_group; c++) { /* the group's rows then stay in cache */
        float *d = hfc_act_row(&rows, c);
        const float *a = hfc_act_row(j->add, group * per_group + c);
        for (int64_t t = 0; t < rows.n; t++)
            d[t] = d[t] + a[t];
    }
    hfc_group_norm_apply(&one, &rows);
}

void hfc_run_group_norm(const hfc_exec *ex, const hfc_group_norm *gn, hfc_act *x,
                        const hfc_act *add)
{
    const double t0 = ex->profile ? hfc_profile_now(ex->profile) : 0.0;
    norm_job j = {gn, x, add};
    hfc_pool_run(ex->pool, gn->groups, norm_task, &j);
    if (ex->profile)
        profile_layer(ex, t0, 0.0);
}
