"""Surrogate validation study, as NAS-Bench-301 did it: ranking quality, search fidelity, noise, speed.

Parts (each writes rows to the CSVs below and a section of the markdown):

- ``nb201``: NB-201 CIFAR-10-valid 200-epoch ``val_acc`` (the shared seed-mean
  CSV). Fit on 100 / 1,000 / 5,000 random cells, score Kendall tau and
  Spearman on the remaining cells, next to single predictors fitted on the same
  cells; then RS, REA, LS and BANANAS on the surrogate (fitted on 1,000 cells)
  and on the true table; the incumbent found on the surrogate is scored by its
  TRUE table value (as NB301 did) and by the surrogate's own value; and the
  surrogate's noise next to the spread between isomorphic twins in the table.
- ``nbgraph``: the same on the embedded ``nbgraph/cora`` ``val_acc``.
- ``darts``: 5-fold cross-validation on the 725 NB301-space cells of
  NAS-Bench-Suite-Zero (no truth for search).
- ``nb101``: 5-fold cross-validation on the real NB101 cells of the shared file.
- ``speed``: ``query_many`` over 10,000 random DARTS archs, and REA (20 seeds x
  100 queries) on the DARTS surrogate with 2 workers.

Outputs in ``--out`` (default ``benchmarks/results``): ``surrogate_study.md``,
``surrogate_study_tau.csv``, ``surrogate_study_search.csv`` (final incumbents
per seed), ``surrogate_study_curves.csv``, ``surrogate_study_noise.csv`` and
``surrogate_study_<part>_search.png``. The timing part writes its own
``surrogate_study_speed.md`` / ``.csv`` so it can be re-run alone on a quiet
machine without touching the other results:

    python benchmarks/surrogate_study.py --parts speed

Usage: ``python benchmarks/surrogate_study.py [--quick] [--parts nb201,nbgraph,darts,nb101]
[--seeds 30] [--queries 150] [--repeats 3] [--sizes 100,1000,5000]
[--optimizers rs,rea,ls,bananas] [--baselines xgb,linear,rf,gp] [--workers 2] [--out DIR]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr

import nasbench_kit as nbk
from nasbench_kit.optimizers import Bananas, LocalSearch, RandomSearch, RegularizedEvolution
from nasbench_kit.predictors import make_predictor

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parent / "results"
OPTIMIZERS: dict[str, Callable[[str, int], Any]] = {
    "rs": lambda sp, s: RandomSearch(sp, seed=s),
    "rea": lambda sp, s: RegularizedEvolution(sp, seed=s),
    "ls": lambda sp, s: LocalSearch(sp, seed=s),
    "bananas": lambda sp, s: Bananas(sp, refit_every=5, seed=s),
}
Rows = list[dict[str, Any]]


def _load(part: str) -> tuple[Any, str] | None:
    files = {"nb201": ("nb201-csv", "nb201/nb201_cifar10-valid_200ep_seedavg.csv", "nb201/cifar10-valid"),
             "darts": ("zc-json", "nb301/naslib_zc_nasbench301.json", "nb301/zc"),
             "nb101": ("zc-json", "nb101/naslib_zc_nasbench101.json", "nb101/zc")}  # fmt: skip
    if part == "nbgraph":
        return nbk.load("nbgraph/cora"), "val_acc"
    fmt, rel, name = files[part]
    if not (SHARED / rel).exists():
        print(f"skip {part}: {SHARED / rel} not found")
        return None
    return nbk.load(nbk.import_table(fmt, SHARED / rel, name=name)), "val_acc"


def _scores(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    ok = np.isfinite(true)
    return {"kendall_tau": float(kendalltau(pred[ok], true[ok])[0]),
            "spearman": float(spearmanr(pred[ok], true[ok])[0])}  # fmt: skip


def _baselines(names: Sequence[str], train: list[Any], y: np.ndarray, test: list[Any],
               n: int) -> Rows:  # fmt: skip
    rows = []
    for name in names:
        if name in ("gp", "gin") and n > 1000:
            continue  # cubic / slow: skipped at large n
        t = time.perf_counter()
        p = make_predictor(name, seed=0).fit(train, y).predict(test)
        rows.append({"model": name, "pred": p, "fit_s": time.perf_counter() - t})
    return rows


def _surrogate_rows(bench: Any, metric: str, train: list[Any], seed: int, test: list[Any],
                    ablate: bool) -> tuple[Any, Rows]:  # fmt: skip
    t = time.perf_counter()
    sur = nbk.fit_surrogate(bench, [metric], archs=train, seed=seed, progress=False)
    rows = [{"model": "surrogate", "pred": sur.query_many(test, metric),
             "fit_s": time.perf_counter() - t}]  # fmt: skip
    if ablate:  # without the memory of isomorphic training classes
        plain = nbk.fit_surrogate(bench, [metric], archs=train, seed=seed, memorize=False,
                                  progress=False)  # fmt: skip
        rows.append({"model": "surrogate (no memory)", "pred": plain.query_many(test, metric),
                     "fit_s": np.nan})  # fmt: skip
    return sur, rows


def random_split_part(part: str, bench: Any, metric: str, sizes: Sequence[int], repeats: int,
                      baselines: Sequence[str]) -> tuple[Rows, dict[int, Any]]:  # fmt: skip
    """Tau/Spearman on the rest of the table for each training size; surrogates of rep 0."""
    archs = bench.archs()
    y = bench.query_many(archs, metric)
    iso = np.array([a.iso_hash for a in archs])
    rows, kept = [], {}
    for n in sizes:
        for rep in range(repeats):
            perm = np.random.default_rng(rep).permutation(len(archs))
            tr, te = perm[:n], perm[n:]
            train, test = [archs[i] for i in tr], [archs[i] for i in te]
            sur, preds = _surrogate_rows(bench, metric, train, rep, test, ablate=n == 1000)
            if rep == 0:
                kept[n] = sur
            preds += _baselines(baselines, train, y[tr], test, n)
            unseen = ~np.isin(iso[te], iso[tr])
            for r in preds:
                rows.append({"part": part, "train_size": n, "rep": rep, "model": r["model"],
                             **_scores(r["pred"], y[te]), "fit_s": r["fit_s"],
                             "kendall_tau_unseen": _scores(r["pred"][unseen], y[te][unseen])[
                                 "kendall_tau"], "n_test": len(te)})  # fmt: skip
            print(f"  {part} n={n} rep={rep}: " + ", ".join(
                f"{r['model']} {rows[-len(preds) + i]['kendall_tau']:.4f}"
                for i, r in enumerate(preds)), flush=True)  # fmt: skip
    return rows, kept


def kfold_part(part: str, bench: Any, metric: str, k: int, baselines: Sequence[str]) -> Rows:
    """k-fold tau on a small table (every cell held out once)."""
    archs = bench.archs()
    y = bench.query_many(archs, metric)
    ok = np.flatnonzero(np.isfinite(y))
    folds = np.array_split(np.random.default_rng(0).permutation(ok), k)
    rows = []
    for f, te in enumerate(folds):
        tr = np.setdiff1d(ok, te)
        train, test = [archs[i] for i in tr], [archs[i] for i in te]
        _, preds = _surrogate_rows(bench, metric, train, f, test, ablate=False)
        preds += _baselines(baselines, train, y[tr], test, len(tr))
        for r in preds:
            rows.append({"part": part, "train_size": f"{k}-fold, ~{len(ok) - len(ok) // k}",
                         "rep": f, "model": r["model"],
                         **_scores(r["pred"], y[te]), "fit_s": r["fit_s"], "n_test": len(te)})
        print(f"  {part} fold {f}: " + ", ".join(
            f"{r['model']} {rows[-len(preds) + i]['kendall_tau']:.4f}"
            for i, r in enumerate(preds)), flush=True)  # fmt: skip
    return rows


# ---- search on the surrogate vs the table ---------------------------------------------
def search_part(part: str, bench: Any, sur: Any, metric: str, seeds: int, queries: int,
                workers: int, out: Path, optimizers: Sequence[str]) -> tuple[Rows, pd.DataFrame]:  # fmt: skip
    """Final incumbents per seed (table / surrogate own / surrogate's pick by truth) + curves."""
    space = bench.space.name
    truth = dict(zip((a.to_string() for a in bench.archs()), bench.query_many(bench.archs(), metric)))
    rows, curves = [], []
    for name in optimizers:
        make = OPTIMIZERS[name]
        runs = {}
        for label, ev in (("table", bench), ("surrogate", sur)):
            t = time.perf_counter()
            runs[label] = nbk.run_many(lambda s, m=make: m(space, s), ev, metric,
                                       seeds=range(seeds), max_queries=queries, workers=workers,
                                       dedupe_isomorphic=True, progress=False)  # fmt: skip
            print(f"  {part} {name} on {label}: {time.perf_counter() - t:.1f} s", flush=True)
        for s, d in runs["surrogate"].groupby("seed"):
            best = np.maximum.accumulate(np.nan_to_num(d["value"].to_numpy(), nan=-np.inf))
            first = [int(np.argmax(d["value"].to_numpy()[: i + 1] == b)) for i, b in enumerate(best)]
            picked = d["arch"].to_numpy()[first]
            true_inc = np.array([truth[a] for a in picked])
            tab = runs["table"][runs["table"]["seed"] == s]["incumbent"].to_numpy()
            rows.append({"part": part, "optimizer": name, "seed": s, "table": tab[-1],
                         "surrogate_own": best[-1], "surrogate_truth": true_inc[-1]})  # fmt: skip
            curves.append(pd.DataFrame({"part": part, "optimizer": name, "seed": s,
                                        "step": np.arange(1, len(tab) + 1), "table": tab,
                                        "surrogate_own": best, "surrogate_truth": true_inc}))  # fmt: skip
    curve = pd.concat(curves, ignore_index=True)
    _plot_search(part, curve, out)
    return rows, curve


def _plot_search(part: str, curve: pd.DataFrame, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = (("table", "on the table"), ("surrogate_truth", "on the surrogate (true value)"),
            ("surrogate_own", "on the surrogate (surrogate value)"))  # fmt: skip
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
    for ax, (col, title) in zip(axes, cols):
        for name, g in curve.groupby("optimizer", sort=False):
            m = g.groupby("step")[col].agg(["mean", "std", "count"])
            half = 1.96 * m["std"] / np.sqrt(m["count"])
            ax.plot(m.index, m["mean"], label=name)
            ax.fill_between(m.index, m["mean"] - half, m["mean"] + half, alpha=0.2)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("queries")
    axes[0].set_ylabel("mean incumbent (95% interval)")
    lo = curve.groupby(["optimizer", "step"])["table"].mean().xs(10, level="step").min()
    hi = max(curve[c].max() for c, _ in cols)
    axes[0].set_ylim(lo, hi + 0.05 * (hi - lo))
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{part}: search on the table vs on the surrogate", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / f"surrogate_study_{part}_search.png", dpi=110)
    plt.close(fig)


# ---- noise ---------------------------------------------------------------------------
def noise_part(part: str, bench: Any, sur: Any, metric: str) -> Rows:
    """Surrogate noise sd (held-out archs) vs |error| and the spread of isomorphic twins."""
    archs = bench.archs()
    y = bench.query_many(archs, metric)
    draws = np.stack([sur.query_many(archs, metric, seed=s) for s in range(5)])
    mean = sur.query_many(archs, metric)
    sd = draws.std(axis=0, ddof=1)
    groups: dict[str, list[float]] = {}
    for a, v in zip(archs, y.tolist()):
        groups.setdefault(a.iso_hash, []).append(v)
    twins = [np.std(v, ddof=1) for v in groups.values() if len(v) > 1 and np.isfinite(v).all()]
    ok = np.isfinite(y)
    return [{"part": part, "surrogate_noise_sd_mean": float(sd.mean()),
             "surrogate_noise_sd_median": float(np.median(sd)),
             "abs_error_mean": float(np.mean(np.abs(mean - y)[ok])),
             "twin_sd_mean": float(np.mean(twins)) if twins else np.nan,
             "twin_sd_median": float(np.median(twins)) if twins else np.nan,
             "twin_classes": len(twins), "table_seeds": len(bench.seeds),
             "noise_kind": sur.metadata["metrics"][metric]["noise"]}]  # fmt: skip


# ---- speed ---------------------------------------------------------------------------
def speed_part(bench: Any, metric: str, workers: int) -> Rows:
    """query_many over 10,000 random DARTS archs; REA 20 seeds x 100 queries on the surrogate."""
    sur = nbk.fit_surrogate(bench, [metric], seed=0, progress=False)
    space = nbk.get_space("darts")
    rng = np.random.default_rng(0)
    archs = [space.sample(seed=rng) for _ in range(10_000)]
    sur.query_many(archs[:100], metric)  # warm-up (imports, first predict)
    rows = []
    for label, kw in (("query_many mean", {}), ("query_many noisy (seed=1)", {"seed": 1})):
        best_w, best_c = np.inf, np.inf
        for _ in range(3):
            w, c = time.perf_counter(), time.process_time()
            sur.query_many(archs, metric, **kw)
            best_w = min(best_w, time.perf_counter() - w)
            best_c = min(best_c, time.process_time() - c)
        rows.append({"what": f"{label}, 10,000 DARTS archs (best of 3)", "value":
                     best_w / len(archs) * 1e6, "unit": "us/arch wall", "target": "<= 50",
                     "cpu": best_c / len(archs) * 1e6})  # fmt: skip
    w, c = time.perf_counter(), time.process_time()
    nbk.run_many(lambda s: RegularizedEvolution("darts", seed=s), sur, metric, seeds=range(20),
                 max_queries=100, workers=workers, progress=False)  # fmt: skip
    rows.append({"what": f"REA 20 seeds x 100 queries on the DARTS surrogate, {workers} workers "
                 "(optimizer included)", "value": time.perf_counter() - w, "unit": "s wall",
                 "target": "<= 30", "cpu": time.process_time() - c})  # fmt: skip
    return rows


def write_speed(out: Path, speed: pd.DataFrame, workers: int) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text = ("# Surrogate study: speed\n\nGenerated by `python benchmarks/surrogate_study.py "
            f"--parts speed --workers {workers}` (Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, load average {load:.1f} at the end; 'cpu' is this process's "
            "CPU time in the same unit, workers excluded). The surrogate is fitted on the 725 "
            "NB301-space cells.\n\n" + _md(speed) + "\n")
    (out / "surrogate_study_speed.md").write_text(text)
    speed.to_csv(out / "surrogate_study_speed.csv", index=False)


# ---- report --------------------------------------------------------------------------
def _tau_table(tau: pd.DataFrame) -> list[str]:
    lines = []
    for part, g in tau.groupby("part", sort=False):
        lines += [f"\n### {part}\n", "| train cells | model | Kendall tau | Spearman | tau (unseen "
                  "classes) | fit s | splits |", "|---|---|---|---|---|---|---|"]  # fmt: skip
        for (n, model), h in g.groupby(["train_size", "model"], sort=False):
            un = h.get("kendall_tau_unseen", pd.Series(dtype=float)).mean()
            lines.append(f"| {n} | {model} | {h.kendall_tau.mean():.4f} ± {h.kendall_tau.std():.4f} | "
                         f"{h.spearman.mean():.4f} | {'' if pd.isna(un) else f'{un:.4f}'} | "
                         f"{h.fit_s.mean():.1f} | {len(h)} |")  # fmt: skip
    return lines


def _search_table(search: pd.DataFrame) -> list[str]:
    lines = []
    for part, g in search.groupby("part", sort=False):
        m = g.groupby("optimizer", sort=False)[["table", "surrogate_truth", "surrogate_own"]].mean()
        lines += [f"\n### {part} ({g.seed.nunique()} seeds)\n",
                  "| optimizer | table | surrogate, true value | gap | surrogate, own value | gap |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for name, r in m.iterrows():
            lines.append(f"| {name} | {r.table:.3f} | {r.surrogate_truth:.3f} | "
                         f"{r.surrogate_truth - r.table:+.3f} | {r.surrogate_own:.3f} | "
                         f"{r.surrogate_own - r.table:+.3f} |")  # fmt: skip
        order = {c: " > ".join(m[c].sort_values(ascending=False).index) for c in m.columns}
        lines += ["", f"Ranking on the table: {order['table']}; on the surrogate (true value): "
                  f"{order['surrogate_truth']}; (surrogate value): {order['surrogate_own']}."]
    return lines


def _md(df: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |\n|" + "---|" * len(df.columns)
    return head + "".join("\n| " + " | ".join(cell(v) for v in r) + " |"
                          for r in df.itertuples(index=False))  # fmt: skip


def write_report(out: Path, tau: pd.DataFrame, search: pd.DataFrame, noise: pd.DataFrame,
                 args: argparse.Namespace, wall: float) -> None:  # fmt: skip
    lines = ["# Surrogate study", "",
             f"Generated by `python benchmarks/surrogate_study.py {' '.join(args.argv)}` "
             f"(parts {args.parts}; {args.repeats} random splits; search: {args.seeds} seeds x "
             f"{args.queries} queries; Python {platform.python_version()}, {os.cpu_count()} CPUs, "
             f"shared machine; {wall / 60:.0f} min). Kendall tau and Spearman on the cells not "
             "used for fitting; 'tau (unseen classes)': only test cells with no isomorphic twin "
             "among the training cells. Baselines are this package's predictors with default "
             "settings fitted on the same cells (gp/gin skipped above 1,000 cells).", "",
             "## Ranking quality"]  # fmt: skip
    lines += _tau_table(tau) if len(tau) else ["(no part run)"]
    lines += ["", "## Search on the surrogate vs on the table",
              "Mean final incumbent over seeds; the surrogate was fitted on 1,000 cells. "
              "'true value': the table's value of the architecture the search found best on "
              "the surrogate (as NAS-Bench-301 scored it)."]  # fmt: skip
    lines += _search_table(search) if len(search) else ["(not run)"]
    lines += ["", "## Noise", "", _md(noise) if len(noise) else "(not run)", "",
              "## Speed", "", "See `surrogate_study_speed.md` (`python benchmarks/surrogate_study.py "
              "--parts speed`; re-run on a quiet machine)."]
    (out / "surrogate_study.md").write_text("\n".join(lines) + "\n")


def _csv(text: str) -> list[str]:
    return [t for t in text.split(",") if t]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, few seeds (minutes)")
    ap.add_argument("--parts", default="nb201,nbgraph,darts,nb101",
                    help="comma list of nb201,nbgraph,darts,nb101,speed (speed: timing only)")
    ap.add_argument("--seeds", type=int, default=None, help="search seeds (default 30; quick 4)")
    ap.add_argument("--queries", type=int, default=None, help="queries per search (150; quick 40)")
    ap.add_argument("--repeats", type=int, default=None, help="random splits per size (3; quick 1)")
    ap.add_argument("--sizes", default=None, help="training sizes (100,1000,5000; quick 100,1000)")
    ap.add_argument("--optimizers", default=",".join(OPTIMIZERS), help="search optimizers")
    ap.add_argument("--baselines", default="xgb,linear,rf,gp", help="single predictors to compare")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    quick = args.quick
    args.seeds = args.seeds or (4 if quick else 30)
    args.queries = args.queries or (40 if quick else 150)
    args.repeats = args.repeats or (1 if quick else 3)
    sizes = [int(n) for n in _csv(args.sizes or ("100,1000" if quick else "100,1000,5000"))]
    baselines = tuple(_csv(args.baselines))
    parts = _csv(args.parts)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tau, search, noise, curves = [], [], [], []
    for part in parts:
        if part == "speed":
            continue
        loaded = _load(part)
        if loaded is None:
            continue
        bench, metric = loaded
        print(f"== {part}: {bench!r}", flush=True)
        if part in ("nb201", "nbgraph"):
            rows, kept = random_split_part(part, bench, metric, sizes, args.repeats, baselines)
            tau += rows
            sur = kept[1000 if 1000 in kept else max(kept)]
            s_rows, curve = search_part(part, bench, sur, metric, args.seeds, args.queries,
                                        args.workers, args.out, _csv(args.optimizers))  # fmt: skip
            search += s_rows
            curves.append(curve)
            noise += noise_part(part, bench, sur, metric)
        elif part in ("darts", "nb101"):
            tau += kfold_part(part, bench, metric, 3 if quick else 5, baselines)
        _save(args, tau, search, noise, curves, time.perf_counter() - start)  # after every part
    if "speed" in parts:
        loaded = _load("darts")
        if loaded is not None:
            print("== speed", flush=True)
            speed = pd.DataFrame(speed_part(*loaded, args.workers))
            write_speed(args.out, speed, args.workers)
            print((args.out / "surrogate_study_speed.md").read_text())
    if [p for p in parts if p != "speed"]:
        print((args.out / "surrogate_study.md").read_text())
    return 0


def _save(args: argparse.Namespace, tau: Rows, search: Rows, noise: Rows,
          curves: list[pd.DataFrame], wall: float) -> None:  # fmt: skip
    frames = {"tau": pd.DataFrame(tau), "search": pd.DataFrame(search),
              "noise": pd.DataFrame(noise)}  # fmt: skip
    for key, df in frames.items():
        if len(df):
            df.to_csv(args.out / f"surrogate_study_{key}.csv", index=False)
    if curves:
        pd.concat(curves).to_csv(args.out / "surrogate_study_curves.csv", index=False)
    write_report(args.out, *frames.values(), args, wall)


if __name__ == "__main__":
    sys.exit(main())
