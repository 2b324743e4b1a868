"""A binned likelihood summed over its time axis: the energy-only (time-integrated) fit of the same data.

Summing the (n_energy, n_time) bins over time keeps the data, every background and every absolute nuisance
template (each summed over time), and the Poisson or Gaussian statistic (for the Gaussian the variances of the
independent bins add). The exact per-bin re-timing of the signal (`Likelihood.signal_factor`) must act before the
sum, so a signal is collapsed with `integrate_signal`, not by hand. A relative template (a nuisance that
multiplies the signal) survives the sum only if it is the same in every time bin of an energy bin; a likelihood
with a time-dependent one (seed 000's timing, radius and efficiency shapes) is refused rather than approximated.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .base import N_FLAVOURS, Likelihood


def _sum_time(a: np.ndarray, shape: tuple) -> np.ndarray:
    """(..., n_E * n_t) -> (..., n_E): the sum over the time bins of each energy bin."""
    a = np.asarray(a, float)
    return a.reshape(a.shape[:-1] + tuple(shape)).sum(axis=-1)


@functools.lru_cache(maxsize=16)
def time_integrated(lk: Likelihood) -> Likelihood:
    """The likelihood `lk` with its time bins summed: shape (n_energy, 1), no re-timing factor (cached)."""
    if not isinstance(lk, Likelihood):
        raise ValueError(f"time_integrated needs a Likelihood, not {type(lk).__name__}")
    n_e, n_t = lk.shape
    nuisances = []
    for n in lk.nuisances:
        rel = None
        if n.relative is not None:
            r = np.asarray(n.relative, float).reshape(N_FLAVOURS, n_e, n_t)
            if not np.allclose(r, r[..., :1], rtol=1e-12, atol=0.0):
                raise ValueError(f"{lk.name}: nuisance {n.name!r} ({n.description}) depends on time; "
                                 "its likelihood cannot be integrated over time")
            rel = r[..., 0]
        ab = None if n.absolute is None else {k: _sum_time(v, lk.shape) for k, v in n.absolute.items()}
        nuisances.append(dataclasses.replace(n, relative=rel, absolute=ab))
    return dataclasses.replace(
        lk, name=f"{lk.name}[time-integrated]", data=_sum_time(lk.data, lk.shape),
        backgrounds={k: _sum_time(v, lk.shape) for k, v in lk.backgrounds.items()}, nuisances=nuisances,
        sm_signal=_sum_time(lk.sm_signal, lk.shape), shape=(n_e, 1),
        variance=None if lk.variance is None else _sum_time(lk.variance, lk.shape), signal_factor=None,
        description=f"{lk.description}, summed over time", extra={**lk.extra, "time_integrated": True})


def integrate_signal(lk: Likelihood, signal) -> np.ndarray:
    """Signal hypotheses (H, 3, n_E, n_t) or (H, 3, n_E * n_t) of `lk`, re-timed by its signal factor and summed
    over time: (H, 3, n_E), the input of `time_integrated(lk)`."""
    s = np.asarray(signal, float)
    n_e, n_t = lk.shape
    if s.shape[-2:] == (n_e, n_t):
        s = s.reshape(s.shape[:-2] + (n_e * n_t,))
    if s.ndim < 2 or s.shape[-2:] != (N_FLAVOURS, n_e * n_t):
        raise ValueError(f"{lk.name}: signal of shape {np.shape(signal)} is not (..., {N_FLAVOURS}, {n_e} x {n_t})")
    if lk.signal_factor is not None:
        s = s * lk.signal_factor
    return _sum_time(s, lk.shape)
