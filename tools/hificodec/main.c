/* hificodec: the command-line front end of libhificodec. Dispatches to one
 * subcommand per file (cmd_*.c). */
#include "cli_common.h"
#include "cli_config.h"
#include "commands.h"
#include "hificodec.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"encode", hfc_cmd_encode, "encode speech (any audio file) into tokens (.hfc or .npy)"},
    {"decode", hfc_cmd_decode, "decode tokens back into speech"},
    {"roundtrip", hfc_cmd_roundtrip, "encode and decode in one go: hear what the codec keeps"},
    {"info", hfc_cmd_info, "print a model's configuration, cost and id"},
    {"stream", hfc_cmd_stream, "live: microphone -> tokens -> speaker, a file or stdout"},
    {"play", hfc_cmd_play, "decode tokens and play them on a speaker"},
    {"bench", hfc_cmd_bench, "measure speed on this machine: per stage, threads, streaming"},
    {"tokenize", hfc_cmd_tokenize, "encode a corpus (folder, list, manifest) into token files"},
    {"detokenize", hfc_cmd_detokenize, "decode many token files back into audio"},
#ifdef HFC_CLI_HAVE_EVAL
    {"eval", hfc_cmd_eval, "measure round-trip quality with objective metrics"},
#endif
#ifdef HFC_CLI_HAVE_OPUS
    {"opus", hfc_cmd_opus, "compare with Opus at a given bitrate"},
#endif
};

enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void print_usage(FILE *out)
{
    fputs("Usage: hificodec COMMAND [OPTIONS] [ARGS]\n"
          "       hificodec help COMMAND | --help | --version\n"
          "\n"
          "HiFi-Codec neural speech codec: 16 kHz speech in 4 tokens of 10 bits every\n"
          "20 ms (2 kbit/s) with the default model.\n"
          "\n"
          "Commands:\n",
          out);
    for (int i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "'hificodec COMMAND --help' describes each command and its options.\n"
          "\n"
          "Environment:\n"
          "  HFC_MODEL  the model file to use when -m is not given\n"
          "  HFC_CPU    scalar|avx2|avx512|neon: force a kernel path\n"
          "\n" HFC_CLI_EXIT_STATUS_HELP,
          out);
}

static const command *find_command(const char *name)
{
    for (int i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static int unknown_command(const char *name)
{
    hfc_cli_print_error(NULL, "unknown command '%s' (see 'hificodec --help')", name);
    return HFC_CLI_EXIT_USAGE;
}

/* "hificodec help [COMMAND]": the command's own --help, so there is one text. */
static int run_help(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (argc > 2) {
        hfc_cli_print_error("help", "takes one COMMAND");
        return HFC_CLI_EXIT_USAGE;
    }
    const command *target = find_command(argv[1]);
    if (target == NULL)
        return unknown_command(argv[1]);
    char *help_argv[] = {argv[1], "--help", NULL};
    return target->run(2, help_argv);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return HFC_CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_usage(stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("hificodec %s (libhificodec %s)\n", HFC_CLI_VERSION, hfc_version_string());
        return HFC_CLI_EXIT_OK;
    }
    if (strcmp(name, "help") == 0)
        return run_help(argc - 1, argv + 1);
    const command *target = find_command(name);
    if (target == NULL)
        return unknown_command(name);
    return target->run(argc - 1, argv + 1);
}
