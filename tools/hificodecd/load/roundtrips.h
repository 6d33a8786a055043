/* Concurrent utterance round trips (encode, then decode the tokens), through the
 * daemon or in-process: the utterance side of the daemon benchmark. */
#ifndef HFCL_ROUNDTRIPS_H
#define HFCL_ROUNDTRIPS_H

#include "hificodec.h"

/* n threads, each a round trip of audio_s seconds of a synthetic clip: through the
 * daemon at socket_path, or in-process on model_path when socket_path is NULL.
 * Prints the wall time; returns 0, or -1 when any failed. */
int hfcl_run_roundtrips(const char *socket_path, const char *model_path, int n, double audio_s);

#endif
