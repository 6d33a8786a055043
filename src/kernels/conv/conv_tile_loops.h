/* The column and block loops around tile B (hfc_tiles_b, hfc_tiles_b_narrow, and
 * hfc_tiles_b_gathered for batches), shared by the tile sets: include after the
 * set's hfc_tile_b. */
#ifndef HFC_KERNELS_CONV_TILE_LOOPS_H
#define HFC_KERNELS_CONV_TILE_LOOPS_H

/* Few columns (a stream's call on a low-rate layer): groups of 4 columns over
 * HFC_TB4_BLOCKS blocks, each pass over the weights serving 4 columns; then single
 * columns over HFC_TB1_BLOCKS blocks, for enough independent FMA chains. */
HFC_TILE_INLINE void hfc_tiles_b_narrow_loop(const hfc_tile_job *j, int i_begin, int i_end,
                                             const int gathered)
{
    for (; i_begin + 4 <= i_end; i_begin += 4) {
        int blk = 0;
        for (; blk + HFC_TB4_BLOCKS <= j->n_blocks; blk += HFC_TB4_BLOCKS)
            hfc_tile_b(j, blk, i_begin, 4, HFC_TB4_BLOCKS, gathered);
        for (; blk < j->n_blocks; blk++)
            hfc_tile_b(j, blk, i_begin, 4, 1, gathered);
    }
    for (int i = i_begin; i < i_end; i++) {
        int blk = 0;
        for (; blk + HFC_TB1_BLOCKS <= j->n_blocks; blk += HFC_TB1_BLOCKS)
            hfc_tile_b(j, blk, i, 1, HFC_TB1_BLOCKS, gathered);
        for (; blk < j->n_blocks; blk++)
            hfc_tile_b(j, blk, i, 1, 1, gathered);
    }
}

/* Columns [i_begin, i_end) through tile B: whole wide tiles, then the rest through
 * the narrow loop. Column chunks outside, blocks inside, so a chunk of x stays in
 * cache across all blocks. */
HFC_TILE_INLINE void hfc_tiles_b_loop(const hfc_tile_job *j, int i_begin, int i_end,
                                      const int gathered)
{
    enum { CHUNK = 16 * HFC_TB_COLS };
    const int i_wide = i_begin + (i_end - i_begin) / HFC_TB_COLS * HFC_TB_COLS;
    for (int c0 = i_begin; c0 < i_wide; c0 += CHUNK) {
        const int c1 = i_wide - c0 < CHUNK ? i_wide : c0 + CHUNK;
        int blk = 0;
        for (; blk + HFC_TB_BLOCKS <= j->n_blocks; blk += HFC_TB_BLOCKS)
            for (int i = c0; i < c1; i += HFC_TB_COLS)
                hfc_tile_b(j, blk, i, HFC_TB_COLS, HFC_TB_BLOCKS, gathered);
        for (; blk < j->n_blocks; blk++)
            for (int i = c0; i < c1; i += HFC_TB_COLS)
                hfc_tile_b(j, blk, i, HFC_TB_COLS, 1, gathered);
    }
    hfc_tiles_b_narrow_loop(j, i_wide, i_end, gathered);
}

static inline void hfc_tiles_b_narrow(const hfc_tile_job *j, int i_begin, int i_end)
{
    hfc_tiles_b_narrow_loop(j, i_begin, i_end, 0);
}

static inline void hfc_tiles_b(const hfc_tile_job *j, int i_begin, int i_end)
{
    hfc_tiles_b_loop(j, i_begin, i_end, 0);
}

/* A gathered job's columns [0, n) on blocks [blk, blk + nb): 4 at a time, then the
 * last 1 to 3 together. */
HFC_TILE_INLINE void hfc_tiles_b_gathered_blocks(const hfc_tile_job *j, int blk, const int nb,
                                                 int n)
{
    int i = 0;
    for (; i + 4 <= n; i += 4)
        hfc_tile_b(j, blk, i, 4, nb, 1);
    if (n - i == 3)
        hfc_tile_b(j, blk, i, 3, nb, 1);
    else if (n - i == 2)
        hfc_tile_b(j, blk, i, 2, nb, 1);
    else if (n - i == 1)
        hfc_tile_b(j, blk, i, 1, nb, 1);
}

/* Columns [0, n) of a gathered job (j->col_x): blocks outside, so a group of
 * blocks' weights is read from memory once and serves every column from cache. */
static inline void hfc_tiles_b_gathered(const hfc_tile_job *j, int n)
{
    int blk = 0;
    for (; blk + HFC_TB4_BLOCKS <= j->n_blocks; blk += HFC_TB4_BLOCKS)
        hfc_tiles_b_gathered_blocks(j, blk, HFC_TB4_BLOCKS, n);
    for (; blk < j->n_blocks; blk++)
        hfc_tiles_b_gathered_blocks(j, blk, 1, n);
}

#endif
