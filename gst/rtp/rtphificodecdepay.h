/* rtphificodecdepay: RTP in the payload format of docs/RTP.md in, audio/x-hificodec
 * frames out. Redundant copies fill the frames whose own packets were lost;
 * frames nobody carried leave a gap in the timestamps for hificodecdec to
 * conceal. */
#ifndef HFC_GST_RTPHIFICODECDEPAY_H
#define HFC_GST_RTPHIFICODECDEPAY_H

#include <gst/rtp/gstrtpbasedepayload.h>

G_BEGIN_DECLS
#define HFC_GST_TYPE_RTP_DEPAY (hfc_gst_rtp_depay_get_type())
G_DECLARE_FINAL_TYPE(HfcGstRtpDepay, hfc_gst_rtp_depay, HFC_GST, RTP_DEPAY, GstRTPBaseDepayload)
GST_ELEMENT_REGISTER_DECLARE(rtphificodecdepay)
G_END_DECLS

#endif
