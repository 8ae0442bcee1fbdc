"""Import NAS-Bench-Suite-Zero zero-cost-proxy JSON (format ``"zc-json"``).

Layout (NASLib's ``zc_<space>.json``)::

    {dataset: {naslib_key: {"val_accuracy": 93.1,
                            "<proxy>": {"score": s, "time": t}, ...}}}

optionally wrapped in one more level keyed by search space
(``{"nasbench101": {dataset: ...}}``); older files store a proxy as a bare
number instead of ``{score, time}``. Keys are NASLib notations written as
Python literals: an NB201 6-tuple of op indices, an NB101 56-tuple
(flattened 7x7 adjacency + 7 op codes) or a DARTS compact genotype
``[[(input, op) x 8], [(input, op) x 8]]``; ``space=`` is detected from that
shape when not given.

Metrics: ``val_acc`` (%), ``flops`` and ``params`` (millions), and for every
other proxy ``zc_<name>`` (score) plus ``zc_<name>_time`` (seconds to compute
it, when stored). Keys that are one architecture are merged (see
``duplicates=``). One value per architecture (``seeds == ()``) at the
space's full training budget (``fidelity=`` overrides).

>>> import json, pathlib, tempfile
>>> from nasbench_kit.tables.convert import zc_json
>>> f = pathlib.Path(tempfile.mkdtemp()) / "zc_nasbench201.json"
>>> entry = {"val_accuracy": 86.1, "synflow": {"score": 41.9, "time": 0.48}}
>>> _ = f.write_text(json.dumps({"cifar100": {"(0, 2, 3, 2, 3, 1)": entry}}))
>>> t = zc_json.convert(f)
>>> t.space, t.name, t.metrics
('nb201', 'zc/nb201/cifar100', ('val_acc', 'zc_synflow', 'zc_synflow_time'))
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.schema import TableData

FORMAT = "zc-json"

#: Search-space names used by NASLib / NAS-Bench-Suite-Zero -> ours.
SPACE_ALIASES: dict[str, str] = {
    "nasbench101": "nb101",
    "nb101": "nb101",
    "nasbench201": "nb201",
    "nb201": "nb201",
    "nasbench301": "darts",
    "nb301": "darts",
    "darts": "darts",
}

#: Entry keys that are bookkeeping, not measurements.
_NON_METRICS = frozenset({"idx", "arch", "id", "index"})
#: Entry keys mapped to standard metrics (value or ``score``).
_STANDARD = {
    "val_accuracy": "val_acc",
    "test_accuracy": "test_acc",
    "train_accuracy": "train_acc",
    "flops": "flops",
    "params": "params",
}

_PROVENANCE = {
    "source": "NAS-Bench-Suite-Zero zero-cost proxy scores (automl/NASLib zc_*.json)",
    "licence": "Apache-2.0",
    "citation": C.ZC_CITATION,
}


def _load(path: Path) -> Any:
    I.expect_kind(FORMAT, path, ("json",), "a NAS-Bench-Suite-Zero JSON file")
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CorruptFileError(
            f"{FORMAT}: {str(path)!r} is not valid JSON ({exc}); it is truncated or not a "
            "NAS-Bench-Suite-Zero file -- download it again"
        ) from exc
    except RecursionError as exc:
        raise CorruptFileError(
            f"{FORMAT}: {str(path)!r} is JSON nested too deeply to be a NAS-Bench-Suite-Zero "
            "file ({dataset: {key: {metric: value}}})"
        ) from exc


def _looks_like_arch_map(obj: Any) -> bool:
    """True when ``obj`` maps NASLib key strings to entry dicts."""
    if not isinstance(obj, dict) or not obj:
        return False
    key, value = next(iter(obj.items()))
    return isinstance(key, str) and key.strip()[:1] in "([" and isinstance(value, dict)


def _datasets(data: Any, path: Path, space: str | None) -> tuple[dict[str, Any], str | None]:
    """``{dataset: {key: entry}}`` and the space named by a wrapping level, if any."""
    if not isinstance(data, dict) or not data:
        raise CorruptFileError(
            f"{FORMAT}: {str(path)!r} is not a JSON object of datasets; expected "
            "{dataset: {naslib_key: {val_accuracy, <proxy>: {score, time}}}}"
        )
    if all(_looks_like_arch_map(v) for v in data.values()):
        return data, None
    # One more level keyed by search space: {"nasbench101": {"cifar10": {...}}}
    spaces = {k: v for k, v in data.items() if isinstance(v, dict)}
    if spaces and all(all(_looks_like_arch_map(d) for d in v.values()) for v in spaces.values()):
        if space is not None:
            wanted = [k for k in spaces if SPACE_ALIASES.get(k, k) == space]
            if not wanted:
                raise OutOfDomainError(
                    f"{FORMAT}: space={space!r} is not in {str(path)!r}; it holds {sorted(spaces)}"
                )
            key = wanted[0]
        else:
            key = C.choose(FORMAT, "search space", None, sorted(spaces), path)
        return spaces[key], SPACE_ALIASES.get(key, key)
    raise CorruptFileError(
        f"{FORMAT}: {str(path)!r} does not have the NAS-Bench-Suite-Zero layout "
        "{dataset: {naslib_key: {...}}}; its top-level keys are "
        f"{sorted(data)[:10]}"
    )


def detect_space(key: Any) -> str | None:
    """The space whose NASLib notation has the shape of ``key`` (a parsed literal)."""
    if isinstance(key, (tuple, list)):
        if len(key) == 6 and all(isinstance(v, int) for v in key):
            return "nb201"
        if len(key) == 56 and all(isinstance(v, int) for v in key):
            return "nb101"
        if len(key) == 2 and all(isinstance(c, (list, tuple)) and len(c) == 8 for c in key):
            return "darts"
    return None


def _entry_values(entry: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in entry.items():
        if key in _NON_METRICS or isinstance(value, str):
            continue
        if key in _STANDARD:
            score = value.get("score") if isinstance(value, Mapping) else value
            out[_STANDARD[key]] = C.to_float(score)
            continue
        name = "zc_" + C.sanitize_name(key)
        if isinstance(value, Mapping):
            if "score" in value:
                out[name] = C.to_float(value["score"])
            if "time" in value:
                out[name + "_time"] = C.to_float(value["time"])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def convert(
    path: str | Path,
    name: str | None = None,
    *,
    dataset: str | None = None,
    space: str | None = None,
    fidelity: float | None = None,
    duplicates: str = "mean",
    source: str | None = None,
    licence: str | None = None,
    citation: str | None = None,
    **unknown: Any,
) -> TableData:
    """Read a zero-cost-proxy JSON into a :class:`TableData`.

    ``dataset`` is required when the file holds several (the error lists
    them); ``space`` is one of ``nb201``, ``nb101``, ``darts`` (NASLib names
    such as ``nasbench201`` work too) and is detected from the keys by default.
    Keys naming the same architecture (NB101 cells that prune to one graph)
    are merged: ``duplicates="mean"`` (default) averages their values,
    ``"first"`` keeps the first, ``"error"`` refuses.
    """
    C.check_options(FORMAT, unknown, ("dataset", "space", "fidelity", "duplicates"))
    dataset = I.text_option(FORMAT, "dataset", dataset)
    space = I.text_option(FORMAT, "space", space)
    fidelity = I.fidelity_option(FORMAT, fidelity)
    p = C.as_path(path, FORMAT)
    if space is not None:
        space = SPACE_ALIASES.get(space, space)
    data = _load(p)
    with I.malformed(f"{FORMAT}: {str(p)!r}", "a NAS-Bench-Suite-Zero file"):
        return _convert(p, data, name, dataset, space, fidelity, duplicates,
                        C.provenance(_PROVENANCE, source, licence, citation))  # fmt: skip


def _convert(
    p: Path, data: Any, name: str | None, dataset: str | None, space: str | None,
    fidelity: float | None, duplicates: str, prov: dict[str, str],
) -> TableData:  # fmt: skip
    from nasbench_kit.spaces import get_space

    by_dataset, wrapped_space = _datasets(data, p, space)
    ds = C.choose(FORMAT, "dataset", dataset, sorted(by_dataset), p)
    entries: dict[str, Any] = by_dataset[ds]
    keys = list(entries)
    first = C.literal(keys[0])
    space_name = space or wrapped_space or detect_space(first)
    if space_name is None:
        raise OutOfDomainError(
            f"{FORMAT}: cannot tell the search space of key {keys[0]!r} in {str(p)!r}; "
            "pass space='nb201', 'nb101' or 'darts'"
        )
    sp = get_space(space_name)
    if duplicates not in ("mean", "first", "error"):
        raise OutOfDomainError(
            f"{FORMAT}: duplicates={duplicates!r} must be 'mean', 'first' or 'error'"
        )
    archs: list[Any] = []
    labels: list[str] = []
    groups: list[list[dict[str, float]]] = []
    slot: dict[str, int] = {}
    for key in keys:
        where = f"{FORMAT}: {str(p)!r} dataset {ds!r} key {key!r}"
        entry = entries[key]
        if not isinstance(entry, Mapping):
            raise CorruptFileError(f"{where} holds {type(entry).__name__}, not an object")
        arch = C.parse_arch(sp, C.literal(key), where, naslib=True)
        i = slot.get(arch.hash)
        if i is not None and duplicates == "error":
            raise OutOfDomainError(
                f"{where} is the same {space_name} architecture as {labels[i]}; pass "
                "duplicates='mean' or 'first' to merge such keys"
            )
        if i is None:
            slot[arch.hash] = len(archs)
            archs.append(arch)
            labels.append(f"key {key!r}")
            groups.append([])
        groups[slot[arch.hash]].append(_entry_values(entry))
    seen: dict[str, None] = {}
    for group in groups:
        for row in group:
            seen.update(dict.fromkeys(row))
    ordered = [m for m in ("val_acc", "test_acc", "train_acc", "flops", "params") if m in seen]
    metrics = tuple(ordered + sorted(m for m in seen if m not in ordered))
    values = np.full((len(archs), 1, 1, len(metrics)), np.nan, dtype=np.float32)
    for i, group in enumerate(groups):
        rows = group[:1] if duplicates == "first" else group
        for j, m in enumerate(metrics):
            vals = [row[m] for row in rows if m in row and not np.isnan(row[m])]
            if vals:
                values[i, 0, 0, j] = vals[0] if len(vals) == 1 else np.mean(vals)
    extra = {
        "proxies": ",".join(
            m[3:] for m in metrics if m.startswith("zc_") and not m.endswith("_time")
        )
    }
    merged = sum(len(g) for g in groups if len(g) > 1)
    if merged:
        extra["duplicates"] = (
            f"{merged} keys name {sum(len(g) > 1 for g in groups)} architectures more than "
            f"once; merged by {duplicates!r}"
        )
    fid = fidelity if fidelity is not None else C.FULL_BUDGET.get(space_name, 1.0)
    return C.build_table(
        fmt=FORMAT,
        path=p,
        name=name or f"zc/{space_name}/{ds}",
        space=sp,
        dataset=ds,
        archs=archs,
        row_labels=labels,
        seeds=(),
        fidelities=(fid,),
        metrics=metrics,
        values=values,
        cost_metric=None,
        provenance=prov,
        checksum=C.source_checksum(p),
        extra=extra,
    )
