"""The arguments ``escsim`` takes: their types and the option groups commands share.

Core objects: :func:`whole` (and :data:`positive`, :data:`seed`), :func:`setting` and
:func:`with_settings` (``--set KEY.PATH=VALUE``), :func:`folder`, :func:`add_run_options` and
:func:`run_options` (what ``run`` and ``compare`` take), :func:`add_where` (local processes or
Dask).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from sim.core.errors import InputError
from sim.core.files import check_out_dir
from sim.core.yamlio import parse_yaml
from sim.runs.runner import DEFAULT_BLOCK
from sim.scenario.keypaths import value_path
from sim.scenario.loader import Scenario, load_scenario


def whole(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``low``."""

    def parse(text: str) -> int:
        digits = text.strip().lstrip("+")
        if digits.isdigit() and len(digits) > MAX_DIGITS:
            raise argparse.ArgumentTypeError(f"too large: a number of {len(digits)} digits")
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


positive, seed = whole(1), whole(0)
#: no count or seed the command takes has more digits (2**128 has 39)
MAX_DIGITS = 40


def setting(text: str) -> tuple[str, Any]:
    """An argparse type: ``KEY.PATH=VALUE``, the value read as YAML (as in a patch file)."""
    key, eq, value = text.partition("=")
    if not eq or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY.PATH=VALUE, got {text!r}")
    for part in key.strip().split("."):
        if part.isdigit() and str(int(part)) != part:  # one value, one name
            raise argparse.ArgumentTypeError(f"write the list index {part!r} as {int(part)}")
    try:
        data, _ = parse_yaml(value, f"--set {key.strip()}")
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    return key.strip(), data


def with_settings(ref: str, settings: list[tuple[str, Any]]) -> Scenario | str:
    """The scenario ``ref`` with the ``--set`` values, validated as a patch file's would be."""
    if not settings:
        return ref
    sc = load_scenario(ref)
    changes = {  # a mapping or null is a patch at the path itself; a value, at its value
        key
        if value is None or isinstance(value, dict)
        else value_path(sc.data, key, "--set"): value
        for key, value in settings
    }
    return sc.patched(changes, source="--set")


def folder(text: str) -> str:
    """An argparse type: a results folder, not an empty string."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a folder, got an empty string")
    return text


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Add the options ``run`` and ``compare`` share to ``p``."""
    p.add_argument("--trials", type=positive, default=10_000, help="Monte Carlo trials (10000)")
    p.add_argument("--days", type=positive, default=None, help="days (the scenario's own)")
    p.add_argument("--seed", type=seed, default=0, help="root seed (0)")
    p.add_argument(
        "--block-size",
        type=positive,
        default=DEFAULT_BLOCK,
        help=f"trials simulated together; results do not depend on it ({DEFAULT_BLOCK})",
    )
    p.add_argument(
        "--workers",
        type=positive,
        default=None,
        help="processes to spread blocks over; results do not depend on it (all cores)",
    )
    p.add_argument(
        "--set",
        dest="settings",
        metavar="KEY.PATH=VALUE",
        type=setting,
        action="append",
        default=[],
        help="set a scenario value (repeatable), e.g. --set drivers.gaza=0.5 "
        "(params.X and drivers.X mean their value)",
    )
    p.add_argument(
        "--point",
        action="store_true",
        help="every number at its point value (default: draw declared uncertainties per trial)",
    )
    p.add_argument(
        "--posterior",
        type=folder,
        default=None,
        metavar="DIR",
        help="draw the fitted quantities from a calibration's posterior (escsim calibrate --out)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--out", type=folder, default=None, help="folder to write results into")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def add_where(p: argparse.ArgumentParser) -> None:
    """Add where to run (``--workers``, ``--scheduler`` or ``--dask-local``, one) to ``p``."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive, default=None, help="local processes (all cores)")
    where.add_argument("--scheduler", default=None, help="a Dask scheduler, tcp://HOST:PORT")
    where.add_argument(
        "--dask-local", type=positive, default=None, help="a local Dask cluster of N"
    )


def run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options run and compare share, as keyword arguments of the Python API."""
    if args.out is not None:
        check_out_dir(args.out)  # refuse a bad --out before the run; create it only to write
    return {
        "trials": args.trials,
        "days": args.days,
        "seed": args.seed,
        "block_size": args.block_size,
        "workers": args.workers,
        "progress": not args.quiet,
        "point": args.point,
        "posterior": args.posterior,
    }
