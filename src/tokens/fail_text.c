#include "fail_text.h"

#include <stdarg.h>
#include <stdio.h>

int hfc_fail_text(char *err, size_t err_bytes, int status, const char *fmt, ...)
{
    if (err != NULL && err_bytes > 0) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err, err_bytes, fmt, args);
        va_end(args);
    }
    return status;
}
