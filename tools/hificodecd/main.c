/* hificodecd: serves encode and decode streams of one model to local clients over
 * a UNIX socket (src/client/PROTOCOL.md). Settings: config.h; threads: daemon.h. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "maker.h"
#include "notice.h"
#include "sd.h"
#include "workers.h"

#define UTTERANCE_NICE 10 /* offline work yields to the real-time workers */

static void describe(const hfcd_model *m, const char *path)
{
    const hfc_model_info *i = &m->info;
    double frame_ms = 1000.0 / i->frame_rate_hz;
    hfcd_log(HFCD_LOG_INFO,
             "model %s: '%s' %016llx, %d Hz, hop %d, %d x %d codes, %s, kernels %s; measured "
             "encode %.3f ms + decode %.3f ms CPU per %.0f ms frame",
             path, i->name, (unsigned long long)i->model_id, i->sample_rate_hz, i->hop_samples,
             i->n_codebooks, i->codebook_size, i->causal ? "causal" : "non-causal", i->cpu_path,
             m->encode_us / 1000, m->decode_us / 1000, frame_ms);
}

/* --check: what the model costs and how many streams a CPU would hold. */
static int check(const hfcd_config *cfg)
{
    hfcd_model *m = hfcd_model_load(cfg->model, 0);
    if (!m)
        return 1;
    describe(m, cfg->model);
    double duplex = hfcd_model_stream_cost(m, 3);
    printf("model %s\nencode_us_per_frame %.1f\ndecode_us_per_frame %.1f\n"
           "duplex_streams_per_cpu %.1f\n",
           cfg->model, m->encode_us, m->decode_us, duplex > 0 ? 1.0 / duplex : 0.0);
    hfcd_model_unref(m);
    return 0;
}

static int worker_count(const hfcd_config *cfg, int *n_cpus)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *n_cpus = cpus > 0 ? (int)cpus : 1;
    return cfg->threads > 0 ? cfg->threads : *n_cpus;
}

static int serve(hfcd_daemon *d)
{
    const hfcd_config *cfg = d->config;
    int n_cpus;
    d->n_rt_workers = worker_count(cfg, &n_cpus);
    /* The budget counts CPUs the workers can actually use. */
    int usable = d->n_rt_workers < n_cpus ? d->n_rt_workers : n_cpus;
    d->cpu_budget = cfg->cpu_budget * usable;
    d->watchdog_usec = hfcd_sd_watchdog_usec();
    hfcd_latency_init(&d->latency);
    if (!(d->recv_buf = malloc((size_t)cfg->max_message_bytes)) ||
        hfcd_jobq_init(&d->rt_queue, (size_t)cfg->max_streams + 1) != 0 ||
        hfcd_jobq_init(&d->utt_queue, (size_t)cfg->max_streams + 1) != 0 ||
        hfcd_jobq_init(&d->utt_fast_queue, (size_t)cfg->max_streams + 1) != 0) {
        hfcd_log(HFCD_LOG_ERROR, "out of memory");
        return 1;
    }
    if (hfcd_listen_open(d) != 0 || hfcd_loop_init(d) != 0)
        return 1;
    d->rt_workers =
        hfcd_workers_start(&d->rt_queue, d->n_rt_workers, 0, cfg->batch_streams, "hfcd-rt");
    /* As many utterance workers as real-time ones in each utterance pool (the
     * low-priority one while real-time streams are open, the other without):
     * concurrent utterances share every core. */
    d->utt_workers =
        hfcd_workers_start(&d->utt_queue, d->n_rt_workers, UTTERANCE_NICE, 1, "hfcd-utt");
    d->utt_fast_workers =
        hfcd_workers_start(&d->utt_fast_queue, d->n_rt_workers, 0, 1, "hfcd-uttf");
    d->maker = hfcd_maker_start(d->model);
    if (!d->rt_workers || !d->utt_workers || !d->utt_fast_workers || !d->maker)
        return 1;
    hfcd_log(HFCD_LOG_INFO, "ready: %d real-time workers, CPU budget %.2f%s", d->n_rt_workers,
             d->cpu_budget, d->cpu_budget > 0 ? "" : " (no admission control)");
    hfcd_sd_notifyf("READY=1\nSTATUS=ready: %d workers, CPU budget %.2f", d->n_rt_workers,
                    d->cpu_budget);
    int status = hfcd_loop_run(d);
    hfcd_log(HFCD_LOG_INFO, "stopped; %llu requests ran in %llu batches",
             (unsigned long long)atomic_load(&d->batched_requests),
             (unsigned long long)atomic_load(&d->batches));
    return status;
}

/* Every connection is gone; let the workers drop the streams they still hold
 * (at most 2 s: an offline encode may be busy). */
static void wait_for_streams(hfcd_daemon *d)
{
    for (int i = 0; i < 200 && atomic_load(&d->n_streams) > 0; i++)
        usleep(10000);
}

int main(int argc, char **argv)
{
    hfcd_config cfg;
    int st = hfcd_config_load(&cfg, argc, argv);
    if (st != 0) {
        hfcd_config_free(&cfg);
        return st < 0 ? 2 : 0;
    }
    hfcd_log_init(cfg.log_level);
    signal(SIGPIPE, SIG_IGN);
    /* A fixed threshold keeps every large allocation mapped. glibc otherwise raises
     * it when a mapped block is freed, and the next stream's large buffers then come
     * from the heap, where calloc must clear them: their pages, which a stream may
     * never touch, all become resident (streams reopened after others closed cost
     * ten times their memory). */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    if (cfg.check_only) {
        st = check(&cfg);
        hfcd_config_free(&cfg);
        return st;
    }
    /* Blocked in every thread (they inherit the mask): only the loop's signalfd
     * sees them. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);

    hfcd_daemon d;
    memset(&d, 0, sizeof d);
    d.config = &cfg;
    hfcd_sd_notifyf("STATUS=loading %s", cfg.model);
    d.model = hfcd_model_load(cfg.model, cfg.ready_streams);
    if (d.model) {
        describe(d.model, cfg.model);
        st = serve(&d);
    } else {
        hfcd_sd_notifyf("STATUS=cannot load %s", cfg.model);
        st = 1;
    }
    wait_for_streams(&d);
    hfcd_workers_stop(d.utt_workers); /* joined before anything they use goes */
    hfcd_workers_stop(d.utt_fast_workers);
    hfcd_workers_stop(d.rt_workers);
    hfcd_maker_stop(d.maker); /* its waiting connections hold references */
    if (d.reloading) {
        pthread_join(d.reload_thread, NULL);
        hfcd_model_unref(d.reloaded);
    }
    if (d.notices.fd > 0)
        hfcd_notice_drain(&d); /* the last notices hold connection references */
    hfcd_listen_close(&d);
    hfcd_loop_free(&d);
    hfcd_jobq_free(&d.rt_queue);
    hfcd_jobq_free(&d.utt_queue);
    hfcd_jobq_free(&d.utt_fast_queue);
    hfcd_model_unref(d.model);
    free(d.recv_buf);
    hfcd_config_free(&cfg);
    return st;
}
