/* hfc_client_encode / hfc_client_decode: the offline calls through the daemon. A
 * stream in utterance mode gathers the whole input, runs hfc_encoder_encode or
 * hfc_decoder_decode at FLUSH and sends the result in pieces, gathered here into
 * the caller's buffer. */
#include <string.h>

#include "client/client_internal.h"

/* The model the caller sized its buffers for must be the one the daemon uses. */
static int same_model(const hfc_client_info *before, const hfc_client_stream_info *now)
{
    return before->model_id == now->model_id && before->sample_rate_hz == now->model_sample_rate_hz;
}

static int open_utterance(hfc_client *client, int direction, hfc_client_stream_info *info)
{
    hfc_client_info before = client->info;
    hfc_client_stream_options options;
    hfc_client_stream_options_init(&options);
    options.direction = direction;
    options.mode = HFC_CLIENT_UTTERANCE;
    int stream = hfc_client_open(client, &options, info);
    if (stream > 0 && !same_model(&before, info)) {
        hfc_client_close_stream(client, stream);
        return HFC_ERR_STATE;
    }
    return stream;
}

/* After the input is sent: flushes and gathers the result, then closes the stream
 * (unless an ERROR did already). */
static int64_t finish(hfc_client *client, int stream, int direction, void *out, int64_t max_units)
{
    int64_t n = hfc_client_gather(client, stream,
                                  hfc_client_send_flush(client, stream, direction),
                                  direction == HFC_CLIENT_ENCODE ? HFC_MSG_TOKENS_OUT
                                                                 : HFC_MSG_PCM_OUT,
                                  HFC_MSG_FLUSHED, out, max_units);
    if (client->current.header.type != HFC_MSG_ERROR) {
        int st = hfc_client_close_stream(client, stream);
        if (n >= 0 && st != HFC_OK)
            n = st;
    }
    return n;
}

int64_t hfc_client_encode(hfc_client *client, const float *pcm, int64_t n_samples,
                          hfc_token *tokens, int64_t max_frames)
{
    if (!client || (!pcm && n_samples > 0) || n_samples < 0 || !tokens || max_frames < 0)
        return HFC_ERR_INVALID_ARG;
    hfc_client_stream_info info;
    int stream = open_utterance(client, HFC_CLIENT_ENCODE, &info);
    if (stream < 0)
        return stream;
    for (int64_t done = 0; done < n_samples;) {
        int64_t n = n_samples - done < info.max_samples_per_push ? n_samples - done
                                                                  : info.max_samples_per_push;
        int64_t seq = hfc_client_send_pcm(client, stream, pcm + done, n);
        if (seq < 0) {
            hfc_client_close_stream(client, stream);
            return seq;
        }
        done += n;
    }
    return finish(client, stream, HFC_CLIENT_ENCODE, tokens, max_frames);
}

int64_t hfc_client_decode(hfc_client *client, const hfc_token *tokens, int64_t n_frames,
                          float *pcm, int64_t max_samples)
{
    if (!client || (!tokens && n_frames > 0) || n_frames < 0 || !pcm || max_samples < 0)
        return HFC_ERR_INVALID_ARG;
    hfc_client_stream_info info;
    int stream = open_utterance(client, HFC_CLIENT_DECODE, &info);
    if (stream < 0)
        return stream;
    for (int64_t done = 0; done < n_frames;) {
        int64_t n = n_frames - done < info.max_frames_per_push ? n_frames - done
                                                                : info.max_frames_per_push;
        int64_t seq = hfc_client_send_tokens(client, stream, tokens + done * info.n_codebooks, n);
        if (seq < 0) {
            hfc_client_close_stream(client, stream);
            return seq;
        }
        done += n;
    }
    return finish(client, stream, HFC_CLIENT_DECODE, pcm, max_samples);
}
