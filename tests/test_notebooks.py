"""The workshop notebooks: sources and .ipynb files in sync, clean, and running top to bottom."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.py"))
NAMES = [p.stem for p in SOURCES]

MODULES = ("00_start_here", "01_two_jobs_one_person", "02_rewards_and_misalignment",
           "03_completion_is_only_the_input", "04_the_pmo", "05_firefighting",
           "06_systems_thinking_workshop")
"""The workshop sequence: each module with its answers notebook."""

ABSOLUTE = re.compile(r"(?<![\w.])(/(home|work|tmp|root|Users|usr|opt|var)/|[A-Za-z]:\\\\)")
"""A path that names a folder of one machine."""

TYPED_RESULT = re.compile(r"\d+\.\d+|[+\N{MINUS SIGN}]\s?\d+(\.\d+)?\s?(%|pp\b)|CI\s*[\[(]?\s*-?\d")
"""A number in prose that looks like a result: a decimal, a signed change, an interval."""


def cells(notebook) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in notebook.cells]


def test_the_workshop_sequence_is_complete():
    expected = sorted([*MODULES, *(f"{m}_answers" for m in MODULES)])
    assert NAMES == expected
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == expected


@pytest.mark.parametrize("name", NAMES)
def test_source_and_notebook_are_in_sync(name):
    source = jupytext.read(NOTEBOOKS / f"{name}.py")
    notebook = jupytext.read(NOTEBOOKS / f"{name}.ipynb")
    assert cells(source) == cells(notebook), (
        f"notebooks/{name}.py and .ipynb differ: run `jupytext --sync notebooks/{name}.py`")


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_clean(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    text = path.read_text(encoding="utf-8")
    for k, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name} cell {k} has outputs"
            assert cell.execution_count is None, f"{name} cell {k} has an execution count"
        if cell.cell_type == "markdown":
            found = TYPED_RESULT.search(cell.source)
            assert found is None, f"{name} cell {k}: typed-in number {found.group(0)!r}"
    found = ABSOLUTE.search(text)
    assert found is None, f"{name}.ipynb names an absolute path: {found.group(0)!r}"
    assert json.loads(text)["metadata"]["kernelspec"]["name"] == "python3"


def test_the_typed_result_pattern_catches_results():
    assert TYPED_RESULT.search("the service level is 0.87")
    assert TYPED_RESULT.search("a change of \N{MINUS SIGN}6 pp")
    assert TYPED_RESULT.search("95% CI [-0.2, 0.1]")
    assert TYPED_RESULT.search("revenue +28.2%")
    assert not TYPED_RESULT.search("support calls fall 20% within a month (C3)")


WARNING_TEXT = re.compile(r"\b\w*Warning\b|\bwarn(ing)?\b", re.IGNORECASE)
"""Words of a warning in a cell's text output (e.g. ``UserWarning``, ``RuntimeWarning: ...``)."""


def printed_warnings(notebook) -> list[tuple[int, str]]:
    """What the cells printed to stderr, and any text output that reads as a warning."""
    found = []
    for k, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type != "stream":
                continue
            if output.name == "stderr" or WARNING_TEXT.search(output.text):
                found.append((k, output.text.strip()[:300]))
    return found


def test_a_warning_printed_into_a_cell_is_caught():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import warnings\nwarnings.warn('careful')"),
        nbformat.v4.new_code_cell("print('ok')")])
    NotebookClient(notebook, kernel_name="python3", timeout=60,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    assert [k for k, _ in printed_warnings(notebook)] == [0]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_in_quick_mode(name, monkeypatch):
    monkeypatch.setenv("PMOSIM_QUICK", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(notebook, kernel_name="python3", timeout=180,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    printed = printed_warnings(notebook)
    assert printed == [], f"{name} printed into its cells: {printed}"
    shown = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
             if "image/png" in o.get("data", {})]
    if not name.endswith("_answers"):
        assert shown, f"{name} drew no figure"
    assert seconds < 120, f"{name} took {seconds:.0f} s in quick mode"


def test_the_python3_kernel_is_the_interpreter_running_the_notebooks():
    import sys

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, sim; print(sys.executable)")])
    NotebookClient(notebook, kernel_name="python3", timeout=60,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    printed = notebook.cells[0].outputs[0]["text"].strip()
    assert Path(printed).resolve() == Path(sys.executable).resolve()
