"""The command line: help of every registered command, one-line errors for every command, the new options.

The help and error tests are parametrised over `cli.COMMANDS`, so every command registered with `@command`
(including ones added later) gets them.
"""

import dataclasses
import json
import shlex
import subprocess
import sys

import pytest

from cevns_lib import cli
from cevns_lib.data import DataIntegrityError

NAMES = sorted(cli.COMMANDS)


def run(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def example_argv(c):
    words = shlex.split(c.examples[0])
    assert words[:3] == ["python", "-m", "cevns_lib"], c.examples[0]
    return words[3:]


def test_top_level_help_lists_every_command(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "option_strings" not in out and "%(" not in out
    for name in NAMES:
        assert name in out
    assert "examples:" in out


@pytest.mark.parametrize("name", NAMES)
def test_help_of_every_command(capsys, name):
    c = cli.COMMANDS[name]
    assert c.description and c.help and c.examples, name
    code, out, err = run(capsys, name, "--help")
    assert code == 0 and not err
    assert "option_strings" not in out and "%(" not in out and "%%" not in out
    assert "examples:" in out and f"python -m cevns_lib {name}" in out
    assert " ".join(c.description.replace("%%", "%").split()[:6]) in " ".join(out.split())
    if "--config" in out:  # the default of every data set is stated and both chi^2 are explained
        flat = " ".join(out.split())
        for dataset, config in cli.DEFAULT_CONFIGURATION.items():
            assert f"{config} for {dataset}" in flat
        assert "De Romeri et al. (2023)" in flat and "Atzori Corona et al. (2022)" in flat


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("error", [ValueError("bad input\non two lines"), DataIntegrityError("file x altered")])
def test_every_command_turns_errors_into_one_line(capsys, monkeypatch, name, error):
    def fail(args):
        raise error

    monkeypatch.setitem(cli.COMMANDS, name, dataclasses.replace(cli.COMMANDS[name], run=fail))
    code, out, err = run(capsys, *example_argv(cli.COMMANDS[name]))
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"python -m cevns_lib {name}: error: ") and " ".join(str(error).split()) in err


@pytest.mark.parametrize("name", NAMES)
def test_every_command_rejects_unknown_options_in_one_line(capsys, name):
    code, _, err = run(capsys, *example_argv(cli.COMMANDS[name]), "--no-such-option")
    assert code == 2 and err.count("\n") == 1 and "--no-such-option" in err


def test_registering_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        cli.command("predict", help="x", description="x", examples=["python -m cevns_lib predict"])(lambda a: 0)


def test_limits_at_a_mass_sits_between_the_two_regimes(capsys):
    """g(M) at M -> 0 equals the low-mass bound; at M^2 >> q^2 g(M)/M equals the high-mass bound on g/M."""
    code, out, _ = run(capsys, "limits", "--model", "b-l", "--dataset", "lar", "--mass", "0.001", "--json")
    low = json.loads(out)
    assert code == 0 and low["mass_mev"] == 0.001 and low["configuration"] == cli.DEFAULT_CONFIGURATION["lar"]
    assert low["g_at_mass"] == pytest.approx(low["g_low_mass"], rel=0.01)
    code, out, _ = run(capsys, "limits", "--model", "b-l", "--dataset", "lar", "--mass", "20000", "--json")
    high = json.loads(out)
    assert high["g_at_mass"] / 20.0 == pytest.approx(high["g_over_m_high_mass_per_GeV"], rel=0.01)  # M in GeV
    code, out, _ = run(capsys, "limits", "--model", "b-l", "--dataset", "lar", "--mass", "50")
    assert code == 0 and "g (M = 50 MeV)" in out


def test_unconstrained_nsi_coupling_is_said_so(capsys):
    code, out, _ = run(capsys, "nsi", "--dataset", "lar", "--param", "uV_tautau")
    assert code == 0 and "unconstrained" in out and "[-2.000, +2.000]" not in out
    code, out, _ = run(capsys, "nsi", "--dataset", "lar", "--param", "uV_tautau", "--json")
    res = json.loads(out)
    assert res["unconstrained_90"] and res["unconstrained_2sigma"] and res["best"] is None
    code, out, _ = run(capsys, "nsi", "--dataset", "lar", "--param", "uV_ee", "--json")
    res = json.loads(out)
    assert not res["unconstrained_90"] and res["interval_90"] and res["best"] is not None


def test_verify_data_json(capsys):
    code, out, _ = run(capsys, "verify-data", "--json")
    res = json.loads(out)
    assert code == 0 and not res["problems"] and len(res["verified"]) >= 30


def test_import_is_light_and_api_is_documented():
    code = ("import sys, cevns_lib as cl; assert 'numba' not in sys.modules and 'scipy' not in sys.modules; "
            "names = ['predict', 'fit', 'limits', 'nsi_interval', 'model', 'engine', 'chi2', 'exclusion_scan', "
            "'verify_data']; assert all(len(getattr(cl, n).__doc__) > 100 for n in names); "
            "assert 'numba' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_readme_library_snippet_runs():
    """The README's "Using the library" block is the public API's contract: it must run as written."""
    import pathlib
    import re

    text = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = re.search(r"## Using the library\s+```python\n(.*?)```", text, re.S).group(1)
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["counts"].shape == (3, 9, 11)


def test_combined_cevns_fit_lies_between_the_detectors(capsys):
    """csi+lar fits one signal strength CEvNS/SM: its chi^2 is the sum of the two profiles, so its minimum lies
    between the detectors' own minima and its chi2_min is at least the sum of theirs."""
    import numpy as np

    from cevns_lib import fits

    code, out, _ = run(capsys, "fit", "--dataset", "csi+lar", "--param", "cevns", "--json")
    comb = json.loads(out)["combined"]
    mins, chi2_min = [], 0.0
    for d in ("csi", "lar"):
        p = fits.profile_cevns(d)
        mins.append(fits.CEVNS_SCALE_GRID[int(np.argmin(p.chi2))])
        chi2_min += p.chi2_min
    step = fits.CEVNS_SCALE_GRID[1] - fits.CEVNS_SCALE_GRID[0]
    assert min(mins) - step <= comb["best"] <= max(mins) + step
    assert comb["chi2_min"] >= chi2_min - 1e-6 and comb["ndof"] > 150
    code, out, _ = run(capsys, "fit", "--dataset", "csi+lar", "--param", "cevns")
    assert "combined: CEvNS / SM" in out


def test_api_chi2_is_the_likelihood_at_the_prediction():
    import cevns_lib as cl
    from cevns_lib.likelihood import lar_likelihood

    lk = lar_likelihood()
    assert cl.chi2(None, "lar") == pytest.approx(float(lk.chi2_profiled(lk.sm_signal[None])[0]), rel=1e-12)
    assert cl.chi2(cl.model("b-l", mass_mev=10.0, coupling=1e-3), "lar") > cl.chi2(None, "lar") + 4
