"""Tables, CSVs and plots of the search study (``benchmarks/search_study.py``).

Every function takes finished trajectories (the frames ``run_many`` returns,
with ``wall_s`` / ``cpu_s`` / ``load`` added to ``attrs`` by the study) and
writes or formats them; nothing here runs a search.

Queries to the optimum are counted over *all* seeds: a seed that never reaches
the table optimum counts as "more than the budget", so a median or quartile
that falls on such a seed is printed as ``> budget``.

>>> import pandas as pd
>>> df = pd.DataFrame({"seed": [0, 0, 1, 1], "step": [1, 2, 1, 2], "time": 0.0,
...                    "incumbent": [90.0, 95.0, 91.0, 93.0]})
>>> df.attrs.update(optimum=95.0, maximize=[True], wall_s=0.1, cpu_s=0.1)
>>> row = summary_row("demo", "x", df, "x")
>>> row["final_mean"], row["found"], _q(row["q50"], budget=2)
(94.0, 0.5, '>2')
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NOT_FOUND = 1e9  # stands for "not reached within the budget" in the quartiles


def by_queries(df: pd.DataFrame) -> np.ndarray:
    """Seeds x queries matrix of incumbents (NaN past a seed's last query)."""
    rows = [d["incumbent"].to_numpy(dtype=float) for _, d in df.groupby("seed")]
    width = max(len(r) for r in rows)
    return np.vstack([np.pad(r, (0, width - len(r)), constant_values=np.nan) for r in rows])


def band(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95% half-width over seeds; NaN where fewer than half the seeds have a value."""
    n = np.sum(~np.isnan(mat), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(mat, axis=0)
        half = 1.96 * np.nanstd(mat, axis=0, ddof=1) / np.sqrt(n)
    sparse = n < max(2, mat.shape[0] / 2)
    return np.where(sparse, np.nan, mean), np.where(sparse, np.nan, half)


def by_time(df: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
    """Seeds x grid matrix of incumbents carried forward in simulated time."""
    rows = []
    for _, d in df.groupby("seed"):
        t, inc = d["time"].to_numpy(), d["incumbent"].to_numpy(dtype=float)
        idx = np.searchsorted(t, grid, side="right") - 1
        rows.append(np.where(idx >= 0, inc[np.clip(idx, 0, None)], np.nan))
    return np.vstack(rows)


def queries_to_optimum(df: pd.DataFrame) -> np.ndarray:
    """Per seed: the first query whose incumbent is the optimum; ``NOT_FOUND`` otherwise."""
    opt = float(df.attrs.get("optimum", math.nan))
    maximize = bool(df.attrs.get("maximize", [True])[0])
    out = []
    for _, d in df.groupby("seed"):
        inc = d["incumbent"].to_numpy(dtype=float)
        ok = (inc >= opt - 1e-9) if maximize else (inc <= opt + 1e-9)
        hit = np.isfinite(opt) and ok.any()
        out.append(float(d["step"].to_numpy()[ok][0]) if hit else NOT_FOUND)
    return np.asarray(out)


def _at(mat: np.ndarray, q: int) -> float:
    col = mat[:, min(q, mat.shape[1]) - 1]
    return float(np.nanmean(col)) if np.any(~np.isnan(col)) else math.nan


def summary_row(task: str, name: str, df: pd.DataFrame, label: str) -> dict[str, Any]:
    """One table row: incumbents @50/@100, final, optimum hits, queries to it, cost."""
    mat = by_queries(df)
    finals = df.groupby("seed")["incumbent"].last().to_numpy(dtype=float)
    hits = queries_to_optimum(df)
    q25, q50, q75 = np.percentile(hits, [25, 50, 75])
    seeds = len(finals)
    return {
        "task": task, "optimizer": name, "configuration": label, "seeds": seeds,
        "queries": int(mat.shape[1]), "at50": _at(mat, 50), "at100": _at(mat, 100),
        "found_at100": float(np.mean(hits <= 100)), "final_mean": float(np.mean(finals)),
        "final_ci95": float(1.96 * np.std(finals, ddof=1) / math.sqrt(seeds)) if seeds > 1 else 0.0,
        "found": float(np.mean(hits < NOT_FOUND)), "q25": float(q25), "q50": float(q50),
        "q75": float(q75), "optimum": float(df.attrs.get("optimum", math.nan)),
        "cpu_s_per_run": float(df.attrs.get("cpu_s", math.nan)) / seeds,
        "wall_s": float(df.attrs.get("wall_s", math.nan)),
        "hv_ref": _ref(df.attrs.get("hv_ref")),
        "load": list(df.attrs.get("load", [])),
    }  # fmt: skip


def _ref(ref: Any) -> str:
    return "None" if ref is None else "(" + ", ".join(f"{float(v):.3f}" for v in ref) + ")"


def _f(x: float, nd: int = 3) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def _q(x: float, budget: int) -> str:
    if x >= NOT_FOUND or x > budget:
        return f">{budget}"
    return f"{x:g}"


def table(rows: list[dict[str, Any]], with_task: bool = False) -> list[str]:
    """Markdown table of ``summary_row`` dicts."""
    head = ("| " + ("task | " if with_task else "") + "optimizer | configuration | seeds | queries "
            "| @50 | @100 | found by 100 | final (± 95%) | found | queries to optimum, median "
            "(q25–q75) | CPU s / run | wall s |")  # fmt: skip
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        budget = r["queries"]
        qto = f"{_q(r['q50'], budget)} ({_q(r['q25'], budget)}–{_q(r['q75'], budget)})"
        lines.append(
            "| " + (f"{r['task']} | " if with_task else "") + f"`{r['optimizer']}` | "
            f"{r['configuration']} | {r['seeds']} | {budget} | {_f(r['at50'])} | "
            f"{_f(r['at100'])} | {r['found_at100']:.0%} | {_f(r['final_mean'])} ± "
            f"{_f(r['final_ci95'])} | {r['found']:.0%} | {qto} | {_f(r['cpu_s_per_run'], 2)} | "
            f"{_f(r['wall_s'], 1)} |"
        )
    return lines


def async_table(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown table of ``async_study.summary_rows`` dicts."""
    lines = [
        "| optimizer | workers | seeds | median queries | inc@50k s | inc@150k s | inc@600k s "
        "| final (± 95%) | reach (fraction) | reach/hit | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['optimizer']}` | {r['workers']} | {r['seeds']} | {r['median_queries']:.0f} | "
            f"{r['inc_at_50000s']:.3f} | {r['inc_at_150000s']:.3f} | {r['inc_at_600000s']:.3f} | "
            f"{r['final_mean']:.3f} ± {r['final_ci95']:.3f} | {r['reach_ratio_median']:.2f} "
            f"({r['reach_fraction']:.2f}) | {r['reach_vs_hit_median']:.2f} | {r['wall_s']:.1f} |"
        )
    return lines


def write_csvs(task: str, results: dict[str, pd.DataFrame], out: Path) -> None:
    """Mean incumbent per query (with 95% half-width) and one summary row per seed."""
    curves, per_seed = [], []
    for name, df in results.items():
        mean, half = band(by_queries(df))
        curves.append(pd.DataFrame({"optimizer": name, "step": np.arange(1, len(mean) + 1),
                                    "incumbent_mean": mean, "incumbent_ci95": half}))
        finals = df.groupby("seed")["incumbent"].last()
        hits = queries_to_optimum(df)
        per_seed.append(pd.DataFrame({
            "optimizer": name, "seed": finals.index, "final_incumbent": finals.to_numpy(),
            "queries_to_optimum": np.where(hits < NOT_FOUND, hits, np.nan),
        }))  # fmt: skip
    pd.concat(curves).to_csv(out / f"search_study_{task}_curves.csv", index=False)
    pd.concat(per_seed).to_csv(out / f"search_study_{task}_seeds.csv", index=False)


def plot_task(task: str, title: str, results: dict[str, pd.DataFrame], out: Path) -> str:
    """Incumbent vs queries (and vs simulated time when the table has costs); hit box plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    has_time = any(df["time"].iloc[-1] > 0 for df in results.values())
    fig, axes = plt.subplots(1, 3 if has_time else 2, figsize=(16 if has_time else 11, 4.2))
    ax_q, ax_d = axes[0], axes[-1]
    means = {name: band(by_queries(df)) for name, df in results.items()}
    for name, (mean, half) in means.items():
        x = np.arange(1, len(mean) + 1)
        ax_q.plot(x, mean, label=name)
        ax_q.fill_between(x, mean - half, mean + half, alpha=0.2)
    opt = next(iter(results.values())).attrs.get("optimum", np.nan)
    lo = np.nanmin([m[min(9, len(m) - 1)] for m, _ in means.values()])
    top = opt if np.isfinite(opt) else np.nanmax([np.nanmax(m) for m, _ in means.values()])
    for ax in axes[:-1]:
        if np.isfinite(opt):
            ax.axhline(opt, color="k", lw=0.8, ls="--", label="table optimum")
        ax.set_ylabel("incumbent" + (" (hypervolume)" if "latency" in task else ""))
        ax.set_ylim(lo, top + 0.05 * (top - lo))
    ax_q.set_xlabel("queries")
    ax_q.legend(fontsize=8)
    if has_time:
        timed = [df for df in results.values() if df["time"].max() > 0]
        grid = np.geomspace(min(df.loc[df["time"] > 0, "time"].min() for df in timed),
                            max(df["time"].max() for df in timed), 200)  # fmt: skip
        for name, df in results.items():
            mean, half = band(by_time(df, grid))
            axes[1].plot(grid, mean, label=name)
            axes[1].fill_between(grid, mean - half, mean + half, alpha=0.2)
        axes[1].set_xscale("log")
        axes[1].set_xlabel("simulated time (s)")
    hits = []
    for df in results.values():
        budget = df.groupby("seed").size().max()
        hits.append(np.minimum(queries_to_optimum(df), budget + 10))
    ax_d.boxplot(hits)
    ax_d.set_xticks(range(1, len(results) + 1), list(results))
    ax_d.set_ylabel("queries to optimum (not found: budget + 10)")
    ax_d.tick_params(axis="x", rotation=30)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = out / f"search_study_{task}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


DEFINITIONS = (
    "`@50` / `@100` = mean incumbent after 50 / 100 queries; `found by 100` = share of seeds "
    "whose incumbent is the table optimum within 100 queries; final = mean ± 95% interval "
    "at the budget (`queries`); `found` = share of seeds at the optimum by the budget; queries "
    "to optimum = median (quartiles) over *all* seeds, a seed that never reaches it counting as "
    "more than the budget (`>N`). `CPU s / run` = CPU seconds of the driver and its worker "
    "processes over the row, per seed; `wall s` = the whole row."
)
HV_NOTE = (
    "The multi-objective incumbent is the hypervolume of the front found so far w.r.t. a "
    "reference point `hv_ref`, dominated by every point of the table's true front: by default "
    "(`run_search(..., hv_ref=None)`) each metric's worst value on the true front, pushed out by "
    "10% of the front's range in that metric (`nasbench_kit.search.spec.default_hv_ref`). The "
    "optimum is the true front's hypervolume w.r.t. the same point, so `found` = the whole "
    "front recovered. Hypervolumes are in (% accuracy) x (ms) and comparable only with the same "
    "reference point."
)


def _loads(rows: list[dict[str, Any]], extra: list[float]) -> str:
    vals = [float(x) for r in rows for x in r.get("load", [])] + list(extra)
    return f"{min(vals):.1f}–{max(vals):.1f}" if vals else "not recorded"


def document(cmd: str, workers: int, tasks: list[Any], summary: list[dict[str, Any]],
             async_rows: list[dict[str, Any]], async_info: list[str], speed: str,
             pngs: list[str], staged: bool = False) -> str:
    """The whole ``search_study.md``."""
    loads = [float(x) for x in async_info[1:]]
    lines = [
        "# Search study", "", f"Command: `{cmd}`", "",
        f"Timing: **loaded machine** -- a shared 2-core machine running other jobs (1-minute "
        f"load average {_loads(summary, loads)} during the runs), {workers} worker processes, "
        "the study under `nice -n 5`. The quality columns are deterministic given the seeds "
        "(a re-run gives the same numbers); `CPU s / run` and `wall s` are not -- re-measure them "
        "on a quiet machine before quoting seconds."
        + (" Rows were read from a `--cache` folder filled by earlier staged calls (`--only`, "
           "partly run side by side); each row's timings are those of the call that ran it."
           if staged else ""), "",
        "`dedupe_isomorphic=True` for every run except the asynchronous rows (isomorphic "
        "repeats are told for free and do not count as queries). " + DEFINITIONS, "",
    ]  # fmt: skip
    main = [r for r in summary if r["task"] == "nb201-cifar10-valid"]
    if main:
        lines += [f"## NB-201 CIFAR-10-valid (200-epoch validation accuracy, optimum "
                  f"{main[0]['optimum']:.3f})", "", *table(main), ""]
        if speed:
            lines += [f"Speed: {speed}.", ""]
    if async_rows:
        lines += ["## Asynchronous workers (NB-201 CIFAR-10-valid, `sim_workers` 1 / 4 / 16)", "",
                  "Runs of `benchmarks/async_study.py`'s configuration through this script: cost = "
                  "each architecture's training time (`train_time`), Syne-Tune simulator semantics "
                  f"(`run_many(..., sim_workers=k)`); {async_info[0]}. `inc@t` = mean incumbent at "
                  "simulated time t; `reach` = median over seeds of the simulated time k workers "
                  "need to reach the 1-worker run's incumbent after 150 queries, over the 1-worker "
                  "time of those 150 queries (in brackets: share of seeds that reached it within "
                  "the budget); `reach/hit` divides by the 1-worker run's first time at that "
                  "incumbent instead. Wall seconds: loaded machine.", "",
                  *async_table(async_rows), ""]  # fmt: skip
    other = [r for r in summary if r["task"] != "nb201-cifar10-valid"]
    if other:
        lines += ["## Other tasks", "", *table(other, with_task=True), "", "Notes:"]
        lines += [f"- {t.name}: {t.note}" for t in tasks if t.name != "nb201-cifar10-valid"]
        refs = {r["hv_ref"] for r in other if r["hv_ref"] != "None"}
        if refs:
            used = ", ".join(sorted(refs))
            best = next(r["optimum"] for r in other if r["hv_ref"] != "None")
            lines += [f"- hv_ref used: {used} (val_acc %, latency ms); true front's hypervolume "
                      f"(the optimum) {best:.3f}. " + HV_NOTE]
        lines += [""]
    lines += ["Plots: " + ", ".join(f"[{p}]({p})" for p in pngs), ""]
    return "\n".join(lines)
