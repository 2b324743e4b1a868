"""Access to the COHERENT data releases shipped in the project's `data/` folder, checksum-verified.

Every file is looked up in `data/SHA256SUMS`; opening a file that is missing, unlisted or whose SHA-256 differs
from the recorded one raises `DataIntegrityError` naming the file. Releases:

* csi-2021: COHERENT, PRL 129 (2022) 081801, ancillary files of arXiv:2110.07730;
* lar-2020: COHERENT, PRL 126 (2021) 012002 "Analysis A", Zenodo 10.5281/zenodo.3903810, arXiv:2006.12659;
* csi-2017: COHERENT, Science 357 (2017) 1123, Zenodo 10.5281/zenodo.1228631 (arrival-time PDFs only).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
from pathlib import Path

import numpy as np
import yaml


class DataIntegrityError(RuntimeError):
    """A data file is missing, not listed in SHA256SUMS, or altered."""


def data_dir() -> Path:
    """The project's data folder (override with the CEVNS_DATA_DIR environment variable)."""
    env = os.environ.get("CEVNS_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


@functools.lru_cache(maxsize=4)
def _checksums(root: str) -> dict[str, str]:
    path = Path(root) / "SHA256SUMS"
    if not path.is_file():
        raise DataIntegrityError(f"checksum list {path} is missing")
    sums = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            parts = line.split(maxsplit=1)
            if len(parts) != 2 or len(parts[0]) != 64:
                raise DataIntegrityError(f"checksum list {path}, line {number}: expected '<sha256> <file>', "
                                         f"got {line[:60]!r}")
            digest, name = parts
            sums[name.strip().lstrip("*").removeprefix("./")] = digest
    return sums


def verify_all(root=None) -> dict:
    """Verify every file listed in data/SHA256SUMS and look for files that are not listed.

    Returns {"root", "verified": [names], "problems": [one-line descriptions]} (altered, missing, unlisted files).
    `SHA256SUMS` itself is the only file that needs no entry.
    """
    root = Path(root) if root is not None else data_dir()
    sums = _checksums(str(root))
    verified, problems = [], []
    for name, recorded in sorted(sums.items()):
        path = root / name
        if not path.is_file():
            problems.append(f"{name} is missing")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != recorded:
            problems.append(f"{name} has been altered (SHA-256 {digest[:12]}... differs from {recorded[:12]}...)")
        else:
            verified.append(name)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if name != "SHA256SUMS" and name not in sums:
            problems.append(f"{name} is unlisted (not in SHA256SUMS)")
    return {"root": str(root), "verified": verified, "problems": problems}


def verify_data(root=None) -> int:
    """Verify the whole data folder (`verify_all`); raise DataIntegrityError with a one-line summary on any problem.

    Returns the number of verified files.
    """
    report = verify_all(root)
    if report["problems"]:
        n = len(report["problems"])
        raise DataIntegrityError(f"{n} problem{'s' if n > 1 else ''} in {report['root']}: "
                                 + "; ".join(report["problems"]))
    return len(report["verified"])


def read_bytes(relpath: str) -> bytes:
    """Bytes of data/`relpath`, after verifying its SHA-256 against data/SHA256SUMS."""
    root = data_dir()
    sums = _checksums(str(root))
    if relpath not in sums:
        raise DataIntegrityError(f"data file {relpath!r} is not listed in {root / 'SHA256SUMS'}")
    path = root / relpath
    if not path.is_file():
        raise DataIntegrityError(f"data file {path} is missing")
    blob = path.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != sums[relpath]:
        raise DataIntegrityError(
            f"data file {path} has been altered: SHA-256 {digest[:16]}... differs from the recorded "
            f"{sums[relpath][:16]}...")
    return blob


def read_text(relpath: str) -> str:
    return read_bytes(relpath).decode("utf-8")


def load_table(relpath: str, **kwargs) -> np.ndarray:
    """A whitespace- or comma-separated numeric table (comments '#') from a verified file."""
    text = read_text(relpath)
    if "," in text.split("\n", 3)[-1][:200] and kwargs.get("delimiter") is None:
        kwargs["delimiter"] = ","
    return np.loadtxt(io.StringIO(text), comments="#", ndmin=2, **kwargs)


def load_yaml(relpath: str) -> dict:
    """A checksummed YAML file, parsed safely (with libyaml's parser where PyYAML has it: ~10x faster, the same
    safe constructors)."""
    return yaml.load(read_text(relpath), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def coefficient_rows(relpath: str) -> list[np.ndarray]:
    """Non-comment rows of a coefficient file (effCoefficients.txt, scintRespCoefficients.txt), in order."""
    rows = []
    for line in read_text(relpath).splitlines():
        s = line.strip()
        if s and not s.startswith("#"):
            rows.append(np.array([float(v) for v in s.split()]))
    return rows
