/* One table of settings serves the config file ("key = value" lines) and the
 * command line ("--key value" or "--key=value"), so the two never drift apart. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/protocol.h"
#include "hificodec.h"
#include "log.h"

enum kind { STRING, INT, DOUBLE, MODE, UIDS, GIDS, LEVEL };

typedef struct setting {
    const char *key;
    enum kind kind;
    size_t offset;
    double min, max;
    const char *help;
} setting;

#define AT(field) offsetof(hfcd_config, field)

static const setting settings[] = {
    {"model", STRING, AT(model), 0, 0, "model file (.safetensors)"},
    {"socket", STRING, AT(socket_path), 0, 0, "socket path (without socket activation)"},
    {"socket-mode", MODE, AT(socket_mode), 0, 0777, "socket permissions, octal"},
    {"socket-group", STRING, AT(socket_group), 0, 0, "socket group, name or number"},
    {"threads", INT, AT(threads), 0, 256, "real-time worker threads; 0: one per CPU"},
    {"batch-streams", INT, AT(batch_streams), 1, 64,
     "most streams due together a worker runs as one batch; 1: one at a time"},
    {"max-clients", INT, AT(max_clients), 1, 100000, "connections at once"},
    {"max-streams", INT, AT(max_streams), 1, 100000, "streams at once, all clients"},
    {"max-streams-per-client", INT, AT(max_streams_per_client), 1, 4096, "streams per connection"},
    {"ready-streams", INT, AT(ready_streams), 1, 4096,
     "streams whose codecs are made ahead, so that opening them costs the others nothing"},
    {"max-message-bytes", INT, AT(max_message_bytes), HFC_PROTO_MIN_MESSAGE_BYTES,
     HFC_PROTO_MAX_MESSAGE_BYTES, "largest message accepted or sent"},
    {"queue-messages", INT, AT(queue_messages), 1, 1024, "default input queue per stream"},
    {"max-queue-messages", INT, AT(max_queue_messages), 1, 1024, "largest queue a client may ask"},
    {"idle-timeout-ms", INT, AT(idle_timeout_ms), 0, 86400000,
     "close silent connections; 0: never"},
    {"hello-timeout-ms", INT, AT(hello_timeout_ms), 100, 600000, "time to say HELLO"},
    {"stall-timeout-ms", INT, AT(stall_timeout_ms), 100, 3600000,
     "close clients that leave replies unread this long"},
    {"drain-timeout-ms", INT, AT(drain_timeout_ms), 0, 3600000, "SIGTERM: time streams may finish"},
    {"cpu-budget", DOUBLE, AT(cpu_budget), 0, 1,
     "share of the workers' CPU real-time streams may need; 0: no admission control"},
    {"max-utterance-seconds", INT, AT(max_utterance_seconds), 1, 86400,
     "longest input of an utterance-mode stream"},
    {"allow-uid", UIDS, AT(allow_uids), 0, 0, "allowed peer uids (names or numbers)"},
    {"allow-gid", GIDS, AT(allow_gids), 0, 0, "allowed peer gids (names or numbers)"},
    {"log-level", LEVEL, AT(log_level), 0, 0, "error, warning, info or debug"},
};

#define N_SETTINGS (sizeof settings / sizeof settings[0])

static void defaults(hfcd_config *c)
{
    memset(c, 0, sizeof *c);
    c->socket_path = strdup("/run/hificodec/hificodecd.sock");
    c->socket_mode = 0660;
    c->max_clients = 256;
    c->max_streams = 128;
    c->batch_streams = 8;
    c->max_streams_per_client = 16;
    c->ready_streams = 4;
    c->max_message_bytes = 65536;
    c->queue_messages = 8;
    c->max_queue_messages = 64;
    c->idle_timeout_ms = 60000;
    c->hello_timeout_ms = 5000;
    c->stall_timeout_ms = 10000;
    c->drain_timeout_ms = 10000;
    c->cpu_budget = 0.8;
    c->max_utterance_seconds = 600;
    c->log_level = HFCD_LOG_INFO;
}

static int parse_id(const char *s, int is_user, unsigned *id)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!errno && *s && !*end && v < 0xffffffffu) {
        *id = (unsigned)v;
        return 0;
    }
    if (is_user) {
        struct passwd *pw = getpwnam(s);
        if (pw)
            *id = pw->pw_uid;
        return pw ? 0 : -1;
    }
    struct group *gr = getgrnam(s);
    if (gr)
        *id = gr->gr_gid;
    return gr ? 0 : -1;
}

/* Appends the comma-separated ids in value to the list. */
static int parse_ids(hfcd_config *c, enum kind kind, const char *value, char *err, size_t n_err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", value);
    int *count = kind == UIDS ? &c->n_allow_uids : &c->n_allow_gids;
    for (char *save, *tok = strtok_r(buf, ", \t", &save); tok;
         tok = strtok_r(NULL, ", \t", &save)) {
        unsigned id;
        if (parse_id(tok, kind == UIDS, &id) != 0) {
            snprintf(err, n_err, "unknown %s '%s'", kind == UIDS ? "user" : "group", tok);
            return -1;
        }
        if (*count == HFCD_MAX_IDS) {
            snprintf(err, n_err, "more than %d ids", HFCD_MAX_IDS);
            return -1;
        }
        if (kind == UIDS)
            c->allow_uids[(*count)++] = (uid_t)id;
        else
            c->allow_gids[(*count)++] = (gid_t)id;
    }
    return 0;
}

static int parse_level(const char *value, int *level)
{
    static const struct { const char *name; int level; } names[] = {
        {"error", HFCD_LOG_ERROR}, {"warning", HFCD_LOG_WARN}, {"info", HFCD_LOG_INFO},
        {"debug", HFCD_LOG_DEBUG}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(value, names[i].name) == 0) {
            *level = names[i].level;
            return 0;
        }
    }
    return -1;
}

static int apply(hfcd_config *c, const setting *s, const char *value, char *err, size_t n_err)
{
    void *field = (char *)c + s->offset;
    char *end;
    errno = 0;
    switch (s->kind) {
    case STRING:
        free(*(char **)field);
        *(char **)field = strdup(value);
        return 0;
    case INT: {
        long v = strtol(value, &end, 10);
        if (errno || !*value || *end || v < s->min || v > s->max)
            break;
        *(int *)field = (int)v;
        return 0;
    }
    case DOUBLE: {
        double v = strtod(value, &end);
        if (errno || !*value || *end || !(v >= s->min && v <= s->max))
            break;
        *(double *)field = v;
        return 0;
    }
    case MODE: {
        unsigned long v = strtoul(value, &end, 8);
        if (errno || !*value || *end || v > (unsigned long)s->max)
            break;
        *(unsigned *)field = (unsigned)v;
        return 0;
    }
    case UIDS:
    case GIDS:
        return parse_ids(c, s->kind, value, err, n_err);
    case LEVEL:
        if (parse_level(value, (int *)field) != 0)
            break;
        return 0;
    }
    if (s->kind == INT || s->kind == DOUBLE)
        snprintf(err, n_err, "'%s' is not a number in %g..%g", value, s->min, s->max);
    else
        snprintf(err, n_err, "'%s' is not valid", value);
    return -1;
}

static const setting *find(const char *key, size_t n_key)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strlen(settings[i].key) == n_key && strncmp(settings[i].key, key, n_key) == 0)
            return &settings[i];
    return NULL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Reads "key = value" lines; '#' starts a comment line. A missing file is an error
 * only when required (named with --config). */
static int read_file(hfcd_config *c, const char *path, int required)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!required && errno == ENOENT)
            return 0;
        fprintf(stderr, "hificodecd: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024], err[256];
    int line_no = 0, status = 0;
    while (status == 0 && fgets(line, sizeof line, f)) {
        line_no++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        const setting *set = NULL;
        if (eq) {
            *eq = '\0';
            char *key = trim(s);
            set = find(key, strlen(key));
        }
        if (!set) {
            fprintf(stderr, "hificodecd: %s:%d: expected 'key = value' with a known key\n", path,
                    line_no);
            status = -1;
        } else if (apply(c, set, trim(eq + 1), err, sizeof err) != 0) {
            fprintf(stderr, "hificodecd: %s:%d: %s: %s\n", path, line_no, set->key, err);
            status = -1;
        }
    }
    fclose(f);
    return status;
}

static void usage(void)
{
    printf("usage: hificodecd --model PATH [--socket PATH] [options]\n\n"
           "The hificodec daemon: serves encode and decode streams to local clients over a\n"
           "UNIX socket. Settings come from %s (or --config PATH),\n"
           "then from the command line:\n\n",
           HFCD_DEFAULT_CONFIG);
    for (size_t i = 0; i < N_SETTINGS; i++) {
        char option[64];
        snprintf(option, sizeof option, "%s VALUE", settings[i].key);
        printf("  --%-28s %s\n", option, settings[i].help);
    }
    printf("  --%-28s %s\n", "config PATH", "read this config file instead of the default");
    printf("  --%-28s %s\n", "check", "load the model, print its measured cost and exit");
    printf("  --%-28s %s\n", "help, --version", "this text; the version");
    printf("\nSignals: SIGTERM drains the streams and exits; SIGHUP reloads the model.\n");
}

int hfcd_config_load(hfcd_config *c, int argc, char **argv)
{
    defaults(c);
    const char *config_path = HFCD_DEFAULT_CONFIG;
    int config_required = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 1;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("hificodecd %s (protocol %d..%d)\n", hfc_version_string(), HFC_PROTO_VERSION_MIN,
                   HFC_PROTO_VERSION_MAX);
            return 1;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
            config_required = 1;
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config_path = argv[i] + 9;
            config_required = 1;
        }
    }
    if (read_file(c, config_path, config_required) != 0)
        return -1;
    char err[256];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--config") == 0) {
            i++;
            continue;
        }
        if (strncmp(arg, "--config=", 9) == 0)
            continue;
        if (strcmp(arg, "--check") == 0) {
            c->check_only = 1;
            continue;
        }
        const char *eq = strchr(arg, '=');
        const setting *set = strncmp(arg, "--", 2) == 0
                                 ? find(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2))
                                 : NULL;
        if (!set) {
            fprintf(stderr, "hificodecd: unknown option '%s' (see --help)\n", arg);
            return -1;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value) {
            fprintf(stderr, "hificodecd: --%s needs a value\n", set->key);
            return -1;
        }
        if (apply(c, set, value, err, sizeof err) != 0) {
            fprintf(stderr, "hificodecd: --%s: %s\n", set->key, err);
            return -1;
        }
    }
    if (!c->model) {
        fprintf(stderr, "hificodecd: no model: give --model PATH or 'model = PATH' in %s\n",
                config_path);
        return -1;
    }
    if (c->queue_messages > c->max_queue_messages)
        c->queue_messages = c->max_queue_messages;
    return 0;
}

void hfcd_config_free(hfcd_config *c)
{
    free(c->model);
    free(c->socket_path);
    free(c->socket_group);
    memset(c, 0, sizeof *c);
}
