/* The payload header byte of docs/RTP.md, section "Payload format":
 *
 *    0 1 2 3 4 5 6 7
 *   +-+-+-+-+-+-+-+-+
 *   |V=0|  R  | RSV |
 *   +-+-+-+-+-+-+-+-+
 *
 * V: payload version, 0; R: redundant frames before the timestamp; RSV: reserved,
 * sent as zero and ignored on receipt. */
#ifndef HFC_RTP_PAYLOAD_H
#define HFC_RTP_PAYLOAD_H

#include <stdint.h>

#define HFC_RTP_PAYLOAD_VERSION 0

static inline uint8_t hfc_rtp_header_byte(int n_redundant)
{
    return (uint8_t)((HFC_RTP_PAYLOAD_VERSION << 6) | ((n_redundant & 7) << 3));
}

static inline int hfc_rtp_header_version(uint8_t byte)
{
    return byte >> 6;
}

static inline int hfc_rtp_header_redundant(uint8_t byte)
{
    return (byte >> 3) & 7;
}

#endif
