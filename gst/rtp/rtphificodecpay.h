/* rtphificodecpay: audio/x-hificodec frames in, RTP out in the payload format of
 * docs/RTP.md, each packet carrying frames-per-packet frames and the redundancy
 * frames before them. */
#ifndef HFC_GST_RTPHIFICODECPAY_H
#define HFC_GST_RTPHIFICODECPAY_H

#include <gst/rtp/gstrtpbasepayload.h>

G_BEGIN_DECLS
#define HFC_GST_TYPE_RTP_PAY (hfc_gst_rtp_pay_get_type())
G_DECLARE_FINAL_TYPE(HfcGstRtpPay, hfc_gst_rtp_pay, HFC_GST, RTP_PAY, GstRTPBasePayload)
GST_ELEMENT_REGISTER_DECLARE(rtphificodecpay)
G_END_DECLS

#endif
