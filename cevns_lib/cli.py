"""Command line: `python -m cevns_lib COMMAND [options]`; `python -m cevns_lib --help` lists the commands.

Every subcommand is one self-contained block registered with `@command(...)`: its name, a one-line help, a
description, examples, a function adding its options, and the function running it. `main` applies to every
registered command the same rules: input and data errors (`ValueError`, `DataIntegrityError`) print one line on
stderr and exit with code 2, never a traceback; option errors do the same. tests/test_cli.py checks the --help of
every registered command. Adding a command:

    def _mine_arguments(p):
        add_dataset(p); add_config(p); add_json(p)
        p.add_argument("--mass", type=mev, required=True, help="mediator mass (MeV)")

    @command("mine", help="one line", description="what it computes, and how",
             examples=["python -m cevns_lib mine --dataset csi --mass 10"], arguments=_mine_arguments)
    def cmd_mine(args) -> int:
        ...
        return 0
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import textwrap
from dataclasses import dataclass
from typing import Callable

from .api import DEFAULT_CONFIGURATION  # the one default likelihood configuration of each data set

PROG = "python -m cevns_lib"
DATASETS = ("csi", "lar", "csi+lar")
CONFIGURATIONS = ("seed000", "seed001")
CONFIG_HELP = (
    "chi^2 definition. seed000: De Romeri et al. (2023): CsI Poisson chi^2 with nuisances a0-a7 (efficiency+flux "
    "11%, BRN 25%, NIN 35%, steady state 2.1%, neutron radius 5%, quenching 3.8%, free beam timing, CEvNS "
    "efficiency curve); LAr Gaussian chi^2 with b0-b8 (CEvNS 13%, steady state 0.79%, prompt BRN 32%, delayed BRN "
    "100% and five shape templates). seed001: Atzori Corona et al. (2022): CsI Poisson chi^2 with four "
    "normalisations (CEvNS 12%, BRN 25%, NIN 35%, steady state 2.1%); LAr as in seed000. Default: "
    + ", ".join(f"{c} for {d}" for d, c in DEFAULT_CONFIGURATION.items()) + ".").replace("%", "%%")

#: published numbers the prediction is shown beside (not used in any computation)
PUBLISHED_SM = {
    "csi": ("COHERENT 2021 SM prediction (PRL 129 (2022) 081801)", 341.0),
    "lar": ("LAr 2020 release CEvNS PDF total (cevnspdf.txt)", 128.0),
}


# --- the command registry -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    name: str
    help: str
    description: str
    examples: tuple
    arguments: Callable
    run: Callable


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, description: str, examples, arguments: Callable | None = None):
    """Register the decorated `run(args) -> int` as subcommand `name` (see the module docstring)."""

    def register(run):
        if name in COMMANDS:
            raise ValueError(f"command {name!r} is registered twice")
        COMMANDS[name] = Command(name, help, description, tuple(examples), arguments or (lambda p: None), run)
        return run

    return register


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `PROG CMD: error: ... (see --help)`, exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- shared options and argument types ----------------------------------------------------------------------
def mev(text: str) -> float:
    """argparse type: a finite mass or energy >= 0 in MeV."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a mass in MeV (a number >= 0), got {text!r}") from None
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError(f"the mass must be a finite number >= 0 MeV, got {text!r}")
    return v


def add_dataset(p, required: bool = True):
    p.add_argument("--dataset", required=required, choices=DATASETS,
                   help="csi: CsI[Na] 2021; lar: LAr 2020; csi+lar: the combined fit of both")


def add_config(p, extra: tuple = ()):
    """--config: one of CONFIGURATIONS (+ `extra`, e.g. "coherent" where a command offers it)."""
    more = "" if not extra else (" coherent (fit, LAr only): COHERENT's own 3-D Poisson likelihood of the LAr "
                                 "release (E x F90 x t_trig, its priors and shape systematics); CsI has none.")
    p.add_argument("--config", default=None, choices=CONFIGURATIONS + tuple(extra), help=CONFIG_HELP + more)


def add_json(p, what: str = "one JSON object"):
    p.add_argument("--json", action="store_true", help=f"print {what}".replace("%", "%%"))


def configuration(args) -> str:
    """The --config given, or the default configuration of the data set."""
    return args.config or DEFAULT_CONFIGURATION[args.dataset]


def _clean(v):
    """JSON-safe: NaN (an interval open on the scan grid) becomes null."""
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, float) and v != v:
        return None
    return v


# --- predict ------------------------------------------------------------------------------------------------
def _table(result: dict) -> str:
    e, t = result["energy_edges"], result["time_edges_us"]
    unit = result["energy_unit"]
    corner = unit + " / t(us)"
    head = f"{corner:>16}" + "".join(f"{f'{a:g}-{b:g}':>12}" for a, b in zip(t[:-1], t[1:]))
    lines = [head + f"{'sum':>10}"]
    for i, row in enumerate(result["binned"]):
        lines.append(f"{f'{e[i]:g}-{e[i + 1]:g}':>16}" + "".join(f"{v:12.3f}" for v in row) + f"{row.sum():10.3f}")
    col = result["binned"].sum(axis=0)
    lines.append(f"{'sum':>16}" + "".join(f"{v:12.3f}" for v in col) + f"{col.sum():10.3f}")
    return "\n".join(lines)


def _predict_arguments(p):
    p.add_argument("--detector", required=True, choices=["csi", "lar"], help="csi: CsI[Na] 2021; lar: LAr 2020")
    add_json(p)


@command("predict", help="SM expected CEvNS counts in a detector's analysis region",
         description="Standard Model CEvNS counts in the analysis bins of a detector (energy x time), per neutrino "
                     "flavour and in total, beside COHERENT's published prediction. No likelihood is involved.",
         examples=["python -m cevns_lib predict --detector csi", "python -m cevns_lib predict --detector lar --json"],
         arguments=_predict_arguments)
def cmd_predict(args) -> int:
    import numpy as np

    from .rates import predict

    res = predict(args.detector)
    label, value = PUBLISHED_SM[args.detector]
    if args.json:
        out = {
            "detector": res["detector"],
            "cevns_total": res["cevns_total"],
            "by_flavour": res["by_flavour"],
            "binned": np.round(res["binned"], 6).tolist(),
            "energy_edges": res["energy_edges"].tolist(),
            "energy_unit": res["energy_unit"],
            "time_edges_us": res["time_edges_us"].tolist(),
            "published_reference": {"label": label, "value": value},
        }
        print(json.dumps(out))
        return 0
    print(f"SM CEvNS prediction, detector {args.detector} (analysis region)")
    print(f"  total: {res['cevns_total']:.2f} events   [{label}: {value:g}]")
    for f, v in res["by_flavour"].items():
        print(f"  {f:>10}: {v:.2f}")
    print()
    print(_table(res))
    return 0


# --- fit ----------------------------------------------------------------------------------------------------
def add_interval_method(p):
    """--method {wilks,fc} and the options of the Feldman-Cousins construction (fit, nsi, em)."""
    p.add_argument("--method", default="wilks", choices=["wilks", "fc"],
                   help="wilks: Delta chi^2 intervals (Wilks' theorem); fc: Feldman-Cousins intervals from toy "
                        "experiments (profile construction). Default: wilks")
    p.add_argument("--toys", type=int, default=1000, metavar="N",
                   help="toy experiments per tested value (--method fc; default 1000)")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="master random seed of the toys (--method fc; default 0): the result depends only on it")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="run the toys on a local Dask cluster of N worker processes (--method fc)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the toys on a running Dask scheduler, e.g. tcp://host:8786 (--method fc)")


def _fc_client(args):
    """Checks --toys/--seed/--workers/--scheduler; a context giving a Dask client (None: in this process)."""
    from .parallel import cluster
    from .validation import positive_int

    positive_int(args.toys, "--toys")
    positive_int(args.seed, "--seed", 0)
    if args.workers is not None:
        positive_int(args.workers, "--workers")
    if args.workers is not None and args.scheduler is not None:
        raise ValueError("give either --workers (a local Dask cluster) or --scheduler (a running one), not both")
    return cluster(args.workers, args.scheduler) if args.method == "fc" else cluster()


def _fit_arguments(p):
    add_dataset(p)
    p.add_argument("--param", default="cevns", choices=["cevns", "sin2thetaW", "rn"],
                   help="cevns: number of CEvNS events (with csi+lar also their common ratio to the SM); "
                        "sin2thetaW: weak mixing angle; rn: point-neutron rms radius in fm (one per detector: the "
                        "nuclei differ). Default: cevns")
    add_config(p, extra=("coherent",))
    add_interval_method(p)
    add_json(p)


@command("fit", help="Standard Model fit of one parameter to the CsI and/or LAr data",
         description="Best fit and 1 sigma interval (Delta chi^2 = 1) of one parameter, every nuisance profiled. "
                     "An interval that reaches the scan edge is reported as open. --method fc adds the "
                     "Feldman-Cousins 68.27% interval (interval_68; cevns and sin2thetaW) from --toys toy "
                     "experiments per tested value, beside the Wilks one (interval_68_wilks).",
         examples=["python -m cevns_lib fit --dataset csi+lar --param sin2thetaW",
                   "python -m cevns_lib fit --dataset lar --param rn --config seed001 --json",
                   "python -m cevns_lib fit --dataset lar --param cevns --config coherent",
                   "python -m cevns_lib fit --dataset csi --param cevns --method fc --toys 2000 --workers 2"],
         arguments=_fit_arguments)
def cmd_fit(args) -> int:
    from .fits import fit

    config = configuration(args)
    if args.method == "fc" and args.param not in ("cevns", "sin2thetaW"):
        raise ValueError(f"--method fc supports --param cevns and sin2thetaW, not {args.param!r}")
    with _fc_client(args) as client:
        res = fit(args.dataset, args.param, config)
        res["method"] = args.method
        if args.method == "fc":
            from .fc_analyses import fc_fit

            def wilks(pick):
                return [pick("best") - pick("minus"), pick("best") + pick("plus")]

            res["toys"], res["seed"] = args.toys, args.seed
            res["interval_68_wilks"] = {d: wilks(lambda k, d=d: res[k][d]) for d in res["best"]} \
                if isinstance(res["best"], dict) else wilks(lambda k: res[k])
            res.update(fc_fit(args.dataset, args.param, config, args.toys, args.seed, client))
    if args.json:
        print(json.dumps(_clean(res)))
        return 0
    units = {"cevns": "events", "sin2thetaW": "", "rn": "fm"}[args.param]
    print(f"fit of {args.param} to {args.dataset} ({config} chi^2; 1 sigma = Delta chi^2 of 1)")
    rows = res["best"] if isinstance(res["best"], dict) else {args.dataset: res["best"]}
    for det in rows:
        pick = (lambda k: res[k][det]) if isinstance(res["best"], dict) else (lambda k: res[k])
        print(f"  {det:>8}: {_interval(pick)} {units}   "
              f"chi2_min = {pick('chi2_min'):.2f} for {pick('ndof')} degrees of freedom")
    if "combined" in res:
        c = res["combined"]
        print(f"  combined: CEvNS / SM = {_interval(lambda k: c[k])}   "
              f"chi2_min = {c['chi2_min']:.2f} for {c['ndof']} degrees of freedom")
    if args.method == "fc":
        fc = res["interval_68"] if isinstance(res["best"], dict) else {args.dataset: res["interval_68"]}
        for det, iv in fc.items():
            txt = "(none)" if iv is None else f"[{iv[0]:.4g}, {iv[1]:.4g}]"
            print(f"  {det:>8}: Feldman-Cousins 68.27% interval {txt} {units} ({args.toys} toys per tested value)")
    return 0


def _interval(pick) -> str:
    lo = "(open: the minimum is at the scan edge)" if pick("minus") != pick("minus") else f"-{pick('minus'):.2g}"
    hi = "(open)" if pick("plus") != pick("plus") else f"+{pick('plus'):.2g}"
    return f"{pick('best'):.4g} {lo} {hi}"


# --- limits -------------------------------------------------------------------------------------------------
def _limits_arguments(p):
    from .models.light_mediators import MODEL_NAMES

    p.add_argument("--model", required=True, choices=list(MODEL_NAMES) + ["all"],
                   help="U(1)' model of Atzori Corona et al. (2022), 'scalar', or 'all'")
    add_dataset(p)
    add_config(p)
    p.add_argument("--mass", type=mev, default=None, metavar="MEV",
                   help="also give the bound on g at this mediator mass (MeV)")
    p.add_argument("--bound", default="first-excluded", choices=["first-excluded", "last-allowed"],
                   help="bound convention, the same for every model: the smallest excluded coupling (default; "
                        "allowed islands beyond it are reported separately) or the coupling above which "
                        "everything is excluded (JSON key bound_convention)")
    add_json(p, "one JSON object (a list with --model all)")


@command("limits", help="2 sigma bounds on light mediators (Atzori Corona et al. 2022 models)",
         description="2 sigma upper bounds (Delta chi^2 = 4 from the minimum along the coupling) on the coupling g "
                     "of a light vector or scalar mediator in the two limiting regimes, M -> 0 (on g) and "
                     "M^2 >> q^2 (on g/M), and with --mass at a given mediator mass.",
         examples=["python -m cevns_lib limits --model b-l --dataset csi+lar",
                   "python -m cevns_lib limits --model lmu-ltau --dataset csi --mass 10 --json",
                   "python -m cevns_lib limits --model all --dataset lar --json",
                   "python -m cevns_lib limits --model lmu-ltau --dataset lar --bound last-allowed"],
         arguments=_limits_arguments)
def cmd_limits(args) -> int:
    from .models.light_mediators import MODEL_NAMES
    from .scans import bounds

    config = configuration(args)
    names = MODEL_NAMES if args.model == "all" else (args.model,)
    rows = [bounds(name, args.dataset, config, mass_mev=args.mass, bound=args.bound) for name in names]
    if args.json:
        out = [_clean(r) for r in rows]
        print(json.dumps(out if args.model == "all" else out[0]))
        return 0

    def g(v):  # NaN: no coupling up to the end of the scan is excluded
        return "no bound at 2 sigma" if v != v else f"{v:.3e}"

    print(f"2 sigma bounds from {args.dataset} ({config} chi^2; {rows[0]['convention']})")
    at = f"g (M = {args.mass:g} MeV)" if args.mass is not None else ""
    print(f"{'model':>14} {'g (M -> 0)':>20} {'g/M (GeV^-1), M >> q':>24} {at:>20}")
    for r in rows:
        tail = f" {g(r['g_at_mass']):>20}" if args.mass is not None else ""
        print(f"{r['model']:>14} {g(r['g_low_mass']):>20} {g(r['g_over_m_high_mass_per_GeV']):>24}{tail}")
    return 0


# --- nsi ----------------------------------------------------------------------------------------------------
def _nsi_arguments(p):
    add_dataset(p)
    p.add_argument("--param", required=True, help="e.g. uV_ee, dV_mumu, uV_emu (q in u, d; pair in ee, mumu, "
                                                  "tautau, emu, etau, mutau)")
    add_config(p)
    add_interval_method(p)
    add_json(p)


@command("nsi", help="90%% and 2 sigma intervals of one vector NSI coupling (the others zero)",
         description="Allowed intervals (Delta chi^2 = 2.71 for 90% C.L., 4 for 2 sigma) of one vector NSI "
                     "coupling eps^{qV}_{ab} on the scan range [-2, 2], the other couplings at zero. A coupling "
                     "the data do not constrain (tau flavours: the SNS has no nu_tau) is reported as unconstrained. "
                     "--method fc: the intervals are Feldman-Cousins ones from toy experiments, the Wilks ones "
                     "beside them (interval_90_wilks, interval_2sigma_wilks).",
         examples=["python -m cevns_lib nsi --dataset csi+lar --param uV_ee",
                   "python -m cevns_lib nsi --dataset csi --param dV_emu --json"],
         arguments=_nsi_arguments)
def cmd_nsi(args) -> int:
    from .scans import nsi_interval

    config = configuration(args)
    with _fc_client(args) as client:
        res = nsi_interval(args.dataset, args.param, config)
        res["method"] = args.method
        if args.method == "fc":
            from .fc_analyses import fc_pieces, nsi_problem

            res["interval_90_wilks"], res["interval_2sigma_wilks"] = res["interval_90"], res["interval_2sigma"]
            res.update(fc_pieces(nsi_problem(args.dataset, args.param, config), args.toys, args.seed, client))
            res["toys"], res["seed"] = args.toys, args.seed
    if args.json:
        print(json.dumps(_clean(res)))
        return 0
    lo, hi = res["scan_range"]

    def fmt(pieces, unconstrained):
        if unconstrained:
            return f"unconstrained (allowed over the whole scan range [{lo:+g}, {hi:+g}])"
        return " U ".join(f"[{a:+.3f}, {b:+.3f}]" for a, b in pieces) or "(none)"

    print(f"vector NSI {args.param} from {args.dataset} ({config} chi^2), other couplings at zero; "
          f"scan range {res['scan_range']}")
    print(f"  best fit     : {'unconstrained' if res['best'] is None else format(res['best'], '+.4f')}")
    tag = f" (Feldman-Cousins, {args.toys} toys per tested value)" if args.method == "fc" else ""
    u90, u2 = (False, False) if args.method == "fc" else (res["unconstrained_90"], res["unconstrained_2sigma"])
    print(f"  90% C.L.     : {fmt(res['interval_90'], u90)}{tag}")
    print(f"  2 sigma      : {fmt(res['interval_2sigma'], u2)}{tag}")
    if args.method == "fc":
        print(f"  90% (Wilks)  : {fmt(res['interval_90_wilks'], res['unconstrained_90'])}")
        print(f"  2 sigma (W.) : {fmt(res['interval_2sigma_wilks'], res['unconstrained_2sigma'])}")
    return 0


# --- leptoquark ---------------------------------------------------------------------------------------------
def _leptoquark_arguments(p):
    p.add_argument("--lq", required=True, choices=["s1", "r2", "r2t", "s3"],
                   help="S_1 (3bar,1,1/3), R_2 (3,2,7/6), R2~ (3,2,1/6) or S_3 (3bar,3,1/3)")
    p.add_argument("--flavour", required=True, choices=["e", "mu"], help="the lepton doublet it couples to")
    add_dataset(p)
    add_config(p)
    add_json(p)


@command("leptoquark", help="2 sigma bound on |lambda|/m_LQ (TeV^-1) of a scalar leptoquark",
         description="2 sigma bound (Delta chi^2 = 4 from the minimum over |lambda|/m >= 0) on |lambda|/m_LQ in "
                     "TeV^-1 of a scalar leptoquark in the contact limit. operators: the induced NSI "
                     "eps^{q chirality}_{aa} (L = -2 sqrt2 G_F eps (nu gamma P_L nu)(q gamma P q)) per "
                     "(|lambda|/m_LQ)^2 = 1 TeV^-2.",
         examples=["python -m cevns_lib leptoquark --lq s3 --flavour mu --dataset csi+lar",
                   "python -m cevns_lib leptoquark --lq r2 --flavour e --dataset csi --json"],
         arguments=_leptoquark_arguments)
def cmd_leptoquark(args) -> int:
    from .scans import leptoquark_bound

    config = configuration(args)
    res = leptoquark_bound(args.lq, args.flavour, args.dataset, config)
    keys = ("lq", "flavour", "dataset", "lambda_over_m_bound_per_TeV", "operators")
    if args.json:
        print(json.dumps(_clean({k: res[k] for k in keys})))
        return 0
    print(f"scalar leptoquark {args.lq} coupled to nu_{args.flavour}, {args.dataset} ({config} chi^2; "
          f"2 sigma = Delta chi^2 of 4 from the minimum over |lambda|/m >= 0)")
    print(f"  |lambda|/m_LQ < {res['lambda_over_m_bound_per_TeV']:.3f} TeV^-1   "
          f"(m_LQ/|lambda| > {1e3 / res['lambda_over_m_bound_per_TeV']:.0f} GeV)")
    for lo, hi in res["allowed_islands_per_TeV"]:
        print(f"  allowed again (dark side) for {lo:.3f} < |lambda|/m_LQ < {hi:.3f} TeV^-1")
    print("  operators: eps^{qP}_{aa} = coefficient x (|lambda|/m_LQ in TeV^-1)^2, "
          "L = -2 sqrt2 G_F eps (nu gamma P_L nu)(q gamma P_P q)")
    for op in res["operators"]:
        print(f"    {op['quark']}_{op['chirality']}: {op['coefficient']:+.5f}")
    return 0


# --- em -----------------------------------------------------------------------------------------------------
EM_PARAMS = ("mu_nue", "mu_numu", "r2_nue", "r2_numu", "r2_nuenumu", "q_nue", "q_numu")


def _em_arguments(p):
    add_dataset(p)
    p.add_argument("--param", required=True, choices=EM_PARAMS,
                   help="magnetic moments (1e-10 mu_B), charge radii (total, 1e-32 cm^2), millicharges (1e-8 e)")
    add_config(p)
    p.add_argument("--no-electron-scattering", action="store_true",
                   help="CEvNS only: leave nu-e scattering in CsI out (default: CEvNS + nu-e scattering, as in "
                        "De Romeri et al. 2023)")
    add_interval_method(p)
    add_json(p)


@command("em", help="90%% and 2 sigma intervals of one neutrino electromagnetic property",
         description="Allowed intervals (Delta chi^2 = 2.71 for 90% C.L., 4 for 2 sigma, from the minimum) of one "
                     "neutrino electromagnetic parameter, the others at their SM values: effective magnetic "
                     "moments mu_nue, mu_numu (1e-10 mu_B; anti-nu_mu shares mu_numu), total charge radii r2_nue, "
                     "r2_numu and the transition radius r2_nuenumu (1e-32 cm^2), millicharges q_nue, q_numu "
                     "(1e-8 e). In CsI the neutrino-electron scattering in the crystal is included unless "
                     "--no-electron-scattering is given; LAr has none (its F90 selection keeps nuclear recoils). "
                     "--method fc: Feldman-Cousins intervals from toy experiments, the Wilks ones beside them.",
         examples=["python -m cevns_lib em --dataset csi+lar --param mu_numu",
                   "python -m cevns_lib em --dataset csi --param q_nue --json"],
         arguments=_em_arguments)
def cmd_em(args) -> int:
    from .scans import em_interval

    config = configuration(args)
    with _fc_client(args) as client:
        res = em_interval(args.dataset, args.param, config, electron_scattering=not args.no_electron_scattering)
        res["method"] = args.method
        if args.method == "fc":
            from .fc_analyses import em_problem, fc_pieces

            res["interval_90_wilks"], res["interval_2sigma_wilks"] = res["interval_90"], res["interval_2sigma"]
            res.update(fc_pieces(em_problem(args.dataset, args.param, config, not args.no_electron_scattering),
                                 args.toys, args.seed, client))
            res["toys"], res["seed"] = args.toys, args.seed
    if args.json:
        print(json.dumps(_clean(res)))
        return 0

    def fmt(pieces):
        return " U ".join(f"[{lo:+.4g}, {hi:+.4g}]" for lo, hi in pieces) or "(none)"

    es = "CEvNS + nu-e scattering in CsI" if res["electron_scattering"] else "CEvNS only"
    print(f"{args.param} ({res['unit']}) from {args.dataset} ({config} chi^2, {es}); other electromagnetic "
          f"parameters at their SM values; scan range [{res['scan_range'][0]:.4g}, {res['scan_range'][1]:.4g}]")
    print(f"  SM value     : {res['sm_value']:+.4g}")
    print(f"  best fit     : {res['best']:+.4g}")
    tag = f" (Feldman-Cousins, {args.toys} toys per tested value)" if args.method == "fc" else ""
    print(f"  90% C.L.     : {fmt(res['interval_90'])}{tag}")
    print(f"  2 sigma      : {fmt(res['interval_2sigma'])}{tag}")
    if args.method == "fc":
        print(f"  90% (Wilks)  : {fmt(res['interval_90_wilks'])}")
        print(f"  2 sigma (W.) : {fmt(res['interval_2sigma_wilks'])}")
    return 0


# --- dipole and dark-fermion (up-scattering into a massive final state) ---------------------------------------
def _fmt_bound(v, spec: str) -> str:
    return "(none)" if v is None else format(v, spec)


def _no_es(p):
    p.add_argument("--no-electron-scattering", action="store_true",
                   help="nuclei only: leave the CsI electrons out (default: nuclei + electrons, as em)")


def _dipole_arguments(p):
    add_dataset(p)
    p.add_argument("--flavour", required=True, choices=["e", "mu"],
                   help="e: nu_e -> F_4; mu: nu_mu and anti-nu_mu -> F_4 (one shared moment, as mu_numu in em)")
    p.add_argument("--m4", type=mev, nargs="+", metavar="MEV", help="sterile masses (default: 0.01 MeV to 52 MeV)")
    add_config(p)
    _no_es(p)
    add_json(p)


@command("dipole", help="90%% and 2 sigma bounds on a sterile-neutrino transition moment, per m_4",
         description="Upper bounds at 90% C.L. and 2 sigma (Delta chi^2 = 2.71 and 4 from the minimum along "
                     "|mu_nu4| at each m_4) on the transition magnetic moment mu_nu4 (1e-10 mu_B) of the dipole "
                     "portal nu_a + N -> F_4 + N (and on the CsI electrons), for a default list of sterile masses "
                     "m_4 up to the kinematic reach or the given ones. F_4 leaves the detector unseen; its decays "
                     "are ignored.",
         examples=["python -m cevns_lib dipole --dataset csi+lar --flavour mu",
                   "python -m cevns_lib dipole --dataset csi --flavour e --m4 1 10 30 --json"],
         arguments=_dipole_arguments)
def cmd_dipole(args) -> int:
    from .upscattering_bounds import dipole_bounds

    config = configuration(args)
    res = dipole_bounds(args.dataset, args.flavour, args.m4, config, not args.no_electron_scattering)
    if args.json:
        print(json.dumps(_clean(res)))
        return 0
    who = {"e": "nu_e", "mu": "nu_mu and anti-nu_mu"}[args.flavour]
    where = "nuclei and CsI electrons" if res["electron_scattering"] else "nuclei"
    print(f"dipole portal {who} -> F_4 on the {where} of {args.dataset} ({config} chi^2; {res['convention']});"
          f" kinematic reach {res['reach_mev']:.2f} MeV")
    print(f"{'m_4 (MeV)':>12} {'|mu_nu4| 90% (' + res['unit'] + ')':>28} {'2 sigma':>12}")
    for m, b90, b2 in zip(res["m4_mev"], res["mu_bound_90"], res["mu_bound_2sigma"]):
        print(f"{m:12.4g} {_fmt_bound(b90, '.4g'):>28} {_fmt_bound(b2, '.4g'):>12}")
    return 0


def _dark_fermion_arguments(p):
    p.add_argument("--mediator", required=True, choices=["vector", "scalar"])
    add_dataset(p)
    p.add_argument("--m-mediator", type=mev, metavar="MEV", help="mediator mass (default 10 MeV)")
    p.add_argument("--m-chi", type=mev, nargs="+", metavar="MEV",
                   help="dark-fermion masses (default: 0.01 MeV to 50 MeV)")
    add_config(p)
    _no_es(p)
    add_json(p)


@command("dark-fermion", help="2 sigma bound on g = sqrt(g_nu g_q) for nu -> chi up-scattering",
         description="2 sigma upper bound (Delta chi^2 = 4 from the minimum along g at each m_chi) on the coupling "
                     "g = sqrt(g_nu g_q) of neutrino up-scattering into a dark fermion chi, nu + N -> chi + N (and "
                     "nu + e -> chi + e in CsI), through a light vector or scalar mediator of the given mass, for a "
                     "default list of m_chi up to the kinematic reach or the given ones.",
         examples=["python -m cevns_lib dark-fermion --mediator vector --dataset csi+lar",
                   "python -m cevns_lib dark-fermion --mediator scalar --dataset csi --m-mediator 1 --m-chi 5 --json"],
         arguments=_dark_fermion_arguments)
def cmd_dark_fermion(args) -> int:
    from .upscattering_bounds import dark_fermion_bounds

    config = configuration(args)
    res = dark_fermion_bounds(args.dataset, args.mediator, args.m_mediator, args.m_chi, config,
                              not args.no_electron_scattering)
    if args.json:
        print(json.dumps(_clean(res)))
        return 0
    where = "nuclei and CsI electrons" if res["electron_scattering"] else "nuclei"
    print(f"dark fermion nu -> chi through a {args.mediator} of mass {res['m_mediator_mev']:g} MeV, {where} of "
          f"{args.dataset} ({config} chi^2; {res['convention']}); {res['coupling']}")
    print(f"{'m_chi (MeV)':>12} {'g 2 sigma':>12}")
    for m, g in zip(res["m_chi_mev"], res["g_bound"]):
        print(f"{m:12.4g} {_fmt_bound(g, '.3e'):>12}")
    return 0


# --- verify-data --------------------------------------------------------------------------------------------
def _verify_arguments(p):
    add_json(p)


@command("verify-data", help="verify the SHA-256 of every data file and report unlisted files",
         description="Checks every file listed in data/SHA256SUMS (or $CEVNS_DATA_DIR) against its recorded "
                     "SHA-256 and looks for files that are not listed. Exit 0 when all is well, 2 (with a "
                     "one-line message) on an altered, missing or unlisted file.",
         examples=["python -m cevns_lib verify-data", "CEVNS_DATA_DIR=/path/to/data python -m cevns_lib verify-data"],
         arguments=_verify_arguments)
def cmd_verify_data(args) -> int:
    from .data import verify_all, verify_data

    n = verify_data()
    if args.json:
        print(json.dumps(verify_all()))
    else:
        print(f"verified {n} data files against SHA256SUMS; no unlisted files")
    return 0


# --- the parser and the entry point -------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    examples = "examples:\n" + "\n".join(f"  {c.examples[0]}" for c in COMMANDS.values() if c.examples) + "\n"
    p = _Parser(prog=PROG, description=textwrap.fill(
        "COHERENT CEvNS analysis (CsI[Na] 2021, LAr 2020). `COMMAND --help` describes each command, its defaults "
        "and examples. Errors print one line and exit with code 2.", 100), epilog=examples,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for c in COMMANDS.values():
        epilog = "examples:\n" + "\n".join(f"  {e}" for e in c.examples) + "\n"
        sp = sub.add_parser(c.name, help=c.help, description=textwrap.fill(c.description.replace("%%", "%"), 100),
                            epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
        c.arguments(sp)
        sp.set_defaults(func=c.run)
    return p


def _input_errors() -> tuple:
    from .data import DataIntegrityError

    return (ValueError, DataIntegrityError)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except _input_errors() as err:  # bad input or bad data: one clear line, no traceback
        message = " ".join(str(err).split())
        parser.exit(2, f"{parser.prog} {args.command}: error: {message}\n")
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
