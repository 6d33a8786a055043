#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gst_config.h"

static const char *default_model_path(void)
{
    const char *env = g_getenv("HFC_MODEL");
    if (env != NULL && env[0] != '\0')
        return env;
    /* The source tree first, so that a build-tree plugin uses the model it was
     * built and tested with (as the CLI does), then where meson installs it. */
    if (access(HFC_GST_SOURCE_MODEL, R_OK) == 0)
        return HFC_GST_SOURCE_MODEL;
    return HFC_GST_INSTALLED_MODEL;
}

hfc_model *hfc_gst_model_load(GstElement *element, const gchar *path)
{
    const char *chosen = path != NULL && path[0] != '\0' ? path : default_model_path();
    int status = HFC_OK;
    hfc_model *model = hfc_model_load_file(chosen, NULL, &status);
    if (model == NULL)
        GST_ELEMENT_ERROR(element, RESOURCE, OPEN_READ,
                          ("Could not load the hificodec model %s: %s", chosen,
                           hfc_strerror(status)),
                          ("set the element's model property or $HFC_MODEL"));
    return model;
}

void hfc_gst_model_id_string(uint64_t id, gchar out[17])
{
    g_snprintf(out, 17, "%016" G_GINT64_MODIFIER "x", (guint64)id);
}

GstCaps *hfc_gst_tokens_caps(const hfc_model *model)
{
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    gchar id[17];
    hfc_gst_model_id_string(info.model_id, id);
    return gst_caps_new_simple(HFC_GST_TOKENS_MEDIA_TYPE, "rate", G_TYPE_INT, info.sample_rate_hz,
                               "frame-samples", G_TYPE_INT, info.hop_samples, "codebooks",
                               G_TYPE_INT, info.n_codebooks, "codebook-size", G_TYPE_INT,
                               info.codebook_size, "model-id", G_TYPE_STRING, id, NULL);
}

gboolean hfc_gst_tokens_caps_header(const GstStructure *s, hfc_token_header *header)
{
    memset(header, 0, sizeof *header);
    int rate = 0, hop = 0, n_codebooks = 0, codebook_size = 0;
    if (!gst_structure_get_int(s, "rate", &rate) ||
        !gst_structure_get_int(s, "frame-samples", &hop) ||
        !gst_structure_get_int(s, "codebooks", &n_codebooks) ||
        !gst_structure_get_int(s, "codebook-size", &codebook_size) || rate <= 0 || hop <= 0)
        return FALSE;
    header->sample_rate_hz = rate;
    header->hop_samples = hop;
    header->n_codebooks = n_codebooks;
    header->codebook_size = codebook_size;
    header->n_frames = HFC_TOKENS_UNKNOWN_FRAMES;
    const gchar *id = gst_structure_get_string(s, "model-id");
    if (id != NULL)
        header->model_id = g_ascii_strtoull(id, NULL, 16);
    return hfc_token_frame_bytes(header) > 0;
}
