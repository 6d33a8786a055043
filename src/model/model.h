/* struct hfc_model: the parsed config, the bound networks and the kernel table.
 * Immutable after load, so any number of streams and threads can share it. */
#ifndef HFC_MODEL_H
#define HFC_MODEL_H

#include "hificodec.h"
#include "log.h"
#include "model_config.h"
#include "network.h"

struct hfc_model {
    hfc_config cfg;
    hfc_logger logger;
    const hfc_kernels *kern;
    int precision; /* enum hfc_format the plan is built for (precision.h) */
    hfc_encoder_net enc;
    hfc_quantizer vq;
    hfc_generator_net gen;
    float *weights; /* one allocation holding every tensor, in float */
    int64_t n_params;
    uint64_t model_id;
    double encode_flop_per_s, decode_flop_per_s;
};

/* Kernel table for a requested path (enum hfc_cpu_path), resolving AUTO and the
 * HFC_CPU environment variable; logs and falls back to scalar when the CPU lacks
 * the requested path. */
const hfc_kernels *hfc_cpu_select_kernels(int cpu_path, const hfc_logger *logger);

#endif
