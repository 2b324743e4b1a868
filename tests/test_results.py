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
