"""Fuzz the table side: importers, the store, queries and table names.

A seeded fuzzer derives inputs from small valid files of every format (NB201
CSVs, a user CSV, zero-cost JSON, an NB301 result, NASLib pickles, torch
``.pth``/``.pt`` files, a NATS bz2 pickle, a TFRecord, an HDF5 table): byte
flips, truncation, insertions, random bytes, CSV header and cell changes, JSON
nesting; it also sends each file to the wrong importer, passes hostile
options, queries tables with hostile metrics/fidelities/seeds/rows/archs, and
tries hostile table names. Pickles whose payload would create a marker file
are mixed in. Every call must return or raise a ``NasBenchKitError``; any
other exception, a call past the time limit, or the marker file appearing is
a failure.

Environment: ``NBK_FUZZ_N`` cases (default 1,200, about 15 s on one core),
``NBK_FUZZ_SEED`` (default 0), ``NBK_FUZZ_CALL_S`` per-call limit (default
20 s), ``NBK_FUZZ_REPORT`` (a file to append a JSON summary line to). The full
run: ``python benchmarks/fuzz.py``.
"""

from __future__ import annotations

import base64
import bz2
import contextlib
import io
import json
import os
import pickle
import signal
import struct
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nasbench_kit.errors import NasBenchKitError
from nasbench_kit.spaces import get_space
from nasbench_kit.tables import Benchmark, join, load
from nasbench_kit.tables.registry import get_converter, import_table, processed_path
from nasbench_kit.tables.schema import TableData
from nasbench_kit.tables.store import validate_name, write_table

N_CASES = int(os.environ.get("NBK_FUZZ_N", "1200"))
SEED = int(os.environ.get("NBK_FUZZ_SEED", "0"))
CALL_LIMIT_S = float(os.environ.get("NBK_FUZZ_CALL_S", "20"))
NB201 = get_space("nb201")
ARCHS = [NB201.to_string(NB201.from_index(i)) for i in range(6)]
WEIRD = ["", "nan", "-1", "-0", "1e400", "inf", "abc", "0x10", "²", "٣", "1_000", "9" * 400,
         "\x00", "\ufeff", '"', ",", "[[[", "{}", "None", "True", "-1e-300", "🙂"]  # fmt: skip


class CallTimeout(BaseException):
    """A call ran past the limit (a BaseException so no ``except Exception`` swallows it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def _alarm(signum: int, frame: Any) -> None:
        raise CallTimeout(f"call ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---- valid seed files ---------------------------------------------------------------
def _rc(k: int, sets: list[str]) -> dict[str, Any]:
    return {"epochs": 2, "train_acc1es": {0: 10.0 + k, 1: 20.0 + k}, "train_losses": {0: 2.0, 1: 1.0},
            "train_times": {0: 3.0, 1: 3.0}, "params": 0.1, "flop": 9.0, "latency": [0.01],
            "eval_acc1es": {f"{s}@{e}": 5.0 + e for s in sets for e in (0, 1)},
            "eval_losses": {f"{s}@{e}": 1.0 for s in sets for e in (0, 1)}}  # fmt: skip


def _arch_results(k: int) -> dict[str, Any]:
    sets = ["x-valid", "ori-test"]
    return {"arch_str": ARCHS[k], "dataset_seed": {"cifar10-valid": [777, 888]},
            "all_results": {("cifar10-valid", s): _rc(k, sets) for s in (777, 888)}}  # fmt: skip


def _pb_double(field: int, x: float) -> bytes:
    return bytes([field << 3 | 1]) + struct.pack("<d", x)


def _tfrecord() -> bytes:
    from nasbench_kit.tables.convert.nb101_tfrecord import frame_record

    nb101 = get_space("nb101")
    out = b""
    for seed in range(2):
        arch = nb101.sample(seed)
        ev = b"".join(_pb_double(f, v) for f, v in ((1, 108.0), (2, 99.0), (3, 0.9), (4, 0.8),
                                                    (5, 0.7)))  # fmt: skip
        metrics = bytes([1 << 3 | 2, len(ev)]) + ev + bytes([2 << 3]) + b"\x90\x4e"
        adjacency = "".join(str(int(v)) for v in np.asarray(arch.matrix).ravel())
        payload = [arch.hash, 108, adjacency, ",".join(arch.ops), base64.b64encode(metrics).decode()]
        out += frame_record(json.dumps(payload).encode())
    return out


def _torch_bytes(obj: Any) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _nb301() -> bytes:
    darts = get_space("darts")
    config = dict(darts.to_configspace(darts.sample(3)))
    rec = {"optimized_hyperparamater_config": config, "test_accuracy": 93.0, "runtime": 500.0,
           "info": [{"epochs": 3, "val_accuracy": 90.0, "train_accuracy": 95.0,
                     "model_parameters": 1.5e6, "dataset_path": "/data/cifar10"}],
           "learning_curves": {"Train/val_accuracy": [50.0, 80.0, 90.0]}}  # fmt: skip
    return json.dumps(rec).encode()


def _naslib_nb101() -> bytes:
    nb101 = get_space("nb101")
    data = {}
    for seed in range(2):
        arch = nb101.sample(seed)
        fixed = {"module_adjacency": np.asarray(arch.matrix, dtype=np.int8),
                 "module_operations": list(arch.ops), "trainable_parameters": 12345}  # fmt: skip
        run = {"final_train_accuracy": 0.9, "final_validation_accuracy": 0.8,
               "final_test_accuracy": 0.7, "final_training_time": 100.0}  # fmt: skip
        data[arch.hash] = (fixed, {108: [run, run]})
    return pickle.dumps(data, protocol=4)


def seed_files() -> list[tuple[str, str, bytes]]:
    """``(format, file name, bytes)`` of one small valid file per format and layout."""
    rows = "\n".join(f"{i},{a},{80 + i}.5,{70 + i},{1000 + i}" for i, a in enumerate(ARCHS))
    multi = "\n".join(f"{i},{a},{60 + i},{61 + i},{30 + i},{31 + i}" for i, a in enumerate(ARCHS))
    lat = "\n".join(f"{i},{a},{1 + i},{2 + i}.5" for i, a in enumerate(ARCHS))
    long = "\n".join(f"{a},{s},{e},{50 + e + s},{e * 10}" for a in ARCHS[:3] for s in (0, 1)
                     for e in (1, 2))  # fmt: skip
    zc = {"cifar10": {str(NB201.to_naslib(NB201.from_string(a))): {
        "val_accuracy": 80.0 + i, "synflow": {"score": 1.0 + i, "time": 0.1}, "params": 0.5}
        for i, a in enumerate(ARCHS)}}  # fmt: skip
    naslib201 = {a: {"cifar10-valid": {"train_acc1es": [1.0, 2.0], "eval_acc1es": [3.0, 4.0],
                                       "cost_info": {"flops": 9.0, "params": 0.1, "latency": 0.01,
                                                     "train_time": 20.0}}} for a in ARCHS}  # fmt: skip
    pth = {"meta_archs": ARCHS[:3], "total_archs": 3,
           "arch2infos": {k: {"full": _arch_results(k), "less": _arch_results(k)} for k in range(3)}}
    graph = {k: {"valid_perf": 0.8, "perf": 0.79, "latency": 0.01, "para": 0.1} for k in (1111, 81111)}
    return [
        ("nb201-csv", "std.csv", ("index,arch_str,test-accuracy,valid-accuracy,train-all-time\n"
                                  + rows + "\n").encode()),
        ("nb201-csv", "mini_12ep.csv", ("index,arch_str,cifar10-test,cifar10-val,cifar100-test,"
                                        "cifar100-val\n" + multi + "\n").encode()),
        ("nb201-csv", "lat.csv", ("index,arch_str,fpga,pixel3\n" + lat + "\n").encode()),
        ("csv", "long.csv", ("arch,seed,epoch,val_acc,train_time\n" + long + "\n").encode()),
        ("zc-json", "zc.json", json.dumps(zc).encode()),
        ("nb301-json", "results_0.json", _nb301()),
        ("naslib-nb201", "nb201_cifar10_full_training.pickle", pickle.dumps(naslib201, protocol=4)),
        ("naslib-nb101", "nb101.pickle", _naslib_nb101()),
        ("nb201-pth", "NB201-tiny.pth", _torch_bytes(pth)),
        ("nb201-pth", "NB201-legacy.pth", pickle.dumps(pth, protocol=2)),
        ("nats-tss", "NATS-tss.pickle.pbz2", bz2.compress(pickle.dumps(
            {"meta_archs": ARCHS[:3], "arch2infos": {k: {"200": _arch_results(k)} for k in range(3)}}))),
        ("nb101-tfrecord", "nb.tfrecord", _tfrecord()),
        ("nbgraph-bench", "cora.bench", pickle.dumps(graph, protocol=4)),
        ("help-latency", "pixel3.pt", _torch_bytes([float(i % 97) for i in range(15625)])),
    ]  # fmt: skip


class _Payload:
    """Unpickling runs ``fn(*args)``: each would create the marker file."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.fn, self.args)


def payloads(marker: Path) -> list[tuple[str, bytes]]:
    import builtins
    import subprocess

    evil = [_Payload(os.system, f"touch {marker}"), _Payload(builtins.open, str(marker), "w"),
            _Payload(subprocess.call, ["touch", str(marker)]),
            _Payload(builtins.exec, f"open({str(marker)!r}, 'w')")]  # fmt: skip
    out = []
    for p in evil:
        for proto in (0, 2, 4):
            out.append(("pickle", pickle.dumps({"arch2infos": p, "x": [p]}, protocol=proto)))
        out.append(("torch", _torch_bytes({"meta_archs": [p]})))
        out.append(("bz2", bz2.compress(pickle.dumps([p]))))
    return out


# ---- mutations ---------------------------------------------------------------------
def mutate_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    kind = int(rng.integers(9))
    n = len(data)
    pos = int(rng.integers(n + 1))
    if kind == 0 and n:  # flip bytes
        buf = bytearray(data)
        for i in rng.integers(0, n, int(rng.integers(1, 9))):
            buf[int(i)] ^= int(rng.integers(1, 256))
        return bytes(buf)
    if kind == 1:
        return data[:pos]
    if kind == 2:
        return data[:pos] + rng.bytes(int(rng.integers(1, 64))) + data[pos:]
    if kind == 3:
        return data[:pos] + data[pos + int(rng.integers(1, 64)):]
    if kind == 4:
        end = min(n, pos + int(rng.integers(1, 200)))
        return data[:end] + data[pos:end] + data[end:]
    if kind == 5:
        return rng.bytes(int(rng.integers(0, 4096)))
    if kind == 6:
        return rng.choice([b"\xef\xbb\xbf", b"\x80\x02", b"PK\x03\x04", b"BZh9", b"{"]) + data
    if kind == 7:
        return data + rng.bytes(int(rng.integers(1, 100)))
    return data.replace(b"1", str(rng.choice(WEIRD)).encode(), int(rng.integers(1, 4)))


def mutate_text(data: bytes, rng: np.random.Generator) -> bytes:
    text = data.decode("utf-8", errors="replace")
    kind = int(rng.integers(5))
    lines = text.split("\n")
    if kind == 0:  # replace one cell / token by a weird one
        parts = text.split(",")
        parts[int(rng.integers(len(parts)))] = str(rng.choice(WEIRD))
        return ",".join(parts).encode()
    if kind == 1:  # header: rename, drop or duplicate a column
        head = lines[0].split(",")
        j = int(rng.integers(len(head)))
        head[j] = str(rng.choice(["index", "arch_str", "test-accuracy", "train-all-time", "seed",
                                  "cifar10-val", "", head[j] + "," + head[j], "\ufeffindex"]))
        return "\n".join([",".join(head), *lines[1:]]).encode()
    if kind == 2:  # JSON/CSV nesting
        depth = int(rng.choice([10, 1000, 60000]))
        pos = int(rng.integers(len(text) + 1))
        return (text[:pos] + "[" * depth + "1" + "]" * depth + text[pos:]).encode()
    if kind == 3 and len(lines) > 2:  # drop or repeat a line
        i = int(rng.integers(1, len(lines)))
        return "\n".join(lines[:i] + lines[i + (1 if rng.random() < 0.5 else -1):]).encode()
    return text.replace(".", str(rng.choice(WEIRD)), 1).encode()


OPTIONS: list[dict[str, Any]] = [
    {"dataset": 5}, {"dataset": "cifar100"}, {"fidelity": -5}, {"fidelity": float("nan")},
    {"units": {"m": 5}}, {"units": "ms"}, {"metrics": "val_acc"}, {"metrics": [1, 2]},
    {"metrics": {"test-accuracy": "x"}}, {"space": "nb201"}, {"space": ["x"]}, {"hp": "12"},
    {"hp": 7}, {"fidelities": "12"}, {"fidelities": [1, 2]}, {"where": [1]}, {"repeats": []},
    {"halfway": True}, {"devices": [3]}, {"duplicates": "x"}, {"bogus": 1}, {"train_time": 3},
    {"seed_column": "seed", "epoch_column": "epoch", "space": "nb201"},
]  # fmt: skip


# ---- the cases ------------------------------------------------------------------------
def _check_table(td: Any) -> None:
    if isinstance(td, TableData):
        bench = Benchmark.from_table(td)
        metric = bench.metrics[0]
        bench.query_many(bench.archs()[:3], metric, fidelity=bench.fidelities[-1])


def file_case(rng: np.random.Generator, seeds: list, evil: list, tmp: Path) -> Callable[[], Any]:
    fmt, name, data = seeds[int(rng.integers(len(seeds)))]
    if rng.random() < 0.05:
        kind, data = evil[int(rng.integers(len(evil)))]
    for _ in range(int(rng.integers(1, 4))):
        textual = fmt in ("nb201-csv", "csv", "zc-json", "nb301-json")
        data = (mutate_text if textual and rng.random() < 0.5 else mutate_bytes)(data, rng)
    path = tmp / name
    path.write_bytes(data)
    if rng.random() < 0.1:  # the wrong importer
        fmt = seeds[int(rng.integers(len(seeds)))][0]
    options = dict(OPTIONS[int(rng.integers(len(OPTIONS)))]) if rng.random() < 0.2 else {}
    if fmt == "csv":
        options.setdefault("space", "nb201")
    run = lambda: _check_table(get_converter(fmt).convert(path, **options))  # noqa: E731
    run.label = f"{fmt} on {name} ({len(data)} bytes), options {options}"  # type: ignore[attr-defined]
    run.path = path  # type: ignore[attr-defined]
    return run


def store_case(rng: np.random.Generator, h5: bytes, tmp: Path) -> Callable[[], Any]:
    path = tmp / f"t{int(rng.integers(1 << 30))}.h5"
    path.write_bytes(mutate_bytes(h5, rng))

    def run() -> None:
        try:
            bench = Benchmark.open(path)
            bench.query_many(bench.archs(), bench.metrics[0])
        finally:
            path.unlink()

    return run


def hostile(rng: np.random.Generator, good: list[Any]) -> Any:
    options: list[Callable[[], Any]] = [
        lambda: good[int(rng.integers(len(good)))], lambda: None, lambda: True, lambda: -1,
        lambda: 10**400, lambda: float("nan"), lambda: float("inf"), lambda: 1.5, lambda: "",
        lambda: str(rng.choice(WEIRD)), lambda: [1], lambda: {"a": 1}, lambda: b"val_acc",
        lambda: np.int64(rng.integers(-3, 30)), lambda: np.float32(12), lambda: object(),
        lambda: np.array([1, 2]), lambda: int(rng.integers(-20, 20000)),
        lambda: str(good[int(rng.integers(len(good)))])[: int(rng.integers(60))],
        lambda: get_space("nbgraph").from_key(1111), lambda: (0, 1, 2, 3, 4, 0),
        lambda: ARCHS[0].replace("~", str(rng.choice(WEIRD)), 1),
    ]  # fmt: skip
    return options[int(rng.integers(len(options)))]()


def query_case(rng: np.random.Generator, benches: list[Benchmark]) -> Callable[[], Any]:
    bench = benches[int(rng.integers(len(benches)))]
    archs = bench.archs()
    metric = hostile(rng, list(bench.metrics))
    fid = hostile(rng, [None, *bench.fidelities])
    seed = hostile(rng, [None, *bench.seeds, None])
    arch = hostile(rng, archs + [a.hash for a in archs])
    many = [hostile(rng, archs) for _ in range(int(rng.integers(0, 5)))]
    row_options = [rng.integers(-3, len(bench) + 3, 4), rng.random(3), np.zeros((2, 2), int),
                   "0", [0, 1], [True], np.array([], dtype=float)]  # fmt: skip
    rows = row_options[int(rng.integers(len(row_options)))]
    calls: list[Callable[[], Any]] = [
        lambda: bench.query(arch, metric, fid, seed), lambda: bench.query_many(many, metric, fid, seed),
        lambda: bench.query_many(None, metric, fid, seed, rows=rows),
        lambda: bench.query_many(arch, metric), lambda: bench.to_frame(metric, fid, seed),
        lambda: bench.best(metric, bool(rng.random() < 0.5), fid, seed),
        lambda: bench.optimum(metric, hostile(rng, [True, False]), fid),
        lambda: bench.pareto_front([metric, hostile(rng, list(bench.metrics))],
                                   hostile(rng, [[True, False]]), fid),
        lambda: arch in bench, lambda: bench.row_of(arch), lambda: bench.rows_of(many),
        lambda: join(bench, benches[0], suffixes=hostile(rng, [("_a", "_b")]),
                     static=hostile(rng, [["latency"], None])),
    ]  # fmt: skip
    return calls[int(rng.integers(len(calls)))]


def name_case(rng: np.random.Generator, csv_path: Path) -> Callable[[], Any]:
    alphabet = list("abcAB01._+-/_ \n") + ["é", "²", "\x00", "__", "//", "..", "~"]
    name = "".join(rng.choice(alphabet, int(rng.choice([1, 5, 20, 119, 121, 300, 5000]))))
    calls: list[Callable[[], Any]] = [
        lambda: validate_name(name), lambda: load(name), lambda: processed_path(name),
        lambda: import_table("csv", csv_path, name=name, space="nb201"),
    ]
    return calls[int(rng.integers(len(calls)))]


def test_fuzz_tables(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    rng = np.random.default_rng(SEED)
    marker = tmp_path / "payload-ran"
    seeds, evil = seed_files(), payloads(marker)
    work = tmp_path / "work"
    work.mkdir()
    csv_path = tmp_path / "names.csv"
    csv_path.write_bytes(seeds[0][2])
    base = Benchmark.from_arrays(
        name="fuzz/base", space="nb201", dataset="d", archs=ARCHS, seeds=(0, 1, 2),
        metrics=("val_acc", "train_time", "latency"), fidelities=(12, 200), cost_metric="train_time",
        values=rng.uniform(1, 90, (len(ARCHS), 3, 2, 3)),
    )  # fmt: skip
    short = Benchmark.from_arrays(name="fuzz/short", space="nb201", dataset="d", archs=ARCHS[:4],
                                  metrics=("val_acc",), values=np.ones((4, 1)), fidelities=(36,))
    benches = [base, join(base, short)]
    write_table(base.to_table(), tmp_path / "seed.h5")
    h5 = (tmp_path / "seed.h5").read_bytes()
    failures: list[str] = []
    counts = {"file": 0, "store": 0, "query": 0, "name": 0}
    t0 = time.perf_counter()
    for i in range(N_CASES):
        r = rng.random()
        kind = "file" if r < 0.55 else "store" if r < 0.62 else "query" if r < 0.93 else "name"
        case = (file_case(rng, seeds, evil, work) if kind == "file"
                else store_case(rng, h5, work) if kind == "store"
                else query_case(rng, benches) if kind == "query" else name_case(rng, csv_path))
        counts[kind] += 1
        try:
            with time_limit(CALL_LIMIT_S):
                case()
        except NasBenchKitError:
            pass
        except CallTimeout as exc:
            failures.append(f"case {i} ({kind}, {getattr(case, 'label', '')}): {exc}")
        except Exception as exc:  # noqa: BLE001 - the point of the test
            where = traceback.extract_tb(exc.__traceback__)[-1]
            failures.append(f"case {i} ({kind}, {getattr(case, 'label', '')}): "
                            f"{type(exc).__name__}: {str(exc)[:200]} "
                            f"at {where.filename}:{where.lineno}")  # fmt: skip
        if failures and failures[-1].startswith(f"case {i} ") and hasattr(case, "path"):
            keep = Path(os.environ.get("NBK_FUZZ_KEEP", tmp_path / "failed"))
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"case{i}-{case.path.name}").write_bytes(case.path.read_bytes())
        if marker.exists():
            failures.append(f"case {i} ({kind}): a pickle payload ran (marker file created)")
            marker.unlink()
    seconds = time.perf_counter() - t0
    report = os.environ.get("NBK_FUZZ_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": "tables", "cases": N_CASES, "by_kind": counts,
                                 "failures": len(failures), "seconds": round(seconds, 1),
                                 "seed": SEED, "examples": failures[:20]}) + "\n")  # fmt: skip
    assert not failures, f"{len(failures)} of {N_CASES} cases failed:\n" + "\n".join(failures[:20])
