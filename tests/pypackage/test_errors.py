"""Bad input raises a clear error and changes nothing: wrong dtypes and shapes,
NaN, tokens out of range (also ones a cast would wrap into range), corrupt and
truncated token files, another model's tokens, a corrupt model file."""
import numpy as np
import pytest

import hificodec


def error_of(call, *args, **kwargs):
    with pytest.raises(hificodec.Error) as caught:
        call(*args, **kwargs)
    return caught.value


def test_pcm_dtype_and_shape(model):
    with pytest.raises(TypeError, match='float32 or int16.*float64'):
        model.encode(np.zeros(16000))
    with pytest.raises(TypeError, match='float32 or int16'):
        model.encode(np.zeros(16000, np.int32))
    with pytest.raises(ValueError, match='mono'):
        model.encode(np.zeros((16000, 2), np.float32))
    with pytest.raises(TypeError, match='float32 or int16'):
        model.encode_batch([np.zeros(16000, np.float32), np.zeros(16000, np.float64)])


def test_nan_and_short_input(model, sample):
    pcm = sample[0].copy()
    pcm[1234] = np.nan
    error = error_of(model.encode, pcm)
    assert error.code == 'HFC_ERR_BAD_SAMPLE' and error.status == -10
    assert 'sample 1234 is NaN' in str(error)
    pcm[1234] = np.inf
    assert 'sample 1234 is infinite' in str(error_of(model.encode, pcm, 8000))
    error = error_of(model.encode_batch, [sample[0], pcm])
    assert 'item 1' in str(error) and error.code == 'HFC_ERR_BAD_SAMPLE'
    error = error_of(model.encode, np.zeros(319, np.float32))
    assert error.code == 'HFC_ERR_TOO_SHORT' and '319 samples' in str(error)
    stream = hificodec.StreamEncoder(model)
    assert error_of(stream.push, pcm[1000:2000]).code == 'HFC_ERR_BAD_SAMPLE'
    assert stream.push(sample[0][:640]).shape == (2, 4)  # nothing was consumed


def test_tokens_out_of_range(model):
    tokens = np.zeros((10, 4), np.int16)
    tokens[7, 2] = 1024
    error = error_of(model.decode, tokens)
    assert error.code == 'HFC_ERR_BAD_TOKEN'
    assert 'token 1024 at frame 7, codebook 2 is outside [0, 1024)' in str(error)
    tokens[7, 2] = -1
    assert 'token -1 at frame 7' in str(error_of(model.latents, tokens))
    wide = np.zeros((3, 4), np.int64)
    wide[1, 1] = 2 ** 32  # int32 would wrap this to 0
    assert 'token 4294967296 at frame 1, codebook 1' in str(error_of(model.decode, wide))
    assert 'item 1' in str(error_of(model.decode_batch, [np.zeros((2, 4), np.int16), tokens]))
    decoder = hificodec.StreamDecoder(model)
    assert error_of(decoder.push, tokens).code == 'HFC_ERR_BAD_TOKEN'
    with pytest.raises(TypeError, match='integers'):
        model.decode(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r'\[frames, 4\]'):
        model.decode(np.zeros((3, 8), np.int16))


def test_latents_checked(model):
    latents = np.zeros((5, 128), np.float32)
    latents[3, 9] = np.nan
    error = error_of(model.decode_latents, latents)
    assert error.code == 'HFC_ERR_BAD_SAMPLE' and 'sample 393 is NaN' in str(error)
    with pytest.raises(TypeError, match='float32'):
        model.decode_latents(np.zeros((5, 128)))
    with pytest.raises(ValueError, match='128'):
        model.decode_latents(np.zeros((5, 64), np.float32))


def test_corrupt_token_files(model, sample, tmp_path):
    tokens = model.encode(*sample)
    hificodec.save_tokens(tmp_path / 'ok.hfc', tokens, model)
    data = (tmp_path / 'ok.hfc').read_bytes()
    (tmp_path / 'cut.hfc').write_bytes(data[:-3])
    error = error_of(hificodec.load_tokens, tmp_path / 'cut.hfc')
    assert error.code == 'HFC_ERR_FORMAT' and 'truncated .hfc payload' in str(error)
    assert 'cut.hfc' in str(error)
    flipped = bytearray(data)
    flipped[20] ^= 1
    assert 'CRC' in str(error_of(hificodec.load_tokens, bytes(flipped)))
    np.save(tmp_path / 'float.npy', tokens.astype(np.float32))
    assert 'integers' in str(error_of(hificodec.load_tokens, tmp_path / 'float.npy'))
    np.save(tmp_path / 'big.npy', np.full((3, 4), 1024, np.int16))
    assert hificodec.load_tokens(tmp_path / 'big.npy').shape == (3, 4)  # no model: no bound
    assert error_of(hificodec.load_tokens, tmp_path / 'big.npy', model).code == 'HFC_ERR_BAD_TOKEN'
    npy = (tmp_path / 'big.npy').read_bytes()
    (tmp_path / 'short.npy').write_bytes(npy[:-1])
    assert 'truncated .npy data' in str(error_of(hificodec.load_tokens, tmp_path / 'short.npy'))
    assert error_of(hificodec.load_tokens, tmp_path / 'missing.npy').code == 'HFC_ERR_IO'


def test_another_models_tokens(model, sample, tmp_path):
    tokens = model.encode(*sample)
    hificodec.save_tokens(tmp_path / 'ok.hfc', tokens, model)
    data = bytearray((tmp_path / 'ok.hfc').read_bytes())
    data[8] ^= 0xFF  # model id
    import zlib
    data[40:44] = zlib.crc32(bytes(data[:40])).to_bytes(4, 'little')
    (tmp_path / 'other.hfc').write_bytes(bytes(data))
    assert np.array_equal(hificodec.load_tokens(tmp_path / 'other.hfc'), tokens)
    error = error_of(hificodec.load_tokens, tmp_path / 'other.hfc', model)
    assert error.code == 'HFC_ERR_MODEL_MISMATCH' and 'not this model' in str(error)
    loaded = hificodec.load_tokens(tmp_path / 'other.hfc', model, allow_other_model=True)
    assert np.array_equal(loaded, tokens)


def test_failed_save_keeps_the_old_file(model, sample, tmp_path):
    tokens = model.encode(*sample)
    path = tmp_path / 'kept.npy'
    hificodec.save_tokens(path, tokens, model)
    before = path.read_bytes()
    bad = tokens.copy()
    bad[5, 0] = 2000
    assert error_of(hificodec.save_tokens, path, bad, model).code == 'HFC_ERR_BAD_TOKEN'
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ['kept.npy']
    with pytest.raises(ValueError, match='names its model'):
        hificodec.save_tokens(tmp_path / 'x.hfc', tokens)
    with pytest.raises(ValueError, match='hfc or npy'):
        hificodec.save_tokens(tmp_path / 'x.bin', tokens)


def test_corrupt_model(tmp_path):
    path = tmp_path / 'bad.safetensors'
    path.write_bytes(b'\x10\x00\x00\x00\x00\x00\x00\x00{"not": "a model"}')
    error = error_of(hificodec.Model, path)
    assert error.status < 0 and 'bad.safetensors' in str(error)


def test_unreadable_audio(tmp_path):
    error = error_of(hificodec.load_audio, tmp_path / 'missing.flac')
    assert error.code == 'HFC_ERR_IO' and 'missing.flac' in str(error)
    (tmp_path / 'noise.wav').write_bytes(b'not a wav file at all' * 10)
    error = error_of(hificodec.load_audio, tmp_path / 'noise.wav')
    assert error.code == 'HFC_ERR_FORMAT' and 'cannot decode' in str(error)
