"""Live training, measured: digits targets, then random NB201 cells on Fashion-MNIST.

Part 1 (digits, ``fast-digits``, fresh stores): the issue's example cell trains
once (wall and CPU seconds, validation accuracy; target > 50%, chance 10%); a
second fresh store with the same seed gives identical numbers; a cache hit
(a new evaluator reading the SQLite store, and the in-memory repeat) costs
< 1% of the training time.

Part 2 (Fashion-MNIST, ``--preset`` default ``fast-fashion-mnist``): ``--n``
random NB201 cells (seeded sample), each trained with every seed in
``--seeds`` through a ``LiveEvaluator`` (the store under ``--store`` makes a
re-run resume: records already there are read, not retrained; their
recorded seconds are reported). Reported: accuracy, seconds per cell,
seed-to-seed Spearman / Kendall of the final validation accuracy, and their
Spearman / Kendall with NAS-Bench-201's CIFAR-10 (``cifar10-valid``, 200
epochs, seed mean) validation accuracy from
``../shared/data/nb201/nb201_cifar10-valid_200ep_seedavg.csv``. Whatever they are.

Part 3: the example cell with ``--target-threads`` (default 2) threads on a
fresh store: target >= 80% Fashion-MNIST validation accuracy in <= 60 s.

Part 4 (``--ray N``): N random NB201 cells on digits (``fast-digits``, 3
epochs) trained one after the other here, then as Ray tasks
(``evaluate_many(executor="ray")``, ``--workers`` CPUs of an embedded Ray, or
the cluster of ``RAY_ADDRESS``): Ray start-up and batch seconds, and whether
every record equals the serial one and was written once by the driver.

Part 5 (``--karate N``): N random NB-Graph architectures trained on PyG's
KarateClub with ``fast-karate`` (34 nodes, seeded 18/8/8 split; a smoke-size
graph, so accuracies move in steps of 12.5 points): accuracy and seconds.

Results: ``benchmarks/results/live_training.{json,md,csv,png}``. Timings depend
on how busy the machine is: ``load_average`` and CPU seconds are recorded.

Run: ``python benchmarks/live_training.py [--n 50] [--seeds 0 1] [--workers 1]
[--threads 1] [--store PATH] [--skip-digits] [--skip-target] [--ray N] [--karate N]``
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import nasbench_kit as nbk
from nasbench_kit.training.cache import default_store_path
from nasbench_kit.training.live import LiveEvaluator

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
NB201_CSV = REPO.parent / "shared" / "data" / "nb201" / "nb201_cifar10-valid_200ep_seedavg.csv"
CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def digits_part() -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="nbk-live-digits-"))
    live = LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0, store=tmp / "a.sqlite")
    live.data()  # loading the dataset is not training
    t0 = time.perf_counter()
    first = live.query(CELL, "val_acc")
    miss_s = time.perf_counter() - t0
    rec = live.record(CELL).result
    hits_store = []
    for _ in range(20):
        fresh = LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0, store=tmp / "a.sqlite")
        t0 = time.perf_counter()
        fresh.query(CELL, "val_acc")
        hits_store.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(1000):
        live.query(CELL, "val_acc")
    hit_memo = (time.perf_counter() - t0) / 1000
    other = LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0, store=tmp / "b.sqlite")
    rec2 = other.record(CELL).result
    same = all(getattr(rec, k) == getattr(rec2, k) for k in
               ("train_acc", "train_loss", "val_acc", "val_loss", "test_acc", "test_loss"))  # fmt: skip
    hit = statistics.median(hits_store)
    return {
        "cell": CELL, "preset": live.preset.name, "epochs": 3, "val_acc": first.value,
        "val_acc_curve": list(rec.val_acc), "test_acc": rec.test_acc[-1],
        "query_miss_s": miss_s, "train_seconds_total": sum(rec.train_seconds),
        "record_seconds": rec.seconds, "record_cpu_seconds": rec.cpu_seconds,
        "hit_new_evaluator_s": hit, "hit_in_memory_s": hit_memo,
        "hit_over_training": hit / rec.seconds, "identical_in_fresh_store": same,
        "pass": first.value > 50 and same and hit / rec.seconds < 0.01,
    }  # fmt: skip


_EVALS: dict[tuple[Any, ...], LiveEvaluator] = {}


def _train_task(task: tuple[str, int, str, str, int]) -> dict[str, Any]:
    cell, seed, preset, store, threads = task
    live = _EVALS.get((preset, store, threads))
    if live is None:
        live = LiveEvaluator("nb201", dataset="fashion-mnist", preset=preset, seed=0, store=store,
                             threads=threads)  # fmt: skip
        _EVALS[(preset, store, threads)] = live
    key = live._key(live.space.parse(cell), seed)
    was_stored = live.store.get(key) is not None
    r = live.record(cell, seed).result
    return {"cell": cell, "seed": seed, "val_acc": r.val_acc[-1], "test_acc": r.test_acc[-1],
            "train_acc": r.train_acc[-1], "train_s": sum(r.train_seconds), "seconds": r.seconds,
            "cpu_seconds": r.cpu_seconds, "params_m": r.params / 1e6, "flops_m": r.flops,
            "threads": r.threads, "from_store": was_stored}  # fmt: skip


def cells(n: int, seed: int) -> list[str]:
    space = nbk.get_space("nb201")
    rng = np.random.default_rng(seed)
    out: list[str] = []
    while len(out) < n:
        s = space.to_string(space.sample(seed=rng))
        if s not in out:
            out.append(s)
    return out


def _corr(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    from scipy.stats import kendalltau, spearmanr

    ok = np.isfinite(a) & np.isfinite(b)
    return {"spearman": float(spearmanr(a[ok], b[ok])[0]), "kendall": float(kendalltau(a[ok], b[ok])[0]),
            "n": int(ok.sum())}  # fmt: skip


def fashion_part(args: argparse.Namespace, store: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    archs = cells(args.n, args.cell_seed)
    tasks = [(c, s, args.preset, store, args.threads) for c in archs for s in args.seeds]
    t0 = time.perf_counter()
    if args.workers > 1:
        with mp.get_context("spawn").Pool(args.workers) as pool:
            rows = []
            for i, row in enumerate(pool.imap(_train_task, tasks, chunksize=1)):
                rows.append(row)
                print(f"[{i + 1}/{len(tasks)}] seed {row['seed']} val {row['val_acc']:.2f}% "
                      f"{row['seconds']:.1f} s (cpu {row['cpu_seconds']:.1f})", flush=True)  # fmt: skip
    else:
        rows = []
        for i, t in enumerate(tasks):
            rows.append(_train_task(t))
            print(f"[{i + 1}/{len(tasks)}] seed {t[1]} val {rows[-1]['val_acc']:.2f}% "
                  f"{rows[-1]['seconds']:.1f} s (cpu {rows[-1]['cpu_seconds']:.1f})", flush=True)  # fmt: skip
    wall = time.perf_counter() - t0
    val = {s: np.array([r["val_acc"] for r in rows if r["seed"] == s]) for s in args.seeds}
    mean_val = np.mean([val[s] for s in args.seeds], axis=0)
    out: dict[str, Any] = {
        "preset": args.preset, "cells": len(archs), "seeds": args.seeds, "workers": args.workers,
        "threads": args.threads, "wall_s": wall,
        "val_acc": {"mean": float(mean_val.mean()), "min": float(mean_val.min()),
                    "max": float(mean_val.max()), "median": float(np.median(mean_val))},
        "seconds_per_cell": {"median": statistics.median(r["seconds"] for r in rows),
                             "mean": statistics.mean(r["seconds"] for r in rows)},
        "cpu_seconds_per_cell": {"median": statistics.median(r["cpu_seconds"] for r in rows)},
        "cells_at_least_80": int((mean_val >= 80).sum()),
        "rows_read_from_store": sum(r["from_store"] for r in rows),
    }  # fmt: skip
    if len(args.seeds) >= 2:
        out["seed_to_seed"] = _corr(val[args.seeds[0]], val[args.seeds[1]])
    if NB201_CSV.exists():
        table = nbk.load(nbk.import_table("nb201-csv", NB201_CSV, name="nb201/cifar10-valid"))
        c10 = table.query_many(archs, "val_acc")
        out["vs_nb201_cifar10_valid"] = _corr(mean_val, c10)
        for r in rows:
            r["nb201_c10_val_acc"] = float(c10[archs.index(r["cell"])])
        _scatter(c10, mean_val)
    else:
        out["vs_nb201_cifar10_valid"] = f"skipped: {NB201_CSV.name} not found beside the checkout"
    return out, rows


def _scatter(c10: np.ndarray, ours: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.0))
    ax.scatter(c10, ours, s=12)
    ax.set_xlabel("NB201 CIFAR-10 val acc, 200 ep (%)")
    ax.set_ylabel("fast-fashion-mnist val acc, seed mean (%)")
    ax.set_title("Live training vs the NB201 table")
    fig.tight_layout()
    fig.savefig(RESULTS / "live_training.png", dpi=120)
    plt.close(fig)


def target_part(threads: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="nbk-live-target-"))
    live = LiveEvaluator("nb201", dataset="fashion-mnist", seed=0, store=tmp / "t.sqlite",
                         threads=threads)  # fmt: skip
    live.data()
    r = live.record(CELL).result
    return {"cell": CELL, "preset": live.preset.name, "threads": threads, "val_acc": r.val_acc[-1],
            "seconds": r.seconds, "cpu_seconds": r.cpu_seconds, "train_seconds": list(r.train_seconds),
            "eval_seconds": list(r.eval_seconds),
            "pass": r.val_acc[-1] >= 80 and r.seconds <= 60}  # fmt: skip


def ray_part(n: int, workers: int) -> dict[str, Any]:
    from nasbench_kit.parallel.ray_backend import ensure_ray

    tmp = Path(tempfile.mkdtemp(prefix="nbk-live-ray-"))
    archs = cells(n, 1)
    serial = LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0, store=tmp / "s.sqlite")
    serial.data()
    t0 = time.perf_counter()
    want = serial.evaluate_many(archs)
    serial_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ensure_ray(workers)
    start_s = time.perf_counter() - t0
    live = LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0, store=tmp / "r.sqlite",
                         executor="ray", workers=workers)  # fmt: skip
    t0 = time.perf_counter()
    got = live.evaluate_many(archs)
    ray_s = time.perf_counter() - t0
    fields = ("train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc", "params")
    same = all(getattr(a.result, k) == getattr(b.result, k) for a, b in zip(want, got) for k in fields)
    kept, bad = live.store.verify()
    return {"cells": n, "workers": workers, "cluster": bool(os.environ.get("RAY_ADDRESS")),
            "serial_s": serial_s, "ray_start_s": start_s, "ray_batch_s": ray_s,
            "identical_to_serial": same, "stored": kept, "corrupt": bad,
            "pass": same and kept == n and bad == 0}  # fmt: skip


def karate_part(n: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="nbk-live-karate-"))
    live = LiveEvaluator("nbgraph", dataset="karate", seed=0, store=tmp / "k.sqlite")
    live.data()
    space = nbk.get_space("nbgraph")
    rng = np.random.default_rng(0)
    archs = list({space.to_string(space.sample(seed=rng)): None for _ in range(n)})
    recs = [live.record(a).result for a in archs]
    return {"preset": live.preset.name, "archs": len(archs), "epochs": live.preset.train.epochs,
            "val_acc_median": float(np.median([r.val_acc[-1] for r in recs])),
            "test_acc_median": float(np.median([r.test_acc[-1] for r in recs])),
            "seconds_median": statistics.median(r.seconds for r in recs),
            "cpu_seconds_median": statistics.median(r.cpu_seconds for r in recs)}  # fmt: skip


def write(out: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "live_training" + out.get("tag", "")
    (RESULTS / f"{stem}.json").write_text(json.dumps(out, indent=2) + "\n")
    if rows:
        with open(RESULTS / f"{stem}.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    md = ["# Live training", "", f"Load average when finished: {out['load_average']}. "
          f"Machine: {os.cpu_count()} cores.", ""]  # fmt: skip
    if "digits" in out:
        d = out["digits"]
        md += ["## Digits (fast-digits, 3 epochs)", "",
               f"- val acc {d['val_acc']:.2f}% (chance 10%), test acc {d['test_acc']:.2f}%",
               f"- training {d['record_seconds']:.1f} s wall, {d['record_cpu_seconds']:.1f} s CPU",
               f"- cache hit: {d['hit_new_evaluator_s'] * 1e3:.2f} ms (new evaluator, SQLite), "
               f"{d['hit_in_memory_s'] * 1e6:.1f} us (repeat); {100 * d['hit_over_training']:.4f}% of training",
               f"- same seed in a fresh store gives identical numbers: {d['identical_in_fresh_store']}",
               ""]  # fmt: skip
    if "fashion" in out:
        f = out["fashion"]
        md += [f"## Fashion-MNIST ({f['preset']}), {f['cells']} random NB201 cells x seeds {f['seeds']}", "",
               f"- final val acc (seed mean): median {f['val_acc']['median']:.2f}%, "
               f"range {f['val_acc']['min']:.2f}-{f['val_acc']['max']:.2f}%; "
               f"{f['cells_at_least_80']} cells >= 80%",
               f"- seconds per cell: median {f['seconds_per_cell']['median']:.1f} s wall, "
               f"{f['cpu_seconds_per_cell']['median']:.1f} s CPU ({f['threads']} thread(s), "
               f"{f['workers']} worker(s))",
               f"- seed-to-seed: {f.get('seed_to_seed')}",
               f"- vs NB201 CIFAR-10 (cifar10-valid, 200 ep) val acc: {f['vs_nb201_cifar10_valid']}",
               ""]  # fmt: skip
    if "target" in out:
        t = out["target"]
        md += ["## Target: >= 80% Fashion-MNIST val acc in <= 60 s", "",
               f"- example cell, {t['threads']} threads: {t['val_acc']:.2f}% in {t['seconds']:.1f} s "
               f"wall ({t['cpu_seconds']:.1f} s CPU); pass: {t['pass']}", ""]  # fmt: skip
    if "ray" in out:
        r = out["ray"]
        where = "the RAY_ADDRESS cluster" if r["cluster"] else f"an embedded Ray, {r['workers']} CPUs"
        md += [f"## Ray: {r['cells']} NB201 cells on digits (fast-digits, 3 epochs), {where}", "",
               f"- here, one after the other: {r['serial_s']:.1f} s",
               f"- Ray start-up {r['ray_start_s']:.1f} s, then the batch as Ray tasks: "
               f"{r['ray_batch_s']:.1f} s",
               f"- every record identical to the serial one: {r['identical_to_serial']}; "
               f"stored by the driver: {r['stored']} (corrupt {r['corrupt']}); pass: {r['pass']}",
               ""]  # fmt: skip
    if "karate" in out:
        k = out["karate"]
        md += [f"## NB-Graph on KarateClub ({k['preset']}, {k['epochs']} full-batch epochs), "
               f"{k['archs']} random architectures", "",
               f"- median val acc {k['val_acc_median']:.1f}%, test acc {k['test_acc_median']:.1f}% "
               "(8 val / 8 test nodes, 4 classes)",
               f"- median {k['seconds_median']:.2f} s wall, {k['cpu_seconds_median']:.2f} s CPU "
               "per training", ""]  # fmt: skip
    (RESULTS / f"{stem}.md").write_text("\n".join(md))
    print("\n".join(md))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50, help="random NB201 cells")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--cell-seed", type=int, default=0, help="seed of the cell sample")
    ap.add_argument("--preset", default="fast-fashion-mnist")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="threads per training (part 2)")
    ap.add_argument("--target-threads", type=int, default=2)
    ap.add_argument("--store", default=None, help="result store (default: the NASBENCH_KIT_HOME one)")
    ap.add_argument("--skip-digits", action="store_true")
    ap.add_argument("--skip-target", action="store_true")
    ap.add_argument("--tag", default="", help="suffix of the result file names")
    ap.add_argument("--karate", type=int, default=0, metavar="N",
                    help="part 5: N random NB-Graph architectures on KarateClub (fast-karate)")
    ap.add_argument("--ray", type=int, default=0, metavar="N",
                    help="part 4: N digits cells serially and as Ray tasks (--workers CPUs)")
    args = ap.parse_args()
    argv = ["STORE" if a == args.store else a for a in sys.argv[1:]]  # no local paths in results
    out: dict[str, Any] = {"command": " ".join(["python benchmarks/live_training.py", *argv])}
    out["tag"] = args.tag
    rows: list[dict[str, Any]] = []
    # Each part's numbers are written as soon as it ends (a long run may be cut short).
    if not args.skip_digits:
        out["digits"] = digits_part()
        _save(out, rows)
    if not args.skip_target:
        out["target"] = target_part(args.target_threads)
        _save(out, rows)
    if args.karate > 0:
        out["karate"] = karate_part(args.karate)
        _save(out, rows)
    if args.ray > 0:
        out["ray"] = ray_part(args.ray, max(args.workers, 1))
        _save(out, rows)
    if args.n > 0:
        store = args.store or str(default_store_path())
        out["fashion"], rows = fashion_part(args, store)
        out["fashion"]["store"] = "--store" if args.store else "NASBENCH_KIT_HOME/live/results.sqlite"
        _save(out, rows)


def _save(out: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    write(out, rows)


if __name__ == "__main__":
    main()
