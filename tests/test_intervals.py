"""Feldman-Cousins construction, batched toy data in the profiler, Dask reproducibility, and the CLI contract."""

import json

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import norm

from cevns_lib import intervals as iv
from cevns_lib.cli import main
from cevns_lib.fits import likelihood, without
from cevns_lib.likelihood import Likelihood, Nuisance


# --- toy data sets and prior centres in the profiler ---------------------------------------------------------
@pytest.fixture(scope="module")
def csi():
    return without(likelihood("csi"), "a0", "a5")


@pytest.fixture(scope="module")
def lar():
    return without(likelihood("lar"), "b0")


def _toys(lk, n, seed=1):
    rng = np.random.default_rng(seed)
    sig = lk.sm_signal[None] * 0.9
    _, a = lk.chi2_profiled(sig, return_nuisances=True)
    mu = lk.expected_counts(sig, a)[0]
    if lk.statistic == "poisson":
        d = rng.poisson(mu, size=(n, mu.size)).astype(float)
    else:
        d = mu + rng.standard_normal((n, mu.size)) * np.sqrt(lk.variance)
    sigma = np.array([0.0 if nu.sigma is None else nu.sigma for nu in lk.nuisances])
    return np.repeat(sig, n, axis=0), d, a + rng.standard_normal((n, sigma.size)) * sigma


@pytest.mark.parametrize("backend", ["compiled", "numpy"])
def test_batched_toy_data_equal_one_at_a_time(csi, lar, backend):
    """A batch of data sets (one per hypothesis) gives what fitting each data set alone gives."""
    for lk in (csi, lar):
        sig, d, cen = _toys(lk, 12)
        batch = lk.chi2_profiled(sig, data=d, prior_centre=cen, backend=backend)
        alone = [lk.chi2_profiled(sig[i:i + 1], data=d[i], prior_centre=cen[i:i + 1], backend=backend)[0]
                 for i in range(12)]
        np.testing.assert_allclose(batch, alone, rtol=1e-9, atol=1e-8)
        # the observed data passed explicitly = the default
        np.testing.assert_allclose(lk.chi2_profiled(sig[:2], data=lk.data, backend=backend),
                                   lk.chi2_profiled(sig[:2], backend=backend), rtol=1e-12)


def test_gaussian_prior_centre_is_a_shift_of_the_data(lar):
    """Gaussian chi^2: penalty (a - c)^2 p equals centre 0 with the data moved by -sum_k c_k A_k (a -> a + c)."""
    sig, d, cen = _toys(lar, 6)
    tm = lar.templates(sig[:1] if lar.signal_factor is None else sig[:1] * lar.signal_factor)[0]  # (K, B)
    shifted = d - cen @ tm
    np.testing.assert_allclose(lar.chi2_profiled(sig, data=d, prior_centre=cen),
                               lar.chi2_profiled(sig, data=shifted), rtol=1e-8)


def test_poisson_prior_centre_against_direct_minimisation(csi):
    """The shifted-centre Poisson profile equals a scipy minimisation of the chi^2 written out here."""
    sig, d, cen = _toys(csi, 3, seed=5)
    fast = csi.chi2_profiled(sig, data=d, prior_centre=cen)
    s = csi._as_signal(sig[:1])
    tm = csi.templates(s)[0]
    mu0 = s.sum(axis=1)[0] + csi.expected_background()
    prec = np.array([nu.precision for nu in csi.nuisances])
    for i in range(3):
        def f(a, i=i):
            mu = np.maximum(mu0 + a @ tm, 1e-300)
            n = d[i]
            dev = 2 * np.sum(mu - n + np.where(n > 0, n * np.log(np.where(n > 0, n, 1) / mu), 0.0))
            return dev + np.sum((a - cen[i]) ** 2 * prec)
        ref = minimize(f, cen[i] * (prec > 0), method="Nelder-Mead",
                       options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 40000, "maxfev": 40000})
        assert fast[i] == pytest.approx(ref.fun, abs=2e-4)
        assert fast[i] <= ref.fun + 1e-6


def _direct_chi2(lk, sig, es, n, centre):
    """chi^2(a) of one hypothesis written out here, over every (unmerged) nuisance: the Poisson deviance (a bin
    without events contributes 2 mu, of any sign) or the Gaussian sum, plus sum_k (a_k - c_k)^2 / sigma_k^2."""
    s = lk._as_signal(sig)
    e = None if es is None else lk._as_signal(es)
    tm = lk.templates(s, e)[0]
    mu0 = s.sum(axis=1)[0] + lk.expected_background() + (0.0 if e is None else e.sum(axis=1)[0])
    prec = np.array([nu.precision for nu in lk.nuisances])

    def f(a):
        mu = mu0 + a @ tm
        pen = np.sum((a - centre) ** 2 * prec)
        if lk.statistic == "gaussian":
            return np.sum((mu - n) ** 2 / lk.variance) + pen
        if np.any((mu <= 0) & (n > 0)):
            return np.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            log = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / np.where(n > 0, mu, 1.0)), 0.0)
        return 2 * np.sum(mu - n + log) + pen

    return f


@pytest.mark.parametrize("detector, with_es", [("csi", False), ("csi", True), ("lar", False)])
def test_prior_centres_with_merged_groups_and_normalisation(detector, with_es):
    """The full likelihoods: CsI's a0 and a5 have identical templates and are profiled as one parameter
    (centre = sum of the members' centres), and the signal normalisation is iterated as c = 1 + a. The profiled
    chi^2 equals a scipy minimisation over every nuisance separately, the returned nuisances reproduce it when
    inserted in the chi^2 written out here (the merged parameter split back about the shifted centres), and the
    compiled and numpy paths agree, also with electron scattering (a0 then acts on it, a5 not: no merged group),
    with one data set and centre per hypothesis."""
    lk = likelihood(detector)
    assert (lk._setup_es if with_es else lk._setup).groups[0] == ([0] if with_es or detector == "lar" else [0, 5])
    sig, d, cen = _toys(lk, 4, seed=9)
    sig = sig * np.linspace(0.8, 1.2, 4)[:, None, None]
    es = 0.05 * sig if with_es else None
    out = {}
    for backend in ("compiled", "numpy"):
        out[backend] = lk.chi2_profiled(sig, es, return_nuisances=True, data=d, prior_centre=cen, backend=backend)
    np.testing.assert_allclose(out["compiled"][0], out["numpy"][0], rtol=1e-10, atol=1e-8)
    # the nuisances to the accuracy the stopping rule implies: chi^2 within ~1e-10 of its minimum leaves a
    # weakly constrained direction (a7, unit prior) uncertain by ~sqrt(1e-10 / curvature) ~ 1e-5 at worst
    np.testing.assert_allclose(out["compiled"][1], out["numpy"][1], rtol=0, atol=1e-5)
    chi2, nuis = out["numpy"]
    for i in range(4):
        f = _direct_chi2(lk, sig[i:i + 1], None if es is None else es[i:i + 1], d[i], cen[i])
        assert f(nuis[i]) == pytest.approx(chi2[i], rel=1e-9, abs=1e-7)
        ref = minimize(f, cen[i] * 0.0, method="Powell", options={"xtol": 1e-10, "ftol": 1e-13, "maxfev": 200000})
        ref = minimize(f, ref.x, method="Nelder-Mead",
                       options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 60000, "maxfev": 60000})
        assert chi2[i] == pytest.approx(ref.fun, abs=2e-4)
        assert chi2[i] <= ref.fun + 1e-6
    # centres shifted: a different chi^2 (the centres are used), centres of zero: the default
    np.testing.assert_allclose(lk.chi2_profiled(sig, es, data=d, prior_centre=np.zeros(len(lk.nuisances))),
                               lk.chi2_profiled(sig, es, data=d), rtol=1e-12)
    assert np.all(np.abs(lk.chi2_profiled(sig, es, data=d) - chi2) > 1e-6)


def test_expected_counts_against_components(csi):
    """expected_counts = signal + backgrounds + sum_k a_k (template_k), per hypothesis, as `expected_at` sums."""
    lk = likelihood("csi")
    rng = np.random.default_rng(2)
    sig = lk.sm_signal[None] * np.array([0.7, 1.3])[:, None, None]
    a = rng.standard_normal((2, len(lk.nuisances))) * 0.1
    mu = lk.expected_counts(sig, a)
    for i in range(2):
        parts = lk.expected_at(sig[i:i + 1], a[i])
        np.testing.assert_allclose(mu[i], sum(parts.values()), rtol=1e-12)
    with pytest.raises(ValueError, match="nuisances"):
        lk.expected_counts(sig, np.zeros((3, len(lk.nuisances))))


def test_toy_data_rejected_when_malformed(csi):
    sig = csi.sm_signal[None]
    with pytest.raises(ValueError, match="data"):
        csi.chi2_profiled(sig, data=np.ones(98))
    with pytest.raises(ValueError, match="counts >= 0"):
        csi.chi2_profiled(sig, data=-np.ones(99))
    with pytest.raises(ValueError, match="NaN"):
        csi.chi2_profiled(sig, data=np.full(99, np.nan))
    with pytest.raises(ValueError, match="prior_centre"):
        csi.chi2_profiled(sig, prior_centre=np.zeros((1, 2)))


# --- the construction on a problem with a known answer --------------------------------------------------------
def gaussian_unit(x_obs=0.0, with_nuisance=False):
    """One bin, n ~ N(theta + b, 1), theta >= 0: the Gaussian mean with a physical boundary of FC (1998)."""
    nus = [Nuisance("b", 0.1, "background normalisation", absolute={"bkg": np.array([1.0])})] \
        if with_nuisance else []
    lk = Likelihood(name="unit", statistic="gaussian", data=np.array([x_obs + 10.0]),
                    backgrounds={"bkg": np.array([10.0])}, nuisances=nus, sm_signal=np.full((3, 1), 1 / 3),
                    shape=(1, 1), variance=np.array([1.0]))
    zero = np.zeros((3, 1))
    return iv.Problem("unit", (iv.Channel(lk, iv.QuadraticForm1D(zero, np.full((3, 1), 1 / 3), zero)),),
                      np.linspace(0.0, 6.0, 61))


def test_critical_value_at_the_boundary_and_far_from_it():
    """At theta = 0 half of the experiments fit theta = 0 (t = 0): P(t <= c) = 1/2 + 1/2 P(chi2_1 <= c), so
    c(90%) = z(0.9)^2 with z the 90% point of a unit normal (1.642); far from the boundary c = chi2_1 quantile."""
    res = iv.construct(gaussian_unit(), [0.0, 4.0], toys=6000, seed=3)
    c = res.critical(0.90)
    assert c[0] == pytest.approx(norm.ppf(0.9) ** 2, abs=0.12)
    assert c[1] == pytest.approx(iv.wilks_level(0.90), abs=0.2)
    assert np.mean(res.t_toys[0] == 0.0) == pytest.approx(0.5, abs=0.03)
    assert res.wilks_coverage(iv.CL_1SIGMA)[1] == pytest.approx(iv.CL_1SIGMA, abs=0.02)


def test_fc_upper_limit_for_a_null_observation():
    """FC (1998) Table X: x_obs = 0 gives the 90% interval [0, 1.64] for a unit Gaussian, theta >= 0."""
    res = iv.construct(gaussian_unit(0.0), np.linspace(0.0, 2.4, 13), toys=3000, seed=11)
    (lo, hi), = res.interval(0.90)
    assert lo == 0.0
    assert hi == pytest.approx(1.64, abs=0.08)
    assert res.closed(0.90)


def test_seeded_results_reproducible_and_independent_of_chunking():
    prob = gaussian_unit(0.5, with_nuisance=True)
    a = iv.construct(prob, [0.5, 1.0, 2.0], toys=400, seed=7)
    b = iv.construct(prob, [0.5, 1.0, 2.0], toys=400, seed=7)
    np.testing.assert_array_equal(a.t_toys, b.t_toys)
    # point j uses child j of the master seed whatever the other points are
    c = iv.construct(prob, [0.5, 1.0], toys=400, seed=7)
    np.testing.assert_array_equal(a.t_toys[:2], c.t_toys)
    d = iv.construct(prob, [0.5, 1.0, 2.0], toys=400, seed=8)
    assert not np.array_equal(a.t_toys, d.t_toys)


def test_dask_workers_give_the_in_process_result():
    pytest.importorskip("dask.distributed")
    from cevns_lib.parallel import cluster

    prob = gaussian_unit(0.5, with_nuisance=True)
    here = iv.construct(prob, [0.5, 1.0, 2.0], toys=300, seed=4)
    with cluster(workers=2) as client:
        there = iv.construct(prob, [0.5, 1.0, 2.0], toys=300, seed=4, client=client)
        with cluster(scheduler=client.scheduler.address) as remote:  # --scheduler: a running scheduler
            again = iv.construct(prob, [0.5, 1.0, 2.0], toys=300, seed=4, client=remote)
    np.testing.assert_array_equal(here.t_toys, there.t_toys)
    np.testing.assert_array_equal(here.t_obs, there.t_obs)
    np.testing.assert_array_equal(here.t_toys, again.t_toys)
    with pytest.raises(ValueError, match="either"):
        with cluster(workers=2, scheduler="tcp://127.0.0.1:1"):
            pass


def test_quadratic_form_from_function_refuses_a_non_quadratic_model():
    f = lambda th: np.ones((np.size(th), 3, 2)) * np.exp(np.asarray(th))[:, None, None]  # noqa: E731
    with pytest.raises(ValueError, match="not a quadratic form"):
        iv.QuadraticForm1D.from_function(f, [0.0, 1.0, 2.0], 0.5)
    g = lambda th: np.ones((np.size(th), 3, 2)) * (1 + np.asarray(th) ** 2)[:, None, None]  # noqa: E731
    form = iv.QuadraticForm1D.from_function(g, [0.0, 1.0, 2.0], 0.5)
    np.testing.assert_allclose(form(np.array([3.0])), g(np.array([3.0])))


def test_bad_construction_input():
    prob = gaussian_unit()
    with pytest.raises(ValueError, match="toys"):
        iv.construct(prob, [1.0], toys=0)
    with pytest.raises(ValueError, match="seed"):
        iv.construct(prob, [1.0], toys=10, seed=-1)
    with pytest.raises(ValueError, match="physical range"):
        iv.construct(prob, [-1.0], toys=10)


# --- the CLI contract ---------------------------------------------------------------------------------------
def test_cli_fit_fc_keys_and_agreement_with_wilks(capsys):
    """CsI CEvNS count, far from any boundary: FC and Wilks 68% intervals agree within 15% (done-when)."""
    assert main(["fit", "--dataset", "csi", "--param", "cevns", "--method", "fc", "--toys", "300", "--seed", "2",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "fc" and out["toys"] == 300
    lo, hi = out["interval_68"]
    wlo, whi = out["interval_68_wilks"]
    assert wlo == pytest.approx(out["best"] - out["minus"]) and whi == pytest.approx(out["best"] + out["plus"])
    assert abs((hi - lo) / (whi - wlo) - 1) < 0.15
    assert abs(lo - wlo) < 0.15 * (whi - wlo) and abs(hi - whi) < 0.15 * (whi - wlo)


def test_cli_wilks_default_unchanged(capsys):
    assert main(["fit", "--dataset", "lar", "--param", "cevns", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "wilks"
    assert "interval_68" not in out and "toys" not in out


@pytest.mark.parametrize("argv, message", [
    (["fit", "--dataset", "csi", "--method", "fc", "--toys", "0"], "--toys must be an integer >= 1"),
    (["nsi", "--dataset", "csi", "--param", "uV_ee", "--method", "fc", "--toys", "-2"], "--toys"),
    (["em", "--dataset", "csi", "--param", "mu_nue", "--method", "fc", "--workers", "0"], "--workers"),
    (["fit", "--dataset", "csi", "--method", "fc", "--seed", "-1"], "--seed"),
    (["fit", "--dataset", "lar", "--param", "rn", "--method", "fc"], "--method fc supports"),
    (["fit", "--dataset", "csi", "--method", "fc", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
     "not both"),
    (["fit", "--dataset", "csi", "--method", "bayes"], "invalid choice"),
])
def test_cli_rejects_bad_fc_options(capsys, argv, message):
    """Bad values: one line on stderr naming the option, exit 2, before any fit is run."""
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["nsi", "--dataset", "lar", "--param", "uV_ee"],
                                     ["em", "--dataset", "lar", "--param", "mu_numu"]])
def test_cli_nsi_em_fc_keys(capsys, command):
    """--method fc: FC pieces under the existing keys, the Wilks ones beside them unchanged."""
    assert main(command + ["--json"]) == 0
    wilks = json.loads(capsys.readouterr().out)
    assert main(command + ["--method", "fc", "--toys", "30", "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "fc" and out["toys"] == 30 and wilks["method"] == "wilks"
    assert out["interval_90_wilks"] == wilks["interval_90"]
    assert out["interval_2sigma_wilks"] == wilks["interval_2sigma"]
    for key in ("interval_90", "interval_2sigma"):
        assert isinstance(out[key], list) and out[key] and all(lo <= hi for lo, hi in out[key])


def test_quadratic_form_from_counts_matches_direct_evaluation():
    """c1 = 2 N01 (the cross term counts twice): the form at eps = 0.3 equals the engine's counts of the model
    evaluated at that value."""
    from cevns_lib.models.nsi import VectorNSI
    from cevns_lib.rates import engine

    form = iv.QuadraticForm1D.from_quadratic_counts(engine("lar").quadratic_counts(VectorNSI(["uV_ee"])))
    direct = engine("lar").counts(VectorNSI(["uV_ee"], [0.3])).reshape(3, -1)
    np.testing.assert_allclose(form(np.array([0.3]))[0], direct, rtol=1e-9, atol=1e-12)


def test_vertex_of_a_parabola_and_pieces():
    grid = np.linspace(0.0, 2.0, 11)
    chi2 = np.stack([(grid - 0.73) ** 2, (grid - 2.5) ** 2, (grid + 0.4) ** 2])
    np.testing.assert_allclose(iv._vertex(grid, chi2), [0.73, 2.0, 0.0], atol=1e-12)
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    assert iv.pieces(x, np.array([1.0, -1.0, 1.0, -1.0, -1.0])) == [[0.5, 1.5], [2.5, 4.0]]
    assert iv.pieces(x, np.ones(5)) == []


def test_boundary_delta_function_survives_the_profilers_tolerance():
    """B-L at 10 MeV on CsI (Poisson, compiled kernel with warm starts): at g = 0, on the boundary, about half the
    toys fit g = 0, i.e. t = 0 exactly. The same hypothesis is profiled twice (as the tested value and as the
    fit grid's first point, from different starting points), which agree only to the profiler's tolerance:
    without `T_RESOLUTION` most of those t would be ~1e-12 instead of 0."""
    from cevns_lib import fc_analyses as fa

    assert 1e-10 < iv.T_RESOLUTION <= 1e-6
    prob, _, _ = fa.fit_problem(fa.zprime_problem("b-l", 10.0, "csi", g_max=1.1e-4), n_fit=21)
    res = iv.construct(prob, [0.0], toys=200, seed=4)
    assert 0.35 < np.mean(res.t_toys[0] == 0.0) < 0.65
    assert np.all(res.t_toys[0] >= 0.0)
