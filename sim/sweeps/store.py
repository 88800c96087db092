"""A sweep's results folder: what is done, what failed, and the tidy table.

Core objects: :class:`SweepStore`. The folder holds

- ``manifest.json``: the sweep's hash, seeds, design and package versions (written first,
  with ``design.parquet``: both are rendered before either is written);
- ``design.parquet``: the design table;
- ``points/NNNNNN.json``: one file per finished point, its estimates or its error;
- ``results.parquet``: the tidy table, a row per point and metric (refreshed as points
  finish, and at the end);
- ``status.csv``: each point's status (done, failed, pending), seconds and error;
- ``.lock``: locked while a sweep runs in the folder.

Every file is written to a temporary name and renamed, so a process killed at any moment
leaves each file whole or absent. A store without a folder keeps the points in memory.
Before a sweep resumes in a folder, every file it would read is checked (:func:`check_folder`):
a folder whose files were changed by hand is refused, with the reason, and left as it is.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from sim.core.errors import InputError
from sim.core.files import check_out_dir, prepare_dir, write_all, write_atomic
from sim.core.versions import numeric_versions
from sim.core.yamlio import read_text
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
#: ... or less often, so rewriting a large table takes at most this share of the time
REFRESH_SHARE = 0.1
#: the files a sweep writes into its folder (each a regular file when present)
FILES = (".lock", "manifest.json", "design.parquet", "results.parquet", "status.csv")

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
        "parameters": {k: sweep.targets.get(k, k) for k in sweep.design.columns},
        "parameter_specs": {
            k: sweep.parameter(k).model_dump(exclude_none=True) for k in sweep.sections
        },
        **({"policies": sweep.policies} if sweep.policies else {}),
        **(
            {"levers": list(sweep.spec.levers.parameters or {})}
            if sweep.spec.levers is not None
            else {}
        ),
        "points": len(sweep.design),
        "replications": sweep.spec.replications,
        "days": sweep.days,
        "common_random_numbers": crn,
        "point_seeds": "the sweep's seed at every point" if crn else "[seed, point]",
        "metrics": sweep.metrics,
        "point": sweep.spec.point,
        "uncertain": sweep.uncertain(),
    }


def check_folder(sweep: Sweep, out: str | Path) -> int:
    """How many points ``out`` already holds for this sweep; writes nothing.

    Raises:
        InputError: ``out`` is empty or a file, holds another sweep (or this one computed
            with other versions of the packages that compute the numbers), a run's results,
            other files, or sweep files damaged by hand.
    """
    check_out_dir(out)
    folder = Path(out)
    if not folder.exists():
        return 0
    if not folder.is_dir():
        raise InputError("cannot write results there: it is a file, not a folder", file=str(out))
    _check_kinds(folder)
    path = folder / "manifest.json"
    if not path.exists():
        if any(p for p in folder.iterdir() if not p.name.startswith(".")):
            raise InputError(
                "the folder is not empty and holds no sweep manifest: give --out a new or "
                "empty folder",
                file=str(folder),
            )
        return 0
    old = _manifest(folder)
    if old.get("sweep_hash") != sweep.hash:
        raise InputError(
            f"this folder holds a different sweep ({old.get('sweep', '?')!r}, hash "
            f"{str(old.get('sweep_hash'))[:12]}) from {sweep.file} (hash "
            f"{sweep.hash[:12]}): give --out another folder, or remove this one",
            file=str(path),
        )
    then = old["versions"]
    if changed := [f"{k} {then.get(k)} then, {v} now" for k, v in numeric_versions().items()
                   if then.get(k) != v]:  # fmt: skip
        raise InputError(
            f"this sweep was run with other versions ({'; '.join(changed)}): new points "
            "could differ from finished ones; give --out another folder, or use those versions",
            file=str(path),
        )
    return len(_finished(folder, sweep))


def _damaged(folder: Path, file: Path, reason: str) -> InputError:
    """The one error for a sweep folder whose files were changed by hand."""
    return InputError(
        f"the folder {folder} is not a sweep folder this version can resume ({reason})",
        file=str(file),
    )


def _check_kinds(folder: Path) -> None:
    """Each of a sweep's files is a file, and ``points`` a folder, where they exist."""
    for name in FILES:  # a dangling symlink or a symlink loop "exists" only as a link
        path = folder / name
        if (path.exists() or path.is_symlink()) and not path.is_file():
            raise _damaged(folder, path, f"{name} is not a file")
    points = folder / "points"
    if (points.exists() or points.is_symlink()) and not points.is_dir():
        raise _damaged(folder, points, "points is not a folder")


def _manifest(folder: Path) -> dict[str, Any]:
    """The folder's manifest, if it is a sweep's; its files checked for what resuming needs.

    Raises:
        InputError: The manifest is a run's, or the folder was damaged by hand.
    """
    path = folder / "manifest.json"
    old = _read_json(folder, path)
    if not isinstance(old, dict):
        raise _damaged(folder, path, f"the manifest is a {_kind(old)}, not a mapping")
    if "sweep_hash" not in old and "trials" in old:
        raise InputError(
            "this folder holds a run's results (escsim run --out), not a sweep's: give --out "
            "another folder",
            file=str(path),
        )
    if not isinstance(old.get("sweep_hash"), str):
        raise _damaged(folder, path, "the manifest has no sweep_hash")
    if not isinstance(old.get("versions"), dict):
        raise _damaged(folder, path, "the manifest has no versions")
    return old


def _read_json(folder: Path, path: Path) -> Any:
    """A file of the folder as JSON, refused if damaged.

    It must be a regular file of at most 1 MiB (a FIFO, a device or a huge file is refused
    before it is read), not nested past Python's limits.
    """
    try:
        return json.loads(read_text(path))
    except InputError as exc:
        raise _damaged(folder, path, f"{path.name}: {exc.reason}") from None
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise _damaged(folder, path, f"{path.name} is not readable JSON: {reason}") from None


def _kind(value: Any) -> str:
    return {list: "list", str: "text", type(None): "null"}.get(type(value), type(value).__name__)


def _finished(folder: Path, sweep: Sweep) -> dict[int, Outcome]:
    """The done points' outcomes in ``points/``, each point file checked.

    Raises:
        InputError: A point file that this version would not have written.
    """
    out: dict[int, Outcome] = {}
    for path in sorted((folder / "points").glob("*.json")):
        if not (path.stem.isascii() and path.stem.isdigit()):
            continue  # not a point file (nor ours): ignored
        outcome = _read_json(folder, path)
        if reason := _bad_outcome(outcome, int(path.stem), sweep):
            raise _damaged(folder, path, reason)
        if outcome["status"] == "done":
            out[int(path.stem)] = outcome
    return out


def _bad_outcome(outcome: Any, point: int, sweep: Sweep) -> str:
    """What is wrong with a point file's content (``""``: nothing)."""
    if not isinstance(outcome, dict):
        return f"the point file holds a {_kind(outcome)}, not a mapping"
    if outcome.get("point") != point:
        return f"the file holds point {outcome.get('point')!r}, not {point}"
    if point >= len(sweep.design):
        return f"this sweep's points are 0 to {len(sweep.design) - 1}, not {point}"
    if not isinstance(outcome.get("seconds", 0.0), int | float):
        return "a point's seconds are not a number"
    if outcome.get("status") == "failed":
        return "" if isinstance(outcome.get("error"), str) else "a failed point without its error"
    if outcome.get("status") != "done":
        return f"a point's status is done or failed, not {outcome.get('status')!r}"
    rows = outcome.get("rows")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return "a done point without its rows of estimates"
    if [r.get("metric") for r in rows] != sweep.metrics:
        return "a done point whose rows are not this sweep's metrics"
    for row in rows:
        values = [row.get(c, "") for c in ESTIMATE_COLUMNS]
        if not all(v is None or type(v) in (int, float) for v in values) or values[-1] is None:
            return f"the estimates of {row['metric']} are not all numbers"
    return ""


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
        self._refresh = REFRESH_SECONDS
        self._lock: Any = None

    def __enter__(self) -> SweepStore:
        """Check the folder, lock it, clean it, and read the points it holds.

        The manifest and the design are rendered before anything is written, and written
        together, so a sweep that cannot start leaves no file behind (nor a folder it made).
        """
        if self.out is None:
            return self
        check_folder(self.sweep, self.out)
        first = self._first_files()
        made = not Path(self.out).exists()
        folder = self.dir = prepare_dir(self.out)
        try:
            self._lock = _lock(folder)
            self._open(folder, first)
        except BaseException:
            self.__exit__()
            if made:  # leave no empty folder behind
                (folder / ".lock").unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        return self

    def _first_files(self) -> dict[str, Callable[[Path], object]]:
        """The manifest and the design, rendered in memory: what can fail, fails here."""
        info = manifest(self.sweep.scenario, self.sweep.spec.seed, **sweep_info(self.sweep))
        text = json.dumps(info, indent=2)
        buffer = io.BytesIO()
        self.sweep.design.to_parquet(buffer)
        data = buffer.getvalue()
        return {
            "manifest.json": lambda p: p.write_text(text),
            "design.parquet": lambda p: p.write_bytes(data),
        }

    def _open(self, folder: Path, first: dict[str, Callable[[Path], object]]) -> None:
        """Under the lock: check the folder again, clean it, write the first files, read it."""
        check_folder(self.sweep, folder)  # again, now that no one else can write
        for stale in [*folder.glob(".*.tmp"), *folder.glob("points/.*.tmp")]:
            stale.unlink(missing_ok=True)  # left by a process killed mid-write
        if (folder / "manifest.json").is_file():
            del first["manifest.json"]  # kept as the first run wrote it
        write_all(folder, first)
        (folder / "points").mkdir(exist_ok=True)
        self.outcomes = _finished(folder, self.sweep)
        self._done = set(self.outcomes)

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
            if time.monotonic() - self._written > self._refresh:
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
        """Write ``results.parquet`` and ``status.csv`` (nothing without a folder).

        A large table waits longer for its next refresh, so rewriting it takes at most
        ``REFRESH_SHARE`` of the sweep's time.
        """
        start = self._written = time.monotonic()
        if self.dir is None:
            return []
        table, status = self.table(), self.status()
        paths = [
            write_atomic(self.dir / "results.parquet", lambda p: table.to_parquet(p, index=False)),
            write_atomic(self.dir / "status.csv", lambda p: status.to_csv(p)),
        ]
        self._refresh = max(REFRESH_SECONDS, (time.monotonic() - start) / REFRESH_SHARE)
        return paths
