#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "hificodec.h"

static int log_max_level = HFCD_LOG_INFO;
static int log_prefix_levels;

void hfcd_log_init(int max_level)
{
    log_max_level = max_level;
    log_prefix_levels = getenv("JOURNAL_STREAM") != NULL;
}

void hfcd_log(int level, const char *fmt, ...)
{
    if (level > log_max_level)
        return;
    static const char *names[] = {[HFCD_LOG_ERROR] = "error", [HFCD_LOG_WARN] = "warning",
                                  [HFCD_LOG_INFO] = "info", [HFCD_LOG_DEBUG] = "debug"};
    char line[1024];
    int n = log_prefix_levels ? snprintf(line, sizeof line, "<%d>", level)
                              : snprintf(line, sizeof line, "hificodecd: %s: ", names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t end = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (end > sizeof line - 2)
        end = sizeof line - 2;
    line[end] = '\n';
    line[end + 1] = '\0';
    /* One fputs per line: stdio's lock keeps lines from different threads whole. */
    fputs(line, stderr);
}

void hfcd_log_from_library(void *user, int level, const char *msg)
{
    (void)user;
    static const int map[] = {[HFC_LOG_ERROR] = HFCD_LOG_ERROR, [HFC_LOG_WARN] = HFCD_LOG_WARN,
                              [HFC_LOG_INFO] = HFCD_LOG_INFO, [HFC_LOG_DEBUG] = HFCD_LOG_DEBUG};
    hfcd_log(level >= 0 && level <= HFC_LOG_DEBUG ? map[level] : HFCD_LOG_DEBUG, "libhificodec: %s",
             msg);
}
