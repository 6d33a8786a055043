/* Kernel path selection. Only the scalar path exists so far; the SIMD paths plug in
 * here with run-time CPU detection. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

const hfc_kernels *hfc_cpu_select_kernels(int cpu_path, const hfc_logger *logger)
{
    const char *env = getenv("HFC_CPU");
    if (cpu_path == HFC_CPU_AUTO && env && *env && strcmp(env, "scalar") != 0)
        hfc_logf(logger, HFC_LOG_WARN, "HFC_CPU=%s: path not built, using scalar", env);
    else if (cpu_path != HFC_CPU_AUTO && cpu_path != HFC_CPU_SCALAR)
        hfc_logf(logger, HFC_LOG_WARN, "cpu path %d not built, using scalar", cpu_path);
    return &hfc_kernels_scalar;
}
