"""A sweep's results folder: what is done, what failed, and the tidy table.

Core objects: :class:`SweepStore`. The folder holds

- ``manifest.json``: the sweep's hash, seeds, design and package versions (written first);
- ``design.parquet``: the design table;
- ``points/NNNNNN.json``: one file per finished point, its estimates or its error;
- ``results.parquet``: the tidy table, a row per point and metric (refreshed as points
  finish, and at the end);
- ``status.csv``: each point's status (done, failed, pending), seconds and error;
- ``.lock``: locked while a sweep runs in the folder.

Every file is written to a temporary name and renamed, so a process killed at any moment
leaves each file whole or absent. A store without a folder keeps the points in memory.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from sim.core.errors import InputError
from sim.core.files import prepare_dir, write_atomic
from sim.core.versions import numeric_versions
from sim.runs.manifest import manifest
from sim.sweeps.loader import Sweep

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # not POSIX: no advisory locks
    fcntl = None

#: the columns of each row of a point's estimates, after ``point`` and ``metric``
ESTIMATE_COLUMNS = ["mean", "ci_low", "ci_high", "p05", "p50", "p95", "n"]
REFRESH_SECONDS = 5.0  # how often results.parquet is rewritten while a sweep runs

Outcome = dict[str, Any]  # {"status": "done", "rows": [...]} or {"status": "failed", "error"}


def _lock(folder: Path) -> Any:
    """An exclusive lock on ``folder/.lock``, held while the file stays open (POSIX)."""
    handle = (folder / ".lock").open("a")
    if fcntl is None:  # no advisory locks here (Windows): one sweep per folder is on you
        return handle
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise InputError(
            "another sweep is running in this folder (it is locked): wait for it, or stop it",
            file=str(folder),
        ) from None
    return handle


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


def check_folder(sweep: Sweep, out: str | Path) -> int:
    """How many points ``out`` already holds for this sweep; writes nothing.

    Raises:
        InputError: ``out`` is a file, holds another sweep (or this one computed with other
            versions of the packages that compute the numbers), or other files.
    """
    folder = Path(out)
    if not folder.exists():
        return 0
    if not folder.is_dir():
        raise InputError("cannot write results there: it is a file, not a folder", file=str(out))
    path = folder / "manifest.json"
    if not path.is_file():
        if any(p for p in folder.iterdir() if not p.name.startswith(".")):
            raise InputError(
                "the folder is not empty and holds no sweep manifest: give --out a new or "
                "empty folder",
                file=str(folder),
            )
        return 0
    try:
        old = json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise InputError(f"unreadable sweep manifest ({exc})", file=str(path)) from None
    if old.get("sweep_hash") != sweep.hash:
        raise InputError(
            f"this folder holds a different sweep ({old.get('sweep', '?')!r}, hash "
            f"{str(old.get('sweep_hash'))[:12]}) from {sweep.file} (hash "
            f"{sweep.hash[:12]}): give --out another folder, or remove this one",
            file=str(path),
        )
    then = old.get("versions", {})
    if changed := [f"{k} {then.get(k)} then, {v} now" for k, v in numeric_versions().items()
                   if then.get(k) != v]:  # fmt: skip
        raise InputError(
            f"this sweep was run with other versions ({'; '.join(changed)}): new points "
            "could differ from finished ones; give --out another folder, or use those versions",
            file=str(path),
        )
    return len(_finished(folder, len(sweep.design)))


def _finished(folder: Path, n_points: int) -> dict[int, Outcome]:
    """The done points' outcomes in ``points/`` (unreadable or foreign files are ignored)."""
    out: dict[int, Outcome] = {}
    for point_file in sorted((folder / "points").glob("*.json")):
        try:
            outcome = json.loads(point_file.read_text())
            point = int(point_file.stem)
        except (ValueError, OSError):
            continue  # not ours, or unreadable: the point runs again
        if outcome.get("status") == "done" and 0 <= point < n_points:
            out[point] = outcome
    return out


class SweepStore:
    """The finished points of one sweep, on disk (``out``) or in memory (``out=None``).

    Use it as a context manager: a folder is locked while the store is open, so two sweeps
    cannot write into it at once.

    Raises:
        InputError: ``out`` cannot hold this sweep (see :func:`check_folder`), or another
            process is running a sweep in it.
    """

    def __init__(self, sweep: Sweep, out: str | Path | None) -> None:
        """Keep the sweep and the folder; :meth:`__enter__` opens them."""
        self.sweep, self.out = sweep, out
        self.dir: Path | None = None
        self.outcomes: dict[int, Outcome] = {}
        self._done: set[int] = set()
        self.n_failed = 0
        self._written = 0.0
        self._lock: Any = None

    def __enter__(self) -> SweepStore:
        """Lock the folder, check it, clean it, and read the points it holds."""
        if self.out is None:
            return self
        check_folder(self.sweep, self.out)
        folder = self.dir = prepare_dir(self.out)
        self._lock = _lock(folder)
        check_folder(self.sweep, folder)  # again, now that no one else can write
        for stale in [*folder.glob(".*.tmp"), *folder.glob("points/.*.tmp")]:
            stale.unlink(missing_ok=True)  # left by a process killed mid-write
        path = folder / "manifest.json"
        if not path.is_file():
            info = manifest(self.sweep.scenario, self.sweep.spec.seed, **sweep_info(self.sweep))
            write_atomic(path, lambda p: p.write_text(json.dumps(info, indent=2)))
        write_atomic(folder / "design.parquet", lambda p: self.sweep.design.to_parquet(p))
        (folder / "points").mkdir(exist_ok=True)
        self.outcomes = _finished(folder, len(self.sweep.design))
        self._done = set(self.outcomes)
        return self

    def __exit__(self, *exc: object) -> None:
        """Release the folder."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def done(self) -> set[int]:
        """The points finished without error."""
        return set(self._done)

    def record(self, point: int, outcome: Outcome) -> None:
        """Keep a finished point's outcome (on disk at once, atomically)."""
        old = self.outcomes.get(point)
        self.n_failed += (outcome["status"] == "failed") - (
            old is not None and old["status"] == "failed"
        )
        self.outcomes[point] = outcome
        if outcome["status"] == "done":
            self._done.add(point)
        else:
            self._done.discard(point)
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
        known = pd.DataFrame.from_dict(
            {
                i: {"status": o["status"], "seconds": o.get("seconds"), "error": o.get("error")}
                for i, o in self.outcomes.items()
            },
            orient="index",
            columns=["status", "seconds", "error"],
        )
        out = self.sweep.design.join(known)
        out["status"] = out["status"].fillna("pending")
        out["seconds"] = out["seconds"].astype("float64")
        out["error"] = out["error"].fillna("")
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
