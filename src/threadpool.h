/* A small fork-join thread pool for the offline passes: the caller hands out n
 * independent tasks and takes part in running them. Created by an encoder or decoder
 * for its offline calls; the streaming calls never touch it. */
#ifndef HFC_THREADPOOL_H
#define HFC_THREADPOOL_H

typedef struct hfc_pool hfc_pool;

/* Logical CPUs this process may run on (its affinity mask), at least 1. */
int hfc_pool_cores(void);

/* A pool of n_threads threads counting the caller (0 = hfc_pool_cores()). Returns
 * NULL for one thread, or when threads cannot be started: callers treat a NULL pool
 * as "run on the calling thread". */
hfc_pool *hfc_pool_create(int n_threads);
void hfc_pool_destroy(hfc_pool *pool);

/* Threads that run tasks, the caller included: 1 for NULL. */
int hfc_pool_threads(const hfc_pool *pool);

/* Runs fn(ctx, task, thread) for every task in [0, n_tasks), spread over the pool's
 * threads and the caller, and returns when all are done. thread, in
 * [0, hfc_pool_threads), names the thread running the task (0: the caller), for
 * per-thread scratch. Tasks must be independent. One caller at a time per pool. */
typedef void (*hfc_pool_task_fn)(void *ctx, int task, int thread);
void hfc_pool_run(hfc_pool *pool, int n_tasks, hfc_pool_task_fn fn, void *ctx);

#endif
