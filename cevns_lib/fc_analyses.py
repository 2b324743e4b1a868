"""The book's one-parameter analyses as Feldman-Cousins problems (`intervals`), and the CLI's `--method fc`.

Each builder returns an `intervals.Problem` whose parameter theta has a physical range (the ends of its scan):
* the CEvNS count: theta = scale of the SM signal (the signal normalisation nuisances dropped, as in the Wilks
  fit), theta >= 0; reported in events with the Wilks fit's conversion (`fits.profile_cevns`);
* sin^2(theta_W): the counts are an exact quadratic form of it (the weak charge is linear), checked on build;
* one vector NSI coupling (the others zero), over the CLI's scan range, both "dark side" solutions included;
* a Z' coupling at fixed mass: theta = g^2 >= 0 (the counts are quadratic in g^2), reported as g;
* one neutrino electromagnetic property (`em_problem`: a magnetic moment mu >= 0, a charge radius, a
  millicharge), with the CsI electron-scattering slot;
* any other one-parameter quadratic model (`quadratic_problem`).
`run` picks the tested values from the observed profile (where the observed Delta chi^2 is within reach of any
critical value) and the fit grid (where an experiment's minimum can be), then runs the construction.
"""

from __future__ import annotations

import numpy as np

from . import intervals as iv
from .fits import CEVNS_SCALE_GRID, DETECTORS, likelihood, profile_cevns, sin2_grid_model, without
from .rates import engine

FIT_CUT = 25.0  # an experiment's minimum is searched where the observed Delta chi^2 <= this (5 sigma)


def _dets(dataset: str):
    if dataset not in DETECTORS:
        raise ValueError(f"unknown data set {dataset!r}; choose from {tuple(DETECTORS)}")
    return DETECTORS[dataset]


def cevns_count_problem(detector: str, configuration: str = "seed000", upper: float = 2.5):
    """(problem, events per unit theta): the number of CEvNS events of one detector, theta = scale in [0, upper]."""
    lk = without(likelihood(detector, configuration), "a0", "a5", "b0", "eta_cevns")
    zero = np.zeros_like(lk.sm_signal)
    events = profile_cevns(detector, configuration).grid / CEVNS_SCALE_GRID  # the Wilks fit's conversion
    prob = iv.Problem(f"CEvNS count ({detector})", (iv.Channel(lk, iv.QuadraticForm1D(zero, lk.sm_signal, zero)),),
                      np.linspace(0.0, upper, 3))
    return prob, float(events[0])


def sin2_problem(dataset: str, configuration: str = "seed000", lo: float = 0.0, hi: float = 0.6):
    channels = []
    for d in _dets(dataset):
        lk = likelihood(d, configuration)
        form = iv.QuadraticForm1D.from_function(lambda s, d=d, lk=lk: engine(d).counts(sin2_grid_model(s))
                                                .reshape(-1, 3, lk.n_bins), [0.1, 0.25, 0.4], 0.31)
        channels.append(iv.Channel(lk, form))
    return iv.Problem(f"sin2thetaW ({dataset})", tuple(channels), np.linspace(lo, hi, 3))


def quadratic_problem(label: str, model, dataset: str, lo: float, hi: float, configuration: str = "seed000",
                      index=()):
    """A model whose `quadratic_counts` has one parameter (e.g. `VectorNSI([name])`); index picks a batch entry
    (e.g. a mass) of a model with a batch axis."""
    channels = []
    for d in _dets(dataset):
        lk = likelihood(d, configuration)
        channels.append(iv.Channel(lk, iv.QuadraticForm1D.from_quadratic_counts(engine(d).quadratic_counts(model),
                                                                                index)))
    return iv.Problem(label, tuple(channels), np.linspace(lo, hi, 3))


def nsi_problem(dataset: str, name: str, configuration: str = "seed000"):
    from .models.nsi import VectorNSI, parse
    from .scans import NSI_RANGE

    parse(name)
    return quadratic_problem(f"NSI {name} ({dataset})", VectorNSI([name]), dataset, *NSI_RANGE, configuration)


def zprime_problem(model: str, mass_mev: float, dataset: str, g_max: float, configuration: str = "seed001"):
    """A Z' of a named U(1) model at one mass: theta = g^2 in [0, g_max^2]."""
    from .models.light_mediators import model as mediator_model

    return quadratic_problem(f"Z' {model} at {mass_mev:g} MeV ({dataset})",
                             mediator_model(model, np.array([float(mass_mev)])), dataset, 0.0, float(g_max) ** 2,
                             configuration, index=(0,))


def fit_problem(problem: iv.Problem, n_fit: int = 26, n_scan: int = 2001):
    """(problem on its fit grid, scan grid, observed chi^2 on it): the observed profile on n_scan points of the
    physical range, and a fit grid of n_fit points where the observed Delta chi^2 <= FIT_CUT (plus one point
    beyond each end), on which each experiment's minimum is searched."""
    lo, hi = problem.fit_grid[0], problem.fit_grid[-1]
    scan = np.linspace(lo, hi, n_scan)
    chi2 = problem.observed_chi2(scan)
    inside = np.nonzero(chi2 - chi2.min() <= FIT_CUT)[0]
    a, b = max(inside[0] - 1, 0), min(inside[-1] + 1, scan.size - 1)
    return iv.Problem(problem.name, problem.channels, np.linspace(scan[a], scan[b], n_fit)), scan, chi2


def em_problem(dataset: str, name: str, configuration: str = "seed000", electron_scattering: bool = True):
    """One neutrino electromagnetic property (`models.electromagnetic`, the others at their SM values), with the
    CsI electron-scattering slot as in the CLI's `em`; the range is `scans.em_grid`'s (magnetic moments >= 0)."""
    from .models.electromagnetic import Electromagnetic, parse
    from .rates import electron_engine
    from .scans import em_grid

    parse(name)
    model = Electromagnetic([name])
    grid = em_grid(name, dataset, configuration, electron_scattering, n=3, level=FIT_CUT + 11.0)
    channels = []
    for d in _dets(dataset):
        lk = likelihood(d, configuration)
        signal = iv.QuadraticForm1D.from_quadratic_counts(engine(d).quadratic_counts(model))
        eng = electron_engine(d) if electron_scattering else None
        es = None if eng is None else iv.QuadraticForm1D.from_quadratic_counts(eng.quadratic_counts(model,
                                                                                                     n_params=1))
        channels.append(iv.Channel(lk, signal, es))
    return iv.Problem(f"{name} ({dataset})", tuple(channels), grid)


def run(problem: iv.Problem, level: float, toys: int, seed: int = 0, client=None, n_test: int = 15,
        n_fit: int = 26, n_scan: int = 2001, progress=None):
    """FC construction for a Delta chi^2 `level`-sized interval (the largest CL wanted): tested values where the
    observed Delta chi^2 <= level + 3 (`intervals.choose_test_points`), minima on `fit_problem`'s grid.
    Returns (result, scan grid, observed chi^2 on it)."""
    fit, scan, chi2 = fit_problem(problem, n_fit, n_scan)
    res = iv.construct(fit, iv.choose_test_points(scan, chi2 - chi2.min(), level, n_test), toys, seed, client,
                       progress)
    res.diagnostics["range"] = (float(problem.fit_grid[0]), float(problem.fit_grid[-1]))  # the physical range
    return res, scan, chi2


def _pair(p):
    return [float(p[0][0]), float(p[-1][1])] if p else None


def fc_fit(dataset: str, param: str, configuration: str, toys: int, seed: int, client=None) -> dict:
    """The keys `fit --method fc` adds: interval_68 (FC; per detector for the count of csi+lar)."""
    if param == "cevns":
        per = {}
        for det in _dets(dataset):
            prob, ev = cevns_count_problem(det, configuration)
            res, _, _ = run(prob, 1.0, toys, seed, client)
            per[det] = [ev * x for x in _pair(res.interval(iv.CL_1SIGMA))]
        return {"interval_68": per[dataset] if dataset in per else per}
    if param == "sin2thetaW":
        res, _, _ = run(sin2_problem(dataset, configuration), 1.0, toys, seed, client)
        return {"interval_68": _pair(res.interval(iv.CL_1SIGMA))}
    raise ValueError(f"--method fc supports --param cevns and sin2thetaW, not {param!r}")


def fc_pieces(problem: iv.Problem, toys: int, seed: int, client=None, transform=None, n_test: int = 40,
              n_fit: int = 81) -> dict:
    """interval_90 and interval_2sigma (FC, lists of pieces) of a one-parameter problem (NSI, em, ...);
    transform maps theta to the reported parameter (e.g. sqrt for theta = mu^2)."""
    res, _, _ = run(problem, 4.0, toys, seed, client, n_test=n_test, n_fit=n_fit)
    f = (lambda x: x) if transform is None else transform
    return {"interval_90": [[f(a), f(b)] for a, b in res.interval(iv.CL_90)],
            "interval_2sigma": [[f(a), f(b)] for a, b in res.interval(iv.CL_2SIGMA)]}
