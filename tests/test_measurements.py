"""The published values the book draws beside its results: each has a source in references.bib and sane units."""
import re
from pathlib import Path

from cevns_lib.measurements import LOW_ENERGY_SIN2, NEUTRON_RADII

BIB_KEYS = set(re.findall(r"^@\w+\{([^,]+),", (Path(__file__).parents[1] / "references.bib").read_text(),
                          flags=re.M))


def test_every_published_value_cites_a_bibtex_entry():
    for m in (*LOW_ENERGY_SIN2, *NEUTRON_RADII):
        assert m.cite in BIB_KEYS, m


def test_neutron_radii_are_in_fm_with_positive_errors():
    # a radius in m, in 1e-15 m or with a sign slip in an error would fail here
    for m in NEUTRON_RADII:
        assert 3.0 < m.value_fm < 7.0 and 0 < m.minus_fm < 2 and 0 < m.plus_fm < 2, m
        assert m.source and m.method and m.nucleus
