#include "sndfile_memory.h"

#include <stdlib.h>
#include <string.h>

static sf_count_t memory_get_filelen(void *user)
{
    return ((hfc_sndfile_memory *)user)->n_bytes;
}

static sf_count_t memory_seek(sf_count_t offset, int whence, void *user)
{
    hfc_sndfile_memory *memory = user;
    sf_count_t base = whence == SEEK_CUR ? memory->position
                      : whence == SEEK_END ? memory->n_bytes
                                           : 0;
    /* libsndfile probes with seeks past the end; allow them as files do, reads there
     * simply return nothing. */
    if (offset < -base || (offset > 0 && base > INT64_MAX - offset))
        return -1;
    memory->position = base + offset;
    return memory->position;
}

static sf_count_t memory_read(void *out, sf_count_t n_bytes, void *user)
{
    hfc_sndfile_memory *memory = user;
    if (n_bytes <= 0 || memory->position >= memory->n_bytes)
        return 0;
    sf_count_t available = memory->n_bytes - memory->position;
    sf_count_t n_read = n_bytes < available ? n_bytes : available;
    memcpy(out, memory->data + memory->position, (size_t)n_read);
    memory->position += n_read;
    return n_read;
}

static sf_count_t memory_write(const void *in, sf_count_t n_bytes, void *user)
{
    hfc_sndfile_memory *memory = user;
    if (!memory->writable || n_bytes <= 0)
        return 0;
    sf_count_t end = memory->position + n_bytes;
    if (end > memory->capacity) {
        sf_count_t capacity = memory->capacity > 0 ? memory->capacity : 1 << 16;
        while (capacity < end)
            capacity *= 2;
        uint8_t *grown = realloc(memory->data, (size_t)capacity);
        if (grown == NULL) {
            memory->out_of_memory = 1;
            return 0;
        }
        memory->data = grown;
        memory->capacity = capacity;
    }
    /* A seek past the end followed by a write leaves a gap; files read it as zeros. */
    if (memory->position > memory->n_bytes)
        memset(memory->data + memory->n_bytes, 0, (size_t)(memory->position - memory->n_bytes));
    memcpy(memory->data + memory->position, in, (size_t)n_bytes);
    memory->position = end;
    if (end > memory->n_bytes)
        memory->n_bytes = end;
    return n_bytes;
}

static sf_count_t memory_tell(void *user)
{
    return ((hfc_sndfile_memory *)user)->position;
}

SF_VIRTUAL_IO *hfc_sndfile_memory_io(void)
{
    static SF_VIRTUAL_IO io = {memory_get_filelen, memory_seek, memory_read, memory_write,
                               memory_tell};
    return &io;
}
