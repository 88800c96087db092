"""The notebooks: stripped of outputs in git, and free of model logic (they import sim).

That each runs top to bottom is tested by nbmake (``--nbmake`` in pytest's options).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
ALLOWED_IMPORTS = {"sim", "tempfile"}


def test_the_four_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == [
        "01_quickstart",
        "02_qaani_visit",
        "03_sweeps_and_sensitivity",
        "04_history",
        "05_calibration",
        "06_policy",
    ]


def code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_stripped(path):
    for cell in code_cells(path):
        assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_import_sim_and_define_nothing(path):
    imported: set[str] = set()
    for cell in code_cells(path):
        source = "".join(cell["source"])
        lines = [ln for ln in source.splitlines() if not ln.startswith("%")]
        tree = ast.parse("\n".join(lines))
        for node in ast.walk(tree):
            assert not isinstance(
                node, ast.FunctionDef | ast.ClassDef | ast.Lambda | ast.AsyncFunctionDef
            ), f"{path.name}: logic belongs in the package"
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            if isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").split(".")[0])
    assert "sim" in imported and imported <= ALLOWED_IMPORTS
