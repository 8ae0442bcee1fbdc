"""Search study: every optimizer, many seeds, several tables, asynchronous workers.

Tasks (``--only`` picks some by name)
-------------------------------------
- ``nb201-cifar10-valid``: NB-201 200-epoch validation accuracy (seed mean),
  imported from the shared data folder (skipped with a message when absent),
  with a ``train_time`` cost so incumbent-vs-simulated-time is available.
  RS / REA / LS (300 queries), BANANAS and NPENAS (defaults: FastGP + UCB,
  100 queries), BANANAS with the scikit-learn GP + UCB (100 queries), Optuna
  TPE (``tpe``, 150 queries);
- ``nb201-async``: RS / REA / BANANAS with 1, 4 and 16 simulated workers
  (``run_many(..., sim_workers=k)``), the runs and summaries of
  ``benchmarks/async_study.py`` (same factories, budget and ``reach`` ratio);
- ``analognas-cifar10`` (embedded; ``test_acc``, no timing),
  ``nbgraph-cora`` and ``nbgraph-citeseer`` (embedded; ``val_acc``):
  RS / REA / LS / BANANAS / NPENAS / TPE;
- ``nb201-multi-fidelity``: 12- and 200-epoch validation accuracy stacked on
  the fidelity axis (12 epochs cost 12/200 of the 200-epoch time): RS, REA,
  successive halving, Hyperband;
- ``nb201-acc-x-latency``: 200-epoch ``val_acc`` (max) x HELP latency on
  Pixel 3 (min), scored by hypervolume: RS, NSGA-II, Optuna NSGA-II.

Every run uses ``dedupe_isomorphic=True`` except the async rows (as in
``async_study.py``). Quality numbers are deterministic given the seeds; the
``wall s`` and ``CPU s / run`` columns depend on the machine and its load (the
load average is recorded in the output).

Writes ``<out>/search_study.md``, per task ``search_study_<task>_curves.csv``
(mean incumbent per query), ``..._seeds.csv`` (final value and queries to the
optimum per seed), ``search_study_summary.csv`` (one row per task x
optimizer), ``search_study_async.csv`` and PNG plots. ``--cache DIR`` keeps
every finished run (a ``.csv.gz`` + ``.json`` per task x optimizer) so a long
study can be run in stages (``--only``) and assembled by a last full call that
finds everything in the cache.

Usage: ``python benchmarks/search_study.py [--quick] [--seeds N] [--graph-seeds 50]
[--only T1,T2] [--cache DIR] [--workers 2] [--out DIR]``; the published results:
``python benchmarks/search_study.py --graph-seeds 20``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import search_study_report as rep

import nasbench_kit as nbk
from nasbench_kit.optimizers import (
    NPENAS,
    NSGA2,
    Bananas,
    Hyperband,
    LocalSearch,
    RandomSearch,
    RegularizedEvolution,
    SuccessiveHalving,
)
from nasbench_kit.optimizers.optuna_sampler import OptunaMultiObjective, OptunaOptimizer

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parent / "results"
Factory = Callable[[Any, int], Any]
KEEP = ["seed", "step", "time", "incumbent", "worker"]  # trajectory columns the cache keeps

# name -> (factory, configuration shown in the tables)
CHEAP: dict[str, tuple[Factory, str]] = {
    "rs": (lambda sp, s: RandomSearch(sp, seed=s), "random search"),
    "rea": (lambda sp, s: RegularizedEvolution(sp, seed=s), "regularized evolution"),
    "ls": (lambda sp, s: LocalSearch(sp, seed=s), "local search"),
}
GUIDED: dict[str, tuple[Factory, str]] = {
    "bananas": (lambda sp, s: Bananas(sp, seed=s), "default: FastGP + UCB"),
    "npenas": (lambda sp, s: NPENAS(sp, seed=s), "default: FastGP + UCB"),
}
TPE: dict[str, tuple[Factory, str]] = {
    "tpe": (lambda sp, s: OptunaOptimizer(sp, "tpe", seed=s), "Optuna TPESampler (defaults)"),
}
FIDELITY: dict[str, tuple[Factory, str]] = {
    "rs": CHEAP["rs"],
    "rea": CHEAP["rea"],
    "sh": (lambda sp, s: SuccessiveHalving(sp, eta=3, n_initial=9, seed=s), "eta=3, 9 initial"),
    "hyperband": (lambda sp, s: Hyperband(sp, eta=3, seed=s), "eta=3"),
}
MULTI: dict[str, tuple[Factory, str]] = {
    "rs": CHEAP["rs"],
    "nsga2": (lambda sp, s: NSGA2(sp, population_size=30, seed=s), "population 30"),
    "optuna-nsga2": (
        lambda sp, s: OptunaMultiObjective(sp, seed=s, sampler_options={"population_size": 30}),
        "Optuna NSGAIISampler, population 30",
    ),
}


@dataclass
class Task:
    name: str
    bench: Any
    metric: Any
    optimizers: dict[str, tuple[Factory, str]]
    queries: dict[str, int]
    seeds: dict[str, int]
    maximize: Any = True
    note: str = ""
    results: dict[str, pd.DataFrame] = field(default_factory=dict)


def _nb201(shared: Path) -> Any | None:
    path = shared / "nb201" / "nb201_cifar10-valid_200ep_seedavg.csv"
    if not path.exists():
        print(f"skip NB-201 tasks: {path} not found")
        return None
    return nbk.load(nbk.import_table("nb201-csv", path, name="nb201/cifar10-valid"))


def _multi_fidelity(shared: Path, b200: Any) -> Any | None:
    path = shared / "nb201" / "nb201_12ep_accuracy.csv"
    if not path.exists():
        print(f"skip multi-fidelity task: {path} not found")
        return None
    from nasbench_kit.tables.benchmark import Benchmark

    b12 = nbk.load(nbk.import_table("nb201-csv", path, name="nb201-12ep/cifar10",
                                    dataset="cifar10"))
    archs = b200.archs()
    rows = np.arange(len(b200))
    v200 = b200.query_many(None, "val_acc", rows=rows)
    t200 = b200.query_many(None, "train_time", rows=rows)
    v12 = b12.query_many(archs, "val_acc")
    values = np.zeros((len(archs), 1, 2, 2))
    values[:, 0, 0, 0], values[:, 0, 1, 0] = v12, v200
    values[:, 0, 0, 1], values[:, 0, 1, 1] = t200 * 12 / 200, t200
    return Benchmark.from_arrays(
        name="nb201-mf/cifar10", space="nb201", dataset="cifar10", archs=b200.notations,
        metrics=("val_acc", "train_time"), values=values, fidelities=(12.0, 200.0),
        cost_metric="train_time", units={"val_acc": "%", "train_time": "s"},
    )  # fmt: skip


def _latency(shared: Path, b200: Any) -> Any | None:
    path = shared / "nb201" / "nb201_latency_ms_help.csv"
    if not path.exists():
        print(f"skip multi-objective task: {path} not found")
        return None
    lat = nbk.load(nbk.import_table("nb201-csv", path, name="nb201-latency/help"))
    return nbk.join(b200, lat)


def _budgets(opts: dict[str, Any], q: int) -> dict[str, int]:
    return dict.fromkeys(opts, q)


def build_tasks(shared: Path, quick: bool, seeds: int | None, extra: list[str],
                graph_seeds: int) -> list[Task]:  # fmt: skip
    n_main, n_other = (seeds or 5, seeds or 5) if quick else (seeds or 100, seeds or 50)
    n_graph = (seeds or 5) if quick else (seeds or graph_seeds)
    q_cheap, q_guided, q_tpe = (60, 40, 40) if quick else (300, 100, 150)
    single = {**CHEAP, **GUIDED, **TPE}
    budgets = {**_budgets(CHEAP, q_cheap), **_budgets(GUIDED, q_guided), **_budgets(TPE, q_tpe)}
    tasks: list[Task] = []
    b200 = _nb201(shared)
    if b200 is not None:
        ext = {n: ((lambda sp, s, n=n: nbk.make_optimizer(n, sp, seed=s)), f"registered `{n}`")
               for n in extra}  # fmt: skip
        opts = {**single, **ext}
        tasks.append(Task(
            "nb201-cifar10-valid", b200, "val_acc", opts, {**budgets, **_budgets(ext, q_guided)},
            dict.fromkeys(opts, n_main),
            note="NB-201 CIFAR-10-valid, 200-epoch validation accuracy (seed mean)",
        ))  # fmt: skip
    others = [("analognas-cifar10", "analognas/cifar10", "test_acc")]
    others += [(f"nbgraph-{ds}", f"nbgraph/{ds}", "val_acc") for ds in ("cora", "citeseer")]
    for name, table, metric in others:
        n = n_graph if name.startswith("nbgraph") else n_other
        tasks.append(Task(name, nbk.load(table), metric, single, budgets, dict.fromkeys(single, n),
                          note=f"{table} `{metric}`; no timing in the table (no time axis)"))
    if b200 is not None:
        mf = _multi_fidelity(shared, b200)
        if mf is not None:
            tasks.append(Task("nb201-multi-fidelity", mf, "val_acc", FIDELITY,
                              _budgets(FIDELITY, q_cheap), dict.fromkeys(FIDELITY, n_other),
                              note="12/200 epochs on the fidelity axis; compare on the time "
                              "axis (single-fidelity optimizers query 200 epochs only, so their "
                              "runs equal the nb201-cifar10-valid ones)"))
        joined = _latency(shared, b200)
        if joined is not None:
            tasks.append(Task("nb201-acc-x-latency", joined, ("val_acc", "latency_pixel3"),
                              MULTI, _budgets(MULTI, q_cheap), dict.fromkeys(MULTI, n_other),
                              maximize=(True, False),
                              note="incumbent = hypervolume of the front found so far"))
    return tasks


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(run: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Run; record wall and CPU seconds (this process and its pool) and the load average."""
    load0, t0, c0 = os.getloadavg()[0], time.perf_counter(), _cpu()
    df = run()
    df.attrs.update(wall_s=time.perf_counter() - t0, cpu_s=_cpu() - c0,
                    load=[round(load0, 1), round(os.getloadavg()[0], 1)])  # fmt: skip
    return df


def cached(cache: Path | None, key: str, run: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``run()`` once per key: trajectories in ``<cache>/<key>.csv.gz``, attrs in ``.json``."""
    if cache is None:
        return timed(run)
    csv, meta = cache / f"{key}.csv.gz", cache / f"{key}.json"
    if csv.exists() and meta.exists():
        df = pd.read_csv(csv)
        df.attrs.update(json.loads(meta.read_text()))
        return df
    df = timed(run)
    small = df[[c for c in KEEP if c in df.columns]].copy()
    small.attrs = {}
    small.to_csv(csv, index=False)
    meta.write_text(json.dumps(df.attrs, default=float))
    return df


def run_task(task: Task, args: argparse.Namespace) -> list[dict[str, Any]]:
    space, rows = task.bench.space, []
    for name, (factory, label) in task.optimizers.items():
        n, q = task.seeds[name], task.queries[name]
        key = f"{task.name}__{name}__s{n}_q{q}"
        df = cached(args.cache, key, lambda f=factory, n=n, q=q: nbk.run_many(
            lambda s: f(space, s), task.bench, task.metric, seeds=range(n), workers=args.workers,
            max_queries=q, maximize=task.maximize, dedupe_isomorphic=True, progress=False,
        ))  # fmt: skip
        task.results[name] = df
        rows.append(rep.summary_row(task.name, name, df, label))
        r = rows[-1]
        print(f"{task.name:22s} {name:17s} final={r['final_mean']:.4f} found={r['found']:.2f} "
              f"q50={r['q50']:g} cpu/run={r['cpu_s_per_run']:.2f}s wall={r['wall_s']:.1f}s "
              f"load={df.attrs.get('load')}", flush=True)  # fmt: skip
    rep.write_csvs(task.name, task.results, args.out)
    return rows


def run_async(bench: Any, args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[str]]:
    """The async study's runs (its factories, budget and summaries), RS/REA/BANANAS x 1/4/16."""
    import async_study as asy

    n_seeds = 5 if args.quick else (args.seeds or 50)
    n_bananas = 2 if args.quick else args.async_bananas_seeds
    budget, b_queries = (2e5, 160) if args.quick else (6e5, 200)
    rows, parts, loads = [], [], []
    for name, make in asy.factories("default").items():
        kw: dict[str, Any] = {"max_seconds": budget, "dedupe_isomorphic": False}
        seeds = n_bananas if name == "bananas" else n_seeds
        if name == "bananas":
            kw["max_queries"] = b_queries
        runs: dict[int, pd.DataFrame] = {}
        for k in asy.SIM_WORKERS:
            key = f"nb201-async__{name}__w{k}_s{seeds}_b{budget:g}"
            runs[k] = cached(args.cache, key, lambda m=make, k=k, kw=kw, n=seeds: nbk.run_many(
                m, bench, "val_acc", seeds=range(n), workers=args.workers, sim_workers=k,
                progress=False, **kw,
            ))  # fmt: skip
            loads += runs[k].attrs.get("load", [])
            print(f"nb201-async {name:8s} workers={k:2d}: {len(runs[k]):6d} rows, "
                  f"{runs[k].attrs.get('wall_s', 0):.1f} s", flush=True)
        walls = {k: d.attrs.get("wall_s", np.nan) for k, d in runs.items()}
        rows += asy.summary_rows(name, runs, walls)
        parts.append(asy.curves(name, runs))
    curve = pd.concat(parts, ignore_index=True)
    asy.plot(curve, float(bench.optimum("val_acc")), args.out / "search_study_nb201-async.png")
    pd.DataFrame(rows).to_csv(args.out / "search_study_async.csv", index=False)
    note = (f"RS / REA {n_seeds} seeds, BANANAS (default) {n_bananas} seeds; budget "
            f"{budget:,.0f} simulated seconds per run (BANANAS also <= {b_queries} queries); "
            "`dedupe_isomorphic=False` as in `async_study.py`")
    return rows, [note, *(f"{x}" for x in loads)]


def _public_args(argv: list[str]) -> list[str]:
    """Options that change results: drops ``--cache`` / ``--out`` / ``--shared`` (local paths)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in ("--cache", "--out", "--shared"):
            skip = True
        elif not a.startswith(("--cache=", "--out=", "--shared=")):
            out.append(a)
    return out


def speed_check(bench: Any, workers: int, seeds: int = 100, queries: int = 1000) -> str:
    """Time ``seeds`` x REA x ``queries`` (worker start-up included)."""
    t0 = time.perf_counter()
    df = nbk.run_many(lambda s: RegularizedEvolution(bench.space, seed=s), bench, "val_acc",
                      seeds=range(seeds), workers=workers, max_queries=queries, progress=False)
    return (f"{seeds} seeds x REA x {queries} queries = {len(df):,} queries in "
            f"{time.perf_counter() - t0:.2f} s wall on {workers} worker processes "
            "(start-up included; loaded machine)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="5 seeds, small budgets (smoke run)")
    ap.add_argument("--seeds", type=int, default=None, help="override every number of seeds")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (run_many)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--shared", type=Path, default=SHARED, help="shared benchmark data folder")
    ap.add_argument("--only", default=None, help="comma-separated task names to run")
    ap.add_argument("--cache", type=Path, default=None, help="keep finished runs here (staging)")
    ap.add_argument("--graph-seeds", type=int, default=50, help="seeds on the NB-Graph tasks")
    ap.add_argument("--async-bananas-seeds", type=int, default=10,
                    help="BANANAS seeds in the async rows (RS/REA: --seeds, default 50)")
    ap.add_argument("--extra", default="", help="registered optimizer names to add on NB-201")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    extra = [n for n in args.extra.split(",") if n]
    tasks = build_tasks(args.shared, args.quick, args.seeds, extra, args.graph_seeds)
    b200 = next((t.bench for t in tasks if t.name == "nb201-cifar10-valid"), None)
    names = [t.name for t in tasks] + (["nb201-async"] if b200 is not None else [])
    only = args.only.split(",") if args.only else names
    tasks = [t for t in tasks if t.name in only]
    summary: list[dict[str, Any]] = []
    pngs: list[str] = []
    speed = ""
    for task in tasks:
        summary += run_task(task, args)
        pngs.append(rep.plot_task(task.name, f"{task.name}: {task.metric} ({task.note})",
                                  task.results, args.out))  # fmt: skip
        if task.name == "nb201-cifar10-valid" and not args.quick:
            speed = speed_check(task.bench, args.workers)
    async_rows: list[dict[str, Any]] = []
    async_info: list[str] = []
    if "nb201-async" in only and b200 is not None:
        async_rows, async_info = run_async(b200, args)
        pngs.append("search_study_nb201-async.png")
    pd.DataFrame(summary).to_csv(args.out / "search_study_summary.csv", index=False)
    public = map(shlex.quote, _public_args(sys.argv[1:]))
    cmd = " ".join(["python benchmarks/search_study.py", *public])
    text = rep.document(cmd, args.workers, tasks, summary, async_rows, async_info, speed, pngs,
                        staged=args.cache is not None)
    (args.out / "search_study.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
