"""The compiled kernels run ranges of blocks in threads (`kernels._run_blocks`), and a running compilation holds
a lock that a first use of the kernels waits for (`kernels.lock_path`, `make book`)."""

import subprocess
import sys
import time

import numpy as np
import pytest

from cevns_lib.fits import likelihood
from cevns_lib.likelihood import kernels
from cevns_lib.models.nsi import VectorNSI
from cevns_lib.scans import chi2_quadratic

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed")


def _split(monkeypatch, n_threads, tasks_per_thread):
    monkeypatch.setattr(kernels, "threads", lambda: n_threads)
    monkeypatch.setattr(kernels, "TASKS_PER_THREAD", tasks_per_thread)


@pytest.mark.parametrize("dataset", ["csi", "lar"])
def test_threads_and_ranges_do_not_change_the_result(monkeypatch, dataset):
    # blocks are fixed by the hypothesis index and warm starts stay within a block: one thread, or 3 threads
    # taking 7 ranges each of uneven length, give the same bits. A range boundary dropped or doubled (a block left
    # unprofiled: np.empty garbage; or profiled twice from another start) or a warm start carried across
    # ranges would not.
    lk = likelihood(dataset)
    n = 64 * 37 + 5  # not a multiple of the block
    hyps = lk.sm_signal[None] * np.random.default_rng(4).uniform(0.6, 1.4, (n, 3, 1))
    _split(monkeypatch, 1, 4)
    one = lk.chi2_profiled(hyps, backend="compiled", return_nuisances=True)
    _split(monkeypatch, 3, 7)
    many = lk.chi2_profiled(hyps, backend="compiled", return_nuisances=True)
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])
    assert np.all(np.isfinite(one[0]))
    # a scan through the linear-form kernels (template rows for CsI, reduced tables for LAr)
    model = VectorNSI(["uV_ee", "dV_ee"])
    a = np.linspace(-0.5, 0.5, 61)
    grid = np.stack(np.meshgrid(a, a, indexing="ij"), -1)
    _split(monkeypatch, 1, 4)
    c1 = chi2_quadratic(model, grid, dataset)
    _split(monkeypatch, 2, 5)
    c2 = chi2_quadratic(model, grid, dataset)
    np.testing.assert_array_equal(c1, c2)


def test_run_blocks_covers_every_block_once(monkeypatch):
    # the ranges handed to the kernel partition 0 ... n - 1, for any thread count and number of ranges
    for n_threads, tasks, n in [(1, 4, 1), (2, 4, 1), (2, 4, 3), (3, 7, 100), (8, 4, 5), (2, 1, 9)]:
        _split(monkeypatch, n_threads, tasks)
        hits = np.zeros(n, dtype=int)

        def kernel(lo, hi, out):
            out[lo:hi] += 1

        kernels._run_blocks(kernel, n, hits)
        np.testing.assert_array_equal(hits, 1)


def test_first_use_waits_for_a_compilation_in_progress():
    # a process holding the compile lock (as `python -m cevns_lib.likelihood.kernels` does while it compiles)
    # makes the shared lock taken before loading the kernels wait until it is released
    hold = 1.5
    child = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                              "from cevns_lib.likelihood import kernels\n"
                              "h = kernels._lock(exclusive=True)\n"
                              "print('held', flush=True)\n"
                              f"time.sleep({hold})\n"
                              "h.close()\n"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        t0 = time.perf_counter()
        handle = kernels._lock(exclusive=False)
        waited = time.perf_counter() - t0
        assert handle is not None
        handle.close()
    finally:
        child.wait()
    assert waited > 0.6 * hold
    # and without a compilation in progress, no wait
    t0 = time.perf_counter()
    kernels._lock(exclusive=False).close()
    assert time.perf_counter() - t0 < 0.5
