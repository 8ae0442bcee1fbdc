"""Safe extraction of a dataset tarball: regular files and folders only.

Every member is checked before anything is written: absolute names, ``..``
components, links (symbolic or hard), devices and FIFOs are refused with
:class:`~nasbench_kit.errors.UnsafeFileError`; members outside the expected
top folder are refused as :class:`~nasbench_kit.errors.CorruptFileError`.
Files are extracted by copying their bytes (``tarfile.extractall`` is never
used) into a temporary folder inside ``dest``, which is then renamed into
place, so a reader sees the old folder or the complete new one.

>>> _member_parts("cifar-10-batches-py/data_batch_1")
('cifar-10-batches-py', 'data_batch_1')
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from nasbench_kit._io import fsync_dir
from nasbench_kit.errors import CorruptFileError, UnsafeFileError

__all__ = ["safe_extract"]


def _member_parts(name: str) -> tuple[str, ...]:
    """The path components of a member name, or UnsafeFileError."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeFileError(f"archive member {name!r} has an absolute path; refusing to extract")
    parts = tuple(p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", "."))
    if ".." in parts:
        raise UnsafeFileError(f"archive member {name!r} climbs out with '..'; refusing to extract")
    return parts


def _check_members(members: list[tarfile.TarInfo], top: str, label: str) -> None:
    for m in members:
        parts = _member_parts(m.name)
        if m.issym() or m.islnk():
            raise UnsafeFileError(
                f"{label}: member {m.name!r} is a link (to {m.linkname!r}); dataset archives "
                "hold only files and folders, so the archive is refused"
            )
        if not (m.isfile() or m.isdir()):
            raise UnsafeFileError(
                f"{label}: member {m.name!r} is a device or FIFO; refusing the archive"
            )
        if parts and parts[0] != top:
            raise CorruptFileError(
                f"{label}: member {m.name!r} lies outside {top + '/'!r}; this is not the "
                "official archive"
            )


def safe_extract(
    archive: str | os.PathLike[str], dest: str | os.PathLike[str], top: str, files: tuple[str, ...]
) -> Path:
    """Extract folder ``top`` of the tar.gz ``archive`` into ``dest / top``.

    Checks that ``files`` exist in it afterwards; returns ``dest / top``.
    """
    archive, dest = Path(archive), Path(dest)
    label = f"archive {str(archive)!r}"
    tmp = dest / f".{top}.{os.getpid()}.{secrets.token_hex(4)}.tmp-dir"
    try:
        with tarfile.open(archive, "r:*") as tf:
            members = tf.getmembers()
            _check_members(members, top, label)
            tmp.mkdir(parents=True)
            for m in members:
                parts = _member_parts(m.name)
                target = tmp.joinpath(*parts) if parts else tmp
                if m.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tf.extractfile(m)
                if src is None:
                    raise CorruptFileError(f"{label}: member {m.name!r} cannot be read")
                with src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
                    out.flush()
                    os.fsync(out.fileno())
        missing = [f for f in files if not (tmp / top / f).is_file()]
        if missing:
            raise CorruptFileError(
                f"{label} lacks {top}/{', '.join(missing)}; not the official archive"
            )
        _swap_in(tmp / top, dest / top)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise CorruptFileError(f"{label} is truncated or not a tar.gz file ({exc})") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest / top


def _swap_in(new: Path, final: Path) -> None:
    """Rename ``new`` to ``final``, moving any old ``final`` aside first."""
    old = final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}.old-dir")
    if final.exists():
        os.replace(final, old)
    try:
        os.replace(new, final)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(old)
    fsync_dir(final.parent)
