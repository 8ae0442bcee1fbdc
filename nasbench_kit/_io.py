"""Atomic file writes, shared by every writer in the package.

A writer creates a temporary file *in the target folder* (named
``.<target name>.<pid>.<random>.tmp``), writes and fsyncs it, then renames it
over the target with ``os.replace``: readers see the old file or the new one,
never a half-written one, and concurrent writers never interleave bytes (the
last rename wins). Temporaries left behind by a killed writer are removed by
the next write to the same folder (:func:`clean_stale_tmp`) once they are
older than ``STALE_SECONDS`` (so a concurrent writer's live temporary is safe).

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> atomic_write_text(os.path.join(d, "a.json"), '{"x": 1}')
>>> open(os.path.join(d, "a.json")).read()
'{"x": 1}'
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "STALE_SECONDS",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "clean_stale_tmp",
    "atomic_write_with",
    "fsync_dir",
]

#: Temporaries older than this (seconds) are presumed abandoned by a killed writer.
STALE_SECONDS = 3600.0


def _tmp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def clean_stale_tmp(folder: str | os.PathLike[str], older_than: float = STALE_SECONDS) -> int:
    """Delete ``.*.tmp`` files in ``folder`` older than ``older_than`` s; return how many."""
    n = 0
    cutoff = time.time() - older_than
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                n += 1
        except OSError:  # another process removed or renamed it first
            continue
    return n


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a rename in ``folder`` durable (best effort where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is fsynced and renamed to ``target``.

    On any exception the temporary is removed and ``target`` is untouched.
    Stale temporaries of killed writers in the folder are cleaned first.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_tmp(target.parent)
    tmp = _tmp_name(target)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``target`` atomically."""
    atomic_write_bytes(target, text.encode(encoding))


def atomic_write_with(target: str | os.PathLike[str], write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` and move the result to ``target`` atomically."""
    with atomic_path(target) as tmp:
        write(tmp)
