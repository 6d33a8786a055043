/* Status texts and the version: the only strings the API hands out that are static. */
#include "hificodec.h"

#define HFC_STR2(x) #x
#define HFC_STR(x) HFC_STR2(x)

const char *hfc_strerror(int status)
{
    switch (status) {
    case HFC_OK: return "success";
    case HFC_ERR_INVALID_ARG: return "invalid argument";
    case HFC_ERR_NO_MEMORY: return "out of memory";
    case HFC_ERR_IO: return "input/output error";
    case HFC_ERR_FORMAT: return "model or token file is malformed";
    case HFC_ERR_UNSUPPORTED: return "file uses an unsupported version, dtype or configuration";
    case HFC_ERR_TENSOR: return "model tensor is missing, unexpected or has the wrong shape";
    case HFC_ERR_TOO_SHORT: return "input is shorter than one frame";
    case HFC_ERR_BUFFER_TOO_SMALL: return "output buffer is too small";
    case HFC_ERR_BAD_TOKEN: return "token is out of range for the codebook";
    case HFC_ERR_BAD_SAMPLE: return "input sample is NaN or infinite";
    case HFC_ERR_STATE: return "call is not valid in the current state";
    case HFC_ERR_PROTOCOL: return "malformed or unexpected protocol message";
    case HFC_ERR_REFUSED: return "request refused by the daemon";
    case HFC_ERR_CLOSED: return "connection closed by peer";
    case HFC_ERR_TIMEOUT: return "timed out";
    case HFC_ERR_INTERNAL: return "internal error in libhificodec";
    case HFC_ERR_MODEL_MISMATCH: return "tokens were made by another model";
    default: return "unknown status code";
    }
}

const char *hfc_version_string(void)
{
    return HFC_STR(HFC_VERSION_MAJOR) "." HFC_STR(HFC_VERSION_MINOR) "." HFC_STR(HFC_VERSION_PATCH);
}
