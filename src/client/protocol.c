/* The wire protocol's parsers and writers (protocol.h, PROTOCOL.md). Integers are
 * read and written byte by byte, so the code is independent of the host's byte
 * order and alignment. Every parser checks a length before it reads. */
#include "client/protocol.h"

#include <string.h>

#define MIN_RATE_HZ 1000u
#define MAX_RATE_HZ 192000u
#define MAX_CODEBOOKS 128u   /* 16 groups x 8 layers, models/FORMAT.md */
#define MAX_HOP 65536u
#define MAX_QUEUE 65536u
#define MODEL_BYTES 28

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static int known_type(uint16_t type)
{
    switch (type) {
    case HFC_MSG_HELLO: case HFC_MSG_OPEN: case HFC_MSG_PCM_IN: case HFC_MSG_TOKENS_IN:
    case HFC_MSG_FLUSH: case HFC_MSG_CLOSE: case HFC_MSG_STATS_REQUEST:
    case HFC_MSG_HELLO_OK: case HFC_MSG_OPEN_OK: case HFC_MSG_TOKENS_OUT: case HFC_MSG_PCM_OUT:
    case HFC_MSG_FLUSHED: case HFC_MSG_CLOSED: case HFC_MSG_STATS: case HFC_MSG_DROPPED:
    case HFC_MSG_ERROR:
        return 1;
    default:
        return 0;
    }
}

int hfc_proto_parse_header(const uint8_t *msg, size_t n_bytes, hfc_proto_header *header)
{
    if (n_bytes < HFC_PROTO_HEADER_BYTES || n_bytes > HFC_PROTO_MAX_MESSAGE_BYTES)
        return HFC_ERR_PROTOCOL;
    header->type = get16(msg);
    header->flags = get16(msg + 2);
    header->stream = get32(msg + 4);
    header->seq = get32(msg + 8);
    header->body_bytes = get32(msg + 12);
    if (header->body_bytes != n_bytes - HFC_PROTO_HEADER_BYTES ||
        (header->flags & ~HFC_PROTO_FLAG_MORE) != 0 ||
        !known_type(header->type))
        return HFC_ERR_PROTOCOL;
    return HFC_OK;
}

size_t hfc_proto_write_header(uint8_t *msg, const hfc_proto_header *header)
{
    put16(msg, header->type);
    put16(msg + 2, header->flags);
    put32(msg + 4, header->stream);
    put32(msg + 8, header->seq);
    put32(msg + 12, header->body_bytes);
    return HFC_PROTO_HEADER_BYTES;
}

void hfc_proto_peek_ids(const uint8_t *msg, size_t n_bytes, uint32_t *stream, uint32_t *seq)
{
    *stream = n_bytes >= 8 ? get32(msg + 4) : 0;
    *seq = n_bytes >= 12 ? get32(msg + 8) : 0;
}

size_t hfc_proto_write_message(uint8_t *msg, uint16_t type, uint16_t flags, uint32_t stream,
                               uint32_t seq, const void *body, size_t body_bytes)
{
    hfc_proto_header h = {type, flags, stream, seq, (uint32_t)body_bytes};
    if (body_bytes > 0 && body != msg + HFC_PROTO_HEADER_BYTES)
        memmove(msg + HFC_PROTO_HEADER_BYTES, body, body_bytes);
    return hfc_proto_write_header(msg, &h) + body_bytes;
}

int hfc_proto_parse_hello(const uint8_t *body, size_t n_bytes, hfc_proto_hello *hello)
{
    if (n_bytes < HFC_PROTO_HELLO_BYTES ||
        n_bytes > HFC_PROTO_HELLO_BYTES + HFC_PROTO_MAX_NAME_BYTES ||
        get32(body) != HFC_PROTO_MAGIC)
        return HFC_ERR_PROTOCOL;
    hello->min_version = get16(body + 4);
    hello->max_version = get16(body + 6);
    if (hello->min_version < 1 || hello->max_version < hello->min_version || get32(body + 8) != 0)
        return HFC_ERR_PROTOCOL;
    size_t n_name = n_bytes - HFC_PROTO_HELLO_BYTES;
    for (size_t i = 0; i < n_name; i++) {
        uint8_t c = body[HFC_PROTO_HELLO_BYTES + i];
        if (c < 0x20 || c > 0x7e) /* it goes into log lines */
            return HFC_ERR_PROTOCOL;
        hello->name[i] = (char)c;
    }
    hello->name[n_name] = '\0';
    return HFC_OK;
}

size_t hfc_proto_write_hello(uint8_t *body, const hfc_proto_hello *hello)
{
    size_t n_name = strnlen(hello->name, HFC_PROTO_MAX_NAME_BYTES);
    put32(body, HFC_PROTO_MAGIC);
    put16(body + 4, hello->min_version);
    put16(body + 6, hello->max_version);
    put32(body + 8, 0);
    memcpy(body + HFC_PROTO_HELLO_BYTES, hello->name, n_name);
    return HFC_PROTO_HELLO_BYTES + n_name;
}

int hfc_proto_negotiate(const hfc_proto_hello *hello)
{
    int lo =
        hello->min_version > HFC_PROTO_VERSION_MIN ? hello->min_version : HFC_PROTO_VERSION_MIN;
    int hi =
        hello->max_version < HFC_PROTO_VERSION_MAX ? hello->max_version : HFC_PROTO_VERSION_MAX;
    return lo <= hi ? hi : 0;
}

static int parse_model(const uint8_t *p, hfc_proto_model *m)
{
    m->sample_rate_hz = get32(p);
    m->hop_samples = get32(p + 4);
    m->n_codebooks = get32(p + 8);
    m->codebook_size = get32(p + 12);
    m->flags = get32(p + 16);
    m->model_id = get64(p + 20);
    if (m->sample_rate_hz < MIN_RATE_HZ || m->sample_rate_hz > MAX_RATE_HZ ||
        m->hop_samples < 1 || m->hop_samples > MAX_HOP || m->n_codebooks < 1 ||
        m->n_codebooks > MAX_CODEBOOKS || m->codebook_size < 2 || m->codebook_size > 65536 ||
        (m->flags & ~HFC_PROTO_MODEL_CAUSAL) != 0)
        return HFC_ERR_PROTOCOL;
    return HFC_OK;
}

static void write_model(uint8_t *p, const hfc_proto_model *m)
{
    put32(p, m->sample_rate_hz);
    put32(p + 4, m->hop_samples);
    put32(p + 8, m->n_codebooks);
    put32(p + 12, m->codebook_size);
    put32(p + 16, m->flags);
    put64(p + 20, m->model_id);
}

int hfc_proto_parse_hello_ok(const uint8_t *body, size_t n_bytes, hfc_proto_hello_ok *ok)
{
    if (n_bytes != HFC_PROTO_HELLO_OK_BYTES || get32(body) != HFC_PROTO_MAGIC ||
        get16(body + 6) != 0)
        return HFC_ERR_PROTOCOL;
    ok->version = get16(body + 4);
    ok->max_message_bytes = get32(body + 8);
    ok->max_streams = get32(body + 12);
    ok->idle_timeout_ms = get32(body + 16);
    if (ok->version < HFC_PROTO_VERSION_MIN || ok->version > HFC_PROTO_VERSION_MAX ||
        ok->max_message_bytes < HFC_PROTO_MIN_MESSAGE_BYTES ||
        ok->max_message_bytes > HFC_PROTO_MAX_MESSAGE_BYTES || ok->max_streams < 1)
        return HFC_ERR_PROTOCOL;
    return parse_model(body + 20, &ok->model);
}

size_t hfc_proto_write_hello_ok(uint8_t *body, const hfc_proto_hello_ok *ok)
{
    put32(body, HFC_PROTO_MAGIC);
    put16(body + 4, ok->version);
    put16(body + 6, 0);
    put32(body + 8, ok->max_message_bytes);
    put32(body + 12, ok->max_streams);
    put32(body + 16, ok->idle_timeout_ms);
    write_model(body + 20, &ok->model);
    return HFC_PROTO_HELLO_OK_BYTES;
}

int hfc_proto_parse_open(const uint8_t *body, size_t n_bytes, hfc_proto_open *open)
{
    if (n_bytes != HFC_PROTO_OPEN_BYTES)
        return HFC_ERR_PROTOCOL;
    open->direction = body[0];
    open->sample_format = body[1];
    open->mode = body[2];
    open->flags = body[3];
    open->sample_rate_hz = get32(body + 4);
    open->queue_messages = get32(body + 8);
    if (open->direction < HFC_PROTO_DIR_ENCODE || open->direction > HFC_PROTO_DIR_BOTH ||
        hfc_proto_bytes_per_sample(open->sample_format) == 0 ||
        open->mode > HFC_PROTO_MODE_UTTERANCE || (open->flags & ~HFC_PROTO_OPEN_DROP) != 0 ||
        (open->sample_rate_hz != 0 &&
         (open->sample_rate_hz < MIN_RATE_HZ || open->sample_rate_hz > MAX_RATE_HZ)) ||
        open->queue_messages > MAX_QUEUE)
        return HFC_ERR_PROTOCOL;
    return HFC_OK;
}

size_t hfc_proto_write_open(uint8_t *body, const hfc_proto_open *open)
{
    body[0] = open->direction;
    body[1] = open->sample_format;
    body[2] = open->mode;
    body[3] = open->flags;
    put32(body + 4, open->sample_rate_hz);
    put32(body + 8, open->queue_messages);
    return HFC_PROTO_OPEN_BYTES;
}

int hfc_proto_parse_open_ok(const uint8_t *body, size_t n_bytes, hfc_proto_open_ok *ok)
{
    if (n_bytes != HFC_PROTO_OPEN_OK_BYTES)
        return HFC_ERR_PROTOCOL;
    ok->sample_rate_hz = get32(body);
    const uint8_t *p = body + 4 + MODEL_BYTES;
    ok->encoder_latency_samples = get32(p);
    ok->decoder_latency_samples = get32(p + 4);
    ok->max_samples_per_message = get32(p + 8);
    ok->max_frames_per_message = get32(p + 12);
    ok->queue_messages = get32(p + 16);
    if (ok->sample_rate_hz < MIN_RATE_HZ || ok->sample_rate_hz > MAX_RATE_HZ ||
        ok->max_samples_per_message < 1 || ok->max_frames_per_message < 1 ||
        ok->queue_messages < 1 || ok->queue_messages > MAX_QUEUE)
        return HFC_ERR_PROTOCOL;
    return parse_model(body + 4, &ok->model);
}

size_t hfc_proto_write_open_ok(uint8_t *body, const hfc_proto_open_ok *ok)
{
    put32(body, ok->sample_rate_hz);
    write_model(body + 4, &ok->model);
    uint8_t *p = body + 4 + MODEL_BYTES;
    put32(p, ok->encoder_latency_samples);
    put32(p + 4, ok->decoder_latency_samples);
    put32(p + 8, ok->max_samples_per_message);
    put32(p + 12, ok->max_frames_per_message);
    put32(p + 16, ok->queue_messages);
    return HFC_PROTO_OPEN_OK_BYTES;
}

int hfc_proto_bytes_per_sample(int sample_format)
{
    switch (sample_format) {
    case HFC_PROTO_FORMAT_S16: return 2;
    case HFC_PROTO_FORMAT_F32: return 4;
    default: return 0;
    }
}

int hfc_proto_check_pcm(size_t n_bytes, int sample_format, uint32_t max_samples,
                        uint32_t *n_samples)
{
    int bps = hfc_proto_bytes_per_sample(sample_format);
    if (bps == 0 || n_bytes % (size_t)bps != 0 || n_bytes / (size_t)bps > max_samples)
        return HFC_ERR_PROTOCOL;
    *n_samples = (uint32_t)(n_bytes / (size_t)bps);
    return HFC_OK;
}

int hfc_proto_check_tokens(const uint8_t *body, size_t n_bytes, uint32_t n_codebooks,
                           uint32_t codebook_size, uint32_t max_frames, uint32_t *n_frames)
{
    size_t frame_bytes = 2 * (size_t)n_codebooks;
    if (frame_bytes == 0 || n_bytes % frame_bytes != 0 || n_bytes / frame_bytes > max_frames)
        return HFC_ERR_PROTOCOL;
    for (size_t i = 0; i < n_bytes; i += 2)
        if (get16(body + i) >= codebook_size)
            return HFC_ERR_BAD_TOKEN;
    *n_frames = (uint32_t)(n_bytes / frame_bytes);
    return HFC_OK;
}

void hfc_proto_read_tokens(const uint8_t *wire, size_t n_tokens, hfc_token *tokens)
{
    for (size_t i = 0; i < n_tokens; i++)
        tokens[i] = get16(wire + 2 * i);
}

void hfc_proto_write_tokens(uint8_t *wire, const hfc_token *tokens, size_t n_tokens)
{
    for (size_t i = 0; i < n_tokens; i++)
        put16(wire + 2 * i, (uint16_t)tokens[i]);
}

int hfc_proto_parse_position(const uint8_t *body, size_t n_bytes, uint64_t *position)
{
    if (n_bytes < HFC_PROTO_POSITION_BYTES)
        return HFC_ERR_PROTOCOL;
    *position = get64(body);
    return HFC_OK;
}

size_t hfc_proto_write_position(uint8_t *body, uint64_t position)
{
    put64(body, position);
    return HFC_PROTO_POSITION_BYTES;
}

int hfc_proto_parse_flush(const uint8_t *body, size_t n_bytes, uint32_t *directions)
{
    if (n_bytes != HFC_PROTO_FLUSH_BYTES)
        return HFC_ERR_PROTOCOL;
    *directions = get32(body);
    if (*directions < HFC_PROTO_DIR_ENCODE || *directions > HFC_PROTO_DIR_BOTH)
        return HFC_ERR_PROTOCOL;
    return HFC_OK;
}

size_t hfc_proto_write_flush(uint8_t *body, uint32_t directions)
{
    put32(body, directions);
    return HFC_PROTO_FLUSH_BYTES;
}

int hfc_proto_parse_error(const uint8_t *body, size_t n_bytes, hfc_proto_error *error)
{
    if (n_bytes < 4 || n_bytes > HFC_PROTO_ERROR_MAX_BYTES)
        return HFC_ERR_PROTOCOL;
    error->code = (int32_t)get32(body);
    if (error->code >= 0)
        return HFC_ERR_PROTOCOL;
    size_t n_text = n_bytes - 4;
    for (size_t i = 0; i < n_text; i++) {
        uint8_t c = body[4 + i];
        if (c == 0 || c == '\n' || c == '\r') /* one line, a C string once terminated */
            return HFC_ERR_PROTOCOL;
        error->text[i] = (char)c;
    }
    error->text[n_text] = '\0';
    return HFC_OK;
}

size_t hfc_proto_write_error(uint8_t *body, int32_t code, const char *text)
{
    size_t n_text = 0;
    put32(body, (uint32_t)code);
    for (; text[n_text] && n_text < HFC_PROTO_MAX_TEXT_BYTES; n_text++) {
        char c = text[n_text];
        body[4 + n_text] = (uint8_t)(c == '\n' || c == '\r' ? ' ' : c);
    }
    return 4 + n_text;
}

int hfc_proto_parse_stats(const uint8_t *body, size_t n_bytes, uint64_t stats[HFC_STAT_COUNT])
{
    if (n_bytes < HFC_PROTO_STATS_BYTES || n_bytes % 8 != 0)
        return HFC_ERR_PROTOCOL;
    for (int i = 0; i < HFC_STAT_COUNT; i++)
        stats[i] = get64(body + 8 * i);
    return HFC_OK;
}

size_t hfc_proto_write_stats(uint8_t *body, const uint64_t stats[HFC_STAT_COUNT])
{
    for (int i = 0; i < HFC_STAT_COUNT; i++)
        put64(body + 8 * i, stats[i]);
    return HFC_PROTO_STATS_BYTES;
}

void hfc_proto_copy_samples(void *dst, const void *src, size_t n_samples, int bytes_per_sample)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (size_t i = 0; i < n_samples; i++)
        for (int b = 0; b < bytes_per_sample; b++)
            d[i * bytes_per_sample + b] = s[i * bytes_per_sample + bytes_per_sample - 1 - b];
#else
    memcpy(dst, src, n_samples * (size_t)bytes_per_sample);
#endif
}

void hfc_proto_read_samples(const uint8_t *wire, int sample_format, size_t n_samples, float *pcm)
{
    if (sample_format == HFC_PROTO_FORMAT_S16) {
        for (size_t i = 0; i < n_samples; i++)
            pcm[i] = (float)(int16_t)get16(wire + 2 * i) * (1.0f / 32768.0f);
    } else {
        hfc_proto_copy_samples(pcm, wire, n_samples, 4);
    }
}

static uint16_t float_to_s16(float x)
{
    float y = x * 32768.0f;
    if (y != y)
        return 0;
    if (y <= -32768.0f)
        return (uint16_t)INT16_MIN;
    if (y >= 32767.0f)
        return (uint16_t)INT16_MAX;
    /* Round half away from zero, without the rounding-mode dependence of lrintf. */
    return (uint16_t)(int16_t)(y >= 0.0f ? y + 0.5f : y - 0.5f);
}

void hfc_proto_write_samples(uint8_t *wire, int sample_format, const float *pcm, size_t n_samples)
{
    if (sample_format == HFC_PROTO_FORMAT_S16) {
        for (size_t i = 0; i < n_samples; i++)
            put16(wire + 2 * i, float_to_s16(pcm[i]));
    } else {
        hfc_proto_copy_samples(wire, pcm, n_samples, 4);
    }
}

int hfc_proto_check_direction(const hfc_proto_header *header, int from_daemon)
{
    int daemon_type = (header->type & HFC_PROTO_FROM_DAEMON) != 0;
    if (daemon_type != (from_daemon != 0) || (!from_daemon && header->flags != 0))
        return HFC_ERR_PROTOCOL;
    switch (header->type) {
    case HFC_MSG_HELLO:
    case HFC_MSG_HELLO_OK:
        return header->stream == 0 ? HFC_OK : HFC_ERR_PROTOCOL;
    case HFC_MSG_STATS_REQUEST:
    case HFC_MSG_STATS:
    case HFC_MSG_ERROR:
        return HFC_OK; /* about the connection (stream 0) or one stream */
    default:
        return header->stream != 0 ? HFC_OK : HFC_ERR_PROTOCOL;
    }
}
