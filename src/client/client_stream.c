/* Stream requests: open and close, the send_* calls, and the blocking push/flush
 * calls built on them (send one request, wait for the reply with its seq). */
#include <stdlib.h>
#include <string.h>

#include "client/client_internal.h"

void hfc_client_stream_options_init(hfc_client_stream_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof *options);
    options->direction = HFC_CLIENT_DUPLEX;
    options->sample_format = HFC_SAMPLE_F32;
    options->mode = HFC_CLIENT_STREAMING;
}

static int valid_stream_options(const hfc_client_stream_options *o)
{
    return o->direction >= HFC_CLIENT_ENCODE && o->direction <= HFC_CLIENT_DUPLEX &&
           hfc_proto_bytes_per_sample(o->sample_format) > 0 &&
           (o->sample_rate_hz == 0 || (o->sample_rate_hz >= 1000 && o->sample_rate_hz <= 192000)) &&
           (o->mode == HFC_CLIENT_STREAMING || o->mode == HFC_CLIENT_UTTERANCE) &&
           (o->drop_when_full == 0 || o->drop_when_full == 1) && o->queue_messages >= 0 &&
           o->queue_messages <= 65536;
}

static hfc_client_stream_entry *add_stream(hfc_client *client)
{
    if (client->n_streams == client->cap_streams) {
        int cap = client->cap_streams ? 2 * client->cap_streams : 8;
        hfc_client_stream_entry *s = realloc(client->streams, (size_t)cap * sizeof *s);
        if (!s)
            return NULL;
        client->streams = s;
        client->cap_streams = cap;
    }
    int id;
    do { /* ids are never 0 and never one in use, also after wrapping */
        id = client->next_stream;
        client->next_stream = client->next_stream == INT32_MAX ? 1 : client->next_stream + 1;
    } while (hfc_client_find_stream(client, id));
    hfc_client_stream_entry *entry = &client->streams[client->n_streams++];
    memset(entry, 0, sizeof *entry);
    entry->id = id;
    return entry;
}

static void fill_stream_info(const uint8_t *body, hfc_client_stream_info *info)
{
    hfc_proto_open_ok ok;
    hfc_proto_parse_open_ok(body, HFC_PROTO_OPEN_OK_BYTES, &ok);
    info->sample_rate_hz = (int)ok.sample_rate_hz;
    info->model_sample_rate_hz = (int)ok.model.sample_rate_hz;
    info->hop_samples = (int)ok.model.hop_samples;
    info->n_codebooks = (int)ok.model.n_codebooks;
    info->codebook_size = (int)ok.model.codebook_size;
    info->causal = (ok.model.flags & HFC_PROTO_MODEL_CAUSAL) != 0;
    info->model_id = ok.model.model_id;
    info->encoder_latency_samples = (int)ok.encoder_latency_samples;
    info->decoder_latency_samples = (int)ok.decoder_latency_samples;
    info->max_samples_per_push = (int)ok.max_samples_per_message;
    info->max_frames_per_push = (int)ok.max_frames_per_message;
    info->queue_messages = (int)ok.queue_messages;
}

int hfc_client_open(hfc_client *client, const hfc_client_stream_options *options,
                    hfc_client_stream_info *info)
{
    hfc_client_stream_options defaults;
    if (!options) {
        hfc_client_stream_options_init(&defaults);
        options = &defaults;
    }
    if (!client || !valid_stream_options(options))
        return HFC_ERR_INVALID_ARG;
    if (client->failed)
        return client->failed;
    hfc_client_stream_entry *entry = add_stream(client);
    if (!entry)
        return HFC_ERR_NO_MEMORY;
    int id = entry->id;
    entry->direction = options->direction;
    entry->sample_format = options->sample_format;
    entry->mode = options->mode;
    hfc_proto_open open = {
        .direction = (uint8_t)options->direction,
        .sample_format = (uint8_t)options->sample_format,
        .mode = (uint8_t)options->mode,
        .flags = options->drop_when_full ? HFC_PROTO_OPEN_DROP : 0,
        .sample_rate_hz = (uint32_t)options->sample_rate_hz,
        .queue_messages = (uint32_t)options->queue_messages,
    };
    int64_t seq = hfc_client_send_message(client, HFC_MSG_OPEN, id,
                                          hfc_proto_write_open(hfc_client_body(client), &open));
    int st = seq < 0 ? (int)seq : hfc_client_wait_reply(client, id, (uint32_t)seq);
    if (st == HFC_OK && client->current.header.type == HFC_MSG_OPEN_OK) {
        if (info)
            fill_stream_info(client->current.bytes + HFC_PROTO_HEADER_BYTES, info);
        return id;
    }
    if (st == HFC_OK)
        st = hfc_client_reply_status(client);
    hfc_client_forget_stream(client, id);
    return st != HFC_OK ? st : HFC_ERR_PROTOCOL;
}

/* The open stream id names, if it has all of directions; else NULL. */
static hfc_client_stream_entry *usable_stream(hfc_client *client, int id, int directions)
{
    if (!client)
        return NULL;
    hfc_client_stream_entry *entry = hfc_client_find_stream(client, id);
    return entry && entry->open && (entry->direction & directions) == directions ? entry : NULL;
}

int64_t hfc_client_send_pcm(hfc_client *client, int stream, const void *pcm, int64_t n_samples)
{
    hfc_client_stream_entry *entry = usable_stream(client, stream, HFC_CLIENT_ENCODE);
    if (!entry || (!pcm && n_samples > 0) || n_samples < 0 || n_samples > entry->max_samples)
        return HFC_ERR_INVALID_ARG;
    int bps = hfc_proto_bytes_per_sample(entry->sample_format);
    hfc_proto_copy_samples(hfc_client_body(client), pcm, (size_t)n_samples, bps);
    return hfc_client_send_message(client, HFC_MSG_PCM_IN, stream, (size_t)n_samples * (size_t)bps);
}

int64_t hfc_client_send_tokens(hfc_client *client, int stream, const hfc_token *tokens,
                               int64_t n_frames)
{
    hfc_client_stream_entry *entry = usable_stream(client, stream, HFC_CLIENT_DECODE);
    if (!entry || (!tokens && n_frames > 0) || n_frames < 0 || n_frames > entry->max_frames)
        return HFC_ERR_INVALID_ARG;
    size_t n_tokens = (size_t)n_frames * entry->n_codebooks;
    for (size_t i = 0; i < n_tokens; i++)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= entry->codebook_size)
            return HFC_ERR_BAD_TOKEN; /* as hfc_decoder_push: nothing sent */
    hfc_proto_write_tokens(hfc_client_body(client), tokens, n_tokens);
    return hfc_client_send_message(client, HFC_MSG_TOKENS_IN, stream, 2 * n_tokens);
}

int64_t hfc_client_send_flush(hfc_client *client, int stream, int directions)
{
    if (directions < HFC_CLIENT_ENCODE || directions > HFC_CLIENT_DUPLEX ||
        !usable_stream(client, stream, directions))
        return HFC_ERR_INVALID_ARG;
    return hfc_client_send_message(client, HFC_MSG_FLUSH, stream,
                                   hfc_proto_write_flush(hfc_client_body(client),
                                                         (uint32_t)directions));
}

int64_t hfc_client_send_close(hfc_client *client, int stream)
{
    if (!usable_stream(client, stream, 0))
        return HFC_ERR_INVALID_ARG;
    return hfc_client_send_message(client, HFC_MSG_CLOSE, stream, 0);
}

/* Waits for request seq's reply of the type wanted; an ERROR or DROPPED instead
 * gives its status. */
static int wait_for(hfc_client *client, int stream, int64_t seq, uint16_t type)
{
    if (seq < 0)
        return (int)seq;
    int st = hfc_client_wait_reply(client, stream, (uint32_t)seq);
    if (st != HFC_OK)
        return st;
    if (client->current.header.type == type)
        return HFC_OK;
    st = hfc_client_reply_status(client);
    return st != HFC_OK ? st : HFC_ERR_PROTOCOL;
}

int hfc_client_close_stream(hfc_client *client, int stream)
{
    return wait_for(client, stream, hfc_client_send_close(client, stream), HFC_MSG_CLOSED);
}

int64_t hfc_client_gather(hfc_client *client, int stream, int64_t seq, uint16_t piece,
                          uint16_t until, void *out, int64_t max_units)
{
    if (seq < 0)
        return seq;
    int64_t n = 0;
    int64_t first = -1; /* the position of the first piece; the rest must follow on */
    int too_small = 0;
    for (;;) {
        int st = hfc_client_wait_reply(client, stream, (uint32_t)seq);
        if (st != HFC_OK)
            return st;
        const hfc_client_message *m = &client->current;
        if (m->header.type == until)
            break;
        if (m->header.type != piece) {
            st = hfc_client_reply_status(client);
            return st != HFC_OK ? st : HFC_ERR_PROTOCOL;
        }
        hfc_client_event event;
        hfc_client_decode_event(client, &event);
        if (first < 0)
            first = event.position;
        if (event.position != first + n)
            return HFC_ERR_PROTOCOL;
        size_t unit_bytes = piece == HFC_MSG_TOKENS_OUT
                                ? m->n_codebooks * sizeof(hfc_token)
                                : (size_t)m->bytes_per_sample;
        /* Too small: read on to the reply's end so the connection stays in step. */
        too_small |= n + event.n > max_units;
        if (!too_small && event.n > 0)
            memcpy((char *)out + (size_t)n * unit_bytes,
                   piece == HFC_MSG_TOKENS_OUT ? (const void *)event.tokens : event.pcm,
                   (size_t)event.n * unit_bytes);
        n += event.n;
        if (until == 0 && !(m->header.flags & HFC_PROTO_FLAG_MORE))
            break;
    }
    return too_small ? HFC_ERR_BUFFER_TOO_SMALL : n;
}

int64_t hfc_client_encode_push(hfc_client *client, int stream, const void *pcm, int64_t n_samples,
                               hfc_token *tokens_out, int64_t max_frames)
{
    if (!tokens_out || max_frames < 0)
        return HFC_ERR_INVALID_ARG;
    return hfc_client_gather(client, stream, hfc_client_send_pcm(client, stream, pcm, n_samples),
                             HFC_MSG_TOKENS_OUT, 0, tokens_out, max_frames);
}

int64_t hfc_client_decode_push(hfc_client *client, int stream, const hfc_token *tokens,
                               int64_t n_frames, void *pcm_out, int64_t max_samples)
{
    if (!pcm_out || max_samples < 0)
        return HFC_ERR_INVALID_ARG;
    return hfc_client_gather(client, stream,
                             hfc_client_send_tokens(client, stream, tokens, n_frames),
                             HFC_MSG_PCM_OUT, 0, pcm_out, max_samples);
}

int64_t hfc_client_encode_flush(hfc_client *client, int stream, hfc_token *tokens_out,
                                int64_t max_frames)
{
    if (!tokens_out || max_frames < 0)
        return HFC_ERR_INVALID_ARG;
    return hfc_client_gather(client, stream,
                             hfc_client_send_flush(client, stream, HFC_CLIENT_ENCODE),
                             HFC_MSG_TOKENS_OUT, HFC_MSG_FLUSHED, tokens_out, max_frames);
}

int64_t hfc_client_decode_flush(hfc_client *client, int stream, void *pcm_out,
                                int64_t max_samples)
{
    if (!pcm_out || max_samples < 0)
        return HFC_ERR_INVALID_ARG;
    return hfc_client_gather(client, stream,
                             hfc_client_send_flush(client, stream, HFC_CLIENT_DECODE),
                             HFC_MSG_PCM_OUT, HFC_MSG_FLUSHED, pcm_out, max_samples);
}

int hfc_client_get_stats(hfc_client *client, int stream, hfc_client_stats *stats)
{
    if (!client || !stats || stream < 0 || (stream > 0 && !usable_stream(client, stream, 0)))
        return HFC_ERR_INVALID_ARG;
    int64_t seq = hfc_client_send_message(client, HFC_MSG_STATS_REQUEST, stream, 0);
    int st = wait_for(client, stream, seq, HFC_MSG_STATS);
    if (st != HFC_OK)
        return st;
    uint64_t v[HFC_STAT_COUNT];
    hfc_proto_parse_stats(client->current.bytes + HFC_PROTO_HEADER_BYTES,
                          client->current.header.body_bytes, v);
    int64_t *out[HFC_STAT_COUNT] = {
        [HFC_STAT_CONNECTIONS] = &stats->connections,
        [HFC_STAT_STREAMS] = &stats->streams,
        [HFC_STAT_WORKERS] = &stats->workers,
        [HFC_STAT_CPU_BUDGET_PERMILLE] = &stats->cpu_budget_permille,
        [HFC_STAT_CPU_COMMITTED_PERMILLE] = &stats->cpu_committed_permille,
        [HFC_STAT_ENCODE_US_PER_FRAME] = &stats->encode_us_per_frame,
        [HFC_STAT_DECODE_US_PER_FRAME] = &stats->decode_us_per_frame,
        [HFC_STAT_FRAMES_ENCODED] = &stats->frames_encoded,
        [HFC_STAT_FRAMES_DECODED] = &stats->frames_decoded,
        [HFC_STAT_INPUTS_DROPPED] = &stats->inputs_dropped,
        [HFC_STAT_LATENCY_P50_US] = &stats->latency_p50_us,
        [HFC_STAT_LATENCY_P99_US] = &stats->latency_p99_us,
        [HFC_STAT_STREAM_INPUTS] = &stats->stream_inputs,
        [HFC_STAT_STREAM_FRAMES_OUT] = &stats->stream_frames_out,
        [HFC_STAT_STREAM_SAMPLES_OUT] = &stats->stream_samples_out,
        [HFC_STAT_STREAM_DROPPED] = &stats->stream_dropped,
        [HFC_STAT_STREAM_QUEUED] = &stats->stream_queued,
    };
    for (int i = 0; i < HFC_STAT_COUNT; i++)
        *out[i] = (int64_t)v[i];
    return HFC_OK;
}
