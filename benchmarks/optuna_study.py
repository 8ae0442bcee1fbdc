"""Optuna samplers vs our optimizers on NB-201 CIFAR-10-valid, and TPE's ask time.

1. Search: RS, REA, Optuna TPE and Optuna's random sampler, ``--seeds`` seeds
   x ``--queries`` queries on the 200-epoch validation accuracy (imported from
   the shared data folder), ``dedupe_isomorphic=True`` as in
   ``search_study.py``; plus TPE without the runner's dedupe, with and without
   the optimizer's own ``unique``.
2. Speed: TPE on the 6-position NB-201 decision vector, milliseconds per
   ``ask()`` around the 100th trial (median of asks 91..110, ``--repeats`` runs
   on ``HashBenchmark``), and the whole 100-query run.

Writes ``<out>/optuna_study.csv`` (one row per optimizer and seed) and
``<out>/optuna_study.md``. Set ``NASBENCH_KIT_HOME`` to a private folder first
(the table is imported into it).

Usage: ``python benchmarks/optuna_study.py [--seeds 20] [--queries 150] [--out DIR]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import nasbench_kit as nbk
from nasbench_kit._io import atomic_write_text
from nasbench_kit.optimizers import RandomSearch, RegularizedEvolution
from nasbench_kit.optimizers.optuna_sampler import OptunaOptimizer
from nasbench_kit.optimizers.testing import HashBenchmark
from nasbench_kit.search import summarize

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parent / "results"
TABLE = SHARED / "nb201" / "nb201_cifar10-valid_200ep_seedavg.csv"

# name -> (optimizer factory, runner dedupe_isomorphic)
OPTIMIZERS: dict[str, tuple[Callable[[int], Any], bool]] = {
    "rs": (lambda s: RandomSearch("nb201", seed=s), True),
    "rea": (lambda s: RegularizedEvolution("nb201", seed=s), True),
    "optuna-random": (lambda s: OptunaOptimizer("nb201", "random", seed=s), True),
    "optuna-tpe": (lambda s: OptunaOptimizer("nb201", "tpe", seed=s), True),
    "optuna-tpe, no runner dedupe": (lambda s: OptunaOptimizer("nb201", "tpe", seed=s), False),
    "optuna-tpe unique=False, no runner dedupe": (
        lambda s: OptunaOptimizer("nb201", "tpe", unique=False, seed=s),
        False,
    ),
}


def search(bench: Any, seeds: int, queries: int) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    rows, summary = [], []
    for name, (make, dedupe) in OPTIMIZERS.items():
        t0 = time.perf_counter()
        runs = nbk.run_many(make, bench, "val_acc", seeds=range(seeds), max_queries=queries,
                            dedupe_isomorphic=dedupe, progress=False)  # fmt: skip
        wall = time.perf_counter() - t0
        s = summarize(runs)
        at = {q: float(np.mean([d["incumbent"].iloc[min(q, len(d)) - 1]
                                for _, d in runs.groupby("seed")])) for q in (50, 100)}  # fmt: skip
        distinct = float(np.mean([d["arch"].nunique() for _, d in runs.groupby("seed")]))
        summary.append({"optimizer": name, **s, "at50": at[50], "at100": at[100],
                        "distinct": distinct, "wall_s": wall})  # fmt: skip
        for seed, d in runs.groupby("seed"):
            rows.append({"optimizer": name, "seed": seed, "final": d["incumbent"].iloc[-1],
                         "queries_to_optimum": s["queries_to_optimum"][int(seed)]})  # fmt: skip
        print(f"{name}: final {s['final_mean']:.3f} ± {s['final_ci95']:.3f} ({wall:.1f} s)")
    return pd.DataFrame(rows), summary


def ask_speed(repeats: int) -> dict[str, float]:
    """TPE on NB-201: ms per ask around trial 100 (median over asks 91..110, all repeats).

    Wall-clock and process CPU time are both recorded: on a busy machine the
    CPU time is the steadier number.
    """
    bench = HashBenchmark("nb201")
    wall, cpu, totals = [], [], []
    for r in range(repeats):
        opt = OptunaOptimizer("nb201", "tpe", unique=False, seed=r)  # one trial per ask
        t_run = time.perf_counter()
        for i in range(110):
            t0, c0 = time.perf_counter(), time.process_time()
            arch = opt.ask()
            if i >= 90:
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            opt.tell(arch, bench.query(arch, "val_acc").value)
            if i == 99:
                totals.append(time.perf_counter() - t_run)
    return {"ask_ms_at_100": 1e3 * float(np.median(wall)),
            "ask_cpu_ms_at_100": 1e3 * float(np.median(cpu)),
            "run_100_s": float(np.median(totals))}  # fmt: skip


def write_md(path: Path, summary: list[dict[str, Any]], speed: dict[str, float],
             seeds: int, queries: int) -> None:  # fmt: skip
    opt = summary[0]["optimum"]
    lines = [
        "# Optuna samplers on NB-201 CIFAR-10-valid",
        "",
        f"{seeds} seeds x {queries} queries, `val_acc` at 200 epochs (optimum {opt:.3f}), "
        "`dedupe_isomorphic=True` unless the row says 'no runner dedupe' (then a repeated "
        "architecture costs a query). final = mean incumbent ± 95% interval; @50/@100 = mean "
        "incumbent after 50/100 queries; found = fraction of seeds that reached the optimum; "
        "median q = median queries to the optimum (when more than half found it); distinct = "
        "mean number of different architectures queried per run.",
        "",
        "| optimizer | @50 | @100 | final | found | median q | distinct | wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        med = s["queries_to_optimum_median"]
        lines.append(
            f"| {s['optimizer']} | {s['at50']:.3f} | {s['at100']:.3f} | {s['final_mean']:.3f} ± "
            f"{s['final_ci95']:.3f} | {s['found_optimum_fraction']:.2f} | "
            f"{'-' if med is None else f'{med:.0f}'} | {s['distinct']:.0f} | {s['wall_s']:.1f} |"
        )
    lines += [
        "",
        f"TPE ask time (NB-201, 6 categorical positions): {speed['ask_ms_at_100']:.1f} ms wall "
        f"({speed['ask_cpu_ms_at_100']:.1f} ms CPU) per ask around trial 100 (median); a "
        f"100-query run takes {speed['run_100_s']:.2f} s wall.",
        "",
        "Command: `NASBENCH_KIT_HOME=$(mktemp -d) python benchmarks/optuna_study.py "
        f"--seeds {seeds} --queries {queries}`",
    ]
    atomic_write_text(path, "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--queries", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=5, help="runs for the ask-time measurement")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    speed = ask_speed(args.repeats)
    print(
        f"TPE ask at trial 100: {speed['ask_ms_at_100']:.1f} ms wall, "
        f"{speed['ask_cpu_ms_at_100']:.1f} ms CPU; 100-query run {speed['run_100_s']:.2f} s"
    )
    if args.speed_only:
        return
    if not TABLE.exists():
        raise SystemExit(f"{TABLE} not found: the NB-201 table is needed for the search part")
    bench = nbk.load(nbk.import_table("nb201-csv", TABLE, name="nb201/cifar10-valid"))
    rows, summary = search(bench, args.seeds, args.queries)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "optuna_study.csv", rows.to_csv(index=False))
    write_md(args.out / "optuna_study.md", summary, speed, args.seeds, args.queries)
    print(f"wrote {args.out / 'optuna_study.md'}")


if __name__ == "__main__":
    main()
