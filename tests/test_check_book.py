"""The browser check's text rules (tools/check_book.py): what a page must never show, and what it may."""
import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("check_book", Path(__file__).resolve().parents[1] / "tools" / "check_book.py")
check_book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_book)


@pytest.mark.parametrize("text, what", [
    ("lar: best 2.00 fm, 1 sigma -nan +1.54", "nan' in the rendered text"),
    ("2σ bound on g: inf", "raw 'inf'"),
    ("the chi2 of seed 000 is", "internal wording"),
    ("kept back as a blind check", "internal wording"),
    ("from our copy of the release", "internal wording"),
    ("Traceback (most recent call last):", "traceback"),
    ("<Figure size 640x480 with 1 Axes>", "text repr"),
    ("Probing light mediators and $(g-2)_\\mu $ through", "raw TeX"),
])
def test_problems_are_found(text, what):
    problems = check_book.text_problems(text, text)
    assert any(what in p for p in problems), problems


def test_clean_prose_passes():
    text = ("The 2σ bound is g < 4.1e-05; the interval is open below; no bound at 2σ for this model. "
            "The configuration 'seed000' is the chi^2 of De Romeri et al. (2023). Information, infinity, nano.")
    assert check_book.text_problems(text, text) == []


def test_missing_browser_is_reported_with_the_install_command(capsys):
    assert check_book.main(["_build/html", "--chromium", "/nonexistent/chromium"]) == 2
    assert "apt-get install -y chromium" in capsys.readouterr().err
