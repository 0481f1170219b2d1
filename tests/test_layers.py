"""The import direction of ona's layers: a lower layer never imports a higher one.

The layers, lowest first (a module may import its own layer and any lower one):

0. **types**: ``ona.results`` (pydantic result models), ``ona.params``
   (:class:`AnalysisParams`, embedded in every result), ``ona.errors``,
   ``ona.progress`` (the progress callback type) and the package root
   ``ona`` (whose public names are imported lazily, inside ``__getattr__``).
   ``ona.results`` (with :class:`AnalysisParams` in ``ona.results.params``)
   imports nothing of ona but itself, and ``ona.params`` (the short import
   path of :class:`AnalysisParams`) only ``ona.results.params``
   (:func:`test_the_type_layer_is_a_leaf`).
1. **io**: ``ona.io`` (readers, validation), ``ona.spark`` (the same reading
   on Spark executors) and ``ona.synth`` (writes the files io reads).
2. **store**: ``ona.store`` (DuckDB, the control database).
3. **graph**: ``ona.graph`` (the collaboration graph, its layout).
4. **analysis**: ``ona.analysis``.
5. **faces**: what shows a result: ``ona.viz``, ``ona.report`` (with its
   ``words``, shared by every face), ``ona.privacy`` (the viewer's copy of a
   result), ``ona.tables``, ``ona.client``.
6. **cli/api**: ``ona.cli`` and ``api``, which only parse, call the library
   and format. The CLI imports of ``api`` only its documented entry point
   ``api.main.serve`` and ``api.settings`` (for ``ona serve``); ``api``
   imports nothing of the CLI.

What is checked: every module of ``ona/`` and ``api/`` is parsed with
:mod:`ast`. Its *module-level* imports (``import x``, ``from x import y``,
relative imports, resolved to the module they load; also inside ``try`` or
``if`` at module level) run when it is imported, so they must respect the
order, with no exception but those in :data:`KNOWN`, each naming the bullet
of issue 14 that removes it (none today: the leaks of issue 14 were the type
layer importing ona.graph, fixed, and imports within one layer, which this
test does not order, but for :func:`test_routers_do_not_import_each_other`). *Deferred* imports (inside a function body, or
under ``if TYPE_CHECKING:``, a dependency of annotations only) do not run at
import time; an upward one is allowed only when :data:`DEFERRED` lists it with
the reason. ``importlib.import_module`` calls are not followed.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: (layer name, the packages or modules in it), lowest first.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("types", ("ona", "ona.results", "ona.params", "ona.errors", "ona.progress")),
    ("io", ("ona.io", "ona.spark", "ona.synth")),
    ("store", ("ona.store",)),
    ("graph", ("ona.graph",)),
    ("analysis", ("ona.analysis",)),
    ("faces", ("ona.viz", "ona.report", "ona.privacy", "ona.tables", "ona.client")),
    ("cli/api", ("ona.cli", "api")),
)

#: Upward module-level imports that exist now and are being removed:
#: (importing module, imported module) -> the issue-14 bullet that removes it.
KNOWN: dict[tuple[str, str], str] = {}

#: Upward deferred imports that are allowed: (importing module, imported module) -> why.
DEFERRED: dict[tuple[str, str], str] = {
    ("ona.results.analysis", "ona.tables"): "AnalysisResult.frames builds the pandas tables of the result on "
    "access (pandas is loaded then, not with the types); type-only import of Frames for its annotation",
    ("ona.store.spark", "ona.cli"): "spark-submit runs ona/store/spark.py as the driver script: its main() "
    "is the CLI",
    **{
        ("ona", target): "the package root's public names (ona.analyze, ona.Store, ...) are imported on first "
        "access by its __getattr__; these are the type-only imports that give type checkers their types"
        for target in ("ona.analysis.pipeline", "ona.io", "ona.privacy", "ona.store")
    },
}


@dataclass(frozen=True)
class Import:
    """One import of one module of the tree by another."""

    importer: str
    imported: str
    line: int
    deferred: bool  # inside a function body, or under `if TYPE_CHECKING:`


def modules(root: Path, packages: Sequence[str]) -> dict[str, Path]:
    """Dotted name -> file, for every ``.py`` file of the packages under ``root``."""
    out: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, deferred: bool) -> Iterable[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, deferred
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, True)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), deferred)
        else:
            yield from _walk(child, deferred)


def imports(root: Path, packages: Sequence[str]) -> list[Import]:
    """Every import, within the tree, of every module of the packages (resolved to the module it loads).

    ``from a.b import c`` loads ``a.b.c`` when that is a module of the tree,
    else ``a.b``; relative imports are resolved against the importing module's
    package. Imports of modules outside the packages are left out.
    """
    known = modules(root, packages)
    out = []
    for name, path in known.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node, deferred in _walk(ast.parse(path.read_text(encoding="utf-8"), str(path)), False):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base_parts = package[: len(package) - node.level + 1]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            for target in targets:
                if target.split(".")[0] in packages:
                    out.append(Import(name, target, node.lineno, deferred))
    return out


def layer_of(module: str, layers: Sequence[tuple[str, Sequence[str]]]) -> int | None:
    """Index of the layer whose longest listed prefix (whole dotted parts) matches ``module``."""
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, (_, members) in enumerate(layers):
        for member in members:
            if module == member or module.startswith(member + "."):
                if best is None or len(member) > best[0]:
                    best = (len(member), index)
    return None if best is None else best[1]


def upward(found: Iterable[Import], layers: Sequence[tuple[str, Sequence[str]]]) -> list[Import]:
    """The imports of a module of a higher layer by a module of a lower one."""
    out = []
    for imp in found:
        low, high = layer_of(imp.importer, layers), layer_of(imp.imported, layers)
        if low is not None and high is not None and high > low:
            out.append(imp)
    return out


def violations(
    found: Iterable[Import],
    layers: Sequence[tuple[str, Sequence[str]]],
    *,
    known: Mapping[tuple[str, str], str],
    deferred: Mapping[tuple[str, str], str],
) -> list[str]:
    """Upward imports not excused: module-level ones not in ``known``, deferred ones in neither."""
    out = []
    for imp in upward(found, layers):
        pair = (imp.importer, imp.imported)
        if pair in known or (imp.deferred and pair in deferred):
            continue
        names = [name for name, _ in layers]
        low, high = layer_of(imp.importer, layers), layer_of(imp.imported, layers)
        kind = "a deferred import of" if imp.deferred else "imports"
        out.append(
            f"{imp.importer} (layer {names[low]}) {kind} {imp.imported} (layer {names[high]}), line {imp.line}"  # type: ignore[index]
        )
    return out


# --------------------------------------------------------------------------
# The tree

PACKAGES = ("ona", "api")


@pytest.fixture(scope="module")
def found() -> list[Import]:
    return imports(ROOT, PACKAGES)


def test_every_module_has_a_layer() -> None:
    loose = [name for name in modules(ROOT, PACKAGES) if layer_of(name, LAYERS) is None]
    assert loose == [], f"place these modules in a layer of LAYERS: {loose}"


def test_no_lower_layer_imports_a_higher_one(found: list[Import]) -> None:
    assert violations(found, LAYERS, known=KNOWN, deferred=DEFERRED) == []


def test_the_excuses_are_still_needed(found: list[Import]) -> None:
    """An entry of KNOWN or DEFERRED that no import needs any more is reported (a warning, not a failure)."""
    pairs = {(imp.importer, imp.imported) for imp in upward(found, LAYERS)}
    stale = sorted(set(KNOWN) - pairs) + sorted(set(DEFERRED) - pairs)
    if stale:
        warnings.warn(f"remove from tests/test_layers.py, no longer needed: {stale}", stacklevel=1)
    assert pairs  # the checker sees the tree's imports at all (DEFERRED entries are real ones)


def test_the_type_layer_is_a_leaf(found: list[Import]) -> None:
    """ona.results imports only itself (but, deferred, the tables of its frames property); ona.params, the
    short import path of AnalysisParams, imports only ona.results.params."""
    outside = {
        (imp.importer, imp.imported)
        for imp in found
        if imp.importer.startswith("ona.results") and not imp.imported.startswith("ona.results")
    }
    assert outside == {("ona.results.analysis", "ona.tables")}
    assert {imp.imported for imp in found if imp.importer == "ona.params"} == {"ona.results.params"}


def test_the_cli_starts_the_service_through_its_entry_point(found: list[Import]) -> None:
    """ona.cli and api share the top layer, but the CLI uses only api.main.serve and api.settings, and api
    imports nothing of the CLI."""
    cli_to_api = {(imp.importer, imp.imported) for imp in found if imp.importer.startswith("ona.cli")
                  and imp.imported.split(".")[0] == "api"}  # fmt: skip
    assert cli_to_api == {("ona.cli.serve", "api.main"), ("ona.cli.serve", "api.settings")}
    names = {
        alias.name
        for node in ast.walk(ast.parse((ROOT / "ona/cli/serve.py").read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "api.main"
        for alias in node.names
    }
    assert names == {"serve"}
    assert [imp for imp in found if imp.importer.split(".")[0] == "api" and imp.imported.startswith("ona.cli")] == []


#: Routers that import another router (they share api's views module instead):
#: (importing router, imported router) -> why it is allowed. None: what two routers share lives in api.views.
KNOWN_ROUTERS: dict[tuple[str, str], str] = {}


def test_routers_do_not_import_each_other(found: list[Import]) -> None:
    """A router is one resource; what two routers share lives outside api.routers."""
    pairs = {
        (imp.importer, imp.imported)
        for imp in found
        if imp.importer.startswith("api.routers.") and imp.imported.startswith("api.routers.")
        and imp.importer != imp.imported
    }
    assert sorted(pairs - set(KNOWN_ROUTERS)) == []
    stale = sorted(set(KNOWN_ROUTERS) - pairs)
    if stale:
        warnings.warn(f"remove from KNOWN_ROUTERS in tests/test_layers.py, no longer needed: {stale}", stacklevel=1)


# --------------------------------------------------------------------------
# The checker itself, on a small fake tree that breaks the order

FAKE_LAYERS = (("low", ("fake.low",)), ("high", ("fake.high", "fake.top")))


def _fake_tree(root: Path) -> None:
    files = {
        "fake/__init__.py": "",
        "fake/low/__init__.py": "from fake.low import base\n",
        "fake/low/base.py": "X = 1\n",
        # module level, absolute: a violation
        "fake/low/bad.py": "import fake.high.thing as t\n",
        # module level, relative (..high is fake.high, its module thing): a violation
        "fake/low/rel.py": "try:\n    from ..high import thing\nexcept ImportError:\n    pass\n",
        # deferred: allowed only when listed
        "fake/low/lazy.py": "def f():\n    from fake.top import y\n    return y\n",
        "fake/low/listed.py": "def g():\n    import fake.high\n",
        # type-only: deferred
        "fake/low/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fake.high import thing\n",
        # downward and sideways: fine
        "fake/high/__init__.py": "from fake.low import base\nfrom . import thing\n",
        "fake/high/thing.py": "from fake.low.base import X\nfrom .. import low\n",
        "fake/top.py": "from fake.high import thing\ny = thing\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def test_the_checker_finds_each_kind_of_upward_import(tmp_path: Path) -> None:
    _fake_tree(tmp_path)
    found = imports(tmp_path, ("fake",))
    by_pair = {(imp.importer, imp.imported): imp for imp in found}
    assert by_pair[("fake.low.rel", "fake.high.thing")].deferred is False
    assert by_pair[("fake.low.typed", "fake.high.thing")].deferred is True
    assert by_pair[("fake.high.thing", "fake.low")].deferred is False  # `from .. import low`
    bad = violations(found, FAKE_LAYERS, known={}, deferred={("fake.low.listed", "fake.high"): "a reason"})
    assert bad == [
        "fake.low.bad (layer low) imports fake.high.thing (layer high), line 1",
        "fake.low.lazy (layer low) a deferred import of fake.top (layer high), line 2",
        "fake.low.rel (layer low) imports fake.high.thing (layer high), line 2",
        "fake.low.typed (layer low) a deferred import of fake.high.thing (layer high), line 3",
    ]


def test_known_excuses_module_level_and_deferred_excuses_only_deferred(tmp_path: Path) -> None:
    _fake_tree(tmp_path)
    found = imports(tmp_path, ("fake",))
    everything = {("fake.low.bad", "fake.high.thing"), ("fake.low.rel", "fake.high.thing")}
    lazy = {("fake.low.lazy", "fake.top"), ("fake.low.typed", "fake.high.thing"), ("fake.low.listed", "fake.high")}
    assert violations(found, FAKE_LAYERS, known=dict.fromkeys(everything, "x"), deferred=dict.fromkeys(lazy, "x")) == []
    # a deferred excuse does not excuse a module-level import
    assert violations(found, FAKE_LAYERS, known={}, deferred=dict.fromkeys(everything | lazy, "x")) == [
        "fake.low.bad (layer low) imports fake.high.thing (layer high), line 1",
        "fake.low.rel (layer low) imports fake.high.thing (layer high), line 2",
    ]
