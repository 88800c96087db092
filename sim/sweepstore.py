"""A sweep's results folder: what is done, what failed, and the tidy table.

Core objects: :class:`SweepStore`. The folder holds

- ``manifest.json``: the sweep's hash, seeds, design and package versions (written first);
- ``design.parquet``: the design table;
- ``points/NNNNNN.json``: one file per finished point, its estimates or its error;
- ``results.parquet``: the tidy table, a row per point and metric (refreshed as points
  finish, and at the end);
- ``status.csv``: each point's status (done, failed, pending), seconds and error.

Every file is written to a temporary name and renamed, so a process killed at any moment
leaves each file whole or absent. A store without a folder keeps the points in memory.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.output import manifest, prepare_dir, write_atomic
from sim.sweepfile import Sweep

#: the columns of each row of a point's estimates, after ``point`` and ``metric``
ESTIMATE_COLUMNS = ["mean", "ci_low", "ci_high", "p05", "p50", "p95", "n"]
REFRESH_SECONDS = 5.0  # how often results.parquet is rewritten while a sweep runs

Outcome = dict[str, Any]  # {"status": "done", "rows": [...]} or {"status": "failed", "error"}


def sweep_info(sweep: Sweep) -> dict[str, Any]:
    """What the manifest says of a sweep (and what analysis needs): design, parameters, ..."""
    crn = sweep.spec.common_random_numbers
    return {
        "sweep": sweep.name,
        "sweep_file": sweep.file,
        "sweep_hash": sweep.hash,
        "design": sweep.spec.design.model_dump(),
        "parameters": {k: sweep.targets[k] for k in sweep.design.columns},
        "parameter_specs": {
            k: p.model_dump(exclude_none=True) for k, p in sweep.spec.parameters.items()
        },
        "points": len(sweep.design),
        "replications": sweep.spec.replications,
        "days": sweep.days,
        "common_random_numbers": crn,
        "point_seeds": "the sweep's seed at every point" if crn else "[seed, point]",
        "metrics": sweep.metrics,
    }


class SweepStore:
    """The finished points of one sweep, on disk (``out``) or in memory (``out=None``).

    Raises:
        InputError: ``out`` holds another sweep, or files that are not a sweep's.
    """

    def __init__(self, sweep: Sweep, out: str | Path | None) -> None:
        """Open (or start) the store; a folder that holds this sweep is resumed."""
        self.sweep = sweep
        self.dir = prepare_dir(out) if out is not None else None
        self.outcomes: dict[int, Outcome] = {}
        self._written = 0.0
        if self.dir is not None:
            self._open(self.dir)

    def _open(self, folder: Path) -> None:
        for stale in [*folder.glob(".*.tmp"), *folder.glob("points/.*.tmp")]:
            stale.unlink(missing_ok=True)  # left by a process killed mid-write
        path = folder / "manifest.json"
        if path.is_file():
            self._check_same_sweep(path)
        elif any(folder.iterdir()):
            raise InputError(
                "the folder is not empty and holds no sweep manifest: give --out a new or "
                "empty folder",
                file=str(folder),
            )
        else:
            info = manifest(self.sweep.scenario, self.sweep.spec.seed, **sweep_info(self.sweep))
            write_atomic(path, lambda p: p.write_text(json.dumps(info, indent=2)))
        write_atomic(folder / "design.parquet", lambda p: self.sweep.design.to_parquet(p))
        (folder / "points").mkdir(exist_ok=True)
        for point_file in sorted((folder / "points").glob("*.json")):
            try:
                outcome = json.loads(point_file.read_text())
                point = int(point_file.stem)
            except (ValueError, OSError):
                continue  # not ours, or unreadable: the point runs again
            if outcome.get("status") == "done" and 0 <= point < len(self.sweep.design):
                self.outcomes[point] = outcome

    def _check_same_sweep(self, path: Path) -> None:
        try:
            old = json.loads(path.read_text())
        except (ValueError, OSError) as exc:
            raise InputError(f"unreadable sweep manifest ({exc})", file=str(path)) from None
        if old.get("sweep_hash") != self.sweep.hash:
            raise InputError(
                f"this folder holds a different sweep ({old.get('sweep', '?')!r}, hash "
                f"{str(old.get('sweep_hash'))[:12]}) from {self.sweep.file} (hash "
                f"{self.sweep.hash[:12]}): give --out another folder, or remove this one",
                file=str(path),
            )

    def done(self) -> set[int]:
        """The points finished without error."""
        return {i for i, o in self.outcomes.items() if o["status"] == "done"}

    def record(self, point: int, outcome: Outcome) -> None:
        """Keep a finished point's outcome (on disk at once, atomically)."""
        self.outcomes[point] = outcome
        if self.dir is not None:
            text = json.dumps({"point": point, **outcome})
            write_atomic(self.dir / "points" / f"{point:06d}.json", lambda p: p.write_text(text))
            if time.monotonic() - self._written > REFRESH_SECONDS:
                self.write_tables()

    def table(self) -> pd.DataFrame:
        """The tidy table: a row per finished point and metric, with its parameters."""
        rows = [
            {"point": i, **row} for i in sorted(self.done()) for row in self.outcomes[i]["rows"]
        ]
        columns = ["point", "metric", *ESTIMATE_COLUMNS]
        est = pd.DataFrame(rows, columns=columns).astype({"point": "int64", "n": "int64"})
        for col in ESTIMATE_COLUMNS[:-1]:
            est[col] = est[col].astype("float64")
        design = self.sweep.design.reset_index()
        table = design.merge(est, on="point", how="inner", validate="one_to_many")
        return table.reset_index(drop=True)

    def status(self) -> pd.DataFrame:
        """Every point: ``status`` (done, failed or pending), ``seconds`` and ``error``."""
        out = self.sweep.design.copy()
        out["status"] = "pending"
        out["seconds"] = math.nan
        out["error"] = ""
        for i, o in self.outcomes.items():
            out.loc[i, ["status", "seconds", "error"]] = [
                o["status"],
                o.get("seconds", math.nan),
                o.get("error", ""),
            ]
        return out

    def failures(self) -> dict[int, str]:
        """Failed points and their errors."""
        return {i: o["error"] for i, o in sorted(self.outcomes.items()) if o["status"] == "failed"}

    def write_tables(self) -> list[Path]:
        """Write ``results.parquet`` and ``status.csv`` (nothing without a folder)."""
        self._written = time.monotonic()
        if self.dir is None:
            return []
        table, status = self.table(), self.status()
        return [
            write_atomic(self.dir / "results.parquet", lambda p: table.to_parquet(p, index=False)),
            write_atomic(self.dir / "status.csv", lambda p: status.to_csv(p)),
        ]
