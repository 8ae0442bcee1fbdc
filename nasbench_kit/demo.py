"""``make demo``: the main job on embedded data, in about a minute.

1. Identity: sample, mutate and hash architectures in all four spaces.
2. Search comparison on ``analognas/cifar10`` (all 15,625 NB201 cells,
   CIFAR-10 test accuracy): random search (rs), regularized evolution (rea),
   local search (ls) and BANANAS, several seeds each, with a query budget.
3. Predictor study on the same table: Kendall tau of XGBoost / random forest /
   GIN at a few training-set sizes on held-out, leakage-safe test cells.
4. Live training: unseen NB201 cells trained on ``digits`` (bundled with
   scikit-learn) in seconds, stored with their provenance, then read back from
   the result store by a new evaluator.
5. Surrogate + fallback on ``nbgraph/proteins`` (NAS-Bench-Graph's table holds
   2,021 of the 26,206 architectures): a surrogate fitted on 500 of its rows,
   checked on 500 others, and ``Fallback([table, surrogate])`` answering from
   the table where it can and from the surrogate elsewhere.

Tables are printed; plots and CSVs go to ``demo-results/`` (override with
``--out``). Run: ``python -m nasbench_kit.demo [--out DIR] [--quick]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import nasbench_kit as nbk

BENCH = "analognas/cifar10"
METRIC = "test_acc"


def _identity() -> None:
    print("== 1. Search spaces: canonical identity ==")
    for name in nbk.list_spaces():
        sp = nbk.get_space(name)
        a = sp.sample(seed=0)
        b = sp.mutate(a, seed=0)
        print(
            f"{name:<8} sample {str(a.hash)[:44]:<44} mutate -> {str(b.hash)[:20]}... "
            f"({len(sp.neighbors(a))} neighbours)"
        )
    nb201 = nbk.get_space("nb201")
    cell = nb201.from_index(1)
    print(f"NB201 index 1 = {cell.to_string()}  iso class {cell.iso_hash}")
    print()


def _search(bench, seeds: int, queries: int, out: Path) -> pd.DataFrame:
    from nasbench_kit.optimizers import OptimizerFactory

    makers = {
        "rs": OptimizerFactory("rs", bench.space),
        "rea": OptimizerFactory("rea", bench.space),
        "ls": OptimizerFactory("ls", bench.space),
        # The default BANANAS: an incremental GP surrogate with UCB, refit after every result.
        "bananas": OptimizerFactory("bananas", bench.space),
    }
    print(f"== 2. Search on {bench.name} ({METRIC}, {queries} queries x {seeds} seeds) ==")
    frames = []
    for name, make in makers.items():
        df = nbk.run_many(make, bench, METRIC, seeds=range(seeds), max_queries=queries,
                          dedupe_isomorphic=True)  # fmt: skip
        df.insert(0, "optimizer", name)
        frames.append(df)
    runs = pd.concat(frames, ignore_index=True)
    best = bench.optimum(METRIC)
    checkpoints = [q for q in (25, 50, 100, 150, 300) if q <= queries]
    final = runs[runs["step"].isin(checkpoints)].pivot_table(
        index="optimizer", columns="step", values="incumbent", aggfunc="mean", sort=False
    )
    final.columns = [f"@{c} queries" for c in final.columns]
    hit = runs.groupby(["optimizer", "seed"], sort=False)["incumbent"].max().ge(best - 1e-6)
    final["found optimum"] = hit.groupby(level=0, sort=False).mean().map("{:.0%}".format)
    print(final.round(2).to_string())
    print(f"(table optimum {best:.2f})\n")
    runs.to_csv(out / "search_runs.csv", index=False)
    from nasbench_kit.plots import plot_incumbents

    plot_incumbents(
        runs,
        x="step",
        ylabel="incumbent test accuracy (%)",
        title=f"{bench.name}: mean and 95% CI over {seeds} seeds",
        reference=best,
        path=out / "search_incumbent.png",
    )
    return runs


def _predictors(bench, seeds: int, sizes: list[int], out: Path) -> pd.DataFrame:
    from nasbench_kit.predictors import GINPredictor, RandomForestPredictor, XGBPredictor
    from nasbench_kit.study import predictor_study

    print(
        f"== 3. Predictor study on {bench.name} ({METRIC}; train sizes {sizes}, {seeds} seeds) =="
    )
    preds = {"xgb": XGBPredictor(), "rf": RandomForestPredictor(), "gin": GINPredictor()}
    df = predictor_study(bench, METRIC, preds, train_sizes=sizes, seeds=range(seeds), test=2000)
    table = df.pivot_table(
        index="predictor", columns="train_size", values="kendall_tau", aggfunc="mean", sort=False
    )
    table.columns = [f"tau@{c}" for c in table.columns]
    table["fit s"] = df.groupby("predictor", sort=False)["fit_seconds"].mean()
    print(table.round(3).to_string())
    print(f"({df.attrs['split_note']})")
    df.to_csv(out / "predictor_study.csv", index=False)
    from nasbench_kit.plots import plot_tau_vs_train_size

    plot_tau_vs_train_size(
        df,
        title=f"{bench.name}: Kendall tau on 2,000 held-out cells",
        path=out / "predictor_tau.png",
    )
    return df


LIVE_CELLS = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|",
)


def _live(out: Path) -> None:
    """NB201 cells trained on digits (seconds each), then read back from the store."""
    store = out / "live-results.sqlite"
    print("\n== 4. Live training: NB201 cells on digits (preset fast-digits, 3 epochs) ==")
    live = nbk.LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0, store=store)
    answers = []
    for cell in LIVE_CELLS:
        stored = len(live.store)
        t0 = time.perf_counter()
        r = live.query(cell, "val_acc")
        how = "read from the store" if len(live.store) == stored else "trained"
        print(f"{cell}  val acc {r.value:5.1f}% (chance 10%)  {how} in "
              f"{time.perf_counter() - t0:.1f} s, training cost {r.cost:.1f} s")  # fmt: skip
        answers.append(r)
    first = answers[0]
    print(f"provenance: {first.provenance}")
    again = nbk.LiveEvaluator("nb201", dataset="digits", epochs=3, seed=0, store=store)
    t0 = time.perf_counter()
    hit = again.query(LIVE_CELLS[0], "val_acc")
    print(f"a new evaluator on the same store: {1e3 * (time.perf_counter() - t0):.1f} ms, "
          f"same value: {hit.value == first.value}  ({store})\n")  # fmt: skip


def _surrogate_fallback() -> None:
    """A surrogate fitted on part of a table; a chain answering the rest of the space."""
    import numpy as np
    from scipy.stats import kendalltau

    table = nbk.load("nbgraph/proteins")
    space = table.space
    print(f"== 5. Surrogate + fallback on {table.name} ({len(table):,} of "
          f"{space.n_architectures:,} architectures, val_acc) ==")  # fmt: skip
    archs = table.archs()
    order = np.random.default_rng(0).permutation(len(archs))
    train, held = [archs[i] for i in order[:500]], [archs[i] for i in order[500:1000]]
    t0 = time.perf_counter()
    sur = nbk.fit_surrogate(table, metrics=["val_acc"], archs=train, model="xgb",
                            n_members=2, seed=0)  # fmt: skip
    tau = kendalltau(sur.query_many(held, "val_acc"), table.query_many(held, "val_acc"))[0]
    print(f"fitted on 500 rows in {time.perf_counter() - t0:.1f} s; Kendall tau on 500 "
          f"held-out rows: {tau:.2f}")  # fmt: skip
    chain = nbk.Fallback([table, sur])
    unseen = next(a for a in (space.sample(seed=i) for i in range(1000)) if a not in table)
    for arch in (archs[order[0]], unseen):
        r = chain.query(arch, "val_acc")
        print(f"{arch.to_string():<28} {r.value:6.2f} {r.unit}  from {r.provenance}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo-results")
    parser.add_argument("--quick", action="store_true", help="fewer seeds, for smoke tests")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    _identity()
    bench = nbk.load(BENCH)
    print(
        f"Loaded {bench.name}: {len(bench):,} architectures, metrics {', '.join(bench.metrics[:5])}, ...\n"
    )
    if args.quick:
        _search(bench, seeds=2, queries=40, out=out)
        _predictors(bench, seeds=1, sizes=[50], out=out)
    else:
        _search(bench, seeds=8, queries=100, out=out)
        _predictors(bench, seeds=2, sizes=[50, 200], out=out)
    _live(out)
    _surrogate_fallback()
    print(f"\nPlots and CSVs in {out}/  ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
