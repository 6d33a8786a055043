/* hificodec tokenize / detokenize: a whole corpus to tokens and back, on every
 * core, resumable, in shards. The work of one file is corpus_job.c, the pool and
 * the progress line corpus_run.c; this file is the command line. */
#include "cli_common.h"
#include "commands.h"
#include "corpus_list.h"
#include "corpus_run.h"
#include "token_file.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CORPUS_OPTIONS_HELP                                                                        \
    "  -j, --jobs N       files worked on at once (default 0: one per core), each on\n"            \
    "                     one thread (or on --threads N)\n"                                        \
    "      --shard K/N    only shard K of N (0 <= K < N): a partition by file name\n"              \
    "                     that every shard computes alike, for Slurm job arrays\n"                 \
    "      --overwrite    redo files whose output is already complete\n"                           \
    "      --progress     show the progress line even when stderr is not a terminal\n"             \
    "                     (a line every 30 s); --no-progress never shows it\n"                     \
    "  -m, --model MODEL  model file (.safetensors); default: $HFC_MODEL, then the\n"              \
    "                     bundled hificodec-16k-default model\n"                                   \
    "  -q, --quiet        print errors only\n"                                                     \
    "  -v, --verbose      print a line per file\n"                                                 \
    "  -h, --help         print this help and exit\n"

#define CORPUS_LIST_HELP                                                                           \
    "A file list has one path per line, relative to the list's folder ('#' starts a\n"             \
    "comment); a JSONL manifest (a .jsonl file) has one object per line, the path in\n"            \
    "\"audio_filepath\", \"audio\", \"path\", \"file\" or \"wav\". Each output mirrors its\n"      \
    "input's path below INPUT (or below the list's folder) under OUTDIR.\n"

#define CORPUS_EXIT_HELP                                                                           \
    "Exit status:\n"                                                                               \
    "  0    every file is done\n"                                                                  \
    "  1    a file failed (the others were still done), or the run could not start\n"              \
    "  2    bad command line\n"                                                                    \
    "  130  interrupted (Ctrl-C, SIGTERM); run it again to finish\n"

static const char tokenize_help[] =
    "Usage: hificodec tokenize [OPTIONS] INPUT OUTDIR\n"
    "\n"
    "Encode a corpus of speech into token files, on every core.\n"
    "\n"
    "INPUT is a folder, walked recursively for audio files (.wav .flac .ogg .opus\n"
    ".mp3 .aiff .au .caf .w64 .rf64; hidden files skipped), a file list or a JSONL\n"
    "manifest.\n"
    "\n" CORPUS_LIST_HELP "\n"
    "Each output is a NumPy int16 array [frames, codebooks] named like its input\n"
    "with .npy for the extension (np.load reads it; docs/TOKENS.md), or a .hfc\n"
    "bitstream with --format hfc. Audio is read, averaged to mono and resampled as\n"
    "'hificodec encode' does, and the tokens are the same.\n"
    "\n"
    "The run is resumable: outputs are written whole or not at all (a hidden\n"
    "temporary file renamed into place), and a file whose output already holds this\n"
    "model's tokens is skipped, so a killed or interrupted run continues where it\n"
    "stopped. A file that cannot be read or encoded is reported and counted, and the\n"
    "run goes on. Ctrl-C or SIGTERM stops after the files being encoded. A summary\n"
    "closes the run: files, hours of audio, failures, speed, time spent reading.\n"
    "\n"
    "Options:\n"
    "  -f, --format FMT   npy (default) or hfc\n" CORPUS_OPTIONS_HELP "\n"
    "Examples:\n"
    "  hificodec tokenize corpus/ tokens/\n"
    "  hificodec tokenize --jobs 8 train.jsonl tokens/\n"
    "  hificodec tokenize --shard $SLURM_ARRAY_TASK_ID/64 corpus/ tokens/\n"
    "\n" CORPUS_EXIT_HELP;

static const char detokenize_help[] =
    "Usage: hificodec detokenize [OPTIONS] INPUT OUTDIR\n"
    "\n"
    "Decode many token files back into audio, on every core.\n"
    "\n"
    "INPUT is a folder, walked recursively for token files (.npy .hfc; hidden files\n"
    "skipped), a file list or a JSONL manifest.\n"
    "\n" CORPUS_LIST_HELP "\n"
    "Each output is named like its input with .wav (or --audio-format) for the\n"
    "extension and holds frames x hop samples at the model's rate, 16-bit unless\n"
    "--float. The tokens must fit the model (a .hfc file names its model; --force\n"
    "decodes another model's). Resumable, atomic and tolerant of bad files as\n"
    "'hificodec tokenize' is; an existing non-empty output is skipped.\n"
    "\n"
    "Options:\n"
    "      --audio-format F  wav (default), flac, ogg, opus, aiff, au, caf, w64, rf64\n"
    "      --float        32-bit float samples (not for FLAC)\n"
    "      --force        decode .hfc files written by another model\n" CORPUS_OPTIONS_HELP "\n"
    "Examples:\n"
    "  hificodec detokenize tokens/ decoded/\n"
    "  hificodec detokenize --audio-format flac --shard 3/8 tokens/ decoded/\n"
    "\n" CORPUS_EXIT_HELP;

enum {
    OPT_JOBS = HFC_CLI_OPT_FIRST_OWN,
    OPT_SHARD,
    OPT_OVERWRITE,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_FORMAT,
    OPT_AUDIO_FORMAT,
    OPT_FLOAT,
    OPT_FORCE
};

typedef struct corpus_options {
    const char *command;
    int tokenize;
    int n_jobs;
    int shard, n_shards;
    int overwrite;
    int progress; /* -1: when stderr is a terminal */
    int token_format;
    char audio_extension[16];
    int as_float, force;
} corpus_options;

static const char *const audio_formats[] = {"wav", "flac", "ogg", "opus", "aiff",
                                            "au",  "caf",  "w64", "rf64", NULL};

static int apply_corpus_option(void *user, int id, const char *value)
{
    corpus_options *o = user;
    switch (id) {
    case OPT_JOBS:
        return hfc_cli_parse_int(o->command, "--jobs", value, 0, 4096, &o->n_jobs);
    case OPT_SHARD:
        if (hfc_corpus_parse_shard(value, &o->shard, &o->n_shards) == 0)
            return 0;
        hfc_cli_print_error(o->command, "--shard wants K/N with 0 <= K < N, got '%s'", value);
        return -1;
    case OPT_OVERWRITE:
        o->overwrite = 1;
        return 0;
    case OPT_PROGRESS:
    case OPT_NO_PROGRESS:
        o->progress = id == OPT_PROGRESS;
        return 0;
    case OPT_FORMAT:
        o->token_format = hfc_cli_token_format_from_name(value);
        if (o->token_format != HFC_TOKENS_AUTO)
            return 0;
        hfc_cli_print_error(o->command, "--format wants npy or hfc, got '%s'", value);
        return -1;
    case OPT_AUDIO_FORMAT:
        for (int i = 0; audio_formats[i]; i++)
            if (strcmp(value, audio_formats[i]) == 0) {
                snprintf(o->audio_extension, sizeof o->audio_extension, ".%s", value);
                return 0;
            }
        hfc_cli_print_error(o->command, "--audio-format: unknown format '%s'", value);
        return -1;
    case OPT_FLOAT:
        o->as_float = 1;
        return 0;
    case OPT_FORCE:
        o->force = 1;
        return 0;
    default:
        return -1;
    }
}

static int available_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* The offline codec allocates its activations afresh for every utterance. Above
 * glibc's mmap threshold (32 MiB at most, reached by ~20 s of audio) each call maps
 * new zeroed pages, faults them in and unmaps them again: a 30 s file encoded at
 * 45-80x real time instead of 172x on this project's 2-core machine. A corpus run
 * keeps one heap and reuses it; its peak is that of the largest file. One arena:
 * the workers' own arenas grow in 64 MiB heaps that are mapped and dropped again
 * (with 2 jobs, half the page faults and 1.6x the speed on 20 min of valid/ and
 * train/ files). Set before the workers start. */
static void keep_codec_memory(void)
{
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_ARENA_MAX, 1);
}

static int run_corpus(int argc, char **argv, int tokenize)
{
    static const hfc_cli_option tokenize_options[] = {
        HFC_CLI_COMMON_OPTIONS,           {"jobs", 'j', 1, OPT_JOBS},
        {"shard", 0, 1, OPT_SHARD},       {"overwrite", 0, 0, OPT_OVERWRITE},
        {"progress", 0, 0, OPT_PROGRESS}, {"no-progress", 0, 0, OPT_NO_PROGRESS},
        {"format", 'f', 1, OPT_FORMAT},   {NULL, 0, 0, 0}};
    static const hfc_cli_option detokenize_options[] = {HFC_CLI_COMMON_OPTIONS,
                                                        {"jobs", 'j', 1, OPT_JOBS},
                                                        {"shard", 0, 1, OPT_SHARD},
                                                        {"overwrite", 0, 0, OPT_OVERWRITE},
                                                        {"progress", 0, 0, OPT_PROGRESS},
                                                        {"no-progress", 0, 0, OPT_NO_PROGRESS},
                                                        {"audio-format", 0, 1, OPT_AUDIO_FORMAT},
                                                        {"float", 0, 0, OPT_FLOAT},
                                                        {"force", 0, 0, OPT_FORCE},
                                                        {NULL, 0, 0, 0}};
    corpus_options own = {.command = tokenize ? "tokenize" : "detokenize",
                          .tokenize = tokenize,
                          .n_shards = 1,
                          .progress = -1,
                          .token_format = HFC_TOKENS_NPY,
                          .audio_extension = ".wav"};
    hfc_cli_common common;
    const char *paths[2];
    int n_paths = hfc_cli_parse_command(own.command, argc, argv,
                                        tokenize ? tokenize_options : detokenize_options, &common,
                                        apply_corpus_option, &own, paths, 2);
    if (n_paths < 0)
        return HFC_CLI_EXIT_USAGE;
    if (common.help) {
        fputs(tokenize ? tokenize_help : detokenize_help, stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (n_paths != 2) {
        hfc_cli_print_error(own.command, "needs INPUT and OUTDIR (see 'hificodec %s --help')",
                            own.command);
        return HFC_CLI_EXIT_USAGE;
    }
    if (!tokenize && own.as_float && strcmp(own.audio_extension, ".flac") == 0) {
        hfc_cli_print_error(own.command, "--float: FLAC holds integer samples only");
        return HFC_CLI_EXIT_USAGE;
    }

    hfc_corpus_list_options list_options = {
        .extensions = tokenize ? hfc_corpus_audio_extensions : hfc_corpus_token_extensions,
        .out_dir = paths[1],
        .out_extension =
            tokenize ? (own.token_format == HFC_TOKENS_HFC ? ".hfc" : ".npy") : own.audio_extension,
        .shard = own.shard,
        .n_shards = own.n_shards};
    hfc_corpus_list list;
    char err[HFC_CLI_ERROR_BYTES];
    if (hfc_corpus_list_build(paths[0], &list_options, &list, err, sizeof err) != 0) {
        hfc_cli_print_error(own.command, "%s", err);
        return HFC_CLI_EXIT_FAILURE;
    }
    if (list.n_items == 0 && own.n_shards == 1) {
        /* An empty shard is normal; an empty corpus is a wrong path. */
        hfc_cli_print_error(own.command, "%s: no %s found", paths[0],
                            tokenize ? "audio files" : "token files");
        hfc_corpus_list_free(&list);
        return HFC_CLI_EXIT_FAILURE;
    }
    hfc_model *model = hfc_cli_model_load(&common, NULL, 0);
    if (!model) {
        hfc_corpus_list_free(&list);
        return HFC_CLI_EXIT_FAILURE;
    }
    hfc_corpus_run_options run_options = {.command = own.command,
                                          .tokenize = tokenize,
                                          .n_jobs = own.n_jobs > 0 ? own.n_jobs : available_cores(),
                                          .n_threads = common.n_threads > 0 ? common.n_threads : 1,
                                          .quiet = common.quiet,
                                          .verbose = common.verbose,
                                          .progress = own.progress >= 0 ? own.progress
                                                                        : isatty(STDERR_FILENO),
                                          .job = {.token_format = own.token_format,
                                                  .overwrite = own.overwrite,
                                                  .as_float = own.as_float,
                                                  .force = own.force}};
    if ((size_t)run_options.n_jobs > list.n_items && list.n_items > 0)
        run_options.n_jobs = (int)list.n_items;
    keep_codec_memory();
    hfc_corpus_summary summary;
    int status = HFC_CLI_EXIT_FAILURE;
    if (hfc_corpus_run(model, &list, &run_options, &summary) == 0) {
        hfc_corpus_summary_print(&summary, &run_options);
        status = summary.interrupted    ? 130
                 : summary.n_failed > 0 ? HFC_CLI_EXIT_FAILURE
                                        : HFC_CLI_EXIT_OK;
    }
    hfc_model_free(model);
    hfc_corpus_list_free(&list);
    return status;
}

int hfc_cmd_tokenize(int argc, char **argv)
{
    return run_corpus(argc, argv, 1);
}

int hfc_cmd_detokenize(int argc, char **argv)
{
    return run_corpus(argc, argv, 0);
}
