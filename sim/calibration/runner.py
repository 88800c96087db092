"""Running a calibration: generations of particles as lanes, each written as it finishes.

Core objects: :func:`calibrate` and :func:`stop_reason`. Each generation's particles x
replicates run as the lanes of the model on one pool (this process, local processes or
Dask), seeded by the calibration's seed and the generation's number, so the same file and
seed give the same posterior whatever the workers. Every finished generation is written
atomically to ``DIR/generations/``; a calibration that was stopped resumes from the last
one written, and a folder holding another calibration is refused.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.calibration.loader import Calibration, load_calibration
from sim.calibration.observation import deviance
from sim.calibration.plots import marginals_figure, pairs_figure, predictive_check
from sim.calibration.posterior import Posterior
from sim.calibration.simulate import observe
from sim.calibration.smc import (
    Generation,
    NoneAccepted,
    Settings,
    Simulator,
    first_generation,
    next_generation,
)
from sim.core.errors import InputError
from sim.core.files import prepare_dir, write_all, write_atomic
from sim.core.types import FloatArray
from sim.core.versions import package_versions
from sim.model.values import lane_key
from sim.runs.pool import Pool, executor
from sim.runs.runner import DEFAULT_BLOCK

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: posterior predictive trajectories drawn for the figure
PREDICTIVE_SAMPLES = 2000


def _settings(cal: Calibration) -> Settings:
    m = cal.spec.method
    return Settings(m.particles, m.replicates, m.generations, m.quantile, m.min_epsilon,
                    m.min_acceptance, m.seed)  # fmt: skip


def fingerprint(cal: Calibration) -> str:
    """A hash of what the calibration fits and how: its settings, scenario and record."""
    h = hashlib.sha256(json.dumps(cal.spec.model_dump(mode="json"), sort_keys=True).encode())
    h.update(cal.scenario.hash.encode())
    for f in sorted(cal.record.folder.glob("*.csv")):
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def stop_reason(gens: list[Generation], s: Settings) -> str | None:
    """Why the calibration should stop after ``gens``, or None to go on."""
    if not gens:
        return None
    g = gens[-1]
    if len(gens) >= s.generations:
        return f"reached {s.generations} generations"
    if g.epsilon <= s.min_epsilon:
        return f"tolerance reached {s.min_epsilon:g}"
    if g.acceptance < s.min_acceptance:
        return f"acceptance fell below {s.min_acceptance:g}"
    if len(gens) > 1 and g.epsilon >= gens[-2].epsilon:
        return "tolerance stopped falling"
    return None


def generation_line(g: Generation) -> str:
    """One line on a finished generation."""
    share = g.model_seconds / g.seconds if g.seconds else 1.0
    return (
        f"generation {g.index}: tolerance {g.epsilon:.4g}, acceptance {g.acceptance:.3f}, "
        f"ESS {g.ess:,.0f}, {g.seconds:.1f} s ({share:.0%} in the model)"
    )


def _block(lanes: int, pool: Pool) -> int:
    slots = pool.slots()
    return max(1, min(DEFAULT_BLOCK, -(-lanes // (2 * slots)) if slots > 1 else lanes))


def _simulator(cal: Calibration, pool: Pool) -> Simulator:
    obs, s = cal.observed, _settings(cal)
    days = obs.days

    def distances(z: FloatArray, generation: int) -> FloatArray:
        lanes = {lane_key(k): np.repeat(v, s.replicates) for k, v in cal.values(z).items()}
        seed = [s.seed, generation]
        counts = observe(pool, cal.scenario, seed, lanes, days, cal.spec.point,
                         _block(z.shape[0] * s.replicates, pool))  # fmt: skip
        return deviance(obs, counts, days).reshape(z.shape[0], s.replicates)

    return distances


def _save_generation(folder: Path, g: Generation) -> None:
    def write(p: Path) -> None:
        buf = io.BytesIO()
        np.savez(buf, index=g.index, z=g.z, weights=g.weights, distances=g.distances,
                 epsilon=g.epsilon, seconds=g.seconds, model_seconds=g.model_seconds)  # fmt: skip
        p.write_bytes(buf.getvalue())

    write_atomic(folder / "generations" / f"{g.index:03d}.npz", write)


def _load_generations(folder: Path) -> list[Generation]:
    gens = []
    for i, f in enumerate(sorted((folder / "generations").glob("[0-9][0-9][0-9].npz"))):
        with np.load(f) as d:
            if int(d["index"]) != i:
                raise InputError(f"generation {i} is missing from the folder", file=str(f))
            gens.append(Generation(i, d["z"], d["weights"], d["distances"], float(d["epsilon"]),
                                   float(d["seconds"]), float(d["model_seconds"])))  # fmt: skip
    return gens


def load_results(folder: str | Path) -> Posterior:
    """The posterior of a finished calibration's results folder.

    Raises:
        InputError: The folder holds no finished calibration, or its file has changed.
    """
    where = Path(folder)
    manifest = where / "manifest.json"
    if not manifest.is_file():
        raise InputError("not a calibration's results folder (no manifest.json): run "
                         "`escsim calibrate` first", file=str(where))  # fmt: skip
    info = json.loads(manifest.read_text())
    cal = load_calibration(Path(info["file"])).with_method(**info["method"])
    if fingerprint(cal) != info["fingerprint"]:
        raise InputError(f"the calibration file, its scenario or its record changed since "
                         f"this folder was written ({info['file']})", file=str(where))  # fmt: skip
    return Posterior(cal, tuple(_load_generations(where)), str(info["stopped"]))


def _start(folder: Path, cal: Calibration, resume: bool) -> list[Generation]:
    """The generations already written for this calibration (none unless ``resume``)."""
    state = folder / "calibration.json"
    mine = {"name": cal.name, "fingerprint": fingerprint(cal)}
    if state.exists():
        theirs = json.loads(state.read_text())
        if theirs.get("fingerprint") != mine["fingerprint"]:
            raise InputError("this folder holds another calibration (its settings, scenario or "
                             "record differ): give a new folder", file=str(folder))  # fmt: skip
        if resume:
            return _load_generations(folder)
    (folder / "generations").mkdir(exist_ok=True)
    for f in (folder / "generations").glob("*.npz"):
        f.unlink()
    write_atomic(state, lambda p: p.write_text(json.dumps(mine, indent=2)))
    return []


def calibrate(
    calibration: str | Path | Calibration,
    out: str | Path,
    workers: int | None = None,
    resume: bool = True,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
) -> Posterior:
    """Fit a calibration file's quantities to the record by ABC-SMC; write the results.

    Args:
        calibration: A calibration file, or a loaded :class:`Calibration`.
        out: The results folder (``generations/``, ``posterior.parquet``, ``summary.csv``,
            ``diagnostics.csv``, ``manifest.json`` and the figures ``marginals.png``,
            ``pairs.png`` and ``predictive.png``).
        workers: Local processes (``None``: every core).
        resume: Go on from the generations already in ``out`` (for the same calibration).
        scheduler: A Dask scheduler's address, to run the lanes on its workers.
        dask_local: Run them on a local Dask cluster of this many processes.
        progress: Print a line to stderr as each generation finishes.

    Returns:
        The :class:`Posterior`.
    """
    cal = load_calibration(calibration)
    folder = prepare_dir(out)
    gens = _start(folder, cal, resume)

    def finished(g: Generation) -> None:
        _save_generation(folder, g)
        if progress:
            print(generation_line(g), file=sys.stderr)

    with executor(workers, scheduler, dask_local) as pool:
        post = fit(cal, pool, gens, finished)
    _write(folder, post, workers)
    return post


def fit(
    cal: Calibration,
    pool: Pool,
    done: list[Generation] | None = None,
    finished: Callable[[Generation], None] | None = None,
) -> Posterior:
    """Run generations on ``pool`` until the stopping rule, in memory.

    Args:
        cal: The calibration.
        pool: Where the lanes run.
        done: Generations already finished (resume from the last).
        finished: Called with each new generation as it finishes.
    """
    gens = list(done or [])
    s = _settings(cal)
    simulate = _simulator(cal, pool)
    stopped = stop_reason(gens, s)
    while stopped is None:
        try:
            g = (next_generation(gens[-1], s, simulate) if gens
                 else first_generation(len(cal.priors), s, simulate))  # fmt: skip
        except NoneAccepted as exc:
            if not gens:
                raise InputError(f"{exc} (generation 0)", file=cal.file) from None
            stopped = f"generation {len(gens)} accepted no particle"
            break
        gens.append(g)
        if finished is not None:
            finished(g)
        stopped = stop_reason(gens, s)
    return Posterior(cal, tuple(gens), stopped)


def _png(fig: Figure) -> Callable[[Path], None]:
    return lambda p: fig.savefig(p, dpi=100, format="png")


def _write(folder: Path, post: Posterior, workers: int | None) -> None:
    cal = post.calibration
    figures = {
        "marginals.png": marginals_figure(post),
        "pairs.png": pairs_figure(post),
        "predictive.png": predictive_check(post, PREDICTIVE_SAMPLES, cal.spec.method.seed, workers),
    }
    info = {
        "calibration": cal.name,
        "file": cal.file,
        "fingerprint": fingerprint(cal),
        "scenario": cal.scenario.name,
        "scenario_hash": cal.scenario.hash,
        "record": str(cal.record.folder),
        "fit_until": cal.spec.fit_until,
        "method": cal.spec.method.model_dump(),
        "generations": len(post.generations),
        "stopped": post.stopped,
        "versions": package_versions(),
    }
    write_all(
        folder,
        {
            "posterior.parquet": lambda p: post.table().to_parquet(p),
            "summary.csv": lambda p: post.summary().to_csv(p),
            "diagnostics.csv": lambda p: post.diagnostics().to_csv(p),
            **{name: _png(fig) for name, fig in figures.items()},
            "manifest.json": lambda p: p.write_text(json.dumps(info, indent=2)),
        },
    )
