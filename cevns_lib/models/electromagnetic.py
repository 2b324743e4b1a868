r"""Neutrino electromagnetic properties: magnetic moments, charge radii, millicharges (flavour-diagonal, effective).

Parameters (`PARAMETERS`, units in `UNITS`):

* mu_nue, mu_numu: effective magnetic moments in 1e-10 mu_B (anti-nu_mu shares mu_numu). A magnetic moment flips
  the helicity, so it adds to the SM without interference (Vogel and Engel, Phys. Rev. D 39 (1989) 3378):

      dsigma/dT += (pi alpha^2 mu^2 / m_e^2) (1/T - 1/E) Z^2 F_Z(q)^2      on a nucleus,
      dsigma/dT += (pi alpha^2 mu^2 / m_e^2) (1/T - 1/E)                   on each of the Z_eff(T) electrons.

* r2_nue, r2_numu: charge radii <r^2_nu_l> in 1e-32 cm^2, in the convention of Cadeddu, Giunti et al.
  (Phys. Rev. D 98 (2018) 113010): g_V^p -> g_V^p - (sqrt2 pi alpha / 3 G_F) <r^2_nu_l> for CEvNS, and
  g_V -> g_V + (sqrt2 pi alpha / 3 G_F) <r^2_nu_l> for nu-e scattering (the electron's charge is -1).
  The parameter is the **total** radius. The library's radiative couplings (`constants.G_V_PROTON_RADIATIVE`,
  `electron_scattering.couplings(radiative=True)`) already hold the SM radii (`sm_charge_radius_cm2`: -0.83 and
  -0.48 in 1e-32 cm^2); when a flavour's radius is a parameter, its SM radius is taken out of the fixed part of
  the coupling and put back through the parameter, so the model at <r^2> = <r^2>_SM *is* the SM (tested), and
  the new-physics addition is <r^2> - <r^2>_SM. Flavours whose radius is not a parameter keep their SM radius.
* r2_nuenumu: the transition radius <r^2_{nu_e nu_mu}> (1e-32 cm^2, real, symmetric). The final neutrino has
  the other flavour, so it adds incoherently (as flavour-changing NSI do): a vector term of amplitude
  -(sqrt2 pi alpha/3 G_F) <r^2_emu> Z F_Z for nu_e, nu_mu and anti-nu_mu alike (Cadeddu et al. 2018).
* q_nue, q_numu: millicharges in 1e-8 e. With the charge form factor F(q^2) = q_nu + q^2 <r^2>/6 of the photon
  vertex (q^2 = -|q|^2 the four-momentum transfer), the photon exchange shifts the vector couplings by
  g_V^p -> g_V^p + (2 sqrt2 pi alpha / (G_F |q|^2)) q_nu (CEvNS, |q|^2 = 2 M T) and
  g_V -> g_V - (2 sqrt2 pi alpha / (G_F |q|^2)) q_nu (nu-e, |q|^2 = 2 m_e T; Giunti and Studenikin,
  Rev. Mod. Phys. 87 (2015) 531): a shift that grows as 1/T, enormously so on electrons.

Antineutrinos: with the radii and charges written as those of the neutrino of the same flavour, the photon and Z
amplitudes change sign together, so anti-nu_mu sees the same shifts as nu_mu.

Each parameter is one amplitude of the engine's quadratic form (`RateEngine.quadratic_counts`), so a grid over any
set of them costs one engine call per detector; the electrons of CsI come through `electron_amplitude_terms`.
"""

from __future__ import annotations

import numpy as np

from .. import electron_scattering as es
from ..constants import M_ELECTRON_MEV
from ..cross_section import StandardModel, lepton_of, momentum_transfer
from ..validation import check_choice, check_unique

PARAMETERS = ("mu_nue", "mu_numu", "r2_nue", "r2_numu", "r2_nuenumu", "q_nue", "q_numu")
UNITS = {"mu_nue": "1e-10 mu_B", "mu_numu": "1e-10 mu_B", "r2_nue": "1e-32 cm^2", "r2_numu": "1e-32 cm^2",
         "r2_nuenumu": "1e-32 cm^2", "q_nue": "1e-8 e", "q_numu": "1e-8 e"}
#: (kind, lepton) of each parameter; the transition radius has lepton None
_KIND = {"mu_nue": ("mu", "e"), "mu_numu": ("mu", "mu"), "r2_nue": ("r2", "e"), "r2_numu": ("r2", "mu"),
         "r2_nuenumu": ("r2t", None), "q_nue": ("q", "e"), "q_numu": ("q", "mu")}


def parse(name: str) -> tuple[str, str | None]:
    """('mu' | 'r2' | 'r2t' | 'q', lepton) of an electromagnetic parameter; ValueError naming it otherwise."""
    check_choice(name, PARAMETERS, "electromagnetic parameter")
    return _KIND[name]


def sm_value(name: str) -> float:
    """The SM value of a parameter in its unit: the one-loop charge radii, zero otherwise."""
    kind, lepton = parse(name)
    return es.sm_charge_radius_cm2(lepton) / es.R2_UNIT_CM2 if kind == "r2" else 0.0


def radius_shift_proton_per_unit() -> float:
    """Delta g_V^p per 1e-32 cm^2 of <r^2>: -sqrt2 pi alpha/(3 G_F) x 1e-32 cm^2 (about -0.0238)."""
    return -es.radius_shift_per_unit()


class Electromagnetic(StandardModel):
    """SM + the electromagnetic parameters `names` (values optional, in the units of `UNITS`)."""

    def __init__(self, names, values=None, **sm_kwargs):
        super().__init__(**sm_kwargs)
        self.names = tuple(names)
        check_unique(self.names, "electromagnetic parameters")
        self.kinds = [parse(n) for n in self.names]
        if values is not None:
            v = np.asarray(values, float)
            if v.shape != (len(self.names),) or not np.all(np.isfinite(v)):
                raise ValueError(f"need {len(self.names)} finite values for {self.names}, got {values!r}")
            self.parameter_values = tuple(v)
        self.name = "EM(" + ", ".join(self.names) + ")"

    def _varies_radius(self, lepton: str) -> bool:
        return ("r2", lepton) in self.kinds

    def _pad(self, pairs: dict) -> list:
        """[None, A_1, ..., A_P] with A_i from {parameter index: amplitude}."""
        return [None] + [pairs.get(i) for i in range(len(self.names))]

    # --- nuclei -------------------------------------------------------------------------------------------
    def amplitude_terms(self, nuc, flavour, t):
        terms = super().amplitude_terms(nuc, flavour, t)
        lepton = lepton_of(flavour)
        q = momentum_transfer(t, nuc.mass_mev)
        fz, _ = self.nuclear.form_factors(nuc, q)
        zf = nuc.Z * fz
        dr = radius_shift_proton_per_unit()  # Delta g_V^p per unit <r^2>
        name, (q_sm,) = terms[0]
        if self.ew.radiative and self._varies_radius(lepton):  # take the SM radius out of the fixed part
            q_sm = q_sm - dr * sm_value(f"r2_nu{lepton}") * zf
        coherent, magnetic, transition = {}, {}, {}
        with np.errstate(divide="ignore"):
            inv_q2 = np.where(q > 0, 1.0 / np.where(q > 0, q * q, 1.0), 0.0)
        for i, (kind, lep) in enumerate(self.kinds):
            if kind == "r2" and lep == lepton:
                coherent[i] = dr * zf
            elif kind == "q" and lep == lepton:
                coherent[i] = es.CHARGE_SHIFT_MEV2 * es.Q_UNIT * inv_q2 * zf
            elif kind == "mu" and lep == lepton:
                magnetic[i] = es.MU_UNIT * zf
            elif kind == "r2t" and lepton in ("e", "mu"):
                transition[i] = dr * zf
        terms[0] = (name, [q_sm] + self._pad(coherent)[1:])
        terms = [(n, a + [None] * (len(self.names) + 1 - len(a))) for n, a in terms]
        if magnetic:
            terms.append(("magnetic", self._pad(magnetic)))
        if transition:
            terms.append(("vector", self._pad(transition)))
        return terms

    # --- atomic electrons (per free electron; the engine multiplies by Z_eff) ----------------------------------
    def electron_amplitude_terms(self, target, flavour, t):
        lepton = lepton_of(flavour)
        t = np.asarray(t, float)
        one = np.ones_like(t)
        shifts, magnetic, transition = {}, {}, {}
        with np.errstate(divide="ignore"):
            inv_q2 = np.where(t > 0, 1.0 / np.where(t > 0, 2.0 * M_ELECTRON_MEV * t, 1.0), 0.0)
        for i, (kind, lep) in enumerate(self.kinds):
            if kind == "r2" and lep == lepton:
                shifts[i] = es.radius_shift_per_unit() * one
            elif kind == "q" and lep == lepton:
                shifts[i] = -es.CHARGE_SHIFT_MEV2 * es.Q_UNIT * inv_q2
            elif kind == "mu" and lep == lepton:
                magnetic[i] = es.MU_UNIT * one
            elif kind == "r2t" and lepton in ("e", "mu"):
                transition[i] = es.radius_shift_per_unit() * one
        # the SM radius of a flavour whose radius is a parameter comes back through the parameter
        radiative = self.ew.radiative and not self._varies_radius(lepton)
        terms = es.sm_terms(flavour, t, radiative, self.ew.sin2_theta_w,
                            delta_g_v=[shifts.get(i) for i in range(len(self.names))])
        if magnetic:
            terms.append(("magnetic", self._pad(magnetic)))
        if transition:  # a pure vector coupling of the other final flavour: g_L = g_R = d/2, no SM partner
            half = {i: 0.5 * a for i, a in transition.items()}
            terms += [("e_left", self._pad(half)), ("e_right", self._pad(half)), ("e_mix_v", self._pad(transition))]
        return terms


def dark_side_radius(lepton: str, nucleus_name: str, t_mev: float = 0.0, model: StandardModel | None = None) -> float:
    """The total radius <r^2_nu_l> (1e-32 cm^2) at which the nu_l weak charge of a nucleus flips sign.

    Q(r^2) = Q_0 + Z F_Z dr r^2 with Q_0 the charge without any radius; Q(r^2) = -Q(r^2_SM) at
    r^2 = r^2_SM - 2 Q_SM / (Z F_Z dr), dr = Delta g_V^p per unit (about -0.0238): in the data the rate there
    equals the SM one (the degenerate "dark side").
    """
    from ..nuclei import nucleus as get_nucleus

    nuc = get_nucleus(nucleus_name)
    model = model or StandardModel()
    t = np.atleast_1d(float(t_mev))
    fz, _ = model.nuclear.form_factors(nuc, momentum_transfer(t, nuc.mass_mev))
    flavour = {"e": "nu_e", "mu": "nu_mu"}[lepton]
    q_sm = model.vector_charge(nuc, flavour, t)[0]
    return float(sm_value(f"r2_nu{lepton}") - 2.0 * q_sm / (nuc.Z * fz[0] * radius_shift_proton_per_unit()))
