/* The hificodecd wire protocol (src/client/PROTOCOL.md): message layouts and their
 * pure parse/write functions, shared by the daemon and the client library.
 *
 * Every function works on a caller's byte buffer and nothing else: no I/O, no
 * allocation, no global state, so the parsers can be fuzzed on their own
 * (tests/fuzz). Parsers take the exact bytes of one SOCK_SEQPACKET message (or of one
 * body) and return HFC_OK or HFC_ERR_PROTOCOL; they never read past n_bytes. Writers
 * return the bytes written; the caller sizes buffers with the HFC_PROTO_*_BYTES
 * constants. All integers are little-endian on the wire. */
#ifndef HFC_CLIENT_PROTOCOL_H
#define HFC_CLIENT_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "hificodec.h"

#define HFC_PROTO_VERSION_MIN 1
#define HFC_PROTO_VERSION_MAX 1
#define HFC_PROTO_MAGIC 0x44434648u /* "HFCD" as little-endian bytes */

#define HFC_PROTO_HEADER_BYTES 16
/* Every message fits in this many bytes; the daemon may announce less. It stays
 * below the default socket send buffer (net.core.wmem_default, 208 KiB), which a
 * SOCK_SEQPACKET message must fit in. */
#define HFC_PROTO_MAX_MESSAGE_BYTES (1u << 17)
#define HFC_PROTO_MIN_MESSAGE_BYTES 4096u
#define HFC_PROTO_MAX_NAME_BYTES 64
#define HFC_PROTO_MAX_TEXT_BYTES 200

/* Message types. Bit 7 set: daemon to client. */
enum hfc_proto_type {
    HFC_MSG_HELLO = 0x01,
    HFC_MSG_OPEN = 0x02,
    HFC_MSG_PCM_IN = 0x03,
    HFC_MSG_TOKENS_IN = 0x04,
    HFC_MSG_FLUSH = 0x05,
    HFC_MSG_CLOSE = 0x06,
    HFC_MSG_STATS_REQUEST = 0x07,
    HFC_MSG_HELLO_OK = 0x81,
    HFC_MSG_OPEN_OK = 0x82,
    HFC_MSG_TOKENS_OUT = 0x83,
    HFC_MSG_PCM_OUT = 0x84,
    HFC_MSG_FLUSHED = 0x85,
    HFC_MSG_CLOSED = 0x86,
    HFC_MSG_STATS = 0x87,
    HFC_MSG_DROPPED = 0x88,
    HFC_MSG_ERROR = 0x8f
};

#define HFC_PROTO_FROM_DAEMON 0x80

/* Stream directions (bits) and sample formats, as in OPEN. */
enum { HFC_PROTO_DIR_ENCODE = 1, HFC_PROTO_DIR_DECODE = 2, HFC_PROTO_DIR_BOTH = 3 };
enum { HFC_PROTO_FORMAT_S16 = 1, HFC_PROTO_FORMAT_F32 = 2 };
enum { HFC_PROTO_MODE_STREAM = 0, HFC_PROTO_MODE_UTTERANCE = 1 };
#define HFC_PROTO_OPEN_DROP 0x01u        /* OPEN flags: drop input when the queue is full */
#define HFC_PROTO_MODEL_CAUSAL 0x01u     /* model_flags */

/* Header flags. MORE: from the daemon only, on every message of a reply but its
 * last (a reply to one request may take several messages). */
#define HFC_PROTO_FLAG_MORE 0x0001u

typedef struct hfc_proto_header {
    uint16_t type;       /* enum hfc_proto_type */
    uint16_t flags;      /* HFC_PROTO_FLAG_* */
    uint32_t stream;     /* 0: the connection; else a stream id the client chose */
    uint32_t seq;        /* the client's number for a request; echoed in its replies */
    uint32_t body_bytes; /* bytes after the header: the message's size minus 16 */
} hfc_proto_header;

/* Parses the header of one whole message of n_bytes. HFC_ERR_PROTOCOL when it is
 * shorter than a header, body_bytes disagrees with n_bytes, the type is unknown or an
 * unknown flag is set. */
int hfc_proto_parse_header(const uint8_t *msg, size_t n_bytes, hfc_proto_header *header);
size_t hfc_proto_write_header(uint8_t *msg, const hfc_proto_header *header);

/* The stream and seq fields of a message too malformed to parse, as far as its
 * n_bytes hold them (else 0): to address the error about it. */
void hfc_proto_peek_ids(const uint8_t *msg, size_t n_bytes, uint32_t *stream, uint32_t *seq);

/* Writes a whole message (header + body_bytes of body, which may alias msg +
 * HFC_PROTO_HEADER_BYTES) and returns its size. */
size_t hfc_proto_write_message(uint8_t *msg, uint16_t type, uint16_t flags, uint32_t stream,
                               uint32_t seq, const void *body, size_t body_bytes);

/* HELLO, client -> daemon: which protocol versions the client speaks. */
#define HFC_PROTO_HELLO_BYTES 12
typedef struct hfc_proto_hello {
    uint16_t min_version, max_version;
    char name[HFC_PROTO_MAX_NAME_BYTES + 1]; /* printable ASCII, for the daemon's log */
} hfc_proto_hello;
int hfc_proto_parse_hello(const uint8_t *body, size_t n_bytes, hfc_proto_hello *hello);
size_t hfc_proto_write_hello(uint8_t *body, const hfc_proto_hello *hello);

/* The version both sides speak, or 0 when the ranges do not meet. */
int hfc_proto_negotiate(const hfc_proto_hello *hello);

/* HELLO_OK, daemon -> client: the chosen version, the daemon's limits and its model. */
#define HFC_PROTO_HELLO_OK_BYTES 48
typedef struct hfc_proto_model {
    uint32_t sample_rate_hz, hop_samples, n_codebooks, codebook_size;
    uint32_t flags;      /* HFC_PROTO_MODEL_* */
    uint64_t model_id;
} hfc_proto_model;
typedef struct hfc_proto_hello_ok {
    uint16_t version;
    uint32_t max_message_bytes;
    uint32_t max_streams;      /* per connection */
    uint32_t idle_timeout_ms;  /* 0: none */
    hfc_proto_model model;     /* the model new streams get */
} hfc_proto_hello_ok;
int hfc_proto_parse_hello_ok(const uint8_t *body, size_t n_bytes, hfc_proto_hello_ok *ok);
size_t hfc_proto_write_hello_ok(uint8_t *body, const hfc_proto_hello_ok *ok);

/* OPEN, client -> daemon; the stream id is the header's. */
#define HFC_PROTO_OPEN_BYTES 12
typedef struct hfc_proto_open {
    uint8_t direction;       /* HFC_PROTO_DIR_* */
    uint8_t sample_format;   /* HFC_PROTO_FORMAT_* */
    uint8_t mode;            /* HFC_PROTO_MODE_* */
    uint8_t flags;           /* HFC_PROTO_OPEN_* */
    uint32_t sample_rate_hz; /* the client's PCM rate; 0: the model's */
    uint32_t queue_messages; /* input queue depth wanted; 0: the daemon's default */
} hfc_proto_open;
int hfc_proto_parse_open(const uint8_t *body, size_t n_bytes, hfc_proto_open *open);
size_t hfc_proto_write_open(uint8_t *body, const hfc_proto_open *open);

/* OPEN_OK, daemon -> client. */
#define HFC_PROTO_OPEN_OK_BYTES 52
typedef struct hfc_proto_open_ok {
    uint32_t sample_rate_hz;          /* the client-side PCM rate in use */
    hfc_proto_model model;            /* the model this stream uses, for its lifetime */
    uint32_t encoder_latency_samples; /* at the model's rate; 0 without an encoder */
    uint32_t decoder_latency_samples;
    uint32_t max_samples_per_message; /* PCM_IN limit, at the client's rate */
    uint32_t max_frames_per_message;  /* TOKENS_IN limit */
    uint32_t queue_messages;          /* input queue depth granted */
} hfc_proto_open_ok;
int hfc_proto_parse_open_ok(const uint8_t *body, size_t n_bytes, hfc_proto_open_ok *ok);
size_t hfc_proto_write_open_ok(uint8_t *body, const hfc_proto_open_ok *ok);

/* PCM_IN body: samples only. Checks that n_bytes is a whole number of samples of
 * format and at most max_samples; stores the count. Sample values are not checked
 * here (NaN/Inf is the codec's call). */
int hfc_proto_check_pcm(size_t n_bytes, int sample_format, uint32_t max_samples,
                        uint32_t *n_samples);
int hfc_proto_bytes_per_sample(int sample_format); /* 0 for an unknown format */

/* TOKENS_IN body: n_frames x n_codebooks uint16 tokens, frame-major. Checks the
 * size (whole frames, at most max_frames: else HFC_ERR_PROTOCOL) and every token
 * against codebook_size (else HFC_ERR_BAD_TOKEN); stores the frame count. */
int hfc_proto_check_tokens(const uint8_t *body, size_t n_bytes, uint32_t n_codebooks,
                           uint32_t codebook_size, uint32_t max_frames, uint32_t *n_frames);
void hfc_proto_read_tokens(const uint8_t *wire, size_t n_tokens, hfc_token *tokens);
/* Tokens must be in [0, 65535] (codebook sizes are at most 65536). */
void hfc_proto_write_tokens(uint8_t *wire, const hfc_token *tokens, size_t n_tokens);

/* TOKENS_OUT and PCM_OUT bodies start with the position of their first frame or
 * sample in the stream's output, then tokens or samples as above. */
#define HFC_PROTO_POSITION_BYTES 8
int hfc_proto_parse_position(const uint8_t *body, size_t n_bytes, uint64_t *position);
size_t hfc_proto_write_position(uint8_t *body, uint64_t position);

/* FLUSH (client) and FLUSHED (daemon): the directions, HFC_PROTO_DIR_* bits. */
#define HFC_PROTO_FLUSH_BYTES 4
int hfc_proto_parse_flush(const uint8_t *body, size_t n_bytes, uint32_t *directions);
size_t hfc_proto_write_flush(uint8_t *body, uint32_t directions);

/* ERROR, daemon -> client: an enum hfc_status and one line of text. */
typedef struct hfc_proto_error {
    int32_t code;
    char text[HFC_PROTO_MAX_TEXT_BYTES + 1]; /* NUL-terminated after parsing */
} hfc_proto_error;
int hfc_proto_parse_error(const uint8_t *body, size_t n_bytes, hfc_proto_error *error);
/* Truncates text to HFC_PROTO_MAX_TEXT_BYTES. */
size_t hfc_proto_write_error(uint8_t *body, int32_t code, const char *text);
#define HFC_PROTO_ERROR_MAX_BYTES (4 + HFC_PROTO_MAX_TEXT_BYTES)

/* STATS, daemon -> client: counters as uint64, in this order. Later versions only
 * append, so a reader takes the fields it knows and ignores the rest. */
enum hfc_proto_stat {
    HFC_STAT_CONNECTIONS,
    HFC_STAT_STREAMS,
    HFC_STAT_WORKERS,
    HFC_STAT_CPU_BUDGET_PERMILLE,    /* real-time CPU the daemon admits streams up to */
    HFC_STAT_CPU_COMMITTED_PERMILLE, /* what the open streams need, as measured */
    HFC_STAT_ENCODE_US_PER_FRAME,    /* measured CPU time, current model */
    HFC_STAT_DECODE_US_PER_FRAME,
    HFC_STAT_FRAMES_ENCODED,
    HFC_STAT_FRAMES_DECODED,
    HFC_STAT_INPUTS_DROPPED,
    HFC_STAT_LATENCY_P50_US,         /* receipt to reply sent, inside the daemon */
    HFC_STAT_LATENCY_P99_US,
    HFC_STAT_STREAM_INPUTS,          /* the rest: the stream in the header; 0 for stream 0 */
    HFC_STAT_STREAM_FRAMES_OUT,
    HFC_STAT_STREAM_SAMPLES_OUT,
    HFC_STAT_STREAM_DROPPED,
    HFC_STAT_STREAM_QUEUED,
    HFC_STAT_COUNT
};
#define HFC_PROTO_STATS_BYTES (8 * HFC_STAT_COUNT)
int hfc_proto_parse_stats(const uint8_t *body, size_t n_bytes, uint64_t stats[HFC_STAT_COUNT]);
size_t hfc_proto_write_stats(uint8_t *body, const uint64_t stats[HFC_STAT_COUNT]);

/* Samples on the wire are little-endian int16 or IEEE float. These convert between
 * the wire and the host's own int16_t/float (a copy on little-endian hosts). */
void hfc_proto_copy_samples(void *dst, const void *src, size_t n_samples, int bytes_per_sample);
/* Wire samples of format to float: s16 / 32768. */
void hfc_proto_read_samples(const uint8_t *wire, int sample_format, size_t n_samples, float *pcm);
/* Float to wire samples: s16 is round(x * 32768) clipped to [-32768, 32767]. */
void hfc_proto_write_samples(uint8_t *wire, int sample_format, const float *pcm, size_t n_samples);

/* Checks that a message of this type may be sent by this side (from_daemon 0/1),
 * carries only that side's flags and names the stream it must: 0 for HELLO and
 * HELLO_OK, a stream for the stream messages, either for STATS_REQUEST, STATS and
 * ERROR. */
int hfc_proto_check_direction(const hfc_proto_header *header, int from_daemon);

#endif
