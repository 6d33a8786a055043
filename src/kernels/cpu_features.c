/* CPUID + XGETBV on x86-64 (an instruction set is usable only when the CPU has it
 * and the OS saves its registers on context switches), getauxval on AArch64. */
#include "cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

unsigned hfc_cpu_features(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx || !fma)
        return 0;
    const unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) /* SSE and AVX state */
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    unsigned have = 0;
    if ((b >> 5) & 1) /* AVX2 */
        have |= HFC_CPU_HAS_AVX2;
    const unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31); /* F DQ BW VL */
    if ((have & HFC_CPU_HAS_AVX2) && (b & avx512) == avx512 && (xcr0 & 0xe0) == 0xe0)
        have |= HFC_CPU_HAS_AVX512; /* opmask, zmm0-15 upper halves, zmm16-31 */
    if ((have & HFC_CPU_HAS_AVX512) && ((c >> 11) & 1))
        have |= HFC_CPU_HAS_AVX512_VNNI;
    unsigned a1, b1, c1, d1; /* leaf 7 sub-leaf 1 */
    if (a >= 1 && __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) {
        if ((have & HFC_CPU_HAS_AVX512) && ((a1 >> 5) & 1))
            have |= HFC_CPU_HAS_AVX512_BF16;
        if ((have & HFC_CPU_HAS_AVX2) && ((a1 >> 4) & 1))
            have |= HFC_CPU_HAS_AVX_VNNI;
    }
    return have;
}

#elif defined(__aarch64__)
#include <sys/auxv.h>

#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif

unsigned hfc_cpu_features(void)
{
    return (getauxval(AT_HWCAP) & HWCAP_ASIMD) ? HFC_CPU_HAS_NEON : 0;
}

#else

unsigned hfc_cpu_features(void)
{
    return 0;
}

#endif
