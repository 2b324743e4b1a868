"""Published numbers that the book shows beside its own (never inputs of a computation), each file with its source."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

_HERE = Path(__file__).resolve().parent
REGIMES = ("g_low_mass", "g_over_m_high_mass_per_GeV")


@functools.lru_cache(maxsize=1)
def _light_mediator_file() -> dict:
    return yaml.safe_load((_HERE / "atzori_corona_2022_bounds.yaml").read_text())


def light_mediator_bounds() -> dict:
    """Atzori Corona et al. (2022)'s 2 sigma bounds: {(model, dataset, regime): value}, regime in REGIMES
    (g for M -> 0; g/M in GeV^-1 for M^2 >> q^2). Source and units in the YAML file."""
    out = {}
    for model, per in _light_mediator_file()["bounds"].items():
        for dataset, values in per.items():
            for regime, v in zip(REGIMES, values):
                out[model, dataset, regime] = float(v)
    return out


def light_mediator_source() -> str:
    return _light_mediator_file()["source"]
