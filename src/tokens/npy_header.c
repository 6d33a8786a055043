#include "npy_header.h"

#include "fail_text.h"
#include "hificodec.h"

#include <stdio.h>
#include <string.h>

static const uint8_t npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* Python ints in a shape can be arbitrarily long; anything past 2^62 is no real
 * array and would only invite overflow further on. */
#define NPY_MAX_DIM ((int64_t)1 << 62)

/* A cursor over the dict text; every read checks pos < n_chars first. */
typedef struct dict_cursor {
    const char *text;
    size_t n_chars;
    size_t pos;
} dict_cursor;

static int at_end(const dict_cursor *c)
{
    return c->pos >= c->n_chars;
}

static char peek(const dict_cursor *c)
{
    return at_end(c) ? '\0' : c->text[c->pos];
}

static void skip_space(dict_cursor *c)
{
    while (!at_end(c) && (c->text[c->pos] == ' ' || c->text[c->pos] == '\t' ||
                          c->text[c->pos] == '\n' || c->text[c->pos] == '\r'))
        c->pos++;
}

static int expect(dict_cursor *c, char wanted, char *err, size_t err_bytes)
{
    skip_space(c);
    if (peek(c) != wanted)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "malformed .npy header: expected '%c' at offset %zu", wanted, c->pos);
    c->pos++;
    return 0;
}

/* A quoted string without escapes (NumPy's keys and simple descrs never have any). */
static int parse_string(dict_cursor *c, char *out, size_t out_bytes, char *err, size_t err_bytes)
{
    skip_space(c);
    char quote = peek(c);
    if (quote != '\'' && quote != '"')
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "malformed .npy header: expected a string at offset %zu", c->pos);
    c->pos++;
    size_t n_out = 0;
    while (!at_end(c) && c->text[c->pos] != quote) {
        char ch = c->text[c->pos++];
        /* Escapes never occur in NumPy's headers; control characters would end up
         * in one-line error messages that echo the string. */
        if (ch == '\\' || (unsigned char)ch < 0x20 || ch == 0x7F || n_out + 1 >= out_bytes)
            return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                                 "unsupported .npy header: string at offset %zu", c->pos);
        out[n_out++] = ch;
    }
    if (at_end(c))
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "malformed .npy header: unterminated string");
    c->pos++;
    out[n_out] = '\0';
    return 0;
}

static int parse_bool(dict_cursor *c, int *out, char *err, size_t err_bytes)
{
    skip_space(c);
    size_t left = c->n_chars - c->pos;
    if (left >= 4 && memcmp(c->text + c->pos, "True", 4) == 0) {
        c->pos += 4;
        *out = 1;
        return 0;
    }
    if (left >= 5 && memcmp(c->text + c->pos, "False", 5) == 0) {
        c->pos += 5;
        *out = 0;
        return 0;
    }
    return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                         "malformed .npy header: expected True or False at offset %zu", c->pos);
}

static int parse_dim(dict_cursor *c, int64_t *out, char *err, size_t err_bytes)
{
    skip_space(c);
    if (peek(c) < '0' || peek(c) > '9')
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "malformed .npy header: expected a dimension at offset %zu", c->pos);
    int64_t value = 0;
    while (peek(c) >= '0' && peek(c) <= '9') {
        int digit = peek(c) - '0';
        if (value > (NPY_MAX_DIM - digit) / 10)
            return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                                 ".npy shape dimension is absurdly large");
        value = value * 10 + digit;
        c->pos++;
    }
    if (peek(c) == 'L') /* Python 2 long literal, as old NumPy wrote them */
        c->pos++;
    *out = value;
    return 0;
}

/* "(d0, d1, ...)" with an optional trailing comma, or "()" for a scalar. */
static int parse_shape(dict_cursor *c, hfc_npy_header *header, char *err, size_t err_bytes)
{
    if (expect(c, '(', err, err_bytes) != 0)
        return HFC_ERR_FORMAT;
    header->n_dims = 0;
    skip_space(c);
    while (peek(c) != ')') {
        if (header->n_dims == HFC_NPY_MAX_DIMS)
            return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                                 ".npy array has more than %d dimensions", HFC_NPY_MAX_DIMS);
        if (parse_dim(c, &header->dims[header->n_dims], err, err_bytes) != 0)
            return HFC_ERR_FORMAT;
        header->n_dims++;
        skip_space(c);
        if (peek(c) == ',') {
            c->pos++;
            skip_space(c);
        } else if (peek(c) != ')') {
            return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                                 "malformed .npy header: expected ',' or ')' at offset %zu",
                                 c->pos);
        }
    }
    c->pos++;
    return 0;
}

/* A simple descr: byte order, type character, item size ("<i2", "|u1", ">f8"). */
static int parse_descr(const char *descr, hfc_npy_header *header, char *err, size_t err_bytes)
{
    size_t n_chars = strlen(descr);
    if (n_chars < 3 || n_chars > 4 || strchr("<>|=", descr[0]) == NULL || descr[1] < 'a' ||
        descr[1] > 'z' || descr[2] < '1' || descr[2] > '9' ||
        (n_chars == 4 && (descr[3] < '0' || descr[3] > '9')))
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT, "unsupported .npy dtype '%s'", descr);
    int item_bytes = descr[2] - '0';
    if (n_chars == 4)
        item_bytes = item_bytes * 10 + (descr[3] - '0');
    if (item_bytes > 16)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT, "unsupported .npy dtype '%s'", descr);
    const uint16_t probe = 1;
    int host_big_endian = *(const uint8_t *)&probe == 0;
    header->kind = descr[1];
    header->item_bytes = item_bytes;
    header->big_endian = descr[0] == '>' || (descr[0] == '=' && host_big_endian);
    return 0;
}

/* The dict: the three keys NumPy writes, each exactly once, in any order. */
static int parse_dict(dict_cursor *c, hfc_npy_header *header, char *err, size_t err_bytes)
{
    int have_descr = 0, have_order = 0, have_shape = 0;
    if (expect(c, '{', err, err_bytes) != 0)
        return HFC_ERR_FORMAT;
    skip_space(c);
    while (peek(c) != '}') {
        char key[32], descr[32];
        if (parse_string(c, key, sizeof key, err, err_bytes) != 0 ||
            expect(c, ':', err, err_bytes) != 0)
            return HFC_ERR_FORMAT;
        if (strcmp(key, "descr") == 0 && !have_descr) {
            if (parse_string(c, descr, sizeof descr, err, err_bytes) != 0 ||
                parse_descr(descr, header, err, err_bytes) != 0)
                return HFC_ERR_FORMAT;
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
            if (parse_bool(c, &header->fortran_order, err, err_bytes) != 0)
                return HFC_ERR_FORMAT;
            have_order = 1;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            if (parse_shape(c, header, err, err_bytes) != 0)
                return HFC_ERR_FORMAT;
            have_shape = 1;
        } else {
            return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                                 "malformed .npy header: unexpected key '%s'", key);
        }
        skip_space(c);
        if (peek(c) == ',') {
            c->pos++;
            skip_space(c);
        } else if (peek(c) != '}') {
            return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                                 "malformed .npy header: expected ',' or '}' at offset %zu",
                                 c->pos);
        }
    }
    c->pos++;
    if (!have_descr || !have_order || !have_shape)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT, "malformed .npy header: missing %s",
                             !have_descr   ? "'descr'"
                             : !have_order ? "'fortran_order'"
                                           : "'shape'");
    skip_space(c);
    if (!at_end(c))
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "malformed .npy header: text after the dict");
    return 0;
}

int hfc_npy_header_parse(const uint8_t *data, size_t n_bytes, hfc_npy_header *header, char *err,
                         size_t err_bytes)
{
    memset(header, 0, sizeof *header);
    if (n_bytes < sizeof npy_magic || memcmp(data, npy_magic, sizeof npy_magic) != 0)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT, "not a .npy file (bad magic)");
    if (n_bytes < 10)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT, "truncated .npy header");
    int major = data[6];
    size_t preamble_bytes, dict_bytes;
    if (major == 1) {
        preamble_bytes = 10;
        dict_bytes = (size_t)data[8] | (size_t)data[9] << 8;
    } else if (major == 2 || major == 3) {
        if (n_bytes < 12)
            return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT, "truncated .npy header");
        preamble_bytes = 12;
        dict_bytes = (size_t)data[8] | (size_t)data[9] << 8 | (size_t)data[10] << 16 |
                     (size_t)data[11] << 24;
    } else {
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "unsupported .npy format version %d.%d", major, data[7]);
    }
    if (dict_bytes > n_bytes - preamble_bytes)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "truncated .npy header: %zu header bytes, file has %zu", dict_bytes,
                             n_bytes - preamble_bytes);

    dict_cursor cursor = {(const char *)data + preamble_bytes, dict_bytes, 0};
    if (parse_dict(&cursor, header, err, err_bytes) != 0)
        return HFC_ERR_FORMAT;
    header->data_offset = preamble_bytes + dict_bytes;

    uint64_t n_items = 1;
    for (int i = 0; i < header->n_dims; i++) {
        uint64_t dim = (uint64_t)header->dims[i];
        if (dim != 0 && n_items > UINT64_MAX / dim)
            return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT, ".npy shape is absurdly large");
        n_items *= dim;
    }
    header->n_items = n_items;
    uint64_t data_bytes_left = n_bytes - header->data_offset;
    if (n_items > data_bytes_left / (uint64_t)header->item_bytes)
        return hfc_fail_text(err, err_bytes, HFC_ERR_FORMAT,
                             "truncated .npy data: the shape needs %llu items of %d bytes, "
                             "the file holds %llu bytes",
                             (unsigned long long)n_items, header->item_bytes,
                             (unsigned long long)data_bytes_left);
    if (n_items * (uint64_t)header->item_bytes != data_bytes_left)
        return hfc_fail_text(
            err, err_bytes, HFC_ERR_FORMAT, "%llu unexpected bytes after the .npy array data",
            (unsigned long long)(data_bytes_left - n_items * (uint64_t)header->item_bytes));
    return 0;
}

size_t hfc_npy_header_write(const char *descr, int n_dims, const int64_t *dims,
                            uint8_t out[HFC_NPY_HEADER_MAX_BYTES])
{
    if (strlen(descr) > 8 || n_dims < 1 || n_dims > HFC_NPY_MAX_DIMS)
        return 0;
    char dict[HFC_NPY_HEADER_MAX_BYTES];
    int n_chars =
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < n_dims; i++) {
        if (dims[i] < 0)
            return 0;
        /* Python writes a 1-tuple as "(n,)"; the trailing comma is what makes it a tuple. */
        n_chars += snprintf(dict + n_chars, sizeof dict - (size_t)n_chars,
                            n_dims == 1      ? "%lld,"
                            : i + 1 < n_dims ? "%lld, "
                                             : "%lld",
                            (long long)dims[i]);
    }
    n_chars += snprintf(dict + n_chars, sizeof dict - (size_t)n_chars, "), }");
    /* Magic (6) + version (2) + length (2) + dict + padding + '\n' = multiple of 64. */
    size_t total = ((size_t)(10 + n_chars + 1) + 63) / 64 * 64;
    if (total > HFC_NPY_HEADER_MAX_BYTES)
        return 0;
    size_t dict_bytes = total - 10;
    memcpy(out, npy_magic, sizeof npy_magic);
    out[6] = 1;
    out[7] = 0;
    out[8] = (uint8_t)(dict_bytes & 0xFF);
    out[9] = (uint8_t)(dict_bytes >> 8);
    memcpy(out + 10, dict, (size_t)n_chars);
    memset(out + 10 + n_chars, ' ', dict_bytes - (size_t)n_chars - 1);
    out[total - 1] = '\n';
    return total;
}

/* Loads item_bytes bytes in the file's byte order as an unsigned integer. */
static uint64_t load_bits(const hfc_npy_header *header, const uint8_t *item)
{
    uint64_t bits = 0;
    for (int i = 0; i < header->item_bytes; i++) {
        int byte = header->big_endian ? i : header->item_bytes - 1 - i;
        bits = bits << 8 | item[byte];
    }
    return bits;
}

int64_t hfc_npy_item_int(const hfc_npy_header *header, const uint8_t *array_data, uint64_t index)
{
    uint64_t bits = load_bits(header, array_data + index * (uint64_t)header->item_bytes);
    int width = header->item_bytes * 8;
    if (header->kind == 'i' && width < 64 && (bits >> (width - 1)) != 0)
        return (int64_t)(bits | ~(((uint64_t)1 << width) - 1)); /* sign-extend */
    if (header->kind == 'u' && width == 64 && bits > (uint64_t)INT64_MAX)
        return INT64_MAX; /* out of any token range either way */
    return (int64_t)bits;
}

double hfc_npy_item_float(const hfc_npy_header *header, const uint8_t *array_data, uint64_t index)
{
    uint64_t bits = load_bits(header, array_data + index * (uint64_t)header->item_bytes);
    if (header->kind == 'f' && header->item_bytes == 4) {
        uint32_t narrow = (uint32_t)bits;
        float value;
        memcpy(&value, &narrow, sizeof value);
        return value;
    }
    if (header->kind == 'f' && header->item_bytes == 8) {
        double value;
        memcpy(&value, &bits, sizeof value);
        return value;
    }
    return (double)hfc_npy_item_int(header, array_data, index);
}
