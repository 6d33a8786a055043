#include "notice.h"

#include <stdint.h>
#include <unistd.h>

#include "conn.h"

void hfcd_notice(hfcd_conn *c)
{
    if (atomic_exchange(&c->noticed, 1))
        return;
    hfcd_daemon *d = c->daemon;
    hfcd_conn_ref(c);
    hfcd_conn *head = atomic_load(&d->notice_head);
    do
        c->notice_next = head;
    while (!atomic_compare_exchange_weak(&d->notice_head, &head, c));
    uint64_t one = 1;
    /* Cannot fail short of a counter overflow; the loop reads it on every wake. */
    (void)!write(d->notices.fd, &one, sizeof one);
}

void hfcd_notice_drain(hfcd_daemon *d)
{
    uint64_t count;
    (void)!read(d->notices.fd, &count, sizeof count);
    hfcd_conn *c = atomic_exchange(&d->notice_head, NULL);
    while (c) {
        hfcd_conn *next = c->notice_next;
        /* Clear first: a worker may flag it again while we service it. */
        atomic_store(&c->noticed, 0);
        hfcd_conn_service(c);
        hfcd_conn_unref(c);
        c = next;
    }
}
