"""The package's structure: layers imported only downwards, no import cycle, small components.

The import graph is read from the source with :mod:`ast`: every ``import`` and
``from ... import`` of a ``sim`` module, at the top of a module or inside a
function (a deferred import is a dependency all the same). Imports under
``if TYPE_CHECKING:`` are left out: they exist for annotations only and are
never executed. The layers are those of the package map in
``docs/architecture.md``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundations", ("sim.errors", "sim.units", "sim.kpis", "sim.shipped", "sim.theory")),
    ("files", ("sim.schema",)),
    ("the model", ("sim.model",)),
    ("the pure core", ("sim.run",)),
    ("studies", ("sim.studies",)),
    ("calibration", ("sim.calibration",)),
    ("reports", ("sim.reports",)),
    ("recommendations", ("sim.recommendation",)),
    ("teaching", ("sim.teaching",)),
    ("interfaces", ("sim.cli", "sim.studio", "sim.__main__", "sim")),
)
"""The layers, lowest first: a module imports only from its own layer and those below."""

MAX_CLASS_LINES = 250


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The ``sim`` modules that module ``name`` imports (resolved to known modules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from package import module`` depends on that module; a name that is no
            # module comes from the package (or module) ``base`` itself
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            targets = []
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    known = set(modules())
    return {name: imported(name, path, known) for name, path in modules().items()}


def layer_of(module: str) -> int:
    best, depth = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and \
                    len(prefix) > depth and not (prefix == "sim" and module != "sim"):
                best, depth = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} is in no layer of docs/architecture.md")
    return best


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_graph_is_read_from_the_source():
    graph = import_graph()
    assert "sim.model.organisation" in graph["sim.run"]
    assert "sim.model.component" in graph["sim.model.roster"]
    assert "sim.kpis" in graph["sim.run"]  # a deferred import counts
    assert "sim.model.pmo" in graph["sim.model.organisation"]


def test_every_module_is_in_a_layer():
    for module in modules():
        layer_of(module)


def test_no_module_imports_from_a_layer_above_its_own():
    graph = import_graph()
    upward = [f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
              for a, targets in sorted(graph.items()) for b in sorted(targets)
              if layer_of(b) > layer_of(a)]
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_there_is_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_checks_find_what_they_look_for():
    """A cycle and an upward import planted in a copy of the graph are both found."""
    graph = {k: set(v) for k, v in import_graph().items()}
    graph["sim.units"].add("sim.errors")
    graph["sim.errors"].add("sim.units")
    assert ["sim.errors", "sim.units"] in cycles(graph)
    assert layer_of("sim.reports.runs") > layer_of("sim.studies.replications")
    assert layer_of("sim.teaching.whatif") > layer_of("sim.reports.figures")


def component_classes() -> list[tuple[str, int]]:
    """Every class of ``sim.model`` that takes part in the daily cycle, and its length."""
    out = []
    for path in sorted((PACKAGE / "model").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                     for b in node.bases}
            if "Component" in bases or node.name in ("Organisation", "Joining"):
                out.append((f"{path.name}:{node.name}", node.end_lineno - node.lineno + 1))
    return out


def test_the_organisation_and_every_component_class_stay_small():
    found = component_classes()
    assert len(found) >= 11, found
    long = [f"{name} has {lines} lines" for name, lines in found if lines > MAX_CLASS_LINES]
    assert not long, long


@pytest.mark.parametrize("name", ["sim.model", "sim.studies", "sim.teaching"])
def test_a_package_imports_nothing_by_itself(name):
    """A worker imports the model alone; the teaching layer loads only what is used."""
    assert not import_graph()[name]
