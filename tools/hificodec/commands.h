/*
 * commands.h - the hificodec subcommands. Each takes its own argv (argv[0] is the
 * command's name, options and arguments follow), prints its own errors, and returns
 * the process exit status (HFC_CLI_EXIT_* in cli_common.h). "--help" prints the
 * command's manual to stdout and returns 0.
 */
#ifndef HFC_CLI_COMMANDS_H
#define HFC_CLI_COMMANDS_H

int hfc_cmd_encode(int argc, char **argv);    /* audio -> tokens */
int hfc_cmd_decode(int argc, char **argv);    /* tokens -> audio */
int hfc_cmd_roundtrip(int argc, char **argv); /* audio -> tokens -> audio */
int hfc_cmd_info(int argc, char **argv);      /* describe a model */
int hfc_cmd_stream(int argc, char **argv);    /* live microphone through the codec */
int hfc_cmd_play(int argc, char **argv);      /* tokens -> speaker */
int hfc_cmd_bench(int argc, char **argv);     /* speed on this machine */
int hfc_cmd_tokenize(int argc, char **argv);  /* a corpus of audio -> token files */
int hfc_cmd_detokenize(int argc, char **argv); /* many token files -> audio */

/* Built only when tools/hificodec/commands/cmd_eval.c / cmd_opus.c and the metrics library
 * exist (meson defines HFC_CLI_HAVE_EVAL / HFC_CLI_HAVE_OPUS). */
int hfc_cmd_eval(int argc, char **argv);      /* quality metrics of a round trip */
int hfc_cmd_opus(int argc, char **argv);      /* compare with Opus at a bitrate */

#endif
