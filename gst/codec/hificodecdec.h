/* hificodecdec: audio/x-hificodec frames in, audio/x-raw (mono, the model's rate,
 * F32LE or S16LE) out. A gap in the input's timestamps, a GAP event or a
 * DISCONT buffer after one is concealed (hfc_decoder_conceal), so the output
 * keeps the stream's duration. */
#ifndef HFC_GST_HIFICODECDEC_H
#define HFC_GST_HIFICODECDEC_H

#include <gst/gst.h>

G_BEGIN_DECLS
#define HFC_GST_TYPE_DEC (hfc_gst_dec_get_type())
G_DECLARE_FINAL_TYPE(HfcGstDec, hfc_gst_dec, HFC_GST, DEC, GstElement)
GST_ELEMENT_REGISTER_DECLARE(hificodecdec)
G_END_DECLS

#endif
