"""Target nuclei: proton and neutron numbers, nuclear masses, radii and ground-state spin content.

Masses are AME2020 atomic masses (M. Wang et al., Chinese Phys. C 45 (2021) 030003) converted to nuclear masses
by removing Z electron masses; the electron binding energy (< 0.2 MeV for Z = 55, a 1e-6 relative effect) is
neglected. Charge radii are from I. Angeli and K. P. Marinova, At. Data Nucl. Data Tables 99 (2013) 69.

Point-proton rms radii follow from the charge radius by removing the proton and neutron finite sizes,
R_p^2 = r_ch^2 - r_p^2 - (N/Z) <r_n^2> (Darwin-Foldy and spin-orbit terms, a few 1e-3 fm^2, neglected).
Point-neutron rms radii are not measured for these nuclei; by default they are R_n = R_p + Delta r_np with the
neutron skin of the antiprotonic-atom systematics Delta r_np = 0.90 (N-Z)/A - 0.03 fm
(A. Trzcinska et al., PRL 87 (2001) 082501). Both choices are visible in the book and can be overridden.

Spin expectation values <S_p>, <S_n> (for the small axial term) are large-scale shell-model values:
Cs-133 and I-127 from P. Klos, J. Menendez, D. Gazit, A. Schwenk, PRD 88 (2013) 083516;
Na-23 from M. T. Ressell and D. J. Dean, PRC 56 (1997) 535; even-even nuclei have J = 0 and no axial term.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .constants import (
    ATOMIC_MASS_UNIT_MEV,
    M_ELECTRON_MEV,
    R2_NEUTRON_CHARGE_FM2,
    R_PROTON_CHARGE_FM,
)
from .validation import PhysicsInputError, finite_scalar, nonnegative_scalar, positive_int, positive_scalar


class UnknownNucleusError(KeyError, ValueError):
    """Raised for a nucleus name that is not in the table (a KeyError and a ValueError)."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


@dataclass(frozen=True)
class Nucleus:
    """A target nucleus (all lengths in fm, masses in MeV)."""

    name: str
    Z: int
    A: int
    atomic_mass_u: float  # AME2020 atomic mass in u
    charge_radius_fm: float  # rms charge radius (Angeli & Marinova 2013)
    spin_J: float = 0.0  # ground-state spin
    spin_p: float = 0.0  # <S_p>
    spin_n: float = 0.0  # <S_n>
    neutron_skin_fm: float | None = field(default=None)  # override of R_n - R_p

    def __post_init__(self):
        positive_int(self.A, f"Nucleus {self.name}: mass number A")
        positive_int(self.Z, f"Nucleus {self.name}: proton number Z")
        if self.Z > self.A:
            raise PhysicsInputError(f"Nucleus {self.name}: proton number Z = {self.Z} exceeds A = {self.A}")
        positive_scalar(self.atomic_mass_u, f"Nucleus {self.name}: atomic_mass_u")
        positive_scalar(self.charge_radius_fm, f"Nucleus {self.name}: charge_radius_fm")
        nonnegative_scalar(self.spin_J, f"Nucleus {self.name}: spin_J")
        if self.neutron_skin_fm is not None:
            object.__setattr__(self, "neutron_skin_fm", float(self.neutron_skin_fm))

    @property
    def N(self) -> int:
        return self.A - self.Z

    @property
    def mass_mev(self) -> float:
        """Nuclear mass M in MeV (atomic mass minus Z electron masses)."""
        return self.atomic_mass_u * ATOMIC_MASS_UNIT_MEV - self.Z * M_ELECTRON_MEV

    @property
    def proton_radius_fm(self) -> float:
        """Point-proton rms radius R_p in fm."""
        r2 = self.charge_radius_fm**2 - R_PROTON_CHARGE_FM**2 - (self.N / self.Z) * R2_NEUTRON_CHARGE_FM2
        return math.sqrt(r2)

    @property
    def skin_fm(self) -> float:
        """Neutron skin R_n - R_p in fm (Trzcinska et al. 2001 systematics unless overridden)."""
        if self.neutron_skin_fm is not None:
            return self.neutron_skin_fm
        return 0.90 * (self.N - self.Z) / self.A - 0.03

    @property
    def neutron_radius_fm(self) -> float:
        """Point-neutron rms radius R_n in fm."""
        return self.proton_radius_fm + self.skin_fm

    def with_skin(self, skin_fm: float) -> "Nucleus":
        """The same nucleus with a different neutron skin R_n - R_p (fm)."""
        return replace(self, neutron_skin_fm=finite_scalar(skin_fm, "neutron skin skin_fm (fm)"))


_TABLE: dict[str, Nucleus] = {
    n.name: n
    for n in (
        Nucleus("Cs133", 55, 133, 132.905451961, 4.8041, spin_J=3.5, spin_p=-0.370, spin_n=0.003),
        Nucleus("I127", 53, 127, 126.904471, 4.7500, spin_J=2.5, spin_p=0.309, spin_n=0.075),
        Nucleus("Ar40", 18, 40, 39.9623831237, 3.4274),
        Nucleus("Ar38", 18, 38, 37.96273211, 3.4028),
        Nucleus("Ar36", 18, 36, 35.967545105, 3.3905),
        Nucleus("Na23", 11, 23, 22.9897692820, 2.9936, spin_J=1.5, spin_p=0.248, spin_n=0.020),
        Nucleus("Ge70", 32, 70, 69.92424875, 4.0414),
        Nucleus("Ge72", 32, 72, 71.922075826, 4.0576),
        Nucleus("Ge74", 32, 74, 73.921177761, 4.0742),
        Nucleus("Ge76", 32, 76, 75.921402726, 4.0811),
        Nucleus("Xe132", 54, 132, 131.9041550856, 4.7859),
    )
}

_ALIASES = {"cs": "Cs133", "cs-133": "Cs133", "i": "I127", "i-127": "I127", "ar": "Ar40", "ar-40": "Ar40"}


def nucleus(name: str) -> Nucleus:
    """Look a nucleus up by name ('Cs133', 'I127', 'Ar40', ...); raises UnknownNucleusError otherwise."""
    if isinstance(name, Nucleus):
        return name
    key = _ALIASES.get(str(name).lower(), str(name))
    for k, v in _TABLE.items():
        if k.lower() == key.lower():
            return v
    raise UnknownNucleusError(f"unknown nucleus {name!r}; known nuclei: {', '.join(sorted(_TABLE))}")


def known_nuclei() -> list[str]:
    return sorted(_TABLE)


#: natural isotopic abundances (mole fractions) of atmospheric argon (IUPAC 2013, Meija et al.)
ARGON_NATURAL_ABUNDANCE = {"Ar40": 0.996035, "Ar36": 0.003336, "Ar38": 0.000629}
#: molar mass of natural argon in g/mol (IUPAC standard atomic weight)
ARGON_MOLAR_MASS_G = 39.948
