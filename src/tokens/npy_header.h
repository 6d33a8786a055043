/*
 * npy_header.h - NumPy .npy headers: parsed from memory (format versions 1.0, 2.0
 * and 3.0), written as version 1.0.
 *
 * A .npy file is the magic "\x93NUMPY", a major and minor version byte, the header
 * length (uint16 little-endian in 1.0, uint32 in 2.0 and 3.0), then a Python dict
 * literal such as {'descr': '<i2', 'fortran_order': False, 'shape': (50, 4), }
 * padded with spaces and a newline so that the data starts 64-byte aligned, then
 * the raw array data. The parser accepts exactly that dict (the three keys in any
 * order, either quote, an optional trailing comma, Python 2's "10L" integers) and
 * nothing else; it is written to take arbitrary bytes without reading outside them.
 */
#ifndef HFC_TOKENS_NPY_HEADER_H
#define HFC_TOKENS_NPY_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define HFC_NPY_MAX_DIMS 8

typedef struct hfc_npy_header {
    char kind;         /* descr type character: 'i', 'u', 'f', 'b', 'c', ... */
    int item_bytes;    /* bytes per element, 1..16 */
    int big_endian;    /* 1: elements are stored big-endian */
    int fortran_order; /* 1: column-major */
    int n_dims;        /* 0..HFC_NPY_MAX_DIMS (0 = a scalar) */
    int64_t dims[HFC_NPY_MAX_DIMS];
    uint64_t n_items;   /* product of dims; checked not to overflow */
    size_t data_offset; /* bytes from the start of the file to the array data */
} hfc_npy_header;

/* Parses the header at the start of the n_bytes at data (borrowed) and checks that
 * exactly n_items * item_bytes bytes of data follow it. Returns 0, or
 * HFC_ERR_FORMAT with one line in err. */
int hfc_npy_header_parse(const uint8_t *data, size_t n_bytes, hfc_npy_header *header, char *err,
                         size_t err_bytes);

/* Capacity hfc_npy_header_write needs: enough for any short descr and
 * HFC_NPY_MAX_DIMS dimensions of 19 digits. */
#define HFC_NPY_HEADER_MAX_BYTES 256

/* Writes a version 1.0 header for a C-order array with descr (e.g. "<i2", "<f4",
 * at most 8 characters) and n_dims (1..HFC_NPY_MAX_DIMS) non-negative dims into out
 * (capacity HFC_NPY_HEADER_MAX_BYTES), padded as NumPy does so the data that
 * follows is 64-byte aligned. Returns the header's length in bytes (a multiple of
 * 64), or 0 when the arguments are out of range. */
size_t hfc_npy_header_write(const char *descr, int n_dims, const int64_t *dims,
                            uint8_t out[HFC_NPY_HEADER_MAX_BYTES]);

/* Element `index` of the array whose data starts at `array_data`, converted.
 * The caller has checked index < n_items and the kind. */
int64_t hfc_npy_item_int(const hfc_npy_header *header, const uint8_t *array_data, uint64_t index);
double hfc_npy_item_float(const hfc_npy_header *header, const uint8_t *array_data, uint64_t index);

#endif
