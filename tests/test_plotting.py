"""The book's figure style and the stacked post-fit spectrum builder."""
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cevns_lib import plotting  # noqa: E402


def test_style_sets_print_quality_and_restores():
    previous = plotting.use_book_style()
    try:
        assert matplotlib.rcParams["figure.dpi"] >= 150
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([0, 1], [0, 1])
        fig.canvas.draw()  # the raster the inline backend encodes, at figure.dpi
        width_px, _ = fig.canvas.get_width_height()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        assert width_px >= 4 * 150, width_px   # 4 inches at >= 150 dpi
        assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
        assert matplotlib.rcParams["legend.framealpha"] >= 0.8  # legends do not let curves show through
    finally:
        matplotlib.rcParams.update(previous)
    assert matplotlib.rcParams["figure.dpi"] == previous["figure.dpi"]


def test_stacked_spectrum_pulls_and_stack():
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    signal, background = np.array([4.0, 9.0, 0.0]), np.array([12.0, 16.0, 0.0])
    data = np.array([20.0, 20.0, 0.0])
    fig, (ax, axp) = plt.subplots(2, 1)
    pulls = plotting.stacked_spectrum(ax, axp, edges, data, {"bkg": background, "CEvNS": signal},
                                      xlabel="x")
    plt.close(fig)
    # hand-computed: (20 - 16)/4 = 1, (20 - 25)/5 = -1, empty bin 0
    np.testing.assert_allclose(pulls, [1.0, -1.0, 0.0])


def test_stacked_spectrum_refuses_mismatched_bins():
    fig, (ax, axp) = plt.subplots(2, 1)
    with pytest.raises(ValueError, match="one entry more"):
        plotting.stacked_spectrum(ax, axp, [0, 1, 2], [1.0, 2.0, 3.0], {}, xlabel="x")
    with pytest.raises(ValueError, match="component 'a'"):
        plotting.stacked_spectrum(ax, axp, [0, 1, 2], [1.0, 2.0], {"a": [1.0]}, xlabel="x")
    plt.close(fig)


def test_per_width_divides_by_the_bin_width_and_keeps_the_pulls():
    edges = np.array([0.0, 1.0, 3.0])
    data, comp = np.array([10.0, 10.0]), {"a": np.array([10.0, 10.0])}
    fig, (ax, axp) = plt.subplots(2, 1)
    pulls = plotting.stacked_spectrum(ax, axp, edges, data, comp, xlabel="x", per_width=True)
    heights = np.asarray(ax.containers[-1].lines[0].get_ydata())  # the errorbar markers
    plt.close(fig)
    np.testing.assert_allclose(pulls, 0.0)
    np.testing.assert_allclose(heights, [10.0, 5.0])   # data per unit width: 10/1 and 10/2


def test_postfit_figure_has_a_spectrum_and_a_pull_panel_per_observable():
    proj = {"x": {"edges": np.array([0.0, 1.0, 2.0]), "data": np.array([3.0, 4.0]),
                  "components": {"bkg": np.array([1.0, 1.0]), "CEvNS": np.array([2.0, 3.0])}}}
    fig = plotting.postfit_figure(proj, [("x", "x (unit)", False), ("x", "x again", True)])
    assert len(fig.axes) == 4
    plt.close(fig)


def test_sin2_figure_draws_every_point():
    from cevns_lib.measurements import LOW_ENERGY_SIN2

    fig = plotting.sin2_low_energy_figure([("CsI", 0.03, 0.23, 0.02, 0.03), ("LAr", 0.04, 0.3, float("nan"), 0.05)],
                                          LOW_ENERGY_SIN2, 0.23857, "SM")
    ax = fig.axes[0]
    assert len(ax.containers) == 2 + len(LOW_ENERGY_SIN2)   # one errorbar per point
    assert ax.get_xscale() == "log"
    plt.close(fig)


def test_sin2_figure_spreads_results_at_the_same_q():
    # two theory evaluations of one measurement (the APV points) must not be drawn on top of each other
    from cevns_lib.measurements import Sin2Measurement

    same = [Sin2Measurement("a", 0.01, 0.238, 0.001, "x", "k"), Sin2Measurement("b", 0.01, 0.241, 0.001, "x", "k")]
    fig = plotting.sin2_low_energy_figure([], same, 0.23857, "SM")
    xs = [c.lines[0].get_xdata()[0] for c in fig.axes[0].containers]
    assert len(xs) == 2 and xs[0] != xs[1] and all(0.008 < x < 0.0125 for x in xs)
    plt.close(fig)


def test_sin2_figure_labels_a_group_once_in_value_order():
    from cevns_lib.measurements import Sin2Measurement

    grp = [Sin2Measurement("G (hi)", 0.01, 0.241, 0.001, "x", "k", "G"),
           Sin2Measurement("G (lo)", 0.01, 0.236, 0.001, "x", "k", "G")]
    fig = plotting.sin2_low_energy_figure([], grp, 0.23857, "SM")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 1 and texts[0].index("lo") < texts[0].index("hi")   # left to right = by value
    plt.close(fig)


def test_published_sin2_values_are_sane():
    from cevns_lib.measurements import LOW_ENERGY_SIN2

    for m in LOW_ENERGY_SIN2:
        assert 1e-3 < m.q_gev < 1 and 0.23 < m.value < 0.245 and 0 < m.error < 0.005 and m.cite


def test_stacked_panel_stacks_per_unit_width_and_checks_shapes():
    fig, ax = plt.subplots()
    edges = np.array([0.0, 1.0, 3.0])          # unequal bins: widths 1 and 2
    total = plotting.stacked_panel(ax, edges, [("a", [1.0, 2.0], "C0"), ("b", [3.0, 4.0], "C1")],
                                   [4.0, 6.0], [2.0, 2.0], "x", "unit")
    assert np.allclose(total, [4.0, 6.0])
    top = ax.patches[-1]                        # the upper stair of the stack, per unit width
    ys = top.get_path().vertices[:, 1]
    assert np.isclose(ys.max(), 4.0) and np.any(np.isclose(ys, 3.0))   # 4/1 and 6/2, not 6
    assert ax.get_ylabel() == "events per unit"
    with pytest.raises(ValueError, match="component 'a'"):
        plotting.stacked_panel(ax, edges, [("a", [1.0], "C0")], [1.0, 1.0], [1.0, 1.0], "x", "u")
    plt.close(fig)
