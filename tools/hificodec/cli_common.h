/*
 * cli_common.h - what every hificodec subcommand shares: option parsing, the
 * options common to all (-m, -q, -v, --threads, --help), finding and loading the
 * model, and the one-line error format "hificodec: <what>: <why>".
 *
 * Exit status of every command: HFC_CLI_EXIT_OK, HFC_CLI_EXIT_FAILURE when the work
 * failed (unreadable input, bad tokens, a model error), HFC_CLI_EXIT_USAGE for a bad
 * command line.
 */
#ifndef HFC_CLI_COMMON_H
#define HFC_CLI_COMMON_H

#include "error_text.h"
#include "hificodec.h"

#include <stddef.h>
#include <stdint.h>

enum { HFC_CLI_EXIT_OK = 0, HFC_CLI_EXIT_FAILURE = 1, HFC_CLI_EXIT_USAGE = 2 };

/* Room for any message a parser or reader hands back. */
#define HFC_CLI_ERROR_BYTES 512

/* Prints "hificodec: <what>: <why>\n" to stderr (what may be NULL: "hificodec: <why>"). */
void hfc_cli_print_error(const char *what, const char *fmt, ...) HFC_CLI_PRINTF(2, 3);

/* ---- option parsing ------------------------------------------------------ */

/* One option a command accepts: "--long_name", "-short_name", with a value or not.
 * A table ends with an entry whose long_name is NULL. */
typedef struct hfc_cli_option {
    const char *long_name;
    char short_name;        /* 0: long form only */
    int takes_value;        /* 1: "--name VALUE", "--name=VALUE", "-n VALUE", "-nVALUE" */
    int id;                 /* returned by hfc_cli_parser_next, >= 0 */
} hfc_cli_option;

enum {
    HFC_CLI_ARG_DONE = -1,        /* no arguments left */
    HFC_CLI_ARG_POSITIONAL = -2,  /* *value is a positional argument ("-" is one) */
    HFC_CLI_ARG_BAD = -3          /* error printed; exit with HFC_CLI_EXIT_USAGE */
};

/* Walks argv[1..argc-1] of one command. Options and positional arguments may come in
 * any order; "--" ends the options. */
typedef struct hfc_cli_parser {
    int argc;
    char **argv;
    const char *command;    /* for messages: "encode" */
    const hfc_cli_option *options;
    int next_index;
    int only_positional;
} hfc_cli_parser;

void hfc_cli_parser_init(hfc_cli_parser *parser, const char *command, int argc, char **argv,
                         const hfc_cli_option *options);

/* Returns an option's id (with *value its value or NULL), HFC_CLI_ARG_POSITIONAL,
 * HFC_CLI_ARG_DONE, or HFC_CLI_ARG_BAD after printing why. */
int hfc_cli_parser_next(hfc_cli_parser *parser, const char **value);

/* Parses a whole decimal int in [min, max] for option `option_name`; prints an
 * error and returns -1 otherwise. */
int hfc_cli_parse_int(const char *command, const char *option_name, const char *text, int min,
                      int max, int *out);

/* ---- the options every command shares ------------------------------------ */

/* Ids of the shared options; a command's own ids start at HFC_CLI_OPT_FIRST_OWN. */
enum {
    HFC_CLI_OPT_HELP = 0,
    HFC_CLI_OPT_MODEL,
    HFC_CLI_OPT_QUIET,
    HFC_CLI_OPT_VERBOSE,
    HFC_CLI_OPT_THREADS,
    HFC_CLI_OPT_CHUNK_MS,
    HFC_CLI_OPT_LOOKAHEAD,
    HFC_CLI_OPT_DAEMON,
    HFC_CLI_OPT_WHOLE,
    HFC_CLI_OPT_MAX_SECONDS,
    HFC_CLI_OPT_FIRST_OWN
};

/* Table entries for the shared options, to put first in a command's table. */
#define HFC_CLI_COMMON_OPTIONS                                                                 \
    {"help", 'h', 0, HFC_CLI_OPT_HELP}, {"model", 'm', 1, HFC_CLI_OPT_MODEL},                  \
        {"quiet", 'q', 0, HFC_CLI_OPT_QUIET}, {"verbose", 'v', 0, HFC_CLI_OPT_VERBOSE},        \
        {"threads", 0, 1, HFC_CLI_OPT_THREADS}

/* How encode, decode and roundtrip run the codec: offline (default), through the
 * streaming API in chunks, or through a hificodecd daemon. */
#define HFC_CLI_CODEC_OPTIONS                                                                  \
    {"chunk-ms", 0, 1, HFC_CLI_OPT_CHUNK_MS}, {"lookahead", 0, 1, HFC_CLI_OPT_LOOKAHEAD},      \
        {"daemon", 0, 1, HFC_CLI_OPT_DAEMON}, {"whole", 0, 0, HFC_CLI_OPT_WHOLE},                 \
        {"max-seconds", 0, 1, HFC_CLI_OPT_MAX_SECONDS}

#define HFC_CLI_CODEC_OPTIONS_HELP                                                             \
    "      --chunk-ms N   run through the streaming API, N ms of audio (or N/20\n"               \
    "                     frames of tokens) per push, as a live stream would; for\n"            \
    "                     causal models the result equals the offline one\n"                    \
    "      --lookahead F  with --chunk-ms, frames of look-ahead a non-causal model\n"           \
    "                     may use (default: all it needs, exact convolutions)\n"              \
    "      --daemon SOCK  run in the hificodecd daemon listening on SOCK instead of\n"          \
    "                     loading a model here; the output is the same bytes\n"          \
    "      --whole        hold the whole input in memory and run the offline API\n"           \
    "                     (by default a causal model runs files and pipes of any\n"           \
    "                     length in pieces, in constant memory, with the same output)\n"      \
    "      --max-seconds N  the longest input held whole (non-causal models, --whole,\n"       \
    "                     --chunk-ms); longer is refused before memory runs out\n"            \
    "                     (default: what the free memory holds, at 2.5 MB a second)\n"

/* Help text for the shared options, to include in a command's --help. */
#define HFC_CLI_COMMON_OPTIONS_HELP                                                            \
    "  -m, --model MODEL  model file (.safetensors); default: $HFC_MODEL, then the\n"          \
    "                     bundled hificodec-16k-default model\n"                               \
    "      --threads N    worker threads, 0 = all cores (default 0)\n"                         \
    "  -q, --quiet        print errors only\n"                                                 \
    "  -v, --verbose      print frames, duration and speed to stderr\n"                        \
    "  -h, --help         print this help and exit\n"

#define HFC_CLI_EXIT_STATUS_HELP                                                               \
    "Exit status:\n"                                                                           \
    "  0  success\n"                                                                           \
    "  1  the input, the model or an output file could not be used; one line on\n"            \
    "     stderr says why\n"                                                                   \
    "  2  bad command line\n"

typedef struct hfc_cli_common {
    const char *model_path; /* -m/--model, or NULL */
    int quiet;
    int verbose;
    int n_threads;          /* 0 = all cores */
    int chunk_ms;           /* > 0: streaming API in chunks of this many ms */
    int lookahead_frames;   /* streaming look-ahead; -1 = the model's full look-ahead */
    const char *daemon_socket; /* non-NULL: through hificodecd at this path */
    int whole;              /* --whole: the offline API on the whole input */
    int max_seconds;        /* --max-seconds; 0 = sized from the free memory */
    int help;
} hfc_cli_common;

/* Applies a shared option's id to *common. Returns 1 if id was a shared option, 0
 * if not, -1 after printing an error for a bad value. */
int hfc_cli_common_apply(hfc_cli_common *common, const char *command, int id, const char *value);

/* A command's own options (ids >= HFC_CLI_OPT_FIRST_OWN) go to this callback.
 * Returns 0, or -1 after printing an error about value. */
typedef int (*hfc_cli_own_option_fn)(void *user, int id, const char *value);

/* Parses one command's argv: shared options into *common, the command's own to
 * own(user, ...), positional arguments into positional[0..max_positional). Returns
 * how many positional arguments there were, or -1 after printing a usage error
 * (unknown option, bad value, too many arguments). */
int hfc_cli_parse_command(const char *command, int argc, char **argv,
                          const hfc_cli_option *options, hfc_cli_common *common,
                          hfc_cli_own_option_fn own, void *user, const char **positional,
                          int max_positional);

/* ---- the model ------------------------------------------------------------ */

/* Finds the model file: explicit (-m; else NULL), then $HFC_MODEL, then the default
 * model in the source tree and in the installed data directory. Writes the path
 * into out (capacity out_bytes) and returns 0, or prints an error naming every path
 * it tried and returns -1. */
int hfc_cli_model_path(const char *explicit_path, char *out, size_t out_bytes);

/* Finds and loads the model; warnings from the library go to stderr unless quiet,
 * details with verbose. When path_out is not NULL the file's path is written there
 * (capacity path_bytes). Prints one error line and returns NULL on failure. */
hfc_model *hfc_cli_model_load(const hfc_cli_common *common, char *path_out, size_t path_bytes);

/* Monotonic seconds, for the realtime factor -v prints. */
double hfc_cli_seconds_now(void);

#endif
