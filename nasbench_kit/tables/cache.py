"""The one cache of open tables in a process.

``load(name)`` and the unpickling of a file-backed
:class:`~nasbench_kit.tables.Benchmark` (which travels to workers as its path)
both go through :func:`open_table`: a store file is read once per process and
the same read-only object is returned until the file changes. The cache is
keyed by the resolved path and checked against the file's
``(mtime_ns, size, inode)``, so a table rebuilt in place (re-import,
``force_reload``) is read again on the next call.

>>> import numpy as np, os, tempfile
>>> from nasbench_kit.tables.schema import TableData
>>> from nasbench_kit.tables.store import write_table
>>> path = os.path.join(tempfile.mkdtemp(), "t.h5")
>>> write_table(TableData(name="demo/c", space="nb201", dataset="toy", hashes=["a"],
...     notations=["a"], seeds=(), fidelities=(1.0,), metrics=("m",), units={},
...     values=np.zeros((1, 1, 1, 1))), path)
>>> open_table(path) is open_table(path)
True
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from nasbench_kit.errors import CorruptFileError
from nasbench_kit.tables.benchmark import Benchmark

__all__ = ["file_key", "forget", "open_table"]

_OPEN: dict[str, tuple[tuple[int, int, int], Benchmark]] = {}
_LOCK = threading.Lock()


def file_key(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """``(mtime_ns, size, inode)`` of ``path``: changes whenever the file is replaced."""
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _resolved(path: str | os.PathLike[str]) -> str:
    return str(Path(path).expanduser().resolve())


def open_table(path: str | os.PathLike[str]) -> Benchmark:
    """The open :class:`Benchmark` of store file ``path`` (read once per file version)."""
    resolved = _resolved(path)
    try:
        key = file_key(resolved)
    except OSError as exc:
        raise CorruptFileError(
            f"table file {str(path)!r} cannot be opened ({exc.strerror or exc}); import or load "
            "the table again"
        ) from None
    with _LOCK:
        hit = _OPEN.get(resolved)
    if hit is not None and hit[0] == key:
        return hit[1]
    bench = Benchmark.open(resolved)
    with _LOCK:
        _OPEN[resolved] = (key, bench)
    return bench


def forget(path: str | os.PathLike[str]) -> None:
    """Drop ``path`` from the cache (the next :func:`open_table` reads the file)."""
    with _LOCK:
        _OPEN.pop(_resolved(path), None)
