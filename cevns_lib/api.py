"""The public API of cevns_lib, re-exported at the package top (`import cevns_lib as cl`).

Each function is a thin, documented entry to one layer of the library; the CLI calls the same code. Nothing heavy
is imported here: the rate engine, the likelihoods and the compiled kernels load on first use, so that
`import cevns_lib` stays fast. Units: MeV, fm, microseconds; couplings dimensionless (g/M in GeV^-1 where named).

Configurations of the chi^2 (`configuration=`): "seed000" is the chi^2 of De Romeri et al. (2023) (CsI Poisson with
nuisances a0-a7; LAr Gaussian with b0-b8), "seed001" that of Atzori Corona et al. (2022) (CsI Poisson with four
normalisations; LAr as seed000). `DEFAULT_CONFIGURATION` gives the one default of each data set.
"""

from __future__ import annotations

#: the one default likelihood configuration of each data set, for every function and CLI command
DEFAULT_CONFIGURATION = {"csi": "seed000", "lar": "seed000", "csi+lar": "seed000"}


def _config(dataset: str, configuration: str | None) -> str:
    from .validation import choice

    choice(dataset, "data set", tuple(DEFAULT_CONFIGURATION))
    return DEFAULT_CONFIGURATION[dataset] if configuration is None else configuration


def predict(detector: str = "csi", model=None) -> dict:
    """Expected CEvNS counts of a detector in its analysis bins.

    detector: "csi" (CsI[Na] 2021, 9 PE x 11 t_rec bins) or "lar" (LAr 2020, 12 keVee x 10 t_trig bins).
    model: None for the Standard Model, or a model object (`cl.model(...)`, `cl.VectorNSI(...)`) with its
    parameter values set.
    Returns {"detector", "cevns_total" (events), "by_flavour" {nu_e, nu_mu, nu_mu_bar: events},
    "binned" (n_E, n_t) flavour-summed events, "energy_edges", "energy_unit", "time_edges_us"}.

    >>> cl.predict("csi")["cevns_total"]            # doctest: +SKIP
    """
    from .rates import predict as _predict

    return _predict(detector, model)


def fit(dataset: str, param: str = "cevns", configuration: str | None = None) -> dict:
    """Standard Model fit of one parameter, every nuisance profiled: best fit and 1 sigma (Delta chi^2 = 1).

    dataset: "csi", "lar" or "csi+lar". param: "cevns" (number of CEvNS events; with csi+lar also the combined
    signal strength CEvNS/SM under "combined"), "sin2thetaW" (weak mixing angle, combined for csi+lar) or "rn"
    (point-neutron rms radius in fm, one per detector). configuration: None = the data set's default.
    Returns {"dataset", "param", "configuration", "best", "minus", "plus", "chi2_min", "ndof"}; minus/plus are
    NaN where the interval is open on the scan grid; with csi+lar and cevns or rn each key maps detector -> value.
    """
    from .fits import fit as _fit

    return _fit(dataset, param, _config(dataset, configuration))


def limits(model: str, dataset: str = "csi+lar", configuration: str | None = None, mass_mev=None) -> dict:
    """2 sigma bounds on a light mediator's coupling (Delta chi^2 = 4 from the minimum along the coupling).

    model: a U(1)' model name of Atzori Corona et al. (2022) ("b-l", "lmu-ltau", ...; `cl.MODEL_NAMES`),
    "scalar", or a `ZPrimeCharges` assignment. mass_mev: also the bound on g at this mediator mass (MeV).
    Returns {"model", "dataset", "configuration", "convention", "g_low_mass" (M -> 0),
    "g_over_m_high_mass_per_GeV" (M^2 >> q^2, g/M in GeV^-1)} [+ "mass_mev", "g_at_mass"]; NaN = no bound on
    the scanned range.
    """
    from .scans import bounds

    return bounds(model, dataset, _config(dataset, configuration), mass_mev=mass_mev)


def nsi_interval(dataset: str, param: str, configuration: str | None = None) -> dict:
    """90% C.L. and 2 sigma intervals of one vector NSI coupling eps^{qV}_{ab} (the others at zero).

    param: "<q>V_<ab>" with q in u, d and ab in ee, mumu, tautau, emu, etau, mutau (e.g. "uV_ee").
    Returns {"dataset", "param", "best" (None if the chi^2 is flat), "interval_90", "interval_2sigma" (lists of
    [low, high] on the scan range), "unconstrained_90", "unconstrained_2sigma" (True when the interval is the
    whole scan range: the data do not constrain the coupling), "chi2_min", "scan_range", "configuration"}.
    """
    from .scans import nsi_interval as _nsi

    return _nsi(dataset, param, _config(dataset, configuration))


def model(name: str, mass_mev=0.0, coupling=None, high_mass: bool = False, **kwargs):
    """A light-mediator model: name in `cl.MODEL_NAMES` (U(1)' models, "scalar") or De Romeri et al.'s
    ("lv-universal", "lv-b-l", "ls", "lt"); mass in MeV (an array gives a batch axis); coupling g (g/M in MeV^-1
    with high_mass=True). Without a coupling the model is only for `engine(...).quadratic_counts` scans:
    evaluating it directly raises."""
    from .models.light_mediators import model as _model

    return _model(name, mass_mev, coupling, high_mass, **kwargs)


def engine(detector: str):
    """The cached rate engine of "csi" or "lar": `.counts(model)` gives (3 flavours, n_E, n_t) expected events,
    `.quadratic_counts(model)` the counts as a quadratic form in the model's parameters."""
    from .rates import engine as _engine

    return _engine(detector)


def chi2(model=None, dataset: str = "csi+lar", configuration: str | None = None) -> float:
    """Profiled chi^2 (every nuisance minimised) of one model with its parameter values set, summed over the
    detectors of `dataset`. model: None for the SM."""
    from .fits import DETECTORS, likelihood

    config = _config(dataset, configuration)
    total = 0.0
    for det in DETECTORS[dataset]:
        total += float(likelihood(det, config).chi2_profiled(engine(det).counts(model), per_flavour=True)[0])
    return total


def exclusion_scan(model, masses_mev, couplings, dataset: str = "csi+lar", configuration: str | None = None):
    """Profiled chi^2 over a (mass in MeV, coupling g) grid of a mediator model: a `scans.Scan` with `.chi2`,
    `.delta_chi2` and `.excluded(level)` (default Delta chi^2 > 6.18, 2 sigma for two parameters)."""
    from .scans import exclusion_scan as _scan

    return _scan(model, masses_mev, couplings, dataset, _config(dataset, configuration))


def verify_data() -> int:
    """Verify every file of data/ against SHA256SUMS and refuse unlisted files (DataIntegrityError, one line);
    returns the number of verified files."""
    from .data import verify_data as _verify

    return _verify()


def __getattr__(name):  # lazily re-exported classes and tables
    lazy = {"StandardModel": ("cross_section", "StandardModel"), "NuclearModel": ("cross_section", "NuclearModel"),
            "VectorNSI": ("models.nsi", "VectorNSI"), "ZPrimeCharges": ("models.light_mediators", "ZPrimeCharges"),
            "MODEL_NAMES": ("models.light_mediators", "MODEL_NAMES"), "nucleus": ("nuclei", "nucleus"),
            "PhysicsInputError": ("validation", "PhysicsInputError"),
            "DataIntegrityError": ("data", "DataIntegrityError")}
    if name in lazy:
        import importlib

        mod, attr = lazy[name]
        return getattr(importlib.import_module(f"cevns_lib.{mod}"), attr)
    raise AttributeError(f"module 'cevns_lib.api' has no attribute {name!r}")


__all__ = ["DEFAULT_CONFIGURATION", "predict", "fit", "limits", "nsi_interval", "model", "engine", "chi2",
           "exclusion_scan", "verify_data", "StandardModel", "NuclearModel", "VectorNSI", "ZPrimeCharges",
           "MODEL_NAMES", "nucleus", "PhysicsInputError", "DataIntegrityError"]
