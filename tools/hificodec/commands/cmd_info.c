/* hificodec info: what a model file is and what it costs. */
#include "cli_common.h"
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>

static const char info_help[] =
    "Usage: hificodec info [OPTIONS] [MODEL]\n"
    "\n"
    "Print a model's configuration and cost, one \"key: value\" line each: sample\n"
    "rate, hop, frame rate, codebooks, bitrate, latent size, parameter count,\n"
    "encode and decode GFLOP per second of audio, its decoder head (waveform, or\n"
    "istft with its size and hop), whether it is causal (exact\n"
    "streaming), its model id (the id .hfc files record), the CPU kernel path in use\n"
    "(HFC_CPU=scalar|avx2|avx512|neon forces one) and its name.\n"
    "\n"
    "MODEL (or -m MODEL) names the model file; without one, $HFC_MODEL, then the\n"
    "bundled default model.\n"
    "\n"
    "Options:\n" HFC_CLI_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  hificodec info\n"
    "  HFC_CPU=scalar hificodec info my-model.safetensors\n"
    "\n" HFC_CLI_EXIT_STATUS_HELP;

static void print_info(const char *path, const hfc_model_info *info)
{
    printf("model: %s\n", path);
    printf("name: %s\n", info->name != NULL && info->name[0] != '\0' ? info->name : "(none)");
    printf("sample rate: %d Hz\n", info->sample_rate_hz);
    printf("hop: %d samples (%.2f ms)\n", info->hop_samples,
           1000.0 * info->hop_samples / info->sample_rate_hz);
    printf("frame rate: %.2f Hz\n", info->frame_rate_hz);
    printf("codebooks: %d x %d entries (%d groups x %d layers)\n", info->n_codebooks,
           info->codebook_size, info->n_groups, info->n_layers);
    printf("bitrate: %.0f bit/s\n", info->bitrate_bps);
    printf("latent dim: %d\n", info->latent_dim);
    printf("parameters: %" PRId64 " (%.2f M)\n", info->n_params, (double)info->n_params * 1e-6);
    printf("encode: %.3f GFLOP/s of audio\n", info->encode_gflop_per_s);
    printf("decode: %.3f GFLOP/s of audio\n", info->decode_gflop_per_s);
    if (info->head_n_fft > 0)
        printf("decoder head: istft (n_fft %d, hop %d samples)\n", info->head_n_fft,
               info->head_hop_samples);
    else
        printf("decoder head: waveform\n");
    printf("causal: %s\n", info->causal ? "yes" : "no");
    printf("model id: %016" PRIx64 "\n", info->model_id);
    printf("cpu path: %s\n", info->cpu_path != NULL ? info->cpu_path : "?");
    printf("precision: %s decoder, fp32 encoder\n", info->precision != NULL ? info->precision : "?");
}

int hfc_cmd_info(int argc, char **argv)
{
    static const hfc_cli_option options[] = {HFC_CLI_COMMON_OPTIONS, {NULL, 0, 0, 0}};
    hfc_cli_common common;
    const char *model_arg[1];
    int n_args = hfc_cli_parse_command("info", argc, argv, options, &common, NULL, NULL, model_arg,
                                       1);
    if (n_args < 0)
        return HFC_CLI_EXIT_USAGE;
    if (common.help) {
        fputs(info_help, stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (n_args == 1) {
        if (common.model_path != NULL) {
            hfc_cli_print_error("info", "give the model either as MODEL or with -m, not both");
            return HFC_CLI_EXIT_USAGE;
        }
        common.model_path = model_arg[0];
    }
    char path[4096];
    hfc_model *model = hfc_cli_model_load(&common, path, sizeof path);
    if (model == NULL)
        return HFC_CLI_EXIT_FAILURE;
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    print_info(path, &info);
    hfc_model_free(model);
    return fflush(stdout) == 0 ? HFC_CLI_EXIT_OK : HFC_CLI_EXIT_FAILURE;
}
