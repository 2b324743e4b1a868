"""cevns_lib: CEvNS physics library for the COHERENT CsI[Na] 2021 and LAr 2020 data (MeV units).

The public API (`import cevns_lib as cl`), loaded lazily so that `import cevns_lib` imports nothing heavy:

* `cl.predict(detector, model=None)`: expected CEvNS counts in a detector's analysis bins;
* `cl.fit(dataset, param)`: SM fit of the CEvNS count, sin^2(theta_W) or the neutron radius;
* `cl.limits(model, dataset, mass_mev=None)`: 2 sigma bounds on a light mediator's coupling;
* `cl.nsi_interval(dataset, param)`: intervals of one vector NSI coupling;
* `cl.model(name, mass_mev, coupling)`, `cl.VectorNSI(names, values)`, `cl.StandardModel()`: models;
* `cl.engine(detector)`, `cl.chi2(model, dataset)`, `cl.exclusion_scan(...)`: rates, chi^2 and scans;
* `cl.verify_data()`: SHA-256 check of the whole data folder.

See `cevns_lib.api` for each function's arguments, units and return keys; `python -m cevns_lib --help` for the CLI.
"""

__version__ = "0.1.0"

__all__ = ["DEFAULT_CONFIGURATION", "predict", "fit", "limits", "nsi_interval", "model", "engine", "chi2",
           "exclusion_scan", "verify_data", "StandardModel", "NuclearModel", "VectorNSI", "ZPrimeCharges",
           "MODEL_NAMES", "nucleus", "PhysicsInputError", "DataIntegrityError"]


def __getattr__(name):
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'cevns_lib' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
