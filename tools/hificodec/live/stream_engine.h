/*
 * stream_engine.h - the codec thread of `hificodec stream`: it takes captured
 * samples from the capture ring, resamples them to the model's rate, encodes
 * them, writes the tokens, and (for monitoring or recording) decodes them again,
 * records them and queues them for playback at the device's rate. It also turns
 * the callbacks' timing marks into per-frame latencies.
 *
 * Threads: the engine runs on its own thread between start and join. The main
 * thread may call end_input, finished and snapshot meanwhile; nothing else. The
 * audio callbacks only touch the rings. I/O (token and audio files, the daemon's
 * socket) happens on the engine's thread, never in a callback.
 */
#ifndef HFC_CLI_STREAM_ENGINE_H
#define HFC_CLI_STREAM_ENGINE_H

#include "audio_device.h"
#include "live_display.h"
#include "stream_codec.h"
#include "stream_record.h"
#include "stream_token_sink.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_stream_engine_config {
    hfc_stream_codec *codec;        /* required */
    hfc_capture *capture;           /* required, opened */
    hfc_playback *playback;         /* NULL: no monitor */
    hfc_token_sink *tokens;         /* NULL: tokens are not kept */
    const char *tokens_name;        /* what messages call it: the path, or "stdout" */
    hfc_record *record;             /* NULL: no recording */
    const char *record_name;
    int64_t max_capture_samples;    /* > 0: end after this many captured samples */
} hfc_stream_engine_config;

typedef struct hfc_stream_engine hfc_stream_engine;

/* Sizes every buffer for config (all borrowed; they must outlive the engine).
 * Returns NULL with one line in err. */
hfc_stream_engine *hfc_stream_engine_create(const hfc_stream_engine_config *config, char *err,
                                            size_t err_bytes);

/* Starts the thread. Returns 0, or -1 with one line in err. */
int hfc_stream_engine_start(hfc_stream_engine *engine, char *err, size_t err_bytes);

/* Tells the engine that capture has stopped (call after stopping the capture
 * stream): it encodes what is left in the ring, flushes, and finishes. */
void hfc_stream_engine_end_input(hfc_stream_engine *engine);

/* 1 once the engine has finished: input ended, max_capture_samples reached, or
 * an error (the codec, the daemon, a file). */
int hfc_stream_engine_finished(hfc_stream_engine *engine);

/* Waits for the thread. Returns 0, or -1 with the failure in *what (what failed,
 * e.g. "daemon /run/x.sock") and *why, owned by the engine. */
int hfc_stream_engine_join(hfc_stream_engine *engine, const char **what, const char **why);

/* The figures for the display. Resets the level meter's interval. */
void hfc_stream_engine_snapshot(hfc_stream_engine *engine, hfc_live_snapshot *snapshot);

void hfc_stream_engine_destroy(hfc_stream_engine *engine);

#endif
