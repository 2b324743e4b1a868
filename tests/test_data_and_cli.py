"""Data integrity (checksums), nuclei table, and the `predict` command line."""

import json

import pytest

from cevns_lib import data
from cevns_lib.cli import main
from cevns_lib.nuclei import UnknownNucleusError, known_nuclei, nucleus




def test_every_shipped_file_verifies():
    names = data._checksums(str(data.data_dir()))
    assert len(names) >= 30
    for name in names:
        assert data.read_bytes(name)


def test_altered_file_is_refused(data_copy):
    target = data_copy / "csi-2021" / "effCoefficients.txt"
    target.write_text(target.read_text().replace("10.8646", "10.8647"))
    with pytest.raises(data.DataIntegrityError, match="effCoefficients.txt has been altered"):
        data.coefficient_rows("csi-2021/effCoefficients.txt")


def test_missing_file_is_refused(data_copy):
    (data_copy / "lar-2020" / "cevnspdf.txt").unlink()
    with pytest.raises(data.DataIntegrityError, match="cevnspdf.txt is missing"):
        data.load_table("lar-2020/cevnspdf.txt")


def test_unlisted_file_is_refused():
    with pytest.raises(data.DataIntegrityError, match="not listed"):
        data.read_bytes("csi-2021/snsFlux2D.root")


def test_nuclei():
    cs = nucleus("Cs133")
    assert cs.N == 78 and cs.mass_mev == pytest.approx(132.905451961 * 931.49410242 - 55 * 0.51099895, rel=1e-12)
    assert nucleus("ar").name == "Ar40"
    assert 3.3 < nucleus("Ar40").proton_radius_fm < 3.4
    assert set(known_nuclei()) >= {"Cs133", "I127", "Ar40", "Na23", "Ge76", "Xe132"}
    with pytest.raises(UnknownNucleusError, match="unknown nucleus 'Pb208'"):
        nucleus("Pb208")


def test_predict_json(capsys):
    assert main(["predict", "--detector", "csi", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["detector"] == "csi"
    assert set(out["by_flavour"]) == {"nu_e", "nu_mu", "nu_mu_bar"}
    assert out["cevns_total"] == pytest.approx(sum(out["by_flavour"].values()))
    assert len(out["binned"]) == 9 and len(out["binned"][0]) == 11


def test_predict_text(capsys):
    assert main(["predict", "--detector", "lar"]) == 0
    text = capsys.readouterr().out
    assert "total:" in text and "nu_mu_bar" in text and "keVee" in text


def test_predict_rejects_unknown_detector(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "--detector", "xenon"])
    assert "invalid choice" in capsys.readouterr().err


def test_fit_json(capsys):
    assert main(["fit", "--dataset", "csi+lar", "--param", "cevns", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"dataset", "param", "best", "minus", "plus", "chi2_min", "ndof"}
    assert out["dataset"] == "csi+lar" and set(out["best"]) == {"csi", "lar"}
    assert main(["fit", "--dataset", "csi", "--param", "sin2thetaW", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 0.1 < out["best"] < 0.4 and out["ndof"] > 90
