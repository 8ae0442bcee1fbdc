"""By a plain reading of the imports: the CLI sits on top and nothing reaches back up."""

from __future__ import annotations

import ast
from pathlib import Path

import nasbench_kit

PACKAGE = Path(nasbench_kit.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module named in an import statement of ``path`` (absolute names)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(area: str = "") -> dict[str, set[str]]:
    root = PACKAGE / area if area else PACKAGE
    return {str(p.relative_to(PACKAGE)): _imports(p) for p in root.rglob("*.py")}


def _hits(mods: dict[str, set[str]], target: str) -> list[str]:
    return [f"{path} imports {name}" for path, names in mods.items() for name in sorted(names)
            if name == target or name.startswith(target + ".")]  # fmt: skip


def test_nothing_outside_cli_imports_cli() -> None:
    outside = {p: n for p, n in _modules().items() if not p.startswith("cli/")}
    assert _hits(outside, "nasbench_kit.cli") == []


def test_lower_layers_never_import_search_or_cli() -> None:
    for area in ("optimizers", "predictors", "tables", "spaces", "encoders", "evaluators"):
        mods = _modules(area)
        assert _hits(mods, "nasbench_kit.search") == [], area
        assert _hits(mods, "nasbench_kit.cli") == [], area
        assert _hits(mods, "nasbench_kit.study") == [], area


def test_old_modules_are_gone() -> None:
    for old in ("runner.py", "cli.py", "optimizers/cli_support.py", "predictors/cli_support.py"):
        assert not (PACKAGE / old).exists(), old
    every = _modules()
    for gone in ("nasbench_kit.runner", "nasbench_kit.optimizers.cli_support",
                 "nasbench_kit.predictors.cli_support"):  # fmt: skip
        assert _hits(every, gone) == []


def test_one_registry_style_is_exported_from_nbk() -> None:
    pairs = [("list_spaces", "get_space"), ("list_benchmarks", "load"),
             ("list_predictors", "make_predictor"), ("list_optimizers", "make_optimizer")]  # fmt: skip
    for lister, maker in pairs:
        names = getattr(nasbench_kit, lister)()
        assert names and all(isinstance(n, str) for n in names), lister
        assert callable(getattr(nasbench_kit, maker)), maker
    assert "nb201-csv" in nasbench_kit.list_formats()
    assert type(nasbench_kit.make_predictor("linear")).__name__ == "LinearPredictor"
    assert nasbench_kit.run_search.__module__ == "nasbench_kit.search.loop"
    assert nasbench_kit.run_many.__module__ == "nasbench_kit.search.parallel"
