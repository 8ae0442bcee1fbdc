"""Old vs new defaults of the predictor-guided optimizers (BANANAS, NPENAS) on NB-201.

Runs each configuration for ``--seeds`` seeds x ``--queries`` queries on the
NB-201 CIFAR-10-valid table (200-epoch validation accuracy, seed mean;
imported from the shared data folder), ``dedupe_isomorphic=True`` as in
``search_study.py``, single-threaded (``threadpoolctl`` limits BLAS/OpenMP to
one thread; torch, when loaded, gets ``set_num_threads(1)``). Seeds are
interleaved (seed 0 of every configuration, then seed 1, ...), so load on a
shared machine hits every configuration alike.

Configurations (``--configs`` picks a subset):

- ``bananas-old``: the previous default, spelled out -- bootstrap ensemble of
  five 100-tree XGBoost models, ITS acquisition, 100 mutations per ask;
- ``bananas``: today's default ``Bananas("nb201")`` (FastGP, UCB);
- ``bananas-skgp``: the previous best configuration, scikit-learn GP + UCB
  (slow: ~2 s per ask; not in the default set);
- ``npenas-old``: the previous default NPENAS (XGBoost ensemble, mean);
- ``npenas``: today's default ``NPENAS("nb201")``.

Per run it records CPU seconds (``time.process_time``: one thread, so CPU ~
wall on a quiet machine) and wall seconds, the incumbent after the budget and
the first query that reached the table optimum. Writes
``<out>/guided_speed.csv`` (one row per configuration and seed) and
``<out>/guided_speed.md``. ``NASBENCH_KIT_HOME`` is used when set (the table
is imported into it), else a temporary folder.

``--old-seeds N`` runs the ``*-old`` configurations on the first ``N`` seeds
only (they take ~50x longer; default: all seeds). The CSV is rewritten after
every seed, so an interrupted run keeps what it measured.

Usage: ``python benchmarks/guided_speed.py [--seeds 50] [--old-seeds N] [--queries 100] [--configs ...]``
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO.parent / "shared" / "data" / "nb201" / "nb201_cifar10-valid_200ep_seedavg.csv"
OUT = Path(__file__).resolve().parent / "results"
NAME = "nb201/cifar10-valid"


def _configs() -> dict[str, tuple[str, str, Callable[[int], Any]]]:
    """name -> (role, constructor call as text, seed -> optimizer)."""
    from nasbench_kit.optimizers import NPENAS, Bananas
    from nasbench_kit.optimizers._guided import gp_predictor, xgb_ensemble_predictor

    return {
        "bananas-old": (
            "old default",
            "Bananas(predictor=xgb_ensemble_predictor, acquisition='its', n_mutations=100)",
            lambda s: Bananas("nb201", predictor=xgb_ensemble_predictor, acquisition="its",
                              n_mutations=100, seed=s),
        ),
        "bananas": ("new default", "Bananas()", lambda s: Bananas("nb201", seed=s)),
        "bananas-skgp": (
            "old best (scikit-learn GP)",
            "Bananas(predictor=gp_predictor, acquisition='ucb', n_mutations=100)",
            lambda s: Bananas("nb201", predictor=gp_predictor, acquisition="ucb",
                              n_mutations=100, seed=s),
        ),
        "npenas-old": (
            "old default",
            "NPENAS(predictor=xgb_ensemble_predictor, acquisition='mean')",
            lambda s: NPENAS("nb201", predictor=xgb_ensemble_predictor, acquisition="mean",
                             seed=s),
        ),
        "npenas": ("new default", "NPENAS()", lambda s: NPENAS("nb201", seed=s)),
    }  # fmt: skip


DEFAULT_CONFIGS = ("bananas-old", "bananas", "npenas-old", "npenas")


def one_run(bench: Any, make: Callable[[int], Any], seed: int, queries: int, optimum: float) -> dict[str, Any]:
    """One search; CPU and wall seconds, final incumbent, first query at the optimum."""
    import nasbench_kit as nbk

    opt = make(seed)
    cpu, wall = time.process_time(), time.perf_counter()
    df = nbk.run_search(opt, bench, "val_acc", max_queries=queries, dedupe_isomorphic=True)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    inc = df["incumbent"].to_numpy(dtype=float)
    hit = np.flatnonzero(inc >= optimum - 1e-9)
    return {
        "seed": seed, "cpu_s": cpu, "wall_s": wall, "final": float(inc[-1]),
        "queries_to_optimum": int(df["step"].iloc[hit[0]]) if len(hit) else math.nan,
    }  # fmt: skip


def summary_row(name: str, role: str, call: str, d: pd.DataFrame, queries: int) -> dict[str, Any]:
    """Mean final ± 95% CI, share of seeds at the optimum, queries-to-optimum quartiles.

    Quartiles are over *all* seeds, a seed that never found the optimum counting
    as infinitely many queries (``> budget`` when that quartile is such a seed).
    """
    fin = d["final"].to_numpy()
    q = np.nan_to_num(d["queries_to_optimum"].to_numpy(dtype=float), nan=np.inf)
    with np.errstate(invalid="ignore"):  # inf - inf between two unfound seeds -> NaN -> inf
        quart = [float(np.quantile(q, p)) for p in (0.25, 0.5, 0.75)]
    quart = [math.inf if math.isnan(x) else x for x in quart]

    def show(x: float) -> str:
        return f"> {queries}" if math.isinf(x) else f"{x:g}"

    return {
        "config": name, "role": role, "call": call, "seeds": len(d),
        "cpu_s_median": float(d["cpu_s"].median()), "cpu_s_mean": float(d["cpu_s"].mean()),
        "wall_s_median": float(d["wall_s"].median()),
        "final_mean": float(fin.mean()),
        "final_ci95": 1.96 * float(fin.std(ddof=1)) / math.sqrt(len(fin)) if len(fin) > 1 else math.nan,
        "found": float(np.isfinite(q).mean()),
        "q_median": show(quart[1]), "q_iqr": f"{show(quart[0])}–{show(quart[2])}",
    }  # fmt: skip


def report(summary: list[dict[str, Any]], args: argparse.Namespace, optimum: float, seconds: float) -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    lines = [
        "# Guided search speed: old vs new defaults (NB-201)",
        "",
        f"Command: `python benchmarks/guided_speed.py --seeds {args.seeds} --old-seeds "
        f"{args.old_seeds} --queries {args.queries} --configs {' '.join(args.configs)}`",
        "",
        f"NB-201 CIFAR-10-valid, 200-epoch validation accuracy (seed mean), optimum {optimum:.3f}; "
        f"{args.seeds} seeds ({args.old_seeds} for `*-old`) x {args.queries} queries, "
        "`dedupe_isomorphic=True`, one thread, "
        f"seeds interleaved across configurations. Total {seconds / 60:.1f} min; load average at "
        f"the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        f"(on {os.cpu_count()} CPUs). CPU s = `time.process_time` per run (single thread).",
        "",
        "| config | role | call | seeds | CPU s / run (median) | wall s / run (median) | mean incumbent @"
        f"{args.queries} ± 95% | optimum found | queries to optimum, median (q25–q75) |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in summary:
        lines.append(
            f"| {r['config']} | {r['role']} | `{r['call']}` | {r['seeds']} | {r['cpu_s_median']:.2f} | "
            f"{r['wall_s_median']:.2f} | {r['final_mean']:.3f} ± {r['final_ci95']:.3f} | "
            f"{r['found']:.0%} | {r['q_median']} ({r['q_iqr']}) |"
        )
    by = {r["config"]: r for r in summary}
    notes = []
    for new, old in (("bananas", "bananas-old"), ("npenas", "npenas-old")):
        if new in by and old in by:
            notes.append(f"- {new}: {by[old]['cpu_s_median'] / by[new]['cpu_s_median']:.1f}x "
                         f"less CPU per run than {old} (medians).")
    lines += ["", *notes] if notes else []
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--old-seeds", type=int, default=None,
                        help="seeds for the *-old configurations (default: --seeds)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--configs", nargs="+", default=list(DEFAULT_CONFIGS))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.old_seeds = args.seeds if args.old_seeds is None else min(args.old_seeds, args.seeds)
    if not TABLE.exists():
        print(f"NB-201 table not found at {TABLE} (the shared data folder)", file=sys.stderr)
        return 1
    os.environ.setdefault("NASBENCH_KIT_HOME", tempfile.mkdtemp(prefix="nbk-guided-speed-"))
    from threadpoolctl import threadpool_limits

    import nasbench_kit as nbk
    from nasbench_kit._io import atomic_write_text

    configs = _configs()
    unknown = [c for c in args.configs if c not in configs]
    if unknown:
        parser.error(f"unknown configs {unknown}; choose from {list(configs)}")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    bench = nbk.load(nbk.import_table("nb201-csv", TABLE, name=NAME))
    optimum = float(bench.optimum("val_acc"))
    rows: list[dict[str, Any]] = []
    args.out.mkdir(parents=True, exist_ok=True)
    csv_path = args.out / "guided_speed.csv"
    start = time.perf_counter()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in args.configs:  # warm-up: imports and first-use caches, not timed
            one_run(bench, configs[name][2], 10_000, 12, optimum)
        for seed in range(args.seeds):
            names = [n for n in args.configs if seed < args.old_seeds or not n.endswith("-old")]
            for name in names:
                rows.append({"config": name, **one_run(bench, configs[name][2], seed,
                                                       args.queries, optimum)})
            done = rows[-len(names):]
            print(f"seed {seed}: " + ", ".join(f"{r['config']} {r['cpu_s']:.2f}s" for r in done),
                  flush=True)
            atomic_write_text(csv_path, pd.DataFrame(rows).to_csv(index=False))
    seconds = time.perf_counter() - start
    frame = pd.DataFrame(rows)
    summary = [summary_row(n, *configs[n][:2], frame[frame["config"] == n], args.queries)
               for n in args.configs if (frame["config"] == n).any()]  # fmt: skip
    atomic_write_text(csv_path, frame.to_csv(index=False))
    text = report(summary, args, optimum, seconds)
    atomic_write_text(args.out / "guided_speed.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
