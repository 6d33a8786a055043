/* rtphificodecpay (rtphificodecpay.h). libhificodec's hfc_rtp_sender lays the
 * packets out; this element gives them RTP headers. A packet's PTS, and so its
 * RTP timestamp, is that of its first non-redundant frame. A discontinuity in
 * the input ends the packet being filled and forgets the history, so that a
 * redundant frame is always the one just before its packet's frames; the
 * packet after a discontinuity, and the first, carry the RTP marker bit. */
#include "rtphificodecpay.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <string.h>

#include "hificodec.h"
#include "model.h"
#include "rtp_caps.h"

GST_DEBUG_CATEGORY_STATIC(hfc_rtp_pay_debug);
#define GST_CAT_DEFAULT hfc_rtp_pay_debug

#define DEFAULT_REDUNDANCY 0
#define MAX_REDUNDANCY 4
#define DEFAULT_FRAMES_PER_PACKET 1

enum { PROP_0, PROP_REDUNDANCY, PROP_FRAMES_PER_PACKET };

struct _HfcGstRtpPay {
    GstRTPBasePayload parent;
    guint redundancy, frames_per_packet;
    hfc_token_header header;
    int frame_bytes;
    hfc_rtp_sender *sender;
    guint8 *payload;
    int max_payload_bytes;
    hfc_token *tokens;
    GstClockTime packet_pts;  /* of the first frame of the packet being filled */
    GstClockTime next_pts;    /* expected PTS of the next frame in */
    guint n_pending;
    gboolean marker;          /* the next packet starts a stream or follows a gap */
};

G_DEFINE_TYPE(HfcGstRtpPay, hfc_gst_rtp_pay, GST_TYPE_RTP_BASE_PAYLOAD)
GST_ELEMENT_REGISTER_DEFINE(rtphificodecpay, "rtphificodecpay", GST_RANK_SECONDARY,
                            HFC_GST_TYPE_RTP_PAY)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(HFC_GST_TOKENS_MEDIA_TYPE));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(HFC_GST_RTP_SINK_CAPS));

static void free_sender(HfcGstRtpPay *self)
{
    hfc_rtp_sender_destroy(self->sender);
    self->sender = NULL;
    g_clear_pointer(&self->payload, g_free);
    g_clear_pointer(&self->tokens, g_free);
}

static gboolean hfc_rtp_pay_set_caps(GstRTPBasePayload *base, GstCaps *caps)
{
    HfcGstRtpPay *self = HFC_GST_RTP_PAY(base);
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    hfc_token_header header;
    if (!hfc_gst_tokens_caps_header(s, &header)) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, (NULL), ("token caps without a usable geometry"));
        return FALSE;
    }
    free_sender(self);
    hfc_rtp_sender_options options;
    hfc_rtp_sender_options_init(&options);
    options.n_redundant = (int)self->redundancy;
    options.frames_per_packet = (int)self->frames_per_packet;
    int status = HFC_OK;
    self->sender = hfc_rtp_sender_create(&header, &options, &status);
    if (!self->sender) {
        GST_ELEMENT_ERROR(self, LIBRARY, INIT, ("hificodec RTP sender: %s", hfc_strerror(status)),
                          (NULL));
        return FALSE;
    }
    self->header = header;
    self->frame_bytes = hfc_token_frame_bytes(&header);
    self->max_payload_bytes = hfc_rtp_sender_max_payload_bytes(self->sender);
    self->payload = g_malloc((gsize)self->max_payload_bytes);
    self->tokens = g_new(hfc_token, header.n_codebooks);
    self->n_pending = 0;
    self->next_pts = GST_CLOCK_TIME_NONE;
    self->marker = TRUE;

    gst_rtp_base_payload_set_options(base, "audio", TRUE, HFC_GST_RTP_ENCODING_NAME,
                                     header.sample_rate_hz);
    gchar *codebooks = g_strdup_printf("%d", header.n_codebooks);
    gchar *size = g_strdup_printf("%d", header.codebook_size);
    gchar *hop = g_strdup_printf("%d", header.hop_samples);
    gchar *redundancy = g_strdup_printf("%u", self->redundancy);
    gchar *per_packet = g_strdup_printf("%u", self->frames_per_packet);
    const gchar *id = gst_structure_get_string(s, "model-id");
    gboolean ok = id != NULL
        ? gst_rtp_base_payload_set_outcaps(base, "model-id", G_TYPE_STRING, id, "codebooks",
                                           G_TYPE_STRING, codebooks, "codebook-size",
                                           G_TYPE_STRING, size, "frame-samples", G_TYPE_STRING,
                                           hop, "redundancy", G_TYPE_STRING, redundancy,
                                           "frames-per-packet", G_TYPE_STRING, per_packet, NULL)
        : gst_rtp_base_payload_set_outcaps(base, "codebooks", G_TYPE_STRING, codebooks,
                                           "codebook-size", G_TYPE_STRING, size,
                                           "frame-samples", G_TYPE_STRING, hop, "redundancy",
                                           G_TYPE_STRING, redundancy, "frames-per-packet",
                                           G_TYPE_STRING, per_packet, NULL);
    g_free(codebooks);
    g_free(size);
    g_free(hop);
    g_free(redundancy);
    g_free(per_packet);
    return ok;
}

static GstFlowReturn push_payload(HfcGstRtpPay *self, int n_bytes)
{
    GstBuffer *out = gst_rtp_buffer_new_allocate((guint)n_bytes, 0, 0);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gst_rtp_buffer_map(out, GST_MAP_WRITE, &rtp);
    memcpy(gst_rtp_buffer_get_payload(&rtp), self->payload, (gsize)n_bytes);
    gst_rtp_buffer_set_marker(&rtp, self->marker);
    gst_rtp_buffer_unmap(&rtp);
    self->marker = FALSE;
    GST_BUFFER_PTS(out) = self->packet_pts;
    self->n_pending = 0;
    return gst_rtp_base_payload_push(GST_RTP_BASE_PAYLOAD(self), out);
}

/* Ends the packet being filled, if any. */
static GstFlowReturn flush_packet(HfcGstRtpPay *self)
{
    if (!self->sender)
        return GST_FLOW_OK;
    int n = hfc_rtp_sender_flush(self->sender, self->payload, (size_t)self->max_payload_bytes,
                                 NULL);
    return n > 0 ? push_payload(self, n) : GST_FLOW_OK;
}

static GstFlowReturn hfc_rtp_pay_handle_buffer(GstRTPBasePayload *base, GstBuffer *buf)
{
    HfcGstRtpPay *self = HFC_GST_RTP_PAY(base);
    if (!self->sender) {
        gst_buffer_unref(buf);
        return GST_FLOW_NOT_NEGOTIATED;
    }
    const GstClockTime hop_time =
        hfc_gst_samples_to_time((guint64)self->header.hop_samples, self->header.sample_rate_hz);
    GstClockTime pts = GST_BUFFER_PTS(buf);
    GstFlowReturn ret = GST_FLOW_OK;
    const gboolean jumped = GST_CLOCK_TIME_IS_VALID(pts) && GST_CLOCK_TIME_IS_VALID(self->next_pts) &&
        (pts > self->next_pts + hop_time / 2 || pts + hop_time / 2 < self->next_pts);
    if (GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DISCONT) || jumped) {
        ret = flush_packet(self);
        hfc_rtp_sender_reset(self->sender);
        self->marker = TRUE;
    }
    if (!GST_CLOCK_TIME_IS_VALID(pts))
        pts = self->next_pts;
    GstMapInfo map;
    if (ret != GST_FLOW_OK || !gst_buffer_map(buf, &map, GST_MAP_READ)) {
        gst_buffer_unref(buf);
        return ret != GST_FLOW_OK ? ret : GST_FLOW_ERROR;
    }
    const gsize n_frames = map.size / (gsize)self->frame_bytes;
    for (gsize f = 0; f < n_frames && ret == GST_FLOW_OK; f++) {
        const GstClockTime frame_pts = GST_CLOCK_TIME_IS_VALID(pts) ? pts + f * hop_time : pts;
        if (self->n_pending == 0)
            self->packet_pts = frame_pts;
        if (hfc_token_frame_unpack(&self->header, map.data + f * (gsize)self->frame_bytes,
                                   (size_t)self->frame_bytes, self->tokens) != HFC_OK) {
            GST_ELEMENT_ERROR(self, STREAM, FORMAT, (NULL), ("a malformed token frame"));
            ret = GST_FLOW_ERROR;
            break;
        }
        int n = hfc_rtp_sender_push(self->sender, self->tokens, self->payload,
                                    (size_t)self->max_payload_bytes, NULL);
        self->n_pending++;
        if (n < 0) {
            GST_ELEMENT_ERROR(self, STREAM, ENCODE, ("hificodec RTP sender: %s", hfc_strerror(n)),
                              (NULL));
            ret = GST_FLOW_ERROR;
        } else if (n > 0) {
            ret = push_payload(self, n);
        }
    }
    self->next_pts = GST_CLOCK_TIME_IS_VALID(pts) ? pts + n_frames * hop_time : GST_CLOCK_TIME_NONE;
    gst_buffer_unmap(buf, &map);
    gst_buffer_unref(buf);
    return ret;
}

static gboolean hfc_rtp_pay_sink_event(GstRTPBasePayload *base, GstEvent *event)
{
    HfcGstRtpPay *self = HFC_GST_RTP_PAY(base);
    if (GST_EVENT_TYPE(event) == GST_EVENT_EOS)
        flush_packet(self);
    else if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP && self->sender) {
        hfc_rtp_sender_reset(self->sender);
        self->n_pending = 0;
        self->next_pts = GST_CLOCK_TIME_NONE;
        self->marker = TRUE;
    }
    return GST_RTP_BASE_PAYLOAD_CLASS(hfc_gst_rtp_pay_parent_class)->sink_event(base, event);
}

static GstStateChangeReturn hfc_rtp_pay_change_state(GstElement *element, GstStateChange transition)
{
    GstStateChangeReturn ret =
        GST_ELEMENT_CLASS(hfc_gst_rtp_pay_parent_class)->change_state(element, transition);
    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
        free_sender(HFC_GST_RTP_PAY(element));
    return ret;
}

static void hfc_rtp_pay_set_property(GObject *object, guint id, const GValue *value,
                                     GParamSpec *pspec)
{
    HfcGstRtpPay *self = HFC_GST_RTP_PAY(object);
    switch (id) {
    case PROP_REDUNDANCY:
        self->redundancy = g_value_get_uint(value);
        break;
    case PROP_FRAMES_PER_PACKET:
        self->frames_per_packet = g_value_get_uint(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void hfc_rtp_pay_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    HfcGstRtpPay *self = HFC_GST_RTP_PAY(object);
    switch (id) {
    case PROP_REDUNDANCY:
        g_value_set_uint(value, self->redundancy);
        break;
    case PROP_FRAMES_PER_PACKET:
        g_value_set_uint(value, self->frames_per_packet);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void hfc_rtp_pay_finalize(GObject *object)
{
    free_sender(HFC_GST_RTP_PAY(object));
    G_OBJECT_CLASS(hfc_gst_rtp_pay_parent_class)->finalize(object);
}

static void hfc_gst_rtp_pay_class_init(HfcGstRtpPayClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    GstRTPBasePayloadClass *base_class = GST_RTP_BASE_PAYLOAD_CLASS(klass);
    object_class->set_property = hfc_rtp_pay_set_property;
    object_class->get_property = hfc_rtp_pay_get_property;
    object_class->finalize = hfc_rtp_pay_finalize;
    element_class->change_state = hfc_rtp_pay_change_state;
    base_class->set_caps = hfc_rtp_pay_set_caps;
    base_class->handle_buffer = hfc_rtp_pay_handle_buffer;
    base_class->sink_event = hfc_rtp_pay_sink_event;

    g_object_class_install_property(
        object_class, PROP_REDUNDANCY,
        g_param_spec_uint("redundancy", "Redundancy",
                          "Frames sent before their own in every packet (K): K lost packets "
                          "in a row are recovered by a receiver that waits K packets; 5 more "
                          "bytes a packet each with the default model",
                          0, MAX_REDUNDANCY, DEFAULT_REDUNDANCY,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
    g_object_class_install_property(
        object_class, PROP_FRAMES_PER_PACKET,
        g_param_spec_uint("frames-per-packet", "Frames per packet",
                          "New frames in each packet (20 ms each with the default model)", 1,
                          HFC_RTP_MAX_FRAMES_PER_PACKET, DEFAULT_FRAMES_PER_PACKET,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);
    gst_element_class_set_static_metadata(
        element_class, "RTP HiFi-Codec payloader", "Codec/Payloader/Network/RTP",
        "Puts hificodec frames into RTP packets (docs/RTP.md), with optional redundancy",
        "hificodec developers");
    GST_DEBUG_CATEGORY_INIT(hfc_rtp_pay_debug, "rtphificodecpay", 0, "hificodec RTP payloader");
}

static void hfc_gst_rtp_pay_init(HfcGstRtpPay *self)
{
    self->redundancy = DEFAULT_REDUNDANCY;
    self->frames_per_packet = DEFAULT_FRAMES_PER_PACKET;
    self->next_pts = GST_CLOCK_TIME_NONE;
}
