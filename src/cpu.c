/* Kernel path selection: the best path this build has and the CPU supports, unless
 * the caller (hfc_model_options.cpu_path) or the environment (HFC_CPU) asks for one.
 * A request the build or the CPU cannot honour is logged and falls back to the best
 * path, never to a kernel that would fault. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const char *const path_names[] = {
    [HFC_CPU_SCALAR] = "scalar",
    [HFC_CPU_AVX2] = "avx2",
    [HFC_CPU_AVX512] = "avx512",
    [HFC_CPU_NEON] = "neon",
};

const hfc_kernels *hfc_cpu_select_kernels(int cpu_path, const hfc_logger *logger)
{
    const unsigned have = hfc_cpu_features();
    const char *want = NULL;
    if (cpu_path > HFC_CPU_AUTO && cpu_path <= HFC_CPU_NEON)
        want = path_names[cpu_path];
    else if (cpu_path != HFC_CPU_AUTO)
        hfc_logf(logger, HFC_LOG_WARN, "cpu path %d unknown, choosing automatically", cpu_path);
    else if (getenv("HFC_CPU") && *getenv("HFC_CPU"))
        want = getenv("HFC_CPU");
    const hfc_kernels *best = NULL;
    for (int i = 0; hfc_kernel_tables[i]; i++) {
        const hfc_kernels *k = hfc_kernel_tables[i];
        const int usable = (k->needs & have) == k->needs;
        if (want && strcmp(k->name, want) == 0) {
            if (usable)
                return k;
            hfc_logf(logger, HFC_LOG_WARN, "cpu path %s: this CPU lacks it", want);
            want = NULL;
        }
        if (usable && !best)
            best = k;
    }
    if (want)
        hfc_logf(logger, HFC_LOG_WARN,
                 "cpu path %s: not built in (HFC_CPU=scalar|avx2|avx512|neon)", want);
    return best;
}
