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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cevns_lib", description="COHERENT CEvNS analysis")
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("predict", help="SM expected CEvNS counts in a detector's analysis region")
    pr.add_argument("--detector", required=True, choices=["csi", "lar"])
    pr.add_argument("--json", action="store_true", help="print one JSON object")
    pr.set_defaults(func=cmd_predict)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
