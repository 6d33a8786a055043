"""Token files through the package: the bytes 'hificodec encode' writes, both
formats, round trips, and what load_tokens reports about a file."""
import numpy as np

import hificodec
from conftest import SAMPLE


def test_files_equal_the_cli(model, sample, cli, tmp_path):
    tokens = model.encode(*sample)
    for ext in ('npy', 'hfc'):
        cli('encode', SAMPLE, tmp_path / ('cli.' + ext))
        hificodec.save_tokens(tmp_path / ('py.' + ext), tokens, model)
        assert (tmp_path / ('py.' + ext)).read_bytes() == (tmp_path / ('cli.' + ext)).read_bytes()
        loaded, header = hificodec.load_tokens(tmp_path / ('cli.' + ext), model,
                                                with_header=True)
        assert np.array_equal(loaded, tokens) and loaded.dtype == np.int16
        assert header.format == ext and header.n_frames == len(tokens)
        assert header.n_codebooks == 4
    header = hificodec.load_tokens(tmp_path / 'cli.hfc', with_header=True)[1]
    assert (header.model_id, header.sample_rate, header.hop_samples, header.codebook_size) == \
        (model.info.model_id, 16000, 320, 1024)
    # .hfc is 5 bytes a frame after its 44-byte header
    assert (tmp_path / 'py.hfc').stat().st_size == 44 + 5 * len(tokens)
    # bytes in, tokens out
    assert np.array_equal(hificodec.load_tokens((tmp_path / 'py.hfc').read_bytes()), tokens)


def test_npy_without_a_model(tmp_path):
    tokens = np.arange(40, dtype=np.int64).reshape(10, 4)
    hificodec.save_tokens(tmp_path / 't.npy', tokens)
    assert np.load(tmp_path / 't.npy').dtype == np.int16
    assert np.array_equal(hificodec.load_tokens(tmp_path / 't.npy'), tokens)
    np.save(tmp_path / 'fortran.npy', np.asfortranarray(tokens.astype('>u2')))
    assert np.array_equal(hificodec.load_tokens(tmp_path / 'fortran.npy'), tokens)
