"""The result store: round trip, first-wins duplicates, concurrency, kill -9, corruption."""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import signal
import sqlite3
import time

import numpy as np
import pytest

from nasbench_kit.errors import CorruptFileError, OutOfDomainError
from nasbench_kit.training.cache import LiveRecord, ResultStore, StoreKey, new_record
from nasbench_kit.training.result import TrainResult

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def _result(val: float, epochs: int = 2) -> TrainResult:
    curve = tuple(val + e for e in range(epochs))
    return TrainResult(
        train_acc=curve, train_loss=(1.0,) * epochs, val_acc=curve, val_loss=(0.5,) * epochs,
        test_acc=curve, test_loss=(0.6,) * epochs, train_seconds=(1.0,) * epochs,
        eval_seconds=(0.1,) * epochs, seconds=2.5, cpu_seconds=2.0, params=1234, flops=float("nan"),
        config={"epochs": epochs}, seed=0, device="cpu", threads=1, torch_version="t",
        dataset="digits", data_checksum="c" * 64,
    )  # fmt: skip


def _key(i: int, seed: int = 0) -> StoreKey:
    return StoreKey("nb201", f"arch{i}", "digits", "c" * 64, "f" * 64, 2, seed)


def _rec(i: int, val: float = 50.0, seed: int = 0) -> LiveRecord:
    return new_record(_key(i, seed), _result(val), notation=CELL, preset="p", model={"C": 4})


def test_put_get_round_trip_and_first_wins(store_path):
    store = ResultStore(store_path)
    assert store.get(_key(0)) is None
    first = store.put(_key(0), _rec(0, 50.0))
    assert first.result.val_acc == (50.0, 51.0) and np.isnan(first.result.flops)
    again = store.put(_key(0), _rec(0, 99.0))  # duplicate: the first record stays
    assert again.result.val_acc == (50.0, 51.0)
    assert store.get(_key(0)).to_json() == first.to_json() and len(store) == 1
    store.put(_key(1), _rec(1))
    assert [r.key.arch_hash for r in store.records(space="nb201")] == ["arch0", "arch1"]
    assert store.records(arch_hash="arch1")[0].key == _key(1)
    clone = pickle.loads(pickle.dumps(store))
    assert clone.path == store.path and len(clone) == 2


def test_to_benchmark_needs_one_group(store_path):
    store = ResultStore(store_path)
    store.put(_key(0), _rec(0))
    other = _key(0)._replace(config_hash="e" * 64)
    store.put(other, new_record(other, _result(70.0), notation=CELL, preset="q", model={}))
    with pytest.raises(OutOfDomainError, match="2 groups"):
        store.to_benchmark()
    bench = store.to_benchmark(config_hash="e" * 64)
    assert len(bench) == 1 and bench.query(CELL, "val_acc", fidelity=1).value == 70.0
    assert bench.query(CELL, "train_time").value == 2.0  # cumulative training seconds
    with pytest.raises(OutOfDomainError, match="no live-training records"):
        store.to_benchmark(space="darts")


def test_bad_keys_and_filters(store_path, tmp_path):
    store = ResultStore(store_path)
    with pytest.raises(OutOfDomainError):
        store.put(_key(0), _rec(1))  # record for another key
    with pytest.raises(OutOfDomainError):
        store.get(("nb201", "a"))  # type: ignore[arg-type]
    with pytest.raises(OutOfDomainError):
        store.records(colour="red")
    with pytest.raises(OutOfDomainError, match="folder"):
        ResultStore(tmp_path)
    not_db = tmp_path / "junk.sqlite"
    not_db.write_bytes(b"this is not a database file at all" * 100)
    with pytest.raises(CorruptFileError):
        ResultStore(not_db)
    with pytest.raises(OutOfDomainError, match="cannot open the result store.*writable"):
        ResultStore(not_db / "under-a-file" / "results.sqlite")  # its folder cannot exist


def test_damaged_row_is_refused(store_path):
    store = ResultStore(store_path)
    store.put(_key(0), _rec(0))
    with sqlite3.connect(store_path) as conn:  # damage outside the package
        conn.execute("UPDATE records SET body = replace(body, '50.0', '90.0')")
    with pytest.raises(CorruptFileError, match="SHA-256"):
        ResultStore(store_path).get(_key(0))
    assert ResultStore(store_path).verify() == (0, 1)


def _writer(path: str, worker: int, n: int) -> None:
    store = ResultStore(path)
    for i in range(n):
        store.put(_key(worker * 1000 + i), _rec(worker * 1000 + i, float(i)))


def test_concurrent_writers_keep_every_record(store_path):
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(store_path), w, 10)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = ResultStore(store_path)
    assert len(store) == 40 and store.verify() == (40, 0)


def test_threads_sharing_one_store(store_path):
    from concurrent.futures import ThreadPoolExecutor

    store = ResultStore(store_path)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: store.put(_key(i), _rec(i)), range(40)))
    assert len(store) == 40 and store.verify() == (40, 0)


def _looping_writer(path: str, log: str) -> None:
    store = ResultStore(path)
    i = 0
    while True:  # until killed
        store.put(_key(i), _rec(i))
        with open(log, "a") as fh:
            fh.write(f"{i}\n")
            fh.flush()
        i += 1


def test_kill_9_loses_only_the_killed_write(store_path, tmp_path):
    log = tmp_path / "done.txt"
    ctx = mp.get_context("fork")
    proc = ctx.Process(target=_looping_writer, args=(str(store_path), str(log)))
    proc.start()
    deadline = time.time() + 120
    while time.time() < deadline and (not log.exists() or len(log.read_text().split()) < 5):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    done = [int(x) for x in log.read_text().split()]
    store = ResultStore(store_path)
    ok, bad = store.verify()
    assert bad == 0 and len(done) >= 5
    # Every acknowledged put is there; at most the one in flight after its commit is extra.
    assert all(store.get(_key(i)) is not None for i in done)
    assert ok in (len(done), len(done) + 1)
    store.put(_key(10**6), _rec(10**6))  # the store is still writable (no stale lock)


def _half_writer(path: str, ready: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    body = _rec(7).to_json()
    conn.execute(
        "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*_key(7), body[: len(body) // 2], "0" * 64, 0.0),
    )
    open(ready, "w").close()
    time.sleep(600)  # killed here, inside the transaction


def test_half_written_record_is_never_read(store_path, tmp_path):
    ResultStore(store_path).put(_key(1), _rec(1))
    ready = tmp_path / "ready"
    proc = mp.get_context("fork").Process(target=_half_writer, args=(str(store_path), str(ready)))
    proc.start()
    deadline = time.time() + 120
    while not ready.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert ready.exists()
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    store = ResultStore(store_path)
    assert store.get(_key(7)) is None and store.verify() == (1, 0)
    assert store.put(_key(7), _rec(7)).result.val_acc == (50.0, 51.0)
