/* hificodecd's settings: defaults, the config file (systemd/hificodecd.conf
 * documents every key) and the command line, which overrides the file. */
#ifndef HFCD_CONFIG_H
#define HFCD_CONFIG_H

#include <sys/types.h>

#define HFCD_DEFAULT_CONFIG "/etc/hificodec/hificodecd.conf"
#define HFCD_MAX_IDS 64

typedef struct hfcd_config {
    char *model;                  /* model file; required */
    char *socket_path;            /* ignored under socket activation */
    unsigned socket_mode;         /* permission bits of the socket we create */
    char *socket_group;           /* its group (name or number), or NULL */
    int threads;                  /* real-time workers; 0: one per online CPU */
    int batch_streams;            /* most streams a worker runs as one batch; 1: none */
    int max_clients;              /* connections at once */
    int max_streams;              /* streams at once, all connections */
    int max_streams_per_client;
    int ready_streams;            /* codecs made ahead for streams about to open */
    int max_message_bytes;
    int queue_messages;           /* default input queue depth per stream */
    int max_queue_messages;       /* the most a client may ask for */
    int idle_timeout_ms;          /* 0: never */
    int hello_timeout_ms;
    int stall_timeout_ms;         /* replies unread this long: the client is cut off */
    int drain_timeout_ms;         /* SIGTERM: how long streams may go on */
    double cpu_budget;            /* share of the workers' CPU real-time streams may
                                     need; 0: no admission control */
    int max_utterance_seconds;
    uid_t allow_uids[HFCD_MAX_IDS];
    int n_allow_uids;             /* 0: any uid (the socket's mode decides) */
    gid_t allow_gids[HFCD_MAX_IDS];
    int n_allow_gids;
    int log_level;                /* enum hfcd_log_level */
    int check_only;               /* --check: load and measure the model, print, exit */
} hfcd_config;

/* Fills *config from defaults, the config file and argv. Returns 0 to run, 1 when
 * --help or --version was printed, -1 after printing an error. */
int hfcd_config_load(hfcd_config *config, int argc, char **argv);
void hfcd_config_free(hfcd_config *config);

#endif
