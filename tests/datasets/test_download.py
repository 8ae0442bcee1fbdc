"""download_dataset over file:// URLs: checksums, atomic writes, safe extraction (no network)."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest

from nasbench_kit.datasets import download_dataset, load_dataset
from nasbench_kit.datasets._tar import safe_extract
from nasbench_kit.datasets.download import ARCHIVES, Archive, Resource
from nasbench_kit.errors import (
    ChecksumError,
    CorruptFileError,
    MissingDataError,
    OutOfDomainError,
    UnsafeFileError,
)


def _sums(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    return hashlib.md5(data, usedforsecurity=False).hexdigest(), hashlib.sha256(data).hexdigest()


@pytest.fixture()
def cifar_tar(tmp_path: Path, fmt) -> Path:
    src = fmt.write_cifar10(tmp_path / "build" / "src")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    return fmt.tar_folder(src, "cifar-10-batches-py", mirror / "cifar-10-python.tar.gz")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_checksum_mismatch_keeps_nothing(cifar_tar: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    with pytest.raises(ChecksumError, match="c58f30108f718f92721af3b95e74349a"):
        download_dataset("cifar10", root, url=cifar_tar.parent.as_uri())  # official MD5 differs
    assert _leftovers(root) == []  # neither the archive nor a temporary


def test_idx_mismatch_keeps_nothing(tmp_path: Path, fmt) -> None:
    mirror = fmt.write_idx_folder(tmp_path / "mirror", fmt.fake_mnist_arrays())
    with pytest.raises(ChecksumError, match="published"):
        download_dataset("fashion-mnist", tmp_path / "root", url=mirror.as_uri() + "/")
    assert _leftovers(tmp_path / "root") == []


def test_verified_cifar_download_extracts_and_loads(
    cifar_tar: Path, tmp_path: Path, monkeypatch
) -> None:
    md5, sha = _sums(cifar_tar)
    res = Resource("cifar-10-python.tar.gz", md5, sha)
    monkeypatch.setitem(
        ARCHIVES,
        "cifar10",
        Archive((cifar_tar.parent.as_uri() + "/",), (res,), "cifar-10-batches-py"),
    )
    root = download_dataset("cifar10-valid", tmp_path / "root", progress=False)
    assert _leftovers(root) == ["cifar-10-batches-py"]  # archive removed after extraction
    assert load_dataset("cifar10-valid", root=root).sizes == {"train": 50, "val": 50, "test": 20}
    # already there: returns at once, never touching the (now unreachable) mirror
    monkeypatch.setitem(
        ARCHIVES, "cifar10", Archive(("file:///nonexistent/",), (res,), "cifar-10-batches-py")
    )
    assert download_dataset("cifar10", root) == root


def test_verified_idx_download_into_cache(tmp_path: Path, fmt, monkeypatch) -> None:
    monkeypatch.setenv("NASBENCH_KIT_HOME", str(tmp_path / "home"))
    mirror = fmt.write_idx_folder(tmp_path / "mirror", fmt.fake_mnist_arrays())
    resources = tuple(Resource(p.name, *_sums(p)) for p in sorted(mirror.iterdir()))
    monkeypatch.setitem(ARCHIVES, "mnist", Archive((mirror.as_uri() + "/",), resources))
    root = download_dataset("mnist", progress=False)
    assert root == tmp_path / "home" / "datasets" / "mnist"
    assert len(_leftovers(root)) == 4 and load_dataset("mnist").sizes["test"] == 12


def test_unreachable_mirror_names_every_url(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError) as err:
        download_dataset("cifar100", tmp_path / "root", url="file:///nonexistent/mirror/")
    assert "file:///nonexistent/mirror/cifar-100-python.tar.gz" in str(err.value)


def test_digits_has_nothing_to_download(tmp_path: Path) -> None:
    with pytest.raises(OutOfDomainError, match="bundled"):
        download_dataset("digits", tmp_path)


def test_official_checksums_are_recorded() -> None:
    assert ARCHIVES["cifar10"].resources[0].md5 == "c58f30108f718f92721af3b95e74349a"
    assert ARCHIVES["cifar100"].resources[0].md5 == "eb9058c3a382ffc7106e4002c42a8d85"
    for archive in ARCHIVES.values():
        for res in archive.resources:
            assert res.md5 is not None and len(res.md5) == 32
            assert res.sha256 is None or len(res.sha256) == 64


# --- safe extraction -------------------------------------------------------------------------


def _member(
    name: str, kind: bytes = tarfile.REGTYPE, link: str = "", size: int = 3
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, size if kind == tarfile.REGTYPE else 0
    return info


@pytest.mark.parametrize(
    "member, error",
    [
        (_member("cifar-10-batches-py/../../evil"), UnsafeFileError),
        (_member("/tmp/evil-absolute"), UnsafeFileError),
        (_member("cifar-10-batches-py/link", tarfile.SYMTYPE, "/etc/passwd"), UnsafeFileError),
        (
            _member("cifar-10-batches-py/hard", tarfile.LNKTYPE, "cifar-10-batches-py/test_batch"),
            UnsafeFileError,
        ),
        (_member("cifar-10-batches-py/fifo", tarfile.FIFOTYPE), UnsafeFileError),
        (_member("elsewhere/file"), CorruptFileError),
    ],
)
def test_malicious_members_refuse_the_archive(tmp_path: Path, fmt, member, error) -> None:
    src = fmt.write_cifar10(tmp_path / "src")
    archive = fmt.tar_folder(src, "cifar-10-batches-py", tmp_path / "evil.tar.gz", extra=[member])
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(error):
        safe_extract(archive, dest, "cifar-10-batches-py", ("data_batch_1",))
    assert _leftovers(dest) == []  # nothing extracted, temporaries removed
    assert not (tmp_path / "evil").exists()


def test_malicious_archive_via_download_is_refused(tmp_path: Path, fmt, monkeypatch) -> None:
    src = fmt.write_cifar10(tmp_path / "src")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    link = _member("cifar-10-batches-py/evil", tarfile.SYMTYPE, "../../outside")
    archive = fmt.tar_folder(
        src, "cifar-10-batches-py", mirror / "cifar-10-python.tar.gz", extra=[link]
    )
    res = Resource(archive.name, *_sums(archive))
    monkeypatch.setitem(
        ARCHIVES, "cifar10", Archive((mirror.as_uri() + "/",), (res,), "cifar-10-batches-py")
    )
    with pytest.raises(UnsafeFileError, match="link"):
        download_dataset("cifar10", tmp_path / "root", progress=False)
    assert _leftovers(tmp_path / "root") == []  # the refused archive is deleted too


def test_truncated_archive_is_corrupt(tmp_path: Path, fmt) -> None:
    src = fmt.write_cifar10(tmp_path / "src")
    archive = fmt.tar_folder(src, "cifar-10-batches-py", tmp_path / "a.tar.gz")
    archive.write_bytes(archive.read_bytes()[:-2000])
    (tmp_path / "dest").mkdir()
    with pytest.raises(CorruptFileError):
        safe_extract(archive, tmp_path / "dest", "cifar-10-batches-py", ("data_batch_1",))
    assert _leftovers(tmp_path / "dest") == []
