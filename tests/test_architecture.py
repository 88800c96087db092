"""The architecture holds: layers import downward only, and ``import sim`` stays light."""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim

#: how a Ctrl-C'd escsim ends: exit code 130, or (rarely, when the interrupt lands while Python
#: itself is running the command's module) killed by SIGINT, which a shell also reports as 130
INTERRUPTED = (130, -signal.SIGINT)

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


def test_the_lazy_exports_match_the_typed_imports():
    tree = ast.parse((ROOT / "sim" / "__init__.py").read_text())
    typed = {
        alias.name: f"{node.module}"
        for block in tree.body
        if isinstance(block, ast.If)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == sim._EXPORTS
    for name in sim.__all__:
        assert getattr(sim, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sim.nope


@pytest.mark.parametrize("delay", [0.2, 0.6, 1.2])
def test_ctrl_c_while_escsim_loads_is_one_line(tmp_path, delay):
    cmd = [sys.executable, "-m", "sim", "run", "baseline", "--trials", "200000", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in INTERRUPTED, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "interrupted" in err


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_ctrl_c_swallowed_by_a_callback_still_exits_130(monkeypatch, capsys):
    import weakref  # noqa: PLC0415

    import sim.__main__ as entry  # noqa: PLC0415
    import sim.cli  # noqa: PLC0415

    class Thing:
        pass

    def command(argv=None):
        # as in importlib's module-lock callback: an exception raised in a weakref callback
        # is printed and dropped, so the command goes on to its end
        ref = weakref.ref(Thing(), lambda _: signal.raise_signal(signal.SIGINT))
        assert ref() is None
        return 0

    monkeypatch.setattr(sim.cli, "main", command)
    previous = signal.getsignal(signal.SIGINT)
    try:
        assert entry.main() == 130
    finally:
        signal.signal(signal.SIGINT, previous)
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == "escsim: interrupted (what finished before it is kept)"  # it was swallowed
