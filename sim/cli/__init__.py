"""The ``escsim`` command: a thin layer over the Python API.

Core objects: :func:`main` and its subcommands ``run``, ``compare``, ``sweep``,
``analyze``, ``plot``, ``calibrate`` and ``forecast`` (:mod:`sim.cli.calibration`), ``trace``,
``validate`` and ``list``; the arguments they share are in :mod:`sim.cli.arguments`.
Bad input of any kind ends with one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.calibration.loader import is_calibration_file, load_calibration
from sim.cli.arguments import (
    add_run_options,
    add_where,
    folder,
    positive,
    run_options,
    seed,
    with_settings,
)
from sim.cli.calibration import CALIBRATION_COMMANDS, add_parsers
from sim.cli.policy import POLICY_COMMANDS
from sim.cli.policy import add_parsers as add_policy_parsers
from sim.core.errors import InputError, did_you_mean
from sim.core.files import WriteError
from sim.core.paths import looks_like_path
from sim.runs.comparison import compare
from sim.runs.pool import WorkersDied, check_executor_args
from sim.runs.runner import run
from sim.runs.sensitivity import analyze_run
from sim.runs.trace import trace
from sim.scenario.loader import list_scenarios, load_scenario
from sim.sweeps.loader import is_sweep_file, list_sweeps, load_sweep
from sim.sweeps.results import SweepResults
from sim.sweeps.runner import sweep
from sim.sweeps.store import check_folder

#: the trials ``validate`` runs of a scenario over its horizon (a fraction of a second)
DRY_RUN_TRIALS = 100


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``escsim``."""
    parser = argparse.ArgumentParser(
        prog="escsim",
        description="Escalation risk between Iran, the U.S., Iraq and "
        "Iran-aligned militias: vectorized Monte Carlo runs of YAML scenarios.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run one scenario and print its estimates")
    p.add_argument("scenario", help="a shipped scenario's name (see 'escsim list') or a YAML path")
    add_run_options(p)
    p = sub.add_parser("compare", help="paired difference of every metric between two scenarios")
    p.add_argument("a", help="first scenario")
    p.add_argument("b", help="second scenario")
    add_run_options(p)
    p = sub.add_parser("sweep", help="run every point of a sweep file's design")
    p.add_argument("file", help="a sweep file, or a shipped sweep's name (see 'escsim list')")
    p.add_argument(
        "--out", type=folder, required=True, help="folder for the results; rerun to resume"
    )
    add_where(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = sub.add_parser("analyze", help="sensitivity indices of a sweep's or a run's metrics")
    p.add_argument("dir", help="a sweep's results folder, or a run's (escsim run --out)")
    p.add_argument("--metrics", nargs="+", type=str, default=None, help="metrics (default: all)")
    p.add_argument(
        "--delta",
        action="store_true",
        help="a run: also Borgonovo's moment-independent delta (slow: ~20 s a metric)",
    )
    p = sub.add_parser("plot", help="draw a sweep's effects, heatmaps and sensitivity bars")
    p.add_argument("dir", help="a sweep's results folder")
    p.add_argument("--metrics", nargs="+", default=None, help="metrics (default: the main)")
    p = sub.add_parser("trace", help="one trial's events, day by day")
    p.add_argument("scenario", help="a shipped scenario's name or a YAML path")
    p.add_argument("--trial", type=seed, required=True, help="the trial's index in the run")
    p.add_argument("--seed", type=seed, default=0, help="the run's root seed (0)")
    p.add_argument("--days", type=positive, default=None, help="days (the scenario's own)")
    p.add_argument("--point", action="store_true", help="every number at its point value")
    p.add_argument("--csv", action="store_true", help="print the events as CSV")
    add_parsers(sub)
    add_policy_parsers(sub)
    p = sub.add_parser("validate", help="check scenario, sweep and calibration files")
    p.add_argument("files", nargs="+", help="scenario, sweep or calibration files, or names")
    sub.add_parser("list", help="list the shipped scenarios and sweeps")
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    results = run(with_settings(args.scenario, args.settings), **run_options(args))
    print(json.dumps(results.to_json_dict(), indent=2) if args.json else results.report())
    if args.out is not None:
        for path in results.write(args.out):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    a, b = (with_settings(ref, args.settings) for ref in (args.a, args.b))
    comparison = compare(a, b, **run_options(args))
    print(json.dumps(comparison.to_json_dict(), indent=2) if args.json else comparison.report())
    if args.out is not None:
        print(f"wrote {comparison.write(args.out)}", file=sys.stderr)
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    s = load_sweep(args.file)
    check_executor_args(args.workers, args.scheduler, args.dask_local)
    done = check_folder(s, args.out)  # refuses a folder that holds another sweep
    resuming = f"; resuming, {done} already done" if done else ""
    print(
        f"sweep {s.name}: {len(s.design)} points ({s.spec.design.kind}) x "
        f"{s.spec.replications:,} trials x {s.days} days, base {s.scenario.name}{resuming}",
        file=sys.stderr,
    )
    try:
        table = sweep(
            s,
            out=args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            dask_local=args.dask_local,
            progress=not args.quiet,
        )
    except KeyboardInterrupt:
        print(
            f"escsim: interrupted; finished points are kept in {args.out}: run the same "
            "command again to resume",
            file=sys.stderr,
        )
        return 130
    except WorkersDied as exc:
        print(f"escsim: error: {exc}", file=sys.stderr)
        return 1
    failed = table.attrs["failed"]
    done = table["point"].nunique()
    pending = len(s.design) - done - len(failed)
    not_run = f", {pending} not run (rerun to resume)" if pending else ""
    print(
        f"{done} of {len(s.design)} points done, {len(failed)} failed{not_run}; "
        f"results in {args.out}"
    )
    for point, error in failed.items():
        row = s.design.iloc[[point]].to_dict("records")[0]  # each column keeps its own type
        values = ", ".join(f"{k}={v!r}" for k, v in row.items())
        print(f"  point {point} ({values}) failed: {error}", file=sys.stderr)
    return 1 if failed or pending else 0


def _unique(metrics: list[str] | None) -> list[str] | None:
    """The metrics asked for, each once, in order."""
    return list(dict.fromkeys(metrics)) if metrics else None


def _cmd_analyze(args: argparse.Namespace) -> int:
    args.metrics = _unique(args.metrics)
    if (Path(args.dir) / "parameters.parquet").is_file():  # a run's folder: its draws
        sens, paths = analyze_run(args.dir, args.metrics, _methods(args))
    else:
        sens, paths = SweepResults.load(args.dir).write_sensitivity(args.metrics)
    with pd.option_context("display.width", 120, "display.max_rows", 500):
        print(sens.drop(columns=["ci_low", "ci_high"]).to_string(index=False))
    for metric, reason in sens.attrs["skipped"].items():
        print(f"skipped {metric}: {reason}", file=sys.stderr)
    for path in paths:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _methods(args: argparse.Namespace) -> tuple[str, ...]:
    return ("rbd_fast", "delta") if args.delta else ("rbd_fast",)


def _cmd_plot(args: argparse.Namespace) -> int:
    args.metrics = _unique(args.metrics)
    res = SweepResults.load(args.dir)
    paths, skipped = res.write_figures(args.metrics)
    for path in paths:
        print(f"wrote {path}")
    for metric, reason in skipped.items():
        print(f"skipped {metric}: {reason}", file=sys.stderr)
    if res.missing() and res.info["design"]["kind"] != "grid":
        print(
            f"no sensitivity bars: {res.missing()} points have no results (run the sweep "
            "again to finish it)",
            file=sys.stderr,
        )
    return 0


def _cmd_trace(args: argparse.Namespace) -> int:
    t = trace(args.scenario, args.trial, args.seed, args.days, args.point)
    print(t.to_frame().to_csv(index=False) if args.csv else t, end="\n" * (not args.csv))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for ref in args.files:
        try:
            print(_validate_one(ref))
        except InputError as exc:
            print(f"escsim: error: {exc.message}", file=sys.stderr)
            failed += 1
    return 2 if failed else 0


def _validate_one(ref: str) -> str:
    if looks_like_path(ref) and is_calibration_file(ref):
        c = load_calibration(ref)
        m = c.spec.method
        return (
            f"ok: {ref} (calibration {c.name}: {len(c.priors)} quantities of scenario "
            f"{c.scenario.name}, fitted to day {c.spec.fit_until}; {m.particles:,} particles "
            f"x {m.replicates} replicates, at most {m.generations} generations)"
        )
    if is_sweep_file(ref):
        s = load_sweep(ref)
        return (
            f"ok: {ref} (sweep {s.name}: {s.spec.design.kind} design, {len(s.design)} points "
            f"x {s.spec.replications:,} trials, base {s.scenario.name}, hash {s.hash[:12]})"
        )
    try:
        sc = load_scenario(ref)
    except InputError as exc:
        if exc.file is None:  # a bare name that is no shipped scenario: nor a sweep
            names = [*list_scenarios(), *list_sweeps()]
            hint = did_you_mean(ref, names)
            raise InputError(f"no shipped scenario or sweep named {ref!r}{hint}") from None
        raise
    days = sc.spec.days
    run(sc, DRY_RUN_TRIALS, days)  # what only running shows: a rule out of its range, say
    return (
        f"ok: {ref} (scenario {sc.name}, {len(sc.spec.militias)} militias, hash {sc.hash[:12]}; "
        f"ran {DRY_RUN_TRIALS} trials x {days} days)"
    )


def _cmd_list(_: argparse.Namespace) -> int:
    for name, description in list_scenarios().items():
        print(f"{name:18} {textwrap.shorten(description, 100, placeholder=' ...')}")
    sweeps = list_sweeps()
    if sweeps:
        print("\nsweeps (escsim sweep NAME --out DIR):")
    for name, description in sweeps.items():
        print(f"{name:18} {textwrap.shorten(description, 100, placeholder=' ...')}")
    return 0


COMMANDS = {
    "run": _cmd_run,
    "compare": _cmd_compare,
    "sweep": _cmd_sweep,
    "analyze": _cmd_analyze,
    "plot": _cmd_plot,
    **CALIBRATION_COMMANDS,
    **POLICY_COMMANDS,
    "trace": _cmd_trace,
    "validate": _cmd_validate,
    "list": _cmd_list,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``escsim`` with ``argv`` (default: the command line); return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"escsim: error: {exc.message}", file=sys.stderr)
        return 2
    except WriteError as exc:  # the disk, not the input: full, a file-size limit, permissions
        print(f"escsim: error: {exc}; nothing partial was left", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("escsim: interrupted; no results were written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `escsim run ... --json | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
