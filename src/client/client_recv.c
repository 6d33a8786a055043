/* Receiving: each message is validated when it comes off the socket (against the
 * stream it names, whose bookkeeping it may change), then either handed out or
 * kept in the stash for later, in arrival order. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "client/client_internal.h"

static int fail(hfc_client *client, int status)
{
    if (!client->failed)
        client->failed = status;
    return status;
}

static void log_error(hfc_client *client, const hfc_proto_header *header, const char *text)
{
    if (!client->log)
        return;
    char line[HFC_PROTO_MAX_TEXT_BYTES + 64];
    if (header->stream)
        snprintf(line, sizeof line, "hificodecd: stream %u: %s", header->stream, text);
    else
        snprintf(line, sizeof line, "hificodecd: %s", text);
    client->log(client->log_user, HFC_LOG_ERROR, line);
}

static void note_open_ok(hfc_client *client, hfc_client_stream_entry *entry, const uint8_t *body)
{
    hfc_proto_open_ok ok;
    hfc_proto_parse_open_ok(body, HFC_PROTO_OPEN_OK_BYTES, &ok);
    entry->open = 1;
    entry->n_codebooks = ok.model.n_codebooks;
    entry->codebook_size = ok.model.codebook_size;
    entry->max_samples = ok.max_samples_per_message;
    entry->max_frames = ok.max_frames_per_message;
    hfc_client_note_model(&client->info, &ok.model);
}

/* Checks the message in recv_buf against the protocol and the stream it names,
 * and applies what it means for the stream table. */
static int validate(hfc_client *client, size_t n_bytes)
{
    hfc_client_message *m = &client->current;
    hfc_proto_header *h = &m->header;
    if (hfc_proto_parse_header(client->recv_buf, n_bytes, h) != HFC_OK ||
        hfc_proto_check_direction(h, 1) != HFC_OK)
        return HFC_ERR_PROTOCOL;
    m->n_bytes = n_bytes;
    m->bytes = client->recv_buf;
    m->bytes_per_sample = 0;
    m->n_codebooks = 0;
    const uint8_t *body = client->recv_buf + HFC_PROTO_HEADER_BYTES;
    size_t n_body = h->body_bytes;
    hfc_client_stream_entry *entry = h->stream ? hfc_client_find_stream(client, (int)h->stream)
                                               : NULL;
    /* Only errors may name a stream the client does not have (its own mistake). */
    if (h->stream && !entry && h->type != HFC_MSG_ERROR)
        return HFC_ERR_PROTOCOL;
    if (entry && !entry->open && h->type != HFC_MSG_OPEN_OK && h->type != HFC_MSG_ERROR)
        return HFC_ERR_PROTOCOL;
    uint64_t position;
    uint32_t count, directions;
    hfc_proto_hello_ok hello_ok;
    hfc_proto_open_ok open_ok;
    uint64_t stats[HFC_STAT_COUNT];
    switch (h->type) {
    case HFC_MSG_HELLO_OK:
        return hfc_proto_parse_hello_ok(body, n_body, &hello_ok);
    case HFC_MSG_OPEN_OK:
        if (entry->open || hfc_proto_parse_open_ok(body, n_body, &open_ok) != HFC_OK)
            return HFC_ERR_PROTOCOL;
        note_open_ok(client, entry, body);
        return HFC_OK;
    case HFC_MSG_TOKENS_OUT:
        m->n_codebooks = entry->n_codebooks;
        if (!(entry->direction & HFC_PROTO_DIR_ENCODE) ||
            hfc_proto_parse_position(body, n_body, &position) != HFC_OK)
            return HFC_ERR_PROTOCOL;
        return hfc_proto_check_tokens(body + HFC_PROTO_POSITION_BYTES,
                                      n_body - HFC_PROTO_POSITION_BYTES, entry->n_codebooks,
                                      entry->codebook_size, UINT32_MAX, &count) == HFC_OK
                   ? HFC_OK
                   : HFC_ERR_PROTOCOL;
    case HFC_MSG_PCM_OUT:
        m->bytes_per_sample = hfc_proto_bytes_per_sample(entry->sample_format);
        if (!(entry->direction & HFC_PROTO_DIR_DECODE) ||
            hfc_proto_parse_position(body, n_body, &position) != HFC_OK)
            return HFC_ERR_PROTOCOL;
        return hfc_proto_check_pcm(n_body - HFC_PROTO_POSITION_BYTES, entry->sample_format,
                                   UINT32_MAX, &count);
    case HFC_MSG_FLUSHED:
        return hfc_proto_parse_flush(body, n_body, &directions);
    case HFC_MSG_CLOSED:
    case HFC_MSG_DROPPED:
        if (n_body != 0)
            return HFC_ERR_PROTOCOL;
        if (h->type == HFC_MSG_CLOSED)
            hfc_client_forget_stream(client, (int)h->stream);
        return HFC_OK;
    case HFC_MSG_STATS:
        return hfc_proto_parse_stats(body, n_body, stats);
    case HFC_MSG_ERROR:
        if (hfc_proto_parse_error(body, n_body, &client->error) != HFC_OK)
            return HFC_ERR_PROTOCOL;
        log_error(client, h, client->error.text);
        if (entry) /* the daemon closed the stream */
            hfc_client_forget_stream(client, (int)h->stream);
        return HFC_OK;
    default:
        return HFC_ERR_PROTOCOL;
    }
}

int hfc_client_read_socket(hfc_client *client, int timeout_ms)
{
    if (client->failed)
        return client->failed;
    struct pollfd pfd = {client->fd, POLLIN, 0};
    int64_t start = hfc_client_now_ms();
    for (;;) {
        int ready = poll(&pfd, 1, hfc_client_remaining_ms(timeout_ms, start));
        if (ready > 0)
            break;
        if (ready == 0)
            return HFC_ERR_TIMEOUT;
        if (errno != EINTR)
            return fail(client, HFC_ERR_IO);
    }
    struct iovec iov = {client->recv_buf, client->recv_cap};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = recvmsg(client->fd, &msg, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return HFC_ERR_TIMEOUT;
    if (n < 0)
        return fail(client, errno == ECONNRESET ? HFC_ERR_CLOSED : HFC_ERR_IO);
    if (n == 0)
        return fail(client, HFC_ERR_CLOSED);
    if ((msg.msg_flags & MSG_TRUNC) || validate(client, (size_t)n) != HFC_OK)
        return fail(client, HFC_ERR_PROTOCOL);
    return HFC_OK;
}

int hfc_client_stash_current(hfc_client *client)
{
    const hfc_client_message *cur = &client->current;
    hfc_client_message *m = malloc(sizeof *m + cur->n_bytes);
    if (!m)
        return HFC_ERR_NO_MEMORY;
    *m = *cur;
    m->next = NULL;
    m->bytes = (uint8_t *)(m + 1);
    memcpy(m->bytes, cur->bytes, cur->n_bytes);
    if (client->stash_tail)
        client->stash_tail->next = m;
    else
        client->stash_head = m;
    client->stash_tail = m;
    return HFC_OK;
}

/* Makes the stashed message after prev (NULL: the first) current, and frees it. */
static void unstash(hfc_client *client, hfc_client_message *prev)
{
    hfc_client_message *m = prev ? prev->next : client->stash_head;
    if (prev)
        prev->next = m->next;
    else
        client->stash_head = m->next;
    if (client->stash_tail == m)
        client->stash_tail = prev;
    memcpy(client->recv_buf, m->bytes, m->n_bytes);
    client->current = *m;
    client->current.bytes = client->recv_buf;
    client->current.next = NULL;
    free(m);
}

int hfc_client_wait_reply(hfc_client *client, int stream, uint32_t seq)
{
    hfc_client_message *prev = NULL;
    for (hfc_client_message *m = client->stash_head; m; prev = m, m = m->next) {
        if (m->header.stream == (uint32_t)stream && m->header.seq == seq) {
            unstash(client, prev);
            return HFC_OK;
        }
    }
    int64_t start = hfc_client_now_ms();
    for (;;) {
        int st = hfc_client_read_socket(client, hfc_client_remaining_ms(client->timeout_ms, start));
        if (st != HFC_OK)
            return st;
        const hfc_proto_header *h = &client->current.header;
        if (h->stream == (uint32_t)stream && h->seq == seq)
            return HFC_OK;
        if ((st = hfc_client_stash_current(client)) != HFC_OK)
            return st;
    }
}

int hfc_client_reply_status(hfc_client *client)
{
    const hfc_client_message *m = &client->current;
    switch (m->header.type) {
    case HFC_MSG_ERROR:
        hfc_proto_parse_error(m->bytes + HFC_PROTO_HEADER_BYTES, m->header.body_bytes,
                              &client->error);
        return client->error.code;
    case HFC_MSG_DROPPED: return HFC_ERR_REFUSED;
    default: return HFC_OK;
    }
}

int hfc_client_decode_event(hfc_client *client, hfc_client_event *event)
{
    const hfc_client_message *m = &client->current;
    const uint8_t *body = m->bytes + HFC_PROTO_HEADER_BYTES;
    size_t n_body = m->header.body_bytes;
    memset(event, 0, sizeof *event);
    event->stream = (int)m->header.stream;
    event->seq = m->header.seq;
    event->more = (m->header.flags & HFC_PROTO_FLAG_MORE) != 0;
    uint64_t position = 0;
    switch (m->header.type) {
    case HFC_MSG_TOKENS_OUT: {
        hfc_proto_parse_position(body, n_body, &position);
        size_t n_tokens = (n_body - HFC_PROTO_POSITION_BYTES) / 2;
        hfc_proto_read_tokens(body + HFC_PROTO_POSITION_BYTES, n_tokens, client->tokens);
        event->type = HFC_CLIENT_EVENT_TOKENS;
        event->n = (int64_t)(n_tokens / m->n_codebooks);
        event->tokens = client->tokens;
        break;
    }
    case HFC_MSG_PCM_OUT: {
        hfc_proto_parse_position(body, n_body, &position);
        size_t n_samples = (n_body - HFC_PROTO_POSITION_BYTES) / (size_t)m->bytes_per_sample;
        hfc_proto_copy_samples(client->pcm, body + HFC_PROTO_POSITION_BYTES, n_samples,
                               m->bytes_per_sample);
        event->type = HFC_CLIENT_EVENT_PCM;
        event->n = (int64_t)n_samples;
        event->pcm = client->pcm;
        break;
    }
    case HFC_MSG_FLUSHED: event->type = HFC_CLIENT_EVENT_FLUSHED; break;
    case HFC_MSG_CLOSED: event->type = HFC_CLIENT_EVENT_CLOSED; break;
    case HFC_MSG_DROPPED: event->type = HFC_CLIENT_EVENT_DROPPED; break;
    case HFC_MSG_ERROR:
        hfc_proto_parse_error(body, n_body, &client->error);
        event->type = HFC_CLIENT_EVENT_ERROR;
        event->status = client->error.code;
        event->text = client->error.text;
        break;
    default:
        return HFC_ERR_STATE;
    }
    event->position = (int64_t)position;
    return HFC_OK;
}

int hfc_client_receive(hfc_client *client, hfc_client_event *event, int timeout_ms)
{
    if (!client || !event || timeout_ms < -1)
        return HFC_ERR_INVALID_ARG;
    int64_t start = hfc_client_now_ms();
    for (;;) {
        if (client->stash_head) {
            unstash(client, NULL);
        } else {
            int st = hfc_client_read_socket(client, hfc_client_remaining_ms(timeout_ms, start));
            if (st != HFC_OK)
                return st;
        }
        if (hfc_client_decode_event(client, event) == HFC_OK)
            return HFC_OK;
    }
}
