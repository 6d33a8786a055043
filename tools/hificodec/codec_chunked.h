/*
 * codec_chunked.h - encode, decode and roundtrip of any length in constant memory:
 * the input is read a piece at a time (audio_source.h, or a .hfc stream), pushed
 * through the streaming encoder or decoder, and written as it comes
 * (token_output.h, audio_output.h). For a causal model the streaming path gives
 * the offline result exactly, so the output files are the bytes the whole-file
 * path writes.
 *
 * Memory: the model, the stream state sized at create, and buffers of
 * HFC_CLI_CHUNK_SAMPLES; nothing grows with the length, except a .npy token file,
 * which is read whole by decode (0.4 KB per second of the default model) and held
 * whole by encode to a pipe of unknown length (token_output.h).
 */
#ifndef HFC_CLI_CODEC_CHUNKED_H
#define HFC_CLI_CODEC_CHUNKED_H

#include "cli_common.h"
#include "codec_run.h"

/* Whether the chunked path runs: a model in this process that is causal, without
 * --chunk-ms (the streaming emulation of a whole file) or --whole. */
int hfc_cli_chunked_applies(const hfc_cli_codec *codec, const hfc_cli_common *common);

/* Each returns the command's exit status, after printing one line on failure.
 * format: enum hfc_token_format of out. */
int hfc_cli_chunked_encode(const hfc_cli_codec *codec, const hfc_cli_common *common,
                           const char *in_path, const char *out_path, int format);
int hfc_cli_chunked_decode(const hfc_cli_codec *codec, const hfc_cli_common *common,
                           const char *in_path, const char *out_path, int as_float, int force);
int hfc_cli_chunked_roundtrip(const hfc_cli_codec *codec, const hfc_cli_common *common,
                              const char *in_path, const char *out_path, int as_float);

#endif
