"""Known upstream sources of benchmark data, read from the package's ``sources.json``.

Each entry says where users download a benchmark, the file names, the format
that reads them (``import_table(format, path)``), the sha256 where one is
published or pinned (``None`` otherwise: the import records the sha256 of the
user's copy), the licence and the citation. The JSON file ships inside the
package (``nasbench_kit/tables/sources.json``) and is read with
:mod:`importlib.resources`, so it works from an installed wheel.

>>> any(s["format"] == "nb201-pth" for s in list_sources())
True
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from nasbench_kit.errors import CorruptFileError

__all__ = ["list_sources", "pinned_sha256"]

_PACKAGE = "nasbench_kit.tables"
_FILE = "sources.json"


def list_sources() -> list[dict[str, Any]]:
    """Known upstream benchmark sources (name, format, url, files, sha256, licence, citation)."""
    try:
        text = resources.files(_PACKAGE).joinpath(_FILE).read_text(encoding="utf-8")
        data = json.loads(text)
        entries = [dict(entry) for entry in data["sources"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorruptFileError(
            f"the sources registry {_PACKAGE}/{_FILE} is missing or unreadable "
            f"({type(exc).__name__}: {exc}); reinstall nasbench_kit"
        ) from exc
    return entries


@functools.lru_cache(maxsize=1)
def pinned_sha256() -> frozenset[str]:
    """Every sha256 the registry pins (entries' ``sha256`` and per-file values).

    >>> all(len(h) == 64 for h in pinned_sha256())
    True
    """
    found: set[str] = set()
    for entry in list_sources():
        files = entry.get("files")
        values = [entry.get("sha256"), *(files.values() if isinstance(files, dict) else [])]
        found.update(v for v in values if isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v))
    return frozenset(found)
