#include "maker.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "model.h"
#include "notice.h"

/* Below the real-time workers (0), above the utterance workers (main.c). */
#define MAKER_NICE 5

struct hfcd_maker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    hfcd_model *model;   /* referenced */
    hfcd_model *retired; /* referenced: its stock is to be emptied */
    hfcd_conn *waiting;  /* through codec_next, each referenced */
    int failed;          /* the last make failed */
    int stop;
};

/* Clears the list under the lock; notices each connection outside it. */
static void wake_waiting(hfcd_conn *c)
{
    while (c) {
        hfcd_conn *next = c->codec_next;
        atomic_store(&c->awaiting_codec, 0);
        hfcd_notice(c);
        hfcd_conn_unref(c);
        c = next;
    }
}

static void *maker_main(void *arg)
{
    hfcd_maker *m = arg;
    pthread_setname_np(pthread_self(), "hfcd-make");
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), MAKER_NICE) != 0)
        hfcd_log(HFCD_LOG_WARN, "hfcd-make: cannot lower the priority");
    pthread_mutex_lock(&m->lock);
    for (;;) {
        while (!m->stop && !m->retired && !m->waiting && !hfcd_stock_short(&m->model->stock))
            pthread_cond_wait(&m->wake, &m->lock);
        if (m->stop)
            break;
        if (m->retired) { /* here, not on the loop: destroying codecs takes time */
            hfcd_model *retired = m->retired;
            m->retired = NULL;
            pthread_mutex_unlock(&m->lock);
            hfcd_stock_retire(&retired->stock);
            hfcd_model_unref(retired);
            pthread_mutex_lock(&m->lock);
            continue;
        }
        hfcd_model *model = m->model;
        hfcd_model_ref(model);
        pthread_mutex_unlock(&m->lock);
        const int status = hfcd_stock_make(&model->stock, model->model);
        pthread_mutex_lock(&m->lock);
        hfcd_conn *waiting = m->waiting;
        m->waiting = NULL;
        m->failed = status != HFC_OK;
        pthread_mutex_unlock(&m->lock);
        wake_waiting(waiting);
        hfcd_model_unref(model);
        if (status != HFC_OK) {
            hfcd_log(HFCD_LOG_ERROR, "cannot make codecs for new streams: %s",
                     hfc_strerror(status));
            usleep(100000); /* not a busy loop while memory is short */
        }
        pthread_mutex_lock(&m->lock);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

hfcd_maker *hfcd_maker_start(hfcd_model *model)
{
    hfcd_maker *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->wake, NULL);
    hfcd_model_ref(model);
    m->model = model;
    if (pthread_create(&m->thread, NULL, maker_main, m) != 0) {
        hfcd_log(HFCD_LOG_ERROR, "cannot start the codec maker thread");
        hfcd_model_unref(model);
        free(m);
        return NULL;
    }
    return m;
}

void hfcd_maker_set_model(hfcd_maker *m, hfcd_model *model)
{
    hfcd_model_ref(model);
    pthread_mutex_lock(&m->lock);
    hfcd_model *old = m->model, *retired = m->retired;
    m->model = model;
    m->retired = old; /* the maker's reference moves with it */
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    hfcd_model_unref(retired); /* two reloads before the maker ran: already unused */
}

void hfcd_maker_poke(hfcd_maker *m)
{
    pthread_mutex_lock(&m->lock);
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
}

int hfcd_maker_wait(hfcd_maker *m, hfcd_conn *c)
{
    pthread_mutex_lock(&m->lock);
    const int failed = m->failed;
    if (!failed && !atomic_exchange(&c->awaiting_codec, 1)) {
        hfcd_conn_ref(c);
        c->codec_next = m->waiting;
        m->waiting = c;
    }
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    return failed ? -1 : 0;
}

void hfcd_maker_stop(hfcd_maker *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->stop = 1;
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    hfcd_conn *c = m->waiting;
    while (c) {
        hfcd_conn *next = c->codec_next;
        hfcd_conn_unref(c);
        c = next;
    }
    hfcd_model_unref(m->model);
    hfcd_model_unref(m->retired);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->lock);
    free(m);
}
