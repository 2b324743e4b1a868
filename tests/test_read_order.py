"""The book's chapters are read, and executed, in the order of the table of contents (tools/sphinx_ext/read_order.py),
so that the first chapters, which need no compiled kernel, run while `make book` compiles the kernels."""

import sys
from pathlib import Path

import yaml
from sphinx_external_toc.parsing import parse_toc_yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "sphinx_ext"))
import read_order  # noqa: E402  (tools/sphinx_ext is not a package)


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def test_reading_order_is_the_table_of_contents():
    site_map = parse_toc_yaml(ROOT / "_toc.yml")
    expected = _toc_files()
    assert read_order.toc_order(site_map) == expected
    # Sphinx hands the documents over sorted; the handler reorders them in place, others last (alphabetical)
    docnames = sorted(expected + ["zz_not_in_toc", "aa_not_in_toc"])

    class Env:
        external_site_map = site_map

    read_order._reorder(None, Env(), docnames)
    assert docnames == expected + ["aa_not_in_toc", "zz_not_in_toc"]
    assert docnames[0] == "chapters/intro" and docnames != sorted(docnames)

