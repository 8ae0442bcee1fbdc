"""Many processes writing one live-training ResultStore, some of them killed with ``kill -9``.

Three runs, each on a fresh store, each with ``--procs`` writer processes that
start together (a shared barrier) and ``put`` ``--per-proc`` records of
realistic size (``--epochs``-long curves); a writer logs each key only *after*
its ``put`` returned.

1. ``clean``: nobody is killed -> want exactly procs x per-proc records.
2. ``kill``: ``--kills`` random writers get SIGKILL at random moments while
   writing -> every logged (acknowledged) record is kept; at most one
   unlogged record per killed writer (committed, killed before logging);
   0 corrupt (each row's SHA-256 and JSON checked); survivors complete.
3. ``same-key``: every writer puts the *same* key -> one record kept, and every
   writer got that same first record back (first wins).

A reader process reads the store in a loop during runs 1-2; the slowest
``put`` and slowest read are reported (readers must not block writers).

Results: ``benchmarks/results/cache_concurrency.{json,md}``.

Run: ``python benchmarks/cache_concurrency.py [--procs 8] [--per-proc 50] [--kills 3] [--seed 0]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from nasbench_kit.training.cache import ResultStore, StoreKey, new_record
from nasbench_kit.training.result import TrainResult

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def _record(worker: int, i: int, epochs: int, arch: str | None = None) -> Any:
    curve = tuple(50.0 + (worker * 7 + i + e) % 50 for e in range(epochs))
    result = TrainResult(
        train_acc=curve, train_loss=curve, val_acc=curve, val_loss=curve, test_acc=curve,
        test_loss=curve, train_seconds=(1.5,) * epochs, eval_seconds=(0.2,) * epochs,
        seconds=1.7 * epochs, cpu_seconds=1.6 * epochs, params=129306, flops=15.6, config={"epochs": epochs, "w": worker},
        seed=0, device="cpu", threads=1, torch_version="bench", dataset="bench",
        data_checksum="c" * 64,
    )  # fmt: skip
    key = StoreKey("nb201", arch or f"w{worker}-r{i}", "bench", "c" * 64, "f" * 64, epochs, 0)
    return key, new_record(key, result, notation=CELL, preset="bench", model={"C": 16})


def _writer(path: str, worker: int, n: int, epochs: int, log: str, barrier: Any, same: bool) -> None:
    store = ResultStore(path)
    barrier.wait()
    slowest = 0.0
    with open(log, "a") as fh:
        for i in range(n):
            key, rec = _record(worker, i, epochs, "shared" if same else None)
            t0 = time.perf_counter()
            got = store.put(key, rec)
            slowest = max(slowest, time.perf_counter() - t0)
            fh.write(json.dumps({"arch": key.arch_hash, "w": got.result.config["w"]}) + "\n")
            fh.flush()
        fh.write(json.dumps({"slowest_put_s": slowest}) + "\n")


def _reader(path: str, stop: Any, out: str) -> None:
    store = ResultStore(path)
    reads, slowest = 0, 0.0
    while not stop.is_set():
        t0 = time.perf_counter()
        store.records()
        slowest = max(slowest, time.perf_counter() - t0)
        reads += 1
    Path(out).write_text(json.dumps({"reads": reads, "slowest_read_s": slowest}))


def _logs(folder: Path, procs: int) -> tuple[list[set[str]], float, list[int]]:
    acked, slowest, owners = [], 0.0, []
    for w in range(procs):
        keys: set[str] = set()
        log = folder / f"w{w}.log"
        for line in log.read_text().splitlines() if log.exists() else []:
            try:
                item = json.loads(line)
            except json.JSONDecodeError:  # a line cut by the kill
                continue
            if "arch" in item:
                keys.add(item["arch"])
                owners.append(item["w"])
            else:
                slowest = max(slowest, item["slowest_put_s"])
        acked.append(keys)
    return acked, slowest, owners


def run(mode: str, args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"nbk-cache-{mode}-"))
    path = str(folder / "results.sqlite")
    ResultStore(path)  # create it once, as a LiveEvaluator would
    ctx = mp.get_context("fork")
    barrier, stop = ctx.Barrier(args.procs), ctx.Event()
    n = 1 if mode == "same-key" else args.per_proc
    procs = [ctx.Process(target=_writer, args=(path, w, n, args.epochs, str(folder / f"w{w}.log"),
                                                barrier, mode == "same-key"))
             for w in range(args.procs)]  # fmt: skip
    reader = ctx.Process(target=_reader, args=(path, stop, str(folder / "reader.json")))
    t0 = time.perf_counter()
    reader.start()
    for p in procs:
        p.start()
    victims = rng.sample(range(args.procs), args.kills) if mode == "kill" else []
    for w in sorted(victims, key=lambda _: rng.random()):
        time.sleep(rng.uniform(0.05, args.kill_window / max(1, len(victims))))
        os.kill(procs[w].pid, signal.SIGKILL)
    for p in procs:
        p.join(600)
    elapsed = time.perf_counter() - t0
    stop.set()
    reader.join(60)
    killed = [w for w, p in enumerate(procs) if p.exitcode == -signal.SIGKILL]
    acked, slowest_put, owners = _logs(folder, args.procs)
    store = ResultStore(path)
    ok, corrupt = store.verify()
    kept = {r.key.arch_hash for r in store.records()}
    all_acked = set().union(*acked)
    extra = kept - all_acked
    extra_by_worker = {w: sum(k.startswith(f"w{w}-") for k in extra) for w in range(args.procs)}
    out: dict[str, Any] = {
        "mode": mode, "procs": args.procs, "per_proc": n, "epochs": args.epochs,
        "seconds": round(elapsed, 3), "kept": ok, "corrupt": corrupt, "acknowledged": len(all_acked),
        "acknowledged_missing": len(all_acked - kept), "kept_not_acknowledged": len(extra),
        "killed_mid_write": killed, "slowest_put_s": round(slowest_put, 4),
        "reader": json.loads((folder / "reader.json").read_text()),
        "store_bytes": sum(f.stat().st_size for f in folder.glob("results.sqlite*")),
    }  # fmt: skip
    if mode == "clean":
        out["pass"] = ok == args.procs * n and corrupt == 0
    elif mode == "kill":
        survivors_complete = all(len(acked[w]) == n for w in range(args.procs) if w not in killed)
        out["pass"] = (corrupt == 0 and not (all_acked - kept) and survivors_complete
                       and all(extra_by_worker[w] <= 1 for w in killed)
                       and all(extra_by_worker[w] == 0 for w in range(args.procs) if w not in killed))  # fmt: skip
    else:
        out["distinct_answers"] = len(set(owners))
        out["pass"] = ok == 1 and corrupt == 0 and len(set(owners)) == 1 and len(owners) == args.procs
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--procs", type=int, default=8)
    ap.add_argument("--per-proc", type=int, default=50)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=200, help="curve length of each record")
    ap.add_argument("--kill-window", type=float, default=3.0, help="seconds over which kills fall")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    runs = [run(mode, args, rng) for mode in ("clean", "kill", "same-key")]
    for r in runs:
        print(json.dumps(r))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cache_concurrency.json").write_text(json.dumps(runs, indent=2) + "\n")
    md = ["# ResultStore under concurrent writers and kill -9", "",
          f"{args.procs} writer processes, {args.per_proc} records each ({args.epochs}-epoch curves), "
          f"one concurrent reader; SQLite WAL, one transaction per record. Seed {args.seed}.", "",
          "| run | kept | corrupt | acknowledged | acked but missing | kept, not acked | "
          "killed mid-write | slowest put (s) | slowest read (s) | reads | wall (s) | pass |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in runs:
        md.append(f"| {r['mode']} | {r['kept']} | {r['corrupt']} | {r['acknowledged']} | "
                  f"{r['acknowledged_missing']} | {r['kept_not_acknowledged']} | "
                  f"{len(r['killed_mid_write'])} | {r['slowest_put_s']} | "
                  f"{r['reader']['slowest_read_s']:.4f} | {r['reader']['reads']} | {r['seconds']} | "
                  f"{'yes' if r['pass'] else 'NO'} |")  # fmt: skip
    md += ["", "kept, not acked: committed by a writer killed before it could log the ack "
           "(at most one per killed writer).", ""]  # fmt: skip
    (RESULTS / "cache_concurrency.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
