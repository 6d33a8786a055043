/* The public token-header calls: a model's header, checking tokens against a
 * model, and the 44-byte .hfc header on its own (what a live stream or a packet
 * format needs). */
#include "fail_text.h"
#include "log.h"
#include "model.h"
#include "tokens_hfc.h"

#include <inttypes.h>
#include <string.h>

int hfc_token_header_for_model(const hfc_model *model, hfc_token_header *header)
{
    if (!model || !header)
        return HFC_ERR_INVALID_ARG;
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    memset(header, 0, sizeof *header);
    header->format = HFC_TOKENS_AUTO;
    header->model_id = info.model_id;
    header->sample_rate_hz = info.sample_rate_hz;
    header->hop_samples = info.hop_samples;
    header->codebook_size = info.codebook_size;
    header->n_codebooks = info.n_codebooks;
    header->n_frames = HFC_TOKENS_UNKNOWN_FRAMES;
    return HFC_OK;
}

int hfc_token_header_check(const hfc_token_header *header, const hfc_model_info *info,
                           int allow_other_model, const hfc_token_file_options *options)
{
    if (!header || !info)
        return HFC_ERR_INVALID_ARG;
    hfc_logger logger = {options ? options->log : NULL, options ? options->log_user : NULL};
    const int mismatch = HFC_ERR_MODEL_MISMATCH;
    if (header->n_codebooks != info->n_codebooks) {
        hfc_logf(&logger, HFC_LOG_ERROR, "has %d tokens per frame, the model needs %d",
                 header->n_codebooks, info->n_codebooks);
        return mismatch;
    }
    /* A .npy file records no codebook size: its reader checked the tokens against
     * the bound it was given, which must not exceed the model's. */
    if (header->codebook_size > info->codebook_size) {
        hfc_logf(&logger, HFC_LOG_ERROR, "has tokens of %d-entry codebooks, the model has %d",
                 header->codebook_size, info->codebook_size);
        return mismatch;
    }
    if (header->format != HFC_TOKENS_HFC)
        return HFC_OK;
    if (header->sample_rate_hz != info->sample_rate_hz ||
        header->hop_samples != info->hop_samples || header->codebook_size != info->codebook_size) {
        hfc_logf(&logger, HFC_LOG_ERROR,
                 "was written for %d Hz, hop %d, %d x %d-entry codebooks; the model has %d Hz, "
                 "hop %d, %d x %d",
                 header->sample_rate_hz, header->hop_samples, header->n_codebooks,
                 header->codebook_size, info->sample_rate_hz, info->hop_samples, info->n_codebooks,
                 info->codebook_size);
        return mismatch;
    }
    if (header->model_id != info->model_id && !allow_other_model) {
        hfc_logf(&logger, HFC_LOG_ERROR,
                 "was written by model %016" PRIx64 ", not this model (%016" PRIx64 ")",
                 header->model_id, info->model_id);
        return mismatch;
    }
    return HFC_OK;
}

int hfc_token_header_write(const hfc_token_header *header, uint8_t out[HFC_TOKENS_HEADER_BYTES])
{
    if (!header || !out)
        return HFC_ERR_INVALID_ARG;
    return hfc_tokens_hfc_header_write(header, out, NULL, 0);
}

int hfc_token_header_parse(const void *data, size_t n_bytes, hfc_token_header *header)
{
    if (!data || !header)
        return HFC_ERR_INVALID_ARG;
    return hfc_tokens_hfc_header_parse(data, n_bytes, header, NULL, 0);
}
