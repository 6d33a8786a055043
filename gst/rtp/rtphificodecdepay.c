/* rtphificodecdepay (rtphificodecdepay.h). The element remembers the extended
 * RTP timestamp of the next frame it has not output yet. A packet gives out its
 * frames from there on: its own, and those of its redundant copies that fill a
 * gap (frames whose packets were lost); older copies and late packets give
 * nothing. The output buffer is stamped at its first frame, so a gap nobody
 * filled stays a gap in the timestamps, which hificodecdec conceals. A lost-
 * packet event from rtpjitterbuffer becomes a GAP event only for streams without
 * redundancy: with it, a later packet may still bring the frame. At EOS an
 * element message, rtphificodecdepay-stats, carries frames-received and
 * frames-recovered. */
#include "rtphificodecdepay.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <string.h>

#include "hificodec.h"
#include "model.h"
#include "rtp_caps.h"

GST_DEBUG_CATEGORY_STATIC(hfc_rtp_depay_debug);
#define GST_CAT_DEFAULT hfc_rtp_depay_debug

enum { PROP_0, PROP_FRAMES_RECEIVED, PROP_FRAMES_RECOVERED };

struct _HfcGstRtpDepay {
    GstRTPBaseDepayload parent;
    hfc_token_header header;
    int frame_bytes;
    int redundancy;           /* from the caps; also raised by what packets carry */
    guint64 ext_timestamp;    /* gst_rtp_buffer_ext_timestamp state */
    guint64 next;             /* extended timestamp of the next frame to output */
    gboolean started;
    guint64 frames_received, frames_recovered;
};

G_DEFINE_TYPE(HfcGstRtpDepay, hfc_gst_rtp_depay, GST_TYPE_RTP_BASE_DEPAYLOAD)
GST_ELEMENT_REGISTER_DEFINE(rtphificodecdepay, "rtphificodecdepay", GST_RANK_SECONDARY,
                            HFC_GST_TYPE_RTP_DEPAY)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(HFC_GST_RTP_SINK_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(HFC_GST_TOKENS_MEDIA_TYPE));

/* An fmtp parameter as an int: a string field (from SDP) or an int one. */
static int fmtp_int(const GstStructure *s, const char *name, int fallback)
{
    int value;
    if (gst_structure_get_int(s, name, &value))
        return value;
    const gchar *text = gst_structure_get_string(s, name);
    if (text == NULL)
        return fallback;
    gchar *end = NULL;
    gint64 v = g_ascii_strtoll(text, &end, 10);
    return end != text && *end == '\0' && v >= 0 && v <= G_MAXINT ? (int)v : -1;
}

static gboolean hfc_rtp_depay_set_caps(GstRTPBaseDepayload *base, GstCaps *caps)
{
    HfcGstRtpDepay *self = HFC_GST_RTP_DEPAY(base);
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    hfc_token_header h;
    memset(&h, 0, sizeof h);
    /* Absent parameters mean the default model's geometry (docs/RTP.md). */
    if (!gst_structure_get_int(s, "clock-rate", &h.sample_rate_hz))
        h.sample_rate_hz = 16000;
    h.hop_samples = fmtp_int(s, "frame-samples", 320);
    h.n_codebooks = fmtp_int(s, "codebooks", 4);
    h.codebook_size = fmtp_int(s, "codebook-size", 1024);
    h.n_frames = HFC_TOKENS_UNKNOWN_FRAMES;
    self->redundancy = fmtp_int(s, "redundancy", 0);
    if (h.hop_samples <= 0 || hfc_token_frame_bytes(&h) <= 0 || self->redundancy < 0) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, (NULL),
                          ("RTP caps with a bad frame-samples, codebooks, codebook-size or "
                           "redundancy"));
        return FALSE;
    }
    self->header = h;
    self->frame_bytes = hfc_token_frame_bytes(&h);
    self->started = FALSE;
    self->ext_timestamp = GST_CLOCK_TIME_NONE;
    GstCaps *out = gst_caps_new_simple(HFC_GST_TOKENS_MEDIA_TYPE, "rate", G_TYPE_INT,
                                       h.sample_rate_hz, "frame-samples", G_TYPE_INT,
                                       h.hop_samples, "codebooks", G_TYPE_INT, h.n_codebooks,
                                       "codebook-size", G_TYPE_INT, h.codebook_size, NULL);
    const gchar *id = gst_structure_get_string(s, "model-id");
    if (id != NULL)
        gst_caps_set_simple(out, "model-id", G_TYPE_STRING, id, NULL);
    gboolean ok = gst_pad_set_caps(GST_RTP_BASE_DEPAYLOAD_SRCPAD(base), out);
    gst_caps_unref(out);
    return ok;
}

static GstBuffer *hfc_rtp_depay_process(GstRTPBaseDepayload *base, GstRTPBuffer *rtp)
{
    HfcGstRtpDepay *self = HFC_GST_RTP_DEPAY(base);
    if (self->frame_bytes <= 0)
        return NULL;
    const guint8 *data = gst_rtp_buffer_get_payload(rtp);
    const guint n_bytes = gst_rtp_buffer_get_payload_len(rtp);
    hfc_rtp_payload p;
    int st = hfc_rtp_payload_parse(&self->header, data, n_bytes, &p);
    if (st != HFC_OK) {
        GST_ELEMENT_WARNING(self, STREAM, DECODE, ("A malformed hificodec RTP payload (%s): "
                            "dropped", hfc_strerror(st)), (NULL));
        return NULL;
    }
    const guint64 hop = (guint64)self->header.hop_samples;
    const guint64 ts = gst_rtp_buffer_ext_timestamp(&self->ext_timestamp,
                                                    gst_rtp_buffer_get_timestamp(rtp));
    /* The extended timestamp starts at 2^32 (gst_rtp_buffer_ext_timestamp), so the
     * redundant frames before it never go below zero. */
    const guint64 first = ts - (guint64)p.n_redundant * hop;
    const guint64 end = ts + (guint64)p.n_frames * hop;
    if (p.n_redundant > self->redundancy)
        self->redundancy = p.n_redundant;
    guint64 from = ts;
    if (self->started) {
        if (end <= self->next) /* late or duplicate */
            return NULL;
        from = MAX(self->next, first);
        /* Off the frame grid (a sender that restarted): its own frames only. */
        if ((from - first) % hop != 0)
            from = ts;
    }
    const gboolean gap = self->started && from > self->next;
    const guint64 skip = (from - first) / hop, n_out = (end - from) / hop;
    const guint64 recovered = from < ts ? (ts - from) / hop : 0;
    self->frames_recovered += recovered;
    self->frames_received += n_out - recovered;
    self->next = end;
    self->started = TRUE;

    GstBuffer *out = gst_buffer_new_memdup(p.frames + skip * (guint64)p.frame_bytes,
                                           (gsize)(n_out * (guint64)p.frame_bytes));
    const GstClockTime pts = GST_BUFFER_PTS(rtp->buffer);
    const int rate = self->header.sample_rate_hz;
    if (GST_CLOCK_TIME_IS_VALID(pts)) {
        const GstClockTime back = hfc_gst_samples_to_time(ts - from, rate);
        GST_BUFFER_PTS(out) = pts >= back ? pts - back : 0;
    }
    GST_BUFFER_DURATION(out) = hfc_gst_samples_to_time(n_out * hop, rate);
    if (gap)
        GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_DISCONT);
    return out;
}

static gboolean hfc_rtp_depay_packet_lost(GstRTPBaseDepayload *base, GstEvent *event)
{
    HfcGstRtpDepay *self = HFC_GST_RTP_DEPAY(base);
    if (self->redundancy > 0)
        return TRUE; /* a later packet may carry the frame; the timestamps show what not */
    return GST_RTP_BASE_DEPAYLOAD_CLASS(hfc_gst_rtp_depay_parent_class)->packet_lost(base, event);
}

static gboolean hfc_rtp_depay_handle_event(GstRTPBaseDepayload *base, GstEvent *event)
{
    HfcGstRtpDepay *self = HFC_GST_RTP_DEPAY(base);
    if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
        self->started = FALSE;
        self->ext_timestamp = GST_CLOCK_TIME_NONE;
    }
    if (GST_EVENT_TYPE(event) == GST_EVENT_EOS)
        gst_element_post_message(
            GST_ELEMENT(self),
            gst_message_new_element(
                GST_OBJECT(self),
                gst_structure_new("rtphificodecdepay-stats", "frames-received", G_TYPE_UINT64,
                                  self->frames_received, "frames-recovered", G_TYPE_UINT64,
                                  self->frames_recovered, NULL)));
    return GST_RTP_BASE_DEPAYLOAD_CLASS(hfc_gst_rtp_depay_parent_class)->handle_event(base, event);
}

static GstStateChangeReturn hfc_rtp_depay_change_state(GstElement *element,
                                                       GstStateChange transition)
{
    HfcGstRtpDepay *self = HFC_GST_RTP_DEPAY(element);
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
        self->started = FALSE;
        self->ext_timestamp = GST_CLOCK_TIME_NONE;
        self->frames_received = self->frames_recovered = 0;
    }
    return GST_ELEMENT_CLASS(hfc_gst_rtp_depay_parent_class)->change_state(element, transition);
}

static void hfc_rtp_depay_get_property(GObject *object, guint id, GValue *value,
                                       GParamSpec *pspec)
{
    HfcGstRtpDepay *self = HFC_GST_RTP_DEPAY(object);
    switch (id) {
    case PROP_FRAMES_RECEIVED:
        g_value_set_uint64(value, self->frames_received);
        break;
    case PROP_FRAMES_RECOVERED:
        g_value_set_uint64(value, self->frames_recovered);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void hfc_gst_rtp_depay_class_init(HfcGstRtpDepayClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    GstRTPBaseDepayloadClass *base_class = GST_RTP_BASE_DEPAYLOAD_CLASS(klass);
    object_class->get_property = hfc_rtp_depay_get_property;
    element_class->change_state = hfc_rtp_depay_change_state;
    base_class->set_caps = hfc_rtp_depay_set_caps;
    base_class->process_rtp_packet = hfc_rtp_depay_process;
    base_class->packet_lost = hfc_rtp_depay_packet_lost;
    base_class->handle_event = hfc_rtp_depay_handle_event;

    g_object_class_install_property(
        object_class, PROP_FRAMES_RECEIVED,
        g_param_spec_uint64("frames-received", "Frames received",
                            "Frames output from their own packets since PAUSED", 0, G_MAXUINT64,
                            0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
    g_object_class_install_property(
        object_class, PROP_FRAMES_RECOVERED,
        g_param_spec_uint64("frames-recovered", "Frames recovered",
                            "Frames whose own packets were lost, output from a later packet's "
                            "redundant copy, since PAUSED",
                            0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);
    gst_element_class_set_static_metadata(
        element_class, "RTP HiFi-Codec depayloader", "Codec/Depayloader/Network/RTP",
        "Extracts hificodec frames from RTP packets (docs/RTP.md), filling lost ones from "
        "redundant copies",
        "hificodec developers");
    GST_DEBUG_CATEGORY_INIT(hfc_rtp_depay_debug, "rtphificodecdepay", 0,
                            "hificodec RTP depayloader");
}

static void hfc_gst_rtp_depay_init(HfcGstRtpDepay *self)
{
    self->ext_timestamp = GST_CLOCK_TIME_NONE;
}
