"""hificodec.Model on real speech: the same tokens and PCM as the CLI, any input
rate through the CLI's resampler, batches equal single calls and run without the
GIL, streams equal offline for the causal default model."""
import os
import subprocess
import threading

import numpy as np
import pytest

import hificodec
from conftest import SAMPLE


def test_model_loads_the_default(model):
    info = model.info
    assert (info.sample_rate, info.hop_samples, info.n_codebooks, info.codebook_size) == \
        (16000, 320, 4, 1024)
    assert info.frame_rate == 50.0 and info.bitrate == 2000.0 and info.causal
    assert model.path == hificodec.default_model_path()
    assert info.model_id != 0 and info.name
    assert (info.decoder_head, info.head_n_fft, info.head_hop_samples) == ('waveform', 0, 0)


def test_info_of_an_istft_model_matches_the_cli(cli):
    """The decoder head fields against `hificodec info` on the istft fixture."""
    path = os.environ['HFC_TEST_ISTFT_MODEL']
    info = hificodec.Model(path).info
    out = subprocess.run([os.environ['HFC_CLI'], 'info', path], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    line = next(l for l in out.splitlines() if l.startswith('decoder head:'))
    assert line == 'decoder head: istft (n_fft %d, hop %d samples)' % (
        info.head_n_fft, info.head_hop_samples)
    assert info.decoder_head == 'istft' and info.head_n_fft > info.head_hop_samples > 0


def test_encode_equals_the_cli(model, sample, cli, tmp_path):
    pcm, rate = sample
    tokens = model.encode(pcm, rate)
    assert tokens.dtype == np.int16 and tokens.shape == (len(pcm) // 320, 4)
    cli('encode', SAMPLE, tmp_path / 'cli.npy')
    assert np.array_equal(np.load(tmp_path / 'cli.npy'), tokens)
    # int16 samples are the same samples: the file is 16-bit.
    as_int16 = np.round(pcm * 32768).astype(np.int16)
    assert np.array_equal(as_int16.astype(np.float32) / 32768, pcm)
    assert np.array_equal(model.encode(as_int16, rate), tokens)
    # threads change the speed, not the tokens
    assert np.array_equal(model.encode(pcm, threads=1), tokens)


def test_other_rates_use_the_cli_resampler(model, cli, tmp_path):
    pcm48, rate = hificodec.load_audio(SAMPLE, 48000)
    assert rate == 48000 and abs(len(pcm48) - 3 * 98640) <= 1
    np.save(tmp_path / 'pcm48.npy', pcm48)
    # The CLI takes .npy audio at the model's rate; a float WAV carries its rate.
    import soundfile
    soundfile.write(tmp_path / 'in48.wav', pcm48, 48000, subtype='FLOAT')
    cli('encode', tmp_path / 'in48.wav', tmp_path / 'cli48.npy')
    assert np.array_equal(model.encode(pcm48, 48000), np.load(tmp_path / 'cli48.npy'))


def test_decode_equals_the_cli(model, sample, cli, tmp_path):
    tokens = model.encode(*sample)
    pcm = model.decode(tokens)
    assert pcm.dtype == np.float32 and pcm.shape == (len(tokens) * 320,)
    hificodec.save_tokens(tmp_path / 't.npy', tokens)
    cli('decode', tmp_path / 't.npy', tmp_path / 'cli.npy')
    assert np.array_equal(np.load(tmp_path / 'cli.npy'), pcm)
    # any integer dtype
    assert np.array_equal(model.decode(tokens.astype(np.int64)), pcm)
    assert np.array_equal(model.decode(tokens.astype(np.uint16)), pcm)


def test_batches_equal_single_calls(model, speech):
    pcms = [hificodec.load_audio(path)[0] for path in speech]
    rates = [16000] * len(pcms)
    pcms.append(hificodec.load_audio(speech[0], 22050)[0])
    rates.append(22050)
    batch = model.encode_batch(pcms, rates, jobs=2)
    assert len(batch) == len(pcms)
    for pcm, rate, tokens in zip(pcms, rates, batch):
        assert np.array_equal(tokens, model.encode(pcm, rate))
    decoded = model.decode_batch(batch, jobs=2)
    for tokens, pcm in zip(batch, decoded):
        assert np.array_equal(pcm, model.decode(tokens))
    assert model.encode_batch([]) == [] and model.decode_batch([]) == []


def test_batches_release_the_gil(model, sample):
    """Python keeps running while a batch encodes: a counter in this thread moves
    thousands of times; with the GIL held it could not move at all."""
    pcm, _ = sample
    done = threading.Event()
    result = []

    def work():
        result.append(model.encode_batch([pcm] * 6, jobs=2))
        done.set()
    thread = threading.Thread(target=work)
    count = 0
    thread.start()
    while not done.is_set():
        count += 1
    thread.join()
    assert len(result[0]) == 6 and count > 10000, count


def test_streams_equal_offline(model, sample):
    pcm, _ = sample
    tokens = model.encode(pcm)
    rng = np.random.default_rng(5)
    encoder = hificodec.StreamEncoder(model)
    assert encoder.latency >= 320
    pieces, at = [], 0
    while at < len(pcm):
        n = int(rng.integers(1, 2000))
        pieces.append(encoder.push(pcm[at:at + n]))
        at += n
    pieces.append(encoder.flush())
    assert np.array_equal(np.concatenate(pieces), tokens)

    decoder = hificodec.StreamDecoder(model)
    assert decoder.latency == 0
    out = [decoder.push(tokens[i:i + 2]) for i in range(0, len(tokens), 2)] + [decoder.flush()]
    assert np.array_equal(np.concatenate(out), model.decode(tokens))
    # a stream starts over after flush and after reset
    assert np.array_equal(encoder.push(pcm[:3200]), tokens[:10])
    encoder.reset()
    assert np.array_equal(encoder.push(pcm[:3200]), tokens[:10])
    assert encoder.push(np.zeros(0, np.float32)).shape == (0, 4)


def test_latents_and_codebooks(model, sample):
    tokens = model.encode(*sample)
    books = model.codebooks
    assert books.shape == (4, 1024, 64) and books.dtype == np.float32
    assert not books.flags.writeable
    latents = model.latents(tokens)
    assert latents.shape == (len(tokens), 128)
    # group g of a frame's latent: the sum over layers of codebook l*2+g's codewords
    for g in range(2):
        summed = np.zeros((len(tokens), 64), np.float32)
        for layer in range(2):
            k = layer * 2 + g
            summed += books[k][tokens[:, k]]
        assert np.array_equal(latents[:, g * 64:(g + 1) * 64], summed)
    assert np.array_equal(model.decode_latents(latents), model.decode(tokens))
    noisy = latents + np.float32(0.01) * np.random.default_rng(1).standard_normal(
        latents.shape).astype(np.float32)
    audio = model.decode_latents(noisy)
    assert np.all(np.isfinite(audio)) and audio.shape == (len(tokens) * 320,)


def test_info_of_another_model_path(tmp_path):
    with pytest.raises(hificodec.Error) as caught:
        hificodec.Model(tmp_path / 'missing.safetensors')
    assert caught.value.code == 'HFC_ERR_IO' and 'missing.safetensors' in str(caught.value)
