"""Benchmark names -> cached HDF5 tables; converter dispatch; known sources.

- Cache root: ``$NASBENCH_KIT_HOME`` (default ``~/.cache/nasbench_kit``); a
  table called ``family/dataset`` lives at ``<home>/processed/family__dataset.h5``.
- Embedded benchmarks (:data:`EMBEDDED`) are converted from installed PyPI
  packages on first :func:`load` and then opened from the cache; the cache is
  rebuilt when the package file changes (size/mtime recorded at conversion).
- Imported benchmarks are whatever :func:`import_table` wrote to the cache.
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

import hashlib
import importlib
import json
import os
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

from nasbench_kit.errors import (
    CorruptFileError,
    OutOfDomainError,
    UnknownBenchmarkError,
)
from nasbench_kit.tables.benchmark import Benchmark
from nasbench_kit.tables.store import validate_name, write_table

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
    "zc-json", "nb201-csv", "csv", "analognas", "nbgraph-bench",
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
_OPEN: dict[str, tuple[tuple[int, int, int], Benchmark]] = {}


def home() -> Path:
    """The cache root: ``$NASBENCH_KIT_HOME`` or ``~/.cache/nasbench_kit``."""
    env = os.environ.get("NASBENCH_KIT_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "nasbench_kit"


def processed_path(name: str) -> Path:
    """Where table ``name`` is cached (``/`` in the name becomes ``__``)."""
    validate_name(name)
    return home() / "processed" / (name.replace("/", "__") + ".h5")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _file_key(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _build_embedded(name: str, path: Path) -> None:
    fmt, options = EMBEDDED[name]
    td = get_converter(fmt).convert(None, name=name, **options)
    td.name = name
    write_table(td, path)


def _embedded_stale(bench: Benchmark, name: str) -> bool:
    """True when the installed source file differs from the one converted."""
    fmt, options = EMBEDDED[name]
    recorded = bench.metadata["extra"].get("source_stat")
    locate = getattr(get_converter(fmt), "source_stat", None)
    if recorded is None or locate is None:
        return False
    current = locate(**options)
    return current is not None and current != recorded


def load(name: str, force_reload: bool = False) -> Benchmark:
    """Open benchmark ``name`` (see :func:`list_benchmarks`) as a :class:`Benchmark`.

    Embedded tables are converted from the installed package on first use;
    ``force_reload=True`` rebuilds an embedded table and re-reads an imported
    one. Repeated loads of an unchanged file return the same read-only object.
    """
    if not isinstance(name, str) or not name:
        raise UnknownBenchmarkError(
            f"benchmark name {name!r} is not a string; choose one of {list_benchmarks()}"
        )
    embedded = name in EMBEDDED
    path = processed_path(name) if (embedded or _name_ok(name)) else None
    if path is None or (not embedded and not path.exists()):
        raise UnknownBenchmarkError(
            f"no benchmark called {name!r}; choose one of {list_benchmarks()} or import one "
            "with import_table(format, path, name=...)"
        )
    if embedded and (force_reload or not path.exists()):
        _build_embedded(name, path)
        _OPEN.pop(name, None)
    key = _file_key(path)
    cached = _OPEN.get(name)
    if cached is not None and cached[0] == key and not force_reload:
        return cached[1]
    try:
        bench = Benchmark.open(path)
    except CorruptFileError:
        if not embedded:
            raise
        _build_embedded(name, path)
        bench = Benchmark.open(path)
    if embedded and not force_reload and _embedded_stale(bench, name):
        _build_embedded(name, path)
        bench = Benchmark.open(path)
    _OPEN[name] = (_file_key(path), bench)
    return bench


def _name_ok(name: str) -> bool:
    try:
        validate_name(name)
    except OutOfDomainError:
        return False
    return True


def import_table(
    format: str,
    path: str | os.PathLike[str],
    name: str | None = None,
    force_reload: bool = False,
    **options: Any,
) -> str:
    """Convert an upstream file with the ``format`` converter into the cache.

    Returns the table name (``name``, else the converter's default). An
    existing table of that name is kept unless ``force_reload=True``. The
    source's SHA-256 is recorded when the converter did not set one.
    """
    converter = get_converter(format)
    if name is not None:
        validate_name(name)
        _refuse_embedded(name)
        if processed_path(name).exists() and not force_reload:
            return name
    src = Path(path)
    if not src.exists():
        raise OutOfDomainError(
            f"source path {str(src)!r} does not exist; pass the downloaded {format} file "
            "(see list_sources() for where to get it)"
        )
    td = converter.convert(src, name=name, **options)
    if name is not None:
        td.name = name
    _refuse_embedded(td.name)
    target = processed_path(td.name)
    if target.exists() and not force_reload:
        return td.name
    if not td.source_checksum and src.is_file():
        td.source_checksum = sha256_file(src)
    write_table(td, target)
    _OPEN.pop(td.name, None)
    return td.name


def _refuse_embedded(name: str) -> None:
    if name in EMBEDDED:
        raise OutOfDomainError(
            f"{name!r} is the name of an embedded benchmark; import under another name "
            "(e.g. add a suffix like '-mine')"
        )


# ---- sources -----------------------------------------------------------------
def _sources_file() -> Path | None:
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "data" / "sources.json",
                      here.parents[2] / "data" / "sources.json"):  # fmt: skip
        if candidate.is_file():
            return candidate
    return None


def list_sources() -> list[dict[str, Any]]:
    """Known upstream benchmark sources (name, format, url, sha256, licence, citation).

    >>> any(s["format"] == "nb201-pth" for s in list_sources())
    True
    """
    path = _sources_file()
    if path is None:
        raise CorruptFileError(
            "the sources registry data/sources.json is not installed with this copy of "
            "nasbench_kit; reinstall the package"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorruptFileError(f"sources registry {str(path)!r} is unreadable: {exc}") from exc
    return [dict(entry) for entry in data["sources"]]
