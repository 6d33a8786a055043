#include "cli_common.h"

#include "cli_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void hfc_cli_print_error(const char *what, const char *fmt, ...)
{
    char why[HFC_CLI_ERROR_BYTES];
    va_list args;
    va_start(args, fmt);
    vsnprintf(why, sizeof why, fmt, args);
    va_end(args);
    if (what != NULL)
        fprintf(stderr, "hificodec: %s: %s\n", what, why);
    else
        fprintf(stderr, "hificodec: %s\n", why);
}

void hfc_cli_parser_init(hfc_cli_parser *parser, const char *command, int argc, char **argv,
                         const hfc_cli_option *options)
{
    memset(parser, 0, sizeof *parser);
    parser->argc = argc;
    parser->argv = argv;
    parser->command = command;
    parser->options = options;
    parser->next_index = 1;
}

static const hfc_cli_option *find_long(const hfc_cli_option *options, const char *name,
                                       size_t name_chars)
{
    for (const hfc_cli_option *option = options; option->long_name != NULL; option++) {
        if (strlen(option->long_name) == name_chars &&
            strncmp(option->long_name, name, name_chars) == 0)
            return option;
    }
    return NULL;
}

static const hfc_cli_option *find_short(const hfc_cli_option *options, char name)
{
    for (const hfc_cli_option *option = options; option->long_name != NULL; option++) {
        if (option->short_name != 0 && option->short_name == name)
            return option;
    }
    return NULL;
}

static int bad_usage(const hfc_cli_parser *parser, const char *fmt, const char *arg)
{
    char why[HFC_CLI_ERROR_BYTES];
    snprintf(why, sizeof why, fmt, arg);
    hfc_cli_print_error(parser->command, "%s (see 'hificodec %s --help')", why, parser->command);
    return HFC_CLI_ARG_BAD;
}

int hfc_cli_parser_next(hfc_cli_parser *parser, const char **value)
{
    *value = NULL;
    if (parser->next_index >= parser->argc)
        return HFC_CLI_ARG_DONE;
    const char *arg = parser->argv[parser->next_index++];
    if (parser->only_positional || arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return HFC_CLI_ARG_POSITIONAL;
    }
    if (strcmp(arg, "--") == 0) {
        parser->only_positional = 1;
        return hfc_cli_parser_next(parser, value);
    }
    const hfc_cli_option *option;
    const char *attached = NULL; /* "--name=VALUE" or "-nVALUE" */
    if (arg[1] == '-') {
        const char *equals = strchr(arg + 2, '=');
        size_t name_chars = equals != NULL ? (size_t)(equals - (arg + 2)) : strlen(arg + 2);
        option = find_long(parser->options, arg + 2, name_chars);
        if (option == NULL)
            return bad_usage(parser, "unknown option '%s'", arg);
        if (equals != NULL)
            attached = equals + 1;
    } else {
        option = find_short(parser->options, arg[1]);
        if (option == NULL)
            return bad_usage(parser, "unknown option '%s'", arg);
        if (arg[2] != '\0')
            attached = arg + 2;
    }
    if (!option->takes_value) {
        if (attached != NULL)
            return bad_usage(parser, "option '%s' takes no value", arg);
        return option->id;
    }
    if (attached != NULL) {
        *value = attached;
    } else if (parser->next_index < parser->argc) {
        *value = parser->argv[parser->next_index++];
    } else {
        return bad_usage(parser, "option '%s' needs a value", arg);
    }
    return option->id;
}

int hfc_cli_parse_int(const char *command, const char *option_name, const char *text, int min,
                      int max, int *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || value < min || value > max) {
        hfc_cli_print_error(command, "%s wants a whole number in %d..%d, got '%s'", option_name,
                            min, max, text);
        return -1;
    }
    *out = (int)value;
    return 0;
}

int hfc_cli_common_apply(hfc_cli_common *common, const char *command, int id, const char *value)
{
    switch (id) {
    case HFC_CLI_OPT_HELP:
        common->help = 1;
        return 1;
    case HFC_CLI_OPT_MODEL:
        common->model_path = value;
        return 1;
    case HFC_CLI_OPT_QUIET:
        common->quiet = 1;
        common->verbose = 0;
        return 1;
    case HFC_CLI_OPT_VERBOSE:
        common->verbose = 1;
        common->quiet = 0;
        return 1;
    case HFC_CLI_OPT_CHUNK_MS:
        return hfc_cli_parse_int(command, "--chunk-ms", value, 1, 60000, &common->chunk_ms) == 0
                   ? 1
                   : -1;
    case HFC_CLI_OPT_LOOKAHEAD:
        return hfc_cli_parse_int(command, "--lookahead", value, 0, 1000,
                                 &common->lookahead_frames) == 0
                   ? 1
                   : -1;
    case HFC_CLI_OPT_DAEMON:
        common->daemon_socket = value;
        return 1;
    case HFC_CLI_OPT_WHOLE:
        common->whole = 1;
        return 1;
    case HFC_CLI_OPT_MAX_SECONDS:
        return hfc_cli_parse_int(command, "--max-seconds", value, 1, 1000000000,
                                 &common->max_seconds) == 0
                   ? 1
                   : -1;
    case HFC_CLI_OPT_THREADS:
        return hfc_cli_parse_int(command, "--threads", value, 0, 1024, &common->n_threads) == 0
                   ? 1
                   : -1;
    default:
        return 0;
    }
}

int hfc_cli_parse_command(const char *command, int argc, char **argv,
                          const hfc_cli_option *options, hfc_cli_common *common,
                          hfc_cli_own_option_fn own, void *user, const char **positional,
                          int max_positional)
{
    memset(common, 0, sizeof *common);
    common->lookahead_frames = -1;
    hfc_cli_parser parser;
    hfc_cli_parser_init(&parser, command, argc, argv, options);
    int n_positional = 0;
    const char *unexpected = NULL; /* reported at the end: --help may still follow */
    for (;;) {
        const char *value;
        int id = hfc_cli_parser_next(&parser, &value);
        if (id == HFC_CLI_ARG_DONE)
            break;
        if (id == HFC_CLI_ARG_BAD)
            return -1;
        if (id == HFC_CLI_ARG_POSITIONAL) {
            if (n_positional < max_positional)
                positional[n_positional++] = value;
            else if (unexpected == NULL)
                unexpected = value;
            continue;
        }
        int shared = hfc_cli_common_apply(common, command, id, value);
        if (shared < 0 || (shared == 0 && (own == NULL || own(user, id, value) != 0)))
            return -1;
        if (common->help) /* --help wins over whatever else is on the line */
            return n_positional;
    }
    if (unexpected != NULL) {
        hfc_cli_print_error(command, "unexpected argument '%s' (see 'hificodec %s --help')",
                            unexpected, command);
        return -1;
    }
    return n_positional;
}

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

int hfc_cli_model_path(const char *explicit_path, char *out, size_t out_bytes)
{
    /* An explicit choice that fails is an error, not a reason to fall back: running
     * a different model than asked for would be a silent surprise. */
    const char *chosen = explicit_path;
    const char *source = "-m";
    const char *env = getenv("HFC_MODEL");
    if (chosen == NULL && env != NULL && env[0] != '\0') {
        chosen = env;
        source = "HFC_MODEL";
    }
    if (chosen != NULL) {
        if (!file_exists(chosen)) {
            hfc_cli_print_error(chosen, "model file (from %s): %s", source, strerror(errno));
            return -1;
        }
        snprintf(out, out_bytes, "%s", chosen);
        return 0;
    }
    /* cli_config.h (generated by meson) names the default model twice: in this
     * source tree and where `meson install` puts it. The source tree comes first so
     * that a build-tree binary uses the model it was built and tested with. */
    const char *defaults[] = {HFC_CLI_SOURCE_MODEL, HFC_CLI_INSTALLED_MODEL};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        if (file_exists(defaults[i])) {
            snprintf(out, out_bytes, "%s", defaults[i]);
            return 0;
        }
    }
    hfc_cli_print_error("model",
                        "no model file found (tried %s and %s); pass -m MODEL or set HFC_MODEL",
                        HFC_CLI_SOURCE_MODEL, HFC_CLI_INSTALLED_MODEL);
    return -1;
}

/* The library's log goes here. Errors are kept, not printed, so a failed load still
 * ends in one line that carries the library's detail. The model may log for as
 * long as it lives, so this state is static rather than on a caller's stack. */
static struct {
    int quiet;
    int verbose;
    char last_error[HFC_CLI_ERROR_BYTES];
} model_log;

static void log_to_stderr(void *user, int level, const char *msg)
{
    (void)user;
    if (level == HFC_LOG_ERROR)
        snprintf(model_log.last_error, sizeof model_log.last_error, "%s", msg);
    if ((level == HFC_LOG_WARN && !model_log.quiet) || (level != HFC_LOG_WARN && model_log.verbose))
        fprintf(stderr, "hificodec: model: %s%s\n", level == HFC_LOG_WARN ? "warning: " : "", msg);
}

hfc_model *hfc_cli_model_load(const hfc_cli_common *common, char *path_out, size_t path_bytes)
{
    char path[4096];
    if (hfc_cli_model_path(common->model_path, path, sizeof path) != 0)
        return NULL;
    model_log.quiet = common->quiet;
    model_log.verbose = common->verbose;
    model_log.last_error[0] = '\0';
    hfc_model_options options;
    hfc_model_options_init(&options);
    options.log = log_to_stderr;
    int status = HFC_OK;
    hfc_model *model = hfc_model_load_file(path, &options, &status);
    if (model == NULL) {
        if (model_log.last_error[0] != '\0')
            hfc_cli_print_error(path, "%s (%s)", hfc_strerror(status), model_log.last_error);
        else
            hfc_cli_print_error(path, "%s", hfc_strerror(status));
        return NULL;
    }
    if (common->verbose)
        fprintf(stderr, "hificodec: model: %s\n", path);
    if (path_out != NULL)
        snprintf(path_out, path_bytes, "%s", path);
    return model;
}

double hfc_cli_seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}
