"""Import HELP's per-device NAS-Bench-201 latency files (format ``"help-latency"``).

HELP (Lee et al., NeurIPS 2021) publishes, in ``data/nasbench201/latency/`` of
github.com/HayeonLee/HELP, one ``<device>.pt`` file per device configuration
(``1080ti_1``, ``titan_rtx_256``, ``pixel3``, ``fpga`` ...): a ``torch.save``
of a Python list of 15,625 latencies in milliseconds, in NAS-Bench-201 index
order (HELP's loader reads it with ``torch.FloatTensor(torch.load(path))``).
A 1-D tensor of the same length is accepted too.

Each file is read with ``torch.load(weights_only=True)`` (torch's safe
loader; nothing in the file can run code). ``path`` is one ``.pt`` file or a
folder of them (``devices=`` picks some). The result is one static table: a
metric ``latency_<device>`` (ms) per file for all 15,625 cells, the same
names as the ``nb201-csv`` latency layout.

>>> from nasbench_kit.tables.convert import help_latency
>>> t = help_latency.convert("latency/")  # doctest: +SKIP
>>> t.metrics[:2], t.units["latency_fpga"]  # doctest: +SKIP
(('latency_1080ti_1', 'latency_1080ti_256'), 'ms')
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit import _progress
from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.schema import TableData

FORMAT = "help-latency"
#: Architectures in a HELP NB201 list (the whole NB201 space, by official index).
N_CELLS = 15_625
SUFFIXES = (".pt", ".pth")

_PROVENANCE = {
    "source": "HELP (HayeonLee/HELP) data/nasbench201/latency/<device>.pt",
    "licence": "MIT",
    "citation": "Lee, H., Lee, S., Chong, S. and Hwang, S. J. HELP: Hardware-Adaptive Efficient "
    "Latency Prediction for NAS via Meta-Learning. NeurIPS 2021. " + C.NB201_CITATION,
}


def _device_files(path: Path, devices: Sequence[str] | None) -> dict[str, Path]:
    """``{device: file}`` for one file or the ``.pt`` files of a folder."""
    if path.is_dir():
        found = {p.stem: p for p in sorted(path.iterdir()) if p.suffix in SUFFIXES and p.is_file()}
        if not found:
            raise CorruptFileError(
                f"{FORMAT}: {str(path)!r} holds no .pt files; pass HELP's "
                "data/nasbench201/latency folder or one <device>.pt file in it"
            )
    else:
        found = {path.stem: path}
    if devices is None:
        return found
    missing = [d for d in devices if d not in found]
    if missing:
        raise OutOfDomainError(
            f"{FORMAT}: devices {missing} have no file in {str(path)!r}; it has {sorted(found)}"
        )
    return {d: found[d] for d in devices}


@functools.lru_cache(maxsize=1)
def _cells() -> tuple[Any, ...]:
    """Every NB201 cell in official index order (built once per process)."""
    from nasbench_kit.spaces import get_space

    space = get_space("nb201")
    return tuple(space.from_index(i) for i in range(N_CELLS))


def _devices_option(devices: Any) -> list[str] | None:
    if devices is None:
        return None
    items = [devices] if isinstance(devices, str) else devices
    if not isinstance(items, Iterable) or isinstance(items, (bytes, dict)):
        items = [items]
    items = list(items)
    if not items or not all(isinstance(d, str) and d for d in items):
        raise OutOfDomainError(
            f"{FORMAT}: devices={devices!r:.80} must be device names (file stems), e.g. "
            "devices=['pixel3', 'titan_rtx_1']"
        )
    return items


def read_latencies(file: Path) -> np.ndarray:
    """The 15,625 latencies (ms, float64) of one HELP device file."""
    from nasbench_kit.tables._safe_pickle import safe_torch_load

    I.expect_kind(FORMAT, file, ("zip", "pickle", "binary"), "a torch-saved HELP latency list")
    data = safe_torch_load(file)
    if hasattr(data, "tolist") and getattr(data, "ndim", None) == 1:
        data = data.tolist()  # a 1-D tensor or array
    if not isinstance(data, (list, tuple)) or len(data) != N_CELLS:
        size = len(data) if isinstance(data, (list, tuple)) else type(data).__name__
        raise CorruptFileError(
            f"{FORMAT}: {str(file)!r} holds {size}, not a list of {N_CELLS} latencies in "
            "NAS-Bench-201 index order; pass a file from HELP's data/nasbench201/latency/"
        )
    if not set(map(type, data)) <= {float, int}:  # bool, str, None ... (fast path: C speed)
        bad = next(i for i, v in enumerate(data) if type(v) not in (float, int))
        raise CorruptFileError(
            f"{FORMAT}: {str(file)!r} entry {bad} is {data[bad]!r:.40}, not a number; the file "
            "is corrupt"
        )
    try:
        out = np.array(data, dtype=np.float64)
    except OverflowError:  # an int beyond float range
        raise CorruptFileError(f"{FORMAT}: {str(file)!r} holds a number out of range") from None
    out[~np.isfinite(out)] = math.nan
    return out


def convert(
    path: str | Path,
    name: str | None = None,
    *,
    devices: Iterable[str] | None = None,
    dataset: str | None = None,
    source: str | None = None,
    licence: str | None = None,
    citation: str | None = None,
    progress: bool | None = None,
    **unknown: Any,
) -> TableData:
    """Read one HELP ``<device>.pt`` or a folder of them into one latency table.

    ``devices``: file stems to keep (default: every ``.pt`` in the folder);
    ``dataset``: the label (default ``"any"``, as HELP's lists are per device).
    """
    from nasbench_kit.spaces import get_space

    C.check_options(FORMAT, unknown, ("devices", "dataset"))
    chosen = _devices_option(devices)
    dataset = I.text_option(FORMAT, "dataset", dataset) or "any"
    p = C.as_path(path, FORMAT, want_dir=None)
    files = _device_files(p, chosen)
    columns: dict[str, np.ndarray] = {}
    for device, file in _progress.progress(files.items(), total=len(files), desc=FORMAT,
                                           unit="device", enabled=progress):  # fmt: skip
        metric = "latency_" + C.sanitize_name(device)
        if metric in columns:
            raise OutOfDomainError(
                f"{FORMAT}: two files in {str(p)!r} give metric {metric!r}; keep one of them"
            )
        columns[metric] = read_latencies(file)
    space = get_space("nb201")
    archs = _cells()
    names = tuple(columns)
    values = np.stack([columns[m] for m in names], axis=-1)[:, None, None, :]
    return C.build_table(
        fmt=FORMAT,
        path=p,
        name=name or "nb201/latency-help",
        space=space,
        dataset=dataset,
        archs=list(archs),
        row_labels=[f"index {i}" for i in range(N_CELLS)],
        seeds=(),
        fidelities=(200.0,),
        metrics=names,
        values=values,
        units=dict.fromkeys(names, "ms"),
        provenance=C.provenance(_PROVENANCE, source, licence, citation),
        checksum=C.source_checksum(p, list(files.values())),
        extra={"devices": ",".join(files), "order": "NAS-Bench-201 index"},
    )

