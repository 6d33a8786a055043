/* The daemon's log: one line per event on stderr, which systemd hands to the
 * journal. Under systemd (JOURNAL_STREAM set) each line starts with the syslog
 * "<N>" level prefix, so journalctl -p works. Never called on the per-frame path. */
#ifndef HFCD_LOG_H
#define HFCD_LOG_H

enum hfcd_log_level { /* syslog's numbers */
    HFCD_LOG_ERROR = 3,
    HFCD_LOG_WARN = 4,
    HFCD_LOG_INFO = 6,
    HFCD_LOG_DEBUG = 7
};

/* Lines above max_level are dropped. */
void hfcd_log_init(int max_level);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void hfcd_log(int level, const char *fmt, ...);

/* Adapter for the library's log callback (hfc_log_fn). */
void hfcd_log_from_library(void *user, int level, const char *msg);

#endif
