"""Benchmark names -> cached HDF5 tables; converter dispatch; known sources.

- Cache root: ``$NASBENCH_KIT_HOME`` (default ``~/.cache/nasbench_kit``); a
  table called ``family/dataset`` lives at ``<home>/processed/family__dataset.h5``.
- Embedded benchmarks (:data:`EMBEDDED`) are converted from installed PyPI
  packages on first :func:`load` and then opened from the cache; the cache is
  rebuilt when the package file changes (size/mtime recorded at conversion).
- Imported benchmarks are whatever :func:`import_table` wrote to the cache.
  The table records its format, source path, options and the source's
  fingerprint and sha256: importing again under the same name with the same
  file is a no-op (a stat, or one hash when the file was touched), a different
  file (or other options) rebuilds it, and ``load(name, force_reload=True)``
  converts the recorded source again (or says clearly that it is gone).
- Open tables live in one process-wide cache (``tables/cache.py``).
- A format name maps to ``nasbench_kit.tables.convert.<name, - as _>``, a
  module exposing ``FORMAT`` and ``convert(path, name=None, **options) ->
  TableData``.

Opening a cached table imports neither torch nor the upstream packages.

>>> "analognas/cifar10" in list_benchmarks()
True
>>> "nb201-csv" in KNOWN_FORMATS
True
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

from nasbench_kit.errors import (
    CorruptFileError,
    MissingDataError,
    OutOfDomainError,
    UnknownBenchmarkError,
)
from nasbench_kit.tables.benchmark import Benchmark
from nasbench_kit.tables.cache import forget, open_table
from nasbench_kit.tables.convert._common import content_checksum, fingerprint
from nasbench_kit.tables.convert._common import file_sha256 as sha256_file
from nasbench_kit.tables.sources import list_sources
from nasbench_kit.tables.store import read_attrs, validate_name, write_table

__all__ = [
    "EMBEDDED",
    "KNOWN_FORMATS",
    "get_converter",
    "home",
    "import_table",
    "list_benchmarks",
    "list_formats",
    "list_sources",
    "load",
    "processed_path",
    "sha256_file",
]

#: Upstream formats with a converter module (planned or present) in ``convert/``.
KNOWN_FORMATS: tuple[str, ...] = (
    "nb201-pth", "nats-tss", "naslib-nb201", "naslib-nb101", "nb101-tfrecord", "nb301-json",
    "zc-json", "nb201-csv", "csv", "analognas", "nbgraph-bench", "help-latency",
)  # fmt: skip

NBGRAPH_DATASETS: tuple[str, ...] = (
    "cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins",
)  # fmt: skip

#: Embedded benchmark name -> (format, converter options).
EMBEDDED: dict[str, tuple[str, dict[str, Any]]] = {
    "analognas/cifar10": ("analognas", {}),
    **{f"nbgraph/{ds}": ("nbgraph-bench", {"dataset": ds}) for ds in NBGRAPH_DATASETS},
}

_CONVERT_PKG = "nasbench_kit.tables.convert"
#: ``extra`` keys an import records; equal format and options mean the same recipe.
_RECIPE_KEYS = ("import_format", "import_options")


def home() -> Path:
    """The cache root: ``$NASBENCH_KIT_HOME`` or ``~/.cache/nasbench_kit``."""
    env = os.environ.get("NASBENCH_KIT_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "nasbench_kit"


def processed_path(name: str) -> Path:
    """Where table ``name`` is cached (``/`` in the name becomes ``__``)."""
    validate_name(name)
    return home() / "processed" / (name.replace("/", "__") + ".h5")





# ---- formats ---------------------------------------------------------------
def list_formats() -> list[str]:
    """Format names whose converter module is present (``-`` spelling)."""
    pkg = importlib.import_module(_CONVERT_PKG)
    found = {
        info.name.replace("_", "-")
        for info in pkgutil.iter_modules(pkg.__path__)
        if not info.name.startswith("_")
    }
    return sorted(found)


def get_converter(fmt: str) -> ModuleType:
    """The converter module for format ``fmt`` (e.g. ``"nb201-pth"``)."""
    if not isinstance(fmt, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", fmt):
        raise OutOfDomainError(
            f"format {fmt!r} is not a format name; choose one of {list_formats()}"
        )
    module_name = f"{_CONVERT_PKG}.{fmt.replace('-', '_')}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        planned = " (planned, not available in this version)" if fmt in KNOWN_FORMATS else ""
        raise OutOfDomainError(
            f"unknown table format {fmt!r}{planned}; available formats: {list_formats()}"
        ) from None
    if not callable(getattr(module, "convert", None)) or not hasattr(module, "FORMAT"):
        raise OutOfDomainError(
            f"module {module_name} is not a converter (needs FORMAT and convert()); "
            f"available formats: {list_formats()}"
        )
    return module


# ---- names -----------------------------------------------------------------
def _imported_names() -> list[str]:
    folder = home() / "processed"
    if not folder.is_dir():
        return []
    return [p.stem.replace("__", "/") for p in folder.glob("*.h5") if not p.name.startswith(".")]


def list_benchmarks() -> list[str]:
    """Embedded benchmark names plus every table imported into the cache."""
    return sorted(set(EMBEDDED) | set(_imported_names()))


def _build_embedded(name: str, path: Path) -> None:
    fmt, options = EMBEDDED[name]
    td = get_converter(fmt).convert(None, name=name, **options)
    td.name = name
    write_table(td, path)
    forget(path)


def _embedded_stale(bench: Benchmark, name: str) -> bool:
    """True when the installed source file differs from the one converted."""
    fmt, options = EMBEDDED[name]
    recorded = bench.metadata["extra"].get("source_stat")
    locate = getattr(get_converter(fmt), "source_stat", None)
    if recorded is None or locate is None:
        return False
    current = locate(**options)
    return current is not None and current != recorded


def _path_of(name: Any) -> Path:
    """The cache path of benchmark ``name``, or :class:`UnknownBenchmarkError`."""
    if not isinstance(name, str) or not name:
        raise UnknownBenchmarkError(
            f"benchmark name {name!r} is not a non-empty string; choose one of "
            f"{list_benchmarks()}"
        )
    try:
        path = processed_path(name)
    except OutOfDomainError as exc:
        raise UnknownBenchmarkError(
            f"no benchmark called {name[:60]!r}{'...' if len(name) > 60 else ''}: {exc}"
        ) from None
    if name not in EMBEDDED and not path.exists():
        raise UnknownBenchmarkError(
            f"no benchmark called {name!r}; choose one of {list_benchmarks()} or import one "
            "with import_table(format, path, name=...)"
        )
    return path


def load(name: str, force_reload: bool = False) -> Benchmark:
    """Open benchmark ``name`` (see :func:`list_benchmarks`) as a :class:`Benchmark`.

    Embedded tables are converted from the installed package on first use.
    ``force_reload=True`` rebuilds an embedded table and converts an imported
    one again from its recorded source (:class:`MissingDataError` when that
    file is gone). Repeated loads of an unchanged file return the same
    read-only object.
    """
    path = _path_of(name)
    embedded = name in EMBEDDED
    if embedded and (force_reload or not path.exists()):
        _build_embedded(name, path)
    elif force_reload:
        _reimport(name, path)
    try:
        bench = open_table(path)
    except CorruptFileError:
        if not embedded:
            raise
        _build_embedded(name, path)
        bench = open_table(path)
    if embedded and not force_reload and _embedded_stale(bench, name):
        _build_embedded(name, path)
        bench = open_table(path)
    return bench


# ---- importing ----------------------------------------------------------------
def _recipe(fmt: str, src: Path, options: dict[str, Any]) -> dict[str, str]:
    """The ``import_*`` extras that say how a table was made from ``src``."""
    try:
        recorded = json.dumps(options, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        recorded = ""  # not JSON data: the table cannot be converted again by itself
    return {
        "import_format": fmt,
        "import_source": str(src.resolve()),
        "import_options": recorded,
        "import_fingerprint": fingerprint(src),
    }


def _unchanged(target: Path, src: Path, recipe: dict[str, str]) -> bool:
    """True when ``target`` was imported by the same recipe from the same content."""
    if not target.exists():
        return False
    try:
        attrs = read_attrs(target)
    except CorruptFileError:
        return False
    extra = attrs["extra"]
    if any(extra.get(k) != recipe[k] for k in _RECIPE_KEYS) or not recipe["import_options"]:
        return False
    same_file = all(extra.get(k) == recipe[k] for k in ("import_source", "import_fingerprint"))
    if same_file:
        return True
    return extra.get("import_sha256") == recipe.setdefault("import_sha256", content_checksum(src))


def import_table(
    format: str,
    path: str | os.PathLike[str],
    name: str | None = None,
    force_reload: bool = False,
    progress: bool | None = None,
    **options: Any,
) -> str:
    """Convert an upstream file with the ``format`` converter into the cache.

    Returns the table name (``name``, else the converter's default). A table
    of that name made from the same file with the same options is kept; a
    different file (its sha256 differs) or other options rebuild it, as does
    ``force_reload=True``. The source path, options and sha256 are recorded
    in ``metadata["extra"]`` (``import_*``). ``progress``: show a progress bar
    for long conversions (default: on a terminal).
    """
    converter = get_converter(format)
    if name is not None:
        validate_name(name)
        _refuse_embedded(name)
    if not isinstance(path, (str, os.PathLike)):
        raise OutOfDomainError(
            f"path={path!r} is not a file path; pass the downloaded {format} file as a string"
        )
    src = Path(path).expanduser()
    if not src.exists():
        raise OutOfDomainError(
            f"source path {str(src)!r} does not exist; pass the downloaded {format} file "
            "(see list_sources() for where to get it)"
        )
    recipe = _recipe(format, src, options)
    if name is not None and not force_reload and _unchanged(processed_path(name), src, recipe):
        return name
    if "progress" in inspect.signature(converter.convert).parameters:
        options = {**options, "progress": progress}
    td = converter.convert(src, name=name, **options)
    if name is not None:
        td.name = name
    _refuse_embedded(td.name)
    target = processed_path(td.name)
    if name is None and not force_reload and _unchanged(target, src, recipe):
        return td.name
    recipe.setdefault("import_sha256", content_checksum(src))
    td.source_checksum = td.source_checksum or recipe["import_sha256"]
    td.extra = {**td.extra, **recipe}
    write_table(td, target)
    forget(target)
    return td.name


def _reimport(name: str, path: Path) -> None:
    """Convert imported table ``name`` again from the source its file records."""
    extra = read_attrs(path)["extra"]
    fmt, src, options = (extra.get(k, "") for k in ("import_format", "import_source",
                                                     "import_options"))  # fmt: skip
    redo = f"import_table(format, path, name={name!r}, force_reload=True)"
    if not (fmt and src and options):
        raise OutOfDomainError(
            f"table {name!r} records no source to convert again (it was imported by an older "
            f"nasbench_kit or with options that are not JSON data); import it again: {redo}"
        )
    if not Path(src).exists():
        raise MissingDataError(
            f"table {name!r} was imported from {src!r}, which no longer exists; pass the file "
            f"again: import_table({fmt!r}, <path>, name={name!r}, force_reload=True)"
        )
    import_table(fmt, src, name=name, force_reload=True, **json.loads(options))


def _refuse_embedded(name: str) -> None:
    if name in EMBEDDED:
        raise OutOfDomainError(
            f"{name!r} is the name of an embedded benchmark; import under another name "
            "(e.g. add a suffix like '-mine')"
        )
