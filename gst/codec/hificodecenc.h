/* hificodecenc: audio/x-raw (any rate and channel count: averaged to mono and
 * resampled to the model's rate with libsoxr) in, audio/x-hificodec frames out. */
#ifndef HFC_GST_HIFICODECENC_H
#define HFC_GST_HIFICODECENC_H

#include <gst/gst.h>

G_BEGIN_DECLS
#define HFC_GST_TYPE_ENC (hfc_gst_enc_get_type())
G_DECLARE_FINAL_TYPE(HfcGstEnc, hfc_gst_enc, HFC_GST, ENC, GstElement)
GST_ELEMENT_REGISTER_DECLARE(hificodecenc)
G_END_DECLS

#endif
