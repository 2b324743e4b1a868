"""Running independent work items (the tested points of a toy construction) in this process or on Dask.

`cluster(workers=N)` starts a `dask.distributed.LocalCluster` of N single-threaded worker processes on this
machine; `cluster(scheduler=ADDRESS)` connects to a running scheduler (e.g. one that dask-jobqueue started on a
Slurm cluster, or dask-kubernetes): the code that submits work is the same. Workers elsewhere must be able to
import `cevns_lib` (the same version). `map_points` returns results in the order of the items whatever finishes
first, so results depend only on the items (each carries its own random seed), not on the number of workers.
"""

from __future__ import annotations

import contextlib
import logging
import os

from .validation import positive_int


@contextlib.contextmanager
def cluster(workers: int | None = None, scheduler: str | None = None):
    """A `dask.distributed.Client` (or None for in-process work when neither argument is given)."""
    if workers is not None and scheduler is not None:
        raise ValueError("give either workers (a local cluster) or scheduler (a running one), not both")
    if workers is None and scheduler is None:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - dask[distributed] is in requirements.txt
        raise ValueError("--workers/--scheduler need dask[distributed] (pip install 'dask[distributed]')") from err
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise ValueError(f"scheduler must be an address such as tcp://host:8786, not {scheduler!r}")
        with Client(scheduler) as client:
            yield client
        return
    n = positive_int(workers, "workers")
    threads = str(max(1, (os.cpu_count() or 1) // n))  # numba threads per worker: share the cores, no oversubscription
    env = {"NUMBA_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR, env=env) as lc, Client(lc) as client:
        yield client


def map_points(func, shared, items, *args, client=None, progress: bool | None = None, desc: str = ""):
    """[func(shared, *item, *args) for item in items], in this process or on the client's workers, in order.

    shared: a large object every call needs (scattered once to the workers). progress: a tqdm bar (None: only
    when stderr is a terminal)."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(items), desc=desc, disable=None if progress is None else not progress, leave=False)
    try:
        if client is None:
            out = []
            for item in items:
                out.append(func(shared, *item, *args))
                bar.update()
            return out
        from dask.distributed import as_completed

        fut_shared = client.scatter(shared, broadcast=True)
        futures = [client.submit(func, fut_shared, *item, *args, pure=False) for item in items]
        for _ in as_completed(futures):
            bar.update()
        return client.gather(futures)
    finally:
        bar.close()
