"""Download the official dataset archives on a user's machine, verified.

:func:`download_dataset` fetches each file of a dataset from its official
location (or a mirror given as ``url``, ``file://`` included), computes MD5
and SHA-256 while streaming, and keeps the file only when every recorded
checksum matches (else :class:`~nasbench_kit.errors.ChecksumError`, nothing
kept). Files are written atomically (:func:`nasbench_kit._io.atomic_path`). The
CIFAR archives are then extracted safely (:mod:`nasbench_kit.datasets._tar`)
and removed. The package never downloads anything unless this is called.

Recorded checksums (:data:`ARCHIVES`): MD5 as published by each dataset's
authors (CIFAR: the CIFAR page; Fashion-MNIST: its README; MNIST: torchvision's
resource list) and SHA-256 where an independent record exists (CIFAR:
``keras.datasets`` and torchvision's dataset prototypes; MNIST: several
projects that pin the same four sums). No SHA-256 is recorded for the
Fashion-MNIST archives: none is published.

>>> sorted(ARCHIVES)
['cifar10', 'cifar100', 'fashion-mnist', 'mnist']
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from nasbench_kit._io import atomic_path
from nasbench_kit._progress import progress_bar
from nasbench_kit.datasets._catalog import default_dir, get_info
from nasbench_kit.errors import (
    ChecksumError,
    CorruptFileError,
    MissingDataError,
    OutOfDomainError,
    UnsafeFileError,
)

__all__ = ["ARCHIVES", "Archive", "Resource", "download_dataset", "fetch_file"]


@dataclasses.dataclass(frozen=True)
class Resource:
    """One downloadable file and its recorded checksums (hex, lower case)."""

    filename: str
    md5: str | None = None
    sha256: str | None = None


@dataclasses.dataclass(frozen=True)
class Archive:
    """Where a dataset's files come from and what they unpack to."""

    mirrors: tuple[str, ...]  # folder URLs, tried in order
    resources: tuple[Resource, ...]
    extract_to: str | None = None  # tar.gz archives: the folder they hold


_IDX = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")  # fmt: skip

ARCHIVES: dict[str, Archive] = {
    "mnist": Archive(
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        tuple(Resource(f, m, s) for f, m, s in zip(_IDX, (
            "f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
            "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"), (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"))),
    ),
    "fashion-mnist": Archive(
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        tuple(Resource(f, m) for f, m in zip(_IDX, (
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
            "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"))),
    ),
    "cifar10": Archive(
        ("https://www.cs.toronto.edu/~kriz/",),
        (Resource("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a",
                  "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),),
        "cifar-10-batches-py",
    ),
    "cifar100": Archive(
        ("https://www.cs.toronto.edu/~kriz/",),
        (Resource("cifar-100-python.tar.gz", "eb9058c3a382ffc7106e4002c42a8d85",
                  "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"),),
        "cifar-100-python",
    ),
}  # fmt: skip

_CHUNK = 1 << 20


def _file_sums(path: Path) -> tuple[str, str]:
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def _mismatch(res: Resource, md5: str, sha: str) -> str | None:
    if res.md5 is not None and md5 != res.md5:
        return f"MD5 {md5} != published {res.md5}"
    if res.sha256 is not None and sha != res.sha256:
        return f"SHA-256 {sha} != recorded {res.sha256}"
    return None


def fetch_file(url: str, target: Path, res: Resource, *, progress: bool | None = None) -> Path:
    """Stream ``url`` to ``target`` atomically; keep it only if the checksums match.

    Raises :class:`ChecksumError` (nothing written) on a mismatch and lets
    ``urllib.error.URLError`` / ``OSError`` through for the caller to try a mirror.
    """
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with urllib.request.urlopen(url, timeout=60) as response:
        total = int(response.headers.get("Content-Length") or 0)
        with atomic_path(target) as tmp, open(tmp, "wb") as out:
            with progress_bar(total=total, desc=res.filename, unit="B", enabled=progress) as bar:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    md5.update(block)
                    sha.update(block)
                    out.write(block)
                    bar.update(len(block))
            out.flush()
            problem = _mismatch(res, md5.hexdigest(), sha.hexdigest())
            if problem:
                raise ChecksumError(
                    f"{url}: {problem}; the download is corrupt or not the official file, so it "
                    f"was not kept. Retry, or use another mirror (url=...)"
                )
    return target


def _urls(archive: Archive, res: Resource, url: str | None) -> list[str]:
    if url is None:
        return [m + res.filename for m in archive.mirrors]
    if url.rstrip("/").endswith("/" + res.filename):
        return [url]
    return [url.rstrip("/") + "/" + res.filename]


def _have(target: Path, res: Resource) -> bool:
    return target.is_file() and _mismatch(res, *_file_sums(target)) is None


def download_dataset(
    name: str,
    root: str | os.PathLike[str] | None = None,
    *,
    url: str | None = None,
    keep_archive: bool = False,
    progress: bool | None = None,
) -> Path:
    """Download dataset ``name`` into ``root`` (default ``<home>/datasets/<name>/``).

    ``url``: a mirror -- the folder URL holding the official file names (or,
    for CIFAR, the archive's own URL); ``file://`` URLs work. Files already
    present with matching checksums are not fetched again. CIFAR archives are
    extracted (links, absolute paths and ``..`` refused) and deleted unless
    ``keep_archive``. Returns the folder to pass as ``load_dataset(root=...)``.
    """
    info = get_info(name)
    if info.source not in ARCHIVES:
        raise OutOfDomainError(
            f"dataset {name!r} is bundled with scikit-learn; there is nothing to download"
        )
    archive = ARCHIVES[info.source]
    folder = Path(root).expanduser() if root is not None else default_dir(info.source)
    if archive.extract_to and _extracted(folder / archive.extract_to, info.files):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for res in archive.resources:
        target = folder / res.filename
        if not _have(target, res):
            _download_one(archive, res, target, url, progress)
        if archive.extract_to:
            from nasbench_kit.datasets._tar import safe_extract

            try:
                safe_extract(target, folder, archive.extract_to, info.files)
            except (UnsafeFileError, CorruptFileError):
                target.unlink()  # never keep an archive that was refused
                raise
            if not keep_archive:
                target.unlink()
    return folder


def _download_one(
    archive: Archive, res: Resource, target: Path, url: str | None, progress: bool | None
) -> None:
    errors: list[str] = []
    for candidate in _urls(archive, res, url):
        try:
            fetch_file(candidate, target, res, progress=progress)
            return
        except ChecksumError:
            raise
        except (urllib.error.URLError, OSError, ValueError) as exc:  # try the next mirror
            errors.append(f"{candidate}: {exc}")
    tried = "\n".join(f"  - {e}" for e in errors)
    raise MissingDataError(
        f"could not download {res.filename}:\n{tried}\nCheck the network, pass another mirror "
        f"as url=..., or copy the official {res.filename} into {target.parent} by hand"
    )


def _extracted(folder: Path, files: tuple[str, ...]) -> bool:
    return folder.is_dir() and all((folder / f).is_file() for f in files)
