/* The hificodec GStreamer plugin: the codec (codec/) and its RTP payload format
 * (rtp/, docs/RTP.md). `gst-inspect-1.0 hificodec` lists the elements. */
#include <gst/gst.h>

#include "codec/hificodecdec.h"
#include "codec/hificodecenc.h"
#include "gst_config.h"
#include "rtp/rtphificodecdepay.h"
#include "rtp/rtphificodecpay.h"

static gboolean plugin_init(GstPlugin *plugin)
{
    gboolean ok = GST_ELEMENT_REGISTER(hificodecenc, plugin);
    ok &= GST_ELEMENT_REGISTER(hificodecdec, plugin);
    ok &= GST_ELEMENT_REGISTER(rtphificodecpay, plugin);
    ok &= GST_ELEMENT_REGISTER(rtphificodecdepay, plugin);
    return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, hificodec,
                  "HiFi-Codec neural speech codec and its RTP payload format", plugin_init,
                  HFC_GST_VERSION, "MIT/X11", "hificodec", "https://github.com/hificodec")
