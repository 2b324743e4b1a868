"""The published values the book draws beside its results: each has a source in references.bib and sane units."""
import re
from pathlib import Path

import math

import pytest

from cevns_lib.measurements import (APV_CS_WEAK_CHARGES, CS133_Z, G2_BAND_EXCLUSIONS, K_PNC_PORSEV, LOW_ENERGY_SIN2, MEDIATOR_BOUNDS,
                                    NEUTRON_RADII, rescale_weak_charge, sin2_from_weak_charge)
from cevns_lib.models.light_mediators import MODEL_NAMES

BIB_KEYS = set(re.findall(r"^@\w+\{([^,]+),", (Path(__file__).parents[1] / "references.bib").read_text(),
                          flags=re.M))


def test_every_published_value_cites_a_bibtex_entry():
    for m in (*LOW_ENERGY_SIN2, *NEUTRON_RADII, *APV_CS_WEAK_CHARGES, *MEDIATOR_BOUNDS, *G2_BAND_EXCLUSIONS):
        assert m.cite in BIB_KEYS, m


def test_neutron_radii_are_in_fm_with_positive_errors():
    # a radius in m, in 1e-15 m or with a sign slip in an error would fail here
    for m in NEUTRON_RADII:
        assert 3.0 < m.value_fm < 7.0 and 0 < m.minus_fm < 2 and 0 < m.plus_fm < 2, m
        assert m.source and m.method and m.nucleus


def test_weak_charge_conversion_by_hand():
    # Sahoo et al. (2021): Q_W = -73.71 against their SM -73.23, Z = 55: the weak charge is 0.48 more negative,
    # i.e. sin^2 = 0.23857 + 0.48 / 220 = 0.2407518...; a sign slip or a slope 1/(4N) or 1/Z would fail
    assert sin2_from_weak_charge(-73.71, -73.23, 0.23857, 55) == pytest.approx(0.23857 + 0.48 / 220, abs=1e-12)
    # agreement with the SM weak charge returns the SM angle
    assert sin2_from_weak_charge(-73.16, -73.16, 0.23857, 55) == 0.23857


def test_weak_charge_conversion_inverts_the_tree_level_weak_charge():
    # Q_W = Z (1 - 4 s2) - N is linear in s2, so the linearised inversion is exact for it
    z, n = 55, 78
    tree = lambda s2: z * (1 - 4 * s2) - n  # noqa: E731
    for s2_sm, s2 in ((0.23857, 0.2300), (0.23857, 0.2450), (0.231, 0.239)):
        assert sin2_from_weak_charge(tree(s2), tree(s2_sm), s2_sm, z) == pytest.approx(s2, abs=1e-12)


def test_apv_entries_are_cs_weak_charges_and_reach_the_sin2_list():
    for a in APV_CS_WEAK_CHARGES:
        # Q_W(133Cs) is about -73 (a positive sign or Q_W per nucleon would fail); errors of a few tenths
        assert -75 < a.q_w < -71 and -75 < a.q_w_sm < -71, a
        assert 0 < a.exp_error < 1 and 0 < a.theory_error < 1 and a.atomic_theory
        assert a.error == pytest.approx(math.hypot(a.exp_error, a.theory_error))
        m = next(m for m in LOW_ENERGY_SIN2 if m.cite == a.cite)
        assert m.error == pytest.approx(a.error / (4 * CS133_Z))
        assert 1e-3 < m.q_gev < 0.1   # below the electron-scattering points


def test_mediator_bounds_name_a_book_model_and_sane_units():
    for b in MEDIATOR_BOUNDS:
        assert b.model in MODEL_NAMES, b          # a typo would silently drop the bound from the figure
        # masses in MeV (a range in GeV would sit below 20), a dimensionless coupling below 1
        assert 1.0 < b.mass_min_mev < b.mass_max_mev < 1e5 and 0 < b.coupling < 1, b
        assert b.kind and b.cl and b.source


def test_cited_titles_render_without_raw_tex():
    # the bibliography page shows titles as typed: math mode or a TeX command would appear raw
    bib = (Path(__file__).parents[1] / "references.bib").read_text()
    keys = {m.cite for m in (*LOW_ENERGY_SIN2, *NEUTRON_RADII, *APV_CS_WEAK_CHARGES, *MEDIATOR_BOUNDS,
                             *G2_BAND_EXCLUSIONS)}
    for key in keys:
        entry = bib[bib.index("{" + key + ","):].split("\n@", 1)[0]
        title = re.search(r"^\s*title\s*=\s*\{(.*)\},?\s*$", entry, flags=re.M).group(1)
        assert "$" not in title and "\\" not in title, (key, title)


def test_rescaled_weak_charge_by_hand_and_against_the_quoted_theory_error():
    # the measurement fixes Q_W x k_PNC: Dzuba et al.'s 0.8977 instead of Porsev et al.'s 0.8906 makes |Q_W| smaller,
    # -73.16 * 0.8906 / 0.8977 = -72.5814 (hand value); the inverse ratio (a wrong direction) would give -73.74
    assert rescale_weak_charge(-73.16, 0.8906, 0.8977) == pytest.approx(-72.5814, abs=1e-4)
    dzuba = next(a for a in APV_CS_WEAK_CHARGES if a.cite == "Dzuba2012")
    assert dzuba.q_w == pytest.approx(-72.5814, abs=1e-4)
    # cross-check of two numbers read in different abstracts: Porsev et al.'s amplitude error 0.0024 (of 0.8906)
    # is their quoted theory error 0.20 on Q_W = -73.16
    porsev = next(a for a in APV_CS_WEAK_CHARGES if a.cite == "Porsev2009")
    assert abs(porsev.q_w) * 0.0024 / K_PNC_PORSEV == pytest.approx(porsev.theory_error, abs=0.01)


def test_apv_entries_form_one_group_at_one_q():
    apv = [m for m in LOW_ENERGY_SIN2 if m.group == "APV Cs"]
    assert len(apv) == len(APV_CS_WEAK_CHARGES) and len({m.q_gev for m in apv}) == 1


def test_g2_band_exclusions_name_a_muon_coupled_model_and_a_mass_range_in_mev():
    from cevns_lib.models.light_mediators import U1_MODELS

    for x in G2_BAND_EXCLUSIONS:
        assert x.model in U1_MODELS and U1_MODELS[x.model].mu != 0, x   # a g-2 band needs a muon coupling
        assert 0 < x.mass_min_mev < x.mass_max_mev < 1e4 and x.statement and x.source, x
