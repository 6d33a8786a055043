/* hificodecdec (hificodecdec.h). The decoder keeps its own timeline: frame k of
 * the stream plays at first_pts + k hops. A buffer stamped later than the next
 * frame's time means frames were lost in between (a GAP event says the same):
 * they are concealed first, so the output stays continuous and as long as the
 * stream. A buffer stamped earlier overlaps what has played: the frames already
 * played are skipped. 16-bit output rounds as `hificodec decode` writes 16-bit
 * files, so the two give the same bytes. At EOS an element message,
 * hificodecdec-stats, carries frames-decoded and frames-concealed. */
#include "hificodecdec.h"

#include <gst/audio/audio.h>
#include <math.h>
#include <string.h>

#include "model.h"

GST_DEBUG_CATEGORY_STATIC(hfc_dec_debug);
#define GST_CAT_DEFAULT hfc_dec_debug

#define MAX_CONCEAL_FRAMES_PER_BUFFER 50

enum { PROP_0, PROP_MODEL, PROP_CONCEAL, PROP_FRAMES_DECODED, PROP_FRAMES_CONCEALED };

struct _HfcGstDec {
    GstElement parent;
    GstPad *sinkpad, *srcpad;
    gchar *model_path;
    int conceal_method;   /* enum hfc_conceal_method */

    hfc_model *model;
    hfc_model_info info;
    hfc_token_header header;
    int frame_bytes;
    hfc_decoder *decoder;
    gboolean s16;         /* negotiated S16LE, else F32LE */
    gboolean negotiated;

    float *pcm;           /* scratch, grown as needed */
    gsize pcm_capacity;   /* samples */
    hfc_token *tokens;    /* one frame */

    GstClockTime first_pts; /* of frame 0; NONE until the first buffer or gap */
    guint64 frames_in;      /* frames decoded or concealed since first_pts */
    guint64 samples_out;    /* samples pushed since first_pts */
    guint64 frames_decoded, frames_concealed;
    gboolean discont;
};

G_DEFINE_TYPE(HfcGstDec, hfc_gst_dec, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(hificodecdec, "hificodecdec", GST_RANK_PRIMARY, HFC_GST_TYPE_DEC)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(HFC_GST_TOKENS_MEDIA_TYPE));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string){ F32LE, S16LE }, layout=(string)interleaved, "
                    "rate=(int)[ 1, 768000 ], channels=(int)1"));

#define HFC_GST_TYPE_CONCEAL_METHOD (hfc_gst_conceal_method_get_type())
static GType hfc_gst_conceal_method_get_type(void)
{
    static GType type = 0;
    static const GEnumValue values[] = {
        {HFC_CONCEAL_REPEAT, "The last frame received again, faded out over long losses",
         "repeat"},
        {HFC_CONCEAL_EXTRAPOLATE, "The latent continued along its last step, faded", "extrapolate"},
        {HFC_CONCEAL_SILENCE, "Silence (no concealment, for comparison)", "silence"},
        {0, NULL, NULL}};
    if (g_once_init_enter(&type)) {
        GType t = g_enum_register_static("HfcGstConcealMethod", values);
        g_once_init_leave(&type, t);
    }
    return type;
}

static short float_to_pcm16(float sample)
{
    float scaled = sample * 32768.0f;
    if (!(scaled > -32768.0f))
        return -32768;
    if (scaled > 32767.0f)
        return 32767;
    return (short)lrintf(scaled);
}

static GstClockTime frame_time(const HfcGstDec *self, guint64 frame)
{
    return self->first_pts +
           hfc_gst_samples_to_time(frame * (guint64)self->info.hop_samples, self->info.sample_rate_hz);
}

static void grow_pcm(HfcGstDec *self, gsize n)
{
    if (n > self->pcm_capacity) {
        self->pcm = g_realloc(self->pcm, n * sizeof *self->pcm);
        self->pcm_capacity = n;
    }
}

static void reset_stream(HfcGstDec *self)
{
    if (self->decoder)
        hfc_decoder_reset(self->decoder);
    self->first_pts = GST_CLOCK_TIME_NONE;
    self->frames_in = 0;
    self->samples_out = 0;
    self->discont = TRUE;
}

/* Pushes n samples of self->pcm, stamped where the output timeline is. */
static GstFlowReturn push_pcm(HfcGstDec *self, gsize n)
{
    if (n == 0)
        return GST_FLOW_OK;
    const gsize sample_bytes = self->s16 ? 2 : 4;
    GstBuffer *buf = gst_buffer_new_allocate(NULL, n * sample_bytes, NULL);
    GstMapInfo map;
    gst_buffer_map(buf, &map, GST_MAP_WRITE);
    if (self->s16) {
        for (gsize i = 0; i < n; i++) {
            gint16 v = GINT16_TO_LE(float_to_pcm16(self->pcm[i]));
            memcpy(map.data + 2 * i, &v, 2);
        }
    } else {
        memcpy(map.data, self->pcm, n * 4);
    }
    gst_buffer_unmap(buf, &map);
    const int rate = self->info.sample_rate_hz;
    GST_BUFFER_PTS(buf) = self->first_pts + hfc_gst_samples_to_time(self->samples_out, rate);
    GST_BUFFER_DURATION(buf) = hfc_gst_samples_to_time(self->samples_out + n, rate) -
                               hfc_gst_samples_to_time(self->samples_out, rate);
    GST_BUFFER_OFFSET(buf) = self->samples_out;
    GST_BUFFER_OFFSET_END(buf) = self->samples_out + n;
    if (self->discont) {
        GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
        self->discont = FALSE;
    }
    self->samples_out += n;
    return gst_pad_push(self->srcpad, buf);
}

static GstFlowReturn conceal(HfcGstDec *self, guint64 n_frames)
{
    const int hop = self->info.hop_samples;
    GstFlowReturn ret = GST_FLOW_OK;
    GST_DEBUG_OBJECT(self, "concealing %" G_GUINT64_FORMAT " frames", n_frames);
    while (n_frames > 0 && ret == GST_FLOW_OK) {
        const guint64 k = MIN(n_frames, MAX_CONCEAL_FRAMES_PER_BUFFER);
        grow_pcm(self, (gsize)k * (gsize)hop);
        int64_t n = hfc_decoder_conceal(self->decoder, (int64_t)k, self->pcm,
                                        (int64_t)self->pcm_capacity);
        if (n < 0) {
            GST_ELEMENT_ERROR(self, STREAM, DECODE, ("hificodec conceal: %s", hfc_strerror((int)n)),
                              (NULL));
            return GST_FLOW_ERROR;
        }
        self->frames_in += k;
        self->frames_concealed += k;
        n_frames -= k;
        ret = push_pcm(self, (gsize)n);
    }
    return ret;
}

/* Frames lost before time t (the start of what comes next): conceals them. */
static GstFlowReturn conceal_until(HfcGstDec *self, GstClockTime t)
{
    if (self->first_pts == GST_CLOCK_TIME_NONE) {
        self->first_pts = t;
        return GST_FLOW_OK;
    }
    const GstClockTime expected = frame_time(self, self->frames_in);
    if (t <= expected)
        return GST_FLOW_OK;
    const GstClockTime hop_time =
        hfc_gst_samples_to_time((guint64)self->info.hop_samples, self->info.sample_rate_hz);
    const guint64 lost = (t - expected + hop_time / 2) / hop_time;
    return lost > 0 ? conceal(self, lost) : GST_FLOW_OK;
}

static GstFlowReturn hfc_dec_chain(GstPad *pad, GstObject *parent, GstBuffer *buf)
{
    (void)pad;
    HfcGstDec *self = HFC_GST_DEC(parent);
    if (!self->negotiated) {
        gst_buffer_unref(buf);
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, (NULL), ("no caps before the first buffer"));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    GstFlowReturn ret = GST_FLOW_OK;
    const GstClockTime hop_time =
        hfc_gst_samples_to_time((guint64)self->info.hop_samples, self->info.sample_rate_hz);
    guint64 skip = 0;
    if (GST_BUFFER_PTS_IS_VALID(buf)) {
        const GstClockTime pts = GST_BUFFER_PTS(buf);
        ret = conceal_until(self, pts);
        const GstClockTime expected = frame_time(self, self->frames_in);
        if (pts + hop_time / 2 < expected) /* overlaps what has played */
            skip = (expected - pts + hop_time / 2) / hop_time;
    } else if (self->first_pts == GST_CLOCK_TIME_NONE) {
        self->first_pts = 0;
    }
    GstMapInfo map;
    if (ret != GST_FLOW_OK || !gst_buffer_map(buf, &map, GST_MAP_READ)) {
        gst_buffer_unref(buf);
        return ret != GST_FLOW_OK ? ret : GST_FLOW_ERROR;
    }
    const gsize n_frames = map.size / (gsize)self->frame_bytes;
    if (map.size % (gsize)self->frame_bytes != 0)
        GST_ELEMENT_WARNING(self, STREAM, DECODE, ("A buffer of %" G_GSIZE_FORMAT " bytes is not "
                            "whole %d-byte frames: its tail is dropped", map.size,
                            self->frame_bytes), (NULL));
    const int hop = self->info.hop_samples;
    const gsize capacity = (n_frames + 2) * (gsize)hop + (gsize)hfc_decoder_latency(self->decoder);
    grow_pcm(self, capacity);
    gsize n_samples = 0;
    for (gsize f = (gsize)skip; f < n_frames; f++) {
        int st = hfc_token_frame_unpack(&self->header, map.data + f * (gsize)self->frame_bytes,
                                        (size_t)self->frame_bytes, self->tokens);
        int64_t n = st == HFC_OK ? hfc_decoder_push(self->decoder, self->tokens, 1,
                                                    self->pcm + n_samples,
                                                    (int64_t)(capacity - n_samples))
                                 : st;
        if (n < 0) { /* a corrupt frame is a lost one */
            GST_WARNING_OBJECT(self, "frame %" G_GSIZE_FORMAT ": %s; concealed", f,
                               hfc_strerror((int)n));
            n = hfc_decoder_conceal(self->decoder, 1, self->pcm + n_samples,
                                    (int64_t)(capacity - n_samples));
            self->frames_concealed++;
        } else {
            self->frames_decoded++;
        }
        if (n < 0) {
            ret = GST_FLOW_ERROR;
            break;
        }
        self->frames_in++;
        n_samples += (gsize)n;
    }
    gst_buffer_unmap(buf, &map);
    gst_buffer_unref(buf);
    return ret == GST_FLOW_OK ? push_pcm(self, n_samples) : ret;
}

static gboolean set_input_caps(HfcGstDec *self, GstCaps *caps)
{
    hfc_token_header in;
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    gchar ours[17];
    hfc_gst_model_id_string(self->info.model_id, ours);
    if (!hfc_gst_tokens_caps_header(s, &in)) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, (NULL), ("token caps without a usable geometry"));
        return FALSE;
    }
    const gchar *theirs = gst_structure_get_string(s, "model-id");
    if ((theirs && g_ascii_strcasecmp(theirs, ours) != 0) ||
        in.sample_rate_hz != self->header.sample_rate_hz ||
        in.hop_samples != self->header.hop_samples ||
        in.n_codebooks != self->header.n_codebooks ||
        in.codebook_size != self->header.codebook_size) {
        GST_ELEMENT_ERROR(self, STREAM, WRONG_TYPE,
                          ("The tokens come from model %s (%d Hz, %d x %d codebooks), this "
                           "decoder has model %s",
                           theirs ? theirs : "(not named)", in.sample_rate_hz, in.n_codebooks,
                           in.codebook_size, ours),
                          ("set the decoder's model property to the sender's model"));
        return FALSE;
    }
    GstCaps *want = gst_caps_new_simple("audio/x-raw", "layout", G_TYPE_STRING, "interleaved",
                                        "rate", G_TYPE_INT, self->info.sample_rate_hz, "channels",
                                        G_TYPE_INT, 1, NULL);
    GValue formats = G_VALUE_INIT, v = G_VALUE_INIT;
    g_value_init(&formats, GST_TYPE_LIST);
    g_value_init(&v, G_TYPE_STRING);
    g_value_set_static_string(&v, "F32LE");
    gst_value_list_append_value(&formats, &v);
    g_value_set_static_string(&v, "S16LE");
    gst_value_list_append_value(&formats, &v);
    gst_caps_set_value(want, "format", &formats);
    g_value_unset(&v);
    g_value_unset(&formats);
    GstCaps *peer = gst_pad_peer_query_caps(self->srcpad, want);
    gst_caps_unref(want);
    if (gst_caps_is_empty(peer)) {
        gst_caps_unref(peer);
        return FALSE;
    }
    peer = gst_caps_fixate(peer);
    const gchar *format = gst_structure_get_string(gst_caps_get_structure(peer, 0), "format");
    self->s16 = g_strcmp0(format, "S16LE") == 0;
    gboolean ok = gst_pad_set_caps(self->srcpad, peer);
    gst_caps_unref(peer);
    self->negotiated = ok;
    return ok;
}

static gboolean hfc_dec_sink_event(GstPad *pad, GstObject *parent, GstEvent *event)
{
    HfcGstDec *self = HFC_GST_DEC(parent);
    switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
        GstCaps *caps;
        gst_event_parse_caps(event, &caps);
        gboolean ok = self->decoder && set_input_caps(self, caps);
        gst_event_unref(event);
        return ok;
    }
    case GST_EVENT_GAP: {
        /* Frames that will not come: conceal them now, when they are due. */
        GstClockTime ts, duration;
        gst_event_parse_gap(event, &ts, &duration);
        gst_event_unref(event);
        if (self->negotiated && GST_CLOCK_TIME_IS_VALID(ts)) {
            if (self->first_pts == GST_CLOCK_TIME_NONE)
                self->first_pts = ts;
            conceal_until(self, ts + (GST_CLOCK_TIME_IS_VALID(duration) ? duration : 0));
        }
        return TRUE;
    }
    case GST_EVENT_EOS:
        if (self->negotiated && self->first_pts != GST_CLOCK_TIME_NONE) {
            grow_pcm(self, (gsize)hfc_decoder_latency(self->decoder) +
                               (gsize)self->info.hop_samples);
            int64_t n = hfc_decoder_flush(self->decoder, self->pcm, (int64_t)self->pcm_capacity);
            if (n > 0)
                push_pcm(self, (gsize)n);
        }
        /* What the stream lost, for applications (and `gst-launch-1.0 -m`). */
        gst_element_post_message(
            GST_ELEMENT(self),
            gst_message_new_element(
                GST_OBJECT(self),
                gst_structure_new("hificodecdec-stats", "frames-decoded", G_TYPE_UINT64,
                                  self->frames_decoded, "frames-concealed", G_TYPE_UINT64,
                                  self->frames_concealed, NULL)));
        return gst_pad_event_default(pad, parent, event);
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

static GstStateChangeReturn hfc_dec_change_state(GstElement *element, GstStateChange transition)
{
    HfcGstDec *self = HFC_GST_DEC(element);
    if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
        self->model = hfc_gst_model_load(element, self->model_path);
        if (!self->model)
            return GST_STATE_CHANGE_FAILURE;
        hfc_model_get_info(self->model, &self->info);
        hfc_token_header_for_model(self->model, &self->header);
        self->frame_bytes = hfc_token_frame_bytes(&self->header);
        int status = HFC_OK;
        self->decoder = hfc_decoder_create(self->model, NULL, &status);
        hfc_conceal_options options;
        hfc_conceal_options_init(&options);
        options.method = self->conceal_method;
        if (self->decoder)
            status = hfc_decoder_set_conceal_options(self->decoder, &options);
        if (status != HFC_OK) {
            GST_ELEMENT_ERROR(self, LIBRARY, INIT, ("hificodec decoder: %s", hfc_strerror(status)),
                              (NULL));
            return GST_STATE_CHANGE_FAILURE;
        }
        self->tokens = g_new(hfc_token, self->info.n_codebooks);
    }
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
        self->negotiated = FALSE;
        self->frames_decoded = self->frames_concealed = 0;
        reset_stream(self);
    }
    GstStateChangeReturn ret =
        GST_ELEMENT_CLASS(hfc_gst_dec_parent_class)->change_state(element, transition);
    if (transition == GST_STATE_CHANGE_READY_TO_NULL) {
        hfc_decoder_destroy(self->decoder);
        self->decoder = NULL;
        hfc_model_free(self->model);
        self->model = NULL;
        g_clear_pointer(&self->tokens, g_free);
    }
    return ret;
}

static void hfc_dec_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
    HfcGstDec *self = HFC_GST_DEC(object);
    switch (id) {
    case PROP_MODEL:
        g_free(self->model_path);
        self->model_path = g_value_dup_string(value);
        break;
    case PROP_CONCEAL:
        self->conceal_method = g_value_get_enum(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void hfc_dec_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    HfcGstDec *self = HFC_GST_DEC(object);
    switch (id) {
    case PROP_MODEL:
        g_value_set_string(value, self->model_path);
        break;
    case PROP_CONCEAL:
        g_value_set_enum(value, self->conceal_method);
        break;
    case PROP_FRAMES_DECODED:
        g_value_set_uint64(value, self->frames_decoded);
        break;
    case PROP_FRAMES_CONCEALED:
        g_value_set_uint64(value, self->frames_concealed);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void hfc_dec_finalize(GObject *object)
{
    HfcGstDec *self = HFC_GST_DEC(object);
    g_free(self->model_path);
    g_free(self->pcm);
    G_OBJECT_CLASS(hfc_gst_dec_parent_class)->finalize(object);
}

static void hfc_gst_dec_class_init(HfcGstDecClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    object_class->set_property = hfc_dec_set_property;
    object_class->get_property = hfc_dec_get_property;
    object_class->finalize = hfc_dec_finalize;
    element_class->change_state = hfc_dec_change_state;

    g_object_class_install_property(
        object_class, PROP_MODEL,
        g_param_spec_string("model", "Model file",
                            "The hificodec model (.safetensors); empty: $HFC_MODEL, then the "
                            "shipped default model. It must be the sender's: tokens whose caps "
                            "name another model-id are refused",
                            NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                      GST_PARAM_MUTABLE_READY));
    g_object_class_install_property(
        object_class, PROP_CONCEAL,
        g_param_spec_enum("conceal", "Concealment",
                          "How frames lost in a gap (timestamps, GAP events) are concealed",
                          HFC_GST_TYPE_CONCEAL_METHOD, HFC_CONCEAL_REPEAT,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
    g_object_class_install_property(
        object_class, PROP_FRAMES_DECODED,
        g_param_spec_uint64("frames-decoded", "Frames decoded",
                            "Frames received and decoded since the element went to PAUSED", 0,
                            G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
    g_object_class_install_property(
        object_class, PROP_FRAMES_CONCEALED,
        g_param_spec_uint64("frames-concealed", "Frames concealed",
                            "Frames lost (or corrupt) and concealed since the element went to "
                            "PAUSED", 0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);
    gst_element_class_set_static_metadata(
        element_class, "HiFi-Codec speech decoder", "Codec/Decoder/Audio",
        "Decodes hificodec tokens into speech at the model's rate, concealing frames lost in "
        "gaps and discontinuities",
        "hificodec developers");
    GST_DEBUG_CATEGORY_INIT(hfc_dec_debug, "hificodecdec", 0, "hificodec decoder");
    gst_type_mark_as_plugin_api(HFC_GST_TYPE_CONCEAL_METHOD, 0);
}

static void hfc_gst_dec_init(HfcGstDec *self)
{
    self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
    gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(hfc_dec_chain));
    gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(hfc_dec_sink_event));
    gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
    self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
    gst_pad_use_fixed_caps(self->srcpad);
    gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
    self->conceal_method = HFC_CONCEAL_REPEAT;
    self->first_pts = GST_CLOCK_TIME_NONE;
}
