"""Import the official NAS-Bench-101 TFRecord files (format ``"nb101-tfrecord"``), without TensorFlow.

``nasbench_full.tfrecord`` (epoch budgets 4, 12, 36, 108) and
``nasbench_only108.tfrecord`` (108 only) are TFRecord files: each record is
``uint64 length | uint32 masked crc32c(length) | data | uint32 masked crc32c(data)``
(little-endian; both checksums are verified). ``data`` is the JSON list
``[module_hash, epochs, raw_adjacency, raw_operations, raw_metrics]``: the
adjacency as a string of row-major 0/1 digits, the ops comma-joined, and
``raw_metrics`` the base64 of a serialized ``nasbench.ModelMetrics`` protobuf::

    ModelMetrics   { repeated EvaluationData evaluation_data = 1;
                     optional int32 trainable_parameters = 2; optional double total_time = 3; }
    EvaluationData { optional double current_epoch = 1; optional double training_time = 2;
                     optional double train_accuracy = 3; optional double validation_accuracy = 4;
                     optional double test_accuracy = 5; optional string checkpoint_path = 6; }

decoded here by a minimal wire-format reader. One record is one training run;
each cell has 3 runs per epoch budget (``seeds`` = the repeat index, in file
order). Metrics, from the last ``evaluation_data`` entry (the end of that
budget): ``train_acc``, ``val_acc``, ``test_acc`` (%), ``train_time``
(cumulative training seconds, the cost metric) and ``params`` (millions).
``halfway=True`` adds ``halfway_*`` metrics from the middle entry (the official
``stop_halfway``). The module hash recomputed from each record's adjacency and
ops must equal the record's hash. Reading the full file is pure Python: expect
a few minutes.

>>> from nasbench_kit.tables.convert import nb101_tfrecord
>>> hex(nb101_tfrecord.crc32c(b"123456789"))
'0xe3069283'
>>> t = nb101_tfrecord.convert("nasbench_only108.tfrecord")  # doctest: +SKIP
>>> len(t.hashes), t.fidelities, t.seeds  # doctest: +SKIP
(423624, (108.0,), (0, 1, 2))
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit import _progress
from nasbench_kit.errors import CorruptFileError
from nasbench_kit.tables.convert import _common as C
from nasbench_kit.tables.convert import _inputs as I
from nasbench_kit.tables.schema import TableData

FORMAT = "nb101-tfrecord"
METRICS: tuple[str, ...] = ("train_acc", "val_acc", "test_acc", "train_time", "params")
HALFWAY: tuple[str, ...] = (
    "halfway_train_acc", "halfway_val_acc", "halfway_test_acc", "halfway_train_time",
)  # fmt: skip
NB101_CITATION = (
    "Ying, C., Klein, A., Real, E., Christiansen, E., Murphy, K. and Hutter, F. "
    "NAS-Bench-101: Towards Reproducible Neural Architecture Search. ICML 2019."
)
_PROVENANCE = {
    "source": "NAS-Bench-101 official TFRecord (google-research/nasbench)",
    "licence": "Apache-2.0",
    "citation": NB101_CITATION,
}
_BATCH_BYTES = 32 << 20
_MASK_DELTA = 0xA282EAD8


# ---- crc32c (Castagnoli), slicing-by-4, vectorised over many records ----------------
@functools.lru_cache(maxsize=1)
def _crc_tables() -> np.ndarray:
    t = np.zeros((4, 256), dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t[0, i] = c
    for k in range(1, 4):
        t[k] = (t[k - 1] >> 8) ^ t[0][t[k - 1] & 0xFF]
    return t


def crc32c_many(payloads: Sequence[bytes]) -> np.ndarray:
    """CRC-32C of each byte string (uint32 array), computed in lock-step with numpy."""
    t0, t1, t2, t3 = _crc_tables()
    lengths = np.fromiter((len(p) for p in payloads), dtype=np.int64, count=len(payloads))
    crc = np.full(len(payloads), 0xFFFFFFFF, dtype=np.uint32)
    if not len(payloads) or not lengths.max():
        return crc ^ np.uint32(0xFFFFFFFF)
    width = int(-(-lengths.max() // 4) * 4)
    buf = np.zeros((len(payloads), width), dtype=np.uint8)
    for i, p in enumerate(payloads):
        buf[i, : len(p)] = np.frombuffer(p, dtype=np.uint8)
    words = buf.view("<u4")
    n_words = lengths // 4
    for k in range(int(n_words.max())):
        c = crc ^ words[:, k]
        c = t3[c & 0xFF] ^ t2[(c >> 8) & 0xFF] ^ t1[(c >> 16) & 0xFF] ^ t0[c >> 24]
        np.copyto(crc, c, where=k < n_words)
    tail = lengths % 4
    for k in range(int(tail.max())):
        byte = buf[np.arange(len(payloads)), np.minimum(n_words * 4 + k, width - 1)]
        c = t0[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        np.copyto(crc, c, where=k < tail)
    return crc ^ np.uint32(0xFFFFFFFF)


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``."""
    return int(crc32c_many([data])[0])


def _mask(crc: np.ndarray) -> np.ndarray:
    crc = crc.astype(np.uint64)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The TFRecord checksum: CRC-32C rotated right by 15 bits plus ``0xa282ead8``."""
    return int(_mask(crc32c_many([data]))[0])


def frame_record(data: bytes) -> bytes:
    """One TFRecord frame (length, its masked CRC, data, its masked CRC)."""
    head = struct.pack("<Q", len(data))
    return (
        head
        + struct.pack("<I", masked_crc32c(head))
        + data
        + struct.pack("<I", masked_crc32c(data))
    )


def iter_records(path: Path) -> Iterator[bytes]:
    """The payloads of a TFRecord file, checksums verified batch by batch."""
    label = f"{FORMAT}: {str(path)!r}"
    with open(path, "rb") as fh:
        pending = b""
        base = 0  # file offset of buf[0]
        while True:
            block = fh.read(_BATCH_BYTES)
            buf = pending + block
            heads, datas, crcs_h, crcs_d, offsets = [], [], [], [], []
            pos = 0
            while pos + 12 <= len(buf):
                (length,) = struct.unpack_from("<Q", buf, pos)
                end = pos + 12 + length + 4
                if end > len(buf):
                    head = buf[pos : pos + 8]
                    _check_crcs(label, [head], [struct.unpack_from("<I", buf, pos + 8)[0]],
                                "length header", [base + pos])  # fmt: skip
                    break
                heads.append(buf[pos : pos + 8])
                crcs_h.append(struct.unpack_from("<I", buf, pos + 8)[0])
                datas.append(buf[pos + 12 : pos + 12 + length])
                crcs_d.append(struct.unpack_from("<I", buf, end - 4)[0])
                offsets.append(base + pos)
                pos = end
            if heads:
                _check_crcs(label, heads, crcs_h, "length header", offsets)
                _check_crcs(label, datas, crcs_d, "record data", offsets)
                yield from datas
            pending = buf[pos:]
            base += pos
            if not block:
                break
        if pending:
            raise CorruptFileError(
                f"{label} ends with {len(pending)} bytes that are not a whole record; the file "
                "is truncated -- download it again"
            )


def _check_crcs(
    label: str, parts: list[bytes], expected: list[int], what: str, offsets: list[int]
) -> None:
    got = _mask(crc32c_many(parts))
    bad = np.flatnonzero(got != np.asarray(expected, dtype=np.uint64))
    if bad.size:
        i = int(bad[0])
        raise CorruptFileError(
            f"{label}: the {what} checksum of the record at byte {offsets[i]} does not "
            f"match (stored {expected[i]:#010x}, computed {int(got[i]):#010x}); the file is "
            "corrupt -- download it again"
        )


# ---- protobuf wire format (just what ModelMetrics needs) -----------------------------
def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated or overlong varint")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if pos > len(buf):
            raise ValueError("field runs past the end of the message")
        yield field, wire, value


_EVAL_FIELDS = {1: "current_epoch", 2: "training_time", 3: "train_accuracy",
                4: "validation_accuracy", 5: "test_accuracy"}  # fmt: skip


def decode_model_metrics(raw: bytes) -> dict[str, Any]:
    """``ModelMetrics`` bytes -> ``{"evaluation_data": [dict], "trainable_parameters", "total_time"}``.

    Raises ``ValueError`` on malformed bytes (the converter turns it into
    :class:`CorruptFileError`).
    """
    out: dict[str, Any] = {"evaluation_data": [], "trainable_parameters": None, "total_time": None}
    for field, wire, value in _fields(raw):
        if field == 1 and wire == 2:
            entry: dict[str, Any] = {}
            for f2, w2, v2 in _fields(value):
                if f2 in _EVAL_FIELDS and w2 == 1:
                    entry[_EVAL_FIELDS[f2]] = struct.unpack("<d", v2)[0]
                elif f2 == 6 and w2 == 2:
                    entry["checkpoint_path"] = v2.decode("utf-8", errors="replace")
            out["evaluation_data"].append(entry)
        elif field == 2 and wire == 0:
            out["trainable_parameters"] = value - (1 << 64) if value >= 1 << 63 else value
        elif field == 3 and wire == 1:
            out["total_time"] = struct.unpack("<d", value)[0]
    return out


# ---- the converter ------------------------------------------------------------------
def _parse_record(payload: bytes) -> tuple[str, int, str, str, dict[str, Any]]:
    module_hash, epochs, adjacency, operations, raw = json.loads(payload.decode("utf-8"))
    if not isinstance(module_hash, str) or not isinstance(adjacency, str):
        raise ValueError("hash and adjacency must be strings")
    metrics = decode_model_metrics(base64.b64decode(raw, validate=True))
    if not metrics["evaluation_data"]:
        raise ValueError("ModelMetrics holds no evaluation_data")
    return module_hash, I.epochs_count(epochs, "record epochs"), adjacency, str(operations), metrics


def _arch_of(space: Any, adjacency: str, operations: str, module_hash: str, where: str) -> Any:
    dim = int(round(len(adjacency) ** 0.5))
    if dim * dim != len(adjacency) or set(adjacency) - {"0", "1"}:
        raise CorruptFileError(f"{where}: adjacency {adjacency!r} is not a square 0/1 matrix")
    matrix = [[int(c) for c in adjacency[i * dim : (i + 1) * dim]] for i in range(dim)]
    return C.verified_nb101_arch(space, matrix, operations.split(","), module_hash, where)


def convert(
    path: str | Path,
    name: str | None = None,
    *,
    halfway: bool = False,
    source: str | None = None,
    licence: str | None = None,
    citation: str | None = None,
    progress: bool | None = None,
    **unknown: Any,
) -> TableData:
    """Read an official NB101 ``.tfrecord`` into a :class:`TableData` (space ``nb101``).

    ``halfway=True`` adds the ``halfway_*`` metrics; ``progress``: a progress
    bar over the file's bytes (default: on a terminal; the full file takes minutes).
    """
    from nasbench_kit.spaces import get_space

    C.check_options(FORMAT, unknown, ("halfway",))
    p = C.as_path(path, FORMAT)
    I.expect_kind(FORMAT, p, ("binary", "pickle"), "a NAS-Bench-101 .tfrecord file")
    space = get_space("nb101")
    metrics = METRICS + (HALFWAY if halfway else ())
    rows: dict[str, int] = {}
    specs: list[tuple[str, str]] = []
    archs: list[Any] = []
    fids: dict[int, int] = {}
    values = np.full((1024, 3, 4, len(metrics)), np.nan, dtype=np.float32)
    counts = np.zeros((1024, 4), dtype=np.int64)
    with _progress.progress_bar(total=p.stat().st_size, desc=FORMAT, unit="B",
                                enabled=progress) as bar:  # fmt: skip
        for k, payload in enumerate(iter_records(p)):
            bar.update(len(payload) + 16)
            where = f"{FORMAT}: {str(p)!r} record {k}"
            try:
                module_hash, epochs, adjacency, operations, m = _parse_record(payload)
            except (ValueError, TypeError, UnicodeDecodeError, binascii.Error, struct.error,
                    OverflowError, RecursionError, KeyError, IndexError, AttributeError) as exc:
                raise CorruptFileError(
                    f"{where} is not a NAS-Bench-101 record ({type(exc).__name__}: {exc}); the "
                    "file is corrupt or not a nasbench .tfrecord"
                ) from exc
            row = rows.get(module_hash)
            if row is None:
                archs.append(_arch_of(space, adjacency, operations, module_hash, where))
                row = rows[module_hash] = len(specs)
                specs.append((adjacency, operations))
                if row >= len(values):
                    values = _grow(values, 0, row + 1, 2 * len(values))
                    counts = _grow(counts, 0, row + 1, 2 * len(counts), fill=0)
            elif specs[row] != (adjacency, operations):
                raise CorruptFileError(f"{where}: module {module_hash} appears with another spec")
            f = fids.setdefault(epochs, len(fids))
            if f >= values.shape[2]:
                values = _grow(values, 2, f + 1, 2 * values.shape[2])
                counts = _grow(counts, 1, f + 1, 2 * counts.shape[1], fill=0)
            seed = int(counts[row, f])
            counts[row, f] += 1
            if seed >= values.shape[1]:
                values = _grow(values, 1, seed + 1, 2 * values.shape[1])
            final, half = m["evaluation_data"][-1], m["evaluation_data"][len(m["evaluation_data"]) // 2]
            params = m["trainable_parameters"]
            rec = [100.0 * final.get("train_accuracy", np.nan),
                   100.0 * final.get("validation_accuracy", np.nan),
                   100.0 * final.get("test_accuracy", np.nan),
                   final.get("training_time", np.nan),
                   np.nan if params is None else params / 1e6]  # fmt: skip
            if halfway:
                rec += [100.0 * half.get("train_accuracy", np.nan),
                        100.0 * half.get("validation_accuracy", np.nan),
                        100.0 * half.get("test_accuracy", np.nan),
                        half.get("training_time", np.nan)]  # fmt: skip
            values[row, seed, f] = rec
    if not archs:
        raise CorruptFileError(f"{FORMAT}: {str(p)!r} holds no records")
    epochs_sorted = sorted(fids)
    values = values[: len(archs), :, [fids[e] for e in epochs_sorted]]
    n_seeds = int(counts.max())
    full = epochs_sorted == [4, 12, 36, 108]
    return C.build_table(
        fmt=FORMAT,
        path=p,
        name=name or ("nb101/cifar10" if full or len(epochs_sorted) > 1 else "nb101-108/cifar10"),
        space=space,
        dataset="cifar10",
        archs=archs,
        row_labels=[f"module {h}" for h in rows],
        seeds=tuple(range(n_seeds)),
        fidelities=tuple(float(e) for e in epochs_sorted),
        metrics=metrics,
        values=values[:, :n_seeds],
        cost_metric="train_time",
        provenance=C.provenance(_PROVENANCE, source, licence, citation),
        checksum=C.source_checksum(p),
        extra={"seed_meaning": "repeat index in file order", "halfway": str(halfway)},
    )


def _grow(a: np.ndarray, axis: int, need: int, size: int, fill: float = np.nan) -> np.ndarray:
    """``a`` enlarged along ``axis`` to ``max(need, size)`` entries, new cells ``fill``."""
    shape = list(a.shape)
    shape[axis] = max(need, size)
    out = np.full(shape, fill, dtype=a.dtype)
    out[tuple(slice(0, s) for s in a.shape)] = a
    return out
