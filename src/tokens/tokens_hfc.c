#include "tokens_hfc.h"

#include "crc32.h"
#include "fail_text.h"

#include <stdlib.h>
#include <string.h>

/* Header layout (docs/TOKENS.md): byte offsets of each little-endian field. */
enum {
    OFFSET_MAGIC = 0,          /* "HFCT" */
    OFFSET_VERSION = 4,        /* u16 */
    OFFSET_FLAGS = 6,          /* u16, 0 */
    OFFSET_MODEL_ID = 8,       /* u64 */
    OFFSET_RATE = 16,          /* u32 */
    OFFSET_HOP = 20,           /* u32 */
    OFFSET_CODEBOOK_SIZE = 24, /* u32 */
    OFFSET_CODEBOOKS = 28,     /* u16 */
    OFFSET_BITS = 30,          /* u8 */
    OFFSET_RESERVED = 31,      /* u8, 0 */
    OFFSET_FRAMES = 32,        /* u64, all ones: unknown */
    OFFSET_CRC = 40            /* u32, CRC-32 of bytes 0..39 */
};

static const uint8_t hfc_magic[4] = {'H', 'F', 'C', 'T'};

static void store_le(uint8_t *out, uint64_t value, int n_bytes)
{
    for (int i = 0; i < n_bytes; i++)
        out[i] = (uint8_t)(value >> (8 * i));
}

static uint64_t load_le(const uint8_t *in, int n_bytes)
{
    uint64_t value = 0;
    for (int i = n_bytes - 1; i >= 0; i--)
        value = value << 8 | in[i];
    return value;
}

int hfc_tokens_hfc_bits_for(int codebook_size)
{
    int bits = 0;
    while (bits < 31 && ((int64_t)1 << bits) < codebook_size)
        bits++;
    return bits;
}

/* Range checks shared by the writer and the reader, so neither can produce or
 * accept a header the other rejects. */
int hfc_tokens_hfc_header_check(const hfc_token_header *header, char *err, size_t err_bytes)
{
    const int bad = HFC_ERR_INVALID_ARG;
    if (header->sample_rate_hz < HFC_TOKENS_HFC_MIN_RATE_HZ ||
        header->sample_rate_hz > HFC_TOKENS_HFC_MAX_RATE_HZ)
        return hfc_fail_text(err, err_bytes, bad, "sample rate %d Hz is outside %d..%d",
                             header->sample_rate_hz, HFC_TOKENS_HFC_MIN_RATE_HZ,
                             HFC_TOKENS_HFC_MAX_RATE_HZ);
    if (header->hop_samples < 1 || header->hop_samples > HFC_TOKENS_HFC_MAX_HOP)
        return hfc_fail_text(err, err_bytes, bad, "hop of %d samples is outside 1..%d",
                             header->hop_samples, HFC_TOKENS_HFC_MAX_HOP);
    if (header->codebook_size < 2 || header->codebook_size > HFC_TOKENS_MAX_CODEBOOK_SIZE)
        return hfc_fail_text(err, err_bytes, bad, "codebook size %d is outside 2..%d",
                             header->codebook_size, HFC_TOKENS_MAX_CODEBOOK_SIZE);
    if (header->n_codebooks < 1 || header->n_codebooks > HFC_TOKENS_MAX_CODEBOOKS)
        return hfc_fail_text(err, err_bytes, bad, "%d codebooks is outside 1..%d",
                             header->n_codebooks, HFC_TOKENS_MAX_CODEBOOKS);
    if (header->n_frames < 0 && header->n_frames != HFC_TOKENS_UNKNOWN_FRAMES)
        return hfc_fail_text(err, err_bytes, bad, "frame count %lld is negative",
                             (long long)header->n_frames);
    /* With frames under 8 bits the final padding could hold a whole frame, so a
     * reader of an unknown count could not tell padding from frames. */
    int frame_bits = header->n_codebooks * hfc_tokens_hfc_bits_for(header->codebook_size);
    if (header->n_frames == HFC_TOKENS_UNKNOWN_FRAMES && frame_bits < 8)
        return hfc_fail_text(err, err_bytes, bad,
                             "an unknown frame count needs frames of at least 8 bits, these "
                             "have %d",
                             frame_bits);
    return 0;
}

int hfc_tokens_hfc_header_write(const hfc_token_header *header,
                                uint8_t out[HFC_TOKENS_HEADER_BYTES], char *err, size_t err_bytes)
{
    int status = hfc_tokens_hfc_header_check(header, err, err_bytes);
    if (status != 0)
        return status;
    uint64_t count =
        header->n_frames == HFC_TOKENS_UNKNOWN_FRAMES ? UINT64_MAX : (uint64_t)header->n_frames;
    memcpy(out + OFFSET_MAGIC, hfc_magic, sizeof hfc_magic);
    store_le(out + OFFSET_VERSION, HFC_TOKENS_HFC_VERSION, 2);
    store_le(out + OFFSET_FLAGS, 0, 2);
    store_le(out + OFFSET_MODEL_ID, header->model_id, 8);
    store_le(out + OFFSET_RATE, (uint64_t)header->sample_rate_hz, 4);
    store_le(out + OFFSET_HOP, (uint64_t)header->hop_samples, 4);
    store_le(out + OFFSET_CODEBOOK_SIZE, (uint64_t)header->codebook_size, 4);
    store_le(out + OFFSET_CODEBOOKS, (uint64_t)header->n_codebooks, 2);
    out[OFFSET_BITS] = (uint8_t)hfc_tokens_hfc_bits_for(header->codebook_size);
    out[OFFSET_RESERVED] = 0;
    store_le(out + OFFSET_FRAMES, count, 8);
    store_le(out + OFFSET_CRC, hfc_crc32(out, OFFSET_CRC), 4);
    return 0;
}

int hfc_tokens_hfc_header_parse(const void *data, size_t n_bytes, hfc_token_header *header,
                                char *err, size_t err_bytes)
{
    const uint8_t *in = data;
    const int bad = HFC_ERR_FORMAT;
    memset(header, 0, sizeof *header);
    if (n_bytes < sizeof hfc_magic || memcmp(in, hfc_magic, sizeof hfc_magic) != 0)
        return hfc_fail_text(err, err_bytes, bad, "not a .hfc token file (bad magic)");
    if (n_bytes < HFC_TOKENS_HEADER_BYTES)
        return hfc_fail_text(err, err_bytes, bad, "truncated .hfc header: %zu of %d bytes", n_bytes,
                             HFC_TOKENS_HEADER_BYTES);
    /* Version before CRC: a newer file may place its CRC elsewhere, and "unsupported
     * version" is the message its reader needs. */
    unsigned version = (unsigned)load_le(in + OFFSET_VERSION, 2);
    if (version != HFC_TOKENS_HFC_VERSION)
        return hfc_fail_text(err, err_bytes, HFC_ERR_UNSUPPORTED,
                             "unsupported .hfc version %u (this build reads %d)", version,
                             HFC_TOKENS_HFC_VERSION);
    uint32_t stored_crc = (uint32_t)load_le(in + OFFSET_CRC, 4);
    uint32_t actual_crc = hfc_crc32(in, OFFSET_CRC);
    if (stored_crc != actual_crc)
        return hfc_fail_text(err, err_bytes, bad,
                             ".hfc header is corrupt (CRC-32 %08x, expected %08x)", actual_crc,
                             stored_crc);
    if (load_le(in + OFFSET_FLAGS, 2) != 0 || in[OFFSET_RESERVED] != 0)
        return hfc_fail_text(err, err_bytes, bad, ".hfc header has unknown flags set");

    uint64_t rate = load_le(in + OFFSET_RATE, 4), hop = load_le(in + OFFSET_HOP, 4);
    uint64_t codebook_size = load_le(in + OFFSET_CODEBOOK_SIZE, 4);
    uint64_t count = load_le(in + OFFSET_FRAMES, 8);
    /* Clamp before narrowing to int so that the range check sees out-of-range values
     * as out of range rather than wrapped. */
    header->format = HFC_TOKENS_HFC;
    header->model_id = load_le(in + OFFSET_MODEL_ID, 8);
    header->sample_rate_hz = rate > INT32_MAX ? INT32_MAX : (int)rate;
    header->hop_samples = hop > INT32_MAX ? INT32_MAX : (int)hop;
    header->codebook_size = codebook_size > INT32_MAX ? INT32_MAX : (int)codebook_size;
    header->n_codebooks = (int)load_le(in + OFFSET_CODEBOOKS, 2);
    if (count == UINT64_MAX)
        header->n_frames = HFC_TOKENS_UNKNOWN_FRAMES;
    else if (count > (uint64_t)INT64_MAX)
        return hfc_fail_text(err, err_bytes, bad, ".hfc header has an absurd frame count %llu",
                             (unsigned long long)count);
    else
        header->n_frames = (int64_t)count;
    if (hfc_tokens_hfc_header_check(header, err, err_bytes) != 0)
        return bad; /* the message says which field */
    int bits = in[OFFSET_BITS];
    if (bits != hfc_tokens_hfc_bits_for(header->codebook_size))
        return hfc_fail_text(err, err_bytes, bad,
                             ".hfc header says %d bits per token for %d entries", bits,
                             header->codebook_size);
    return 0;
}

size_t hfc_tokens_hfc_frame_max_bytes(const hfc_tokens_hfc_packer *packer)
{
    /* 7 pending bits plus the frame, rounded down to whole bytes. */
    return ((size_t)packer->n_codebooks * (size_t)packer->bits_per_token + 7) / 8;
}

size_t hfc_tokens_hfc_pack_frame(hfc_tokens_hfc_packer *packer, const hfc_token *frame,
                                 uint8_t *out)
{
    size_t n_out = 0;
    for (int k = 0; k < packer->n_codebooks; k++) {
        /* At most 7 + 16 bits are ever pending, so 32 bits never overflow. */
        packer->pending_bits = packer->pending_bits << packer->bits_per_token | (uint32_t)frame[k];
        packer->n_pending += packer->bits_per_token;
        while (packer->n_pending >= 8) {
            packer->n_pending -= 8;
            out[n_out++] = (uint8_t)(packer->pending_bits >> packer->n_pending);
        }
        packer->pending_bits &= (1u << packer->n_pending) - 1u;
    }
    return n_out;
}

size_t hfc_tokens_hfc_pack_finish(hfc_tokens_hfc_packer *packer, uint8_t *out)
{
    if (packer->n_pending == 0)
        return 0;
    out[0] = (uint8_t)(packer->pending_bits << (8 - packer->n_pending));
    packer->pending_bits = 0;
    packer->n_pending = 0;
    return 1;
}

int64_t hfc_tokens_hfc_unpack(const uint8_t *in, int bits_per_token, int codebook_size,
                              hfc_token *out, int64_t n_tokens, uint32_t *padding)
{
    /* MSB-first bit reader: bit b of the stream is bit 7 - b % 8 of byte b / 8. */
    uint32_t pending_bits = 0;
    int n_pending = 0;
    for (int64_t i = 0; i < n_tokens; i++) {
        while (n_pending < bits_per_token) {
            pending_bits = pending_bits << 8 | *in++;
            n_pending += 8;
        }
        n_pending -= bits_per_token;
        hfc_token value = (hfc_token)(pending_bits >> n_pending);
        pending_bits &= (1u << n_pending) - 1u;
        out[i] = value;
        if (value >= codebook_size)
            return -1 - i;
    }
    *padding = pending_bits;
    return n_tokens;
}

int hfc_tokens_hfc_format(const hfc_token_header *header, const hfc_token *tokens, int64_t n_frames,
                          uint8_t **data, size_t *n_bytes, char *err, size_t err_bytes)
{
    *data = NULL;
    uint8_t head[HFC_TOKENS_HEADER_BYTES];
    int status = hfc_tokens_hfc_header_write(header, head, err, err_bytes);
    if (status != 0)
        return status;
    if (header->n_frames != HFC_TOKENS_UNKNOWN_FRAMES && header->n_frames != n_frames)
        return hfc_fail_text(err, err_bytes, HFC_ERR_INVALID_ARG,
                             "header says %lld frames, %lld given", (long long)header->n_frames,
                             (long long)n_frames);
    hfc_tokens_hfc_packer packer = {0};
    packer.bits_per_token = hfc_tokens_hfc_bits_for(header->codebook_size);
    packer.n_codebooks = header->n_codebooks;
    uint64_t bits_per_frame = (uint64_t)packer.n_codebooks * (uint64_t)packer.bits_per_token;
    if (n_frames < 0 || (uint64_t)n_frames > (SIZE_MAX / 2) / bits_per_frame)
        return hfc_fail_text(err, err_bytes, HFC_ERR_INVALID_ARG, "cannot write %lld frames",
                             (long long)n_frames);
    size_t payload_bytes = (size_t)(((uint64_t)n_frames * bits_per_frame + 7) / 8);
    uint8_t *out = malloc(HFC_TOKENS_HEADER_BYTES + payload_bytes);
    if (out == NULL)
        return hfc_fail_text(err, err_bytes, HFC_ERR_NO_MEMORY, "out of memory for %lld frames",
                             (long long)n_frames);
    memcpy(out, head, sizeof head);
    size_t n_out = HFC_TOKENS_HEADER_BYTES;
    for (int64_t frame = 0; frame < n_frames; frame++) {
        const hfc_token *frame_tokens = tokens + frame * packer.n_codebooks;
        for (int k = 0; k < packer.n_codebooks; k++) {
            if (frame_tokens[k] < 0 || frame_tokens[k] >= header->codebook_size) {
                free(out);
                return hfc_fail_text(err, err_bytes, HFC_ERR_BAD_TOKEN,
                                     "token %d at frame %lld, codebook %d is outside [0, %d)",
                                     (int)frame_tokens[k], (long long)frame, k,
                                     header->codebook_size);
            }
        }
        n_out += hfc_tokens_hfc_pack_frame(&packer, frame_tokens, out + n_out);
    }
    n_out += hfc_tokens_hfc_pack_finish(&packer, out + n_out);
    *data = out;
    *n_bytes = n_out;
    return 0;
}

/* Works out how many frames the payload holds and checks its length against the
 * header: exact for a known count, whole frames plus < 8 padding bits otherwise. */
static int count_frames(const hfc_token_header *header, uint64_t payload_bytes, uint64_t *n_frames,
                        char *err, size_t err_bytes)
{
    const int bad = HFC_ERR_FORMAT;
    uint64_t bits_per_frame =
        (uint64_t)header->n_codebooks * (uint64_t)hfc_tokens_hfc_bits_for(header->codebook_size);
    if (header->n_frames == HFC_TOKENS_UNKNOWN_FRAMES) {
        uint64_t frames = payload_bytes / bits_per_frame * 8 +
                          payload_bytes % bits_per_frame * 8 / bits_per_frame;
        uint64_t leftover_bits = payload_bytes * 8 - frames * bits_per_frame;
        if (leftover_bits >= 8)
            return hfc_fail_text(err, err_bytes, bad,
                                 "truncated .hfc stream: partial last frame (%llu of %llu bits)",
                                 (unsigned long long)leftover_bits,
                                 (unsigned long long)bits_per_frame);
        *n_frames = frames;
    } else {
        uint64_t count = (uint64_t)header->n_frames;
        if (count > (UINT64_MAX - 7) / bits_per_frame)
            return hfc_fail_text(err, err_bytes, bad, ".hfc header has an absurd frame count %llu",
                                 (unsigned long long)count);
        uint64_t needed_bytes = (count * bits_per_frame + 7) / 8;
        if (payload_bytes < needed_bytes)
            return hfc_fail_text(err, err_bytes, bad,
                                 "truncated .hfc payload: %llu frames need %llu bytes, "
                                 "file has %llu",
                                 (unsigned long long)count, (unsigned long long)needed_bytes,
                                 (unsigned long long)payload_bytes);
        if (payload_bytes > needed_bytes)
            return hfc_fail_text(err, err_bytes, bad,
                                 "%llu unexpected bytes after the last .hfc frame",
                                 (unsigned long long)(payload_bytes - needed_bytes));
        *n_frames = count;
    }
    if (*n_frames == 0)
        return hfc_fail_text(err, err_bytes, bad, ".hfc file holds no frames");
    return 0;
}

int hfc_tokens_hfc_parse(const void *data, size_t n_bytes, hfc_token_header *header,
                         hfc_token **tokens, int64_t *n_frames, char *err, size_t err_bytes)
{
    *tokens = NULL;
    int status = hfc_tokens_hfc_header_parse(data, n_bytes, header, err, err_bytes);
    if (status != 0)
        return status;
    const uint8_t *payload = (const uint8_t *)data + HFC_TOKENS_HEADER_BYTES;
    uint64_t payload_bytes = n_bytes - HFC_TOKENS_HEADER_BYTES;
    uint64_t frames;
    status = count_frames(header, payload_bytes, &frames, err, err_bytes);
    if (status != 0)
        return status;

    /* frames * n_codebooks <= payload bits, so this is bounded by the file size. */
    const int bits = hfc_tokens_hfc_bits_for(header->codebook_size);
    size_t n_tokens = (size_t)frames * (size_t)header->n_codebooks;
    hfc_token *out = malloc(n_tokens * sizeof *out);
    if (out == NULL)
        return hfc_fail_text(err, err_bytes, HFC_ERR_NO_MEMORY, "out of memory for %llu frames",
                             (unsigned long long)frames);
    uint32_t padding;
    int64_t got = hfc_tokens_hfc_unpack(payload, bits, header->codebook_size, out,
                                        (int64_t)n_tokens, &padding);
    if (got < 0) {
        size_t i = (size_t)(-1 - got);
        int value = (int)out[i];
        free(out);
        return hfc_fail_text(err, err_bytes, HFC_ERR_BAD_TOKEN,
                             "token %d at frame %zu, codebook %zu is outside [0, %d)", value,
                             i / (size_t)header->n_codebooks, i % (size_t)header->n_codebooks,
                             header->codebook_size);
    }
    /* count_frames made the payload end within this byte: the rest is padding. */
    if (padding != 0) {
        free(out);
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             ".hfc stream has nonzero padding bits");
    }
    *tokens = out;
    *n_frames = (int64_t)frames;
    return 0;
}
