/* hificodecenc (hificodecenc.h). One input buffer goes through three steps, each
 * with a buffer kept between calls: mono float (the channels' average; 16-bit
 * input scaled by 1/32768 as libsndfile reads it, so a file at the model's rate
 * gives the samples `hificodec encode` sees), libsoxr at the model's rate (a
 * pass-through when the rates agree), then hfc_encoder_push. Frame k of the
 * stream is stamped first_pts + k hops: the encoder is causal in time, and soxr
 * compensates its own delay. */
#include "hificodecenc.h"

#include <gst/audio/audio.h>
#include <soxr.h>
#include <string.h>

#include "model.h"

GST_DEBUG_CATEGORY_STATIC(hfc_enc_debug);
#define GST_CAT_DEFAULT hfc_enc_debug

#define DEFAULT_FRAMES_PER_BUFFER 1
#define MAX_FRAMES_PER_BUFFER 50

enum { PROP_0, PROP_MODEL, PROP_FRAMES_PER_BUFFER, PROP_FRAMES_ENCODED };

struct _HfcGstEnc {
    GstElement parent;
    GstPad *sinkpad, *srcpad;
    gchar *model_path;
    guint frames_per_buffer;

    hfc_model *model;
    hfc_model_info info;
    hfc_token_header header;
    int frame_bytes;
    hfc_encoder *encoder;

    GstAudioInfo in;          /* negotiated input */
    soxr_t soxr;              /* NULL: input already at the model's rate */
    float *mono, *resampled;  /* scratch, grown as needed */
    gsize mono_capacity, resampled_capacity;
    hfc_token *tokens;        /* frames from one push */
    gsize tokens_capacity;    /* frames */
    guint8 *pending;          /* packed frames not yet pushed */
    guint n_pending;
    GstClockTime first_pts;   /* of frame 0; NONE until the first buffer */
    guint64 frames_out;       /* frames packed since first_pts */
    gboolean discont;
};

G_DEFINE_TYPE(HfcGstEnc, hfc_gst_enc, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(hificodecenc, "hificodecenc", GST_RANK_PRIMARY, HFC_GST_TYPE_ENC)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string){ F32LE, S16LE }, layout=(string)interleaved, "
                    "rate=(int)[ 1, 768000 ], channels=(int)[ 1, 64 ]"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(HFC_GST_TOKENS_MEDIA_TYPE));

static gboolean grow(gpointer *buffer, gsize *capacity, gsize n, gsize item_bytes)
{
    if (n <= *capacity)
        return TRUE;
    *buffer = g_realloc(*buffer, n * item_bytes);
    *capacity = n;
    return TRUE;
}

static void reset_stream(HfcGstEnc *self)
{
    if (self->encoder)
        hfc_encoder_reset(self->encoder);
    if (self->soxr)
        soxr_clear(self->soxr);
    self->n_pending = 0;
    self->first_pts = GST_CLOCK_TIME_NONE;
    self->frames_out = 0;
    self->discont = TRUE;
}

static GstFlowReturn push_pending(HfcGstEnc *self)
{
    if (self->n_pending == 0)
        return GST_FLOW_OK;
    const gsize n_bytes = (gsize)self->n_pending * (gsize)self->frame_bytes;
    GstBuffer *buf = gst_buffer_new_memdup(self->pending, n_bytes);
    const int rate = self->info.sample_rate_hz, hop = self->info.hop_samples;
    const guint64 first = self->frames_out - self->n_pending;
    GST_BUFFER_PTS(buf) = self->first_pts + hfc_gst_samples_to_time(first * hop, rate);
    GST_BUFFER_DURATION(buf) =
        hfc_gst_samples_to_time((first + self->n_pending) * hop, rate) -
        hfc_gst_samples_to_time(first * hop, rate);
    GST_BUFFER_OFFSET(buf) = first;
    GST_BUFFER_OFFSET_END(buf) = first + self->n_pending;
    if (self->discont) {
        GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
        self->discont = FALSE;
    }
    self->n_pending = 0;
    return gst_pad_push(self->srcpad, buf);
}

/* Encodes n samples at the model's rate; pushes whole buffers of frames. */
static GstFlowReturn encode(HfcGstEnc *self, const float *pcm, gsize n, gboolean flush)
{
    const int hop = self->info.hop_samples, nc = self->info.n_codebooks;
    const gsize max_frames = n / (gsize)hop + 2 + (gsize)(hfc_encoder_latency(self->encoder) / hop);
    grow((gpointer *)&self->tokens, &self->tokens_capacity, max_frames * (gsize)nc,
         sizeof *self->tokens);
    int64_t got = flush ? hfc_encoder_flush(self->encoder, self->tokens, (int64_t)max_frames)
                        : hfc_encoder_push(self->encoder, pcm, (int64_t)n, self->tokens,
                                           (int64_t)max_frames);
    if (got < 0) {
        GST_ELEMENT_ERROR(self, STREAM, ENCODE, ("hificodec encoder: %s", hfc_strerror((int)got)),
                          (NULL));
        return GST_FLOW_ERROR;
    }
    GstFlowReturn ret = GST_FLOW_OK;
    for (int64_t f = 0; f < got && ret == GST_FLOW_OK; f++) {
        hfc_token_frame_pack(&self->header, self->tokens + f * nc,
                             self->pending + (gsize)self->n_pending * (gsize)self->frame_bytes,
                             (size_t)self->frame_bytes);
        self->n_pending++;
        self->frames_out++;
        if (self->n_pending == self->frames_per_buffer)
            ret = push_pending(self);
    }
    return ret;
}

static GstFlowReturn resample_and_encode(HfcGstEnc *self, const float *mono, gsize n)
{
    if (!self->soxr)
        return encode(self, mono, n, FALSE);
    const double ratio = (double)self->info.sample_rate_hz / GST_AUDIO_INFO_RATE(&self->in);
    const gsize room = (gsize)(n * ratio) + 64;
    grow((gpointer *)&self->resampled, &self->resampled_capacity, room, sizeof(float));
    size_t done_in = 0, done_out = 0;
    soxr_error_t error = soxr_process(self->soxr, n > 0 ? mono : NULL, n, &done_in,
                                      self->resampled, room, &done_out);
    if (error) {
        GST_ELEMENT_ERROR(self, STREAM, ENCODE, ("libsoxr: %s", error), (NULL));
        return GST_FLOW_ERROR;
    }
    return encode(self, self->resampled, done_out, FALSE);
}

/* End of input: soxr's tail, in as many calls as it takes. */
static GstFlowReturn drain_resampler(HfcGstEnc *self)
{
    const gsize room = 4096;
    grow((gpointer *)&self->resampled, &self->resampled_capacity, room, sizeof(float));
    GstFlowReturn ret = GST_FLOW_OK;
    size_t done_out = 0;
    do {
        soxr_error_t error = soxr_process(self->soxr, NULL, 0, NULL, self->resampled, room,
                                          &done_out);
        if (error) {
            GST_ELEMENT_ERROR(self, STREAM, ENCODE, ("libsoxr: %s", error), (NULL));
            return GST_FLOW_ERROR;
        }
        ret = encode(self, self->resampled, done_out, FALSE);
    } while (done_out > 0 && ret == GST_FLOW_OK);
    return ret;
}

static GstFlowReturn hfc_enc_chain(GstPad *pad, GstObject *parent, GstBuffer *buf)
{
    (void)pad;
    HfcGstEnc *self = HFC_GST_ENC(parent);
    if (!GST_AUDIO_INFO_IS_VALID(&self->in) || !self->encoder) {
        gst_buffer_unref(buf);
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, (NULL), ("no caps before the first buffer"));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    if (GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DISCONT) && self->first_pts != GST_CLOCK_TIME_NONE)
        self->discont = TRUE;
    if (self->first_pts == GST_CLOCK_TIME_NONE)
        self->first_pts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : 0;
    GstMapInfo map;
    if (!gst_buffer_map(buf, &map, GST_MAP_READ)) {
        gst_buffer_unref(buf);
        return GST_FLOW_ERROR;
    }
    const int channels = GST_AUDIO_INFO_CHANNELS(&self->in);
    const gsize n = map.size / (gsize)GST_AUDIO_INFO_BPF(&self->in);
    grow((gpointer *)&self->mono, &self->mono_capacity, n + 1, sizeof(float));
    const gboolean is_float = GST_AUDIO_INFO_FORMAT(&self->in) == GST_AUDIO_FORMAT_F32LE;
    for (gsize i = 0; i < n; i++) {
        float sum = 0.0f;
        for (int c = 0; c < channels; c++) {
            gsize at = i * (gsize)channels + (gsize)c;
            if (is_float) {
                float v;
                memcpy(&v, map.data + at * 4, 4);
                sum += v;
            } else {
                gint16 v;
                memcpy(&v, map.data + at * 2, 2);
                sum += (float)GINT16_FROM_LE(v) * (1.0f / 32768.0f);
            }
        }
        self->mono[i] = channels == 1 ? sum : sum / (float)channels;
    }
    gst_buffer_unmap(buf, &map);
    gst_buffer_unref(buf);
    return resample_and_encode(self, self->mono, n);
}

static gboolean set_input_caps(HfcGstEnc *self, GstCaps *caps)
{
    GstAudioInfo in;
    if (!gst_audio_info_from_caps(&in, caps))
        return FALSE;
    if (self->soxr) {
        soxr_delete(self->soxr);
        self->soxr = NULL;
    }
    if (GST_AUDIO_INFO_RATE(&in) != self->info.sample_rate_hz) {
        soxr_error_t error = NULL;
        soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
        self->soxr = soxr_create(GST_AUDIO_INFO_RATE(&in), self->info.sample_rate_hz, 1, &error,
                                 NULL, &quality, NULL);
        if (!self->soxr) {
            GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("libsoxr: %s", error), (NULL));
            return FALSE;
        }
    }
    self->in = in;
    GstCaps *out = hfc_gst_tokens_caps(self->model);
    gboolean ok = gst_pad_set_caps(self->srcpad, out);
    gst_caps_unref(out);
    return ok;
}

static gboolean hfc_enc_sink_event(GstPad *pad, GstObject *parent, GstEvent *event)
{
    HfcGstEnc *self = HFC_GST_ENC(parent);
    switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
        GstCaps *caps;
        gst_event_parse_caps(event, &caps);
        gboolean ok = self->encoder && set_input_caps(self, caps);
        gst_event_unref(event);
        return ok;
    }
    case GST_EVENT_EOS: {
        /* The resampler's tail, the encoder's look-ahead, the last partial buffer. */
        GstFlowReturn ret = GST_FLOW_OK;
        if (self->encoder && GST_AUDIO_INFO_IS_VALID(&self->in) &&
            self->first_pts != GST_CLOCK_TIME_NONE) {
            if (self->soxr)
                ret = drain_resampler(self);
            if (ret == GST_FLOW_OK)
                ret = encode(self, NULL, 0, TRUE);
            if (ret == GST_FLOW_OK)
                ret = push_pending(self);
        }
        (void)ret;
        return gst_pad_event_default(pad, parent, event);
    }
    case GST_EVENT_FLUSH_STOP:
        reset_stream(self);
        return gst_pad_event_default(pad, parent, event);
    case GST_EVENT_TAG: {
        /* Stream tags describe the input's format (codec, bitrate, container), not
         * ours: only global ones (title, artist...) go on. */
        GstTagList *tags;
        gst_event_parse_tag(event, &tags);
        if (gst_tag_list_get_scope(tags) == GST_TAG_SCOPE_STREAM) {
            gst_event_unref(event);
            return TRUE;
        }
        return gst_pad_event_default(pad, parent, event);
    }
    default:
        return gst_pad_event_default(pad, parent, event);
    }
}

static GstStateChangeReturn hfc_enc_change_state(GstElement *element, GstStateChange transition)
{
    HfcGstEnc *self = HFC_GST_ENC(element);
    if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
        self->model = hfc_gst_model_load(element, self->model_path);
        if (!self->model)
            return GST_STATE_CHANGE_FAILURE;
        hfc_model_get_info(self->model, &self->info);
        hfc_token_header_for_model(self->model, &self->header);
        self->frame_bytes = hfc_token_frame_bytes(&self->header);
        int status = HFC_OK;
        self->encoder = hfc_encoder_create(self->model, NULL, &status);
        if (!self->encoder) {
            GST_ELEMENT_ERROR(self, LIBRARY, INIT, ("hificodec encoder: %s", hfc_strerror(status)),
                              (NULL));
            return GST_STATE_CHANGE_FAILURE;
        }
        self->pending = g_malloc((gsize)self->frame_bytes * MAX_FRAMES_PER_BUFFER);
    }
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
        gst_audio_info_init(&self->in);
        reset_stream(self);
    }
    GstStateChangeReturn ret =
        GST_ELEMENT_CLASS(hfc_gst_enc_parent_class)->change_state(element, transition);
    if (transition == GST_STATE_CHANGE_READY_TO_NULL) {
        hfc_encoder_destroy(self->encoder);
        self->encoder = NULL;
        hfc_model_free(self->model);
        self->model = NULL;
        g_clear_pointer(&self->pending, g_free);
        if (self->soxr) {
            soxr_delete(self->soxr);
            self->soxr = NULL;
        }
    }
    return ret;
}

static void hfc_enc_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
    HfcGstEnc *self = HFC_GST_ENC(object);
    switch (id) {
    case PROP_MODEL:
        g_free(self->model_path);
        self->model_path = g_value_dup_string(value);
        break;
    case PROP_FRAMES_PER_BUFFER:
        self->frames_per_buffer = g_value_get_uint(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void hfc_enc_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    HfcGstEnc *self = HFC_GST_ENC(object);
    switch (id) {
    case PROP_MODEL:
        g_value_set_string(value, self->model_path);
        break;
    case PROP_FRAMES_PER_BUFFER:
        g_value_set_uint(value, self->frames_per_buffer);
        break;
    case PROP_FRAMES_ENCODED:
        g_value_set_uint64(value, self->frames_out);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void hfc_enc_finalize(GObject *object)
{
    HfcGstEnc *self = HFC_GST_ENC(object);
    g_free(self->model_path);
    g_free(self->mono);
    g_free(self->resampled);
    g_free(self->tokens);
    G_OBJECT_CLASS(hfc_gst_enc_parent_class)->finalize(object);
}

static void hfc_gst_enc_class_init(HfcGstEncClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    object_class->set_property = hfc_enc_set_property;
    object_class->get_property = hfc_enc_get_property;
    object_class->finalize = hfc_enc_finalize;
    element_class->change_state = hfc_enc_change_state;

    g_object_class_install_property(
        object_class, PROP_MODEL,
        g_param_spec_string("model", "Model file",
                            "The hificodec model (.safetensors); empty: $HFC_MODEL, then the "
                            "shipped default model. Read when the element goes to READY",
                            NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                      GST_PARAM_MUTABLE_READY));
    g_object_class_install_property(
        object_class, PROP_FRAMES_PER_BUFFER,
        g_param_spec_uint("frames-per-buffer", "Frames per buffer",
                          "Frames (20 ms each for the default model) in each output buffer",
                          1, MAX_FRAMES_PER_BUFFER, DEFAULT_FRAMES_PER_BUFFER,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
    g_object_class_install_property(
        object_class, PROP_FRAMES_ENCODED,
        g_param_spec_uint64("frames-encoded", "Frames encoded",
                            "Frames encoded since the stream started", 0, G_MAXUINT64, 0,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);
    gst_element_class_set_static_metadata(
        element_class, "HiFi-Codec speech encoder", "Codec/Encoder/Audio",
        "Encodes speech into hificodec tokens (2 kbit/s with the default model): any rate and "
        "channel count in, averaged to mono and resampled to the model's rate",
        "hificodec developers");
    GST_DEBUG_CATEGORY_INIT(hfc_enc_debug, "hificodecenc", 0, "hificodec encoder");
}

static void hfc_gst_enc_init(HfcGstEnc *self)
{
    self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
    gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(hfc_enc_chain));
    gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(hfc_enc_sink_event));
    gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
    self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
    gst_pad_use_fixed_caps(self->srcpad);
    gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
    self->frames_per_buffer = DEFAULT_FRAMES_PER_BUFFER;
    gst_audio_info_init(&self->in);
    self->first_pts = GST_CLOCK_TIME_NONE;
}
