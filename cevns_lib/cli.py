"""Command line: `python -m cevns_lib predict --detector {csi,lar} [--json]`."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from .rates import predict

#: published numbers the prediction is shown beside (not used in any computation)
PUBLISHED_SM = {
    "csi": ("COHERENT 2021 SM prediction (PRL 129 (2022) 081801)", 341.0),
    "lar": ("LAr 2020 release CEvNS PDF total (cevnspdf.txt)", 128.0),
}


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


def cmd_predict(args) -> int:
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


def _clean(v):
    """JSON-safe: NaN (an interval open on the scan grid) becomes null."""
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, float) and v != v:
        return None
    return v


def cmd_fit(args) -> int:
    from .fits import fit

    res = fit(args.dataset, args.param, args.config)
    if args.json:
        print(json.dumps(_clean(res)))
        return 0
    units = {"cevns": "events", "sin2thetaW": "", "rn": "fm"}[args.param]
    print(f"fit of {args.param} to {args.dataset} ({args.config} chi^2; 1 sigma = Delta chi^2 of 1)")
    per = res["best"] if isinstance(res["best"], dict) else {args.dataset: res["best"]}
    for det in per:
        pick = (lambda k: res[k][det]) if isinstance(res["best"], dict) else (lambda k: res[k])
        lo = "(open: the minimum is at the scan edge)" if pick("minus") != pick("minus") else f"-{pick('minus'):.2g}"
        hi = "(open)" if pick("plus") != pick("plus") else f"+{pick('plus'):.2g}"
        print(f"  {det:>8}: {pick('best'):.4g} {lo} {hi} {units}   "
              f"chi2_min = {pick('chi2_min'):.2f} for {pick('ndof')} degrees of freedom")
    return 0


def cmd_limits(args) -> int:
    from .models.light_mediators import MODEL_NAMES
    from .scans import bounds

    names = MODEL_NAMES if args.model == "all" else (args.model,)
    rows = [bounds(name, args.dataset, args.config) for name in names]
    if args.json:
        out = [_clean(r) for r in rows]
        print(json.dumps(out if args.model == "all" else out[0]))
        return 0
    print(f"2 sigma bounds from {args.dataset} ({args.config} chi^2; {rows[0]['convention']})")
    print(f"{'model':>14} {'g (M -> 0)':>20} {'g/M (GeV^-1), M >> q':>24}")
    def fmt(v, width):  # a model that the data do not bound has NaN here
        return f"{'no bound at 2 sigma':>{width}}" if v != v else f"{v:{width}.3e}"

    for r in rows:
        print(f"{r['model']:>14} {fmt(r['g_low_mass'], 20)} {fmt(r['g_over_m_high_mass_per_GeV'], 24)}")
    return 0


def cmd_nsi(args) -> int:
    from .scans import nsi_interval

    res = nsi_interval(args.dataset, args.param, args.config)
    if args.json:
        print(json.dumps(_clean(res)))
        return 0

    def fmt(pieces):
        return " U ".join(f"[{lo:+.3f}, {hi:+.3f}]" for lo, hi in pieces) or "(none)"

    print(f"vector NSI {args.param} from {args.dataset} ({args.config} chi^2), other couplings at zero; "
          f"scan range {res['scan_range']}")
    print(f"  best fit     : {res['best']:+.4f}")
    print(f"  90% C.L.     : {fmt(res['interval_90'])}")
    print(f"  2 sigma      : {fmt(res['interval_2sigma'])}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cevns_lib", description="COHERENT CEvNS analysis",
                                epilog="chi^2 configurations (--config): seed000 is the chi^2 of De Romeri et al. (2023), seed001 that of Atzori Corona et al. (2022)")
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("predict", help="SM expected CEvNS counts in a detector's analysis region")
    pr.add_argument("--detector", required=True, choices=["csi", "lar"])
    pr.add_argument("--json", action="store_true", help="print one JSON object")
    pr.set_defaults(func=cmd_predict)
    fi = sub.add_parser("fit", help="Standard Model fit of one parameter to the CsI and/or LAr data")
    fi.add_argument("--dataset", required=True, choices=["csi", "lar", "csi+lar"])
    fi.add_argument("--param", default="cevns", choices=["cevns", "sin2thetaW", "rn"],
                    help="cevns: number of CEvNS events; sin2thetaW: weak mixing angle; rn: neutron rms radius (fm)")
    fi.add_argument("--config", default="seed000", choices=["seed000", "seed001"], help="chi^2 definition")
    fi.add_argument("--json", action="store_true", help="print one JSON object")
    fi.set_defaults(func=cmd_fit)
    li = sub.add_parser("limits", help="2 sigma bounds on light mediators (the models of Atzori Corona et al. 2022)")
    li.add_argument("--model", required=True, choices=["universal", "b-l", "by+lmu+ltau", "b-3le", "b-3lmu",
                                                        "b-2le-lmu", "b-le-2lmu", "le-lmu", "le-ltau", "lmu-ltau",
                                                        "scalar", "all"])
    li.add_argument("--dataset", required=True, choices=["csi", "lar", "csi+lar"])
    li.add_argument("--config", default="seed001", choices=["seed000", "seed001"], help="chi^2 definition")
    li.add_argument("--json", action="store_true", help="print one JSON object (a list with --model all)")
    li.set_defaults(func=cmd_limits)
    ns = sub.add_parser("nsi", help="90% and 2 sigma intervals of one vector NSI coupling (the others zero)")
    ns.add_argument("--dataset", required=True, choices=["csi", "lar", "csi+lar"])
    ns.add_argument("--param", required=True, help="e.g. uV_ee, dV_mumu, uV_emu (q in u, d; pair in ee, mumu, "
                                                   "tautau, emu, etau, mutau)")
    ns.add_argument("--config", default="seed000", choices=["seed000", "seed001"], help="chi^2 definition")
    ns.add_argument("--json", action="store_true", help="print one JSON object")
    ns.set_defaults(func=cmd_nsi)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as err:  # bad input: one clear line, no traceback
        parser.exit(2, f"{parser.prog} {args.command}: error: {err}\n")
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
