/*
 * codec_run.h - the offline encode and decode the commands share: create the
 * encoder/decoder with the command's thread count, run it, time it, report it with
 * -v, and turn library errors into one printed line.
 */
#ifndef HFC_CLI_CODEC_RUN_H
#define HFC_CLI_CODEC_RUN_H

#include "audio_io.h"
#include "cli_common.h"
#include "hificodec.h"
#include "tokens_hfc.h"

/* Encodes audio (at the model's rate) into a malloc'd *tokens of *n_frames frames.
 * Input shorter than one frame is an error. Returns 0, or -1 after printing why. */
int hfc_cli_run_encode(const hfc_model *model, const hfc_cli_common *common,
                       const hfc_cli_audio *audio, hfc_token **tokens, int64_t *n_frames);

/* Decodes n_frames frames of tokens into a malloc'd *pcm of *n_samples samples
 * (n_frames x hop). Returns 0, or -1 after printing why. */
int hfc_cli_run_decode(const hfc_model *model, const hfc_cli_common *common,
                       const hfc_token *tokens, int64_t n_frames, float **pcm, int64_t *n_samples);

/* The .hfc header fields that describe model (n_frames left unknown). */
void hfc_cli_header_for_model(const hfc_model *model, hfc_tokens_hfc_header *header);

#endif
