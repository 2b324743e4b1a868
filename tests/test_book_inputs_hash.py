"""tools/book_inputs_hash.py: the hash that decides when `make book` re-executes every chapter.

A stale page (outputs of an older library or data set) is what it prevents, so each test changes one input that a
chapter reads and requires a new hash, or changes something that no executed cell reads and requires the same one.
"""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("book_inputs_hash", ROOT / "tools" / "book_inputs_hash.py")
bih = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bih)


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A minimal repository: a package module, a published table, numba's cache, a data file, lock, config, a chapter."""
    monkeypatch.delenv("CEVNS_DATA_DIR", raising=False)
    monkeypatch.setattr(bih, "_distributions", lambda: ["numpy==2.4.6", "scipy==1.17.1"])  # fast and fixed
    files = {"cevns_lib/__init__.py": "x = 1\n", "cevns_lib/published/table.yaml": "a: 1\n",
             "cevns_lib/likelihood/__pycache__/_compiled.f-1.py311.nbi": "index",
             "cevns_lib/likelihood/__pycache__/mod.cpython-311.pyc": "bytecode",
             "data/csi/a.txt": "1 2 3\n", "data/SHA256SUMS": "x  csi/a.txt\n", "requirements.lock": "numpy==2.0\n",
             "_config.yml": "execute:\n  execute_notebooks: cache\n", "chapters/intro.md": "# Intro\n\nProse.\n",
             "references.bib": "@article{a,}\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


@pytest.mark.parametrize("rel", ["cevns_lib/__init__.py", "cevns_lib/published/table.yaml", "data/csi/a.txt",
                                 "requirements.lock", "_config.yml"])
def test_an_input_changes_the_hash(tree, rel):
    before = bih.inputs_hash(tree)
    (tree / rel).write_text((tree / rel).read_text() + "# one more line\n")
    assert bih.inputs_hash(tree) != before


def test_a_new_library_file_or_a_removed_data_file_changes_the_hash(tree):
    before = bih.inputs_hash(tree)
    (tree / "cevns_lib" / "new_module.py").write_text("")
    after_new = bih.inputs_hash(tree)
    assert after_new != before
    (tree / "data" / "csi" / "a.txt").unlink()
    assert bih.inputs_hash(tree) != after_new


def test_renaming_a_file_changes_the_hash(tree):
    """The same bytes under another name are another input (the label is hashed with the content)."""
    before = bih.inputs_hash(tree)
    (tree / "data" / "csi" / "a.txt").rename(tree / "data" / "csi" / "b.txt")
    assert bih.inputs_hash(tree) != before


def test_derived_caches_prose_and_bibliography_do_not_change_the_hash(tree):
    """numba's caches and byte-code derive from the sources; a chapter's own text is keyed by jupyter-cache (code
    cells) and Sphinx (prose); references.bib enters through Sphinx only."""
    before = bih.inputs_hash(tree)
    (tree / "cevns_lib/likelihood/__pycache__/_compiled.f-1.py311.nbi").write_text("another index")
    (tree / "cevns_lib/likelihood/__pycache__/_compiled.f-1.py311.1.nbc").write_text("machine code")
    (tree / "chapters" / "intro.md").write_text("# Intro\n\nOther prose.\n")
    (tree / "references.bib").write_text("@article{b,}\n")
    assert bih.inputs_hash(tree) == before


def test_the_data_folder_the_library_reads_is_hashed(tree, tmp_path_factory, monkeypatch):
    """With CEVNS_DATA_DIR set the library reads that folder, so its files (not data/) enter the hash."""
    other = tmp_path_factory.mktemp("other_data")
    (other / "a.txt").write_text("4 5 6\n")
    monkeypatch.setenv("CEVNS_DATA_DIR", str(other))
    before = bih.inputs_hash(tree)
    (tree / "data" / "csi" / "a.txt").write_text("changed, but not read\n")
    unchanged = bih.inputs_hash(tree)
    (other / "a.txt").write_text("7 8 9\n")
    assert unchanged == before and bih.inputs_hash(tree) != before


def test_the_environment_variables_numba_reads_change_the_hash(tree, monkeypatch):
    monkeypatch.delenv("NUMBA_DISABLE_JIT", raising=False)
    before = bih.inputs_hash(tree)
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "1")
    assert bih.inputs_hash(tree) != before


def test_the_installed_distributions_are_hashed(tree, monkeypatch):
    """A package upgraded in the venv without a new lock changes the outputs it computes: the hash too."""
    before = bih.inputs_hash(tree)
    monkeypatch.setattr(bih, "_distributions", lambda: ["numpy==2.4.6", "scipy==1.17.2"])
    assert bih.inputs_hash(tree) != before


def test_the_distributions_are_read_from_the_interpreter():
    """The real list holds the packages the chapters import, with their versions."""
    names = {d.split("==")[0] for d in bih._distributions()}
    assert {"numpy", "scipy", "matplotlib", "numba"} <= names


def test_the_repository_hash_is_stable():
    """Two calls on the real repository agree (no time stamp, no ordering by the file system)."""
    assert bih.inputs_hash() == bih.inputs_hash()
    labels = [label for label, _ in bih.inputs()]
    assert any(label.startswith("data/") for label in labels) and "cevns_lib/__init__.py" in labels
