/* int8 quantization in plain C, as the int8 kernels do it (conv_int8.h): the scalar
 * reference, the weight packing and the SIMD input conversion all round alike. */
#ifndef HFC_KERNELS_INT8_H
#define HFC_KERNELS_INT8_H

#include <float.h>
#include <math.h>
#include <stdint.h>

/* The scale of values whose largest magnitude is max_abs: max_abs / 127, and its
 * reciprocal for quantizing, 127 / max_abs. Zero (and a denormal or zero maximum,
 * whose reciprocal would overflow) quantizes everything to 0 with scale 0. */
static inline float hfc_int8_scale(float max_abs, float *inv)
{
    if (!(max_abs >= FLT_MIN)) {
        *inv = 0.0f;
        return 0.0f;
    }
    *inv = 127.0f / max_abs;
    return max_abs / 127.0f;
}

/* round(v * inv) to nearest even, in [-127, 127] whenever |v| <= max_abs. */
static inline int hfc_int8_quantize(float v, float inv)
{
    return (int)lrintf(v * inv);
}

/* Sum of the four byte products of an unsigned byte quad and a signed one: one lane
 * of VPDPBUSD without the accumulator. */
static inline int32_t hfc_int8_dot4(uint32_t u, uint32_t s)
{
    int32_t sum = 0;
    for (int b = 0; b < 32; b += 8)
        sum += (int32_t)((u >> b) & 0xffu) * (int32_t)(int8_t)((s >> b) & 0xffu);
    return sum;
}

#endif
