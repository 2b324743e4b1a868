r"""Exclusion scans and bounds for models whose rates are a quadratic form in one coupling parameter.

For a mediator model the expected counts are N(x) = N_00 + 2 x N_01 + x^2 N_11 with x = g^2 (or (g/M)^2), for a
whole grid of masses at once (`RateEngine.quadratic_counts`). A scan evaluates this on a (mass, coupling) grid and
profiles every nuisance for all grid points in one call of the likelihood. Conventions:

* Delta chi^2 is taken with respect to the minimum over the scanned plane, which contains the SM (g = 0);
* the 2 sigma exclusion region of a (M, g) plot is Delta chi^2 > 6.18 (two parameters); the one-parameter
  bounds of the low- and high-mass regimes use Delta chi^2 > 4 (one parameter) with respect to the minimum along
  that parameter, and quote the smallest excluded coupling (allowed islands at larger couplings, where the new
  amplitude flips the sign of the weak charge, are reported separately by `allowed_islands`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .cross_section import NuclearModel
from .fits import DATASETS, DETECTORS, likelihood
from .likelihood.rebin import integrate_signal, time_integrated
from .models.light_mediators import MODEL_NAMES, SEED000_MEDIATORS, VectorMediator, ZPrimeCharges
from .models.light_mediators import model as mediator_model
from .rates import electron_engine, engine
from .regions import allowed_pieces  # noqa: F401  (scans.allowed_pieces, as before)
from .validation import (PhysicsInputError, as_finite_array, as_nonnegative_array, check_chunk, choice,
                         finite_scalar, nonnegative_scalar, positive_int)

DCHI2_2SIGMA_1DOF = 4.0
DCHI2_2SIGMA_2DOF = 6.180  # chi^2 quantile of 95.45% for 2 degrees of freedom
LOW_MASS_MEV = 1e-3  # "M -> 0": far below every momentum transfer of the analysis (|q| > 10 MeV)


def _check_dataset(dataset: str):
    return DETECTORS[choice(dataset, "data set", DATASETS)]


def _model_key(model):
    """A hashable description of a mediator model: a name, or a ZPrimeCharges assignment."""
    if isinstance(model, str):
        if model not in MODEL_NAMES + SEED000_MEDIATORS:
            raise ValueError(f"unknown model {model!r}; choose from {MODEL_NAMES + SEED000_MEDIATORS}")
        return model
    if isinstance(model, ZPrimeCharges):
        return model
    raise ValueError(f"a mediator model is a name or ZPrimeCharges, not {type(model).__name__}")


def _nuclear_key(nuclear) -> tuple | None:
    """A hashable description of a NuclearModel (None: the default one), for the cache of `_quadratic`."""
    if nuclear is None:
        return None
    if not isinstance(nuclear, NuclearModel):
        raise ValueError(f"nuclear must be a cross_section.NuclearModel or None, not {type(nuclear).__name__}")
    radii = nuclear.neutron_radius_fm or {}
    for k, v in radii.items():
        if np.ndim(v) != 0:
            raise ValueError(f"nuclear.neutron_radius_fm[{k!r}] must be one radius (fm) in a scan, not an array")
    return (nuclear.form_factor, nuclear.radii, nuclear.alpha4, tuple(sorted((k, float(v)) for k, v in radii.items())))


@functools.lru_cache(maxsize=256)
def _quadratic(detector: str, key, masses: tuple, high_mass: bool, nuclear_key: tuple | None = None):
    masses = np.array(masses)
    sm = {} if nuclear_key is None else {"nuclear": NuclearModel(
        form_factor=nuclear_key[0], radii=nuclear_key[1], alpha4=nuclear_key[2],
        neutron_radius_fm=dict(nuclear_key[3]) or None)}
    m = VectorMediator(key, masses, high_mass=high_mass, **sm) if isinstance(key, ZPrimeCharges) else \
        mediator_model(key, masses, high_mass=high_mass, **sm)
    return engine(detector).quadratic_counts(m)


@functools.lru_cache(maxsize=256)
def _electron_quadratic(detector: str, key, masses: tuple, high_mass: bool):
    """The mediator's nu-e scattering on the electrons of `detector` as a quadratic form in g^2 (None: no ES)."""
    eng = electron_engine(detector)
    if eng is None:
        return None
    masses = np.array(masses)
    m = VectorMediator(key, masses, high_mass=high_mass) if isinstance(key, ZPrimeCharges) else \
        mediator_model(key, masses, high_mass=high_mass)
    return eng.quadratic_counts(m, n_params=1)


def chi2_grid(model, masses_mev, couplings, dataset: str = "csi+lar", configuration: str = "seed001",
              high_mass: bool = False, electron_scattering: bool = False,
              likelihood_options: dict | None = None, nuclear: NuclearModel | None = None) -> np.ndarray:
    """Profiled chi^2 on the grid (len(masses), n_g) of a mediator model (coupling g, or g/M in MeV^-1).

    model: a name (MODEL_NAMES, SEED000_MEDIATORS) or any ZPrimeCharges assignment. couplings: (n_g,) for every
    mass, or (len(masses), n_g) couplings per mass (e.g. along a g-2 band).
    electron_scattering: also the mediator's nu-e scattering on the electrons of CsI (the likelihood's ES slot);
    default CEvNS only, as in seed 001's analysis.
    likelihood_options: {detector: {keyword: value}} for the detectors' likelihoods, e.g.
    {"csi": {"timing_offset_us": 0.0}} or {"lar": {"configuration": "coherent"}} (a per-detector configuration);
    the key "time_integrated": True fits that detector's data summed over time (energy only,
    `likelihood.rebin.time_integrated`; refused for likelihoods with time-dependent signal nuisances).
    nuclear: the nuclear model (form factor, proton and neutron radii) of the predicted CEvNS counts of every
    detector, for SM and mediator alike; None = the library's default NuclearModel(). It does not change a
    likelihood's own templates (seed 000's radius nuisance a4): pass those via likelihood_options {"csi":
    {"nuclear": ...}}.
    """
    key = _model_key(model)
    nkey = _nuclear_key(nuclear)
    masses = np.atleast_1d(as_nonnegative_array(masses_mev, "mediator masses masses_mev (MeV)"))
    g = as_nonnegative_array(couplings, "couplings (g, or g/M in MeV^-1)")
    dets = _check_dataset(dataset)
    choice(configuration, "likelihood configuration", ("seed000", "seed001"))
    if g.ndim <= 1:
        g = np.broadcast_to(np.atleast_1d(g)[None, :], (masses.size, np.atleast_1d(g).size))
    if g.shape[0] != masses.size:
        raise ValueError(f"per-mass couplings need {masses.size} rows, got shape {g.shape}")
    x = (g * g)[..., None]
    total = 0.0
    for det in dets:
        quad = _quadratic(det, key, tuple(masses.tolist()), high_mass, nkey)
        opts = dict((likelihood_options or {}).get(det, {}))
        integrate = opts.pop("time_integrated", False)
        if not isinstance(integrate, (bool, np.bool_)):
            raise ValueError(f"likelihood_options[{det!r}]['time_integrated'] must be True or False, "
                             f"not {integrate!r}")
        lk = likelihood(det, opts.pop("configuration", configuration), **opts)
        es_quad = _electron_quadratic(det, key, tuple(masses.tolist()), high_mass) if electron_scattering else None
        if es_quad is None and not integrate and lk.takes_linear(g.size):  # counts formed in the kernels
            total = total + lk.chi2_profiled_linear(*quad.linear_form(x), nonnegative=quad.positive_semidefinite) \
                .reshape(g.shape)
            continue
        counts = quad.counts(x)  # (nM, ng, 3, nE, nt)
        es = None if es_quad is None else es_quad.counts(x).reshape(-1, 3, lk.n_bins)
        counts = counts.reshape((-1,) + counts.shape[-3:])
        if integrate:  # the energy-only fit: signal re-timed, then every likelihood input summed over time
            counts = integrate_signal(lk, counts)
            es = None if es is None else integrate_signal(lk, es)
            lk = time_integrated(lk)
        total = total + lk.chi2_profiled(counts, electron_scattering=es).reshape(g.shape)
    return total


@dataclass
class Scan:
    model: str
    dataset: str
    masses_mev: np.ndarray
    couplings: np.ndarray
    chi2: np.ndarray

    @property
    def delta_chi2(self) -> np.ndarray:
        return self.chi2 - self.chi2.min()

    def excluded(self, level: float = DCHI2_2SIGMA_2DOF) -> np.ndarray:
        return self.delta_chi2 > level


def exclusion_scan(name, masses_mev, couplings, dataset: str = "csi+lar",
                   configuration: str = "seed001") -> Scan:
    """Profiled chi^2 over a (mass, coupling) grid; the grid must contain g = 0 or small couplings (the SM)."""
    if np.size(couplings) < 2:
        raise PhysicsInputError("an exclusion scan needs at least 2 couplings (including g = 0 or small g)")
    chi2 = chi2_grid(name, masses_mev, couplings, dataset, configuration)
    label = name if isinstance(name, str) else name.name
    return Scan(label, dataset, np.asarray(masses_mev, float), np.asarray(couplings, float), chi2)


def first_excluded(x, dchi2, level):
    """Smallest x with Delta chi^2 > level, log-interpolated between grid points (x > 0); nan if none."""
    level = finite_scalar(level, "level (Delta chi^2)")
    x, dchi2 = as_finite_array(x, "x (couplings)"), as_finite_array(dchi2, "dchi2")
    above = np.nonzero(dchi2 > level)[0]
    if above.size == 0:
        return math.nan
    j = above[0]
    if j == 0:
        return float(x[0])
    # interpolate in log(x) between the last allowed and first excluded grid point
    lx = np.log(x[j - 1:j + 1])
    return float(np.exp(np.interp(level, dchi2[j - 1:j + 1], lx)))


def last_allowed(x, dchi2, level):
    """Largest x with Delta chi^2 <= level, i.e. the coupling above which everything is excluded, log-interpolated
    to the crossing (x > 0); nan if no point is excluded or the last allowed region reaches the end of the grid."""
    allowed = np.nonzero(np.asarray(dchi2) <= level)[0]
    if allowed.size == 0 or not np.any(np.asarray(dchi2) > level):
        return math.nan
    j = allowed[-1]
    if j == len(x) - 1:
        return math.nan
    lx = np.log(x[j:j + 2])
    return float(np.exp(np.interp(level, dchi2[j:j + 2], lx)))


#: names of the bound conventions (`limits --bound`); one default for every model
BOUND_CONVENTIONS = {
    "first-excluded": "smallest excluded coupling (the lower edge of the first excluded band; allowed islands at "
                      "larger couplings reported separately)",
    "last-allowed": "coupling above which everything is excluded (the upper edge of the last allowed region)",
}
DEFAULT_BOUND = "first-excluded"


def read_bound(x, dchi2, level: float = DCHI2_2SIGMA_1DOF, bound: str = DEFAULT_BOUND) -> float:
    """The bound of a 1-D Delta chi^2 scan in the named convention (BOUND_CONVENTIONS)."""
    if bound == "first-excluded":
        return first_excluded(x, dchi2, level)
    if bound == "last-allowed":
        return last_allowed(x, dchi2, level)
    raise ValueError(f"bound convention must be one of {sorted(BOUND_CONVENTIONS)}, not {bound!r}")


#: what Delta chi^2 is measured from: the minimum along the coupling (default) or the SM point g = 0
DCHI2_REFERENCES = ("minimum", "sm")


def bound_profile(name, dataset: str, regime: str = "low", configuration: str = "seed001", n: int = 600,
                  likelihood_options: dict | None = None, reference: str = "minimum",
                  electron_scattering: bool = False, nuclear: NuclearModel | None = None):
    """(x, Delta chi^2) along the coupling: g for M -> 0 ('low'), g/M in GeV^-1 for M^2 >> q^2 ('high').

    reference: Delta chi^2 from the minimum along the coupling ("minimum", the book's convention) or from the SM
    point g = 0 ("sm"). electron_scattering=True adds the mediator's nu-e scattering in CsI; its light-mass bounds
    reach far lower couplings, so the scan then starts two decades lower."""
    if reference not in DCHI2_REFERENCES:
        raise ValueError(f"reference must be one of {DCHI2_REFERENCES}, not {reference!r}")
    low = -9 if electron_scattering else -7
    if regime == "low":
        grid = np.concatenate([[0.0], np.logspace(low, -1, n)])
        chi2 = chi2_grid(name, [LOW_MASS_MEV], grid, dataset, configuration, likelihood_options=likelihood_options,
                         electron_scattering=electron_scattering, nuclear=nuclear)[0]
        scale = 1.0
    elif regime == "high":
        grid = np.concatenate([[0.0], np.logspace(-9, -3, n)])  # g/M in MeV^-1
        chi2 = chi2_grid(name, [1.0], grid, dataset, configuration, high_mass=True,
                         likelihood_options=likelihood_options, electron_scattering=electron_scattering,
                         nuclear=nuclear)[0]
        scale = 1e3  # GeV^-1
    else:
        raise ValueError(f"regime must be 'low' or 'high', not {regime!r}")
    ref = chi2.min() if reference == "minimum" else chi2[0]
    return scale * grid[1:], chi2[1:] - ref


def coupling_bound(name, dataset: str, regime: str = "low", configuration: str = "seed001",
                   level: float = DCHI2_2SIGMA_1DOF, n: int = 600, bound: str = DEFAULT_BOUND,
                   likelihood_options: dict | None = None, electron_scattering: bool = False) -> float:
    """2 sigma bound: on g for M -> 0 (regime 'low'), or on g/M in GeV^-1 for M^2 >> q^2 (regime 'high'),
    in the bound convention `bound` (BOUND_CONVENTIONS). A scan whose first coupling is already excluded is
    refused (the grid would not have started low enough)."""
    if bound not in BOUND_CONVENTIONS:
        raise ValueError(f"bound convention must be one of {sorted(BOUND_CONVENTIONS)}, not {bound!r}")
    x, d = bound_profile(name, dataset, regime, configuration, n, likelihood_options,
                         electron_scattering=electron_scattering)
    if d[0] > level:
        raise ValueError(f"the coupling grid starts inside the excluded region (g = {x[0]:g}); start it lower")
    return read_bound(x, d, level, bound)


def coupling_bound_at_mass(name, dataset: str, mass_mev, configuration: str = "seed001",
                           level: float = DCHI2_2SIGMA_1DOF, n: int = 700) -> float:
    """2 sigma bound on the coupling g at one mediator mass M (MeV): the smallest excluded g on a log grid
    1e-7 <= g <= 1, Delta chi^2 = level from the minimum along g (nan if no g <= 1 is excluded)."""
    mass = nonnegative_scalar(mass_mev, "mediator mass mass_mev (MeV)")
    grid = np.concatenate([[0.0], np.logspace(-7, 0, positive_int(n, "n (grid points)", minimum=3))])
    chi2 = chi2_grid(name, [mass], grid, dataset, configuration)[0]
    return first_excluded(grid[1:], chi2[1:] - chi2.min(), level)


def bounds(name, dataset: str, configuration: str = "seed001", mass_mev=None, bound: str = DEFAULT_BOUND) -> dict:
    """The CLI's `limits`: 2 sigma bounds in the two regimes of seed 001 (a model name or ZPrimeCharges) in the
    bound convention `bound`, and at the mediator mass `mass_mev` (MeV) when it is given (keys "mass_mev",
    "g_at_mass", smallest excluded coupling)."""
    _model_key(name)
    _check_dataset(dataset)
    choice(configuration, "likelihood configuration", ("seed000", "seed001"))
    if bound not in BOUND_CONVENTIONS:
        raise ValueError(f"bound convention must be one of {sorted(BOUND_CONVENTIONS)}, not {bound!r}")
    if mass_mev is not None:
        mass_mev = nonnegative_scalar(mass_mev, "mediator mass mass_mev (MeV)")
    extra = {} if mass_mev is None else {
        "mass_mev": mass_mev, "g_at_mass": coupling_bound_at_mass(name, dataset, mass_mev, configuration)}
    return {
        "model": name if isinstance(name, str) else name.name,
        "dataset": dataset,
        "g_low_mass": coupling_bound(name, dataset, "low", configuration, bound=bound),
        "g_over_m_high_mass_per_GeV": coupling_bound(name, dataset, "high", configuration, bound=bound),
        "configuration": configuration,
        "bound_convention": bound,
        "convention": "Delta chi^2 = 4 (2 sigma, one parameter) from the minimum along the coupling; "
                      + BOUND_CONVENTIONS[bound],
        **extra,
    }


def allowed_islands(x, dchi2, level: float) -> list[tuple[float, float]]:
    """Intervals of x above the first exclusion where Delta chi^2 falls back below `level`."""
    x, d = np.asarray(x), np.asarray(dchi2)
    excluded = d > level
    if not excluded.any():
        return []
    first = np.argmax(excluded)
    out, start = [], None
    for i in range(first, x.size):
        if not excluded[i] and start is None:
            start = x[i]
        if excluded[i] and start is not None:
            out.append((float(start), float(x[i - 1])))
            start = None
    if start is not None:
        out.append((float(start), float(x[-1])))
    return out


# --- models with several couplings and no mass axis (NSI, generalised interactions) --------------------------
#: points per Dask task of `chi2_quadratic(..., client=...)` (rounded up to a multiple of the chunk and of the
#: kernels' block of hypotheses, so that the tasks' results are those of one call in this process, bit for bit)
DASK_POINTS = 1 << 16


def chi2_quadratic(model, x, dataset: str = "csi+lar", configuration: str = "seed000",
                   chunk: int = 8192, electron_scattering: bool = False, client=None) -> np.ndarray:
    """Profiled chi^2 at parameter points x (*shape, P) of a model without a batch axis (e.g. `VectorNSI`).

    The engine is called once per detector (`quadratic_counts`). With the compiled kernels (at least
    `kernels.COMPILED_FROM` points, no electron scattering) each point's counts are formed inside the profiler
    from its pair weights (`Likelihood.chi2_profiled_linear`: no counts array); otherwise the points are
    processed in chunks of materialised counts (the default keeps one chunk's counts, 8192 x 3 x 99 CsI bins =
    19 MB, below glibc's 32 MB mmap threshold, so the buffer is reused rather than faulted in afresh; the chi^2
    does not depend on the chunking: exactly on the compiled path, to round-off (~1e-13) on the numpy path).
    electron_scattering: add the model's neutrino-electron scattering in CsI (`rates.electron_engine`) to the
    likelihood's ES slot ((1 + a0) N_ES(a6, a7) of seed 000); LAr has none (its F90 selection removes it).
    client: a `dask.distributed.Client` (`parallel.cluster`): the points go to its workers in tasks of about
    `DASK_POINTS` (a grid that outgrows this machine), with the same result as in this process, bit for bit.
    """
    x = as_finite_array(x, "parameter values x")
    chunk = check_chunk(chunk)
    if x.ndim == 0:
        raise PhysicsInputError("parameter values x must have a last axis of the model's parameters")
    flat = x.reshape(-1, x.shape[-1])
    if client is not None:
        if not callable(getattr(client, "submit", None)):
            raise PhysicsInputError(f"client must be a dask.distributed.Client (parallel.cluster), not "
                                    f"{type(client).__name__}")
        return _chi2_quadratic_on(client, flat, (model, dataset, configuration, chunk, electron_scattering)) \
            .reshape(x.shape[:-1])
    total = np.zeros(flat.shape[0])
    for det in _check_dataset(dataset):
        quad = engine(det).quadratic_counts(model)
        if quad.batch_shape != ():
            raise ValueError("chi2_quadratic is for models without a batch axis; use chi2_grid for mass grids")
        es_engine = electron_engine(det) if electron_scattering else None
        es_quad = None if es_engine is None else es_engine.quadratic_counts(model, n_params=quad.n_params)
        lk = likelihood(det, configuration)
        if es_quad is None and lk.takes_linear(flat.shape[0]):  # each point's counts formed in the kernel
            total += lk.chi2_profiled_linear(*quad.linear_form(flat), nonnegative=quad.positive_semidefinite)
            continue
        for start in range(0, flat.shape[0], chunk):
            counts = quad.counts(flat[start:start + chunk])
            es = None if es_quad is None else es_quad.counts(flat[start:start + chunk]).reshape(-1, 3, lk.n_bins)
            total[start:start + chunk] += lk.chi2_profiled(counts.reshape((-1,) + counts.shape[-3:]),
                                                           electron_scattering=es)
    return total.reshape(x.shape[:-1])




def _chi2_quadratic_part(shared, points):
    """One Dask task of `chi2_quadratic`: the points' chi^2 in the worker's process."""
    model, dataset, configuration, chunk, electron_scattering = shared
    return chi2_quadratic(model, points, dataset, configuration, chunk, electron_scattering)


def _chi2_quadratic_on(client, flat, shared):
    """`chi2_quadratic` of the points flat (n, P) on the client's workers. The tasks split the points at
    multiples of the chunk and of the kernels' block, and a last task too small for the compiled path joins the
    one before it: every hypothesis is then profiled exactly as in one call in this process (the warm starts
    run within blocks; the chunks of materialised counts start where they would)."""
    from .likelihood import kernels
    from .likelihood._compiled_constants import BLOCK
    from .parallel import map_points

    n, chunk = flat.shape[0], shared[3]
    step = math.lcm(chunk, BLOCK)
    step *= max(1, -(-DASK_POINTS // step))
    starts = list(range(0, n, step))
    if len(starts) > 1 and n - starts[-1] < max(kernels.COMPILED_FROM, chunk):
        starts.pop()
    items = [(flat[a:b],) for a, b in zip(starts, starts[1:] + [n])]
    return np.concatenate(map_points(_chi2_quadratic_part, shared, items, client=client,
                                     desc="chi2_quadratic on Dask"))


DCHI2_90_1DOF = 2.706
NSI_RANGE = (-2.0, 2.0)


def nsi_interval(dataset: str, name: str, configuration: str = "seed000", n: int = 4001) -> dict:
    """The CLI's `nsi`: best fit, 90% and 2 sigma intervals of one NSI coupling, the others at zero."""
    from .models.nsi import VectorNSI, parse

    parse(name)
    _check_dataset(dataset)
    n = positive_int(n, "n (grid points)", minimum=3)
    grid = np.linspace(*NSI_RANGE, n)
    chi2 = chi2_quadratic(VectorNSI([name]), grid[:, None], dataset, configuration)
    d = chi2 - chi2.min()
    flat = np.nonzero(d < 1e-9)[0]  # among equal minima (a flat or symmetric chi^2) take the one nearest zero
    # a chi^2 flat over the whole range (e.g. tau-flavour couplings: no nu_tau at the SNS) has no best fit: None
    best = None if flat.size == grid.size else float(grid[flat[np.argmin(np.abs(grid[flat]))]])
    i90, i2s = allowed_pieces(grid, d, DCHI2_90_1DOF), allowed_pieces(grid, d, DCHI2_2SIGMA_1DOF)

    def whole(pieces):  # allowed over the whole scan range: the data do not constrain the coupling there
        return len(pieces) == 1 and pieces[0][0] <= NSI_RANGE[0] and pieces[0][1] >= NSI_RANGE[1]

    return {
        "dataset": dataset,
        "param": name,
        "best": best,
        "interval_90": i90,
        "interval_2sigma": i2s,
        "unconstrained_90": whole(i90),
        "unconstrained_2sigma": whole(i2s),
        "chi2_min": float(chi2.min()),
        "scan_range": list(NSI_RANGE),
        "configuration": configuration,
    }


# --- scalar leptoquarks (contact NSI; models.leptoquarks) ----------------------------------------------------
LQ_GRID_PER_TEV = np.linspace(0.0, 12.0, 2401)  # |lambda|/m_LQ in TeV^-1


def leptoquark_chi2(key: str, flavour: str, y_per_tev, dataset: str = "csi+lar",
                    configuration: str = "seed000") -> np.ndarray:
    """Profiled chi^2 at |lambda|/m_LQ = y (TeV^-1), i.e. at the model parameter x = y^2."""
    from .models.leptoquarks import LeptoquarkModel

    y = np.asarray(y_per_tev, float)
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        raise ValueError("|lambda|/m_LQ must be finite and >= 0 (TeV^-1)")
    return chi2_quadratic(LeptoquarkModel(key, flavour), (y * y)[..., None], dataset, configuration)


def leptoquark_bound(key: str, flavour: str, dataset: str, configuration: str = "seed000") -> dict:
    """The CLI's `leptoquark`: 2 sigma bound on |lambda|/m_LQ (TeV^-1): the smallest y with Delta chi^2 > 4 from the
    minimum over the physical region y >= 0 (one parameter); allowed islands beyond it (the dark side) listed."""
    from .models.leptoquarks import check_flavour, leptoquark, operators

    leptoquark(key)
    check_flavour(flavour)
    _check_dataset(dataset)
    y = LQ_GRID_PER_TEV
    chi2 = leptoquark_chi2(key, flavour, y, dataset, configuration)
    d = chi2 - chi2.min()
    return {
        "lq": key,
        "flavour": flavour,
        "dataset": dataset,
        "lambda_over_m_bound_per_TeV": first_excluded(y[1:], d[1:], DCHI2_2SIGMA_1DOF) if d[0] <= 4 else 0.0,
        "operators": operators(key, flavour),
        "allowed_islands_per_TeV": allowed_islands(y, d, DCHI2_2SIGMA_1DOF),
        "chi2_min": float(chi2.min()),
        "configuration": configuration,
    }


# --- neutrino electromagnetic properties (CLI `em`) -----------------------------------------------------------
def _best(grid, d) -> float:
    flat = np.nonzero(d < 1e-9)[0]  # among equal minima (a flat or symmetric chi^2) take the one nearest zero
    return float(grid[flat[np.argmin(np.abs(grid[flat]))]])


def em_grid(name: str, dataset: str, configuration: str = "seed000", electron_scattering: bool = True,
            n: int = 4001, level: float = 9.0) -> np.ndarray:
    """A linear scan grid of `n` points that holds every region of Delta chi^2 <= `level` of one electromagnetic
    parameter (the others at their SM values), found on a coarse logarithmic grid first: the scale of the
    bounds spans seven decades (millicharges with and without electron scattering)."""
    from .models.electromagnetic import Electromagnetic, parse, sm_value

    kind, _ = parse(name)
    centre = sm_value(name)
    mags = np.logspace(-7, 4, 221)
    coarse = centre + (mags if kind == "mu" else np.concatenate([-mags[::-1], [0.0], mags]))
    if kind == "mu":
        coarse = np.concatenate([[0.0], coarse])
    chi2 = chi2_quadratic(Electromagnetic([name]), coarse[:, None], dataset, configuration,
                          electron_scattering=electron_scattering)
    ok = np.nonzero(chi2 - chi2.min() <= level)[0]
    lo = coarse[max(ok[0] - 1, 0)]
    hi = coarse[min(ok[-1] + 1, coarse.size - 1)]
    return np.linspace(lo, hi, n)


def em_interval(dataset: str, name: str, configuration: str = "seed000", electron_scattering: bool = True,
                grid=None, n: int = 4001) -> dict:
    """The CLI's `em`: best fit, 90% and 2 sigma intervals of one electromagnetic parameter, the others at their
    SM values (zero, or the SM charge radii), in the units of `models.electromagnetic.UNITS`.

    Same conventions as `nsi_interval`: Delta chi^2 from the minimum along the parameter, 2.706 (90%) and 4
    (2 sigma); the intervals are lists of [low, high] pieces. Magnetic moments are scanned as mu >= 0 (the rate
    depends on mu^2). electron_scattering: include nu-e scattering in CsI (seed 000's "CEvNS + ES").
    grid: an explicit scan grid (sorted, finite); default `em_grid`.
    """
    from .models.electromagnetic import UNITS, Electromagnetic, parse, sm_value
    from .validation import as_scan_grid

    parse(name)
    _check_dataset(dataset)
    grid = em_grid(name, dataset, configuration, electron_scattering, n) if grid is None else \
        as_scan_grid(grid, f"scan grid of {name}")
    chi2 = chi2_quadratic(Electromagnetic([name]), grid[:, None], dataset, configuration,
                          electron_scattering=electron_scattering)
    d = chi2 - chi2.min()
    return {
        "dataset": dataset,
        "param": name,
        "unit": UNITS[name],
        "best": _best(grid, d),
        "interval_90": allowed_pieces(grid, d, DCHI2_90_1DOF),
        "interval_2sigma": allowed_pieces(grid, d, DCHI2_2SIGMA_1DOF),
        "chi2_min": float(chi2.min()),
        "sm_value": sm_value(name),
        "scan_range": [float(grid[0]), float(grid[-1])],
        "electron_scattering": bool(electron_scattering and "csi" in DETECTORS[dataset]),
        "configuration": configuration,
    }
