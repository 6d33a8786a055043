/* Streaming versions of the networks: the same layers as network.h, run a few
 * columns at a time with per-layer state (stream_conv.h) sized at create.
 *
 * Every signal is a column buffer with absolute times, so branches with different
 * delays (a resblock's residual path versus its convs, the parallel resblocks of a
 * stage) are joined by time. For causal models every delay is zero and the stream
 * equals the offline pass exactly; for centred (official) models the delays are the
 * look-ahead, and the stream still equals offline when every tap is kept. */
#ifndef HFC_STREAM_NET_H
#define HFC_STREAM_NET_H

#include "network.h"
#include "stream_conv.h"

typedef struct hfc_sresblock {
    int n_steps, type;
    float slope;
    hfc_colbuf r[HFC_MAX_DILATIONS + 1]; /* r[0]: block input; r[m+1]: after step m */
    int64_t fed[HFC_MAX_DILATIONS];      /* r[m] columns already fed to c1[m] */
    hfc_sconv c1[HFC_MAX_DILATIONS], c2[HFC_MAX_DILATIONS];
} hfc_sresblock;

/* Running GroupNorm statistics: the streaming stand-in for the utterance-wide
 * statistics of the official encoder (an approximation; see encoder_stream.c). */
typedef struct hfc_sgroup_norm {
    const hfc_group_norm *gn;
    double *sum, *sum_sq; /* [groups], allocated at init */
    double count;         /* columns seen */
} hfc_sgroup_norm;

typedef struct hfc_sstage {
    hfc_sconv down;    /* encoder stages */
    hfc_sconvt up;     /* generator stages */
    hfc_colbuf y;      /* output of down/up */
    int n_resblocks;
    hfc_sresblock rb[HFC_MAX_RESBLOCKS];
    hfc_sgroup_norm *norm; /* [n_resblocks] when the encoder has GroupNorm, else NULL */
    hfc_colbuf out;    /* the averaged resblock outputs */
    hfc_colbuf scratch; /* conv outputs inside the resblocks */
} hfc_sstage;

/* Cut look-ahead: keep a fraction of every centred layer's right context (1 = all
 * taps, exact). */
typedef struct hfc_stream_plan {
    double keep_lookahead;
} hfc_stream_plan;

typedef struct hfc_encoder_stream {
    const hfc_encoder_net *net;
    hfc_sconv pre;            /* the caller appends samples to pre.in */
    hfc_colbuf x;             /* pre output */
    int n_stages;
    hfc_sstage stage[HFC_MAX_STAGES];
    hfc_sconv post;
    hfc_colbuf latent;        /* post output: latent frames */
    float final_slope;
    int lookahead_samples;    /* exact input look-ahead of the network */
} hfc_encoder_stream;

typedef struct hfc_generator_stream {
    const hfc_generator_net *net;
    hfc_sconv pre;            /* the caller appends latent frames to pre.in */
    hfc_colbuf x;
    int n_stages;
    hfc_sstage stage[HFC_MAX_STAGES];
    hfc_sconv post;           /* into audio; for the istft head into head.in */
    hfc_sconvt head;          /* istft head: its input turned polar in place */
    hfc_colbuf audio;         /* the samples, before tanh or the clip */
    int lookahead_samples;    /* output samples held back for look-ahead */
} hfc_generator_stream;

/* The plan whose total look-ahead fits max_samples (all taps when negative). */
hfc_stream_plan hfc_stream_plan_for(int max_samples, int (*lookahead_of)(const void *net,
                                                                          const hfc_stream_plan *),
                                    const void *net);

/* Look-ahead in samples a plan leaves: input samples past a frame's end the encoder
 * needs before emitting it; output samples the generator holds back. */
int hfc_encoder_stream_lookahead(const hfc_encoder_net *net, const hfc_stream_plan *plan);
int hfc_generator_stream_lookahead(const hfc_generator_net *net, const hfc_stream_plan *plan);

/* max_samples_per_run: most samples appended to pre.in between runs. */
int hfc_encoder_stream_init(hfc_encoder_stream *s, const hfc_encoder_net *net,
                            int max_samples_per_run, const hfc_stream_plan *plan);
void hfc_encoder_stream_free(hfc_encoder_stream *s);
void hfc_encoder_stream_reset(hfc_encoder_stream *s);
/* Runs every layer as far as its input allows; with finish != 0 the input is
 * complete and everything is flushed. New latent frames land in s->latent.
 * Returns HFC_OK or HFC_ERR_INTERNAL (a buffer was sized too small). */
int hfc_encoder_stream_run(hfc_encoder_stream *s, int finish);
/* The same for n streams of one model (n <= HFC_STREAM_BATCH_MAX), layer by layer
 * in step, each conv one batched call: the same bits as n runs. Returns HFC_OK or
 * the first error. */
int hfc_encoder_stream_run_many(hfc_encoder_stream *const *s, int n, int finish);

int hfc_generator_stream_init(hfc_generator_stream *s, const hfc_generator_net *net,
                              int max_frames_per_run, const hfc_stream_plan *plan);
void hfc_generator_stream_free(hfc_generator_stream *s);
void hfc_generator_stream_reset(hfc_generator_stream *s);
int hfc_generator_stream_run(hfc_generator_stream *s, int finish);
int hfc_generator_stream_run_many(hfc_generator_stream *const *s, int n, int finish);

/* Shared by both networks (stream_stage.c). */
int hfc_sresblock_init(hfc_sresblock *b, const hfc_resblock *rb, int type, float slope,
                       int max_new, const hfc_stream_plan *plan);
void hfc_sresblock_free(hfc_sresblock *b);
void hfc_sresblock_reset(hfc_sresblock *b);
void hfc_sresblock_run(hfc_sresblock *b, hfc_colbuf *scratch, int finish);
void hfc_sresblock_run_many(hfc_sresblock *const *b, hfc_colbuf *const *scratch, int n,
                            int finish);
/* Feeds the new columns of y to every resblock, runs them and appends the averaged
 * (and, with norm, normalised) result to stage->out. */
void hfc_sstage_resblocks(hfc_sstage *stage, int finish);
void hfc_sstage_resblocks_many(hfc_sstage *const *stage, int n, int finish);
/* A stage's signals and resblocks (its down/up conv is set up by the network). */
int hfc_sstage_init_resblocks(hfc_sstage *st, const hfc_resblock *rbs, int n_resblocks, int type,
                              float slope, int channels, int cap, const hfc_stream_plan *plan);
void hfc_sstage_free(hfc_sstage *st);
void hfc_sstage_reset(hfc_sstage *st);
/* 1 if any buffer of the stage overflowed: a sizing bug, reported as HFC_ERR_INTERNAL. */
int hfc_sstage_overflow(const hfc_sstage *st);
/* Appends leaky_relu(src) to dst (a conv's input) and empties src. */
void hfc_feed_activated(hfc_colbuf *dst, hfc_colbuf *src, float slope);
int hfc_stream_taps(const hfc_conv *cv, const hfc_stream_plan *plan);
/* Largest look-ahead (input columns) through a resblock's convs. */
int hfc_resblock_lookahead(const hfc_resblock *rb, int type, const hfc_stream_plan *plan);

#endif
