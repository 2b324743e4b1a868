"""Physical constants, in MeV and natural units (hbar = c = 1) unless a name says otherwise.

Every number carries its source. PDG = R. L. Workman et al. / S. Navas et al. (Particle Data Group),
Review of Particle Physics, Phys. Rev. D 110 (2024) 030001. CODATA = CODATA 2018 recommended values.
"""

from __future__ import annotations

import math

# --- conversion factors -------------------------------------------------------------------------
HBARC_MEV_FM = 197.3269804  # hbar*c in MeV fm (CODATA 2018, exact SI-derived)
HBARC_MEV_CM = HBARC_MEV_FM * 1e-13  # hbar*c in MeV cm
HBARC2_MEV2_CM2 = HBARC_MEV_CM**2  # converts a cross section in MeV^-2 to cm^2 (= 3.8938e-22)
ATOMIC_MASS_UNIT_MEV = 931.49410242  # unified atomic mass unit u in MeV (CODATA 2018)
AVOGADRO = 6.02214076e23  # 1/mol (CODATA 2018, exact)
KEV = 1e-3  # 1 keV in MeV
US_NS = 1e3  # 1 microsecond in ns

# --- electroweak ------------------------------------------------------------------------------
G_FERMI_MEV2 = 1.1663788e-11  # Fermi constant G_F in MeV^-2 (PDG 2024, from the muon lifetime, MuLan)
# MS-bar sin^2(theta_W) at q -> 0 (PDG 2024 "Electroweak model" review, Erler & Ferro-Hernandez running)
SIN2_THETA_W_LOW_ENERGY = 0.23857
ALPHA_EM = 1.0 / 137.035999084  # fine-structure constant at q = 0 (CODATA 2018)
G_AXIAL_NUCLEON = 1.2754  # nucleon axial coupling g_A (PDG 2024)

# Radiatively corrected neutrino-nucleon vector couplings, per neutrino flavour, including the
# neutrino charge radius and the WW/ZZ box corrections (Erler & Su, Prog. Part. Nucl. Phys. 71 (2013) 119;
# values as tabulated in Atzori Corona et al., JHEP 05 (2022) 109, Table 1). Antineutrinos take the values
# of their flavour at this order.
G_V_PROTON_RADIATIVE = {"e": 0.0401, "mu": 0.0318, "tau": 0.0275}
G_V_NEUTRON_RADIATIVE = -0.5094

# --- particle masses (PDG 2024) ----------------------------------------------------------------
M_ELECTRON_MEV = 0.51099895000  # electron
M_MUON_MEV = 105.6583755  # muon
M_TAU_MEV = 1776.86  # tau
M_PION_CHARGED_MEV = 139.57039  # pi+
M_PROTON_MEV = 938.27208816
M_NEUTRON_MEV = 939.56542052

# --- lifetimes (PDG 2024) ----------------------------------------------------------------------
TAU_PION_NS = 26.033  # pi+ mean life
TAU_MUON_NS = 2196.9811  # mu+ mean life

# --- pion decay at rest kinematics -------------------------------------------------------------
#: energy of the monochromatic nu_mu from pi+ -> mu+ nu_mu at rest, (m_pi^2 - m_mu^2) / (2 m_pi) = 29.79 MeV
E_NU_MU_LINE_MEV = (M_PION_CHARGED_MEV**2 - M_MUON_MEV**2) / (2.0 * M_PION_CHARGED_MEV)
#: end point of the Michel spectra of nu_e and anti-nu_mu from mu+ decay at rest, m_mu/2 = 52.83 MeV
E_MICHEL_MAX_MEV = M_MUON_MEV / 2.0

# --- nucleon charge radii (PDG 2024; CODATA 2018) -----------------------------------------------
R_PROTON_CHARGE_FM = 0.84075  # proton rms charge radius (PDG 2024)
R2_NEUTRON_CHARGE_FM2 = -0.1155  # neutron mean-square charge radius (PDG 2024)

FOUR_PI = 4.0 * math.pi
