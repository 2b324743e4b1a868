"""`tools/build_book.py --kernels-stamp`: the kernels compile in the background only when the stamp is stale."""

import importlib.util
import io
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_book", ROOT / "tools" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_book)


class _FakeProcess:
    def __init__(self, args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.stdout = io.StringIO("cevns_lib: compiling the profiling kernels (lock x)\ncompiled in 1.0 s\n")
        _FakeProcess.started.append(self)


@pytest.fixture
def files(tmp_path, monkeypatch):
    _FakeProcess.started = []
    monkeypatch.setattr(build_book.subprocess, "Popen", _FakeProcess)
    src, stamp = tmp_path / "_compiled.py", tmp_path / "stamp"
    src.write_text("x = 1\n")
    return src, stamp


def test_a_fresh_stamp_starts_nothing(files):
    src, stamp = files
    stamp.touch()
    os.utime(src, (1e9, 1e9))  # the source older than the stamp
    assert build_book.start_kernel_compilation(stamp, [src]) is None
    assert _FakeProcess.started == []


@pytest.mark.parametrize("stale", ["missing", "older"])
def test_a_stale_stamp_starts_the_compilation(files, stale):
    src, stamp = files
    if stale == "older":
        stamp.touch()
        os.utime(stamp, (1e9, 1e9))  # the stamp older than the source
    proc, thread = build_book.start_kernel_compilation(stamp, [src])
    thread.join()
    assert len(_FakeProcess.started) == 1
    assert proc.args[1:] == ["-m", "cevns_lib.likelihood.kernels", "--announce"]  # waits for the lock line
    assert proc.kwargs["preexec_fn"] is not None  # at a lower priority than the chapters
    assert not stamp.exists() or stale == "older"  # the stamp is touched only after the compilation succeeded


def test_a_missing_kernel_source_is_a_clear_error(files, tmp_path):
    _, stamp = files
    with pytest.raises(SystemExit, match="--kernel-sources: no such file"):
        build_book.start_kernel_compilation(stamp, [tmp_path / "nowhere.py"])
    assert _FakeProcess.started == []
