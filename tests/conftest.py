"""Fixtures shared by the test modules."""

import os
import shutil

import pytest
from hypothesis import settings

from cevns_lib import data

# CI (.ci/run) runs the property tests on hypothesis's fixed examples, so that a run is reproducible; a local
# run draws new examples each time (and keeps failing ones in .hypothesis/), which is how new edge cases are found.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A writable copy of data/ that the library reads instead (CEVNS_DATA_DIR), for tests that alter files."""
    dst = tmp_path / "data"
    shutil.copytree(data.data_dir(), dst)
    monkeypatch.setenv("CEVNS_DATA_DIR", str(dst))
    data._checksums.cache_clear()
    yield dst
    data._checksums.cache_clear()
