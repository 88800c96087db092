"""The policy-analysis commands of ``escsim``: ``robustness`` and ``discover``.

Core objects: :func:`add_parsers` and :data:`POLICY_COMMANDS`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from sim.cli.arguments import positive
from sim.core.files import write_atomic
from sim.policy.discovery import discover
from sim.policy.robustness import MAXIMIZE, robustness


def add_parsers(sub: Any) -> None:
    """Add ``robustness`` and ``discover`` to the subcommands ``sub``."""
    p = sub.add_parser(
        "robustness", help="each policy of an experiment across its scenarios: regret, satisficing"
    )
    p.add_argument(
        "dir", help="an experiment's results folder (escsim sweep of a file with levers)"
    )
    p.add_argument(
        "--satisfice",
        metavar="CONDITION",
        help='a condition on the metrics, e.g. "p_strike_on_iran < 0.05 and p_us_fatality < 0.3"',
    )
    p.add_argument("--metrics", nargs="+", help="metrics to report (default: all but per-group)")
    p.add_argument(
        "--maximize",
        nargs="+",
        default=list(MAXIMIZE),
        help=f"metrics where more is better; replaces the default ({' '.join(MAXIMIZE)})",
    )
    p.epilog = "writes robustness.csv, robustness.png and (with --satisfice) satisficing.csv"

    p = sub.add_parser(
        "discover", help="the uncertainties and levers under which a case occurs: PRIM, CART"
    )
    p.add_argument("dir", help="an experiment's results folder")
    p.add_argument(
        "--where",
        required=True,
        metavar="CONDITION",
        help='the case, a condition on the metrics, e.g. "p_strike_on_iran > 0.1"',
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=0.8,
        help="the density a chosen box must reach, above 0 and at most 1 (0.8)",
    )
    p.add_argument("--resamples", type=positive, default=10, help="resamples of the box (10)")
    p.epilog = (
        "writes discovery_box.csv, discovery_scores.csv and discovery_{tradeoff,box,pairs}.png"
    )


def _cmd_discover(args: argparse.Namespace) -> int:
    d = discover(args.dir, args.where, args.threshold, args.resamples)
    folder = Path(args.dir)
    write_atomic(folder / "discovery_box.csv", lambda p: d.box.limits.to_csv(p, index=False))
    write_atomic(folder / "discovery_scores.csv", lambda p: d.scores.to_csv(p))
    for name, fig in d.figures().items():
        write_atomic(folder / f"discovery_{name}.png", _png(fig))
    row = d.box.trajectory.loc[d.box.chosen]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"case: {args.where}: {d.cases} of {d.points} points")
        print(f"PRIM box {d.box.chosen}: coverage {row.coverage:.3f}, density {row.density:.3f}, "
              f"mass {row.mass:.3f}")  # fmt: skip
        print(d.box.limits.to_string(index=False, float_format="{:.4g}".format))
        print("\nresampled (half the points each): the share of boxes restricting each input")
        print(d.box.stability.to_string(float_format="{:.2f}".format))
        print("\nCART:")
        print(d.cart)
        print("feature scores (extra trees):")
        print(d.scores.to_string(float_format="{:.3f}".format))
    print(
        f"wrote discovery_box.csv, discovery_scores.csv and discovery_*.png in {folder}", flush=True
    )
    return 0


def _png(fig: Any) -> Any:
    """A writer of ``fig`` as a PNG, for :func:`write_atomic`."""
    return lambda p: fig.savefig(p, dpi=110, format="png")


def _cmd_robustness(args: argparse.Namespace) -> int:
    r = robustness(args.dir, args.satisfice, args.metrics, args.maximize)
    folder = Path(args.dir)
    write_atomic(folder / "robustness.csv", lambda p: r.table.to_csv(p, index=False))
    fig = r.figure()
    write_atomic(folder / "robustness.png", lambda p: fig.savefig(p, dpi=110, format="png"))
    if not len(r.satisficing):  # no stale table from an earlier condition
        (folder / "satisficing.csv").unlink(missing_ok=True)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        if len(r.satisficing):
            write_atomic(folder / "satisficing.csv", lambda p: r.satisficing.to_csv(p, index=False))
            print(f"satisficing: {args.satisfice}")
            print(r.satisficing.to_string(index=False, float_format="{:.3g}".format))
            print()
        cols = ["policy", "metric", "mean", "p90", "regret_mean", "regret_max"]
        print(r.table[cols].to_string(index=False, float_format="{:.3g}".format))
    wrote = "robustness.csv, robustness.png" + (
        " and satisficing.csv" if len(r.satisficing) else ""
    )
    print(f"wrote {wrote} in {folder}", flush=True)
    return 0


POLICY_COMMANDS = {"robustness": _cmd_robustness, "discover": _cmd_discover}
