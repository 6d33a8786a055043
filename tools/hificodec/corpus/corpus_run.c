#include "corpus_run.h"

#include "cli_common.h"
#include "corpus_progress.h"
#include "stream_signal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct run_state {
    const hfc_model *model;
    const hfc_corpus_list *list;
    const hfc_corpus_run_options *options;
    size_t *order;        /* indices into list->items, largest input first */
    atomic_size_t next;   /* the next entry of order to take */
    pthread_mutex_t lock; /* guards everything below and stderr */
    hfc_corpus_counts counts;
    hfc_corpus_summary *summary;
    hfc_corpus_progress progress;
} run_state;

static const hfc_corpus_list *sort_list; /* qsort has no user pointer */

static int larger_first(const void *a, const void *b)
{
    const hfc_corpus_item *x = &sort_list->items[*(const size_t *)a];
    const hfc_corpus_item *y = &sort_list->items[*(const size_t *)b];
    if (x->n_bytes != y->n_bytes)
        return x->n_bytes > y->n_bytes ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Counts one finished file and prints what there is to say about it. */
static void finish_item(run_state *run, const hfc_corpus_item *item,
                        const hfc_corpus_result *result)
{
    const hfc_corpus_run_options *options = run->options;
    hfc_corpus_summary *summary = run->summary;
    pthread_mutex_lock(&run->lock);
    run->counts.n_finished++;
    run->counts.bytes_finished += item->n_bytes;
    run->counts.audio_seconds += result->audio_seconds;
    summary->audio_seconds += result->audio_seconds;
    summary->read_seconds += result->read_seconds;
    summary->codec_seconds += result->codec_seconds;
    summary->write_seconds += result->write_seconds;
    if (result->outcome == HFC_CORPUS_FAILED) {
        run->counts.n_failed++;
        summary->n_failed++;
        hfc_corpus_progress_clear(&run->progress);
        /* A listing error carries its own subject; a file's error names the file. */
        if (item->error)
            hfc_cli_print_error(options->command, "%s", item->error);
        else
            hfc_cli_print_error(options->command, "%s: %s", item->source, result->error);
    } else if (result->outcome == HFC_CORPUS_SKIPPED) {
        summary->n_skipped++;
    } else {
        summary->n_done++;
        if (options->verbose) {
            hfc_corpus_progress_clear(&run->progress);
            fprintf(stderr, "hificodec: %s: %s -> %s (%lld frames, %.2f s)\n", options->command,
                    item->source, item->output, (long long)result->n_frames, result->audio_seconds);
        }
    }
    pthread_mutex_unlock(&run->lock);
}

static void *worker(void *user)
{
    run_state *run = user;
    const hfc_corpus_run_options *options = run->options;
    hfc_encoder *encoder = NULL;
    hfc_decoder *decoder = NULL;
    int status = HFC_OK;
    if (options->tokenize) {
        hfc_encoder_options eo;
        hfc_encoder_options_init(&eo);
        eo.n_threads = options->n_threads;
        encoder = hfc_encoder_create(run->model, &eo, &status);
    } else {
        hfc_decoder_options dopt;
        hfc_decoder_options_init(&dopt);
        dopt.n_threads = options->n_threads;
        decoder = hfc_decoder_create(run->model, &dopt, &status);
    }
    while (!hfc_stop_requested()) {
        size_t taken = atomic_fetch_add(&run->next, 1);
        if (taken >= run->list->n_items)
            break;
        const hfc_corpus_item *item = &run->list->items[run->order[taken]];
        hfc_corpus_result result;
        memset(&result, 0, sizeof result);
        if (item->error || status != HFC_OK) {
            result.outcome = HFC_CORPUS_FAILED;
            snprintf(result.error, sizeof result.error, "%s", hfc_strerror(status));
        } else if (options->tokenize) {
            hfc_corpus_tokenize_file(encoder, run->model, item->source, item->output, &options->job,
                                     &result);
        } else {
            hfc_corpus_detokenize_file(decoder, run->model, item->source, item->output,
                                       &options->job, &result);
        }
        finish_item(run, item, &result);
    }
    hfc_encoder_destroy(encoder);
    hfc_decoder_destroy(decoder);
    return NULL;
}

static void sleep_s(double seconds)
{
    struct timespec pause = {0, (long)(seconds * 1e9)};
    nanosleep(&pause, NULL); /* a stop signal cuts it short */
}

int hfc_corpus_run(const hfc_model *model, const hfc_corpus_list *list,
                   const hfc_corpus_run_options *options, hfc_corpus_summary *summary)
{
    memset(summary, 0, sizeof *summary);
    summary->n_files = list->n_items;
    run_state run;
    memset(&run, 0, sizeof run);
    run.model = model;
    run.list = list;
    run.options = options;
    run.summary = summary;
    run.order = malloc((list->n_items + 1) * sizeof *run.order);
    pthread_t *threads = malloc((size_t)options->n_jobs * sizeof *threads);
    if (!run.order || !threads) {
        free(run.order);
        free(threads);
        hfc_cli_print_error(options->command, "out of memory for %zu files", list->n_items);
        return -1;
    }
    int64_t n_bytes = 0;
    for (size_t i = 0; i < list->n_items; i++) {
        run.order[i] = i;
        n_bytes += list->items[i].n_bytes;
    }
    sort_list = list;
    qsort(run.order, list->n_items, sizeof *run.order, larger_first);
    atomic_init(&run.next, 0);
    pthread_mutex_init(&run.lock, NULL);
    double start = hfc_cli_seconds_now();
    hfc_corpus_progress_init(&run.progress, stderr, options->command,
                             options->progress && !options->quiet, list->n_items, n_bytes, start);

    /* Workers inherit the blocked stop signals; only this thread takes them. */
    hfc_stop_signals_install();
    int n_started = 0;
    for (int i = 0; i < options->n_jobs; i++)
        if (pthread_create(&threads[i], NULL, worker, &run) == 0)
            n_started++;
    hfc_stop_signals_unblock();
    if (n_started == 0)
        worker(&run); /* no thread could start: do the work here */
    for (;;) {
        pthread_mutex_lock(&run.lock);
        int all_finished = run.counts.n_finished == list->n_items;
        hfc_corpus_progress_draw(&run.progress, &run.counts, hfc_cli_seconds_now(), 0);
        pthread_mutex_unlock(&run.lock);
        if (all_finished || hfc_stop_requested())
            break;
        sleep_s(0.05);
    }
    for (int i = 0; i < n_started; i++)
        pthread_join(threads[i], NULL);
    summary->wall_seconds = hfc_cli_seconds_now() - start;
    summary->interrupted = run.counts.n_finished < list->n_items;
    hfc_corpus_progress_draw(&run.progress, &run.counts, hfc_cli_seconds_now(), 1);
    hfc_corpus_progress_clear(&run.progress);
    pthread_mutex_destroy(&run.lock);
    free(threads);
    free(run.order);
    return 0;
}

void hfc_corpus_summary_print(const hfc_corpus_summary *summary,
                              const hfc_corpus_run_options *options)
{
    if (options->quiet)
        return;
    const char *verb = options->tokenize ? "encoded" : "decoded";
    size_t n_left = summary->n_files - summary->n_done - summary->n_skipped - summary->n_failed;
    fprintf(stderr, "hificodec: %s: %zu files: %zu %s, %zu already done, %zu failed",
            options->command, summary->n_files, summary->n_done, verb, summary->n_skipped,
            summary->n_failed);
    if (summary->interrupted)
        fprintf(stderr, ", %zu left (interrupted; run again to finish)", n_left);
    fputc('\n', stderr);
    double worker_s = summary->read_seconds + summary->codec_seconds + summary->write_seconds;
    double wall = summary->wall_seconds > 0 ? summary->wall_seconds : 1e-9;
    fprintf(stderr,
            "hificodec: %s: %.3f h of audio in %.1f s: %.1fx real time with %d jobs "
            "(worker time: %s %.1f%%, %s %.1f%%, writing %.1f%%)\n",
            options->command, summary->audio_seconds / 3600.0, summary->wall_seconds,
            summary->audio_seconds / wall, options->n_jobs,
            options->tokenize ? "reading and resampling" : "reading tokens",
            worker_s > 0 ? 100.0 * summary->read_seconds / worker_s : 0.0,
            options->tokenize ? "encoding" : "decoding",
            worker_s > 0 ? 100.0 * summary->codec_seconds / worker_s : 0.0,
            worker_s > 0 ? 100.0 * summary->write_seconds / worker_s : 0.0);
}
