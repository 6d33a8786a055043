/*
 * stream_signal.h - Ctrl-C (SIGINT) and SIGTERM end a live stream cleanly: the
 * first one only raises a flag that the main thread polls, so files are flushed
 * and closed; a second Ctrl-C kills the process at once, for when a device hangs.
 *
 * Only the main thread takes these signals: block them before any other thread
 * starts (PortAudio's, the codec's), and unblock them in the main thread once
 * they run, so a signal always interrupts the main thread's sleeps and reads.
 * SIGPIPE is ignored: a closed stdout becomes a write error with a message.
 */
#ifndef HFC_CLI_STREAM_SIGNAL_H
#define HFC_CLI_STREAM_SIGNAL_H

/* Installs the handlers and blocks SIGINT and SIGTERM in the calling thread, so
 * threads it starts inherit the block. */
void hfc_stop_signals_install(void);

/* Unblocks them in the calling (main) thread. */
void hfc_stop_signals_unblock(void);

/* 1 once SIGINT or SIGTERM arrived. */
int hfc_stop_requested(void);

#endif
