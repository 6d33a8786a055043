"""hificodec.dask.tokenize on a real distributed.LocalCluster with two worker
processes: the files equal a single-process 'hificodec tokenize' byte for byte
(and Model.encode of the same audio), each worker loads the model once, bad files
are reported and skipped, reruns skip finished files, shards match the CLI's."""
import os

import numpy as np
import pytest

import hificodec
from conftest import npy_files

distributed = pytest.importorskip('distributed')
import hificodec.dask  # noqa: E402  (after the skip: it needs nothing, tokenize needs distributed)


@pytest.fixture(scope='module')
def client():
    # Processes, not threads: each worker is its own Python with its own model.
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=':0', silence_logs=50)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_dask_equals_the_cli(client, corpus, cli, tmp_path, model):
    single = tmp_path / 'single'
    status, err = cli('tokenize', '--jobs', '1', corpus, single, check=False)
    assert status == 1 and 'corrupt.flac' in err
    out = tmp_path / 'dask'
    seen = []
    summary = hificodec.dask.tokenize(client, corpus, out, files_per_task=2,
                                      progress=lambda s: seen.append(s.n_done))
    assert summary.n_files == 7 and summary.n_done == 6 and summary.n_failed == 1
    assert summary.failures[0][0].endswith('corrupt.flac') and summary.failures[0][1]
    assert seen and seen == sorted(seen)
    files = npy_files(out)
    assert files == npy_files(single) and len(files) == 6
    for rel in files:
        assert (out / rel).read_bytes() == (single / rel).read_bytes(), rel
        audio = os.path.join(corpus, os.path.splitext(rel)[0] + '.flac')
        assert np.array_equal(np.load(out / rel), model.encode(*hificodec.load_audio(audio)))
    # Both workers worked, and each loaded the model exactly once.
    assert len(summary.model_loads) == 2 and set(summary.model_loads.values()) == {1}
    assert summary.audio_seconds > 0 and summary.real_time_factor > 0
    assert '6 encoded' in str(summary)

    again = hificodec.dask.tokenize(client, corpus, out)
    assert again.n_skipped == 6 and again.n_done == 0 and again.n_failed == 1
    assert set(again.model_loads.values()) == {1}  # still the first load


def test_dask_shards_match_the_cli(client, corpus, cli, tmp_path):
    for k in range(2):
        cli('tokenize', '--shard', '%d/2' % k, corpus, tmp_path / ('cli%d' % k), check=False)
        hificodec.dask.tokenize(client, corpus, tmp_path / ('dask%d' % k), shard=(k, 2))
        assert npy_files(tmp_path / ('dask%d' % k)) == npy_files(tmp_path / ('cli%d' % k))
    union = sorted(npy_files(tmp_path / 'dask0') + npy_files(tmp_path / 'dask1'))
    assert len(union) == 6 and len(set(union)) == 6


def test_dask_errors(client, tmp_path):
    with pytest.raises(hificodec.Error, match='no-such-corpus'):
        hificodec.dask.tokenize(client, tmp_path / 'no-such-corpus', tmp_path / 'out')
    with pytest.raises(ValueError, match='npy or hfc'):
        hificodec.dask.tokenize(client, tmp_path, tmp_path / 'out', format='wav')
