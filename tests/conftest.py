"""Fixtures shared by the test modules."""

import shutil

import pytest

from cevns_lib import data


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A writable copy of data/ that the library reads instead (CEVNS_DATA_DIR), for tests that alter files."""
    dst = tmp_path / "data"
    shutil.copytree(data.data_dir(), dst)
    monkeypatch.setenv("CEVNS_DATA_DIR", str(dst))
    data._checksums.cache_clear()
    yield dst
    data._checksums.cache_clear()
