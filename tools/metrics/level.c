/*
 * level.c - the degraded file's level against the reference (definition in
 * metrics.h).
 */
#include <math.h>
#include <stdint.h>

#include "metrics.h"

int hfc_metrics_level_db(const float *ref, const float *deg, int64_t n_samples, double *level_db)
{
    if (level_db == NULL)
        return HFC_ERR_INVALID_ARG;
    *level_db = NAN;
    if (ref == NULL || deg == NULL || n_samples <= 0)
        return HFC_ERR_INVALID_ARG;
    double ref_energy = 0.0, deg_energy = 0.0;
    for (int64_t i = 0; i < n_samples; i++) {
        if (!isfinite(ref[i]) || !isfinite(deg[i]))
            return HFC_ERR_BAD_SAMPLE;
        ref_energy += (double)ref[i] * ref[i];
        deg_energy += (double)deg[i] * deg[i];
    }
    if (!(ref_energy > 0.0))
        return HFC_ERR_INVALID_ARG;
    double floor_energy = ref_energy * pow(10.0, -HFC_LEVEL_MIN_DB / 10.0);
    *level_db = 10.0 * log10((deg_energy > floor_energy ? deg_energy : floor_energy) / ref_energy);
    return HFC_OK;
}
