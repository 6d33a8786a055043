/* hfc_client: connecting to hificodecd, the version handshake, sending, and the
 * connection's bookkeeping of its streams. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client/client_internal.h"

void hfc_client_options_init(hfc_client_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof *options);
    options->timeout_ms = 10000;
}

void hfc_client_note_model(hfc_client_info *info, const hfc_proto_model *model)
{
    info->sample_rate_hz = (int)model->sample_rate_hz;
    info->hop_samples = (int)model->hop_samples;
    info->n_codebooks = (int)model->n_codebooks;
    info->codebook_size = (int)model->codebook_size;
    info->causal = (model->flags & HFC_PROTO_MODEL_CAUSAL) != 0;
    info->model_id = model->model_id;
}

int64_t hfc_client_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hfc_client_remaining_ms(int timeout_ms, int64_t start_ms)
{
    if (timeout_ms < 0)
        return -1;
    int64_t left = start_ms + timeout_ms - hfc_client_now_ms();
    return left > 0 ? (int)left : 0;
}

static void client_log(const hfc_client *client, int level, const char *what, const char *why)
{
    if (!client->log)
        return;
    char line[320];
    snprintf(line, sizeof line, "hificodecd client: %s: %s", what, why);
    client->log(client->log_user, level, line);
}

static int connect_socket(const char *path, int *status)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        *status = HFC_ERR_INVALID_ARG;
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        *status = errno == EACCES || errno == EPERM ? HFC_ERR_REFUSED : HFC_ERR_IO;
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* After HELLO_OK: buffers for the largest message the daemon allows. */
static int size_buffers(hfc_client *client)
{
    size_t max = (size_t)client->info.max_message_bytes;
    uint8_t *send_buf = realloc(client->send_buf, max);
    if (send_buf)
        client->send_buf = send_buf;
    uint8_t *recv_buf = realloc(client->recv_buf, max);
    if (recv_buf) {
        client->recv_buf = recv_buf;
        client->recv_cap = max;
    }
    client->tokens = malloc(max / 2 * sizeof *client->tokens);
    client->pcm = malloc(max);
    return send_buf && recv_buf && client->tokens && client->pcm ? HFC_OK : HFC_ERR_NO_MEMORY;
}

static int handshake(hfc_client *client, const char *name)
{
    hfc_proto_hello hello = {HFC_PROTO_VERSION_MIN, HFC_PROTO_VERSION_MAX, ""};
    if (name)
        snprintf(hello.name, sizeof hello.name, "%s", name);
    int64_t seq = hfc_client_send_message(client, HFC_MSG_HELLO, 0,
                                          hfc_proto_write_hello(hfc_client_body(client), &hello));
    if (seq < 0)
        return (int)seq;
    int st = hfc_client_wait_reply(client, 0, (uint32_t)seq);
    if (st != HFC_OK)
        return st;
    if (client->current.header.type != HFC_MSG_HELLO_OK)
        return hfc_client_reply_status(client);
    hfc_proto_hello_ok ok;
    const uint8_t *body = client->recv_buf + HFC_PROTO_HEADER_BYTES;
    hfc_proto_parse_hello_ok(body, client->current.header.body_bytes, &ok); /* validated */
    hfc_client_info *info = &client->info;
    info->protocol_version = ok.version;
    info->max_message_bytes = (int)ok.max_message_bytes;
    info->max_streams = (int)ok.max_streams;
    info->idle_timeout_ms = (int)ok.idle_timeout_ms;
    hfc_client_note_model(info, &ok.model);
    return size_buffers(client);
}

hfc_client *hfc_client_create(const char *socket_path, const hfc_client_options *options,
                              int *status)
{
    hfc_client_options defaults;
    if (!options) {
        hfc_client_options_init(&defaults);
        options = &defaults;
    }
    int st = HFC_OK;
    hfc_client *client = NULL;
    if (!socket_path || options->timeout_ms < -1)
        st = HFC_ERR_INVALID_ARG;
    else if (!(client = calloc(1, sizeof *client)))
        st = HFC_ERR_NO_MEMORY;
    if (client) {
        client->fd = -1;
        client->timeout_ms = options->timeout_ms;
        client->log = options->log;
        client->log_user = options->log_user;
        client->next_stream = 1;
        /* Until HELLO_OK says the daemon's limit: room for HELLO and its answer. */
        client->recv_cap = HFC_PROTO_HEADER_BYTES + HFC_PROTO_ERROR_MAX_BYTES;
        client->send_buf = malloc(HFC_PROTO_HEADER_BYTES + HFC_PROTO_HELLO_BYTES +
                                  HFC_PROTO_MAX_NAME_BYTES);
        client->recv_buf = malloc(client->recv_cap);
        if (!client->send_buf || !client->recv_buf)
            st = HFC_ERR_NO_MEMORY;
        else if ((client->fd = connect_socket(socket_path, &st)) < 0)
            client_log(client, HFC_LOG_ERROR, socket_path, strerror(errno));
        else
            st = handshake(client, options->name);
        if (st != HFC_OK) {
            hfc_client_destroy(client);
            client = NULL;
        }
    }
    if (status)
        *status = st;
    return client;
}

void hfc_client_destroy(hfc_client *client)
{
    if (!client)
        return;
    if (client->fd >= 0)
        close(client->fd);
    while (client->stash_head) {
        hfc_client_message *next = client->stash_head->next;
        free(client->stash_head);
        client->stash_head = next;
    }
    free(client->send_buf);
    free(client->recv_buf);
    free(client->tokens);
    free(client->pcm);
    free(client->streams);
    free(client);
}

int hfc_client_get_info(const hfc_client *client, hfc_client_info *info)
{
    if (!client || !info)
        return HFC_ERR_INVALID_ARG;
    *info = client->info;
    return HFC_OK;
}

int hfc_client_fd(const hfc_client *client)
{
    return client ? client->fd : HFC_ERR_INVALID_ARG;
}

hfc_client_stream_entry *hfc_client_find_stream(hfc_client *client, int id)
{
    for (int i = 0; i < client->n_streams; i++)
        if (client->streams[i].id == id)
            return &client->streams[i];
    return NULL;
}

void hfc_client_forget_stream(hfc_client *client, int id)
{
    hfc_client_stream_entry *entry = hfc_client_find_stream(client, id);
    if (entry)
        *entry = client->streams[--client->n_streams];
}

/* A send failed for good. The daemon may have said why before closing (a refusal
 * at connect, a timeout): that ERROR, if it is there, gives the status. */
static int peer_gone(hfc_client *client, int err)
{
    int st = err == EPIPE || err == ECONNRESET ? HFC_ERR_CLOSED : HFC_ERR_IO;
    if (hfc_client_read_socket(client, 0) == HFC_OK &&
        client->current.header.type == HFC_MSG_ERROR)
        st = hfc_client_reply_status(client);
    client->failed = st;
    return st;
}

int64_t hfc_client_send_message(hfc_client *client, uint16_t type, int stream, size_t body_bytes)
{
    if (client->failed)
        return client->failed;
    uint32_t seq = client->next_seq;
    client->next_seq = (client->next_seq + 1) & 0x7fffffffu; /* stays a positive int64 */
    size_t n = hfc_proto_write_message(client->send_buf, type, 0, (uint32_t)stream, seq,
                                       hfc_client_body(client), body_bytes);
    int64_t start = hfc_client_now_ms();
    for (;;) {
        if (send(client->fd, client->send_buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n)
            return seq;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return peer_gone(client, errno);
        /* The daemon pushes back. Keep reading meanwhile: it may be waiting for us
         * to take its replies before it takes more requests. */
        struct pollfd pfd = {client->fd, POLLIN | POLLOUT, 0};
        int left = hfc_client_remaining_ms(client->timeout_ms, start);
        int ready = poll(&pfd, 1, left);
        if (ready < 0 && errno != EINTR)
            return HFC_ERR_IO;
        if (ready == 0)
            return HFC_ERR_TIMEOUT;
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            int st = hfc_client_read_socket(client, 0);
            if (st == HFC_OK)
                st = hfc_client_stash_current(client);
            if (st != HFC_OK && st != HFC_ERR_TIMEOUT)
                return st;
        }
    }
}
