/* The column and block loops around tile B (hfc_tiles_b, hfc_tiles_b_narrow),
 * shared by the tile sets: include after the set's hfc_tile_b. */
#ifndef HFC_KERNELS_CONV_TILE_LOOPS_H
#define HFC_KERNELS_CONV_TILE_LOOPS_H

/* Columns [i_begin, i_end) through tile B: whole wide tiles, then the rest one
 * column at a time (hfc_tiles_b_narrow). Column chunks outside, blocks inside, so a
 * chunk of x stays in cache across all blocks. */
static void hfc_tiles_b_narrow(const hfc_tile_job *j, int i_begin, int i_end);

static void hfc_tiles_b(const hfc_tile_job *j, int i_begin, int i_end)
{
    enum { CHUNK = 16 * HFC_TB_COLS };
    const int i_wide = i_begin + (i_end - i_begin) / HFC_TB_COLS * HFC_TB_COLS;
    for (int c0 = i_begin; c0 < i_wide; c0 += CHUNK) {
        const int c1 = i_wide - c0 < CHUNK ? i_wide : c0 + CHUNK;
        int blk = 0;
        for (; blk + HFC_TB_BLOCKS <= j->n_blocks; blk += HFC_TB_BLOCKS)
            for (int i = c0; i < c1; i += HFC_TB_COLS)
                hfc_tile_b(j, blk, i, HFC_TB_COLS, HFC_TB_BLOCKS);
        for (; blk < j->n_blocks; blk++)
            for (int i = c0; i < c1; i += HFC_TB_COLS)
                hfc_tile_b(j, blk, i, HFC_TB_COLS, 1);
    }
    hfc_tiles_b_narrow(j, i_wide, i_end);
}

/* Few columns (a stream's call on a low-rate layer): groups of 4 columns over
 * HFC_TB4_BLOCKS blocks, each pass over the weights serving 4 columns; then single
 * columns over HFC_TB1_BLOCKS blocks, for enough independent FMA chains. */
static void hfc_tiles_b_narrow(const hfc_tile_job *j, int i_begin, int i_end)
{
    for (; i_begin + 4 <= i_end; i_begin += 4) {
        int blk = 0;
        for (; blk + HFC_TB4_BLOCKS <= j->n_blocks; blk += HFC_TB4_BLOCKS)
            hfc_tile_b(j, blk, i_begin, 4, HFC_TB4_BLOCKS);
        for (; blk < j->n_blocks; blk++)
            hfc_tile_b(j, blk, i_begin, 4, 1);
    }
    for (int i = i_begin; i < i_end; i++) {
        int blk = 0;
        for (; blk + HFC_TB1_BLOCKS <= j->n_blocks; blk += HFC_TB1_BLOCKS)
            hfc_tile_b(j, blk, i, 1, HFC_TB1_BLOCKS);
        for (; blk < j->n_blocks; blk++)
            hfc_tile_b(j, blk, i, 1, 1);
    }
}

#endif
