"""Run the bad-input suite (tests/test_bad_input.py CASES) and count the outcomes by class.

    PYTHONPATH=. python tools/bad_input_probe.py [--verbose]

Classes: clear (a ValueError whose message matches the case's parameter name, or a one-line CLI error with exit 2),
obscure (any other exception, or a CLI traceback / multi-line error), nan (returned NaN or infinity), absurd and
plausible (returned a finite result: the case's own label says which; "plausible" = a wrong but plausible number).
Run it with an older copy of the package first on PYTHONPATH to count the outcomes before a change.
"""

from __future__ import annotations

import collections
import re
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def _nonfinite(value) -> bool:
    if isinstance(value, dict):
        return any(_nonfinite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_nonfinite(v) for v in value)
    if isinstance(value, str):
        return bool(re.search(r"\b(nan|inf)\b", value, re.I))
    try:
        arr = np.asarray(value, dtype=complex)
    except (TypeError, ValueError):
        return False
    return not np.all(np.isfinite(arr))


def classify(call, match, accepted) -> tuple[str, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call()
    except ValueError as err:
        if re.search(match, str(err)):
            return "clear", str(err)[:100]
        return "obscure", f"{type(err).__name__}: {str(err)[:100]}"
    except Exception as err:  # noqa: BLE001 - every failure is classified
        return "obscure", f"{type(err).__name__}: {str(err)[:100]}"
    if _nonfinite(result):
        return "nan", "returned NaN or infinity"
    if accepted == "nan":
        return "nan", "accepted silently; NaN follows downstream"
    return accepted, "returned a finite result"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    import test_bad_input as suite

    counts = collections.Counter()
    for param in suite.CASES:
        call, match, accepted = param.values
        outcome, detail = classify(call, match, accepted)
        counts[outcome] += 1
        if "--verbose" in argv or outcome != "clear":
            print(f"{outcome:>9}  {param.id}: {detail}")
    total = sum(counts.values())
    print(f"\n{total} cases: " + ", ".join(f"{k} {counts[k]}" for k in ("clear", "obscure", "nan", "absurd",
                                                                          "plausible")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
