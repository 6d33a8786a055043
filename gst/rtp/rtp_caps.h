/* The RTP caps of the payload format (docs/RTP.md, "SDP"): encoding-name
 * HIFICODEC, clock-rate the model's rate, and the fmtp parameters as string
 * fields, which GStreamer's SDP mapping turns into an a=fmtp line:
 *   model-id=1899c35096ac1e01;codebooks=4;codebook-size=1024;frame-samples=320;
 *   redundancy=2;frames-per-packet=1 */
#ifndef HFC_GST_RTP_CAPS_H
#define HFC_GST_RTP_CAPS_H

#define HFC_GST_RTP_ENCODING_NAME "HIFICODEC"
#define HFC_GST_RTP_SINK_CAPS                                                                  \
    "application/x-rtp, media=(string)audio, payload=(int)[ 96, 127 ], "                       \
    "clock-rate=(int)[ 1, 2147483647 ], encoding-name=(string)" HFC_GST_RTP_ENCODING_NAME

#endif
