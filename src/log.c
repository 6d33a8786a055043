#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void hfc_logf(const hfc_logger *logger, int level, const char *fmt, ...)
{
    if (!logger || !logger->fn)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    logger->fn(logger->user, level, line);
}
