"""The architecture holds: layers import downward only, and ``import sim`` stays light."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent))


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"]
    return subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=120)


def test_import_sim_loads_no_plotting_library():
    code = "import sim, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
    code += "('matplotlib', 'ipywidgets', 'SALib', 'distributed')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(LINT is None, reason="import-linter is not installed (the dev extra)")
def test_the_layers_contract_holds_and_an_upward_import_breaks_it(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "sim", tree / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    kept = _lint(tree)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "2 kept, 0 broken" in kept.stdout
    stats = tree / "sim" / "core" / "stats.py"  # the bottom layer reaching up to runs
    stats.write_text(stats.read_text() + "\nfrom sim.runs.runner import run  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode == 1
    assert "sim.core.stats -> sim.runs.runner" in broken.stdout
    assert "Layers: each imports only from those below it BROKEN" in broken.stdout
