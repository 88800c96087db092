"""The calibration commands of ``escsim``: ``calibrate`` and ``forecast``.

Core objects: :func:`add_parsers` and :data:`CALIBRATION_COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calibration.forecast import skill
from sim.calibration.loader import load_calibration
from sim.calibration.runner import calibrate, load_results
from sim.cli.arguments import add_where, folder, positive, seed
from sim.core.files import write_atomic
from sim.runs.pool import check_executor_args


def add_parsers(sub: Any) -> None:
    """Add ``calibrate`` and ``forecast`` to the subcommands ``sub``."""
    p = sub.add_parser("calibrate", help="fit a calibration file's quantities to the record")
    p.add_argument("file", help="a calibration file, or a shipped one's name")
    p.add_argument("--out", type=folder, required=True, help="results folder; rerun to resume")
    add_where(p)
    p.add_argument("--restart", action="store_true", help="discard finished generations")
    p = sub.add_parser("forecast", help="score a calibration's forecasts of its held-out record")
    p.add_argument("dir", help="a calibration's results folder (escsim calibrate --out)")
    p.add_argument("--samples", type=positive, default=4000, help="forecast samples (4000)")
    p.add_argument("--seed", type=seed, default=0, help="seed (0)")
    p.add_argument("--workers", type=positive, default=None, help="local processes (all cores)")


def _cmd_calibrate(args: argparse.Namespace) -> int:
    cal = load_calibration(args.file)
    check_executor_args(args.workers, args.scheduler, args.dask_local)
    try:
        post = calibrate(cal, args.out, args.workers, not args.restart, args.scheduler,
                         args.dask_local, progress=True)  # fmt: skip
    except KeyboardInterrupt:
        print(f"escsim: interrupted; finished generations are kept in {args.out}: run the "
              "same command again to resume", file=sys.stderr)  # fmt: skip
        return 130
    print(post.report())
    print(f"results in {args.out}", file=sys.stderr)
    return 0


def _cmd_forecast(args: argparse.Namespace) -> int:
    post = load_results(args.dir)
    table = skill(post, args.samples, args.seed, args.workers)
    write_atomic(Path(args.dir) / "forecast.csv", lambda p: table.to_csv(p))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(float_format="{:.3g}".format))
    return 0


#: command name -> what runs it
CALIBRATION_COMMANDS = {"calibrate": _cmd_calibrate, "forecast": _cmd_forecast}
