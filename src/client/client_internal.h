/* The client library's connection object, shared by its files: client.c (socket,
 * handshake), client_recv.c (receiving, validation, the stash, events),
 * client_stream.c (stream requests) and client_utterance.c. */
#ifndef HFC_CLIENT_INTERNAL_H
#define HFC_CLIENT_INTERNAL_H

#include "client/protocol.h"
#include "hificodec.h"

/* What the client knows of one of its streams, to validate and decode replies. */
typedef struct hfc_client_stream_entry {
    int id;
    int open;              /* 0 while OPEN awaits its answer */
    int direction;
    int sample_format;
    int mode;
    uint32_t n_codebooks;
    uint32_t codebook_size;
    uint32_t max_samples;  /* per PCM_IN */
    uint32_t max_frames;   /* per TOKENS_IN */
} hfc_client_stream_entry;

/* A received message, validated on arrival. bytes_per_sample and n_codebooks are
 * its stream's at arrival, so it decodes even after the stream is gone. */
typedef struct hfc_client_message {
    struct hfc_client_message *next; /* in the stash */
    hfc_proto_header header;
    int bytes_per_sample;
    uint32_t n_codebooks;
    size_t n_bytes;
    uint8_t *bytes;                  /* whole message; in the stash, right after this */
} hfc_client_message;

struct hfc_client {
    int fd;
    int timeout_ms;
    hfc_log_fn log;
    void *log_user;
    hfc_client_info info;
    int failed;                  /* a connection-level status every call returns */
    uint32_t next_seq;
    int next_stream;

    uint8_t *send_buf;           /* one message; capacity info.max_message_bytes */
    uint8_t *recv_buf;           /* the current message */
    size_t recv_cap;
    hfc_client_message current;  /* the message in recv_buf */
    /* Messages that arrived while a call waited for another, oldest first. */
    hfc_client_message *stash_head, *stash_tail;
    hfc_token *tokens;           /* the current TOKENS_OUT, decoded */
    void *pcm;                   /* the current PCM_OUT, in host byte order */
    hfc_proto_error error;       /* the current ERROR, decoded */

    hfc_client_stream_entry *streams;
    int n_streams, cap_streams;
};

/* Milliseconds on CLOCK_MONOTONIC, and what is left of timeout_ms (-1: forever)
 * started at start_ms, as poll() takes it. */
int64_t hfc_client_now_ms(void);
int hfc_client_remaining_ms(int timeout_ms, int64_t start_ms);

/* The model fields of info from the model a HELLO_OK or OPEN_OK names: what
 * new streams get (after a reload, what the last opened stream got). */
void hfc_client_note_model(hfc_client_info *info, const hfc_proto_model *model);

hfc_client_stream_entry *hfc_client_find_stream(hfc_client *client, int id);
void hfc_client_forget_stream(hfc_client *client, int id);

/* The body of the next message to send (capacity info.max_message_bytes - 16). */
static inline uint8_t *hfc_client_body(hfc_client *client)
{
    return client->send_buf + HFC_PROTO_HEADER_BYTES;
}

/* Sends the message whose body is in hfc_client_body(); returns its seq (>= 0) or a
 * status. Waits for room up to the client's timeout, stashing what arrives. */
int64_t hfc_client_send_message(hfc_client *client, uint16_t type, int stream, size_t body_bytes);

/* Reads one message from the socket into recv_buf and validates it (a connection
 * failure also sets client->failed). HFC_OK, HFC_ERR_TIMEOUT or a status. */
int hfc_client_read_socket(hfc_client *client, int timeout_ms);

/* Moves the message in recv_buf to the end of the stash. */
int hfc_client_stash_current(hfc_client *client);

/* Waits for the reply to request seq of stream, stashing the other messages; it
 * is then the current message. HFC_OK or a status. */
int hfc_client_wait_reply(hfc_client *client, int stream, uint32_t seq);

/* Waits for the reply to request seq (a status when seq is one) and gathers its
 * TOKENS_OUT or PCM_OUT pieces (piece) into out, which holds max_units frames or
 * samples, until a message of type until (FLUSHED), or with until 0 the piece
 * without the MORE flag. Returns the units gathered, HFC_ERR_BUFFER_TOO_SMALL (the
 * reply is read to its end all the same), an ERROR's status, or HFC_ERR_REFUSED
 * for DROPPED. */
int64_t hfc_client_gather(hfc_client *client, int stream, int64_t seq, uint16_t piece,
                          uint16_t until, void *out, int64_t max_units);

/* Decodes the current message into *event. HFC_OK, or HFC_ERR_STATE for a message
 * that is no event (a late OPEN_OK or STATS), which callers skip. */
int hfc_client_decode_event(hfc_client *client, hfc_client_event *event);

/* The status of the current message when it is an ERROR (its text goes to the
 * log callback) or DROPPED; HFC_OK for anything else. */
int hfc_client_reply_status(hfc_client *client);

#endif
