"""The results-at-a-glance table: one row per entry, linked, no raw non-numbers, bad entries refused."""
import math

import pytest

from cevns_lib import results
from cevns_lib.results import Entry


def test_a_bound_the_data_do_not_set_reads_as_words(monkeypatch):
    from cevns_lib import scans

    monkeypatch.setattr(scans, "coupling_bound", lambda *a, **k: math.nan)
    assert results.value(Entry("bound", "x", ("b-l", "low"), "csi", "light_mediators")) == "no bound at 2σ"


def test_fit_rows_and_links():
    entries = (Entry("fit", "CEvNS events", ("cevns",), "csi", "sm_fits", "306 ± 20"),
               Entry("fit", "$R_n$ (Ar)", ("rn",), "lar", "sm_fits"))
    text = results.table(entries)
    lines = text.splitlines()
    assert len(lines) == 2 + len(entries)
    assert all("{doc}`sm_fits`" in line for line in lines[2:])
    assert "nan" not in text.lower() and "inf" not in text.lower()
    assert "events" in lines[2] and "fm" in lines[3]


def test_every_entry_links_an_existing_chapter():
    from pathlib import Path

    chapters = Path(__file__).resolve().parents[1] / "chapters"
    for e in results.ENTRIES:
        assert (chapters / f"{e.where}.md").exists(), e


@pytest.mark.parametrize("bad", [dict(kind="guess"), dict(dataset="xenon")])
def test_bad_entries_are_refused(bad):
    args = dict(kind="fit", quantity="q", args=("cevns",), dataset="csi", where="sm_fits") | bad
    with pytest.raises(ValueError, match="Entry"):
        Entry(**args)


def test_an_interval_open_below_is_quoted_as_an_upper_edge(monkeypatch):
    from cevns_lib import fits

    monkeypatch.setattr(fits, "fit", lambda *a, **k: {"best": 2.0, "minus": math.nan, "plus": 1.54})
    assert results.value(Entry("fit", "R", ("rn",), "lar", "sm_fits")) == "< 3.54 fm (1σ; open below)"


def test_em_and_leptoquark_rows(monkeypatch):
    """A moment allowed from 0 reads as an upper limit in its unit; a radius as its pieces; a leptoquark in TeV^-1."""
    from cevns_lib import scans

    def fake_em(dataset, name, **kw):
        if name.startswith("mu"):
            return {"interval_90": [[0.0, 35.71]], "scan_range": [0.0, 200.0], "unit": "1e-10 mu_B"}
        return {"interval_90": [[-64.9, -41.4], [-13.9, 6.94]], "scan_range": [-100.0, 100.0], "unit": "1e-32 cm^2"}

    monkeypatch.setattr(scans, "em_interval", fake_em)
    monkeypatch.setattr(scans, "leptoquark_bound", lambda *a, **k: {"lambda_over_m_bound_per_TeV": 1.114})
    assert results.value(Entry("em", "m", ("mu_nue",), "csi", "em_properties")) == "< 35.7 $10^{-10}\\,\\mu_B$"
    radius = results.value(Entry("em", "r", ("r2_nue",), "csi", "em_properties"))
    assert " ∪ " in radius and radius.endswith("($10^{-32}$ cm²)") and "-64.9" in radius
    assert results.value(Entry("leptoquark", "s3", ("s3", "mu"), "csi", "leptoquarks")) == "< 1.11 TeV⁻¹"


def test_no_entry_breaks_the_table():
    """A bare '|' in a quantity (e.g. |lambda|) would split a Markdown table cell."""
    assert all("|" not in e.quantity for e in results.ENTRIES)
