"""The layers of docs/architecture.md, checked over the import graph of src/oppfolging.

- Every module belongs to exactly one layer, found by its name; a new kind of module must be
  placed in a layer here (and in the document) before the suite passes.
- A module imports only from its own layer or the layers below it.
- Modules never import each other in a circle, and within a layer no two apps import each other.
- No `from oppfolging…` import inside a function (the usual way to hide a cycle), except the
  `ready()` of an app config, which is where Django registers checks and signals.
- The risk and effect engines never import Django (`lib` and the outcome file readers may, but
  never a model).
"""

from __future__ import annotations

import ast
import fnmatch
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "oppfolging"

# Bottom first. A module's layer is the first whose patterns match its name.
LAYERS: list[tuple[str, list[str]]] = [
    ("engine", ["oppfolging.lib", "oppfolging.lib.*", "oppfolging.risk", "oppfolging.risk.*",
                "oppfolging.effect", "oppfolging.effect.*", "oppfolging.outcomes.formats", "oppfolging.outcomes.formats.*",
                "oppfolging.formats", "oppfolging.formats.*", "oppfolging.indicators.periods",
                "oppfolging.operations.logs", "oppfolging.operations.gunicorn_conf",
                "oppfolging.fhir.errors", "oppfolging.fhir.search", "oppfolging.fhir.scopes",
                "oppfolging.fhir.auth", "oppfolging.fhir.dev_issuer"]),
    ("models", ["oppfolging.*.models", "oppfolging.assessments.iplos", "oppfolging.assessments.scoring",
                "oppfolging.audit.chain", "oppfolging.audit.words"]),
    ("grants", ["oppfolging.access.grants", "oppfolging.audit.services", "oppfolging.accounts.http"]),
    ("policy", ["oppfolging.access.policy"]),
    ("reads", ["oppfolging.*.selectors", "oppfolging.plans.history", "oppfolging.meetings.ics", "oppfolging.calendars.ics",
               "oppfolging.indicators.definitions", "oppfolging.indicators.access", "oppfolging.operations.metrics"]),
    ("writes", ["oppfolging.*.services", "oppfolging.*.tasks", "oppfolging.notifications.delivery",
                "oppfolging.notifications.sms", "oppfolging.submissions.once", "oppfolging.operations.jobs",
                "oppfolging.gp.scoring"]),
    # Jobs that run the work of several apps on a schedule.
    ("jobs", ["oppfolging.notifications.reminders"]),
    ("web", ["oppfolging.*.views", "oppfolging.*.staff_views", "oppfolging.*.forms", "oppfolging.*.urls",
             "oppfolging.*.middleware", "oppfolging.*.checks", "oppfolging.access.shortcuts",
             "oppfolging.home.navigation", "oppfolging.accounts.locale", "oppfolging.portal.oidc",
             "oppfolging.indicators.report", "oppfolging.indicators.exports", "oppfolging.indicators.fhir",
             "oppfolging.outcomes.report", "oppfolging.outcomes.exports",
             # The FHIR API is another face of the pages: it reads through the policy and writes
             # through the services, like a view.
             "oppfolging.fhir.access", "oppfolging.fhir.engine", "oppfolging.fhir.capability",
             "oppfolging.fhir.resources", "oppfolging.fhir.resources.*", "oppfolging.accounts.helseid"]),
    ("entry", ["oppfolging", "oppfolging.__main__", "oppfolging.settings", "oppfolging.urls", "oppfolging.wsgi",
               "oppfolging.*.apps", "oppfolging.*.management", "oppfolging.*.management.*",
               "oppfolging.demo", "oppfolging.demo.*", "oppfolging.*"]),
]
LAYER_NAMES = [name for name, _patterns in LAYERS]
# Package markers (`oppfolging.plans`) import nothing; they sit in the entry layer by the last pattern.
ENGINES = ("oppfolging.risk", "oppfolging.effect")


@dataclass
class Module:
    name: str
    path: Path
    imports: set[str] = field(default_factory=set)  # run-time imports at module level
    type_only: set[str] = field(default_factory=set)  # under `if TYPE_CHECKING:`
    local: list[tuple[int, str]] = field(default_factory=list)  # inside a function
    external: set[str] = field(default_factory=set)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(target: str, known: set[str]) -> str | None:
    """Return the project module an import refers to (a name imported from a package counts as it)."""
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def load_modules() -> dict[str, Module]:
    modules = {
        _module_name(path): Module(_module_name(path), path)
        for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts
    }
    known = set(modules)
    for module in modules.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, *, in_function: bool, type_only: bool, module: Module = module) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    visit(child, in_function=True, type_only=type_only)
                elif isinstance(child, ast.If) and _is_type_checking(child):
                    visit(child, in_function=in_function, type_only=True)
                elif isinstance(child, (ast.Import, ast.ImportFrom)):
                    if isinstance(child, ast.ImportFrom):
                        base = child.module or ""
                        if child.level:
                            package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
                            for _ in range(child.level - 1):
                                package = package.rpartition(".")[0]
                            base = f"{package}.{base}".strip(".")
                        targets = [f"{base}.{alias.name}" for alias in child.names]
                    else:
                        targets = [alias.name for alias in child.names]
                    for target in targets:
                        if not target.startswith("oppfolging"):
                            module.external.add(target.split(".")[0])
                            continue
                        resolved = _resolve(target, known)
                        if resolved is None or resolved == module.name:
                            continue
                        if in_function:
                            module.local.append((child.lineno, resolved))
                        elif type_only:
                            module.type_only.add(resolved)
                        else:
                            module.imports.add(resolved)
                else:
                    visit(child, in_function=in_function, type_only=type_only)

        visit(tree, in_function=False, type_only=False)
    return modules


def layer_of(name: str) -> str | None:
    for layer, patterns in LAYERS:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            return layer
    return None


def app_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return load_modules()


def test_it_places_every_module_in_a_layer(modules: dict[str, Module]) -> None:
    assert [name for name in modules if layer_of(name) is None] == []


def test_it_imports_only_downwards(modules: dict[str, Module]) -> None:
    upwards = []
    for module in modules.values():
        own = LAYER_NAMES.index(layer_of(module.name) or "entry")
        for target in sorted(module.imports | module.type_only):
            theirs = LAYER_NAMES.index(layer_of(target) or "entry")
            if theirs > own and not _is_package_of(target, module.name):
                upwards.append(f"{module.name} ({LAYER_NAMES[own]}) imports {target} ({LAYER_NAMES[theirs]})")
    assert upwards == []


def _is_package_of(package: str, module: str) -> bool:
    """`from oppfolging.plans import services` names the package first; the module is the target."""
    return module.startswith(package + ".")


# Command-line entry points that import on purpose only once they run: `oppfolging risk` must
# not load Django at all, and the engine's command draws its first progress line before it loads
# LightGBM (docs/risk.md). No cycle is dodged there.
LAZY_ENTRY_POINTS = {"oppfolging.__main__", "oppfolging.risk.cli"}


def test_it_has_no_import_inside_a_function_but_app_ready(modules: dict[str, Module]) -> None:
    local = [f"{m.name}:{line} imports {target}" for m in modules.values() for line, target in m.local
             if not m.name.endswith(".apps") and m.name not in LAZY_ENTRY_POINTS]
    assert local == []


def test_it_has_no_import_cycle(modules: dict[str, Module]) -> None:
    graph = {name: {t for t in m.imports if t in modules and not _is_package_of(t, name)} for name, m in modules.items()}
    cycle = _find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_it_keeps_apps_in_one_layer_from_importing_each_other(modules: dict[str, Module]) -> None:
    by_layer: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for module in modules.values():
        layer = layer_of(module.name) or "entry"
        for target in module.imports:
            if layer_of(target) == layer and app_of(target) != app_of(module.name):
                by_layer[layer][app_of(module.name)].add(app_of(target))
    cycles = {layer: _find_cycle(graph) for layer, graph in by_layer.items() if layer not in ("entry", "engine")}
    assert {layer: cycle for layer, cycle in cycles.items() if cycle} == {}


def test_it_keeps_the_engines_free_of_django(modules: dict[str, Module]) -> None:
    tied = {m.name: sorted(m.external & {"django", "ninja", "django_tasks_db"})
            for m in modules.values() if m.name.startswith(ENGINES)}
    assert {name: deps for name, deps in tied.items() if deps} == {}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one cycle in a directed graph as a list of nodes, or None."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if colour.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        colour[node] = 2
        return None

    for node in sorted(graph):
        if colour.get(node) is None and (found := visit(node)):
            return found
    return None
