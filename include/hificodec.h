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
 *   Token files (hfc_tokens_*, hfc_token_*) and the model's latent calls hold no
 *                state of their own: any thread may call them at any time.
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
 *   the input, keep it for the next call when it is at most 128 MB (a repeated call
 *   then allocates nothing; it is freed with the object), and may start worker
 *   threads; do not call them from a real-time thread. The bf16 and int8
 *   convolutions use up to 128 KB of the calling thread's stack, and hificodecd's
 *   batches up to about 256 KB.
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
    HFC_ERR_FORMAT = -4,           /* model or token file malformed: truncated, bad header */
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
    HFC_ERR_INTERNAL = -16,        /* a bug in libhificodec; please report it */
    HFC_ERR_MODEL_MISMATCH = -17   /* tokens were made by another model (rate, hop,
                                      codebooks or model id differ) */
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

/* The numeric format of the decoder's convolutions. FP32 is the reference. BF16
 * rounds weights and activations to bfloat16 and sums in fp32; INT8 quantizes
 * weights per output channel and activations per time step to 8 bits and sums in
 * int32. The encoder always runs in fp32: its tokens are near ties often enough
 * that any reduced layer moves them (see BENCHMARKS.md), so tokens equal the fp32
 * model's in every format. Decoded PCM keeps within 30 dB (bf16) / 25 dB (int8)
 * SNR of fp32 on real speech (measured: 51 / 36 dB on the default model). AUTO
 * picks the fastest format this CPU has kernels for (int8 with AVX512-VNNI, or
 * AVX-VNNI on the avx2 path; bf16 with AVX512-BF16; else fp32), which is also the
 * fastest that meets that bar
 * (tests/precision checks both on this CPU); the environment variable
 * HFC_PRECISION=fp32|bf16|int8 overrides AUTO. A format the CPU lacks falls back
 * to a wider one (logged). Streaming still equals offline exactly in every format,
 * and results do not depend on the thread count. */
enum hfc_precision {
    HFC_PRECISION_AUTO = 0,
    HFC_PRECISION_FP32 = 1,
    HFC_PRECISION_BF16 = 2,
    HFC_PRECISION_INT8 = 3
};

typedef struct hfc_model_options {
    hfc_log_fn log;    /* optional; NULL: silent */
    void *log_user;    /* passed to log */
    int cpu_path;      /* enum hfc_cpu_path; default HFC_CPU_AUTO */
    int precision;     /* enum hfc_precision; default HFC_PRECISION_AUTO */
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
    const char *precision;  /* format in use (enum hfc_precision): "fp32", "bf16", "int8" */
    const char *decoder_head; /* "waveform" (conv_post, tanh) or "istft" (an inverse STFT) */
    int head_n_fft;         /* istft: the inverse STFT's size in samples; 0 for waveform */
    int head_hop_samples;   /* istft: its hop (samples per generator column); 0 for waveform */
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

/* ------------------------------------------------------------------------ */
/* Daemon client                                                            */
/* ------------------------------------------------------------------------ */

/* hfc_client is one connection to hificodecd, the codec daemon (the protocol is in
 * src/client/PROTOCOL.md; applications never need it). One connection carries up
 * to hfc_client_info.max_streams streams, each an encoder, a decoder or both, bound
 * to the daemon's model at the time it was opened.
 *
 * Threading: an hfc_client is used by one thread at a time. Every call may block
 * on the socket for at most hfc_client_options.timeout_ms and then fails with
 * HFC_ERR_TIMEOUT; none of them is real-time safe (they do I/O).
 *
 * Two ways to use a stream:
 *   Blocking: hfc_client_encode_push / _decode_push / _flush send one request and
 *     wait for its reply: the output equals hfc_encoder_push / hfc_decoder_push /
 *     *_flush of the same chunks in-process, bit for bit (at the model's rate, f32).
 *     hfc_client_encode / hfc_client_decode run a whole utterance and equal
 *     hfc_encoder_encode / hfc_decoder_decode.
 *   Events: hfc_client_send_* queue requests without waiting; hfc_client_receive
 *     returns the replies (one per PCM or tokens message, in order per stream) and
 *     errors as they come. Poll hfc_client_fd() for readability to multiplex.
 * Replies for other streams that arrive during a blocking call are kept and come
 * out of hfc_client_receive later, in order.
 *
 * Errors: HFC_ERR_IO (cannot connect), HFC_ERR_REFUSED (permissions, limits, CPU
 * budget, shutting down; the daemon's reason goes to the log callback),
 * HFC_ERR_UNSUPPORTED (no common protocol version), HFC_ERR_PROTOCOL,
 * HFC_ERR_CLOSED, HFC_ERR_TIMEOUT, and the codec's own codes (HFC_ERR_BAD_SAMPLE,
 * HFC_ERR_BAD_TOKEN, HFC_ERR_TOO_SHORT, ...) when the daemon's codec fails a
 * stream. A stream that failed is closed; the connection and its other streams go
 * on, except after HFC_ERR_CLOSED, HFC_ERR_PROTOCOL or HFC_ERR_TIMEOUT on stream 0. */

typedef struct hfc_client hfc_client;

typedef struct hfc_client_options {
    int timeout_ms;     /* longest wait of one call; -1: no limit. Default 10000 */
    const char *name;   /* shown in the daemon's log (printable ASCII, <= 64 bytes);
                           NULL: none. Borrowed for hfc_client_create only. */
    hfc_log_fn log;     /* optional: the daemon's error texts; NULL: silent */
    void *log_user;
} hfc_client_options;

HFC_API void hfc_client_options_init(hfc_client_options *options);

/* Connects to the daemon's UNIX socket and agrees on a protocol version. NULL on
 * failure, with the reason in *status when status is not NULL. */
HFC_API hfc_client *hfc_client_create(const char *socket_path, const hfc_client_options *options,
                                      int *status);

/* Closes the connection; the daemon discards the client's streams. NULL is a no-op. */
HFC_API void hfc_client_destroy(hfc_client *client);

typedef struct hfc_client_info {
    int protocol_version;
    int max_message_bytes;  /* the daemon's limit on one message */
    int max_streams;        /* streams one connection may hold */
    int idle_timeout_ms;    /* the daemon closes connections silent this long; 0: never */
    /* The daemon's model: at connect, then that of the stream opened last. */
    int sample_rate_hz;
    int hop_samples;
    int n_codebooks;
    int codebook_size;
    int causal;
    uint64_t model_id;      /* as hfc_model_info.model_id */
} hfc_client_info;

HFC_API int hfc_client_get_info(const hfc_client *client, hfc_client_info *info);

/* The socket, for poll()/epoll (readable: hfc_client_receive has something to
 * read). Owned by the client; do not read, write or close it. Events kept during
 * a blocking call are not visible as readability: call hfc_client_receive with
 * timeout 0 until it returns HFC_ERR_TIMEOUT before polling again. */
HFC_API int hfc_client_fd(const hfc_client *client);

enum hfc_client_direction {
    HFC_CLIENT_ENCODE = 1,  /* PCM in, tokens out */
    HFC_CLIENT_DECODE = 2,  /* tokens in, PCM out */
    HFC_CLIENT_DUPLEX = 3   /* both, independently */
};

enum hfc_sample_format {
    HFC_SAMPLE_S16 = 1,     /* int16_t; 32768 is 1.0; output rounded and clipped */
    HFC_SAMPLE_F32 = 2      /* float, nominally [-1, 1] */
};

enum hfc_client_mode {
    HFC_CLIENT_STREAMING = 0,  /* frame by frame, as hfc_encoder_push / hfc_decoder_push */
    HFC_CLIENT_UTTERANCE = 1   /* the daemon gathers the input and runs the offline
                                  hfc_encoder_encode / hfc_decoder_decode at flush */
};

typedef struct hfc_client_stream_options {
    int direction;       /* enum hfc_client_direction; default HFC_CLIENT_DUPLEX */
    int sample_format;   /* enum hfc_sample_format; default HFC_SAMPLE_F32 */
    int sample_rate_hz;  /* the caller's PCM rate; the daemon resamples. 0 (default):
                            the model's rate, no resampling */
    int mode;            /* enum hfc_client_mode; default HFC_CLIENT_STREAMING */
    int drop_when_full;  /* 1: when the stream's input queue is full the daemon drops
                            the new input (and says so) instead of pausing the whole
                            connection; for callers that must never block. Default 0 */
    int queue_messages;  /* input queue depth; 0 (default): the daemon's default */
} hfc_client_stream_options;

HFC_API void hfc_client_stream_options_init(hfc_client_stream_options *options);

typedef struct hfc_client_stream_info {
    int sample_rate_hz;          /* the caller's PCM rate for this stream */
    int model_sample_rate_hz;
    int hop_samples;             /* at the model's rate */
    int n_codebooks;
    int codebook_size;
    int causal;
    uint64_t model_id;
    int encoder_latency_samples; /* hfc_encoder_latency, at the model's rate */
    int decoder_latency_samples; /* hfc_decoder_latency, at the model's rate */
    int max_samples_per_push;    /* the most samples one PCM message may carry */
    int max_frames_per_push;     /* the most frames one tokens message may carry */
    int queue_messages;          /* input queue depth granted */
} hfc_client_stream_info;

/* Opens a stream (options NULL: defaults) and waits for the daemon's answer.
 * Returns the stream id (> 0) and fills *info when info is not NULL, or a status:
 * HFC_ERR_REFUSED when the daemon is at a limit or has no CPU left to keep one
 * more stream real-time. */
HFC_API int hfc_client_open(hfc_client *client, const hfc_client_stream_options *options,
                            hfc_client_stream_info *info);

/* Ends a stream and waits until the daemon confirms: the stream's input still
 * queued is processed and its replies come first. HFC_OK or a status. */
HFC_API int hfc_client_close_stream(hfc_client *client, int stream);

/* Blocking, streaming mode. Sends n_samples of PCM in the stream's format and rate
 * (at most max_samples_per_push; 0 is allowed) and waits for the tokens they
 * complete. tokens_out must hold max_frames frames of n_codebooks tokens. Returns
 * the frames written, or a status (HFC_ERR_BUFFER_TOO_SMALL if the reply does not
 * fit: the stream then has consumed the input and the tokens are lost). */
HFC_API int64_t hfc_client_encode_push(hfc_client *client, int stream, const void *pcm,
                                       int64_t n_samples, hfc_token *tokens_out,
                                       int64_t max_frames);

/* As hfc_encoder_flush: the frames held for look-ahead; the encoder starts over. */
HFC_API int64_t hfc_client_encode_flush(hfc_client *client, int stream, hfc_token *tokens_out,
                                        int64_t max_frames);

/* Blocking, streaming mode. Sends n_frames frames of tokens (at most
 * max_frames_per_push) and waits for the PCM, in the stream's format and rate,
 * written to pcm_out (capacity max_samples). Returns the samples written or a
 * status. */
HFC_API int64_t hfc_client_decode_push(hfc_client *client, int stream, const hfc_token *tokens,
                                       int64_t n_frames, void *pcm_out, int64_t max_samples);

/* As hfc_decoder_flush: the samples held for look-ahead; the decoder starts over. */
HFC_API int64_t hfc_client_decode_flush(hfc_client *client, int stream, void *pcm_out,
                                        int64_t max_samples);

/* Offline through the daemon, on a stream of its own: float PCM at the model's
 * rate (hfc_client_info.sample_rate_hz) in, tokens out, exactly as
 * hfc_encoder_encode of the same samples, with the same return values.
 * HFC_ERR_STATE: the daemon's model changed since hfc_client_get_info was read
 * (the info now describes the new model). */
HFC_API int64_t hfc_client_encode(hfc_client *client, const float *pcm, int64_t n_samples,
                                  hfc_token *tokens, int64_t max_frames);

/* As hfc_decoder_decode, through the daemon: n_frames x hop float samples. */
HFC_API int64_t hfc_client_decode(hfc_client *client, const hfc_token *tokens, int64_t n_frames,
                                  float *pcm, int64_t max_samples);

/* Events: queue one request without waiting for its reply. Each returns the
 * request's sequence number (>= 0), which its reply carries, or a status. A full
 * socket (the daemon pushing back) waits up to timeout_ms. */
HFC_API int64_t hfc_client_send_pcm(hfc_client *client, int stream, const void *pcm,
                                    int64_t n_samples);
HFC_API int64_t hfc_client_send_tokens(hfc_client *client, int stream, const hfc_token *tokens,
                                       int64_t n_frames);
/* directions: enum hfc_client_direction, a subset of the stream's. */
HFC_API int64_t hfc_client_send_flush(hfc_client *client, int stream, int directions);
HFC_API int64_t hfc_client_send_close(hfc_client *client, int stream);

enum hfc_client_event_type {
    HFC_CLIENT_EVENT_TOKENS = 1,   /* tokens: n frames, the first is frame `position` */
    HFC_CLIENT_EVENT_PCM = 2,      /* pcm: n samples, the first is sample `position` */
    HFC_CLIENT_EVENT_FLUSHED = 3,  /* after the flush's own TOKENS/PCM events */
    HFC_CLIENT_EVENT_CLOSED = 4,   /* the stream is gone; its id is free */
    HFC_CLIENT_EVENT_ERROR = 5,    /* status and text: the stream failed and is closed
                                      (stream 0: the connection is in trouble) */
    HFC_CLIENT_EVENT_DROPPED = 6   /* drop_when_full: request `seq` was dropped unprocessed */
};

typedef struct hfc_client_event {
    int type;                /* enum hfc_client_event_type */
    int stream;
    uint32_t seq;            /* the request this answers (0 for some errors) */
    int64_t position;        /* TOKENS: frame index; PCM: sample index (caller's rate) */
    int64_t n;               /* TOKENS: frames; PCM: samples */
    int more;                /* 1: more replies to the same request follow */
    const hfc_token *tokens; /* TOKENS: n x n_codebooks */
    const void *pcm;         /* PCM: n samples in the stream's format */
    int status;              /* ERROR: an enum hfc_status */
    const char *text;        /* ERROR: the daemon's one-line reason */
} hfc_client_event;          /* pointers are owned by the client, valid until its next call */

/* A request's reply is usually one event; a flush, or PCM resampled to a high rate,
 * may take several, all but the last with `more` set.
 * Waits up to timeout_ms (-1: no limit, 0: poll) for the next event. HFC_OK and
 * *event filled, HFC_ERR_TIMEOUT when nothing came, or HFC_ERR_CLOSED / _PROTOCOL /
 * _IO when the connection is lost. */
HFC_API int hfc_client_receive(hfc_client *client, hfc_client_event *event, int timeout_ms);

typedef struct hfc_client_stats {
    int64_t connections;
    int64_t streams;
    int64_t workers;
    int64_t cpu_budget_permille;     /* real-time CPU the daemon admits streams up to */
    int64_t cpu_committed_permille;  /* what its open streams need, as measured */
    int64_t encode_us_per_frame;     /* measured CPU time per frame, current model */
    int64_t decode_us_per_frame;
    int64_t frames_encoded;
    int64_t frames_decoded;
    int64_t inputs_dropped;
    int64_t latency_p50_us;          /* time in the daemon, receipt to reply sent */
    int64_t latency_p99_us;
    /* The stream asked about (zero for stream 0): */
    int64_t stream_inputs;
    int64_t stream_frames_out;
    int64_t stream_samples_out;
    int64_t stream_dropped;
    int64_t stream_queued;
} hfc_client_stats;

/* The daemon's counters and, for stream > 0, that stream's. Blocking. */
HFC_API int hfc_client_get_stats(hfc_client *client, int stream, hfc_client_stats *stats);

/* ------------------------------------------------------------------------ */
/* Latents: the quantizer's continuous side, for TTS models                 */
/* ------------------------------------------------------------------------ */

/* A frame's latent is what the decoder's generator sees: for each group g, the sum
 * over the layers l of the codewords its tokens choose, the groups side by side:
 *   latents[f * latent_dim + g * dim + i] = sum_l codebook(l * n_groups + g)[token][i]
 * with dim = latent_dim / n_groups and token = tokens[f * n_codebooks + l * n_groups + g].
 * Latents are frame-major float, n_frames x hfc_model_info.latent_dim. The two model
 * calls allocate nothing and may be called from any thread; decoding latents is an
 * offline call of a decoder, like hfc_decoder_decode. */

/* Copies codebook k (k = layer * n_groups + group, 0 <= k < n_codebooks) into
 * entries: codebook_size rows of dim floats, row-major; max_floats is its capacity.
 * Returns the floats written (codebook_size * dim), HFC_ERR_INVALID_ARG or
 * HFC_ERR_BUFFER_TOO_SMALL. */
HFC_API int64_t hfc_model_get_codebook(const hfc_model *model, int k, float *entries,
                                       int64_t max_floats);

/* Looks up and sums the codewords of n_frames frames of tokens into latents
 * (capacity max_frames frames). Returns n_frames, or HFC_ERR_BAD_TOKEN (nothing
 * written), HFC_ERR_BUFFER_TOO_SMALL, HFC_ERR_INVALID_ARG. */
HFC_API int64_t hfc_model_tokens_to_latents(const hfc_model *model, const hfc_token *tokens,
                                            int64_t n_frames, float *latents, int64_t max_frames);

/* Offline: decodes n_frames frames of latents (any values, not only sums of
 * codewords: a TTS model's predictions) into n_frames * hop samples in pcm
 * (capacity max_samples). hfc_decoder_decode(tokens) equals this call on
 * hfc_model_tokens_to_latents(tokens). Returns the samples written, or
 * HFC_ERR_BAD_SAMPLE (a latent is NaN or infinite; nothing written),
 * HFC_ERR_BUFFER_TOO_SMALL, HFC_ERR_NO_MEMORY. Allocates like hfc_decoder_decode. */
HFC_API int64_t hfc_decoder_decode_latents(hfc_decoder *decoder, const float *latents,
                                           int64_t n_frames, float *pcm, int64_t max_samples);

/* ------------------------------------------------------------------------ */
/* Token files and frame packing                                            */
/* ------------------------------------------------------------------------ */

/* Two file formats hold tokens (docs/TOKENS.md specifies both):
 *   .hfc  the compact bitstream: a 44-byte header (magic "HFCT", version, model id,
 *         rate, hop, codebook size and count, frame count, CRC-32), then every
 *         token in ceil(log2(codebook_size)) bits, MSB first, frame after frame:
 *         5 bytes a frame for the default model.
 *   .npy  a NumPy array [n_frames, n_codebooks], int16 (int32 above 32768 entries);
 *         read from any integer dtype, byte order or memory order.
 * Token arrays are frame-major, as everywhere in this API.
 *
 * Errors: the file calls return HFC_ERR_IO, HFC_ERR_FORMAT (malformed, truncated,
 * trailing data, no frames), HFC_ERR_UNSUPPORTED (a .hfc version this build does not
 * read), HFC_ERR_BAD_TOKEN (a token outside [0, codebook_size)), HFC_ERR_NO_MEMORY or
 * HFC_ERR_INVALID_ARG, and send one line saying exactly what (which byte, frame or
 * field) to options->log at HFC_LOG_ERROR. Nothing is half-written: a file is
 * replaced whole or not at all. The header and frame calls are real-time safe: no
 * allocation, lock, log or I/O. */

enum hfc_token_format {
    HFC_TOKENS_AUTO = 0,  /* reading: told by the first bytes; saving: by the extension */
    HFC_TOKENS_HFC = 1,
    HFC_TOKENS_NPY = 2
};

#define HFC_TOKENS_HEADER_BYTES 44     /* the .hfc header */
#define HFC_TOKENS_UNKNOWN_FRAMES (-1) /* n_frames of a live .hfc stream: to the end */

/* What a token file says about its tokens and the model that made them. */
typedef struct hfc_token_header {
    int format;             /* enum hfc_token_format the tokens were read from;
                               HFC_TOKENS_AUTO when made by hfc_token_header_for_model */
    uint64_t model_id;      /* hfc_model_info.model_id; 0 for .npy (not recorded) */
    int sample_rate_hz;     /* 1000..192000; 0 for .npy */
    int hop_samples;        /* 1..1000000; 0 for .npy */
    int codebook_size;      /* 2..65536; for .npy the bound the reader checked against */
    int n_codebooks;        /* tokens per frame, 1..256 */
    int64_t n_frames;       /* >= 1, or HFC_TOKENS_UNKNOWN_FRAMES in a live .hfc header */
} hfc_token_header;

typedef struct hfc_token_file_options {
    hfc_log_fn log;         /* optional: the one-line reason a call failed */
    void *log_user;
    int codebook_size;      /* reading .npy, which does not record it: every token must
                               be below this; 0 (default): 65536, the format's limit */
} hfc_token_file_options;

HFC_API void hfc_token_file_options_init(hfc_token_file_options *options);

/* The header of model's tokens: its id, rate, hop and codebooks, format
 * HFC_TOKENS_AUTO, n_frames HFC_TOKENS_UNKNOWN_FRAMES. HFC_OK or HFC_ERR_INVALID_ARG. */
HFC_API int hfc_token_header_for_model(const hfc_model *model, hfc_token_header *header);

/* Whether tokens with this header decode with the model info describes: the
 * codebook count and size always; for .hfc also the rate, the hop and (unless
 * allow_other_model, for a retrained model known to share the codebooks) the model
 * id. HFC_OK, or HFC_ERR_MODEL_MISMATCH with the difference logged. options may be
 * NULL. */
HFC_API int hfc_token_header_check(const hfc_token_header *header, const hfc_model_info *info,
                                   int allow_other_model, const hfc_token_file_options *options);

/* Reads a whole token file, .hfc or .npy (told by its first bytes), from path or
 * from n_bytes at data (borrowed for the call). On success returns n_frames (>= 1),
 * fills *header and sets *tokens to n_frames x n_codebooks tokens, owned by the
 * caller and released with hfc_tokens_free; on failure returns a status and sets
 * *tokens to NULL. options may be NULL. */
HFC_API int64_t hfc_tokens_load_file(const char *path, const hfc_token_file_options *options,
                                     hfc_token_header *header, hfc_token **tokens);
HFC_API int64_t hfc_tokens_load_memory(const void *data, size_t n_bytes,
                                       const hfc_token_file_options *options,
                                       hfc_token_header *header, hfc_token **tokens);

/* Releases tokens from hfc_tokens_load_*. NULL is a no-op. */
HFC_API void hfc_tokens_free(hfc_token *tokens);

/* Writes n_frames frames of tokens (each in [0, header->codebook_size)) for the
 * model header describes (its format and n_frames fields are ignored) to path in
 * format (HFC_TOKENS_AUTO: by path's extension, .hfc or .npy). Atomic: the bytes go
 * to a hidden temporary file beside path (".NAME.part-*"), which is renamed over
 * path only once complete, so a reader or a killed writer never sees a partial
 * file. Returns HFC_OK or a status. */
HFC_API int hfc_tokens_save_file(const char *path, int format, const hfc_token_header *header,
                                 const hfc_token *tokens, int64_t n_frames,
                                 const hfc_token_file_options *options);

/* The size of the file hfc_tokens_save_memory writes (format HFC or NPY), or a
 * status. */
HFC_API int64_t hfc_tokens_saved_bytes(int format, const hfc_token_header *header,
                                       int64_t n_frames);

/* As hfc_tokens_save_file, into out (capacity max_bytes). Returns the bytes written
 * or a status (HFC_ERR_BUFFER_TOO_SMALL: nothing written). */
HFC_API int64_t hfc_tokens_save_memory(int format, const hfc_token_header *header,
                                       const hfc_token *tokens, int64_t n_frames, void *out,
                                       int64_t max_bytes, const hfc_token_file_options *options);

/* The 44-byte .hfc header for header's fields (n_frames may be
 * HFC_TOKENS_UNKNOWN_FRAMES: a live stream's frames then run to the end). HFC_OK, or
 * HFC_ERR_INVALID_ARG for a field out of range. */
HFC_API int hfc_token_header_write(const hfc_token_header *header,
                                   uint8_t out[HFC_TOKENS_HEADER_BYTES]);

/* Parses and checks a .hfc header from the first n_bytes at data (magic, version,
 * CRC, every field's range). HFC_OK, HFC_ERR_FORMAT, HFC_ERR_UNSUPPORTED. Logs
 * nothing: real-time safe. */
HFC_API int hfc_token_header_parse(const void *data, size_t n_bytes, hfc_token_header *header);

/* One frame's tokens packed as in .hfc: n_codebooks tokens of
 * ceil(log2(codebook_size)) bits, MSB first, zero bits to the end of the last byte.
 * hfc_token_frame_bytes is that byte count: 5 for the default model (4 x 10 bits),
 * whose packed frames laid end to end are exactly a .hfc payload. Returns it, or
 * HFC_ERR_INVALID_ARG. */
HFC_API int hfc_token_frame_bytes(const hfc_token_header *header);

/* Packs one frame (n_codebooks tokens) into out (capacity max_bytes). Returns the
 * bytes written, HFC_ERR_BAD_TOKEN (nothing written), HFC_ERR_BUFFER_TOO_SMALL or
 * HFC_ERR_INVALID_ARG. Real-time safe. */
HFC_API int hfc_token_frame_pack(const hfc_token_header *header, const hfc_token *frame,
                                 uint8_t *out, size_t max_bytes);

/* Unpacks one frame from the first hfc_token_frame_bytes of in (n_bytes available)
 * into frame (n_codebooks tokens). HFC_OK, HFC_ERR_TOO_SHORT (n_bytes too few),
 * HFC_ERR_BAD_TOKEN (a token above the codebook), HFC_ERR_FORMAT (nonzero padding
 * bits). Real-time safe. */
HFC_API int hfc_token_frame_unpack(const hfc_token_header *header, const uint8_t *in,
                                   size_t n_bytes, hfc_token *frame);

/* ------------------------------------------------------------------------ */
/* Packet-loss concealment                                                  */
/* ------------------------------------------------------------------------ */

/* A streaming decoder can be told that frames were lost (a packet that never
 * came): hfc_decoder_conceal produces their samples from what it decoded before,
 * so the stream keeps its length and timing, and its state stays consistent for
 * the frames that follow. Over a long burst the concealed audio fades to silence;
 * when real frames return, hfc_decoder_push fades from the concealment's level
 * back to full. No latency is added: a frame is concealed when its turn to play
 * comes, with nothing from the future. Cost: at most that of decoding a frame
 * (the generator runs on a made-up latent), nothing once the fade has reached
 * silence (causal models). How the methods were chosen, with measurements:
 * docs/RTP.md, "Concealment". */

enum hfc_conceal_method {
    HFC_CONCEAL_REPEAT = 0,       /* the last received frame's latent again (token
                                     repetition), faded: the default */
    HFC_CONCEAL_EXTRAPOLATE = 1,  /* the latent moves on along its last step, damped
                                     by half every frame, faded */
    HFC_CONCEAL_SILENCE = 2       /* lost frames are silent: what a decoder without
                                     concealment gives; for comparison */
};

typedef struct hfc_conceal_options {
    int method;           /* enum hfc_conceal_method; default HFC_CONCEAL_REPEAT */
    int fade_after_ms;    /* concealed audio played at full level first; 0..10000,
                             default 20 */
    int fade_ms;          /* then faded linearly to silence over this; 1..10000,
                             default 200 (docs/RTP.md: measured) */
    int crossfade_ms;     /* real frames after a loss: from the concealment's last
                             level up to full over this; 0..10000, default 20 */
} hfc_conceal_options;

/* Fills *options with the defaults. */
HFC_API void hfc_conceal_options_init(hfc_conceal_options *options);

/* Sets how decoder conceals from now on (a decoder starts with the defaults).
 * HFC_OK or HFC_ERR_INVALID_ARG (a field out of range; nothing changed). Not a
 * per-frame call, but it allocates nothing: any thread that owns the decoder. */
HFC_API int hfc_decoder_set_conceal_options(hfc_decoder *decoder,
                                            const hfc_conceal_options *options);

/* Streaming: n_frames frames were lost, in stream order between the frames pushed
 * before and after this call (0 is a no-op). Writes their samples to pcm_out
 * (capacity max_samples, at least n_frames * hop) exactly as hfc_decoder_push of
 * n_frames frames would: n_frames * hop samples for causal models, the samples
 * that became final for non-causal ones. Returns the samples written, or
 * HFC_ERR_BUFFER_TOO_SMALL / HFC_ERR_INVALID_ARG (nothing consumed). Lost frames
 * before the first received one are silence. hfc_decoder_reset and _flush forget
 * the concealment state too. Real-time safe: no allocation, lock, log or I/O. */
HFC_API int64_t hfc_decoder_conceal(hfc_decoder *decoder, int64_t n_frames, float *pcm_out,
                                    int64_t max_samples);

/* ------------------------------------------------------------------------ */
/* RTP: payload format, redundancy, receiver                                */
/* ------------------------------------------------------------------------ */

/* The RTP payload format of docs/RTP.md. A payload is one header byte, then
 * n_redundant + n_frames frames packed as hfc_token_frame_pack does (5 bytes each
 * for the default model), oldest first: the n_redundant frames just before the
 * packet's RTP timestamp (copies of frames sent before, for redundancy), then the
 * n_frames frames from the timestamp on. The RTP clock runs at the model's sample
 * rate, so frame i after the timestamp is at timestamp + i * hop.
 *
 * The calls take the stream's geometry (codebook size and count, hop) from an
 * hfc_token_header (hfc_token_header_for_model). The payload calls, and the
 * sender's and receiver's per-packet calls, are real-time safe: no allocation,
 * lock, log or I/O; senders and receivers are sized at create and used by one
 * thread at a time. */

#define HFC_RTP_PAYLOAD_HEADER_BYTES 1
#define HFC_RTP_MAX_REDUNDANT_FRAMES 7   /* what the header can carry; senders use 0..4 */
#define HFC_RTP_MAX_FRAMES_PER_PACKET 50 /* one second of the default model */

/* A parsed payload. frames points into the bytes that were parsed. */
typedef struct hfc_rtp_payload {
    int n_redundant;        /* 0..HFC_RTP_MAX_REDUNDANT_FRAMES */
    int n_frames;           /* 1..HFC_RTP_MAX_FRAMES_PER_PACKET */
    int frame_bytes;        /* hfc_token_frame_bytes */
    const uint8_t *frames;  /* n_redundant + n_frames packed frames, oldest first */
} hfc_rtp_payload;

/* Bytes of a payload with these frame counts, or HFC_ERR_INVALID_ARG. */
HFC_API int hfc_rtp_payload_bytes(const hfc_token_header *header, int n_redundant, int n_frames);

/* Writes a payload: frames holds n_redundant + n_frames frames of tokens, oldest
 * first. Returns the bytes written, HFC_ERR_BAD_TOKEN, HFC_ERR_BUFFER_TOO_SMALL or
 * HFC_ERR_INVALID_ARG (nothing written). */
HFC_API int hfc_rtp_payload_write(const hfc_token_header *header, const hfc_token *frames,
                                  int n_redundant, int n_frames, uint8_t *out,
                                  size_t max_bytes);

/* Parses and checks a whole payload (n_bytes at payload, borrowed): the header
 * byte, a length that is a whole number of frames with at least one after the
 * redundant ones, and every frame's tokens and padding. HFC_OK and *out filled,
 * or HFC_ERR_TOO_SHORT (empty), HFC_ERR_FORMAT (unknown version, reserved bits
 * set, a length that does not fit), HFC_ERR_BAD_TOKEN, HFC_ERR_INVALID_ARG;
 * never reads outside the n_bytes. */
HFC_API int hfc_rtp_payload_parse(const hfc_token_header *header, const void *payload,
                                  size_t n_bytes, hfc_rtp_payload *out);

/* Sender: frames in, payloads out, every payload carrying the n_redundant frames
 * before its own (fewer at the start of the stream). */
typedef struct hfc_rtp_sender hfc_rtp_sender;

typedef struct hfc_rtp_sender_options {
    int n_redundant;         /* 0..HFC_RTP_MAX_REDUNDANT_FRAMES; default 0 */
    int frames_per_packet;   /* 1..HFC_RTP_MAX_FRAMES_PER_PACKET; default 1 */
    uint32_t first_timestamp; /* RTP timestamp of the stream's first frame; default 0
                                 (RFC 3550 wants a random one: set it) */
} hfc_rtp_sender_options;

HFC_API void hfc_rtp_sender_options_init(hfc_rtp_sender_options *options);
/* header: the stream's geometry, copied. NULL and *status on failure. */
HFC_API hfc_rtp_sender *hfc_rtp_sender_create(const hfc_token_header *header,
                                              const hfc_rtp_sender_options *options,
                                              int *status);
HFC_API void hfc_rtp_sender_destroy(hfc_rtp_sender *sender);
/* Forgets the history; the next frame is at options->first_timestamp again. */
HFC_API void hfc_rtp_sender_reset(hfc_rtp_sender *sender);
/* The largest payload this sender writes. */
HFC_API int hfc_rtp_sender_max_payload_bytes(const hfc_rtp_sender *sender);

/* Adds one frame (n_codebooks tokens). When it completes a packet, writes the
 * payload to out (capacity max_bytes), its RTP timestamp (of its first
 * non-redundant frame) to *timestamp, and returns the payload's bytes; otherwise
 * returns 0. HFC_ERR_BAD_TOKEN or HFC_ERR_BUFFER_TOO_SMALL: nothing consumed. */
HFC_API int hfc_rtp_sender_push(hfc_rtp_sender *sender, const hfc_token *frame, uint8_t *out,
                                size_t max_bytes, uint32_t *timestamp);

/* Ends a packet early with the frames pushed since the last one (the end of the
 * stream). Returns its bytes as hfc_rtp_sender_push, or 0 when none are pending. */
HFC_API int hfc_rtp_sender_flush(hfc_rtp_sender *sender, uint8_t *out, size_t max_bytes,
                                 uint32_t *timestamp);

/* Receiver: a jitter buffer of frames. Payloads go in as they arrive, in any
 * order, with their RTP timestamps; frames come out in stream order, one per call,
 * when the application's playout clock says so. A redundant copy fills the slot
 * of a frame whose own packet was lost; a frame missing when its turn comes is
 * reported so that the application conceals it (hfc_decoder_conceal). The play
 * position starts at the earliest frame of the first payload (or where
 * hfc_rtp_receiver_start puts it) and moves one frame per hfc_rtp_receiver_get;
 * how long to wait between the first packet and the first get (the playout delay;
 * at least n_redundant frames to benefit from redundancy) is the application's. */
typedef struct hfc_rtp_receiver hfc_rtp_receiver;

typedef struct hfc_rtp_receiver_options {
    int capacity_frames;    /* frames held ahead of the play position, 1..10000;
                               default 64 (1.28 s of the default model). A payload
                               further ahead restarts the play position at it (a
                               sender that restarted, or a receiver that stalled) */
} hfc_rtp_receiver_options;

typedef struct hfc_rtp_receiver_stats {
    int64_t packets;           /* payloads put, well-formed */
    int64_t malformed;         /* payloads rejected by hfc_rtp_payload_parse or off
                                  the frame grid */
    int64_t frames_primary;    /* frames stored from their own packet */
    int64_t frames_redundant;  /* frames stored from a redundant copy (their own
                                  packet had not come) */
    int64_t duplicates;        /* frames that were already held */
    int64_t late;              /* non-redundant frames that came after their turn */
    int64_t restarts;          /* play position restarted by a payload too far ahead */
    int64_t played;            /* frames hfc_rtp_receiver_get returned ... */
    int64_t played_redundant;  /* ... of them from a redundant copy */
    int64_t missing;           /* turns with no frame: to conceal */
} hfc_rtp_receiver_stats;

HFC_API void hfc_rtp_receiver_options_init(hfc_rtp_receiver_options *options);
HFC_API hfc_rtp_receiver *hfc_rtp_receiver_create(const hfc_token_header *header,
                                                  const hfc_rtp_receiver_options *options,
                                                  int *status);
HFC_API void hfc_rtp_receiver_destroy(hfc_rtp_receiver *receiver);
/* Empties the buffer and forgets the play position and the statistics. */
HFC_API void hfc_rtp_receiver_reset(hfc_rtp_receiver *receiver);

/* Puts the frame with this RTP timestamp next in line to play (frames held before
 * it are dropped). HFC_OK or HFC_ERR_INVALID_ARG. */
HFC_API int hfc_rtp_receiver_start(hfc_rtp_receiver *receiver, uint32_t timestamp);

/* Puts one payload whose RTP timestamp is timestamp. Returns the frames it
 * stored (0 when all were duplicates or late), or a status from
 * hfc_rtp_payload_parse, or HFC_ERR_FORMAT for a timestamp off the stream's frame
 * grid; a rejected payload stores nothing. */
HFC_API int hfc_rtp_receiver_put(hfc_rtp_receiver *receiver, uint32_t timestamp,
                                 const void *payload, size_t n_bytes);

/* Takes the frame whose turn it is and moves on: 1 with its n_codebooks tokens in
 * frame, 0 when it is missing (conceal it), HFC_ERR_STATE while no payload has
 * come and no start was set. *timestamp (when not NULL) receives its RTP
 * timestamp. */
HFC_API int hfc_rtp_receiver_get(hfc_rtp_receiver *receiver, hfc_token *frame,
                                 uint32_t *timestamp);

/* Frames held from the play position to the newest frame stored, gaps included:
 * how far ahead the network is of playout. 0 when empty. */
HFC_API int hfc_rtp_receiver_buffered_frames(const hfc_rtp_receiver *receiver);

HFC_API int hfc_rtp_receiver_get_stats(const hfc_rtp_receiver *receiver,
                                       hfc_rtp_receiver_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* HIFICODEC_H */
