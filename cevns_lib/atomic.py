r"""Atomic electrons as scattering targets: the stepping approximation Z_eff(T_e).

A neutrino that transfers kinetic energy T_e to a bound electron can only free it if T_e exceeds the electron's
binding energy. The *stepping approximation* (Kopeikin, Mikaelyan, Sinev, Phys. At. Nucl. 60 (1997) 1859; used for
CsI by e.g. De Romeri et al. (2023) and Atzori Corona et al. (2022)) counts, at each recoil energy, the electrons
whose binding energy is below it, and treats each of them as free and at rest:

    dsigma_atom/dT_e = Z_eff(T_e) dsigma_free/dT_e,     Z_eff(T_e) = sum_shells n_shell Theta(T_e - B_shell).

What it neglects: the electrons' momentum distribution (which smears the free-electron kinematics, the "binding"
or Doppler effect), the reduction of the cross section just above each edge that full many-body (RRPA) atomic
calculations find, and collective effects at T_e of tens of eV. At the keV recoils of the CsI analysis region
these are corrections of order ten percent on the ES rate (Chen et al., Phys. Lett. B 731 (2014) 159), far below
the statistical precision of COHERENT's few ES events; the approximation is least good for the 1/T_e^2
millicharge cross section, which the text of the book says.

Binding energies: the absorption-edge energies of every shell from `xraydb` (Elam, Ravel and Sieber,
Radiat. Phys. Chem. 63 (2002) 121), not typed by hand. Occupancies: the closed-subshell capacities
(s 2, p1/2 2, p3/2 4, d3/2 4, d5/2 6, f5/2 6, f7/2 8) filled from the innermost shell up to Z electrons; electrons
beyond the tabulated shells (Cs 6s, bound by 3.9 eV) count as free at every T_e > 0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .constants import M_ELECTRON_MEV
from .validation import PhysicsInputError, as_nonnegative_array

#: electrons in a closed subshell, by the digit of the edge name (K has one subshell, 1s1/2)
SUBSHELL_CAPACITY = {"1": 2, "2": 2, "3": 4, "4": 4, "5": 6, "6": 6, "7": 8}
#: the elements of the COHERENT targets with their atomic numbers
ELEMENT_Z = {"Cs": 55, "I": 53, "Ar": 18, "Na": 11}


def _capacity(edge: str) -> int:
    return 2 if edge == "K" else SUBSHELL_CAPACITY[edge[1:]]


@functools.lru_cache(maxsize=16)
def shells(element: str) -> tuple[tuple[str, float, int], ...]:
    """(edge name, binding energy in MeV, occupancy) of every tabulated shell, innermost first (from xraydb)."""
    if element not in ELEMENT_Z:
        raise PhysicsInputError(f"unknown element {element!r}; known: {sorted(ELEMENT_Z)}")
    import xraydb

    edges = sorted(xraydb.xray_edges(element).items(), key=lambda kv: -kv[1].energy)
    z, left, out = ELEMENT_Z[element], ELEMENT_Z[element], []
    for name, edge in edges:
        n = min(_capacity(name), left)
        if n <= 0:
            break
        out.append((name, float(edge.energy) * 1e-6, n))  # xraydb edge energies are in eV
        left -= n
    if left > 0:  # outer electrons without a tabulated edge: bound by a few eV, free at every T_e > 0
        out.append(("valence", 0.0, left))
    assert sum(n for _, _, n in out) == z
    return tuple(out)


def binding_energies_mev(element: str) -> np.ndarray:
    """The distinct binding energies (MeV) of the element's shells, ascending: the positions of Z_eff's steps."""
    return np.unique([b for _, b, _ in shells(element) if b > 0])


def z_eff(element: str, t_mev) -> np.ndarray:
    """Z_eff(T_e): the number of electrons of `element` with binding energy below T_e (MeV), stepping approximation.

    A shell counts from T_e > B (strictly), so Z_eff is right-continuous except exactly at an edge, where the
    shell does not yet contribute.
    """
    t = as_nonnegative_array(t_mev, "electron recoil energy T_e (MeV)")
    out = np.zeros(t.shape)
    for _, b, n in shells(element):
        out = out + n * (t > b)
    return out


@dataclass(frozen=True)
class AtomicElectrons:
    """The electrons of one atom species, as a target of the rate engine.

    It quacks like a `nuclei.Nucleus` where the engine needs it (`name`, `mass_mev` for the kinematics: the
    electron mass), and models recognise it by `is_electron_target` and give its cross section per *free electron*
    (`StandardModel.electron_amplitude_terms`). The number of active electrons Z_eff(T_e) enters as the
    target multiplicity at each recoil node (see `detectors.csi.csi_2021_electrons`).
    """

    element: str
    is_electron_target = True

    def __post_init__(self):
        shells(self.element)  # validates the element

    @property
    def name(self) -> str:
        return f"e({self.element})"

    @property
    def Z(self) -> int:
        return ELEMENT_Z[self.element]

    @property
    def mass_mev(self) -> float:
        return M_ELECTRON_MEV

    spin_J = 0.0

    def z_eff(self, t_mev) -> np.ndarray:
        return z_eff(self.element, t_mev)


def is_electron_target(target) -> bool:
    return bool(getattr(target, "is_electron_target", False))
