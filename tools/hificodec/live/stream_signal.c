#include "stream_signal.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int signal_number)
{
    (void)signal_number;
    stop_flag = 1;
}

static void stop_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void hfc_stop_signals_install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    /* No SA_RESTART: a blocking read in the main thread returns with EINTR and
     * notices the flag. SA_RESETHAND: the second Ctrl-C gets the default action. */
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    stop_signal_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void hfc_stop_signals_unblock(void)
{
    sigset_t set;
    stop_signal_set(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int hfc_stop_requested(void)
{
    return stop_flag != 0;
}
