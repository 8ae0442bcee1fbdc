"""A sha256 seal in the HDF5 user block of every store file.

libhdf5 can crash the whole process (a segmentation fault, not an exception)
on a damaged file -- a flipped byte in an attribute is enough. So a store file
is *sealed*: it is written with a :data:`USERBLOCK`-byte user block (bytes
libhdf5 reserves for the application and never reads), and after writing, the
block receives ``MAGIC``, the length and the sha256 of everything after it.
:func:`verify` recomputes the hash before libhdf5 sees the file; a mismatch is
a :class:`~nasbench_kit.errors.CorruptFileError`. Verification is memoised per
file version (mtime, size, inode) in the process.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "x.h5")
>>> with open(path, "wb") as fh:
...     _ = fh.write(bytes(USERBLOCK) + b"payload")
>>> seal(path); verify(path)
>>> with open(path, "r+b") as fh:
...     _ = fh.seek(USERBLOCK + 2); _ = fh.write(b"X")
>>> verify(path)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
nasbench_kit.errors.CorruptFileError: table file ... is damaged: its sha256 ...
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from nasbench_kit.errors import CorruptFileError

__all__ = ["MAGIC", "USERBLOCK", "seal", "verify"]

#: Size of the HDF5 user block holding the seal (a power of two >= 512, as HDF5 requires).
USERBLOCK = 512
MAGIC = b"NBKTABLE-SEAL-1\n"


def _digest(path: str | os.PathLike[str]) -> tuple[str, int]:
    """sha256 hex and length of the bytes after the user block."""
    digest = hashlib.sha256()
    n = 0
    with open(path, "rb") as fh:
        fh.seek(USERBLOCK)
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            n += len(block)
    return digest.hexdigest(), n


def seal(path: str | os.PathLike[str]) -> None:
    """Write the seal of ``path`` (an HDF5 file created with ``userblock_size=USERBLOCK``)."""
    hexdigest, n = _digest(path)
    header = MAGIC + f"{n}\n{hexdigest}\n".encode()
    with open(path, "r+b") as fh:
        fh.write(header.ljust(USERBLOCK, b"\0"))


def verify(path: str | os.PathLike[str]) -> None:
    """Raise :class:`CorruptFileError` unless ``path`` carries a matching seal."""
    st = os.stat(path)
    _verified(str(Path(path).resolve()), st.st_mtime_ns, st.st_size, st.st_ino)


@functools.lru_cache(maxsize=256)
def _verified(path: str, _mtime_ns: int, _size: int, _ino: int) -> None:
    with open(path, "rb") as fh:
        head = fh.read(USERBLOCK)
    fix = "delete it and load or import the table again"
    if not head.startswith(MAGIC):
        raise CorruptFileError(
            f"table file {path!r} has no nasbench_kit seal (it was written by an older "
            f"nasbench_kit or is not a table); {fix}"
        )
    try:
        length_text, hexdigest = head[len(MAGIC) :].split(b"\n")[:2]
        length = int(length_text)
    except ValueError:
        raise CorruptFileError(f"table file {path!r} has a damaged seal; {fix}") from None
    actual, n = _digest(path)
    if n != length or actual.encode() != hexdigest:
        raise CorruptFileError(
            f"table file {path!r} is damaged: its sha256 (or length) differs from the one "
            f"written with it ({n} bytes vs {length}); {fix}"
        )
