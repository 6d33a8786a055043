#include "loss_options.h"

#include "cli_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hfc_cli_loss_options_init(hfc_cli_loss_options *options)
{
    memset(options, 0, sizeof *options);
    options->seed = 1;
}

static int parse_number(const char *text, int percent_sign_ok, double *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (percent_sign_ok && end != text && *end == '%')
        end++;
    if (end == text || *end != '\0' || errno != 0)
        return -1;
    *out = value;
    return 0;
}

int hfc_cli_loss_apply(hfc_cli_loss_options *options, const char *command, int which,
                       const char *value)
{
    double v;
    switch (which) {
    case 0:
        if (parse_number(value, 1, &v) != 0 || !(v >= 0.0 && v < 100.0)) {
            hfc_cli_print_error(command, "--loss wants a percentage in [0, 100), got '%s'",
                                value);
            return -1;
        }
        options->enabled = 1;
        options->loss = v / 100.0;
        return 0;
    case 1:
        if (parse_number(value, 0, &v) != 0 || !(v >= 1.0 && v <= 1000.0)) {
            hfc_cli_print_error(command, "--burst wants a mean burst length in packets, "
                                "1..1000, got '%s'", value);
            return -1;
        }
        options->burst = v;
        return 0;
    case 2: {
        char *end;
        errno = 0;
        unsigned long long seed = strtoull(value, &end, 10);
        if (value[0] == '\0' || value[0] == '-' || *end != '\0' || errno != 0) {
            hfc_cli_print_error(command, "--loss-seed wants a whole number >= 0, got '%s'",
                                value);
            return -1;
        }
        options->seed = seed;
        return 0;
    }
    default:
        return -1;
    }
}

int hfc_cli_loss_check(const hfc_cli_loss_options *options, const char *command)
{
    if (!options->enabled && options->burst > 0.0) {
        hfc_cli_print_error(command, "--burst needs --loss");
        return -1;
    }
    if (options->burst > 0.0 && options->loss > options->burst / (options->burst + 1.0)) {
        hfc_cli_print_error(command, "--loss %g%% cannot be reached with bursts of %g packets "
                            "on average (at most %.4g%%)", 100.0 * options->loss,
                            options->burst, 100.0 * options->burst / (options->burst + 1.0));
        return -1;
    }
    return 0;
}

void hfc_cli_loss_pattern(const hfc_cli_loss_options *options, hfc_loss_pattern *pattern)
{
    hfc_loss_pattern_init(pattern, options->enabled ? options->loss : 0.0, options->burst,
                          options->seed);
}

void hfc_cli_loss_describe(const hfc_cli_loss_options *options, char *out, size_t out_bytes)
{
    if (options->burst > 0.0)
        snprintf(out, out_bytes, "%g%% in bursts of %g", 100.0 * options->loss, options->burst);
    else
        snprintf(out, out_bytes, "%g%% random", 100.0 * options->loss);
}
