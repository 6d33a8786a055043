/*
 * sisdr.c - scale-invariant SDR (definition in metrics.h).
 */
#include <math.h>
#include <stdint.h>

#include "metrics.h"

int hfc_metrics_si_sdr_db(const float *ref, const float *deg, int64_t n_samples,
                          double *si_sdr_db)
{
    if (si_sdr_db == NULL)
        return HFC_ERR_INVALID_ARG;
    *si_sdr_db = NAN;
    if (ref == NULL || deg == NULL || n_samples <= 0)
        return HFC_ERR_INVALID_ARG;

    double mean_ref = 0.0, mean_deg = 0.0;
    for (int64_t i = 0; i < n_samples; i++) {
        if (!isfinite(ref[i]) || !isfinite(deg[i]))
            return HFC_ERR_BAD_SAMPLE;
        mean_ref += ref[i];
        mean_deg += deg[i];
    }
    mean_ref /= (double)n_samples;
    mean_deg /= (double)n_samples;

    double ref_energy = 0.0, cross = 0.0;
    for (int64_t i = 0; i < n_samples; i++) {
        double r = (double)ref[i] - mean_ref;
        double d = (double)deg[i] - mean_deg;
        ref_energy += r * r;
        cross += r * d;
    }
    if (!(ref_energy > 0.0))
        return HFC_ERR_INVALID_ARG;

    /* Residual computed sample by sample rather than as |deg|^2 - |t|^2, which
     * would cancel catastrophically for near-identical signals. */
    double scale = cross / ref_energy;
    double target_energy = 0.0, error_energy = 0.0;
    for (int64_t i = 0; i < n_samples; i++) {
        double t = scale * ((double)ref[i] - mean_ref);
        double e = ((double)deg[i] - mean_deg) - t;
        target_energy += t * t;
        error_energy += e * e;
    }
    double floor_energy = target_energy * pow(10.0, -HFC_SI_SDR_MAX_DB / 10.0);
    if (error_energy < floor_energy)
        error_energy = floor_energy;
    if (!(target_energy > 0.0)) {
        /* deg is silent or orthogonal to ref: nothing of ref in it. */
        *si_sdr_db = -HFC_SI_SDR_MAX_DB;
        return HFC_OK;
    }
    *si_sdr_db = 10.0 * log10(target_energy / error_energy);
    return HFC_OK;
}
