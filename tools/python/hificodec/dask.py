"""Tokenize a corpus on a Dask cluster (Debian's python3-distributed).

The files of 'hificodec tokenize' mapped over the workers of a dask.distributed
Client, with one model load per worker process:

    from dask.distributed import Client
    import hificodec.dask
    client = Client('tcp://scheduler:8786')          # or Client(LocalCluster())
    summary = hificodec.dask.tokenize(client, 'corpus/', 'tokens/')
    print(summary)

The listing (a folder, a file list or a JSONL manifest), the mirrored output names,
shards, the skipping of finished files, the atomic writes and the tokens themselves
are the CLI's own C code (each worker runs Model.tokenize_file), so a Dask run and
'hificodec tokenize' produce the same files byte for byte, and either can resume
the other's run. Paths must mean the same on every worker (a shared filesystem),
and the workers must be able to import hificodec (started with the same
PYTHONPATH, or with the package installed).
"""
import dataclasses
import math
import os
import threading
import time

from . import _native
from ._model import Model, default_model_path

# One Model per worker process and model path, loaded by the first task that needs
# it and kept for the process's life; the count lets a run prove there was one load.
_models = {}
_loads = {}
_lock = threading.Lock()


def _worker_model(path):
    with _lock:
        if path not in _models:
            _models[path] = Model(path, threads=1)
            _loads[path] = _loads.get(path, 0) + 1
        return _models[path]


def _tokenize_files(items, model_path, token_format, overwrite):
    """A task: some files, on a worker. Runs Model.tokenize_file on each."""
    model = _worker_model(model_path)
    results = []
    for item in items:
        result = model.tokenize_file(item['source'], item['output'], token_format, overwrite)
        result['source'] = item['source']
        results.append(result)
    return {'pid': os.getpid(), 'loads': _loads[model_path], 'results': results}


@dataclasses.dataclass
class Summary:
    """How a run went: the figures 'hificodec tokenize' closes with."""
    n_files: int = 0
    n_done: int = 0
    n_skipped: int = 0
    failures: list = dataclasses.field(default_factory=list)  # (source or key, reason)
    audio_seconds: float = 0.0       # of the files done (not skipped)
    wall_seconds: float = 0.0
    read_seconds: float = 0.0        # summed over the workers
    codec_seconds: float = 0.0
    write_seconds: float = 0.0
    model_loads: dict = dataclasses.field(default_factory=dict)  # worker pid -> loads

    @property
    def n_failed(self):
        return len(self.failures)

    @property
    def real_time_factor(self):
        return self.audio_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def __str__(self):
        worker = self.read_seconds + self.codec_seconds + self.write_seconds
        return ('%d files: %d encoded, %d already done, %d failed; %.3f h of audio in '
                '%.1f s: %.1fx real time on %d workers (reading and resampling %.1f%% of '
                'worker time)' % (
                    self.n_files, self.n_done, self.n_skipped, self.n_failed,
                    self.audio_seconds / 3600, self.wall_seconds, self.real_time_factor,
                    len(self.model_loads), 100 * self.read_seconds / worker if worker else 0))


def _deal(items, n_tasks):
    """Largest files first, dealt round-robin: tasks of nearly equal work."""
    ordered = sorted(items, key=lambda item: (-item['n_bytes'], item['key']))
    return [ordered[i::n_tasks] for i in range(n_tasks) if ordered[i::n_tasks]]


def tokenize(client, input, output_dir, model=None, format='npy', overwrite=False,
             shard=None, files_per_task=None, progress=None):
    """Tokenizes the corpus `input` (a folder, a file list or a .jsonl manifest) into
    `output_dir` on the workers of `client` and returns a Summary.

    model: a model file path (default: default_model_path(), resolved here);
    format: 'npy' or 'hfc'; overwrite: redo finished files; shard: (k, n) to take
    only shard k of n, as --shard k/n; files_per_task: files per Dask task (default:
    about 8 tasks per worker, at most 64 files each); progress: called with the
    Summary so far after each task. A file that fails is reported in
    Summary.failures and the run goes on; a worker that cannot load the model
    raises.
    """
    from distributed import as_completed

    if format not in ('npy', 'hfc'):
        raise ValueError('format must be npy or hfc, not %r' % format)
    model_path = os.path.abspath(os.fspath(model) if model else default_model_path())
    k, n = shard if shard is not None else (0, 1)
    start = time.monotonic()
    items = _native.corpus_list(os.path.abspath(os.fspath(input)),
                                os.path.abspath(os.fspath(output_dir)), True, '.' + format,
                                int(k), int(n))
    summary = Summary(n_files=len(items))
    summary.failures += [(item['key'], item['error']) for item in items if item['error']]
    work = [item for item in items if not item['error']]
    if work:
        n_workers = max(1, len(client.scheduler_info()['workers']))
        per_task = files_per_task or min(64, max(1, math.ceil(len(work) / (8 * n_workers))))
        tasks = _deal(work, math.ceil(len(work) / per_task))
        futures = client.map(_tokenize_files, tasks, model_path=model_path,
                             token_format=format, overwrite=bool(overwrite), pure=False)
        for future in as_completed(futures):
            answer = future.result()
            summary.model_loads[answer['pid']] = answer['loads']
            for result in answer['results']:
                if result['outcome'] == 'failed':
                    summary.failures.append((result['source'], result['error']))
                elif result['outcome'] == 'skipped':
                    summary.n_skipped += 1
                else:
                    summary.n_done += 1
                    summary.audio_seconds += result['audio_seconds']
                summary.read_seconds += result['read_seconds']
                summary.codec_seconds += result['codec_seconds']
                summary.write_seconds += result['write_seconds']
            summary.wall_seconds = time.monotonic() - start
            if progress is not None:
                progress(summary)
    summary.wall_seconds = time.monotonic() - start
    return summary
