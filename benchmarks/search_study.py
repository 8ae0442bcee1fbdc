"""Search study: every optimizer, many seeds, several tables; CSV + PNG + markdown.

Tasks
-----
- ``analognas/cifar10`` (embedded; NB-201 cells, ``test_acc``, no timing);
- ``nb201/cifar10-valid`` (200-epoch validation accuracy, imported from the
  shared data folder; skipped with a message when absent), with a
  ``train_time`` cost so incumbent-vs-simulated-time is available;
- ``nbgraph/cora`` and ``nbgraph/citeseer`` (embedded; ``val_acc``);
- multi-fidelity NB-201: 12-epoch and 200-epoch validation accuracy stacked on
  the fidelity axis (cost of 12 epochs taken as 12/200 of the 200-epoch time);
- multi-objective: NB-201 200-epoch ``val_acc`` (max) x HELP latency on Pixel 3
  (min), scored by hypervolume.

Writes ``<out>/search_study_<task>_curves.csv`` (mean incumbent per query),
``..._seeds.csv`` (final value and queries-to-optimum per seed), PNG plots
(incumbent vs queries and vs simulated time, mean with a 95% interval; the
queries-to-optimum distribution) and ``<out>/search_study.md``.

Usage: ``python benchmarks/search_study.py [--quick] [--seeds N] [--out DIR]``
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
from nasbench_kit.optimizers._guided import gp_predictor
from nasbench_kit.search import summarize

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parent / "results"
Factory = Callable[[Any, int], Any]

CHEAP: dict[str, Factory] = {
    "rs": lambda sp, s: RandomSearch(sp, seed=s),
    "rea": lambda sp, s: RegularizedEvolution(sp, seed=s),
    "ls": lambda sp, s: LocalSearch(sp, seed=s),
}
GUIDED: dict[str, Factory] = {
    "bananas": lambda sp, s: Bananas(sp, seed=s),
    "bananas-gp-ucb": lambda sp, s: Bananas(sp, predictor=gp_predictor, acquisition="ucb", seed=s),
    "npenas": lambda sp, s: NPENAS(sp, seed=s),
}
# Secondary tasks: refit every 5 results to keep the whole study within ~30 minutes on 2 cores.
GUIDED_FAST: dict[str, Factory] = {
    "bananas": lambda sp, s: Bananas(sp, refit_every=5, seed=s),
    "bananas-gp-ucb": lambda sp, s: Bananas(sp, predictor=gp_predictor, acquisition="ucb",
                                            refit_every=5, seed=s),
    "npenas": lambda sp, s: NPENAS(sp, refit_every=5, seed=s),
}
FIDELITY: dict[str, Factory] = {
    "rs": CHEAP["rs"],
    "rea": CHEAP["rea"],
    "sh": lambda sp, s: SuccessiveHalving(sp, eta=3, n_initial=9, seed=s),
    "hyperband": lambda sp, s: Hyperband(sp, eta=3, seed=s),
}
MULTI: dict[str, Factory] = {
    "rs": CHEAP["rs"],
    "nsga2": lambda sp, s: NSGA2(sp, population_size=30, seed=s),
}


@dataclass
class Task:
    name: str
    bench: Any
    metric: Any
    optimizers: dict[str, Factory]
    queries: dict[str, int]
    seeds: int
    maximize: Any = True
    seeds_for: dict[str, int] = field(default_factory=dict)
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


def build_tasks(shared: Path, quick: bool, seeds: int | None) -> list[Task]:
    n_main = seeds or (5 if quick else 100)
    n_other = seeds or (5 if quick else 50)
    q_cheap, q_guided = (60, 40) if quick else (300, 100)
    q_other_guided = 40 if quick else 50
    tasks: list[Task] = []
    b200 = _nb201(shared)
    if b200 is not None:
        tasks.append(Task("nb201-cifar10-valid", b200, "val_acc", {**CHEAP, **GUIDED},
                          {**dict.fromkeys(CHEAP, q_cheap), **dict.fromkeys(GUIDED, q_guided)},
                          n_main, note="200-epoch validation accuracy (seed mean)",
                          seeds_for={"bananas": n_other, "npenas": n_other}))
    tasks.append(Task("analognas-cifar10", nbk.load("analognas/cifar10"), "test_acc",
                      {**CHEAP, **GUIDED_FAST},
                      {**dict.fromkeys(CHEAP, q_cheap), **dict.fromkeys(GUIDED, q_other_guided)},
                      n_other, note="no timing in the table: no time axis; guided "
                      "optimizers refit every 5 results"))
    for ds in ("cora", "citeseer"):
        tasks.append(Task(f"nbgraph-{ds}", nbk.load(f"nbgraph/{ds}"), "val_acc",
                          {**CHEAP, **GUIDED_FAST},
                          {**dict.fromkeys(CHEAP, q_cheap),
                           **dict.fromkeys(GUIDED, q_other_guided)},
                          n_other, note="no timing in the table: no time axis; guided "
                          "optimizers refit every 5 results"))
    if b200 is not None:
        mf = _multi_fidelity(shared, b200)
        if mf is not None:
            tasks.append(Task("nb201-multi-fidelity", mf, "val_acc", FIDELITY,
                              dict.fromkeys(FIDELITY, q_cheap), n_other,
                              note="12/200 epochs; compare on the time axis"))
        joined = _latency(shared, b200)
        if joined is not None:
            tasks.append(Task("nb201-acc-x-latency", joined, ("val_acc", "latency_pixel3"),
                              MULTI, dict.fromkeys(MULTI, q_cheap), n_other,
                              maximize=(True, False),
                              note="incumbent = hypervolume (ref: table's worst values)"))
    return tasks


def _band(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95% half-width over seeds; NaN where fewer than half the seeds have a value."""
    n = np.sum(~np.isnan(mat), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(mat, axis=0)
        half = 1.96 * np.nanstd(mat, axis=0, ddof=1) / np.sqrt(n)
    sparse = n < max(2, mat.shape[0] / 2)
    return np.where(sparse, np.nan, mean), np.where(sparse, np.nan, half)


def _by_queries(df: pd.DataFrame) -> np.ndarray:
    return np.vstack([d["incumbent"].to_numpy(dtype=float) for _, d in df.groupby("seed")])


def _by_time(df: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
    rows = []
    for _, d in df.groupby("seed"):
        t, inc = d["time"].to_numpy(), d["incumbent"].to_numpy(dtype=float)
        idx = np.searchsorted(t, grid, side="right") - 1
        rows.append(np.where(idx >= 0, inc[np.clip(idx, 0, None)], np.nan))
    return np.vstack(rows)


def plot_task(task: Task, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    has_time = any(df["time"].iloc[-1] > 0 for df in task.results.values())
    fig, axes = plt.subplots(1, 3 if has_time else 2, figsize=(16 if has_time else 11, 4.2))
    ax_q, ax_d = axes[0], axes[-1]
    ymax = -np.inf
    for name, df in task.results.items():
        mean, half = _band(_by_queries(df))
        x = np.arange(1, len(mean) + 1)
        ax_q.plot(x, mean, label=name)
        ax_q.fill_between(x, mean - half, mean + half, alpha=0.2)
        ymax = max(ymax, np.nanmax(mean))
    opt = next(iter(task.results.values())).attrs.get("optimum", np.nan)
    for ax in axes[:-1]:
        if np.isfinite(opt):
            ax.axhline(opt, color="k", lw=0.8, ls="--", label="table optimum")
        ax.set_ylabel("incumbent" + (" (hypervolume)" if isinstance(task.metric, tuple) else ""))
    lo = np.nanmin([np.nanmean(_by_queries(d), axis=0)[min(9, len(d) - 1)]
                    for d in task.results.values()])
    top = opt if np.isfinite(opt) else ymax
    ax_q.set_ylim(lo, top + 0.05 * (top - lo))
    ax_q.set_xlabel("queries")
    ax_q.legend(fontsize=8)
    if has_time:
        ax_t = axes[1]
        t_max = max(df["time"].max() for df in task.results.values())
        t_min = min(df.loc[df["time"] > 0, "time"].min() for df in task.results.values())
        grid = np.geomspace(t_min, t_max, 200)
        for name, df in task.results.items():
            mean, half = _band(_by_time(df, grid))
            ax_t.plot(grid, mean, label=name)
            ax_t.fill_between(grid, mean - half, mean + half, alpha=0.2)
        ax_t.set_xscale("log")
        ax_t.set_xlabel("simulated time (s)")
        ax_t.set_ylim(lo, top + 0.05 * (top - lo))
    names, hits = [], []
    for name, df in task.results.items():
        q = summarize(df)["queries_to_optimum"]
        budget = df.groupby("seed").size().max()
        names.append(name)
        hits.append([h if h is not None else budget + 10 for h in q])
    ax_d.boxplot(hits)
    ax_d.set_xticks(range(1, len(names) + 1), names)
    ax_d.set_ylabel("queries to optimum (not found: budget + 10)")
    ax_d.tick_params(axis="x", rotation=30)
    fig.suptitle(f"{task.name}: {task.metric} ({task.note})", fontsize=10)
    fig.tight_layout()
    path = out / f"search_study_{task.name}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path.name]


def write_csvs(task: Task, out: Path, raw: bool) -> None:
    """Mean incumbent per query (with 95% half-width) and one summary row per seed."""
    curves, per_seed = [], []
    for name, df in task.results.items():
        mean, half = _band(_by_queries(df))
        curves.append(pd.DataFrame({"optimizer": name, "step": np.arange(1, len(mean) + 1),
                                    "incumbent_mean": mean, "incumbent_ci95": half}))
        s = summarize(df)
        finals = df.groupby("seed")["incumbent"].last()
        per_seed.append(pd.DataFrame({"optimizer": name, "seed": finals.index,
                                      "final_incumbent": finals.to_numpy(),
                                      "queries_to_optimum": s["queries_to_optimum"]}))
    pd.concat(curves).to_csv(out / f"search_study_{task.name}_curves.csv", index=False)
    pd.concat(per_seed).to_csv(out / f"search_study_{task.name}_seeds.csv", index=False)
    if raw:
        frame = pd.concat([df.assign(optimizer=n) for n, df in task.results.items()])
        frame.to_csv(out / f"search_study_{task.name}.csv.gz", index=False)


def _fmt(x: Any, nd: int = 3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def table_rows(task: Task) -> list[str]:
    rows = []
    for name, df in task.results.items():
        s = summarize(df)
        inc = _by_queries(df)
        at100 = inc[:, min(99, inc.shape[1] - 1)]
        q = [h for h in s["queries_to_optimum"] if h is not None]
        qs = np.percentile(q, [25, 50, 75]) if q else [np.nan] * 3
        med = s["queries_to_optimum_median"]
        rows.append(
            f"| {task.name} | {name} | {s['seeds']} | {s['queries']} | "
            f"{_fmt(float(np.nanmean(at100)))} | {_fmt(s['final_mean'])} ± {_fmt(s['final_ci95'])} | "
            f"{_fmt(s['found_optimum_fraction'], 2)} | {_fmt(med, 0) if med else 'not reached'} | "
            f"{_fmt(float(qs[0]), 0)} / {_fmt(float(qs[1]), 0)} / {_fmt(float(qs[2]), 0)} | "
            f"{df.attrs.get('wall_s', 0):.1f} |"
        )
    return rows


def speed_check(bench: Any, workers: int, seeds: int = 100, queries: int = 1000) -> str:
    """Time ``seeds`` x REA x ``queries`` (worker start-up included) and the lookup share."""
    t0 = time.perf_counter()
    df = nbk.run_many(lambda s: RegularizedEvolution(bench.space, seed=s), bench, "val_acc",
                      seeds=range(seeds), workers=workers, max_queries=queries)
    wall = time.perf_counter() - t0
    space = bench.space
    archs = [space.from_string(a) for a in df["arch"]]
    fid = max(bench.fidelities)
    t1 = time.perf_counter()
    for a in archs:
        bench.query(a, "val_acc", fid, None)
    lookups = time.perf_counter() - t1
    cpu_total = wall * workers
    return (f"{seeds} seeds x REA x {queries} queries = {len(df):,} queries in {wall:.2f} s wall "
            f"on {workers} workers (start-up included); table lookups alone take {lookups:.2f} s "
            f"serially, i.e. ~{100 * (1 - lookups / cpu_total):.0f}% of the worker time is spent "
            "outside lookups (optimizer, space moves, bookkeeping)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="5 seeds, small budgets (smoke run)")
    ap.add_argument("--seeds", type=int, default=None, help="override the number of seeds")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--shared", type=Path, default=SHARED, help="shared benchmark data folder")
    ap.add_argument("--only", default=None, help="comma-separated task names to run")
    ap.add_argument("--raw", action="store_true", help="also write every trajectory (.csv.gz)")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    args.out.mkdir(parents=True, exist_ok=True)
    tasks = build_tasks(args.shared, args.quick, args.seeds)
    if args.only:
        tasks = [t for t in tasks if t.name in args.only.split(",")]
    lines = [
        "# Search study", "",
        f"Seeds per task as listed; {'quick run' if args.quick else 'full run'}; "
        f"{args.workers} worker processes. `dedupe_isomorphic=True` for every run (isomorphic "
        "repeats are told for free). `@100` = mean incumbent after 100 queries; final = mean "
        "± 95% interval at the budget; q25/q50/q75 = queries to reach the table optimum over "
        "the seeds that reached it; 'found' = fraction of seeds that reached it.", "",
        "| task | optimizer | seeds | queries | @100 | final | found | median q | "
        "q25 / q50 / q75 | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    pngs: list[str] = []
    if tasks and tasks[0].name == "nb201-cifar10-valid" and not args.quick:
        msg = speed_check(tasks[0].bench, args.workers)
        print(msg, flush=True)
        lines[2:2] = [f"Speed: {msg}.", ""]
    for task in tasks:
        space = task.bench.space
        for name, factory in task.optimizers.items():
            t0 = time.perf_counter()
            df = nbk.run_many(
                lambda s, f=factory, sp=space: f(sp, s), task.bench, task.metric,
                seeds=range(task.seeds_for.get(name, task.seeds)), workers=args.workers,
                max_queries=task.queries[name], maximize=task.maximize,
                dedupe_isomorphic=True,
            )  # fmt: skip
            df.attrs["wall_s"] = time.perf_counter() - t0
            task.results[name] = df
            s = summarize(df)
            print(f"{task.name:22s} {name:16s} final={s['final_mean']:.4f} "
                  f"found={s['found_optimum_fraction']:.2f} "
                  f"median_q={s['queries_to_optimum_median']} ({df.attrs['wall_s']:.1f}s)",
                  flush=True)
        write_csvs(task, args.out, args.raw)
        pngs += plot_task(task, args.out)
        lines += table_rows(task)
    lines += ["", "Notes:"]
    lines += [f"- {t.name}: {t.note}" for t in tasks if t.note]
    lines += ["", "Plots: " + ", ".join(f"[{p}]({p})" for p in pngs), ""]
    (args.out / "search_study.md").write_text("\n".join(lines))
    print(f"wrote {args.out / 'search_study.md'}")


if __name__ == "__main__":
    main()
