/* Internal logging: every message goes to the caller's optional callback, never to
 * stderr, so the library stays silent unless asked. Never used on per-frame paths. */
#ifndef HFC_LOG_H
#define HFC_LOG_H

#include "hificodec.h"

typedef struct hfc_logger {
    hfc_log_fn fn;
    void *user;
} hfc_logger;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void hfc_logf(const hfc_logger *logger, int level, const char *fmt, ...);

#endif
