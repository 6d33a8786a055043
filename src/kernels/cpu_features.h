/* Run-time CPU detection: which SIMD paths the processor and the OS support. */
#ifndef HFC_KERNELS_CPU_FEATURES_H
#define HFC_KERNELS_CPU_FEATURES_H

enum {
    HFC_CPU_HAS_AVX2 = 1u << 0,   /* AVX2 + FMA, and the OS saves ymm state */
    HFC_CPU_HAS_AVX512 = 1u << 1, /* AVX-512 F/BW/DQ/VL + FMA, and the OS saves zmm state */
    HFC_CPU_HAS_NEON = 1u << 2,   /* AArch64 Advanced SIMD */
    HFC_CPU_HAS_AVX512_BF16 = 1u << 3, /* AVX512_BF16 (with AVX-512 state saved) */
    HFC_CPU_HAS_AVX512_VNNI = 1u << 4, /* AVX512_VNNI (with AVX-512 state saved) */
    HFC_CPU_HAS_AVX_VNNI = 1u << 5     /* AVX-VNNI, the VEX form (with AVX2) */
};

/* HFC_CPU_HAS_* bits of this machine. Cheap; computed on every call. */
unsigned hfc_cpu_features(void);

#endif
