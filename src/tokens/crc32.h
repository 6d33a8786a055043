/*
 * crc32.h - CRC-32 as in zlib, PNG and Ethernet (reflected polynomial 0xEDB88320,
 * initial value and final XOR 0xFFFFFFFF), so that Python's zlib.crc32 and
 * `crc32` from any language check .hfc headers too.
 */
#ifndef HFC_TOKENS_CRC32_H
#define HFC_TOKENS_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 of n_bytes at data. hfc_crc32("123456789", 9) == 0xCBF43926. */
uint32_t hfc_crc32(const void *data, size_t n_bytes);

#endif
