/*
 * hificodec.h - libhificodec, a neural speech codec (HiFi-Codec, GRVQ) in C.
 *
 * Objects and threading
 *   hfc_model    A loaded model file: configuration plus weights. Immutable after
 *                hfc_model_load_*; any number of threads, encoders and decoders may
 *                share one model. It must outlive every encoder/decoder made from it.
 *   hfc_encoder  One stream's encoder state (PCM -> tokens).
 *   hfc_decoder  One stream's decoder state (tokens -> PCM).
 *                Encoders and decoders are used by one thread at a time; separate
 *                objects need no locking between them.
 *
 * Ownership
 *   Every pointer a function takes is borrowed for the duration of the call only,
 *   unless the comment says otherwise. Every object a *_create / *_load_* function
 *   returns is owned by the caller and released by the matching *_destroy / *_free.
 *   Strings returned by hfc_strerror, hfc_version_string and in hfc_model_info
 *   are owned by the library (static or by the model) and must not be freed.
 *
 * Units and layout
 *   PCM is mono float, nominally in [-1, 1], at the model's sample rate
 *   (hfc_model_info.sample_rate_hz). Tokens are laid out frame-major:
 *   tokens[frame * n_codebooks + k], with codebook k = layer * n_groups + group
 *   (the order of the official AcademiCodec [T, 4] codes), each in
 *   [0, codebook_size).
 *
 * Errors
 *   Functions return HFC_OK (0) or a negative enum hfc_status; functions that produce
 *   data return a count (>= 0) or a negative status. Constructors return NULL and
 *   store the reason in their optional `status` out-parameter. Details (which tensor,
 *   which byte offset) go to the optional log callback in the options. Nothing
 *   here aborts on caller input or file content, and there is no global error state.
 *
 * Real time
 *   The streaming calls (hfc_encoder_push, hfc_decoder_push and their flush) never
 *   allocate, lock, log or do I/O: all state is sized at create. The offline calls
 *   (hfc_encoder_encode, hfc_decoder_decode) allocate working memory proportional to
 *   the input and may start worker threads; do not call them from a real-time thread.
 */
#ifndef HIFICODEC_H
#define HIFICODEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(HFC_BUILDING_LIBRARY) && defined(__GNUC__)
#define HFC_API __attribute__((visibility("default")))
#else
#define HFC_API
#endif

#define HFC_VERSION_MAJOR 0
#define HFC_VERSION_MINOR 1
#define HFC_VERSION_PATCH 0

/* A token: an index into one codebook, in [0, codebook_size). */
typedef int32_t hfc_token;

enum hfc_status {
    HFC_OK = 0,
    HFC_ERR_INVALID_ARG = -1,      /* NULL pointer, zero size or value out of range */
    HFC_ERR_NO_MEMORY = -2,        /* an allocation failed */
    HFC_ERR_IO = -3,               /* open, read, mmap or socket I/O failed */
    HFC_ERR_FORMAT = -4,           /* model file malformed: truncated, bad header/JSON */
    HFC_ERR_UNSUPPORTED = -5,      /* well-formed but not supported: version, dtype, config */
    HFC_ERR_TENSOR = -6,           /* a tensor is missing, extra, or has the wrong shape */
    HFC_ERR_TOO_SHORT = -7,        /* input is shorter than one frame */
    HFC_ERR_BUFFER_TOO_SMALL = -8, /* the output buffer cannot hold the result */
    HFC_ERR_BAD_TOKEN = -9,        /* a token is outside [0, codebook_size) */
    HFC_ERR_BAD_SAMPLE = -10,      /* a PCM sample is NaN or infinite */
    HFC_ERR_STATE = -11,           /* call not valid in the object's current state */
    HFC_ERR_PROTOCOL = -12,        /* a daemon message is malformed or unexpected */
    HFC_ERR_REFUSED = -13,         /* the daemon refused: capacity, limits, permissions */
    HFC_ERR_CLOSED = -14,          /* the peer closed the connection */
    HFC_ERR_TIMEOUT = -15,         /* no answer in time */
    HFC_ERR_INTERNAL = -16         /* a bug in libhificodec; please report it */
};

/* Text for a status code, e.g. "model file is malformed". Never NULL, also for
 * unknown codes. The string is static. */
HFC_API const char *hfc_strerror(int status);

/* "MAJOR.MINOR.PATCH", static. */
HFC_API const char *hfc_version_string(void);

/* Log callback: level is one of HFC_LOG_*, msg is one line without a newline and
 * is valid only during the call. May be called from any thread that uses the
 * object it was given to, but never from the per-frame calls. */
enum hfc_log_level { HFC_LOG_ERROR = 0, HFC_LOG_WARN = 1, HFC_LOG_INFO = 2, HFC_LOG_DEBUG = 3 };
typedef void (*hfc_log_fn)(void *user, int level, const char *msg);

/* ------------------------------------------------------------------------ */
/* Model                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct hfc_model hfc_model;

/* Which kernel implementation the model uses. AUTO picks the best the CPU has;
 * the environment variable HFC_CPU=scalar|avx2|avx512|neon overrides AUTO. */
enum hfc_cpu_path {
    HFC_CPU_AUTO = 0,
    HFC_CPU_SCALAR = 1,
    HFC_CPU_AVX2 = 2,
    HFC_CPU_AVX512 = 3,
    HFC_CPU_NEON = 4
};

typedef struct hfc_model_options {
    hfc_log_fn log;    /* optional; NULL: silent */
    void *log_user;    /* passed to log */
    int cpu_path;      /* enum hfc_cpu_path; default HFC_CPU_AUTO */
} hfc_model_options;

/* Fills *options with the defaults. */
HFC_API void hfc_model_options_init(hfc_model_options *options);

/* Loads a model file (safetensors with a hificodec config; see models/FORMAT.md).
 * The file is mapped read-only, validated (every name, dtype, shape and offset) and
 * its weights are copied into the model's own layout, so the file may change or
 * disappear afterwards. options may be NULL for defaults. Returns NULL on failure
 * and stores the reason in *status when status is not NULL. */
HFC_API hfc_model *hfc_model_load_file(const char *path, const hfc_model_options *options,
                                       int *status);

/* As hfc_model_load_file, from n_bytes of memory (borrowed for the call only). */
HFC_API hfc_model *hfc_model_load_memory(const void *data, size_t n_bytes,
                                         const hfc_model_options *options, int *status);

/* Frees a model. NULL is a no-op. Every encoder/decoder made from it must have
 * been destroyed first. */
HFC_API void hfc_model_free(hfc_model *model);

typedef struct hfc_model_info {
    int sample_rate_hz;     /* PCM rate the model works at, e.g. 16000 */
    int hop_samples;        /* samples per frame, e.g. 320 */
    int n_groups;           /* GRVQ groups, e.g. 2 */
    int n_layers;           /* GRVQ residual layers, e.g. 2 */
    int n_codebooks;        /* n_groups * n_layers: tokens per frame */
    int codebook_size;      /* entries per codebook, e.g. 1024 */
    int latent_dim;         /* encoder output channels */
    int causal;             /* 1: every layer is causal and streaming is exact */
    double frame_rate_hz;   /* sample_rate_hz / hop_samples */
    double bitrate_bps;     /* frame_rate_hz * n_codebooks * log2(codebook_size) */
    int64_t n_params;       /* weights and biases, all networks */
    double encode_gflop_per_s;  /* multiply-adds x 2 per second of audio */
    double decode_gflop_per_s;
    uint64_t model_id;      /* 64-bit hash of the model file's config and weights */
    const char *name;       /* from the config, or "" ; owned by the model */
    const char *cpu_path;   /* kernel path in use: "scalar", "avx2", "avx512", "neon" */
} hfc_model_info;

/* Fills *info. Returns HFC_OK or HFC_ERR_INVALID_ARG. */
HFC_API int hfc_model_get_info(const hfc_model *model, hfc_model_info *info);

/* Exact number of frames hfc_encoder_encode produces for n_samples of input:
 * the official code's arithmetic (floor(n_samples / hop) for the official
 * configs; the samples after the last whole frame still influence the last
 * frames through the convolutions' right context). 0 when the input is shorter
 * than one frame. */
HFC_API int64_t hfc_model_frames_for_samples(const hfc_model *model, int64_t n_samples);

/* Exact number of samples hfc_decoder_decode produces for n_frames: n_frames * hop. */
HFC_API int64_t hfc_model_samples_for_frames(const hfc_model *model, int64_t n_frames);

/* ------------------------------------------------------------------------ */
/* Encoder: PCM -> tokens                                                   */
/* ------------------------------------------------------------------------ */

typedef struct hfc_encoder hfc_encoder;

enum hfc_bad_sample_policy {
    HFC_BAD_SAMPLE_REJECT = 0,   /* NaN/Inf input fails the call with HFC_ERR_BAD_SAMPLE,
                                    consuming nothing */
    HFC_BAD_SAMPLE_ZERO = 1      /* NaN/Inf samples are replaced by 0 */
};

typedef struct hfc_encoder_options {
    int n_threads;          /* offline encode: worker threads; 0 = all cores. Streaming
                               always uses the calling thread. Default 1. */
    int bad_sample_policy;  /* enum hfc_bad_sample_policy; default REJECT */
    int lookahead_frames;   /* streaming, non-causal models only: frames of look-ahead;
                               -1 = the model's receptive field. Default -1. */
} hfc_encoder_options;

HFC_API void hfc_encoder_options_init(hfc_encoder_options *options);

/* Creates an encoder for model (borrowed; must outlive the encoder). options may be
 * NULL for defaults. All streaming state is allocated here. */
HFC_API hfc_encoder *hfc_encoder_create(const hfc_model *model, const hfc_encoder_options *options,
                                        int *status);
HFC_API void hfc_encoder_destroy(hfc_encoder *encoder);

/* Returns the encoder to its freshly created state (streaming state cleared). */
HFC_API void hfc_encoder_reset(hfc_encoder *encoder);

/* Offline: encodes a whole utterance. tokens receives
 * hfc_model_frames_for_samples(n_samples) frames of n_codebooks tokens; max_frames
 * is its capacity in frames. Returns the number of frames written, or
 * HFC_ERR_TOO_SHORT (input shorter than one frame), HFC_ERR_BUFFER_TOO_SMALL,
 * HFC_ERR_BAD_SAMPLE, HFC_ERR_NO_MEMORY. Independent of any streaming state. */
HFC_API int64_t hfc_encoder_encode(hfc_encoder *encoder, const float *pcm, int64_t n_samples,
                                   hfc_token *tokens, int64_t max_frames);

/* Streaming: push PCM as it arrives, in chunks of any size from 1 sample (0 is a
 * no-op); every frame whose samples (and look-ahead) are in comes out as tokens.
 * tokens_out must hold at least n_samples / hop + 1 frames, else
 * HFC_ERR_BUFFER_TOO_SMALL and nothing is consumed. Returns the frames written.
 * NaN/Inf samples follow the bad_sample_policy; with REJECT the call returns
 * HFC_ERR_BAD_SAMPLE and consumes nothing. For causal models the tokens equal the
 * offline hfc_encoder_encode of the same samples, whatever the chunking. For
 * non-causal (official) models the convolutions are exact with the default
 * look-ahead, but GroupNorm uses running statistics of the stream so far instead of
 * the whole utterance's, so tokens differ from offline on some frames.
 * Real-time safe: no allocation, lock, log or I/O. */
HFC_API int64_t hfc_encoder_push(hfc_encoder *encoder, const float *pcm, int64_t n_samples,
                                 hfc_token *tokens_out, int64_t max_frames);

/* Ends the stream: emits the frames still held for look-ahead (the frames the
 * offline encode of all pushed samples has and push has not returned yet) and
 * returns the encoder to its initial state. tokens_out must hold at least
 * hfc_encoder_latency() / hop + 2 frames. Returns the frames written. */
HFC_API int64_t hfc_encoder_flush(hfc_encoder *encoder, hfc_token *tokens_out, int64_t max_frames);

/* Algorithmic latency of the stream in samples: the frame (hop) plus the samples of
 * look-ahead the model needs past a frame's end before its tokens can be emitted. */
HFC_API int hfc_encoder_latency(const hfc_encoder *encoder);

/* ------------------------------------------------------------------------ */
/* Decoder: tokens -> PCM                                                   */
/* ------------------------------------------------------------------------ */

typedef struct hfc_decoder hfc_decoder;

typedef struct hfc_decoder_options {
    int n_threads;          /* offline decode: worker threads; 0 = all cores. Default 1. */
    int lookahead_frames;   /* streaming, non-causal models only; -1 = receptive field
                               (exact). Default -1. */
} hfc_decoder_options;

HFC_API void hfc_decoder_options_init(hfc_decoder_options *options);
HFC_API hfc_decoder *hfc_decoder_create(const hfc_model *model, const hfc_decoder_options *options,
                                        int *status);
HFC_API void hfc_decoder_destroy(hfc_decoder *decoder);
HFC_API void hfc_decoder_reset(hfc_decoder *decoder);

/* Offline: decodes n_frames frames of tokens into n_frames * hop samples in pcm
 * (capacity max_samples). Returns the number of samples written, or
 * HFC_ERR_BAD_TOKEN (nothing written), HFC_ERR_BUFFER_TOO_SMALL, HFC_ERR_NO_MEMORY. */
HFC_API int64_t hfc_decoder_decode(hfc_decoder *decoder, const hfc_token *tokens, int64_t n_frames,
                                   float *pcm, int64_t max_samples);

/* Streaming: push n_frames frames of tokens (0 is a no-op); the samples that became
 * final come out in pcm_out, which must hold n_frames * hop samples. Returns the
 * samples written. Out-of-range tokens: HFC_ERR_BAD_TOKEN, nothing consumed, the
 * decoder stays usable. For causal models each frame's hop samples come out at once
 * and equal the offline decode; for non-causal models the output lags by
 * hfc_decoder_latency() samples and equals offline with the default look-ahead.
 * Real-time safe: no allocation, lock, log or I/O. */
HFC_API int64_t hfc_decoder_push(hfc_decoder *decoder, const hfc_token *tokens, int64_t n_frames,
                                 float *pcm_out, int64_t max_samples);

/* Ends the stream: emits the samples held back for look-ahead (after it, the total
 * equals n_frames * hop) and returns the decoder to its initial state. pcm_out must
 * hold hfc_decoder_latency() + hop samples. Returns the samples written. */
HFC_API int64_t hfc_decoder_flush(hfc_decoder *decoder, float *pcm_out, int64_t max_samples);

/* Output samples the stream holds back for look-ahead: 0 for causal models. */
HFC_API int hfc_decoder_latency(const hfc_decoder *decoder);

#ifdef __cplusplus
}
#endif

#endif /* HIFICODEC_H */
