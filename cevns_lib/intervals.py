r"""Feldman-Cousins intervals for one parameter theta, from toy experiments drawn from the likelihoods' own models.

The construction (Feldman & Cousins 1998, the "unified approach", with the profile-likelihood-ratio ordering):

    t(theta; n) = chi2(theta; n) - min_{theta' in physical range} chi2(theta'; n),

both terms profiled over every nuisance. For each tested theta_j, toy experiments n ~ model(theta_j, a_hat_j) give
the distribution of t; its quantile c_j(CL) is the critical value, and the interval is {theta_j : t_obs(theta_j) <=
c_j(CL)}, its edges linearly interpolated in t_obs - c between tested points. Wilks' theorem would set c_j to the
chi^2_1 quantile (1, 2.71, 4); the toys measure how wrong that is, point by point (`FCResult.wilks_coverage`).

Nuisances: the *profile construction* (also called "hybrid resampling"): the toys at theta_j are generated at the
nuisances a_hat_j that profile the observed data at theta_j, and every Gaussian prior (an auxiliary measurement
of the nuisance) gets its toy too: the prior centre of a toy is drawn from N(a_hat_j, sigma_k) and the toy is
then profiled with the penalty (a_k - c_k)^2 / sigma_k^2. Free nuisances have no auxiliary measurement.
Coverage is then exact at (theta, a_hat(theta)) and approximate elsewhere in nuisance space.

Toys per channel (a channel = one likelihood): Poisson counts for a Poisson likelihood (CsI), Gaussian counts of
the likelihood's fixed variance for a Gaussian one (LAr), both of mean `Likelihood.expected_counts` at a_hat_j.
A Poisson mean must be >= 0; a linear nuisance template could in principle drive one negative. Every construction
records the smallest expected count it met (`FCResult.min_expected`, over the observed fits at every tested theta
and the toy fits at the tested theta) and the number of toy fits with any negative mean, so that a reader can see
that no result depends on it; a negative generating mean is an error, never clipped silently.

The minimum over theta' of a toy is searched on a fit grid (the physical range's relevant part), refined by the
vertex of the parabola through the lowest grid point and its neighbours, where chi^2 is evaluated once more; the
tested theta_j itself is always a candidate, so t >= 0.

Expected counts are any function theta (n,) -> signal (n, 3, B) of the channel; `QuadraticForm1D` holds the common
case c0 + theta c1 + theta^2 c2 (a count scale, sin^2 theta_W, one NSI coupling, a Z' coupling squared at fixed
mass, mu_nu^2). Everything is vectorised over toys and fit-grid points: one `chi2_profiled` call per channel and
chunk, with one toy data set per hypothesis. Random numbers: one `numpy.random.SeedSequence` child per tested point,
spawned from the master seed, so results do not depend on how the points are distributed over workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.stats import chi2 as chi2_dist

from .likelihood import Likelihood
from .regions import allowed_pieces
from .validation import positive_int

#: confidence levels of "1 sigma", "90%" and "2 sigma" (two-sided Gaussian probabilities erf(k/sqrt2))
CL_1SIGMA = float(chi2_dist.cdf(1.0, 1))
CL_90 = 0.90
CL_2SIGMA = float(chi2_dist.cdf(4.0, 1))
HYPOTHESES_PER_CALL = 40000  # toys x fit points per chi2_profiled call (memory ~ 30 MB per channel)


def wilks_level(cl: float) -> float:
    """Delta chi^2 of a one-parameter interval of confidence `cl` by Wilks' theorem (the chi^2_1 quantile)."""
    return float(chi2_dist.ppf(cl, 1))


@dataclass(frozen=True)
class QuadraticForm1D:
    """Expected signal (n, 3, B) = c0 + theta c1 + theta^2 c2, each coefficient (3, B) per flavour."""

    c0: np.ndarray
    c1: np.ndarray
    c2: np.ndarray

    def __call__(self, theta) -> np.ndarray:
        th = np.asarray(theta, float).reshape(-1, 1, 1)
        return self.c0[None] + th * self.c1[None] + th * th * self.c2[None]

    @classmethod
    def from_quadratic_counts(cls, quad, index=()):
        """From a `rates.QuadraticCounts` of one parameter (N = N00 + 2 x N01 + x^2 N11), at a batch index."""
        if quad.n_params != 1:
            raise ValueError(f"a one-parameter quadratic form is needed, not {quad.n_params} parameters")
        tail = next(iter(quad.pairs.values())).shape[-3:]

        def pick(key):
            c = quad.pairs.get(key)
            if c is None:  # a term the model does not have
                return np.zeros((3, int(np.prod(tail[1:]))))
            c = np.broadcast_to(c, quad.batch_shape + c.shape[-3:])[index]
            return np.asarray(c, float).reshape(3, -1)

        return cls(pick((0, 0)), 2.0 * pick((0, 1)), pick((1, 1)))

    @classmethod
    def from_function(cls, func, points, check):
        """Fit c0, c1, c2 through three evaluations of `func` (theta (n,) -> (n, 3, B)) and verify the form at
        `check`: raises if the function is not quadratic there (relative 1e-6)."""
        pts = np.asarray(points, float)
        vals = np.asarray(func(pts), float).reshape(3, -1)
        vand = np.vander(pts, 3, increasing=True)
        coef = np.linalg.solve(vand, vals).reshape((3, 3, -1))
        form = cls(coef[0], coef[1], coef[2])
        ref = np.asarray(func(np.atleast_1d(float(check))), float).reshape(1, 3, -1)
        if not np.allclose(form(check), ref, rtol=1e-6, atol=1e-9 * np.abs(ref).max()):
            raise ValueError("the expected counts are not a quadratic form of the parameter")
        return form


@dataclass(frozen=True)
class Channel:
    """One likelihood and its expected signal as a function of theta (electron scattering optional)."""

    likelihood: Likelihood
    signal: Callable
    electron_scattering: Callable | None = None

    @property
    def backend(self) -> str:
        """One profiler for every fit of a construction, whatever the batch size (`chi2_profiled`'s "auto" would
        send small batches to the numpy path): a toy whose minimum is the tested value itself, found again at the
        parabola's vertex, must get the same chi^2 to the last bit, so that its t is exactly 0."""
        from .likelihood import kernels

        return "compiled" if kernels.AVAILABLE and self.likelihood.nuisances else "numpy"

    def profiled(self, signal, es=None, data=None, centre=None, return_nuisances=False):
        """`Likelihood.chi2_profiled` of this channel's likelihood on the construction's one backend."""
        return self.likelihood.chi2_profiled(signal, es, return_nuisances=return_nuisances, data=data,
                                             prior_centre=centre, backend=self.backend)

    def chi2(self, theta, data=None, centre=None, return_nuisances=False):
        es = None if self.electron_scattering is None else self.electron_scattering(theta)
        return self.profiled(self.signal(theta), es, data, centre, return_nuisances)


@dataclass(frozen=True)
class Problem:
    """A one-parameter construction: channels (independent likelihoods, chi^2 added) and a fit grid on which each
    experiment's minimum over the physical range is searched (its ends are the physical range's)."""

    name: str
    channels: tuple
    fit_grid: np.ndarray

    def __post_init__(self):
        g = np.asarray(self.fit_grid, float)
        if g.ndim != 1 or g.size < 3 or not np.all(np.diff(g) > 0) or not np.all(np.isfinite(g)):
            raise ValueError("fit_grid must be an increasing finite 1-D grid of at least 3 points")

    def observed_chi2(self, theta, return_nuisances=False):
        """Profiled chi^2 of the observed data at values theta (n,) [and per channel the nuisances (n, K)]."""
        res = [c.chi2(np.atleast_1d(theta), return_nuisances=True) for c in self.channels]
        total = sum(r[0] for r in res)
        return (total, [r[1] for r in res]) if return_nuisances else total


#: the resolution of the statistic t: twice the profiled chi^2's stated accuracy and margin (see `_statistic`)
T_RESOLUTION = 1e-8


def _vertex(grid, chi2):
    """Per row of chi2 (N, G): the vertex of the parabola through the grid minimum and its neighbours (clipped to
    the bracketing points); the minimum's own grid value where it sits at an end of the grid."""
    i = np.argmin(chi2, axis=1)
    inner = np.clip(i, 1, grid.size - 2)
    rows = np.arange(chi2.shape[0])
    x0, x1, x2 = grid[inner - 1], grid[inner], grid[inner + 1]
    y0, y1, y2 = chi2[rows, inner - 1], chi2[rows, inner], chi2[rows, inner + 1]
    den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0)
    num = (x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = x1 - 0.5 * num / den
    ok = (i == inner) & np.isfinite(v) & (den != 0)
    return np.where(ok, np.clip(v, x0, x2), grid[i])


def _statistic(problem: Problem, theta_test: float, data, centres):
    """t = chi2(theta_test) - min over {fit grid, vertex, theta_test} for N experiments of every channel.

    data, centres: per channel (N, B) and (N, K) arrays, or None (the observed data). Returns (t (N,), min_mean (N,)):
    the smallest expected count of the fit at theta_test of each experiment."""
    grid = np.asarray(problem.fit_grid, float)
    thetas = np.concatenate([[theta_test], grid])
    n = 1 if data is None else data[0].shape[0]
    npts = thetas.size
    chi2 = np.zeros((n, npts))
    min_mean = np.full(n, np.inf)
    for c, ch in enumerate(problem.channels):
        d = None if data is None else np.repeat(data[c], npts, axis=0)
        cen = None if centres is None else np.repeat(centres[c], npts, axis=0)
        sig = np.tile(ch.signal(thetas), (n, 1, 1))
        es = None if ch.electron_scattering is None else np.tile(ch.electron_scattering(thetas), (n, 1, 1))
        val, a = ch.profiled(sig, es, d, cen, return_nuisances=True)
        chi2 += val.reshape(n, npts)
        a_test = a.reshape(n, npts, -1)[:, 0]
        es0 = None if es is None else es[:1]
        mu = ch.likelihood.expected_counts(sig[:1], a_test, es0)
        min_mean = np.minimum(min_mean, mu.min(axis=1))
    vert = _vertex(grid, chi2[:, 1:])
    cv = np.zeros(n)
    for c, ch in enumerate(problem.channels):
        cv += ch.chi2(vert, data=None if data is None else data[c],
                      centre=None if centres is None else centres[c])
    best = np.minimum(chi2.min(axis=1), cv)
    t = chi2[:, 0] - best
    # each chi^2 is its minimum only to the profiler's tolerance (~1e-10, `kernels.DECREMENT_TOL`): the same
    # hypothesis profiled twice (theta_test on the fit grid, from another starting point) may differ by that
    # much, so a t below T_RESOLUTION is an exact 0 (the boundary's delta function in the toys' distribution)
    return np.where(t > T_RESOLUTION, t, 0.0), min_mean


def toys_at(problem: Problem, theta: float, seed, n_toys: int) -> dict:
    """The toy experiments of one tested value theta: their statistic t (n_toys,) and diagnostics.

    seed: a `numpy.random.SeedSequence` (or an int) that fixes every random number of this point."""
    n_toys = positive_int(n_toys, "toys")
    rng = np.random.default_rng(seed)
    theta = float(theta)
    data, centres, gen_min = [], [], np.inf
    for ch in problem.channels:
        lk = ch.likelihood
        sig = ch.signal(np.array([theta]))
        es = None if ch.electron_scattering is None else ch.electron_scattering(np.array([theta]))
        _, a_hat = ch.profiled(sig, es, return_nuisances=True)
        mu = lk.expected_counts(sig, a_hat, es)[0]
        gen_min = min(gen_min, float(mu.min()))
        if lk.statistic == "poisson":
            if np.any(mu < 0):
                raise ValueError(f"{lk.name}: the profiled nuisances at theta = {theta:g} give a negative expected "
                                 f"count ({mu.min():g}); a Poisson toy needs a mean >= 0")
            d = rng.poisson(mu, size=(n_toys, mu.size)).astype(float)
        else:
            d = mu[None, :] + rng.standard_normal((n_toys, mu.size)) * np.sqrt(lk.variance)[None, :]
        sigma = np.array([0.0 if nu.sigma is None else nu.sigma for nu in lk.nuisances])
        cen = a_hat + rng.standard_normal((n_toys, sigma.size)) * sigma[None, :]
        data.append(d)
        centres.append(cen)
    per_call = max(1, HYPOTHESES_PER_CALL // (np.asarray(problem.fit_grid).size + 1))
    t, mins = np.empty(n_toys), np.empty(n_toys)
    for start in range(0, n_toys, per_call):
        sl = slice(start, start + per_call)
        t[sl], mins[sl] = _statistic(problem, theta, [d[sl] for d in data], [c[sl] for c in centres])
    return {"theta": theta, "t": t, "negative": mins < 0, "generating_min_mean": gen_min,
            "toy_min_mean": float(mins.min())}


def pieces(x, d) -> list[list[float]]:
    """Intervals of x where d <= 0 (d = t_obs - c), edges linearly interpolated between neighbouring points."""
    return allowed_pieces(x, d, 0.0)


@dataclass
class FCResult:
    """A Feldman-Cousins construction on the tested values `theta` (G,) with `toys` experiments each."""

    name: str
    theta: np.ndarray
    toys: int
    seed: int
    t_obs: np.ndarray  # (G,) observed statistic
    t_toys: np.ndarray  # (G, toys)
    negative: np.ndarray  # (G, toys) True where the toy's fit at the tested value has an expected count < 0
    diagnostics: dict = field(default_factory=dict)

    def critical(self, cl: float, positive_only: bool = False) -> np.ndarray:
        """c_j(CL): the CL quantile of the toys' t at every tested value; positive_only: from the toys whose fit at
        the tested value keeps every expected count >= 0 (a check that the unphysical ones do not matter)."""
        if not positive_only:
            return np.quantile(self.t_toys, cl, axis=1)
        return np.nanquantile(np.where(self.negative, np.nan, self.t_toys), cl, axis=1)

    def interval(self, cl: float, positive_only: bool = False) -> list[list[float]]:
        """The FC region {theta : t_obs <= c(CL)} as a list of [low, high] pieces."""
        return pieces(self.theta, self.t_obs - self.critical(cl, positive_only))

    def wilks_interval(self, cl: float) -> list[list[float]]:
        """The Wilks region {theta : t_obs <= chi^2_1 quantile} on the same tested values (for comparison)."""
        return pieces(self.theta, self.t_obs - wilks_level(cl))

    def wilks_coverage(self, cl: float) -> np.ndarray:
        """Probability, at every tested value, that the Wilks interval of confidence cl contains the truth."""
        return np.mean(self.t_toys <= wilks_level(cl), axis=1)

    def closed(self, cl: float) -> bool:
        """True when the FC region does not reach a tested end that is not an end of the physical range."""
        ok = self.t_obs <= self.critical(cl)
        grid = self.diagnostics.get("range", (self.theta[0], self.theta[-1]))
        return not ((ok[0] and self.theta[0] > grid[0]) or (ok[-1] and self.theta[-1] < grid[1]))


def choose_test_points(scan_grid, dchi2, level: float, n: int, margin: float = 3.0) -> np.ndarray:
    """n tested values spread evenly over the scan points with observed Delta chi^2 <= level + margin, plus one
    scan point beyond each end of that region (where the data are not already excluded by far)."""
    g, d = np.asarray(scan_grid, float), np.asarray(dchi2, float)
    idx = np.nonzero(d <= level + margin)[0]
    if idx.size == 0:
        raise ValueError("no scan point has a small Delta chi^2: the scan grid misses the best fit")
    lo, hi = max(idx[0] - 1, 0), min(idx[-1] + 1, g.size - 1)
    keep = np.unique(np.concatenate([[lo, hi], idx[np.unique(np.round(np.linspace(0, idx.size - 1, n)).astype(int))]]))
    return g[keep]


def construct(problem: Problem, theta, toys: int, seed: int = 0, client=None, progress: bool | None = None
              ) -> FCResult:
    """The FC construction at tested values theta (G,), `toys` experiments each, from the master `seed`.

    client: a `dask.distributed.Client` to run the tested points on (None: in this process). The result is the
    same either way: point j always uses child j of SeedSequence(seed)."""
    from .parallel import map_points

    theta = np.asarray(theta, float).ravel()
    if theta.size == 0 or not np.all(np.isfinite(theta)):
        raise ValueError("the tested values theta must be a non-empty finite array")
    grid = np.asarray(problem.fit_grid, float)
    if theta.min() < grid[0] or theta.max() > grid[-1]:
        raise ValueError(f"tested values must lie in the physical range [{grid[0]:g}, {grid[-1]:g}] of the fit grid")
    toys, seed = positive_int(toys, "toys"), positive_int(seed, "seed", 0)
    seeds = np.random.SeedSequence(seed).spawn(theta.size)
    out = map_points(toys_at, problem, list(zip(theta.tolist(), seeds)), toys, client=client, progress=progress,
                     desc=f"FC {problem.name}")
    t_obs = np.array([_statistic(problem, th, None, None)[0][0] for th in theta])
    chi2_obs, a_obs = problem.observed_chi2(theta, return_nuisances=True)
    obs_min = min(float(np.min(ch.likelihood.expected_counts(ch.signal(theta), a, None if ch.electron_scattering
                                                             is None else ch.electron_scattering(theta))))
                  for ch, a in zip(problem.channels, a_obs))
    diag = {
        "range": (float(grid[0]), float(grid[-1])),
        "fit_points": int(grid.size),
        "min_expected": {"observed_fits": obs_min,
                         "toy_generation": float(min(o["generating_min_mean"] for o in out)),
                         "toy_fits_at_tested_value": float(min(o["toy_min_mean"] for o in out))},
        "toy_fits_with_negative_mean": int(sum(int(o["negative"].sum()) for o in out)),
        "profile_construction": "toys at the nuisances that profile the observed data at each tested value; "
                                "Gaussian priors' centres drawn around them",
    }
    return FCResult(problem.name, theta, toys, seed, t_obs, np.stack([o["t"] for o in out]),
                    np.stack([o["negative"] for o in out]), diag)
