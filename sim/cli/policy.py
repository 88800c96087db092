"""The policy-analysis commands of ``escsim``: ``robustness`` (and scenario discovery).

Core objects: :func:`add_parsers` and :data:`POLICY_COMMANDS`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.files import write_atomic
from sim.policy.robustness import MAXIMIZE, robustness


def add_parsers(sub: Any) -> None:
    """Add ``robustness`` to the subcommands ``sub``."""
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
        help=f"metrics where more is better (default: {' '.join(MAXIMIZE)})",
    )


def _cmd_robustness(args: argparse.Namespace) -> int:
    r = robustness(args.dir, args.satisfice, args.metrics, args.maximize)
    folder = Path(args.dir)
    write_atomic(folder / "robustness.csv", lambda p: r.table.to_csv(p, index=False))
    fig = r.figure()
    write_atomic(folder / "robustness.png", lambda p: fig.savefig(p, dpi=110, format="png"))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        if len(r.satisficing):
            write_atomic(folder / "satisficing.csv", lambda p: r.satisficing.to_csv(p, index=False))
            print(f"satisficing: {args.satisfice}")
            print(r.satisficing.to_string(index=False, float_format="{:.3g}".format))
            print()
        cols = ["policy", "metric", "mean", "p90", "regret_mean", "regret_max"]
        print(r.table[cols].to_string(index=False, float_format="{:.3g}".format))
    print(f"wrote robustness.csv and robustness.png in {folder}", flush=True)
    return 0


POLICY_COMMANDS = {"robustness": _cmd_robustness}
