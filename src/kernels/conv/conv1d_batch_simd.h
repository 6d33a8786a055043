/* conv1d_batch (conv1d.h) for one ISA and format: include after conv1d_simd.h (and,
 * for a reduced format, after conv_chunks.h, whose HFC_CONVERT and HFC_ROW_BYTES it
 * uses; fp32 copies its input instead).
 *
 * Items of at most HFC_BATCH_NARROW columns are gathered, as many as fit the stack
 * buffers: each item's input columns (converted to the tiles' elements) side by
 * side in one buffer, and one gathered tile-B pass (hfc_tiles_b_gathered) computes
 * every item's columns, so the weights are read once for the whole group. The
 * outputs go to a stack buffer and are copied to each item's y. Wider items run
 * alone. Every output is computed by tile B in its usual order, so each equals its
 * conv1d bit for bit. */
#include <string.h>

#ifndef HFC_CONVERT
/* fp32: the tiles read floats; copy, zeros in [n, width). */
static void hfc_copy_columns(const float *x, ptrdiff_t x_ld, int c_in, int n, float *dst,
                             ptrdiff_t ld, int width)
{
    for (int ci = 0; ci < c_in; ci++) {
        memcpy(dst + ci * ld, x + ci * x_ld, (size_t)n * sizeof *dst);
        memset(dst + ci * ld + n, 0, (size_t)(width - n) * sizeof *dst);
    }
}
#define HFC_CONVERT hfc_copy_columns
#define HFC_ROW_BYTES(c_in) ((size_t)(c_in) * sizeof(float))
#endif

enum {
    HFC_BATCH_NARROW = 12,          /* items this narrow share weight passes */
    HFC_BATCH_X_BYTES = 96 * 1024,  /* gathered inputs */
    HFC_BATCH_Y_FLOATS = 8 * 1024,  /* gathered outputs */
    HFC_BATCH_COLUMNS = 256
};

void HFC_SIMD_NAME(hfc_conv1d_batch)(const hfc_conv *cv, int n, const hfc_conv_item *items)
{
    hfc_tx xbuf[HFC_BATCH_X_BYTES / sizeof(hfc_tx)] __attribute__((aligned(64)));
    float ybuf[HFC_BATCH_Y_FLOATS] __attribute__((aligned(64)));
    ptrdiff_t col_x[HFC_BATCH_COLUMNS];
    const int span = (cv->kernel - 1) * cv->dilation + 1;
    /* Element rows of a converted column: its bytes over the element size. */
    const int rows = (int)(HFC_ROW_BYTES(cv->c_in) / sizeof(hfc_tx));
    for (int i = 0; i < n;) {
        /* The group [i, g): narrow items whose inputs and outputs fit. */
        int g = i, width = 0, cols = 0;
        while (g < n && items[g].n_out > 0 && items[g].n_out <= HFC_BATCH_NARROW) {
            const int w = ((items[g].n_out - 1) * cv->stride + span + 15) / 16 * 16;
            if ((size_t)(width + w) * rows * sizeof(hfc_tx) > sizeof xbuf ||
                (cols + items[g].n_out) * cv->c_out > HFC_BATCH_Y_FLOATS ||
                cols + items[g].n_out > HFC_BATCH_COLUMNS)
                break;
            width += w;
            cols += items[g].n_out;
            g++;
        }
        if (g - i < 2) { /* wide, alone, or too big to gather: its own call */
            const hfc_conv_epilogue e = {.out = items[i].y, .out_ld = items[i].y_ld};
            if (items[i].n_out > 0)
                conv1d_run(cv, items[i].x, items[i].x_ld, items[i].n_out, &e);
            i++;
            continue;
        }
        int o = 0, c = 0;
        for (int k = i; k < g; k++) {
            const int n_in = (items[k].n_out - 1) * cv->stride + span, w = (n_in + 15) / 16 * 16;
            HFC_CONVERT(items[k].x, items[k].x_ld, cv->c_in, n_in, xbuf + o, width, w);
            for (int t = 0; t < items[k].n_out; t++)
                col_x[c++] = o + (ptrdiff_t)t * cv->stride;
            o += w;
        }
        const hfc_conv_epilogue e = {.out = ybuf, .out_ld = cols};
        hfc_tile_job j = conv1d_job(cv, xbuf, width, &e);
        j.col_x = col_x;
        hfc_tiles_b_gathered(&j, cols);
        c = 0;
        for (int k = i; k < g; k++) {
            for (int co = 0; co < cv->c_out; co++)
                memcpy(items[k].y + co * items[k].y_ld, ybuf + (ptrdiff_t)co * cols + c,
                       (size_t)items[k].n_out * sizeof(float));
            c += items[k].n_out;
        }
        i = g;
    }
}
