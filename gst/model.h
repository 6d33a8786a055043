/*
 * model.h - what the hificodec GStreamer elements share: finding and loading the
 * model (the "model" property, else $HFC_MODEL, else the shipped default), and
 * the caps of a token stream, audio/x-hificodec, whose fields name the model and
 * its geometry so that two ends can tell whether they share a model.
 *
 *   audio/x-hificodec, rate=(int)16000, frame-samples=(int)320, codebooks=(int)4,
 *       codebook-size=(int)1024, model-id=(string)1899c35096ac1e01
 *
 * A buffer holds whole frames, packed as hfc_token_frame_pack does (5 bytes a
 * frame for the default model), with its PTS and DURATION.
 */
#ifndef HFC_GST_MODEL_H
#define HFC_GST_MODEL_H

#include <gst/gst.h>

#include "hificodec.h"

#define HFC_GST_TOKENS_MEDIA_TYPE "audio/x-hificodec"

/* Loads the model at path, or the default one when path is NULL or empty; posts
 * a RESOURCE error on element and returns NULL on failure. */
hfc_model *hfc_gst_model_load(GstElement *element, const gchar *path);

/* The token caps of a model (fixed). */
GstCaps *hfc_gst_tokens_caps(const hfc_model *model);

/* The geometry token caps describe (n_frames unknown, model_id 0 when absent).
 * FALSE when a field is missing or out of range. */
gboolean hfc_gst_tokens_caps_header(const GstStructure *s, hfc_token_header *header);

/* "1899c35096ac1e01": the model id as caps and SDP carry it (16 hex digits). */
void hfc_gst_model_id_string(uint64_t id, gchar out[17]);

/* Nanoseconds of n samples at rate. */
static inline GstClockTime hfc_gst_samples_to_time(guint64 n, int rate_hz)
{
    return gst_util_uint64_scale_int(n, GST_SECOND, rate_hz);
}

#endif
