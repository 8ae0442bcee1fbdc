"""Asynchronous search study: RS / REA / BANANAS with 1, 4 and 16 simulated workers on NB-201.

Task: NB-201 CIFAR-10 (valid split), 200-epoch validation accuracy, each
architecture's measured training time (``train_time``) as its cost, imported
from the shared data folder into a private ``NASBENCH_KIT_HOME``. Every run
uses ``run_search(..., workers=k)`` (``run_many(sim_workers=k)``) with the
same simulated-time budget; BANANAS is also capped at ``--bananas-queries``
completed queries (each ask refits its predictor). Isomorphic repeats are
plain queries unless ``--dedupe`` (REA with deduplication at thousands of
queries -- 16 workers -- spends most of its time on free re-asks of
exhausted neighbourhoods: ~280-320 asks per query over a 1,000-query run).

For each optimizer and seed, the *1-worker 150-query incumbent* is the
incumbent of the 1-worker run after 150 queries, at simulated time ``t1``; a
k-worker run of the same seed reaches it at the first completion whose
incumbent is at least that value (``tk``). The table reports the median of
``tk / t1`` over seeds (the issue's target: REA with 4 workers < 0.5) and the
fraction of seeds that reached it within the budget.

Writes ``<out>/async_study.md``, ``async_study.csv`` (one row per optimizer x
workers), ``async_study_curves.csv`` (mean incumbent on a simulated-time grid)
and ``async_study.png`` (incumbent vs simulated time). Results are
deterministic given the seeds; the wall-clock column depends on the machine.

Usage: ``python benchmarks/async_study.py [--seeds 50] [--bananas-seeds 10]
[--bananas default|gp-ucb] [--budget S] [--dedupe] [--workers 2] [--quick] [--out DIR]
[--home DIR]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CSV = "nb201/nb201_cifar10-valid_200ep_seedavg.csv"
OUT = Path(__file__).resolve().parent / "results"
SIM_WORKERS = (1, 4, 16)
AT_QUERIES = 150
TIMES = (5e4, 1.5e5, 6e5)  # simulated seconds at which the table reads the incumbent


def factories(bananas: str) -> dict[str, Callable[[int], Any]]:
    """Optimizer name -> picklable-enough factory (run_many forks or runs serially)."""
    from nasbench_kit.optimizers import Bananas, RandomSearch, RegularizedEvolution
    from nasbench_kit.optimizers._guided import gp_predictor

    def make_bananas(s: int) -> Any:
        if bananas == "default":
            return Bananas("nb201", seed=s)
        return Bananas("nb201", predictor=gp_predictor, acquisition="ucb", seed=s)

    return {
        "rs": lambda s: RandomSearch("nb201", seed=s),
        "rea": lambda s: RegularizedEvolution("nb201", seed=s),
        "bananas": make_bananas,
    }


def reach_ratios(runs: dict[int, pd.DataFrame], at: int = AT_QUERIES) -> dict[int, pd.DataFrame]:
    """Per seed: k-worker time to reach the 1-worker ``at``-query incumbent, relative to 1 worker.

    Columns ``vs_t150`` (over the 1-worker time of ``at`` queries) and ``vs_hit``
    (over the 1-worker time of its first completion with that incumbent); inf
    when the k-worker run never reached it within its budget.
    """
    one = runs[1]
    out: dict[int, pd.DataFrame] = {}
    for k, df in runs.items():
        rows = {}
        for seed, g1 in one.groupby("seed"):
            if len(g1) < at:
                continue  # the 1-worker run did not get to `at` queries within the budget
            target, t_at = g1["incumbent"].iloc[at - 1], g1["time"].iloc[at - 1]
            t_hit = g1.loc[g1["incumbent"] >= target, "time"].iloc[0]
            gk = df[df["seed"] == seed]
            hit = gk.loc[gk["incumbent"] >= target, "time"]
            tk = float(hit.iloc[0]) if len(hit) else np.inf
            rows[seed] = {"vs_t150": tk / t_at, "vs_hit": tk / t_hit}
        out[k] = pd.DataFrame.from_dict(rows, orient="index", columns=["vs_t150", "vs_hit"])
    return out


def incumbent_at(df: pd.DataFrame, t: float) -> float:
    """Mean over seeds of the incumbent at simulated time ``t`` (carried forward)."""
    vals = []
    for _, g in df.groupby("seed"):
        before = g.loc[g["time"] <= t, "incumbent"].dropna()
        vals.append(before.iloc[-1] if len(before) else np.nan)
    return float(np.nanmean(vals)) if not np.all(np.isnan(vals)) else float("nan")


def summary_rows(name: str, runs: dict[int, pd.DataFrame], walls: dict[int, float]) -> list[dict[str, Any]]:
    ratios = reach_ratios(runs)
    rows = []
    for k, df in runs.items():
        final = df.groupby("seed")["incumbent"].last()
        r = ratios[k]
        rows.append({
            "optimizer": name, "workers": k, "seeds": int(df["seed"].nunique()),
            "median_queries": float(df.groupby("seed").size().median()),
            **{f"inc_at_{int(t)}s": incumbent_at(df, t) for t in TIMES},
            "final_mean": float(final.mean()),
            "final_ci95": float(1.96 * final.std(ddof=1) / np.sqrt(len(final))) if len(final) > 1 else 0.0,
            "reach_ratio_median": float(r["vs_t150"].median()) if len(r) else float("nan"),
            "reach_vs_hit_median": float(r["vs_hit"].median()) if len(r) else float("nan"),
            "reach_fraction": float(np.isfinite(r["vs_t150"]).mean()) if len(r) else float("nan"),
            "wall_s": walls[k],
        })  # fmt: skip
    return rows


def curves(name: str, runs: dict[int, pd.DataFrame]) -> pd.DataFrame:
    from nasbench_kit.plots import incumbent_curve_stats

    parts = []
    for k, df in runs.items():
        stats = incumbent_curve_stats(df, x="time", grid=120).reset_index()
        parts.append(stats.assign(optimizer=name, workers=k))
    return pd.concat(parts, ignore_index=True)


def plot(curve: pd.DataFrame, optimum: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(curve["optimizer"]))
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.6), sharey=True)
    for ax, name in zip(np.atleast_1d(axes), names):
        for k, g in curve[curve["optimizer"] == name].groupby("workers"):
            ax.plot(g["time"], g["mean"], label=f"{k} worker{'s' if k > 1 else ''}")
            ax.fill_between(g["time"], g["lo"], g["hi"], alpha=0.2)
        ax.axhline(optimum, color="k", ls="--", lw=0.8, label="optimum")
        ax.set_xscale("log")
        ax.set_xlabel("simulated time (s)")
        ax.set_title(name)
        ax.set_ylim(optimum - 1.5, optimum + 0.1)
    np.atleast_1d(axes)[0].set_ylabel("validation accuracy, incumbent (%)")
    np.atleast_1d(axes)[0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def report(table: pd.DataFrame, args: argparse.Namespace, budget: float, optimum: float) -> list[str]:
    cmd = " ".join(["python benchmarks/async_study.py", *sys.argv[1:]])
    lines = [
        "# Asynchronous search: 1, 4 and 16 simulated workers", "",
        f"Command: `{cmd}`", "",
        f"NB-201 CIFAR-10 (valid), 200-epoch validation accuracy (optimum {optimum:.3f}); "
        "cost = the architecture's training time (`train_time`). Syne-Tune's simulator "
        "semantics (`run_search(..., workers=k)`): a freed worker asks at once, results are "
        f"told in completion order. `dedupe_isomorphic={args.dedupe}`; budget "
        f"{budget:,.0f} simulated seconds per run (BANANAS also <= {args.bananas_queries} "
        f"queries; BANANAS = {args.bananas}).", "",
        f"`reach` = median over seeds of (simulated time for k workers to reach the 1-worker "
        f"run's incumbent after {AT_QUERIES} queries) / (the 1-worker time of those "
        f"{AT_QUERIES} queries); in brackets the fraction of seeds that reached it within the "
        "budget. `reach/hit` = the same time over the 1-worker run's *first* time at that "
        "incumbent (often before query 150). `inc@t` = mean incumbent at simulated time t.", "",
        "| optimizer | workers | seeds | median queries | inc@50k s | inc@150k s | inc@600k s "
        "| final | reach | reach/hit | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in table.itertuples():
        lines.append(
            f"| {r.optimizer} | {r.workers} | {r.seeds} | {r.median_queries:.0f} | "
            f"{r.inc_at_50000s:.3f} | {r.inc_at_150000s:.3f} | {r.inc_at_600000s:.3f} | "
            f"{r.final_mean:.3f} ± {r.final_ci95:.3f} | {r.reach_ratio_median:.2f} "
            f"({r.reach_fraction:.2f}) | {r.reach_vs_hit_median:.2f} | {r.wall_s:.1f} |"
        )
    rea4 = table[(table["optimizer"] == "rea") & (table["workers"] == 4)]
    if len(rea4):
        ratio = float(rea4["reach_ratio_median"].iloc[0])
        hit = float(rea4["reach_vs_hit_median"].iloc[0])
        ok = "met" if max(ratio, hit) < 0.5 else "NOT met"
        lines += ["", f"Target (REA, 4 workers, < 0.5 of the 1-worker time): reach {ratio:.2f}, "
                  f"reach/hit {hit:.2f} -> {ok}."]  # fmt: skip
    lines += ["", "Plot: [async_study.png](async_study.png)", ""]
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=50, help="seeds for RS and REA")
    ap.add_argument("--bananas-seeds", type=int, default=10)
    ap.add_argument("--bananas-queries", type=int, default=200)
    ap.add_argument("--bananas", choices=("default", "gp-ucb"), default="default")
    ap.add_argument("--budget", type=float, default=6e5, help="simulated seconds per run")
    ap.add_argument("--workers", type=int, default=2, help="processes (not simulated workers)")
    ap.add_argument("--dedupe", action="store_true", help="dedupe_isomorphic=True for every run")
    ap.add_argument("--quick", action="store_true", help="5 seeds, BANANAS 2 seeds (smoke run)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--home", type=Path, default=None, help="NASBENCH_KIT_HOME (default: temp)")
    args = ap.parse_args(argv)
    if args.quick:
        args.seeds, args.bananas_seeds, args.bananas_queries = 5, 2, 160
    path = args.shared / CSV
    if not path.exists():
        sys.exit(f"async_study: {path} not found (the shared data folder beside the checkout)")
    os.environ["NASBENCH_KIT_HOME"] = str(args.home or tempfile.mkdtemp(prefix="nbk-async-"))
    import nasbench_kit as nbk

    bench = nbk.load(nbk.import_table("nb201-csv", path, name="nb201/cifar10-valid"))
    optimum = float(bench.optimum("val_acc"))
    rows, parts = [], []
    for name, make in factories(args.bananas).items():
        guided = name == "bananas"
        kw: dict[str, Any] = {"max_seconds": args.budget, "dedupe_isomorphic": args.dedupe}
        if guided:
            kw["max_queries"] = args.bananas_queries
        seeds = range(args.bananas_seeds if guided else args.seeds)
        runs, walls = {}, {}
        for k in SIM_WORKERS:
            t0 = time.perf_counter()
            runs[k] = nbk.run_many(make, bench, "val_acc", seeds=seeds, workers=args.workers,
                                   sim_workers=k, **kw)  # fmt: skip
            walls[k] = time.perf_counter() - t0
            print(f"{name:8s} workers={k:2d}: {len(runs[k]):6d} rows, {walls[k]:.1f} s", flush=True)
        rows += summary_rows(name, runs, walls)
        parts.append(curves(name, runs))
    table = pd.DataFrame(rows)
    curve = pd.concat(parts, ignore_index=True)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "async_study.csv", index=False)
    curve.to_csv(args.out / "async_study_curves.csv", index=False)
    plot(curve, optimum, args.out / "async_study.png")
    lines = report(table, args, args.budget, optimum)
    (args.out / "async_study.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
