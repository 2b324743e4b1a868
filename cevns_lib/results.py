"""Every fit and bound of the book in one table (the "results at a glance" page).

Each `Entry` names a library call (a fit, a light-mediator bound, an NSI interval), the chapter that derives it
and, where one exists, the published value with its citation key. A new result is one more `Entry` in `ENTRIES`;
`table()` computes every entry and returns a MyST table whose links ({doc}) point to the chapters.
Values that a scan leaves open are written as words (`formatting`), never as NaN.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import formatting

DATASET_LABEL = {"csi": "CsI[Na]", "lar": "LAr", "csi+lar": "CsI + LAr"}
CONFIG_LABEL = {"seed000": "De Romeri et al. (2023)", "seed001": "Atzori Corona et al. (2022)"}


@dataclass(frozen=True)
class Entry:
    """One row: `kind` is 'fit' (args: param), 'bound' (model, regime), 'nsi' (coupling name), 'em'
    (electromagnetic parameter) or 'leptoquark' (leptoquark, flavour)."""

    kind: str
    quantity: str  # what the row shows (Markdown, may hold $...$)
    args: tuple
    dataset: str
    where: str  # chapter document name, e.g. "sm_fits"
    published: str = "—"  # the published value and its {cite:p} key, or a dash
    configuration: str | None = None  # chi^2 configuration; None: the default of the call

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Entry.kind must be one of {KINDS}, not {self.kind!r}")
        if self.dataset not in DATASET_LABEL:
            raise ValueError(f"Entry.dataset must be one of {sorted(DATASET_LABEL)}, not {self.dataset!r}")


KINDS = ("fit", "bound", "nsi", "em", "leptoquark")
EM_UNIT_LABEL = {"1e-10 mu_B": "$10^{-10}\\,\\mu_B$", "1e-32 cm^2": "$10^{-32}$ cm²", "1e-8 e": "$10^{-8}\\,e$"}
FIT_FORMAT = {"cevns": (".0f", "events"), "sin2thetaW": (".3f", ""), "rn": (".2f", "fm")}


def value(entry: Entry) -> str:
    """The row's value as text (1σ for fits, 2σ for bounds, 90 % C.L. for NSI intervals)."""
    from . import fits, scans

    config = {} if entry.configuration is None else {"configuration": entry.configuration}
    if entry.kind == "fit":
        (param,) = entry.args
        res = fits.fit(entry.dataset, param, **config)
        fmt, unit = FIT_FORMAT[param]
        best, minus, plus = res["best"], res["minus"], res["plus"]
        if formatting.number(minus) == formatting.OPEN and formatting.number(plus) != formatting.OPEN:
            # the profile does not close below (the minimum sits at the scan edge): quote its 1σ upper edge
            return f"< {format(best + plus, fmt)} {unit} (1σ; open below)".replace("  ", " ")
        return formatting.asymmetric(best, minus, plus, fmt, unit)
    if entry.kind == "bound":
        model, regime = entry.args
        g = scans.coupling_bound(model, entry.dataset, regime, **config)
        unit = "" if regime == "low" else " GeV⁻¹"
        text = formatting.bound(g, ".2e")
        return f"< {text}{unit}" if text != formatting.NO_BOUND else text
    if entry.kind == "em":  # 90 % C.L., CEvNS + nu-e scattering in CsI, unit as the em command prints it
        (name,) = entry.args
        res = scans.em_interval(entry.dataset, name, **config)
        unit = EM_UNIT_LABEL.get(res["unit"], res["unit"])
        pieces = res["interval_90"]
        if len(pieces) == 1 and pieces[0][0] == res["scan_range"][0] == 0.0:  # a moment: an upper limit from 0
            return f"< {pieces[0][1]:.3g} {unit}"
        text = " ∪ ".join(formatting.interval(lo, hi, "+.3g") for lo, hi in pieces) or "none allowed"
        return f"{text} ({unit})"
    if entry.kind == "leptoquark":  # 2 sigma bound on |lambda|/m_LQ
        lq, flavour = entry.args
        res = scans.leptoquark_bound(lq, flavour, entry.dataset, **config)
        return f"< {res['lambda_over_m_bound_per_TeV']:.2f} TeV⁻¹"
    (name,) = entry.args
    res = scans.nsi_interval(entry.dataset, name, **config)
    pieces = res["interval_90"]
    return " ∪ ".join(formatting.interval(lo, hi, "+.3f") for lo, hi in pieces) or "none allowed"


def _lm(model: str, label: str, regime: str = "low") -> Entry:
    what = f"{label}: $g$ ($M \\to 0$)" if regime == "low" else f"{label}: $g/M$ ($M^2 \\gg q^2$)"
    return Entry("bound", what, (model, regime), "csi+lar", "light_mediators")


ENTRIES: tuple[Entry, ...] = (
    Entry("fit", "CEvNS events", ("cevns",), "csi", "sm_fits", "306 ± 20 {cite:p}`COHERENT2022CsI`"),
    Entry("fit", "CEvNS events", ("cevns",), "lar", "sm_fits", "159 ± 43 (stat) ± 14 (syst) {cite:p}`COHERENT2021LAr`"),
    Entry("fit", "$\\sin^2\\theta_W$", ("sin2thetaW",), "csi", "sm_fits"),
    Entry("fit", "$\\sin^2\\theta_W$", ("sin2thetaW",), "lar", "sm_fits"),
    Entry("fit", "$\\sin^2\\theta_W$", ("sin2thetaW",), "csi+lar", "sm_fits"),
    Entry("fit", "$R_n$ (Cs and I)", ("rn",), "csi", "sm_fits"),
    Entry("fit", "$R_n$ (Ar)", ("rn",), "lar", "sm_fits"),
    _lm("universal", "$Z'$ universal"),
    _lm("b-l", "$Z'$ $B-L$"),
    _lm("b-l", "$Z'$ $B-L$", "high"),
    _lm("b-3le", "$Z'$ $B-3L_e$"),
    _lm("b-3lmu", "$Z'$ $B-3L_\\mu$"),
    _lm("le-lmu", "$Z'$ $L_e-L_\\mu$"),
    _lm("lmu-ltau", "$Z'$ $L_\\mu-L_\\tau$"),
    _lm("scalar", "light scalar"),
    Entry("nsi", "$\\varepsilon^{uV}_{ee}$ (90 % C.L.)", ("uV_ee",), "csi+lar", "nsi"),
    Entry("nsi", "$\\varepsilon^{dV}_{ee}$ (90 % C.L.)", ("dV_ee",), "csi+lar", "nsi"),
    Entry("nsi", "$\\varepsilon^{uV}_{\\mu\\mu}$ (90 % C.L.)", ("uV_mumu",), "csi+lar", "nsi"),
    Entry("nsi", "$\\varepsilon^{dV}_{\\mu\\mu}$ (90 % C.L.)", ("dV_mumu",), "csi+lar", "nsi"),
    Entry("em", "$\\mu_{\\nu_e}$ (90 % C.L.)", ("mu_nue",), "csi+lar", "em_properties"),
    Entry("em", "$\\mu_{\\nu_\\mu}$ (90 % C.L.)", ("mu_numu",), "csi+lar", "em_properties"),
    Entry("em", "$\\langle r^2_{\\nu_e}\\rangle$ (90 % C.L.)", ("r2_nue",), "csi+lar", "em_properties"),
    Entry("em", "$\\langle r^2_{\\nu_\\mu}\\rangle$ (90 % C.L.)", ("r2_numu",), "csi+lar", "em_properties"),
    Entry("em", "$q_{\\nu_e}$ (90 % C.L.)", ("q_nue",), "csi+lar", "em_properties"),
    Entry("leptoquark", "$S_1$, $\\nu_e$: $\\lvert\\lambda\\rvert/m_\\mathrm{LQ}$", ("s1", "e"), "csi+lar", "leptoquarks"),
    Entry("leptoquark", "$S_3$, $\\nu_\\mu$: $\\lvert\\lambda\\rvert/m_\\mathrm{LQ}$", ("s3", "mu"), "csi+lar", "leptoquarks"),
)


def rows(entries=ENTRIES) -> list[dict]:
    """Computed rows: quantity, data, value, where (chapter), published, chi^2 configuration."""
    out = []
    for e in entries:
        out.append({"quantity": e.quantity, "data": DATASET_LABEL[e.dataset], "value": value(e), "where": e.where,
                    "published": e.published, "configuration": e.configuration})
    return out


def table(entries=ENTRIES) -> str:
    """A MyST Markdown table of `rows(entries)`, each row linked to its chapter."""
    lines = ["| quantity | data | this book | derived in | published |", "|---|---|---|---|---|"]
    for r in rows(entries):
        lines.append(f"| {r['quantity']} | {r['data']} | {r['value']} | {{doc}}`{r['where']}` | {r['published']} |")
    return "\n".join(lines)
