/*
 * sndfile_memory.h - libsndfile virtual I/O over a memory buffer.
 *
 * Reading from memory lets stdin (a pipe, which cannot seek) be decoded like any
 * file; writing to memory lets a WAV header carry its real lengths before it goes
 * to stdout, and lets every write path share one code path.
 */
#ifndef HFC_CLI_SNDFILE_MEMORY_H
#define HFC_CLI_SNDFILE_MEMORY_H

#include <sndfile.h>
#include <stdint.h>

typedef struct hfc_sndfile_memory {
    uint8_t *data;          /* reading: borrowed; writing: malloc'd, grows, caller frees */
    sf_count_t n_bytes;     /* bytes of valid data */
    sf_count_t capacity;    /* writing: allocated bytes */
    sf_count_t position;    /* the virtual file position */
    int writable;           /* 1: writes grow data; 0: writes fail */
    int out_of_memory;      /* set when a write could not grow the buffer */
} hfc_sndfile_memory;

/* The callbacks; pass with a hfc_sndfile_memory as user data to sf_open_virtual. */
SF_VIRTUAL_IO *hfc_sndfile_memory_io(void);

#endif
