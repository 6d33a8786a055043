"""PyTorch twin of the hificodec model (AcademiCodec HiFi-Codec, GRVQ).

The twin mirrors AcademiCodec's Encoder/Quantizer/Generator parameter for
parameter, so official checkpoints load into it with strict=True, and it reads
and writes hificodec model files (models/FORMAT.md). It is the reference the C
library is tested against.
"""

from .config import Config, load_config
from .model import HiFiCodec

__all__ = ["Config", "HiFiCodec", "load_config"]
