"""hificodec: the HiFi-Codec neural speech codec (libhificodec) for Python and NumPy.

16 kHz speech in 4 tokens of 10 bits every 20 ms (2 kbit/s) with the default model:

    import hificodec
    model = hificodec.Model()                            # the shipped default model
    pcm, rate = hificodec.load_audio("speech.flac")     # or any float32/int16 array
    tokens = model.encode(pcm, rate)                     # int16 [frames, 4], 50 frames/s
    audio = model.decode(tokens)                         # float32 at model.sample_rate

Model.encode_batch / decode_batch run lists on every core; StreamEncoder and
StreamDecoder work frame by frame; Model.latents, decode_latents and codebooks
serve TTS models (docs/TTS.md); load_tokens / save_tokens read and write .hfc and
.npy token files; hificodec.dask tokenizes a corpus on a Dask cluster. Errors of
the library raise hificodec.Error (.status, .code) with its message.
"""
from ._model import Info, Model, StreamDecoder, StreamEncoder, default_model_path
from ._native import Error, version as library_version
from ._tokens import TokenHeader, load_audio, load_tokens, save_tokens

__all__ = ['Error', 'Info', 'Model', 'StreamDecoder', 'StreamEncoder', 'TokenHeader',
           'default_model_path', 'library_version', 'load_audio', 'load_tokens',
           'save_tokens']
