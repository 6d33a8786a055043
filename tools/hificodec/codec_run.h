/*
 * codec_run.h - the encode and decode that encode, decode and roundtrip share: run
 * in this process (a loaded model) or in a hificodecd daemon (--daemon), offline
 * or through the streaming API in chunks (--chunk-ms); time it and report it with
 * -v; turn every failure into one printed line.
 */
#ifndef HFC_CLI_CODEC_RUN_H
#define HFC_CLI_CODEC_RUN_H

#include "audio_io.h"
#include "cli_common.h"
#include "hificodec.h"

/* Whichever runs the codec. info holds the fields both can tell: sample rate, hop,
 * codebooks, causal, model id (for the daemon, the rest is zero). */
typedef struct hfc_cli_codec {
    hfc_model *model;   /* in-process, or NULL */
    hfc_client *client; /* through the daemon, or NULL */
    hfc_model_info info;
    char daemon_message[256]; /* the daemon's last error text, for the one error line */
} hfc_cli_codec;

/* Loads the model, or connects to common->daemon_socket. Returns 0, or -1 after
 * printing why (what names the command). */
int hfc_cli_codec_open(hfc_cli_codec *codec, const hfc_cli_common *common, const char *what);
void hfc_cli_codec_close(hfc_cli_codec *codec);

/* Encodes audio (at the codec's rate) into a malloc'd *tokens of *n_frames frames.
 * Input shorter than one frame is an error. Returns 0, or -1 after printing why. */
int hfc_cli_run_encode(const hfc_cli_codec *codec, const hfc_cli_common *common,
                       const hfc_cli_audio *audio, hfc_token **tokens, int64_t *n_frames);

/* Decodes n_frames frames of tokens into a malloc'd *pcm of *n_samples samples
 * (n_frames x hop). Returns 0, or -1 after printing why. */
int hfc_cli_run_decode(const hfc_cli_codec *codec, const hfc_cli_common *common,
                       const hfc_token *tokens, int64_t n_frames, float **pcm, int64_t *n_samples);

/* Whether tokens with this header decode with the model info describes
 * (hfc_token_header_check). Returns 0 when they fit, or -1 after printing
 * "hificodec: NAME: why"; a .hfc file from another model with the same geometry
 * fails naming force_option (e.g. "--force decodes it anyway") unless force, when
 * it only warns (not with -q). */
int hfc_cli_check_tokens_fit(const hfc_token_header *header, const hfc_model_info *info,
                             const char *name, const hfc_cli_common *common, int force,
                             const char *force_option);

/* The token-file header that describes the codec's model (n_frames unknown). */
void hfc_cli_header_for_codec(const hfc_cli_codec *codec, hfc_token_header *header);

#endif
