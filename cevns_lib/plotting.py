"""The book's figure style and reusable plot builders (matplotlib; imported only by chapters and tools).

``use_book_style()`` sets print-quality defaults once per chapter: figures rendered at ``DPI`` (150) dots per
inch, tick labels and legends large enough to read when the page scales a figure to its column, legends with
an opaque frame so that they do not hide the curves they sit on.

``stacked_spectrum`` draws a post-fit spectrum: the data with Poisson (sqrt N) error bars, the fitted signal and
backgrounds stacked, and the pulls (data − fit)/sqrt(fit) in a panel below.

``stacked_panel`` draws a pre-fit comparison in one panel: the expected components stacked and the data with
given errors (for background-subtracted data), both per unit of the x axis.
"""
from __future__ import annotations

import numpy as np

DPI = 150

BOOK_STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.labelsize": 10,
    "axes.titlesize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8.5,
    "legend.frameon": True,
    "legend.framealpha": 0.9,
    "legend.edgecolor": "0.8",
    "legend.loc": "best",
    "lines.linewidth": 1.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def use_book_style() -> dict:
    """Apply ``BOOK_STYLE`` to matplotlib's rcParams and return the previous values of the keys it sets.

    The inline backend of the Jupyter kernel renders a figure at ``figure.dpi``, so after this call every
    figure of the chapter is a PNG at ``DPI`` dots per inch.
    """
    import matplotlib as mpl

    previous = {k: mpl.rcParams[k] for k in BOOK_STYLE}
    mpl.rcParams.update(BOOK_STYLE)
    return previous


def stacked_spectrum(ax, ax_pull, edges, data, components, *, xlabel: str, ylabel: str = "events per bin",
                     colors=None, data_label: str = "data", per_width: bool = False):
    """Data with sqrt(N) error bars over the stacked ``components`` (an ordered mapping label -> counts per bin).

    ``edges`` has one entry more than ``data``; the first component is drawn at the bottom of the stack.
    ``per_width``: draw counts divided by the bin width (for unequal bins; the pulls are unaffected).
    Pulls (data − total)/sqrt(total) go into ``ax_pull`` (0 where the total is 0). Returns the pulls.
    """
    edges = np.asarray(edges, float)
    data = np.asarray(data, float)
    if edges.ndim != 1 or edges.size != data.size + 1:
        raise ValueError(f"edges must have one entry more than data, got {edges.size} and {data.size}")
    if np.any(np.diff(edges) <= 0):
        raise ValueError("edges must increase")
    scale = 1.0 / np.diff(edges) if per_width else np.ones(data.size)
    bottom = np.zeros_like(data)
    for k, (label, counts) in enumerate(components.items()):
        counts = np.asarray(counts, float)
        if counts.shape != data.shape:
            raise ValueError(f"component {label!r} has shape {counts.shape}, data {data.shape}")
        color = None if colors is None else colors[k]
        ax.stairs(scale * (bottom + counts), edges, baseline=scale * bottom, fill=True, alpha=0.85, label=label,
                  color=color)
        bottom = bottom + counts
    ax.stairs(scale * bottom, edges, color="k", lw=1.0, label="total fit")
    centres = 0.5 * (edges[1:] + edges[:-1])
    ax.errorbar(centres, scale * data, yerr=scale * np.sqrt(np.clip(data, 0, None)), fmt="o", ms=3.5, color="k",
                capsize=0, lw=1, label=data_label, zorder=5)
    ax.set_ylabel(ylabel)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        pulls = np.where(bottom > 0, (data - bottom) / np.sqrt(np.where(bottom > 0, bottom, 1.0)), 0.0)
    ax_pull.axhspan(-1, 1, color="0.9", zorder=0)
    ax_pull.axhline(0, color="0.5", lw=0.6)
    ax_pull.plot(centres, pulls, "o", ms=3.5, color="k")
    ax_pull.set_xlim(edges[0], edges[-1])
    lim = max(3.0, float(np.ceil(np.abs(pulls).max() + 0.5)))
    ax_pull.set_ylim(-lim, lim)
    ax_pull.set_ylabel("pull")
    ax_pull.set_xlabel(xlabel)
    return pulls


def stacked_panel(ax, edges, components, data_counts, data_err, xlabel: str, unit: str):
    """Stacked expectation and data points in ``ax``, all divided by the bin width (events per ``unit``).

    ``components``: a sequence of (label, counts per bin, colour), the first at the bottom of the stack.
    ``data_counts``, ``data_err``: the data per bin and its 1σ error (e.g. sqrt(C + AC) after a subtraction).
    Returns the stacked total per bin (counts, not per unit).
    """
    edges = np.asarray(edges, float)
    width = np.diff(edges)
    if edges.ndim != 1 or np.any(width <= 0):
        raise ValueError("edges must be a 1-D increasing array")
    data_counts, data_err = np.asarray(data_counts, float), np.asarray(data_err, float)
    if data_counts.shape != width.shape or data_err.shape != width.shape:
        raise ValueError(f"data and errors need {width.size} bins, got {data_counts.shape} and {data_err.shape}")
    base = np.zeros(width.size)
    for label, counts, color in components:
        counts = np.asarray(counts, float)
        if counts.shape != width.shape:
            raise ValueError(f"component {label!r} has shape {counts.shape}, expected {width.shape}")
        ax.stairs((base + counts) / width, edges, baseline=base / width, fill=True, color=color, alpha=0.8,
                  label=label)
        base = base + counts
    centres = 0.5 * (edges[1:] + edges[:-1])
    ax.errorbar(centres, data_counts / width, yerr=data_err / width, xerr=width / 2, fmt="ko", ms=3, label="data")
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set(xlabel=xlabel, ylabel=f"events per {unit}")
    return base


STACK_COLORS = ("0.75", "#d9a33a", "#8c6bb1", "#3b7dd8")  # bottom (steady state) ... top (CEvNS)


def postfit_figure(projections: dict, panels, title: str = ""):
    """One column per observable: stacked post-fit spectrum above, pulls below (``cevns_lib.postfit`` output).

    panels: sequence of (key, x label, per_width) with key in ``projections``. Returns the figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(panels), figsize=(3.6 * len(panels), 4.4), sharex="col",
                             gridspec_kw={"height_ratios": [3, 1], "hspace": 0.06}, squeeze=False)
    for col, (key, xlabel, per_width) in enumerate(panels):
        p = projections[key]
        stacked_spectrum(axes[0, col], axes[1, col], p["edges"], p["data"], p["components"], xlabel=xlabel,
                         colors=STACK_COLORS[-len(p["components"]):], per_width=per_width,
                         ylabel="events per μs" if per_width else "events per bin")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="upper center", ncol=len(labels), frameon=False,
               bbox_to_anchor=(0.5, 1.0))
    if title:
        fig.suptitle(title, y=1.06)
    fig.subplots_adjust(left=0.1 / len(panels) + 0.04, right=0.985, bottom=0.13, top=0.86, wspace=0.32)
    return fig


def sin2_low_energy_figure(book_points, measurements, sm_value: float, sm_label: str):
    """sin^2 theta_W against momentum transfer Q (GeV, log axis): the book's points and published ones.

    book_points: sequence of (label, q_gev, best, minus, plus) (an open side, NaN, is drawn as an arrow-less
    one-sided bar to the axis edge); measurements: `cevns_lib.measurements.Sin2Measurement` items (those at the
    same Q are spread sideways by a few per cent so that they stay apart).
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.axhline(sm_value, color="C3", ls="--", lw=1.2, label=sm_label)
    markers = iter("osD^v")
    for label, q, best, minus, plus in book_points:
        lo = 0.0 if minus != minus else minus
        hi = 0.0 if plus != plus else plus
        ax.errorbar([q], [best], yerr=[[lo], [hi]], fmt=next(markers), ms=5, capsize=3, label=label)
    # published points in clusters of nearby Q (within 20 %): in each cluster the lower values are labelled below,
    # the higher above, and results at the very same Q (one measurement, several theory inputs) are spread sideways
    # by a few per cent in Q, so that their error bars and labels do not overlap
    clusters: list[list] = []
    for m in sorted(measurements, key=lambda m: m.q_gev):
        if clusters and m.q_gev < 1.2 * clusters[-1][0].q_gev:
            clusters[-1].append(m)
        else:
            clusters.append([m])
    for cluster in clusters:
        n_same = sum(1 for m in cluster if m.q_gev == cluster[0].q_gev)
        group = cluster[0].group if n_same == len(cluster) > 1 else ""
        if group and any(m.group != group for m in cluster):
            group = ""
        ordered = sorted(cluster, key=lambda m: m.value)
        xs = []
        for k, m in enumerate(ordered):
            q = m.q_gev * 10 ** (0.05 * (k - 0.5 * (n_same - 1))) if n_same > 1 else m.q_gev
            xs.append(q)
            ax.errorbar([q], [m.value], yerr=[m.error], fmt="s", ms=4, color="0.35", capsize=2)
            if not group:
                below = k < len(cluster) / 2
                ax.annotate(m.name, (q, m.value), textcoords="offset points", xytext=(6, -14 if below else 7),
                            fontsize=8, color="0.3")
        if group:   # one label for a group of theory evaluations of one measurement, its members left to right
            members = ",\n".join(m.name.removeprefix(group).strip(" ()") for m in ordered)
            top = max(m.value + m.error for m in ordered)
            ax.annotate(f"{group}, left to right:\n{members}", (xs[0], top), textcoords="offset points",
                        xytext=(-8, 6), fontsize=7.5, color="0.3")
    ax.set_xscale("log")
    ax.set(xlabel="momentum transfer $Q$ (GeV)", ylabel=r"$\sin^2\theta_W$", xlim=(5e-3, 1.0))
    ax.legend(loc="upper right", fontsize=8)
    return fig
