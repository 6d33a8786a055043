#include "error_text.h"

#include "hificodec.h"

#include <stdarg.h>
#include <stdio.h>

int hfc_cli_fail(char *err, size_t err_bytes, const char *fmt, ...)
{
    if (err != NULL && err_bytes > 0) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err, err_bytes, fmt, args);
        va_end(args);
    }
    return -1;
}

void hfc_cli_keep_error(void *user, int level, const char *msg)
{
    hfc_cli_error_sink *sink = user;
    if (level == HFC_LOG_ERROR && sink != NULL && sink->text != NULL && sink->n_bytes > 0)
        snprintf(sink->text, sink->n_bytes, "%s", msg);
}
