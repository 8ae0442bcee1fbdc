"""Import the NATS-Bench topology archive (format ``"nats-tss"``).

NATS-Bench ``tss`` (the NAS-Bench-201 cell space, re-released with 200- and
12-epoch schedules) ships as ``NATS-tss-v1_0-3ffb9-simple/``: a directory of
bz2-compressed pickles,

- ``meta.pickle.pbz2``: ``{"meta_archs": [arch_str, ...], ...}``;
- ``<index>.pickle.pbz2`` (``000000``..``015624``, zero-padded to 6 digits or
  not): ``{hp: ArchResults-dict}`` with ``hp`` ``"12"`` and ``"200"``.

An ArchResults dict has the NAS-Bench-201 layout (see
:mod:`~nasbench_kit.tables.convert.nb201_pth`), and the output is the same:
per seed and epoch ``train_acc``, ``val_acc``, ``test_acc`` (where the dataset
defines them), losses, cumulative ``train_time`` (cost), ``params``, ``flops``,
``latency`` (ms). The single-file form ``NATS-tss-v1_0-3ffb9.pickle.pbz2``
(``{"meta_archs", "arch2infos": {index: {hp: ...}}, ...}``) is accepted too.
Everything is read with bz2 and the restricted unpickler.

>>> import bz2, pathlib, pickle, tempfile
>>> from nasbench_kit.tables.convert.nats_tss import read_pbz2
>>> f = pathlib.Path(tempfile.mkdtemp()) / "meta.pickle.pbz2"
>>> _ = f.write_bytes(bz2.compress(pickle.dumps({"meta_archs": ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"]})))
>>> len(read_pbz2(f)["meta_archs"])
1

``convert("NATS-tss-v1_0-3ffb9-simple", dataset="cifar100", hp="12")`` on the
real archive gives the table ``nats-tss-12ep/cifar100``.
"""

from __future__ import annotations

import bz2
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nasbench_kit import _progress
from nasbench_kit.errors import CorruptFileError, OutOfDomainError, UnsafeFileError
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.convert.nb201_pth import assemble, hp_label
from nasbench_kit.tables.schema import TableData

FORMAT = "nats-tss"
PICKLE_EXT = ".pickle.pbz2"
_MEMBER_RE = re.compile(r"^(\d+)\.pickle\.pbz2$")

_PROVENANCE = {
    "source": "NATS-Bench topology search space archive (D-X-Y/NATS-Bench, NATS-tss-v1_0)",
    "licence": "MIT",
    "citation": f"{C.NATS_CITATION} {C.NB201_CITATION}",
}


def read_pbz2(path: Path) -> Any:
    """Decompress and restricted-unpickle one ``.pickle.pbz2`` file."""
    from nasbench_kit.tables._safe_pickle import safe_load

    try:
        with bz2.open(path, "rb") as fh:
            return safe_load(fh)
    except CorruptFileError as exc:
        raise CorruptFileError(
            f"{FORMAT}: {str(path)!r} is truncated or not a bz2 pickle ({exc})"
        ) from exc
    except UnsafeFileError as exc:
        raise UnsafeFileError(f"{FORMAT}: {str(path)!r}: {exc}") from exc
    except (OSError, EOFError, ValueError) as exc:
        raise CorruptFileError(
            f"{FORMAT}: {str(path)!r} is not a valid bz2 pickle ({type(exc).__name__}: {exc}); "
            "download the archive again"
        ) from exc


def _members(root: Path) -> dict[int, Path]:
    out: dict[int, Path] = {}
    for member in root.iterdir():
        m = _MEMBER_RE.match(member.name)
        if m and member.is_file():
            index = int(m.group(1))
            if index in out:
                raise CorruptFileError(
                    f"{FORMAT}: {str(root)!r} holds two files for arch {index} "
                    f"({out[index].name}, {member.name}); keep one"
                )
            out[index] = member
    return out


def _pick(infos: Any, hp_keys: Sequence[str], where: str, hp: str) -> Any:
    if not isinstance(infos, Mapping):
        raise CorruptFileError(f"{where} holds {type(infos).__name__}, not a {{hp: results}} dict")
    for key in hp_keys:
        if key in infos:
            return infos[key]
    raise OutOfDomainError(
        f"{where} has no hp={hp!r} results (it has {sorted(map(str, infos))}); "
        "use hp='200' or hp='12'"
    )


def _arch_str(state: Any, index: int, meta: Sequence[str]) -> Any:
    if isinstance(state, Mapping) and isinstance(state.get("arch_str"), str):
        return state["arch_str"]
    return meta[index] if 0 <= index < len(meta) else None


def convert(
    path: str | Path,
    name: str | None = None,
    *,
    dataset: str = "cifar10-valid",
    hp: str | int = "200",
    fidelities: Sequence[float] | None = None,
    source: str | None = None,
    licence: str | None = None,
    citation: str | None = None,
    progress: bool | None = None,
    **unknown: Any,
) -> TableData:
    """Read a NATS-tss archive directory (or its single-file form) into a TableData.

    ``dataset``: ``cifar10-valid`` (default), ``cifar10``, ``cifar100``,
    ``ImageNet16-120``; ``hp``: ``"200"`` (default) or ``"12"``;
    ``fidelities``: keep only these epochs; ``progress``: progress bars
    (default: on a terminal).
    """
    C.check_options(FORMAT, unknown, ("dataset", "hp", "fidelities"))
    fidelities = I.fidelities_option(FORMAT, fidelities)
    p = C.as_path(path, FORMAT, want_dir=None)
    hp_name, hp_keys = hp_label(hp, FORMAT)
    I.expect_kind(FORMAT, p, ("directory", "bz2"),
                  "the NATS-tss archive folder or its .pickle.pbz2 file")  # fmt: skip
    records: list[tuple[str, Any, Any]] = []
    if p.is_dir():
        members = _members(p)
        if not members:
            raise CorruptFileError(
                f"{FORMAT}: {str(p)!r} holds no '<index>{PICKLE_EXT}' files; pass the "
                "NATS-tss-v1_0-3ffb9-simple directory"
            )
        meta_path = p / f"meta{PICKLE_EXT}"
        meta: list[str] = []
        if meta_path.is_file():
            meta_obj = read_pbz2(meta_path)
            if isinstance(meta_obj, Mapping) and isinstance(meta_obj.get("meta_archs"), list):
                meta = meta_obj["meta_archs"]
        bar = _progress.progress(sorted(members), total=len(members), desc=f"{FORMAT} files",
                                 unit="file", enabled=progress)  # fmt: skip
        for index in bar:
            where = f"{FORMAT}: {str(members[index])!r}"
            state = _pick(read_pbz2(members[index]), hp_keys, where, str(hp))
            records.append((f"arch {index}", _arch_str(state, index, meta), state))
        checksum_members = list(members.values()) + ([meta_path] if meta_path.is_file() else [])
        checksum = C.source_checksum(p, checksum_members)
    else:
        data = read_pbz2(p)
        if not isinstance(data, Mapping) or "arch2infos" not in data:
            raise CorruptFileError(
                f"{FORMAT}: {str(p)!r} is not a NATS-Bench topology file (no 'arch2infos'); "
                "pass the NATS-tss-v1_0-3ffb9-simple directory or the .pickle.pbz2 file"
            )
        with I.malformed(f"{FORMAT}: {str(p)!r}", "a NATS-Bench topology file"):
            meta = list(data.get("meta_archs") or [])
            infos = data["arch2infos"]
            for index in sorted(infos, key=int):
                where = f"{FORMAT}: {str(p)!r} arch {index}"
                state = _pick(infos[index], hp_keys, where, str(hp))
                records.append((f"arch {index}", _arch_str(state, int(index), meta), state))
        checksum = C.source_checksum(p)
    return assemble(
        fmt=FORMAT,
        path=p,
        records=records,
        dataset=dataset,
        hp=hp_name,
        name=name or f"nats-tss-{hp_name}ep/{dataset}",
        fidelities=fidelities,
        provenance=C.provenance(_PROVENANCE, source, licence, citation),
        checksum=checksum,
        extra={"layout": "directory" if p.is_dir() else "single-file"},
        progress=progress,
    )
